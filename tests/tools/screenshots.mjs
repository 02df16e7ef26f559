// Takes the README's screenshots from a real demo clinic: the patient list, the calendar, a
// patient's screening panel, a treatment course with its first session booked, the guided flow
// at the chair (the injection step, a few zones marked on the face map after a passed identity
// check), the PRP preparation designer's prediction, a patient's outcome charts and the outcomes
// report by protocol, in English and in Arabic, each by driving the web UI in that language;
// what comes before the chair's injection is recorded through the API. Usage (from the repository root): AUTOLOGA_BIN=build/autologa
// node tests/tools/screenshots.mjs (or make screenshots)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PROTOCOLS, REPO, login, runCli, show, startServer } from '../lib/server.mjs';
import { sql } from '../lib/sqlfixture.mjs';

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

    // The clinic manager's outcomes by protocol, over the demo's treated courses.
    const manager = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const mpage = await manager.newPage();
    await mpage.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await mpage.goto(server.url);
    await mpage.fill('#login-username', 'admin');
    await mpage.fill('#login-password', 'autologa-demo');
    await mpage.click('#login-submit');
    await mpage.waitForSelector('#current-user');
    await mpage.goto(`${server.url}/#/reports/outcomes`);
    await mpage.waitForSelector('#report-results:not([aria-busy]) [data-protocol]');
    // The figures and the caveat above them, below the filters.
    await mpage.evaluate(() => {
      const caveat = document.getElementById('report-caveat');
      const header = document.getElementById('app-header');
      window.scrollTo(0, caveat.getBoundingClientRect().top + window.scrollY - header.offsetHeight - 16);
    });
    await mpage.mouse.move(0, 0);
    await mpage.screenshot({ path: join(out, `reports-${lang}.png`) });
    await manager.close();
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

  // The demo's second patient at the chair for the first session of her PRP-of-the-face course:
  // checked in, screened again today, the procedure started, the preparation recorded, a blood
  // tube and a PRP syringe made and labelled, and the syringe scanned with her wristband. Each
  // language then opens the injection step and marks a few zones on the face map.
  const nurseApi = await login(server.url, 'nurse', 'autologa-demo');
  const { appointments } = await must(await nurseApi.get('/api/v1/patients/2/appointments'), 200, 'appointments');
  let appt = appointments.find((a) => a.kind === 'session' && a.course_item_id && a.status === 'booked');
  if (!appt) throw new Error('the demo has no booked session of the second patient');
  // A re-screening only starts a session of its own day or the next: a session booked further
  // ahead (the evening before a closed day) moves to earlier today, which booking allows.
  const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  if (![today, tomorrow].includes(appt.local_start.slice(0, 10))) {
    const { time_zone: zone } = await must(await nurseApi.get('/api/v1/clinic'), 200, 'clinic');
    const { open } = await must(await nurseApi.get(`/api/v1/schedule/day?date=${today}&by=room`), 200, 'day');
    if (zone !== 'UTC' || !open) throw new Error(`no day for the chair session: clinic in ${zone}, open ${open}`);
    let moved = null;
    for (let hour = Number(open.slice(0, 2)) + 1; !moved && hour < 17; hour += 1) {
      const r = await nurseApi.post(`/api/v1/appointments/${appt.id}/move`, {
        start: `${today}T${String(hour).padStart(2, '0')}:00:00.000Z`,
        version: appt.version,
      });
      if (r.status === 200) moved = r.body.appointment;
    }
    if (!moved) throw new Error(`the chair session finds no hour today (${today})`);
    appt = moved;
  }
  appt = await must(
    await nurseApi.post(`/api/v1/appointments/${appt.id}/status`, { status: 'checked_in', version: appt.version }),
    200,
    'check-in',
  );
  const rescreen = await must(
    await nurseApi.post('/api/v1/patients/2/screenings', { treatment: 'prp-face', session_at: appt.start }),
    201,
    're-screening',
  );
  if (!['eligible', 'caution'].includes(rescreen.outcome)) {
    await must(
      await doctorApi.post(`/api/v1/screenings/${rescreen.id}/signoff`, {
        decision: 'proceed',
        reason: 'Re-screened at the chair; nothing new since the course was prescribed',
      }),
      200,
      'sign-off',
    );
  }
  const proc = await must(
    await nurseApi.post(`/api/v1/appointments/${appt.id}/procedure`, { screening_id: rescreen.id }),
    201,
    'procedure',
  );
  const ago = (minutes) => new Date(Date.now() - minutes * 60000).toISOString();
  await must(
    await nurseApi.put(`/api/v1/procedures/${proc.id}/preparation`, {
      version: 0,
      doc: {
        draw: { volume_ml: 18, at: ago(25), by_user_id: null, site: 'left antecubital vein' },
        tubes: [{ product: 'Example PRP tube', lot: 'L2345', expiry: '2030-05-31', anticoagulant: 'acd_a', anticoagulant_ml: 1.5, count: 2 }],
        centrifuge_id: appt.centrifuge ? appt.centrifuge.id : null,
        spins: [
          { rpm: 1500, rcf_g: null, minutes: 10, brake: 'on', temperature_c: 22 },
          { rpm: 3000, rcf_g: null, minutes: 10, brake: 'on', temperature_c: 22 },
        ],
        collected: { layer: 'plasma', volume_ml: 8 },
        final_volume_ml: 4,
        counts: null,
        activation: { agent: 'none', ratio: null },
        ready_at: ago(2),
        notes: null,
      },
    }),
    200,
    'preparation',
  );
  const tube = await must(
    await nurseApi.post(`/api/v1/procedures/${proc.id}/specimens`, { kind: 'blood_tube', collected_at: ago(25) }),
    201,
    'blood tube',
  );
  await must(await nurseApi.post(`/api/v1/specimens/${tube.id}/events`, { event: 'spun' }), 200, 'spun');
  const syringe = await must(
    await nurseApi.post(`/api/v1/procedures/${proc.id}/specimens`, { kind: 'prp', parent_id: tube.id, volume_ml: 4 }),
    201,
    'PRP syringe',
  );
  const labels = await nurseApi.get(`/api/v1/procedures/${proc.id}/labels.pdf`);
  if (labels.status !== 200) throw new Error(`labels: ${show(labels)}`);
  await must(
    await nurseApi.post(`/api/v1/procedures/${proc.id}/identity-checks`, { patient_scan: appt.patient.mrn, specimen_scan: syringe.id }),
    201,
    'identity check',
  );
  // Both cheeks and under both eyes: none of them a high-risk zone of the face.
  const zones = [
    ['cheek_right', '1', 'depot', 'intradermal', '30'],
    ['cheek_left', '1', 'depot', 'intradermal', '30'],
    ['periorbital_right', '0.5', 'depot', 'intradermal', '32'],
    ['periorbital_left', '0.5', 'depot', 'intradermal', '32'],
  ];
  for (const lang of ['en', 'ar']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const page = await context.newPage();
    await page.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await page.goto(server.url);
    await page.fill('#login-username', 'nurse');
    await page.fill('#login-password', 'autologa-demo');
    await page.click('#login-submit');
    await page.waitForSelector('#current-user');
    await page.goto(`${server.url}/#/chair/${appt.id}`);
    const form = page.locator('#chair-panel[data-panel="injection"] #chair-injection-form #injection-form');
    await form.waitFor();
    for (const [zone, volume, technique, depth, gauge] of zones) {
      await form.locator(`svg [data-zone="${zone}"]`).click();
      await form.locator(`#injection-${zone}-volume_ml`).fill(volume);
      await form.locator(`#injection-${zone}-technique`).selectOption(technique);
      await form.locator(`#injection-${zone}-depth`).selectOption(depth);
      await form.locator(`#injection-${zone}-needle_gauge`).fill(gauge);
    }
    await form.locator('[name="anaesthesia.kind"]').selectOption('topical');
    await form.locator('[name="duration_minutes"]').fill('20');
    await form.locator(`#injection-specimen-${syringe.id}`).check();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(out, `chair-${lang}.png`) });
    await context.close();
  }

  // The preparation designer of the same session: the chair's preparation step, the panel
  // prefilled from the record, the labs and the centrifuge, and the prediction of the recorded
  // protocol with the tube after each spin. A blood value the demo's labs lack is typed in.
  const typical = { 'blood.hct': '42', 'blood.platelets_per_ul': '250', 'blood.wbc_per_ul': '6.5', 'rotor.radius_mm': '150' };
  for (const lang of ['en', 'ar']) {
    // Wider than the other pages: the preparation form's tube table needs about 1350 px.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const page = await context.newPage();
    await page.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await page.goto(server.url);
    await page.fill('#login-username', 'nurse');
    await page.fill('#login-password', 'autologa-demo');
    await page.click('#login-submit');
    await page.waitForSelector('#current-user');
    await page.goto(`${server.url}/#/chair/${appt.id}`);
    await page.click('#chair-steps [data-step="preparation"] .chair-step-btn');
    await page.click('#prp-open');
    await page.waitForSelector('#prp-inputs .prp-source[data-for="blood.volume_ml"][data-source]:not([data-source="missing"])');
    await page.waitForFunction(() => !document.getElementById('prp-loading'));
    for (const path of await page.$$eval('#prp-inputs .prp-field.is-missing', (fs) => fs.map((f) => f.dataset.path))) {
      if (!typical[path]) throw new Error(`the designer lacks ${path}, which the screenshot has no value for`);
      await page.fill(`#prp-inputs [name="${path}"]`, typical[path]);
    }
    await page.click('#prp-predict');
    await page.waitForSelector('#prp-result:not([hidden]) #prp-tubes svg.prp-tube');
    // The outcome and the tubes just under the sticky header and patient banner.
    await page.locator('#prp-result').evaluate((el) => {
      const above = ['app-header', 'chair-patient'].reduce((n, id) => n + (document.getElementById(id)?.offsetHeight || 0), 0);
      window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - above - 24);
    });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(out, `prp-designer-${lang}.png`) });
    await context.close();
  }

  // The Outcomes tab of the demo patient whose hair course has measurements: the density chart
  // against the sessions, milestones and the expected band, scrolled to the charts.
  const measuredId = Number(
    sql(db, "SELECT patient_id FROM measurements WHERE measure = 'hair_density' AND voided_at IS NULL LIMIT 1;").trim(),
  );
  const measured = measuredId > 0 ? { id: measuredId } : null;
  if (!measured) throw new Error('the demo has no patient with hair density measurements');
  for (const lang of ['en', 'ar']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'ar' ? 'ar' : 'en-GB' });
    const page = await context.newPage();
    await page.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    await page.goto(server.url);
    await page.fill('#login-username', 'doctor');
    await page.fill('#login-password', 'autologa-demo');
    await page.click('#login-submit');
    await page.waitForSelector('#current-user');
    await page.goto(`${server.url}/#/patients/${measured.id}/outcomes`);
    await page.waitForSelector('figure.outcome-chart[data-measure="hair_density"] circle.point');
    // The timeline card just under the sticky header.
    await page.locator('#timeline-title').evaluate((el) =>
      window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 90),
    );
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(out, `outcomes-${lang}.png`) });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(`screenshots written to ${out}`);
