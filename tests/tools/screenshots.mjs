// Takes the README's screenshots from a real demo clinic: the patient list, the calendar, a
// patient's screening panel and a treatment course with its first session booked, in English and
// in Arabic. Usage (from the repository root): node tests/tools/screenshots.mjs [build/autologa]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PROTOCOLS, REPO, login, runCli, show, startServer } from '../lib/server.mjs';

const out = join(REPO, 'docs', 'screenshots');
const dir = await mkdtemp(join(tmpdir(), 'autologa-shots-'));
const db = join(dir, 'demo.db');
const demo = runCli(['demo', '--db', db, '--protocols', PROTOCOLS]);
if (demo.status !== 0) throw new Error(`demo failed: ${demo.stderr}`);
const server = await startServer({ reuse: { dir, db, admin: { username: 'admin', password: 'autologa-demo' } } });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  for (const lang of ['en', 'ar']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const page = await context.newPage();
    await page.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await page.goto(server.url);
    await page.fill('#login-username', 'reception');
    await page.fill('#login-password', 'autologa-demo');
    await page.click('#login-submit');
    await page.waitForSelector('#patient-table tr[data-patient-id]');
    await page.screenshot({ path: join(out, `patients-${lang}.png`) });

    // The calendar by room on the busiest of the coming days (the earliest of equals): today's
    // only appointment is the chair session, at whatever hour the demo was made.
    const busiest = await page.evaluate(async () => {
      const get = async (path) => (await fetch(`/api/v1${path}`, { credentials: 'same-origin' })).json();
      const { today } = await get('/clinic');
      let best = { date: today, count: 0 };
      for (let i = 0; i < 4; i += 1) {
        const start = new Date(Date.parse(`${today}T00:00:00Z`) + i * 7 * 86400000).toISOString().slice(0, 10);
        const { days } = await get(`/schedule/week?start=${start}&by=room`);
        for (const d of days) if (d.appointments.length > best.count) best = { date: d.date, count: d.appointments.length };
      }
      return best.date;
    });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/#/calendar?date=${busiest}&view=day&by=room`);
    await page.waitForSelector('#calendar .appt[data-appointment-id]');
    await page.mouse.move(0, 0); // no cell lit up under a resting pointer
    await page.screenshot({ path: join(out, `calendar-${lang}.png`) });
    await context.close();

    // The demo's first patient took naproxen last night: the panel defers a session tomorrow.
    const doctor = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const dpage = await doctor.newPage();
    await dpage.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await dpage.goto(server.url);
    await dpage.fill('#login-username', 'doctor');
    await dpage.fill('#login-password', 'autologa-demo');
    await dpage.click('#login-submit');
    await dpage.waitForSelector('#patient-table tr[data-patient-id]');
    await dpage.goto(`${server.url}/#/patients/1`);
    await dpage.waitForSelector('#screening-panel [data-treatment="prp-hair"][data-outcome]');
    await dpage.screenshot({ path: join(out, `screening-${lang}.png`) });
    await doctor.close();
  }
  // A course for the demo's first patient: screened for a session three days from now (when
  // last night's naproxen no longer defers it), signed, prescribed and its first session booked.
  const doctorApi = await login(server.url, 'doctor', 'autologa-demo');
  const must = async (r, status, what) => {
    if (r.status !== status) throw new Error(`${what}: ${show(r)}`);
    return r.body;
  };
  const { today } = await must(await doctorApi.get('/api/v1/clinic'), 200, 'clinic');
  const start = new Date(Date.parse(`${today}T00:00:00Z`) + 3 * 86400000).toISOString().slice(0, 10);
  const screening = await must(
    await doctorApi.post('/api/v1/patients/1/screenings', {
      treatment: 'prp-hair',
      session_at: new Date(Date.now() + 3 * 86400000).toISOString(),
    }),
    201,
    'screening',
  );
  await must(
    await doctorApi.post(`/api/v1/screenings/${screening.id}/signoff`, {
      decision: 'proceed',
      reason: 'Course discussed with the patient; no anti-inflammatory painkillers before sessions',
    }),
    200,
    'sign-off',
  );
  const course = await must(
    await doctorApi.post('/api/v1/patients/1/courses', { protocol: 'prp-hair', start_date: start, package: true }),
    201,
    'course',
  );
  const first = course.items[0];
  const { slots } = await must(
    await doctorApi.get(`/api/v1/schedule/slots?course_item=${first.id}&limit=1`),
    200,
    'slots',
  );
  if (!slots.length) throw new Error('the demo calendar has no slot for the first session');
  const slot = slots[0];
  await must(
    await doctorApi.post('/api/v1/appointments', {
      patient_id: 1,
      course_item_id: first.id,
      start: slot.start,
      room_id: slot.room.id,
      clinician_id: slot.clinician.id,
      centrifuge_id: slot.centrifuge ? slot.centrifuge.id : undefined,
    }),
    201,
    'appointment',
  );
  for (const lang of ['en', 'ar']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const page = await context.newPage();
    await page.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await page.goto(server.url);
    await page.fill('#login-username', 'doctor');
    await page.fill('#login-password', 'autologa-demo');
    await page.click('#login-submit');
    await page.waitForSelector('#patient-table tr[data-patient-id]');
    await page.goto(`${server.url}/#/patients/1/courses`);
    await page.waitForSelector(`.course[data-course-id="${course.id}"] .course-item[data-status="booked"]`);
    await page.screenshot({ path: join(out, `course-${lang}.png`) });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(`screenshots written to ${out}`);
