// The Courses tab of the patient page in headless Chromium, against a real server: a doctor is
// refused a course without a signed screening and led to the screening panel, prescribes a
// PRP course for the scalp after seeing its plan and quote, and finds its timeline with the
// milestones and the quote with its PDF links; reception books the first session from the
// timeline; status changes need a reason; a nurse sees courses but cannot prescribe; the
// Arabic page is right to left with no script error.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import {
  PROTOCOLS,
  REPO,
  createPatient,
  createUser,
  login,
  loginAdmin,
  show,
  startServer,
} from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const TIMEZONE = 'Asia/Dubai';
const CONFIG = '[clinic]\ntime_zone = Asia/Dubai\nslot_minutes = 15\ncurrency = AED\n';

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));
const PRP_HAIR = JSON.parse(readFileSync(join(PROTOCOLS, 'prp-hair.json'), 'utf8'));
const CATALOGUE = JSON.parse(readFileSync(join(PROTOCOLS, 'treatments.json'), 'utf8'));

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

// "AED 1,234.50" from minor units, as the page writes amounts (2 decimals for AED).
function aed(minor) {
  const whole = Math.trunc(minor / 100).toLocaleString('en-US');
  return `AED ${whole}.${String(minor % 100).padStart(2, '0')}`;
}

describe('treatment courses on the patient page', () => {
  let server;
  let admin;
  let doctor;
  let nurse;
  let reception;
  let docApi;
  let browser;
  let signed; // a patient whose prp-hair screening is signed to proceed
  let unsigned; // a patient without any signed screening
  let courseId;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ config: CONFIG });
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    docApi = await login(server.url, doctor.username, doctor.password);
    signed = await createPatient(admin, { given_name: 'Coursewith', family_name: 'Signedscreening', sex: 'male' });
    unsigned = await createPatient(admin, { given_name: 'Coursewithout', family_name: 'Screening', sex: 'male' });

    // The screening: nothing recorded yet, so incomplete; the doctor signs to proceed with an
    // override reason, which is what a course needs.
    const at = new Date(Date.now() + 24 * 3600e3).toISOString();
    const res = await ok(
      await docApi.post(`/api/v1/patients/${signed.id}/screenings`, { treatment: 'prp-hair', session_at: at }),
      201,
      'screening',
    );
    await ok(
      await docApi.post(`/api/v1/screenings/${res.id}/signoff`, {
        decision: 'proceed',
        reason: 'Blood count taken on paper at the referring clinic, within range',
      }),
      200,
      'sign-off',
    );

    // A clinic open every day, one treatment room, the doctor working every day, a centrifuge.
    const week = [1, 2, 3, 4, 5, 6, 7];
    await ok(
      await admin.put('/api/v1/schedule/hours', {
        opening_hours: week.map((weekday) => ({ weekday, open: '09:00', close: '18:00' })),
      }),
      200,
      'opening hours',
    );
    await ok(await admin.post('/api/v1/rooms', { name: 'Treatment room 1', kind: 'treatment' }), 201, 'room');
    await ok(
      await admin.post('/api/v1/clinicians', {
        user_id: doctor.user.id,
        hours: week.map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
      }),
      201,
      'clinician',
    );
    await ok(
      await admin.post('/api/v1/centrifuges', { name: 'Centrifuge A', model: 'Test model', rotor_radius_mm: 100 }),
      201,
      'centrifuge',
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  async function openAs(user, { lang = 'en' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: TIMEZONE, locale: 'en-GB' });
    if (lang !== 'en') await context.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.fill('#login-username', user.username);
    await page.fill('#login-password', user.password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    return page;
  }

  async function openCourses(page, patient) {
    await page.goto(`${server.url}/#/patients/${patient.id}`);
    await page.locator('#patient-tabs #tab-courses').click();
    await page.locator('#tab-courses[aria-current="page"]').waitFor();
    await page.locator('#course-list:not([aria-busy])').waitFor();
  }

  it('refuses a course without a signed screening and leads to the screening panel', async () => {
    const page = await openAs(doctor);
    await openCourses(page, unsigned);
    await page.locator('#course-list .empty-title').filter({ hasText: EN['course.none'] }).waitFor();
    await page.locator('#prescribe-course').click();
    await page.locator('#course-form').waitFor();
    // The three treatments without a course protocol are listed but cannot be chosen.
    const withoutProtocol = CATALOGUE.treatments.filter((t) => t.protocol === null).map((t) => t.code);
    assert.equal(withoutProtocol.length, 3);
    for (const code of withoutProtocol) {
      const opt = page.locator(`#course-protocol option[data-treatment="${code}"]`);
      assert.equal(await opt.isDisabled(), true, `${code} can be chosen`);
      assert.ok((await opt.innerText()).includes(EN['course.no_protocol']));
    }
    await page.locator('#course-protocol').selectOption('prp-hair');
    await page.locator('#course-submit').click();
    const link = page.locator('#course-error a#course-screening-link');
    await link.waitFor();
    assert.ok((await page.locator('#course-error').innerText()).includes(EN['error.screening_required']));
    const list = await docApi.get(`/api/v1/patients/${unsigned.id}/courses`);
    assert.deepEqual(list.body.courses, [], 'a course was stored without a screening');
    await link.click();
    await page.locator('#screening-panel').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'screening-panel');
    await page.context().close();
  });

  it('prescribes a PRP course for the scalp after showing its plan and quote', async () => {
    const page = await openAs(doctor);
    await openCourses(page, signed);
    await page.locator('#prescribe-course').click();
    await page.locator('#course-protocol').selectOption('prp-hair');
    // The preview: one entry per planned item and the quote's total.
    const s = PRP_HAIR.sessions;
    const followUps = PRP_HAIR.follow_ups.length;
    const maintenance = PRP_HAIR.maintenance ? PRP_HAIR.maintenance.count : 0;
    const preview = page.locator('#course-preview-plan .course-item');
    await preview.first().waitFor();
    assert.equal(await preview.count(), s.count + maintenance + followUps);
    const start = await page.locator('#course-start').inputValue();
    assert.match(start, /^\d{4}-\d{2}-\d{2}$/);
    await page.locator('#course-package').check();
    await page.locator('#course-notes').fill('Vertex thinning; photos taken at the first visit');
    const previewTotal = (await page.locator('#course-preview-quote .quote-total td').innerText()).trim();
    const previewDates = await page
      .locator('#course-preview-plan .course-item')
      .evaluateAll((els) => els.map((el) => [...el.querySelectorAll('time')].map((t) => t.getAttribute('datetime'))));
    await page.screenshot({ path: join(OUT, 'course-prescribe-en.png') });
    await page.locator('#course-submit').click();
    await page.locator('#course-dialog').waitFor({ state: 'detached' });

    const list = await ok(await docApi.get(`/api/v1/patients/${signed.id}/courses`), 200, 'courses');
    assert.equal(list.courses.length, 1);
    courseId = list.courses[0].id;
    const course = await ok(await docApi.get(`/api/v1/courses/${courseId}`), 200, 'course');
    assert.equal(course.protocol, 'prp-hair');
    assert.equal(course.package, true);
    assert.equal(course.start_date, start);
    // The preview said what the server laid out: the same dates and windows, the same total.
    assert.equal(aed(course.quote.total_minor), previewTotal.replace(/\s+/g, ' '));
    assert.deepEqual(previewDates, course.items.map((x) => [x.target_date, x.earliest_date, x.latest_date]));

    const card = page.locator(`.course[data-course-id="${courseId}"]`);
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), course.status);
    const items = card.locator('.course-item');
    assert.equal(await items.count(), course.items.length);
    for (const [i, item] of course.items.entries()) {
      const el = items.nth(i);
      assert.equal(await el.getAttribute('data-item-id'), String(item.id));
      assert.equal(await el.getAttribute('data-status'), 'planned');
      assert.equal(await el.locator('.course-item-target time').getAttribute('datetime'), item.target_date);
      const window = el.locator('.course-item-window time');
      assert.deepEqual(await window.evaluateAll((ts) => ts.map((x) => x.getAttribute('datetime'))),
        [item.earliest_date, item.latest_date]);
    }
    // Each milestone says what to expect, in the protocol's words.
    for (const f of PRP_HAIR.follow_ups) {
      const item = course.items.find((x) => x.milestone === f.code);
      assert.ok(item, `no item for the milestone ${f.code}`);
      const text = await card.locator(`.course-item[data-item-id="${item.id}"] .course-item-expect`).innerText();
      assert.equal(text.trim(), f.expect.en);
    }
    const progress = card.locator('[role="progressbar"]');
    assert.equal(await progress.getAttribute('aria-valuenow'), String(course.progress.done));
    assert.equal(await progress.getAttribute('aria-valuemax'), String(course.progress.total));
    assert.ok((await card.locator('.course-total').innerText()).includes(aed(course.quote.total_minor)));
    // Every role may book (schedule.book): each planned item offers it.
    assert.equal(await card.locator('[data-action="book"]').count(), course.items.filter((x) => x.status === 'planned').length);
    await page.screenshot({ path: join(OUT, 'course-timeline-en.png'), fullPage: true });

    // The quote, with its PDF links and the print view.
    await card.locator('[data-action="quote"]').click();
    const quoteEl = page.locator('#quote-dialog #course-quote');
    await quoteEl.waitFor();
    const quote = await ok(await docApi.get(`/api/v1/courses/${courseId}/quote`), 200, 'quote');
    assert.equal(await quoteEl.locator('.quote-line').count(), quote.lines.length);
    assert.ok((await quoteEl.locator('.quote-subtotal').innerText()).includes(aed(quote.subtotal_minor)));
    assert.ok((await quoteEl.locator('.quote-total').innerText()).includes(aed(quote.total_minor)));
    if (quote.discount_minor > 0)
      assert.ok((await quoteEl.locator('.quote-discount').innerText()).includes(aed(quote.discount_minor)));
    assert.equal(await page.locator('#quote-pdf-en').getAttribute('href'), `/api/v1/courses/${courseId}/quote.pdf?lang=en`);
    assert.equal(await page.locator('#quote-pdf-ar').getAttribute('href'), `/api/v1/courses/${courseId}/quote.pdf?lang=ar`);
    // The links give PDFs to the signed-in browser.
    for (const lang of ['en', 'ar']) {
      const pdf = await page.request.get(`${server.url}/api/v1/courses/${courseId}/quote.pdf?lang=${lang}`);
      assert.equal(pdf.status(), 200, `quote.pdf?lang=${lang}`);
      assert.match(pdf.headers()['content-type'], /^application\/pdf/);
      assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    }
    await page.screenshot({ path: join(OUT, 'course-quote-en.png') });
    await page.locator('#quote-print').click();
    await page.locator('#quote-page #course-quote').waitFor();
    await page.locator('#quote-dialog').waitFor({ state: 'detached' });
    assert.ok((await page.locator('#quote-page .quote-total').innerText()).includes(aed(quote.total_minor)));
    // On paper the links and buttons are left out.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('#quote-print-now').isVisible(), false);
    assert.equal(await page.locator('#app-header').isVisible(), false);
    assert.equal(await page.locator('#quote-page .quote-total').isVisible(), true);
    await page.emulateMedia({ media: 'screen' });
    await page.context().close();
  });

  it('lets reception book the first session from the timeline', async () => {
    assert.ok(courseId, 'the course of the previous test');
    const page = await openAs(reception);
    await openCourses(page, signed);
    assert.equal(await page.locator('#prescribe-course').count(), 0, 'reception may not prescribe');
    const card = page.locator(`.course[data-course-id="${courseId}"]`);
    const first = card.locator('.course-item').first();
    const itemId = await first.getAttribute('data-item-id');
    await first.locator('[data-action="book"]').click();
    await page.locator('#book-dialog').waitFor();
    await page.locator('#book-find').click();
    const slot = page.locator('#book-dialog .slot[data-start]').first();
    await slot.waitFor();
    const startIso = await slot.getAttribute('data-start');
    await slot.click();
    await page.locator('#book-confirm').click();
    await page.locator('#book-dialog').waitFor({ state: 'detached' });
    const booked = card.locator(`.course-item[data-item-id="${itemId}"][data-status="booked"]`);
    await booked.waitFor();
    const course = await ok(await docApi.get(`/api/v1/courses/${courseId}`), 200, 'course');
    const item = course.items.find((x) => String(x.id) === itemId);
    assert.equal(item.status, 'booked');
    assert.equal(new Date(item.appointment.start).getTime(), new Date(startIso).getTime());
    // The appointment's local time is shown as the clinic's clock says it.
    const [day, time] = item.appointment.local.split('T');
    const appt = booked.locator('.course-item-appt');
    assert.equal(await appt.locator('time').getAttribute('datetime'), item.appointment.local);
    assert.ok((await appt.innerText()).includes(time), `${time} in ${await appt.innerText()}`);
    assert.ok(day);
    assert.equal(await booked.locator('[data-action="book"]').count(), 0, 'a booked item offers booking again');
    assert.equal(await booked.locator('.course-item-warning').count(), item.outside_window ? 1 : 0);
    await page.screenshot({ path: join(OUT, 'course-booked-en.png'), fullPage: true });
    await page.context().close();
  });

  it('puts a course on hold with a reason and resumes it', async () => {
    const page = await openAs(doctor);
    await openCourses(page, signed);
    const card = page.locator(`.course[data-course-id="${courseId}"]`);
    await card.locator('[data-action="hold"]').click();
    await page.locator('#course-status-dialog').waitFor();
    await page.locator('#course-status-confirm').click();
    await page.locator('#course-status-dialog [data-error-for="reason"]').filter({ hasText: EN['error.required'] }).waitFor();
    const reason = 'Patient travelling abroad for two months';
    await page.locator('#course-status-reason').fill(reason);
    await page.locator('#course-status-confirm').click();
    await page.locator('#course-status-dialog').waitFor({ state: 'detached' });
    const held = page.locator(`.course[data-course-id="${courseId}"][data-status="on_hold"]`);
    await held.waitFor();
    assert.ok((await held.locator('.course-reason').innerText()).includes(reason));
    assert.equal(await held.locator('[data-action="book"]').count(), 0, 'a course on hold offers booking');
    const stored = await ok(await docApi.get(`/api/v1/courses/${courseId}`), 200, 'course');
    assert.equal(stored.status, 'on_hold');
    assert.equal(stored.status_reason, reason);

    // By keyboard: the resume button, the optional reason, then Cancel and Resume in tab order.
    await held.locator('[data-action="resume"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#course-status-dialog').waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'course-status-reason');
    await page.keyboard.type('Back from travelling');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.waitForFunction(() => document.activeElement?.id === 'course-status-confirm');
    await page.keyboard.press('Enter');
    await page.locator(`.course[data-course-id="${courseId}"][data-status="active"]`).waitFor();
    // Focus comes back to the course that changed, not to the top of the page.
    await page.waitForFunction((id) => document.activeElement?.dataset.courseId === String(id), courseId);
    await page.context().close();
  });

  it('shows a nurse the courses without the prescription or the status actions', async () => {
    const page = await openAs(nurse);
    await openCourses(page, signed);
    await page.locator(`.course[data-course-id="${courseId}"]`).waitFor();
    assert.equal(await page.locator('#prescribe-course').count(), 0);
    for (const action of ['hold', 'resume', 'complete', 'cancel'])
      assert.equal(await page.locator(`[data-action="${action}"]`).count(), 0, action);
    await page.context().close();
  });

  it('lays the page out right to left in Arabic with no script error', async () => {
    const page = await openAs(doctor, { lang: 'ar' });
    await openCourses(page, signed);
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal((await page.locator('#tab-courses').innerText()).trim(), AR['tabs.courses']);
    const card = page.locator(`.course[data-course-id="${courseId}"]`);
    await card.waitFor();
    assert.equal((await card.locator('[data-action="quote"]').innerText()).trim(), AR['course.show_quote']);
    // The timeline's markers sit on the right in Arabic.
    const marker = await card.locator('.course-item-marker').first().boundingBox();
    const body = await card.locator('.course-item-body').first().boundingBox();
    assert.ok(marker.x > body.x, 'the markers are not on the right');
    // Amounts keep Latin digits and their code, left to right.
    const total = card.locator('.course-total .money');
    assert.equal(await total.getAttribute('dir'), 'ltr');
    assert.match(await total.innerText(), /^AED [0-9,]+\.[0-9]{2}$/);
    await card.locator('[data-action="quote"]').click();
    await page.locator('#quote-dialog #course-quote').waitFor();
    assert.equal((await page.locator('#quote-pdf-ar').innerText()).trim(), AR['course.quote_pdf_ar']);
    await page.screenshot({ path: join(OUT, 'course-quote-ar.png') });
    await page.keyboard.press('Escape');
    await page.locator('#quote-dialog').waitFor({ state: 'detached' });
    await page.screenshot({ path: join(OUT, 'course-timeline-ar.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
