// The guided flow at the chair in headless Chromium, against a real server: a nurse takes a PRP
// patient from the calendar's appointment through check-in, the re-screening (signed by a
// doctor), the preparation, a blood tube and a PRP syringe, the labels, a WRONG tube scanned
// (another patient's: the red stop, the injection locked, the failure audited), the right
// syringe scanned, the injection on the scalp map, the aftercare sheet and completion; once in
// English and once in Arabic, right to left. The patient page's Procedures tab leads back to it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, login, loginAdmin, show, startServer } from '../lib/server.mjs';
import { addRoom, openEveryDay } from '../lib/calendar.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

// A clinic whose local time is around midday now, so that every session of the test fits in
// today's opening hours whenever the test runs (Etc/GMT-4 is four hours ahead of UTC).
const OFFSET_H = 12 - new Date().getUTCHours();
const ZONE = OFFSET_H === 0 ? 'UTC' : `Etc/GMT${OFFSET_H > 0 ? '-' : '+'}${Math.abs(OFFSET_H)}`;
const CONFIG = `[clinic]\ntime_zone = ${ZONE}\nslot_minutes = 15\ncurrency = AED\n`;
const TODAY = new Date(Date.now() + OFFSET_H * 3600e3).toISOString().slice(0, 10);

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

// The UTC instant of today's local time `hhmm` in the clinic.
function todayAt(hhmm) {
  return new Date(Date.parse(`${TODAY}T${hhmm}:00Z`) - OFFSET_H * 3600e3).toISOString();
}

