// The assessment and medical-history pages in headless Chromium against a real server: a hair
// assessment chosen from pictures and the scalp map, its versions, a face assessment, a history
// with a drug found as one types, the Arabic form, a server error at its field, and who may see
// and change these pages.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, login, loginAdmin, show, startServer } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));
const ARABIC = /[\u0600-\u06FF]/;

describe('clinical pages: assessments and medical history', () => {
  let server;
  let browser;
  let admin;
  let doctor;
  let nurse;
  let reception;
  let man;
  let woman;
  let other;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    man = await createPatient(admin, {
      given_name: 'Karim',
      family_name: 'Sampleman',
      given_name_ar: 'كريم',
      family_name_ar: 'تجريبي',
      sex: 'male',
    });
    woman = await createPatient(admin, { given_name: 'Lina', family_name: 'Samplewoman', sex: 'female' });
    other = await createPatient(admin, { given_name: 'Sami', family_name: 'Sampleother', sex: 'other' });
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

  // A fresh browser context signed in through the login form, in the language given.
  async function openAs(account, { lang = 'en' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    if (lang !== 'en') {
      await context.addInitScript((l) => {
        try {
          localStorage.setItem('autologa.lang', l);
        } catch {
          /* the page's own storage comes next */
        }
      }, lang);
    }
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.fill('#login-username', account.username);
    await page.fill('#login-password', account.password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    return page;
  }

  // The id in #/assessments/<id> once the form has saved and shows its versions.
  async function savedAssessmentId(page, version) {
    await page.locator(`#assessment-versions [data-version="${version}"]`).waitFor();
    const m = /#\/assessments\/(\d+)$/.exec(page.url());
    assert.ok(m, `not on an assessment page after saving: ${page.url()}`);
    return Number(m[1]);
  }

  // The records are read back through a doctor's session: the admin has no clinical.read.
  let doctorApi;
  async function api() {
    if (!doctorApi) doctorApi = await login(server.url, doctor.username, doctor.password);
    return doctorApi;
  }

  let hairId;

  it('records a hair assessment from the pictures, the scalp map and the factors', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${man.id}/assessments`);
    await page.locator('#new-assessment').click();
    await page.locator('form#assessment-form').waitFor();
    await page.fill('#assessment-form [name="visit_date"]', '2025-10-01');
    await page.check('#assessment-form input[name="complaint"][value="hair"]');
    // The grade is chosen by clicking its picture, not the radio.
    const picture = page.locator(
      'label:has(input[name="hair.norwood"][value="III-vertex"]) img[src="img/scales/norwood-III-vertex.svg"]',
    );
    await picture.click();
    assert.equal(
      await page.locator('input[name="hair.norwood"][value="III-vertex"]').isChecked(),
      true,
      'clicking the picture did not choose the grade',
    );
    await page.locator('.scalp-map [data-zone="vertex"]').click();
    await page.locator('.scalp-map [data-zone="frontal"]').click();
    assert.equal(await page.locator('.scalp-map [data-zone="vertex"]').getAttribute('aria-checked'), 'true');
    await page.check('input[name="hair.factors"][value="genetics"]');
    await page.check('input[name="hair.factors"][value="stress"]');
    await page.fill('#assessment-form [name="hair.duration_months"]', '18');
    await page.check('input[name="hair.hair_present_in_area"][value="true"]');
    await page.check('input[name="consent_to_risks"][value="true"]');
    await page.check('input[name="acute_illness"][value="false"]');
    await page.screenshot({ path: join(OUT, 'clinical-hair-new.png'), fullPage: true });
    await page.click('#assessment-save');
    hairId = await savedAssessmentId(page, 1);

    const r = await (await api()).get(`/api/v1/assessments/${hairId}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.visit_date, '2025-10-01');
    assert.equal(r.body.complaint, 'hair');
    assert.equal(r.body.face, null);
    assert.equal(r.body.hair.norwood, 'III-vertex');
    assert.deepEqual([...r.body.hair.zones].sort(), ['frontal', 'vertex']);
    assert.deepEqual([...r.body.hair.factors].sort(), ['genetics', 'stress']);
    assert.equal(r.body.hair.duration_months, 18);
    assert.equal(r.body.hair.hair_present_in_area, true);
    assert.equal(r.body.hair.ludwig, null);
    assert.equal(r.body.consent_to_risks, true);
    assert.equal(r.body.acute_illness, false);

    // The list shows it, with its grade as written.
    await page.locator('#tab-assessments').click();
    const row = page.locator(`#assessment-list [data-assessment-id="${hairId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Norwood III vertex/);
    await page.context().close();
  });

  it('edits the assessment and shows versions 2 and 1 with what changed', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${man.id}/assessments`);
    await page.locator(`#assessment-list [data-assessment-id="${hairId}"] a`).click();
    await page.locator('form#assessment-form').waitFor();
    // The saved values are back in the form.
    assert.equal(await page.locator('input[name="hair.norwood"][value="III-vertex"]').isChecked(), true);
    assert.equal(await page.locator('.scalp-map [data-zone="frontal"]').getAttribute('aria-checked'), 'true');
    await page.locator('label:has(input[name="hair.norwood"][value="IV"]) img').click();
    await page.locator('.scalp-map [data-zone="occipital"]').click();
    await page.click('#assessment-save');
    await savedAssessmentId(page, 2);
    await page.locator('#assessment-versions [data-version="1"]').waitFor();
    const v2 = page.locator('#assessment-versions [data-version="2"]');
    const change = v2.locator('[data-change="hair.norwood"]');
    await change.waitFor();
    assert.match(await change.innerText(), /III vertex[\s\S]*IV/);
    const r = await (await api()).get(`/api/v1/assessments/${hairId}`);
    assert.equal(r.body.version, 2);
    assert.equal(r.body.hair.norwood, 'IV');
    assert.deepEqual([...r.body.hair.zones].sort(), ['frontal', 'occipital', 'vertex']);
    // Saving again without a change makes no version 3.
    await page.click('#assessment-save');
    await page.locator('.toast').filter({ hasText: EN['clinical.unchanged'] }).waitFor();
    assert.equal((await (await api()).get(`/api/v1/assessments/${hairId}`)).body.version, 2);
    await page.screenshot({ path: join(OUT, 'clinical-hair-versions.png'), fullPage: true });
    await page.context().close();
  });

  it('records a face assessment; what was typed for hair is kept on screen but not sent', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${woman.id}/assessments/new`);
    await page.locator('form#assessment-form').waitFor();
    await page.fill('#assessment-form [name="visit_date"]', '2025-10-02');
    await page.check('input[name="complaint"][value="hair"]');
    await page.fill('#assessment-form [name="hair.salt"]', '35');
    await page.check('input[name="complaint"][value="face"]');
    assert.equal(await page.locator('#assessment-form [name="hair.salt"]').isVisible(), false);
    await page.check('input[name="face.indications"][value="acne_scars"]');
    await page.check('input[name="face.indications"][value="fine_lines"]');
    await page.check('input[name="face.fitzpatrick"][value="III"]');
    await page.check('input[name="face.glogau"][value="II"]');
    await page.check('input[name="face.high_risk_zone_planned"][value="false"]');
    // Back to hair and to face again: nothing typed is lost.
    await page.check('input[name="complaint"][value="hair"]');
    assert.equal(await page.locator('#assessment-form [name="hair.salt"]').inputValue(), '35');
    await page.check('input[name="complaint"][value="face"]');
    assert.equal(await page.locator('input[name="face.fitzpatrick"][value="III"]').isChecked(), true);
    await page.screenshot({ path: join(OUT, 'clinical-face.png'), fullPage: true });
    await page.click('#assessment-save');
    const id = await savedAssessmentId(page, 1);
    const r = await (await api()).get(`/api/v1/assessments/${id}`);
    assert.equal(r.body.complaint, 'face');
    assert.equal(r.body.hair, null, 'the hidden hair section was sent');
    assert.deepEqual([...r.body.face.indications].sort(), ['acne_scars', 'fine_lines']);
    assert.equal(r.body.face.fitzpatrick, 'III');
    assert.equal(r.body.face.glogau, 'II');
    assert.equal(r.body.face.high_risk_zone_planned, false);
    await page.context().close();
  });

  it('shows the server\'s validation error next to its field and saves nothing', async () => {
    const page = await openAs(doctor);
    const before1 = (await (await api()).get(`/api/v1/patients/${woman.id}/assessments`)).body.items.length;
    await page.goto(`${server.url}/#/patients/${woman.id}/assessments/new`);
    await page.locator('form#assessment-form').waitFor();
    await page.fill('#assessment-form [name="visit_date"]', '2025-10-03');
    await page.check('input[name="complaint"][value="hair"]');
    await page.fill('#assessment-form [name="hair.salt"]', '150');
    await page.click('#assessment-save');
    const slot = page.locator('[data-error-for="hair.salt"]');
    await slot.filter({ hasText: /\S/ }).waitFor();
    assert.equal((await slot.innerText()).trim(), EN['error.out_of_range.hair.salt']);
    assert.equal(await page.locator('#assessment-form [name="hair.salt"]').getAttribute('aria-invalid'), 'true');
    await page.locator('#form-error').filter({ hasText: /\S/ }).waitFor();
    await page.screenshot({ path: join(OUT, 'clinical-field-error.png'), fullPage: false });
    const after1 = (await (await api()).get(`/api/v1/patients/${woman.id}/assessments`)).body.items.length;
    assert.equal(after1, before1, 'a refused assessment was saved');
    // Corrected, it saves.
    await page.fill('#assessment-form [name="hair.salt"]', '15');
    await page.click('#assessment-save');
    await savedAssessmentId(page, 1);
    await page.context().close();
  });

  it('records a medical history: a drug found by typing, last dose, BMI, no pregnancy for a man', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${man.id}/history`);
    await page.locator('form#history-form').waitFor();
    assert.equal(await page.locator('#history-form [name="pregnant"]').count(), 0, 'pregnancy is asked of a man');
    assert.equal(await page.locator('#history-form [name="breastfeeding"]').count(), 0);

    await page.check('input[name="conditions"][value="diabetes"]');
    await page.check('input[name="conditions"][value="hypertension"]');
    await page.uncheck('input[name="conditions.hypertension.active"]');

    await page.click('#add-medication');
    const name0 = page.locator('[name="medications.0.name"]');
    await name0.pressSequentially('nap', { delay: 40 });
    const option = page.locator('#drug-suggestions [data-drug="naproxen"]').first();
    await option.waitFor();
    const text = await option.innerText();
    assert.match(text, /naproxen/i, 'the suggestion names the generic drug');
    assert.match(text, /NSAID/, 'the suggestion names the class');
    await page.screenshot({ path: join(OUT, 'clinical-drug-search.png'), fullPage: false });
    await option.click();
    assert.equal(await page.locator('[name="medications.0.class"]').inputValue(), 'nsaid_nonselective');
    assert.equal(await page.locator('tr.medication-row[data-index="0"]').getAttribute('data-drug'), 'naproxen');
    await page.fill('[name="medications.0.dose"]', '500 mg twice daily');
    await page.fill('[name="medications.0.started_on"]', '2025-09-01');
    await page.uncheck('[name="medications.0.ongoing"]');
    await page.fill('[name="medications.0.last_dose_at"]', '2025-10-01T08:30');

    // A name the dictionary does not know needs a class before anything is sent.
    await page.click('#add-medication');
    await page.fill('[name="medications.1.name"]', 'Herbal tea blend');
    await page.click('#add-allergy');
    await page.fill('[name="allergies.0.substance"]', 'penicillin');
    await page.fill('[name="allergies.0.reaction"]', 'rash');
    await page.check('input[name="smoking"][value="former"]');
    await page.fill('#history-form [name="height_cm"]', '172');
    await page.fill('#history-form [name="weight_kg"]', '80.5');
    assert.equal((await page.locator('#bmi-value').innerText()).trim(), '27.2');
    await page.check('input[name="scalp_procedure.had"][value="true"]');
    await page.fill('#history-form [name="scalp_procedure.on"]', '2025-03-10');
    await page.fill('#history-form [name="scalp_procedure.what"]', 'hair transplant (FUE)');
    await page.click('#history-save');
    await page.locator('[data-error-for="medications.1.class"]').filter({ hasText: /\S/ }).waitFor();
    assert.equal((await (await api()).get(`/api/v1/patients/${man.id}/medical-history`)).body.version, 0);
    await page.selectOption('[name="medications.1.class"]', 'other');
    await page.click('#history-save');
    await page.locator('#history-versions [data-version="1"]').waitFor();
    await page.screenshot({ path: join(OUT, 'clinical-history.png'), fullPage: true });

    const r = await (await api()).get(`/api/v1/patients/${man.id}/medical-history`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.version, 1);
    const byCode = Object.fromEntries(r.body.conditions.map((c) => [c.code, c]));
    assert.equal(byCode.diabetes.active, true);
    assert.equal(byCode.hypertension.active, false);
    assert.equal(r.body.medications.length, 2);
    const [nap, tea] = r.body.medications;
    assert.equal(nap.drug, 'naproxen');
    assert.equal(nap.class, 'nsaid_nonselective');
    assert.equal(nap.ongoing, false);
    assert.equal(nap.dose, '500 mg twice daily');
    assert.equal(nap.started_on, '2025-09-01');
    const sent = await page.evaluate(() => new Date('2025-10-01T08:30').toISOString());
    assert.equal(Date.parse(nap.last_dose_at), Date.parse(sent));
    assert.equal(tea.drug, null);
    assert.equal(tea.class, 'other');
    assert.equal(tea.ongoing, true);
    assert.deepEqual(r.body.allergies, [{ substance: 'penicillin', reaction: 'rash' }]);
    assert.equal(r.body.pregnant, null);
    assert.equal(r.body.smoking, 'former');
    assert.equal(r.body.bmi, 27.2);
    assert.deepEqual(r.body.scalp_procedure, { had: true, on: '2025-03-10', what: 'hair transplant (FUE)' });

    // An edit makes version 2 that says what changed; the form shows what was saved.
    assert.equal(await page.locator('[name="medications.0.name"]').inputValue(), nap.name);
    await page.fill('#history-form [name="weight_kg"]', '78');
    assert.equal((await page.locator('#bmi-value').innerText()).trim(), '26.4');
    await page.click('#history-save');
    const v2 = page.locator('#history-versions [data-version="2"]');
    await v2.waitFor();
    await v2.locator('[data-change="weight_kg"]').waitFor();
    await page.locator('#history-versions [data-version="1"]').waitFor();
    await page.context().close();
  });

  it('asks a woman about pregnancy and breastfeeding', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${woman.id}/history`);
    await page.locator('form#history-form').waitFor();
    await page.check('input[name="pregnant"][value="false"]');
    await page.check('input[name="breastfeeding"][value="true"]');
    await page.click('#history-save');
    await page.locator('#history-versions [data-version="1"]').waitFor();
    const r = await (await api()).get(`/api/v1/patients/${woman.id}/medical-history`);
    assert.equal(r.body.pregnant, false);
    assert.equal(r.body.breastfeeding, true);
    await page.context().close();
  });

  it('the assessment form works in Arabic: right to left, Arabic labels, the map not mirrored', async () => {
    const page = await openAs(doctor, { lang: 'ar' });
    await page.goto(`${server.url}/#/patients/${man.id}/assessments/new`);
    await page.locator('form#assessment-form').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    const save = (await page.locator('#assessment-save').innerText()).trim();
    assert.equal(save, AR['assessment.create']);
    const legends = await page.locator('#assessment-form legend.section-title').allInnerTexts();
    assert.ok(legends.length > 3 && legends.every((l) => ARABIC.test(l)), `legends not in Arabic: ${legends}`);
    assert.ok(legends.includes(AR['assessment.section_pattern']));
    // The grade keeps its written name.
    assert.equal(
      (await page.locator('label:has(input[name="hair.norwood"][value="III-vertex"]) .scale-grade').innerText()).trim(),
      'III vertex',
    );
    await page.fill('#assessment-form [name="visit_date"]', '2025-10-04');
    await page.check('input[name="complaint"][value="hair"]');
    await page.locator('label:has(input[name="hair.norwood"][value="V"]) img').click();
    // The patient's left stays on the left of the picture in a right-to-left page.
    const left = await page.locator('.scalp-map [data-zone="temporal_left"]').boundingBox();
    const right = await page.locator('.scalp-map [data-zone="temporal_right"]').boundingBox();
    assert.ok(left.x < right.x, 'the scalp map is mirrored in Arabic');
    await page.locator('.scalp-map [data-zone="temporal_left"]').click();
    await page.check('input[name="hair.factors"][value="dyes"]');
    await page.screenshot({ path: join(OUT, 'clinical-hair-new-ar.png'), fullPage: true });
    await page.click('#assessment-save');
    const id = await savedAssessmentId(page, 1);
    const r = await (await api()).get(`/api/v1/assessments/${id}`);
    assert.equal(r.body.hair.norwood, 'V');
    assert.deepEqual(r.body.hair.zones, ['temporal_left']);
    assert.deepEqual(r.body.hair.factors, ['dyes']);
    await page.screenshot({ path: join(OUT, 'clinical-hair-saved-ar.png'), fullPage: true });
    await page.goto(`${server.url}/#/patients/${man.id}/assessments`);
    await page.locator(`#assessment-list [data-assessment-id="${id}"]`).waitFor();
    await page.screenshot({ path: join(OUT, 'clinical-list-ar.png'), fullPage: true });
    await page.goto(`${server.url}/#/patients/${man.id}/history`);
    await page.locator('#history-versions [data-version="2"]').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    await page.screenshot({ path: join(OUT, 'clinical-history-ar.png'), fullPage: true });
    await page.context().close();
  });

  it('in Arabic, a drug typed in Arabic is found and chosen with the keyboard', async () => {
    const page = await openAs(doctor, { lang: 'ar' });
    await page.goto(`${server.url}/#/patients/${other.id}/history`);
    await page.locator('form#history-form').waitFor();
    // Sex "other": pregnancy is asked.
    await page.locator('#history-form [name="pregnant"]').first().waitFor();
    await page.click('#add-medication');
    const name0 = page.locator('[name="medications.0.name"]');
    await name0.pressSequentially('وارفا', { delay: 40 });
    const option = page.locator('#drug-suggestions [data-drug="warfarin"]').first();
    await option.waitFor();
    // The generic name and the class in the language of the page.
    assert.match(await option.innerText(), /وارفارين/);
    assert.match(await option.innerText(), /مضاد للتخثر/);
    await page.screenshot({ path: join(OUT, 'clinical-drug-search-ar.png'), fullPage: false });
    await name0.press('ArrowDown');
    await name0.press('Enter');
    await page.locator('#drug-suggestions').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('[name="medications.0.class"]').inputValue(), 'anticoagulant');
    await page.click('#history-save');
    await page.locator('#history-versions [data-version="1"]').waitFor();
    const r = await (await api()).get(`/api/v1/patients/${other.id}/medical-history`);
    assert.equal(r.body.medications[0].drug, 'warfarin');
    assert.equal(r.body.medications[0].class, 'anticoagulant');
    assert.equal(r.body.medications[0].ongoing, true);
    await page.context().close();
  });

  it('a nurse edits an assessment and the medical history', async () => {
    const page = await openAs(nurse);
    await page.goto(`${server.url}/#/assessments/${hairId}`);
    await page.locator('form#assessment-form').waitFor();
    assert.equal(await page.locator('#assessment-save').isVisible(), true);
    await page.fill('#assessment-form [name="notes"]', 'Reviewed by the nurse before the session.');
    await page.click('#assessment-save');
    await savedAssessmentId(page, 3);
    const r = await (await api()).get(`/api/v1/assessments/${hairId}`);
    assert.equal(r.body.notes, 'Reviewed by the nurse before the session.');
    assert.equal(r.body.updated_by.username, nurse.username);

    await page.goto(`${server.url}/#/patients/${woman.id}/history`);
    await page.locator('form#history-form').waitFor();
    await page.check('input[name="smoking"][value="never"]');
    await page.click('#history-save');
    await page.locator('#history-versions [data-version="2"]').waitFor();
    const h = await (await api()).get(`/api/v1/patients/${woman.id}/medical-history`);
    assert.equal(h.body.smoking, 'never');
    await page.context().close();
  });

  it('reception sees no clinical tab and cannot open the clinical pages', async () => {
    const page = await openAs(reception);
    await page.goto(`${server.url}/#/patients/${man.id}`);
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.locator('#tab-assessments').count(), 0, 'reception is offered the assessments tab');
    assert.equal(await page.locator('#tab-history').count(), 0, 'reception is offered the history tab');
    for (const path of [`/patients/${man.id}/assessments`, `/patients/${man.id}/history`, `/assessments/${hairId}`,
      `/patients/${man.id}/assessments/new`]) {
      await page.goto(`${server.url}/#${path}`);
      await page.locator('.empty-title').filter({ hasText: EN['access.denied_title'] }).waitFor();
      assert.equal(await page.locator('#assessment-list, #assessment-form, #history-form').count(), 0, path);
    }
    await page.context().close();
  });

  it('a doctor finds the clinical tabs on the patient page', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${man.id}`);
    await page.locator('#patient-view').waitFor();
    await page.locator('#patient-tabs #tab-assessments').click();
    await page.locator(`#assessment-list [data-assessment-id="${hairId}"]`).waitFor();
    await page.locator('#patient-tabs #tab-assessments[aria-current="page"]').waitFor();
    await page.locator('#patient-tabs #tab-history').click();
    await page.locator('form#history-form').waitFor();
    assert.match(page.url(), new RegExp(`#/patients/${man.id}/history$`));
    await page.context().close();
  });

  it('raised no uncaught JavaScript errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
