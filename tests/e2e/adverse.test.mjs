// Adverse events in headless Chromium against a real server: a nurse records a serious event in
// Arabic from the patient's Adverse events tab, the red banner then stands on the patient page,
// the clinic's list shows the event standing out and leads back to the patient, and the event is
// followed up to resolved with both versions shown. The procedure choice appears only when the
// patient has procedures, and offers the chosen one's specimens; reception sees none of it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, dammCheckDigit, login, loginAdmin, startServer } from '../lib/server.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const TIMEZONE = 'Asia/Dubai';
const CONFIG = '[clinic]\ntime_zone = Asia/Dubai\nslot_minutes = 15\ncurrency = AED\n';
const H = 3600000;

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));

// The clinic's today (Dubai, UTC+4 all year).
const dubaiToday = () => new Date(Date.now() + 4 * H).toISOString().slice(0, 10);

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

// A procedure started `startedMs` with one PRP syringe, as the chair would store them. Returns
// {id, specimen}.
function insertProcedure(db, patientId, startedMs) {
  sql(db, "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Test room 1', 'treatment');\n" +
    'INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, 1);');
  const appt = one(db, 'INSERT INTO appointments (patient_id, kind, start_ms, end_ms, prep_minutes, room_id,' +
    ` clinician_id, status, version, created_at, updated_at) VALUES (${lit(patientId)}, 'session',` +
    ` ${lit(startedMs)}, ${lit(startedMs + H)}, 0, 1, 1, 'in_progress', 1, ${lit(startedMs)}, ${lit(startedMs)})`);
  const screening = one(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(startedMs)},` +
    ` 'eligible', '{}', '{}', '${'0'.repeat(64)}', ${lit(startedMs - H)}, 1)`);
  const id = one(db, 'INSERT INTO procedures (patient_id, appointment_id, treatment, screening_id, status, version,' +
    ` started_at, started_by, updated_at, updated_by) VALUES (${lit(patientId)}, ${lit(appt)}, 'prp-hair',` +
    ` ${lit(screening)}, 'open', 1, ${lit(startedMs)}, 1, ${lit(startedMs)}, 1)`);
  const digits = String(100000 + id);
  const specimen = `S${digits}${dammCheckDigit(digits)}`;
  sql(db, 'INSERT INTO specimens (id, procedure_id, patient_id, kind, label, collected_at, expires_at, status,' +
    ` created_at, created_by) VALUES (${lit(specimen)}, ${lit(id)}, ${lit(patientId)}, 'prp', 'PRP syringe 1',` +
    ` ${lit(startedMs)}, ${lit(startedMs + 3 * H)}, 'active', ${lit(startedMs)}, 1)`);
  return { id, specimen };
}

describe('adverse events in the browser', () => {
  let server;
  let admin;
  let doctor;
  let nurse;
  let reception;
  let nurseApi;
  let browser;
  let patient;
  let linked;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ config: CONFIG });
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    nurseApi = await login(server.url, nurse.username, nurse.password);
    patient = await createPatient(admin, { given_name: 'Sample', family_name: 'Adverse', sex: 'female' });
    linked = await createPatient(admin, { given_name: 'Sample', family_name: 'Linked', sex: 'male' });
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

  async function openTab(page, p) {
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#patient-tabs #tab-adverse-events').click();
    await page.locator('#tab-adverse-events[aria-current="page"]').waitFor();
    await page.locator('#adverse-list:not([aria-busy])').waitFor();
  }

  it('records a serious event in Arabic; the red banner then stands on the patient page', async () => {
    const page = await openAs(nurse, { lang: 'ar' });
    await page.goto(`${server.url}/#/patients/${patient.id}`);
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await page.locator('#ae-serious-banner').count(), 0, 'a banner without any event');
    await openTab(page, patient);
    await page.locator('#adverse-list .empty-title').filter({ hasText: AR['adverse.none'] }).waitFor();

    await page.locator('#new-adverse-event').click();
    await page.locator('#adverse-form').waitFor();
    // The patient has had no procedure: the choice is left out.
    assert.equal(await page.locator('#adverse-procedure_id').isVisible(), false);
    // The onset starts at the clinic's now.
    const onset = await page.locator('#adverse-onset_at').inputValue();
    assert.match(onset, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    assert.equal(onset.slice(0, 10), dubaiToday());
    // Nothing chosen: the form says which fields are needed before sending.
    await page.locator('#adverse-save').click();
    await page.locator('[data-error-for="type"]').filter({ hasText: AR['error.required'] }).waitFor();
    await page.locator('[data-error-for="severity"]').filter({ hasText: AR['error.required'] }).waitFor();
    // "Other" asks what happened.
    assert.equal(await page.locator('#adverse-type_other').isVisible(), false);
    await page.locator('#adverse-type').selectOption('other');
    await page.locator('#adverse-type_other').waitFor();
    await page.locator('#adverse-type').selectOption('haematoma');
    assert.equal(await page.locator('#adverse-type_other').isVisible(), false);
    await page.locator('input[name="severity"][value="serious"]').check();
    // An onset in the future comes back from the server at its field.
    const [d, tm] = onset.split('T');
    const tomorrow = new Date(Date.parse(`${d}T00:00:00Z`) + 24 * H).toISOString().slice(0, 10);
    await page.locator('#adverse-onset_at').fill(`${tomorrow}T${tm}`);
    await page.locator('#adverse-save').click();
    await page.locator('[data-error-for="onset_at"]').filter({ hasText: AR['error.future_date'] }).waitFor();
    await page.locator('#adverse-onset_at').fill(onset);
    await page.locator('#adverse-description').fill('تورّم مؤلم في منطقة التاج بعد الحقن');
    await page.locator('#adverse-actions').fill('كمادات باردة وضغط');
    assert.equal(await page.locator('#adverse-resolved_date').isVisible(), false, 'a resolved date for an ongoing event');
    await page.screenshot({ path: join(OUT, 'adverse-record-ar.png') });
    await page.locator('#adverse-save').click();
    await page.locator('#adverse-dialog').waitFor({ state: 'detached' });

    const card = page.locator('#adverse-list [data-adverse-id]');
    await card.first().waitFor();
    assert.equal(await card.count(), 1);
    assert.equal(await card.getAttribute('data-severity'), 'serious');
    assert.equal(await card.getAttribute('data-outcome'), 'ongoing');
    assert.ok((await card.innerText()).includes(AR['adverse.type.haematoma']));
    const stored = (await nurseApi.get(`/api/v1/patients/${patient.id}/adverse-events`)).body.adverse_events;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].type, 'haematoma');
    assert.equal(stored[0].severity, 'serious');
    assert.equal(stored[0].onset_local, onset, 'the onset is the clinic\'s local time');
    assert.equal(stored[0].description, 'تورّم مؤلم في منطقة التاج بعد الحقن');
    assert.equal(stored[0].procedure_id, null);

    await page.goto(`${server.url}/#/patients/${patient.id}`);
    const banner = page.locator('#ae-serious-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('data-open-count'), '1');
    const text = await banner.innerText();
    assert.ok(text.includes(AR['adverse.banner_title']), text);
    assert.ok(text.includes(AR['adverse.type.haematoma']), text);
    assert.ok(text.includes(AR['adverse.banner_open.one']), text);
    const bg = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(bg, 'rgb(180, 35, 24)', 'the banner is red');
    await page.screenshot({ path: join(OUT, 'adverse-banner-ar.png') });
    await page.locator('#ae-serious-banner a').click();
    await page.locator('#tab-adverse-events[aria-current="page"]').waitFor();
    await page.context().close();
  });

  it('the clinic\'s list shows the serious event standing out, filtered, linked to the patient', async () => {
    const other = await createPatient(admin, { given_name: 'Sample', family_name: 'Mildcase', sex: 'male' });
    const r = await nurseApi.post(`/api/v1/patients/${other.id}/adverse-events`, {
      type: 'bruising', severity: 'mild', onset_at: new Date(Date.now() - 2 * H).toISOString(),
    });
    assert.equal(r.status, 201);
    const page = await openAs(admin);
    await page.locator('#nav-adverse-events').click();
    await page.locator('#adverse-table:not([aria-busy])').waitFor();
    const rows = page.locator('#adverse-table tbody tr[data-adverse-id]');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    const serious = page.locator('#adverse-table tr[data-severity="serious"]');
    assert.equal(await serious.count(), 1);
    const bg = await serious.locator('td').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    const plain = await page.locator('#adverse-table tr[data-severity="mild"] td').first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(bg, plain, 'the serious row does not stand out');
    assert.ok((await serious.innerText()).includes(patient.mrn));

    await page.locator('#ae-filter-severity').selectOption('serious');
    await page.waitForFunction(() => document.querySelectorAll('#adverse-table tbody tr[data-adverse-id]').length === 1);
    await page.locator('#ae-filter-severity').selectOption('');
    await page.locator('#ae-filter-outcome').selectOption('resolved');
    await page.locator('#adverse-table .empty-title').filter({ hasText: EN['adverse.none_filtered'] }).waitFor();
    await page.locator('#ae-filter-outcome').selectOption('');
    await page.locator('#ae-filter-from').fill(dubaiToday());
    await page.locator('#ae-filter-to').fill(dubaiToday());
    await page.waitForFunction(() => document.querySelectorAll('#adverse-table tbody tr[data-adverse-id]').length === 2);
    await page.screenshot({ path: join(OUT, 'adverse-clinic-en.png') });

    await serious.locator('a.ae-patient').click();
    await page.locator('#tab-adverse-events[aria-current="page"]').waitFor();
    await page.locator('#adverse-list [data-adverse-id]').first().waitFor();
    // The administrator reads but records nothing.
    assert.equal(await page.locator('#new-adverse-event').count(), 0);
    assert.equal(await page.locator('[data-action="update-adverse"]').count(), 0);
    await page.context().close();
  });

  it('follows the event up to resolved, keeping and showing both versions', async () => {
    const page = await openAs(doctor);
    await openTab(page, patient);
    await page.locator('#ae-serious-banner').waitFor();
    await page.locator('[data-action="update-adverse"]').click();
    await page.locator('#adverse-form').waitFor();
    assert.equal(await page.locator('#adverse-type').inputValue(), 'haematoma');
    assert.equal(await page.locator('input[name="severity"][value="serious"]').isChecked(), true);
    await page.locator('#adverse-versions [data-version="1"]').waitFor();
    await page.locator('#adverse-outcome').selectOption('resolved');
    await page.locator('#adverse-resolved_date').waitFor();
    assert.equal(await page.locator('#adverse-resolved_date').inputValue(), dubaiToday());
    await page.locator('#adverse-actions').fill('Cold packs and pressure; settled within a day');
    await page.locator('#adverse-save').click();
    await page.locator('#adverse-dialog').waitFor({ state: 'detached' });

    const card = page.locator('#adverse-list [data-adverse-id]');
    await page.locator('#adverse-list [data-outcome="resolved"]').waitFor();
    assert.ok((await card.innerText()).includes(EN['adverse.outcome.resolved']));
    const stored = (await nurseApi.get(`/api/v1/patients/${patient.id}/adverse-events`)).body.adverse_events[0];
    assert.equal(stored.version, 2);
    assert.equal(stored.outcome, 'resolved');
    assert.equal(stored.resolved_date, dubaiToday());
    assert.equal(stored.updated_by.username, doctor.username);

    // A serious event stays on record; none is open any more.
    const banner = page.locator('#ae-serious-banner');
    await page.waitForFunction(() => document.querySelector('#ae-serious-banner')?.dataset.openCount === '0');
    assert.ok((await banner.innerText()).includes(EN['adverse.banner_none_open']));

    await page.locator('[data-action="update-adverse"]').click();
    const versions = page.locator('#adverse-versions [data-version]');
    await page.locator('#adverse-versions [data-version="2"]').waitFor();
    assert.equal(await versions.count(), 2);
    const v2 = await page.locator('#adverse-versions [data-version="2"]').innerText();
    assert.ok(v2.includes(EN['adverse.outcome.resolved']), v2);
    assert.ok(v2.includes(EN['adverse.outcome.ongoing']), v2);
    await page.screenshot({ path: join(OUT, 'adverse-versions-en.png') });
    await page.context().close();
  });

  it('offers the patient\'s procedures and their specimens', async () => {
    const proc = insertProcedure(server.db, linked.id, Date.now() - 3 * H);
    const page = await openAs(nurse);
    await openTab(page, linked);
    await page.locator('#new-adverse-event').click();
    await page.locator('#adverse-form').waitFor();
    await page.locator('#adverse-procedure_id').waitFor();
    assert.equal(await page.locator('#adverse-specimen_id').isVisible(), false, 'specimens before a procedure');
    await page.locator('#adverse-procedure_id').selectOption(String(proc.id));
    await page.locator('#adverse-specimen_id').waitFor();
    await page.locator('#adverse-specimen_id').selectOption(proc.specimen);
    await page.locator('#adverse-type').selectOption('infection');
    await page.locator('input[name="severity"][value="severe"]').check();
    await page.locator('#adverse-save').click();
    await page.locator('#adverse-dialog').waitFor({ state: 'detached' });
    const stored = (await nurseApi.get(`/api/v1/patients/${linked.id}/adverse-events`)).body.adverse_events;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].procedure_id, proc.id);
    assert.equal(stored[0].specimen_id, proc.specimen);
    const text = await page.locator('#adverse-list [data-adverse-id]').innerText();
    assert.ok(text.includes(proc.specimen), text);
    // Severe but not serious: no banner.
    assert.equal(await page.locator('#ae-serious-banner').count(), 0);
    await page.context().close();
  });

  it('reception sees neither the list, the tab nor the banner', async () => {
    const page = await openAs(reception);
    await page.goto(`${server.url}/#/patients/${patient.id}`);
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.locator('#nav-adverse-events').count(), 0);
    assert.equal(await page.locator('#tab-adverse-events').count(), 0);
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#ae-serious-banner').count(), 0);
    await page.context().close();
  });

  it('raised no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