describe('the guided flow at the chair', () => {
  let server;
  let admin;
  let doctor;
  let nurse;
  let docApi;
  let nurseApi;
  let room;
  let clinician;
  let centrifuge;
  let browser;
  let otherTube; // a blood tube of another patient's procedure
  const pageErrors = [];

  async function book(patient, hhmm) {
    return ok(
      await admin.post('/api/v1/appointments', {
        patient_id: patient.id,
        kind: 'session',
        start: todayAt(hhmm),
        duration_minutes: 45,
        prep_minutes: 0,
        room_id: room.id,
        clinician_id: clinician.id,
      }),
      201,
      'booking',
    );
  }

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ config: CONFIG });
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    docApi = await login(server.url, doctor.username, doctor.password);
    nurseApi = await login(server.url, nurse.username, nurse.password);
    await openEveryDay(admin, '07:00', '19:00');
    room = await addRoom(admin, 'Treatment room 1');
    clinician = await ok(
      await admin.post('/api/v1/clinicians', {
        user_id: doctor.user.id,
        hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '07:00', end: '19:00' })),
      }),
      201,
      'clinician',
    );
    centrifuge = await ok(
      await admin.post('/api/v1/centrifuges', { name: 'Centrifuge A', model: 'Benchtop (test)', rotor_radius_mm: 86 }),
      201,
      'centrifuge',
    );

    // Another patient at the chair earlier today, with a blood tube drawn: the wrong tube.
    const other = await createPatient(admin, { given_name: 'Otherchair', family_name: 'Patient', given_name_ar: 'آخر', family_name_ar: 'مريض' });
    const appt = await book(other, '08:00');
    await ok(await nurseApi.post(`/api/v1/appointments/${appt.id}/status`, { status: 'checked_in', version: appt.version }), 200, 'check-in');
    const scr = await ok(
      await nurseApi.post(`/api/v1/patients/${other.id}/screenings`, { treatment: 'prp-hair', session_at: new Date().toISOString() }),
      201,
      'screening',
    );
    await ok(
      await docApi.post(`/api/v1/screenings/${scr.id}/signoff`, { decision: 'proceed', reason: 'Platelet count on paper from the referring clinic, normal' }),
      200,
      'sign-off',
    );
    const proc = await ok(
      await nurseApi.post(`/api/v1/appointments/${appt.id}/procedure`, { screening_id: scr.id, treatment: 'prp-hair' }),
      201,
      'procedure',
    );
    otherTube = (await ok(await nurseApi.post(`/api/v1/procedures/${proc.id}/specimens`, { kind: 'blood_tube' }), 201, 'tube')).id;

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
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: ZONE === 'UTC' ? 'UTC' : ZONE, locale: 'en-GB' });
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

  const step = (page, name) => page.locator(`#chair-steps [data-step="${name}"]`);
  const stepState = (page, name) => step(page, name).getAttribute('data-state');

  async function openStep(page, name) {
    await step(page, name).locator('button').click();
    await page.locator(`#chair-panel[data-panel="${name}"]`).waitFor();
  }

  // A PDF link of the page answers a PDF to the signed-in browser.
  async function assertPdf(page, selector) {
    const href = await page.locator(selector).getAttribute('href');
    const r = await page.request.get(`${server.url}${href}`);
    assert.equal(r.status(), 200, `${href}: ${r.status()}`);
    assert.match(r.headers()['content-type'], /^application\/pdf/);
    assert.equal((await r.body()).subarray(0, 5).toString('latin1'), '%PDF-');
  }

  // The preparation form of the forms component: the draw, two spins on the clinic's
  // centrifuge, the plasma collected and the final volume.
  async function recordPreparation(page) {
    const form = page.locator('#chair-prep-form #prep-form');
    await form.waitFor();
    await form.locator('[name="draw.volume_ml"]').fill('18');
    await form.locator('[name="centrifuge_id"]').selectOption(String(centrifuge.id));
    await form.locator('[name="spins.0.rpm"]').fill('1500');
    await form.locator('[name="spins.0.minutes"]').fill('10');
    if (!(await form.locator('#prep-spin2-on').isChecked())) await form.locator('#prep-spin2-on').check();
    await form.locator('[name="spins.1.rpm"]').fill('3000');
    await form.locator('[name="spins.1.minutes"]').fill('10');
    await form.locator('[name="final_volume_ml"]').fill('4');
    await form.locator('#prep-save').click();
    await page.locator('#chair-prep-form #prep-computed-title').waitFor();
  }

  // The injection form of the forms component: the crown clicked on the scalp map, 2 mL by
  // nappage, and the syringe that passed the identity check.
  async function recordInjection(page, prpId) {
    const form = page.locator('#chair-injection-form #injection-form');
    await form.waitFor();
    await form.locator('svg [data-zone="crown"]').click();
    await form.locator('#injection-crown-volume_ml').fill('2');
    await form.locator('#injection-crown-technique').selectOption('nappage');
    await form.locator('#injection-crown-depth').selectOption('intradermal');
    await form.locator('#injection-crown-needle_gauge').fill('30');
    await form.locator('[name="anaesthesia.kind"]').selectOption('none');
    await form.locator(`#injection-specimen-${prpId}`).check();
    await form.locator('#injection-save').click();
  }

  async function runFlow({ lang, patient, at }) {
    const T = lang === 'ar' ? AR : EN;
    const appt = await book(patient, at);

    // From the calendar's appointment to the chair.
    const page = await openAs(nurse, { lang });
    await page.goto(`${server.url}/#/calendar?date=${TODAY}&view=day&by=room`);
    await page.locator(`#calendar .appt[data-appointment-id="${appt.id}"]`).click();
    await page.locator('#appointment-dialog #appt-chair').click();
    await page.waitForURL(new RegExp(`#/chair/${appt.id}$`));
    await page.locator('#chair-steps').waitFor();
    assert.equal(await page.locator('#appointment-dialog').count(), 0, 'the dialog stays open over the chair');
    assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');

    // The identity banner: both scripts, the MRN, the date of birth.
    const bannerText = await page.locator('#chair-patient').innerText();
    for (const part of [patient.given_name, patient.given_name_ar, patient.mrn]) {
      assert.ok(bannerText.includes(part), `the banner lacks ${part}: ${bannerText}`);
    }
    const names = await page.locator('#chair-steps .chair-step-name').allInnerTexts();
    assert.deepEqual(
      names.map((s) => s.trim()),
      ['checkin', 'screening', 'preparation', 'labels', 'identity', 'injection', 'aftercare', 'finish'].map((k) => T[`chair.step.${k}`]),
    );
    assert.equal(await stepState(page, 'checkin'), 'todo');
    assert.equal(await stepState(page, 'screening'), 'locked');
    assert.equal(await stepState(page, 'injection'), 'locked');

    // Check-in.
    await page.locator('#chair-checkin').click();
    await page.locator('#chair-steps [data-step="checkin"][data-state="done"]').waitFor();
    await page.locator('#chair-panel[data-panel="screening"]').waitFor();

    // The re-screening: nothing on file, so the outcome needs a doctor; the start stays locked.
    await page.locator('#chair-treatment').selectOption('prp-hair');
    await page.locator('#chair-rescreen').click();
    const card = page.locator('#chair-screening[data-screening-id]');
    await card.waitFor();
    const outcome = await card.getAttribute('data-outcome');
    const screeningId = await card.getAttribute('data-screening-id');
    if (!['eligible', 'caution'].includes(outcome)) {
      assert.equal(await page.locator('#chair-start').isDisabled(), true, 'the start is open without a sign-off');
      await page.locator('#chair-signoff-needed').waitFor();
      await ok(
        await docApi.post(`/api/v1/screenings/${screeningId}/signoff`, {
          decision: 'proceed',
          reason: 'Blood count from the referring clinic seen on paper, within range',
        }),
        200,
        'sign-off',
      );
      // Resumable: the page, reloaded, finds the signed re-screening and its treatment.
      await page.reload();
      await page.locator('#chair-panel[data-panel="screening"] #chair-screening .chair-signoff[data-decision="proceed"]').waitFor();
    }
    await page.locator('#chair-start:not([disabled])').click();
    await page.locator('#chair-steps [data-step="screening"][data-state="done"]').waitFor();
    await page.locator('#chair-panel[data-panel="preparation"]').waitFor();

    // Preparation, a blood tube, then (after the spins) a PRP syringe from it.
    await recordPreparation(page);
    await page.locator('#add-blood-tube').click();
    const tube = page.locator('#specimen-list [data-kind="blood_tube"]');
    await tube.waitFor();
    const tubeId = await tube.getAttribute('data-specimen-id');
    await page.locator('#add-prp-syringe:not([disabled])').click();
    const syringe = page.locator('#specimen-list [data-kind="prp"]');
    await syringe.waitFor();
    const prpId = await syringe.getAttribute('data-specimen-id');
    assert.match(prpId, /^S\d{7}$/);
    await page.locator('#chair-steps [data-step="preparation"][data-state="done"]').waitFor();

    // Labels: the PDFs answer, and printing them is recorded on each specimen.
    await openStep(page, 'labels');
    await assertPdf(page, '#print-labels');
    await assertPdf(page, '#print-wristband');
    // Printing from the page opens the PDF beside it; the page then reads the events again.
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.locator('#print-labels').click()]);
    await popup.close();
    await page.locator(`#label-list [data-specimen-id="${tubeId}"][data-labelled="true"]`).waitFor();
    await page.locator(`#label-list [data-specimen-id="${prpId}"][data-labelled="true"]`).waitFor();
    await page.locator('#chair-steps [data-step="labels"][data-state="done"]').waitFor();

    // The identity check with the WRONG tube: another patient's. A keyboard-wedge scanner types
    // and presses Enter; the first Enter moves to the specimen field.
    await openStep(page, 'identity');
    await page.waitForFunction(() => document.activeElement?.id === 'scan-patient');
    await page.keyboard.type(patient.mrn);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'scan-specimen');
    await page.keyboard.type(otherTube);
    await page.keyboard.press('Enter');
    const fail = page.locator('#identity-result.fail[role="alert"]');
    await fail.waitFor();
    const failText = await fail.innerText();
    assert.ok(failText.includes(T['chair.identity.stop']), failText);
    if (lang === 'ar') assert.ok(failText.includes(AR['chair.identity_fail.specimen_other_patient']), failText);
    assert.equal(await fail.getAttribute('data-failure'), 'specimen_other_patient');
    const box = await fail.boundingBox();
    const panelBox = await page.locator('#chair-panel .chair-panel-body').boundingBox();
    assert.ok(box.width >= panelBox.width - 2, 'the stop is not full width');
    assert.equal(await page.locator('#scan-patient').inputValue(), '');
    assert.equal(await page.locator('#scan-specimen').inputValue(), '');
    assert.equal(await stepState(page, 'injection'), 'locked');
    await page.screenshot({ path: join(OUT, `chair-identity-stop-${lang}.png`) });
    await openStep(page, 'injection');
    await page.locator('#chair-panel .chair-locked').waitFor();
    assert.equal(await page.locator('#chair-injection-form').count(), 0, 'the injection form shows while locked');

    // The right syringe: a pass naming it, and the injection opens.
    await openStep(page, 'identity');
    await page.locator('#scan-patient').fill(patient.mrn);
    await page.locator('#scan-patient').press('Enter');
    await page.keyboard.type(prpId.toLowerCase());
    await page.keyboard.press('Enter');
    const pass = page.locator('#identity-result.pass');
    await pass.waitFor();
    assert.ok((await pass.innerText()).includes(prpId));
    assert.equal(await page.locator('#identity-checks [data-passed="false"]').count(), 1);
    assert.equal(await page.locator('#identity-checks [data-passed="true"]').count(), 1);
    await page.locator('#chair-steps [data-step="injection"][data-state="todo"]').waitFor();

    // The injection on the scalp map; saving it moves on to the aftercare.
    await page.locator('#identity-continue').click();
    await recordInjection(page, prpId);
    await page.locator('#chair-steps [data-step="injection"][data-state="done"]').waitFor();
    await page.locator('#chair-panel[data-panel="aftercare"]').waitFor();

    // Aftercare: the sheet in the patient's language first, then given.
    const first = patient.preferred_language;
    const second = first === 'ar' ? 'en' : 'ar';
    await assertPdf(page, `#aftercare-pdf-${first}`);
    await assertPdf(page, `#aftercare-pdf-${second}`);
    assert.equal(await page.locator(`#aftercare-lang-${first}`).isChecked(), true);
    await page.locator('#aftercare-given').click();
    await page.locator('#chair-steps [data-step="aftercare"][data-state="done"]').waitFor();
    await page.locator('#chair-panel[data-panel="finish"]').waitFor();

    // Finish: completed, and the appointment is done.
    await page.locator('#chair-complete:not([disabled])').click();
    await page.locator('#chair-done').waitFor();
    await page.locator('#chair-steps [data-step="finish"][data-state="done"]').waitFor();
    await page.screenshot({ path: join(OUT, `chair-done-${lang}.png`) });

    const apptNow = await ok(await nurseApi.get(`/api/v1/appointments/${appt.id}`), 200, 'appointment');
    assert.equal(apptNow.status, 'done');
    const proc = await ok(await nurseApi.get(`/api/v1/appointments/${appt.id}/procedure`), 200, 'procedure');
    assert.equal(proc.status, 'completed');
    assert.equal(proc.aftercare.lang, first);
    assert.deepEqual(proc.injection.doc.specimens, [prpId]);
    assert.equal(proc.specimens.find((s) => s.id === prpId).status, 'injected');

    // The audit holds the failed check beside the passed one.
    const failed = await ok(await admin.get('/api/v1/audit?action=identity.check_failed&limit=100'), 200, 'audit');
    assert.ok(
      failed.items.some((e) => e.username === nurse.username && e.entity === 'procedure' && String(e.entity_id) === String(proc.id)),
      `no identity.check_failed of procedure ${proc.id}: ${JSON.stringify(failed.items)}`,
    );
    // The day-1 and day-7 check-ins are queued for the appointment.
    const outbox = await ok(await admin.get('/api/v1/outbox?status=pending&limit=500'), 200, 'outbox');
    const kinds = outbox.messages.filter((m) => m.appointment_id === appt.id).map((m) => m.kind).sort();
    assert.deepEqual(kinds.filter((k) => k.startsWith('aftercare')), ['aftercare_day1', 'aftercare_day7']);
    return { page, appt, proc };
  }

  let english;

  it('takes a PRP patient from check-in to the aftercare sheet in English', async () => {
    const patient = await createPatient(admin, {
      given_name: 'Chairflow', family_name: 'English', given_name_ar: 'كرسي', family_name_ar: 'إنجليزي',
      preferred_language: 'en',
    });
    english = { patient, ...(await runFlow({ lang: 'en', patient, at: '10:00' })) };
    await english.page.context().close();
  });

  it('does the same in Arabic, right to left', async () => {
    const patient = await createPatient(admin, {
      given_name: 'Chairflow', family_name: 'Arabic', given_name_ar: 'ليلى', family_name_ar: 'عربية',
      preferred_language: 'ar', sex: 'female',
    });
    const { page } = await runFlow({ lang: 'ar', patient, at: '11:00' });
    // The stepper and the panel are laid out right to left: the steps on the right.
    const steps = await page.locator('#chair-steps').boundingBox();
    const panel = await page.locator('#chair-panel').boundingBox();
    assert.ok(steps.x > panel.x, 'the steps are not on the right in Arabic');
    await page.context().close();
  });

  it('lists the procedure on the patient page, each opening the chair view', async () => {
    assert.ok(english, 'the English flow did not run');
    const page = await openAs(nurse);
    await page.goto(`${server.url}/#/patients/${english.patient.id}`);
    await page.locator('#patient-tabs #tab-procedures').click();
    const item = page.locator(`#procedure-list [data-procedure-id="${english.proc.id}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-status'), 'completed');
    await item.locator('[data-action="open-chair"]').click();
    await page.waitForURL(new RegExp(`#/chair/${english.appt.id}$`));
    await page.locator('#chair-steps [data-step="finish"][data-state="done"]').waitFor();
    // Done: the finish step is where a finished procedure opens.
    await page.locator('#chair-panel[data-panel="finish"] #chair-done').waitFor();
    await page.context().close();
  });

  it('ran without a script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
