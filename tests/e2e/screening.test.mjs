// The screening panel of the patient page and the lab results page in headless Chromium, against
// a real server: outcomes computed live for the planned session (defer with its rule and source,
// then eligible three days later), incomplete naming the missing platelet count, recording and a
// doctor's override sign-off, a result older than the data, what a nurse may not do, manual lab
// entry in g/L, deletion with a reason, CSV import leaving out a bad row, and the Arabic layout.
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
  poll,
  show,
  startServer,
} from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
// A zone east of UTC without summer time: the page works in local time, the API in UTC.
const TIMEZONE = 'Asia/Dubai';
const TZ_OFFSET_MS = 4 * 3600e3;
const HOUR = 3600e3;
const DAY = 24 * HOUR;

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));
const RULES = JSON.parse(readFileSync(join(PROTOCOLS, 'screening.json'), 'utf8'));
const rule = (id) => RULES.rules.find((r) => r.id === id);

// The value of a datetime-local input showing instant `ms` in TIMEZONE.
function localInput(ms) {
  return new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 16);
}

function utcDate(ms = Date.now()) {
  return new Date(ms).toISOString().slice(0, 10);
}

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

describe('screening panel and lab results', () => {
  let server;
  let admin;
  let doctor; // {username, password}
  let nurse;
  let docApi;
  let browser;
  const pageErrors = [];
  // The planned session of the first patient, a whole minute a few hours from now: the last
  // naproxen dose 30 hours before it is then in the past, as the history requires.
  const session = Math.ceil((Date.now() + 3 * HOUR) / 60000) * 60000;
  let withData; // patient with history, assessment and labs
  let noLabs; // patient with history and assessment, no lab result

  async function setUpClinical(p, { labs }) {
    await ok(
      await docApi.put(`/api/v1/patients/${p.id}/medical-history`, {
        version: 0,
        conditions: [],
        other_conditions: null,
        medications: [
          {
            drug: 'naproxen',
            name: 'Naprosyn 500',
            class: 'nsaid_nonselective',
            dose: '500 mg twice daily',
            started_on: null,
            ongoing: false,
            last_dose_at: new Date(session - 30 * HOUR).toISOString(),
          },
        ],
        allergies: [],
        pregnant: null,
        breastfeeding: null,
        smoking: 'never',
        height_cm: 176,
        weight_kg: 78,
        scalp_procedure: { had: false },
      }),
      200,
      'medical history',
    );
    await ok(
      await docApi.post(`/api/v1/patients/${p.id}/assessments`, {
        visit_date: utcDate(),
        complaint: 'hair',
        hair: { norwood: 'III-vertex', duration_months: 18, hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'] },
        face: null,
        consent_to_risks: true,
        acute_illness: false,
        notes: null,
      }),
      201,
      'assessment',
    );
    if (labs) {
      for (const lab of [
        { analyte: 'platelets', value: 250, unit: '10^9/L', reference_low: 150, reference_high: 400 },
        { analyte: 'haemoglobin', value: 14.2, unit: 'g/dL', reference_low: 13, reference_high: 17 },
      ]) {
        await ok(await docApi.post(`/api/v1/patients/${p.id}/labs`, { ...lab, measured_at: utcDate() }), 201, 'lab');
      }
    }
  }

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    docApi = await login(server.url, doctor.username, doctor.password);
    withData = await createPatient(admin, { given_name: 'Screenwith', family_name: 'Alldata', sex: 'male' });
    noLabs = await createPatient(admin, { given_name: 'Screenwithout', family_name: 'Labresults', sex: 'male' });
    await setUpClinical(withData, { labs: true });
    await setUpClinical(noLabs, { labs: false });
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

  const card = (page, treatment) => page.locator(`#screening-panel [data-treatment="${treatment}"]`);

  // Sets the planned session and waits until every card shows the result for it.
  async function setSession(page, ms) {
    const input = page.locator('#screening-session-at');
    await input.fill(localInput(ms));
    await input.dispatchEvent('change');
    await page.locator(`#screening-cards[data-session-at="${new Date(ms).toISOString()}"]`).waitFor();
  }

  it('says defer with PRP-REL-3 and its source, and eligible or caution three days later', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    await page.locator('#patient-tabs #tab-labs').waitFor();
    // The planned session starts on the next day at 09:00 local time.
    const tomorrow = new Date(Date.now() + TZ_OFFSET_MS + DAY).toISOString().slice(0, 10);
    assert.equal(await page.locator('#screening-session-at').inputValue(), `${tomorrow}T09:00`);

    const expected = await ok(
      await docApi.get(`/api/v1/patients/${withData.id}/screening?session_at=${new Date(session).toISOString()}&treatment=prp-hair`),
      200,
      'screening preview',
    );
    assert.equal(expected.items[0].outcome, 'defer', 'the data set up must defer prp-hair');
    await setSession(page, session);
    const hair = card(page, 'prp-hair');
    await page.locator('#screening-panel [data-treatment="prp-hair"][data-outcome="defer"]').waitFor();
    const reason = hair.locator('.screening-reason[data-rule="PRP-REL-3"]');
    await reason.waitFor();
    const r3 = rule('PRP-REL-3');
    assert.ok((await reason.innerText()).includes(r3.text.clinician.en), 'the clinician text of PRP-REL-3 is shown');
    assert.equal((await reason.locator('.reason-source-text').innerText()).trim(), r3.source);
    assert.equal(await reason.locator('[data-tier]').getAttribute('data-tier'), r3.tier);
    assert.equal(await reason.getAttribute('data-effect'), 'defer');
    // The outcome says until when, in local time: 48 h after the dose taken 30 h before the session.
    const outcome = await hair.locator('.screening-card-head .outcome').innerText();
    assert.match(outcome, /^Defer until /);
    const until = new Date(session + 18 * HOUR);
    const untilText = await page.evaluate(
      (iso) => new Intl.DateTimeFormat(document.documentElement.lang === 'ar' ? 'ar' : navigator.language, {
        day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit',
      }).format(new Date(iso)),
      until.toISOString(),
    );
    assert.ok(outcome.includes(untilText), `"${outcome}" names ${untilText}`);
    assert.equal(await hair.locator('.screening-card-head time').getAttribute('datetime'), until.toISOString());
    await page.screenshot({ path: join(OUT, 'screening-defer-en.png'), fullPage: true });

    // Nothing removed: only the session moves three days later.
    const later = session + 3 * DAY;
    const then = await ok(
      await docApi.get(`/api/v1/patients/${withData.id}/screening?session_at=${new Date(later).toISOString()}&treatment=prp-hair`),
      200,
      'screening preview later',
    );
    const laterOutcome = then.items[0].outcome;
    assert.ok(['eligible', 'caution'].includes(laterOutcome), `three days later the data says ${laterOutcome}`);
    await setSession(page, later);
    await page.locator(`#screening-panel [data-treatment="prp-hair"][data-outcome="${laterOutcome}"]`).waitFor();
    assert.equal(await hair.locator('.screening-reason[data-rule="PRP-REL-3"]').count(), 0);
    assert.equal(
      (await hair.locator('.screening-card-head .outcome').innerText()).trim(),
      EN[`screening.outcome.${laterOutcome}`],
    );
    await page.screenshot({ path: join(OUT, 'screening-later-en.png'), fullPage: true });
    await page.context().close();
  });

  it('names the missing platelet count when the patient has no lab results', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${noLabs.id}`);
    await setSession(page, session + 3 * DAY);
    const hair = card(page, 'prp-hair');
    await page.locator('#screening-panel [data-treatment="prp-hair"][data-outcome="incomplete"]').waitFor();
    const missing = hair.locator('.screening-missing[data-code="platelets"]');
    await missing.waitFor();
    assert.equal(await missing.getAttribute('data-required'), 'true');
    assert.match(await missing.innerText(), /platelet count/i);
    assert.match(await missing.innerText(), new RegExp(EN['screening.missing_required']));
    // It leads to where the result is entered.
    assert.equal(await missing.locator('a.missing-link').getAttribute('href'), `#/patients/${noLabs.id}/labs`);
    // Required items come before optional ones.
    const flags = await hair.locator('.screening-missing').evaluateAll((els) => els.map((e) => e.dataset.required));
    assert.deepEqual(flags, [...flags].sort().reverse(), `required first: ${flags}`);
    assert.equal((await hair.locator('.screening-card-head .outcome').innerText()).trim(), EN['screening.outcome.incomplete']);
    await page.screenshot({ path: join(OUT, 'screening-incomplete-en.png'), fullPage: true });
    await page.context().close();
  });

  it('records the result and a doctor signs off proceeding with a written override reason', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    await setSession(page, session);
    const hair = card(page, 'prp-hair');
    await page.locator('#screening-panel [data-treatment="prp-hair"][data-outcome="defer"]').waitFor();
    await hair.locator('[data-action="record-screening"]').click();
    const stored = await poll(async () => {
      const r = await docApi.get(`/api/v1/patients/${withData.id}/screenings?treatment=prp-hair`);
      return r.body && r.body.items.find((s) => s.session_at === new Date(session).toISOString());
    });
    assert.ok(stored, 'recording stored no result');
    assert.equal(stored.outcome, 'defer');
    assert.equal(stored.signoff, null);
    const item = page.locator(`#screening-records [data-screening-id="${stored.id}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute('data-signed'), 'false');
    // The card says the stored result still matches the data.
    await hair.locator('.screening-recorded.is-current').waitFor();

    await item.locator('[data-action="signoff"]').click();
    await page.locator('#signoff-dialog').waitFor();
    // Before anything is sent, choosing to proceed against a defer says a reason is required.
    assert.equal(await page.locator('#signoff-override-note').isVisible(), false);
    await page.locator('#signoff-proceed').check();
    await page.locator('#signoff-override-note').waitFor({ state: 'visible' });
    assert.equal((await page.locator('#signoff-override-note').innerText()).trim(), EN['signoff.override_note.defer']);
    await page.locator('#signoff-confirm').click();
    await page.locator('#signoff-dialog [data-error-for="reason"]').filter({ hasText: EN['signoff.reason_required'] }).waitFor();
    assert.equal((await docApi.get(`/api/v1/screenings/${stored.id}`)).body.signoff, null, 'an empty override reason was sent');
    // Too short: the server refuses and its error is shown next to the reason.
    await page.locator('#signoff-reason').fill('too short');
    await page.locator('#signoff-confirm').click();
    await page.locator('#signoff-dialog [data-error-for="reason"]').filter({ hasText: EN['error.too_short.reason'] }).waitFor();
    assert.equal((await docApi.get(`/api/v1/screenings/${stored.id}`)).body.signoff, null);
    await page.screenshot({ path: join(OUT, 'screening-signoff-dialog-en.png') });
    const reasonText = 'Last naproxen dose confirmed 40 h before; bleeding risk discussed and accepted';
    await page.locator('#signoff-reason').fill(reasonText);
    await page.locator('#signoff-confirm').click();
    await page.locator('#signoff-dialog').waitFor({ state: 'detached' });
    const signedItem = page.locator(`#screening-records [data-screening-id="${stored.id}"][data-signed="true"]`);
    await signedItem.waitFor();
    const signoff = signedItem.locator('.record-signoff');
    assert.equal(await signoff.getAttribute('data-decision'), 'proceed');
    assert.equal(await signoff.getAttribute('data-override'), 'true');
    const text = await signoff.innerText();
    assert.ok(text.includes(reasonText), 'the override reason is shown');
    assert.ok(text.includes(EN['signoff.override']), 'the override is named');
    assert.ok(text.includes(doctor.user.display_name), 'the signing doctor is named');
    assert.equal(await signedItem.locator('[data-action="signoff"]').count(), 0);
    const signed = (await docApi.get(`/api/v1/screenings/${stored.id}`)).body.signoff;
    assert.equal(signed.decision, 'proceed');
    assert.equal(signed.override, true);
    assert.equal(signed.reason, reasonText);
    assert.equal(signed.signed_by.username, doctor.username);
    // The data the result was computed from, on request.
    await signedItem.locator('.record-details summary').click();
    const used = (await docApi.get(`/api/v1/screenings/${stored.id}`)).body.inputs.labs.map((l) => String(l.id));
    assert.ok(used.length >= 2, 'the stored inputs list the lab results used');
    for (const id of used) await signedItem.locator(`.record-inputs [data-lab-id="${id}"]`).waitFor();
    await page.screenshot({ path: join(OUT, 'screening-signed-en.png'), fullPage: true });
    await page.context().close();
  });

  it('shows the server refusing a sign-off already given by someone else', async () => {
    const stored = await ok(
      await docApi.post(`/api/v1/patients/${withData.id}/screenings`, { treatment: 'prp-face', session_at: new Date(session).toISOString() }),
      201,
      'record prp-face',
    );
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    const item = page.locator(`#screening-records [data-screening-id="${stored.id}"]`);
    await item.locator('[data-action="signoff"]').click();
    await page.locator('#signoff-decline').check();
    assert.equal(await page.locator('#signoff-override-note').isVisible(), false, 'declining is no override');
    await ok(await docApi.post(`/api/v1/screenings/${stored.id}/signoff`, { decision: 'do_not_proceed' }), 200, 'sign elsewhere');
    await page.locator('#signoff-confirm').click();
    await page.locator('#signoff-error').filter({ hasText: /\S/ }).waitFor();
    assert.notEqual((await page.locator('#signoff-error').innerText()).trim(), 'already_signed', 'the error code is shown raw');
    // The list behind the dialog now shows the sign-off given meanwhile.
    await page.locator(`#screening-records [data-screening-id="${stored.id}"][data-signed="true"]`).waitFor({ state: 'attached' });
    await page.context().close();
  });

  it('says when a recorded result is older than the data', async () => {
    const later = session + 3 * DAY;
    const stored = await ok(
      await docApi.post(`/api/v1/patients/${withData.id}/screenings`, { treatment: 'adsc-hair', session_at: new Date(later).toISOString() }),
      201,
      'record adsc-hair',
    );
    // A low platelet count entered after recording changes what the data says.
    const low = await ok(
      await docApi.post(`/api/v1/patients/${withData.id}/labs`, {
        analyte: 'platelets', value: 80, unit: '10^9/L', measured_at: new Date().toISOString(), reference_low: 150, reference_high: 400,
      }),
      201,
      'low platelets',
    );
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    await setSession(page, later);
    const item = page.locator(`#screening-records [data-screening-id="${stored.id}"]`);
    await item.locator('.screening-stale').waitFor();
    assert.equal(await item.getAttribute('data-stale'), 'true');
    assert.ok((await item.locator('.screening-stale').innerText()).includes(EN['screening.stale']));
    await card(page, 'adsc-hair').locator('.screening-recorded.is-stale').waitFor();
    // The result signed earlier for the first session still matches, and says so.
    await page.screenshot({ path: join(OUT, 'screening-stale-en.png'), fullPage: true });
    await ok(await docApi.del(`/api/v1/labs/${low.id}`, { reason: 'Clotted sample, repeated' }), 204, 'delete low platelets');
    await page.context().close();
  });

  it('a nurse records screenings but is offered no sign-off', async () => {
    const page = await openAs(nurse);
    await page.goto(`${server.url}/#/patients/${noLabs.id}`);
    await page.locator('#screening-panel [data-treatment="prp-hair"] [data-action="record-screening"]').click();
    await page.locator('#screening-records [data-screening-id]').first().waitFor();
    assert.equal(await page.locator('#screening-records [data-signed="false"]').count() > 0, true);
    assert.equal(await page.locator('[data-action="signoff"]').count(), 0, 'a nurse is offered to sign off');
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    await page.locator('#screening-records [data-screening-id]').first().waitFor();
    assert.equal(await page.locator('[data-action="signoff"]').count(), 0, 'a nurse is offered to sign off');
    await page.context().close();
  });

  it('enters a haemoglobin result in g/L, lists it, and deletes it with a reason', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${noLabs.id}`);
    await page.locator('#tab-labs').click();
    await page.locator('form#lab-form').waitFor();
    assert.equal(await page.locator('#tab-labs').getAttribute('aria-current'), 'page');
    // The unit list follows the analyte.
    await page.locator('#lab-form [name="analyte"]').selectOption('platelets');
    const pltUnits = await page.locator('#lab-form [name="unit"] option').evaluateAll((o) => o.map((x) => x.value));
    assert.ok(pltUnits.includes('×10⁹/L') && !pltUnits.includes('g/L'), `platelet units ${pltUnits}`);
    await page.locator('#lab-form [name="analyte"]').selectOption('haemoglobin');
    const hbUnits = await page.locator('#lab-form [name="unit"] option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(hbUnits.sort(), ['g/L', 'g/dL']);
    await page.locator('#lab-form [name="unit"]').selectOption('g/L');
    await page.locator('#lab-form [name="value"]').fill('118');
    await page.locator('#lab-form [name="measured_at"]').fill(utcDate(Date.now() - DAY));
    await page.locator('#lab-form [name="reference_low"]').fill('130');
    await page.locator('#lab-form [name="reference_high"]').fill('170');
    await page.locator('#lab-save').click();
    const lab = await poll(async () => {
      const r = await docApi.get(`/api/v1/patients/${noLabs.id}/labs`);
      return r.body && r.body.items.find((l) => l.analyte === 'haemoglobin');
    });
    assert.ok(lab, 'the form saved no lab result');
    assert.equal(lab.unit, 'g/L');
    assert.equal(lab.value, 118);
    assert.equal(lab.flag, 'low');
    assert.equal(lab.canonical.unit, 'g/dL');
    const row = page.locator(`#lab-table tr[data-lab-id="${lab.id}"]`);
    await row.waitFor();
    const rowText = await row.innerText();
    assert.ok(rowText.includes('118 g/L'), rowText);
    assert.ok(rowText.includes('Haemoglobin'), rowText);
    assert.ok(rowText.includes('130–170'), rowText);
    assert.ok(rowText.includes(doctor.username), rowText);
    assert.equal(await row.locator('[data-flag="low"]').count(), 1);
    await page.screenshot({ path: join(OUT, 'labs-entered-en.png'), fullPage: true });

    await row.locator('[data-action="delete-lab"]').click();
    await page.locator('#lab-delete-confirm').click();
    await page.locator('[data-error-for="reason"]').filter({ hasText: /\S/ }).waitFor();
    await page.locator('#lab-delete-reason').fill('Entered for the wrong sample');
    await page.locator('#lab-delete-confirm').click();
    await row.waitFor({ state: 'detached' });
    const gone = (await docApi.get(`/api/v1/patients/${noLabs.id}/labs?include_deleted=1`)).body.items.find((l) => l.id === lab.id);
    assert.equal(gone.deleted, true);
    assert.equal(gone.delete_reason, 'Entered for the wrong sample');
    await page.locator('#lab-show-deleted').check();
    const deletedRow = page.locator(`#lab-table tr[data-lab-id="${lab.id}"].is-deleted`);
    await deletedRow.waitFor();
    assert.ok((await deletedRow.innerText()).includes('Entered for the wrong sample'));
    await page.context().close();
  });

  it('imports a CSV file: shows the bad row translated, then commits the valid rows only', async () => {
    const page = await openAs(doctor);
    await page.goto(`${server.url}/#/patients/${noLabs.id}/labs`);
    await page.locator('#lab-table').waitFor();
    const day = utcDate(Date.now() - 2 * DAY);
    const csv = [
      'date,analyte,value,unit,reference_low,reference_high',
      `${day},PLT,231,10^9/L,150,400`,
      `${day},Hb,13.6,g/dL,13,17`,
      `${day},Hb,13.6,mmHg,13,17`,
      `${day},Serum ferritin,42,ng/mL,30,400`,
    ].join('\n');
    await page.setInputFiles('#lab-import-file', { name: 'cbc-export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#lab-import-preview').waitFor();
    const bad = page.locator('#lab-import-preview tr[data-row="4"]');
    assert.equal(await bad.getAttribute('class'), 'row-error');
    const badText = await bad.innerText();
    assert.ok(badText.includes(EN['labs.csv_error.unknown_unit']), badText);
    assert.ok(badText.includes(EN['labs.column.unit']), badText);
    assert.ok(/mmHg/.test(badText), `the server's detail is kept: ${badText}`);
    for (const n of ['2', '3', '5']) {
      assert.equal(await page.locator(`#lab-import-preview tr[data-row="${n}"]`).getAttribute('class'), 'row-ok');
    }
    const summary = await page.locator('#lab-import-summary').innerText();
    assert.ok(summary.includes('3 rows ready to import') && summary.includes('1 row with errors'), summary);
    // Nothing is saved by the preview, and committing waits for a choice about the bad row.
    assert.equal((await docApi.get(`/api/v1/patients/${noLabs.id}/labs`)).body.items.length, 0);
    assert.equal(await page.locator('#lab-import-commit').isDisabled(), true);
    await page.screenshot({ path: join(OUT, 'labs-import-preview-en.png'), fullPage: true });
    await page.locator('#lab-import-skip-invalid').check();
    await page.locator('#lab-import-commit').click();
    await page.locator('#lab-import-preview').waitFor({ state: 'detached' });
    const items = await poll(async () => {
      const r = await docApi.get(`/api/v1/patients/${noLabs.id}/labs`);
      return r.body && r.body.items.length === 3 ? r.body.items : null;
    });
    assert.ok(items, 'the valid rows were not imported');
    assert.ok(items.every((l) => l.source === 'import'));
    assert.deepEqual(items.map((l) => l.analyte).sort(), ['ferritin', 'haemoglobin', 'platelets']);
    for (const l of items) await page.locator(`#lab-table tr[data-lab-id="${l.id}"]`).waitFor();
    // The same file again is refused, and the page says so in its language.
    await page.setInputFiles('#lab-import-file', { name: 'cbc-export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#lab-import-preview').waitFor();
    await page.locator('#lab-import-skip-invalid').check();
    await page.locator('#lab-import-commit').click();
    await page.locator('#lab-import-error').filter({ hasText: EN['labs.import_error.already_imported'] }).waitFor();
    await page.screenshot({ path: join(OUT, 'labs-imported-en.png'), fullPage: true });
    await page.context().close();
  });

  it('runs the panel and the labs page in Arabic', async () => {
    const page = await openAs(doctor, { lang: 'ar' });
    await page.goto(`${server.url}/#/patients/${withData.id}`);
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    await setSession(page, session);
    const hair = card(page, 'prp-hair');
    await page.locator('#screening-panel [data-treatment="prp-hair"][data-outcome="defer"]').waitFor();
    const deferWords = AR['screening.outcome.defer_until'].split('{until}')[0].trim();
    assert.ok((await hair.locator('.screening-card-head .outcome').innerText()).includes(deferWords));
    const reason = hair.locator('.screening-reason[data-rule="PRP-REL-3"]');
    assert.ok((await reason.locator('.reason-text').innerText()).includes(rule('PRP-REL-3').text.clinician.ar.slice(0, 30)));
    assert.equal(await reason.locator('.rule-id').evaluate((el) => getComputedStyle(el).direction), 'ltr');
    assert.equal(await reason.locator('.reason-source-text').getAttribute('lang'), 'en');
    // The panel sits beside the details: on the left in right-to-left.
    const panelBox = await page.locator('#screening-panel').boundingBox();
    const mainBox = await page.locator('.patient-main').boundingBox();
    assert.ok(panelBox.x + panelBox.width <= mainBox.x + 1, 'in Arabic the panel is left of the details');
    assert.ok(await page.locator('#tab-overview').evaluate((el) => el.getAttribute('aria-current') === 'page'));
    assert.equal((await page.locator('#tab-labs').innerText()).trim(), AR['tabs.labs']);
    await page.screenshot({ path: join(OUT, 'screening-ar.png'), fullPage: true });
    // Incomplete in Arabic words.
    await page.goto(`${server.url}/#/patients/${noLabs.id}`);
    await setSession(page, session + 3 * DAY);
    await page.locator('#screening-panel [data-treatment="prp-face"][data-outcome]').waitFor();
    const outcomes = await page.locator('#screening-panel .screening-card').evaluateAll((els) =>
      els.map((e) => [e.dataset.outcome, e.querySelector('.screening-card-head .outcome').textContent.trim()]),
    );
    for (const [o, words] of outcomes) {
      if (o !== 'defer') assert.equal(words, AR[`screening.outcome.${o}`], `outcome ${o} in Arabic`);
    }
    // The labs page and an import preview in Arabic.
    await page.locator('#tab-labs').click();
    await page.locator('#lab-table tr[data-lab-id]').first().waitFor();
    const csv = `date,analyte,value,unit\n${utcDate()},PLT,abc,10^9/L\n${utcDate()},Hb,14,g/dL\n`;
    await page.setInputFiles('#lab-import-file', { name: 'arabic.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const bad = page.locator('#lab-import-preview tr[data-row="2"].row-error');
    await bad.waitFor();
    assert.ok((await bad.innerText()).includes(AR['labs.csv_error.invalid_number']));
    assert.equal(await bad.locator('.server-detail').getAttribute('dir'), 'ltr');
    await page.screenshot({ path: join(OUT, 'labs-ar.png'), fullPage: true });
    await page.context().close();
  });

  it('raised no uncaught JavaScript errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
