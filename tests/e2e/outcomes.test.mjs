// The Outcomes tab in headless Chromium against a real server: a doctor records the baseline in
// English (a value out of range comes back at its field first), a nurse records the 3-month set in
// Arabic, a trichoscopy CSV with a bad row is previewed and imported without it, one value is
// corrected and another voided with their reasons; the density chart then holds exactly the
// values, the band, the sessions and the milestones, and a screenshot of it (English and Arabic)
// is decoded in the page to check the series' line and the band were really drawn.
//
// A course with its loading sessions done cannot be made through the API (the calendar books no
// past day): the course and its items are written straight into the database, as the demo does.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, login, loginAdmin, startServer } from '../lib/server.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const TIMEZONE = 'Asia/Dubai';
const CONFIG = '[clinic]\ntime_zone = Asia/Dubai\nslot_minutes = 15\ncurrency = AED\n';
const H = 3600000;

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));
const { COLORS } = await import(pathToFileURL(join(REPO, 'web/js/chart.js')).href);
const { addMonths, addDays } = await import(pathToFileURL(join(REPO, 'web/js/course-plan.js')).href);

// The clinic's today (Dubai, UTC+4 all year).
const dubaiToday = () => new Date(Date.now() + 4 * H).toISOString().slice(0, 10);

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

// A prp-hair course whose three loading sessions were done a month apart from `anchor`, stored
// as the course module stores a prescription (the protocol document kept with it).
function insertDoneCourse(db, patientId, anchor) {
  const protocol = readFileSync(join(REPO, 'protocols/prp-hair.json'), 'utf8');
  const now = Date.now();
  const screening = one(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(now)},` +
    ` 'eligible', '{}', '{}', '${'0'.repeat(64)}', ${lit(now)}, 1)`);
  const course = one(db, 'INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id,' +
    ' status, start_date, currency, package, discount_minor, version, created_at, created_by, updated_at,' +
    ` updated_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(protocol)}, '${'0'.repeat(64)}',` +
    ` ${lit(screening)}, 'active', ${lit(anchor)}, 'AED', 0, 0, 1, ${now}, 1, ${now}, 1)`);
  for (let seq = 1; seq <= 3; seq += 1) {
    const date = addMonths(anchor, seq - 1);
    sql(db, 'INSERT INTO course_items (course_id, seq, kind, anchor_seq, offset_months, window_before_days,' +
      ' window_after_days, target_date, earliest_date, latest_date, duration_minutes, prep_minutes, room_kind,' +
      ` price_minor, status) VALUES (${lit(course)}, ${seq}, 'session', ${seq === 1 ? 'NULL' : seq - 1},` +
      ` ${seq === 1 ? 0 : 1}, 0, 14, ${lit(date)}, ${lit(date)}, ${lit(addDays(date, 14))}, 60, 30,` +
      " 'treatment', 0, 'done')");
  }
  return course;
}

describe('outcomes tab in the browser', () => {
  let server;
  let admin;
  let doctor;
  let nurse;
  let reception;
  let doctorApi;
  let browser;
  let patient;
  let courseId;
  let anchor;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ config: CONFIG });
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    doctorApi = await login(server.url, doctor.username, doctor.password);
    patient = await createPatient(admin, { given_name: 'Sample', family_name: 'Outcome', sex: 'male' });
    anchor = addMonths(dubaiToday(), -7);
    courseId = insertDoneCourse(server.db, patient.id, anchor);
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

  async function openTab(page) {
    await page.goto(`${server.url}/#/patients/${patient.id}`);
    await page.locator('#patient-tabs #tab-outcomes').click();
    await page.locator('#tab-outcomes[aria-current="page"]').waitFor();
    await page.locator('#outcome-charts:not([aria-busy])').waitFor();
    await page.locator('#measurement-sets:not([aria-busy])').waitFor();
  }

  const sets = async () =>
    (await doctorApi.get(`/api/v1/patients/${patient.id}/measurements?include_voided=1`)).body.sets;

  it('records the baseline in English; a value out of range comes back at its field', async () => {
    const page = await openAs(doctor);
    await openTab(page);
    await page.locator('#timeline-course').waitFor();
    assert.equal(await page.locator('#timeline-course').inputValue(), String(courseId));
    await page.locator('#outcome-charts .empty-title').filter({ hasText: EN['outcomes.none'] }).waitFor();
    // The course's notes on the evidence are shown, in English.
    assert.ok((await page.locator('#timeline-notes li').count()) >= 1, 'the protocol notes are missing');
    // The report links carry the course.
    for (const l of ['en', 'ar']) {
      const href = await page.locator(`#outcome-report-${l}`).getAttribute('href');
      assert.ok(href.includes(`lang=${l}`) && href.includes(`course_id=${courseId}`), href);
    }

    await page.locator('#new-measurements').click();
    const form = page.locator('form#measurement-form');
    await form.waitFor();
    assert.equal(await form.locator('#measurement-course').inputValue(), String(courseId));
    // Nothing measured: the form says so before sending.
    await page.locator('#measurement-save').click();
    await form.locator('[data-error-for="values"]').filter({ hasText: EN['outcomes.values_required'] }).waitFor();
    await form.locator('[data-error-for="method"]').filter({ hasText: EN['error.required'] }).waitFor();

    await form.locator('#measurement-date').fill(addDays(anchor, -2));
    await form.locator('#measurement-method').selectOption('phototrichogram');
    await form.locator('#measurement-site').fill('vertex, tattoo-marked');
    await form.locator('#measurement-area').fill('0.65');
    await form.locator('[name="values.hair_density"]').fill('1200');
    await form.locator('[name="values.norwood"]').selectOption('IV');
    await page.locator('#measurement-save').click();
    const slot = form.locator('[data-error-for="values.hair_density"]');
    await slot.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await form.locator('[name="values.hair_density"]').getAttribute('aria-invalid'), 'true');
    assert.equal((await sets()).length, 0, 'a refused set was stored');

    await form.locator('[name="values.hair_density"]').fill('120');
    await page.locator('#measurement-save').click();
    await page.locator('#measurement-dialog').waitFor({ state: 'detached' });
    await page.locator('#measurement-sets [data-set-id]').first().waitFor();
    const stored = await sets();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].date, addDays(anchor, -2));
    assert.equal(stored[0].course_id, courseId);
    assert.equal(stored[0].method, 'phototrichogram');
    assert.equal(stored[0].area_cm2, 0.65);
    assert.equal(stored[0].measured_by.username, doctor.username);
    const byMeasure = Object.fromEntries(stored[0].values.map((v) => [v.measure, v.value]));
    assert.deepEqual(byMeasure, { hair_density: 120, norwood: 'IV' });
    const setEl = page.locator(`#measurement-sets [data-set-id="${stored[0].id}"]`);
    assert.equal(await setEl.locator('[data-measurement-id]').count(), 2);
    await page.locator('figure.outcome-chart[data-measure="hair_density"] circle.point').first().waitFor();
    await page.context().close();
  });

  it('records the 3-month set in Arabic', async () => {
    const page = await openAs(nurse, { lang: 'ar' });
    await openTab(page);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await page.locator('#new-measurements').click();
    const form = page.locator('form#measurement-form');
    await form.waitFor();
    assert.ok((await form.locator('[data-group="hair"] h3').innerText()).includes(AR['outcomes.group.hair']));
    await form.locator('#measurement-date').fill(addMonths(anchor, 3));
    await form.locator('#measurement-method').selectOption('phototrichogram');
    await form.locator('[name="values.hair_density"]').fill('131');
    await form.locator('[name="values.global_photo"]').selectOption('1');
    await form.locator('[name="values.satisfaction"]').selectOption('7');
    await page.screenshot({ path: join(OUT, 'outcome-record-ar.png') });
    await page.locator('#measurement-save').click();
    await page.locator('#measurement-dialog').waitFor({ state: 'detached' });
    await page.locator('#measurement-sets [data-set-id]').nth(1).waitFor();
    const stored = await sets();
    assert.equal(stored.length, 2);
    const s3 = stored.find((s) => s.date === addMonths(anchor, 3));
    assert.ok(s3, 'the 3-month set');
    assert.equal(s3.measured_by.username, nurse.username);
    assert.deepEqual(
      Object.fromEntries(s3.values.map((v) => [v.measure, v.value])),
      { hair_density: 131, global_photo: 1, satisfaction: 7 },
    );
    // The newest set comes first.
    assert.equal(await page.locator('#measurement-sets [data-set-id]').first().getAttribute('data-set-id'), String(s3.id));
    await page.context().close();
  });

  it('imports a trichoscopy file with a bad row, leaving the bad row out', async () => {
    const page = await openAs(doctor);
    await openTab(page);
    await page.locator('#import-trichoscopy').click();
    await page.locator('#trichoscopy-file').waitFor();
    const [y, m, d] = addMonths(anchor, 6).split('-');
    const csv = `\uFEFFDate;MRN;Area [cm²];Count;Density [1/cm²];Anagen [%];Operator\n` +
      `${d}.${m}.${y};${patient.mrn};0,65;92;142;81,2;Sample Operator\n` +
      `${d}.${m}.${y};${patient.mrn};0,65;90;abc;80;Sample Operator\n`;
    await page.locator('#trichoscopy-file').setInputFiles({
      name: 'trichoscan-export.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8'),
    });
    await page.locator('#trichoscopy-preview').waitFor();
    const rows = page.locator('#trichoscopy-preview tr[data-row]');
    assert.equal(await rows.count(), 2);
    assert.equal(await page.locator('#trichoscopy-preview tr[data-row="2"]').getAttribute('class'), 'row-ok');
    const bad = page.locator('#trichoscopy-preview tr[data-row="3"]');
    assert.equal(await bad.getAttribute('class'), 'row-error');
    assert.ok((await bad.locator('.row-errors li').count()) >= 1, 'the bad row says what is wrong');
    const summary = page.locator('#trichoscopy-summary');
    assert.equal(await summary.getAttribute('data-valid'), '1');
    assert.equal(await summary.getAttribute('data-invalid'), '1');
    await page.screenshot({ path: join(OUT, 'outcome-import-en.png') });
    // A file with a bad row is refused until the bad rows are left out.
    assert.equal(await page.locator('#trichoscopy-commit').isDisabled(), true);
    await page.locator('#trichoscopy-skip-invalid').check();
    await page.locator('#trichoscopy-commit').click();
    await page.locator('#trichoscopy-dialog').waitFor({ state: 'detached' });
    await page.locator('#measurement-sets [data-set-id][data-source="import"]').waitFor();
    const stored = await sets();
    assert.equal(stored.length, 3);
    const imported = stored.find((s) => s.source === 'import');
    assert.equal(imported.date, addMonths(anchor, 6));
    assert.equal(imported.course_id, courseId, 'the import belongs to the chosen course');
    const values = Object.fromEntries(imported.values.map((v) => [v.measure, v.value]));
    assert.equal(values.hair_density, 142);
    assert.equal(values.hair_count, 92);
    assert.equal(values.anagen_percent, 81.2);
    await page.context().close();
  });

  it('corrects one value and voids another, each with its reason', async () => {
    const page = await openAs(doctor);
    await openTab(page);
    const s3 = (await sets()).find((s) => s.date === addMonths(anchor, 3));
    const density = s3.values.find((v) => v.measure === 'hair_density');
    const gpa = s3.values.find((v) => v.measure === 'global_photo');
    const row = page.locator(`#measurement-sets [data-measurement-id="${density.id}"]`);
    await row.locator('[data-action="correct-measurement"]').click();
    await page.locator('#correct-value').waitFor();
    assert.equal(await page.locator('#correct-value').inputValue(), '131');
    await page.locator('#correct-value').fill('133');
    await page.locator('#correct-reason').fill('short');
    await page.locator('#correct-save').click();
    await page.locator('[data-error-for="reason"]').filter({ hasText: EN['error.too_short.reason'] }).waitFor();
    await page.locator('#correct-reason').fill('Counted again on the stored phototrichogram image');
    await page.locator('#correct-save').click();
    await page.locator('#correct-dialog').waitFor({ state: 'detached' });
    await page.locator(`#measurement-sets [data-measurement-id="${density.id}"][data-version="2"]`).waitFor();
    const versions = (await doctorApi.get(`/api/v1/measurements/${density.id}/versions`)).body.items;
    assert.deepEqual(versions.map((v) => v.value), [133, 131]);
    assert.equal(versions[0].reason, 'Counted again on the stored phototrichogram image');

    await page.locator(`#measurement-sets [data-measurement-id="${gpa.id}"] [data-action="void-measurement"]`).click();
    await page.locator('#void-reason').fill('Entered for the wrong patient visit');
    await page.locator('#void-confirm').click();
    await page.locator('#void-dialog').waitFor({ state: 'detached' });
    await page.locator(`#measurement-sets [data-measurement-id="${gpa.id}"]`).waitFor({ state: 'detached' });
    await page.locator('#show-voided').check();
    const voided = page.locator(`#measurement-sets [data-measurement-id="${gpa.id}"]`);
    await voided.waitFor();
    assert.ok((await voided.innerText()).includes('Entered for the wrong patient visit'));
    assert.equal(await voided.locator('[data-action]').count(), 0, 'a voided value offers no action');
    const after = (await sets()).find((s) => s.id === s3.id).values.find((v) => v.id === gpa.id);
    assert.equal(after.voided.reason, 'Entered for the wrong patient visit');
    // The voided value has left its chart: no other global assessment was recorded.
    await page.locator('figure.outcome-chart[data-measure="hair_density"]').waitFor();
    assert.equal(await page.locator('figure.outcome-chart[data-measure="global_photo"]').count(), 0);
    await page.context().close();
  });

  // Counts the pixels of a PNG near each colour, decoding it in the page (an <img> on a canvas).
  async function countColours(page, png, colours) {
    return page.evaluate(
      async ({ b64, colours: cs }) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const g = canvas.getContext('2d');
        g.drawImage(img, 0, 0);
        const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
        const rgb = cs.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
        const counts = cs.map(() => 0);
        for (let i = 0; i < data.length; i += 4) {
          rgb.forEach((c, k) => {
            if (Math.abs(data[i] - c[0]) <= 6 && Math.abs(data[i + 1] - c[1]) <= 6 && Math.abs(data[i + 2] - c[2]) <= 6)
              counts[k] += 1;
          });
        }
        return { counts, width: canvas.width, height: canvas.height };
      },
      { b64: png.toString('base64'), colours },
    );
  }

  for (const lang of ['en', 'ar']) {
    it(`draws the density chart with its values, band, sessions and milestones (${lang})`, async () => {
      const page = await openAs(doctor, { lang });
      await openTab(page);
      const tl = (await doctorApi.get(`/api/v1/patients/${patient.id}/timeline?course_id=${courseId}`)).body;
      const series = tl.series.find((s) => s.measure === 'hair_density');
      assert.ok(series, JSON.stringify(tl).slice(0, 3000));
      assert.ok(series.band, `no band: ${series.band_missing}`);
      const fig = page.locator('figure.outcome-chart[data-measure="hair_density"]');
      await fig.locator('svg circle.point').first().waitFor();
      // The points are exactly the values, left to right in date order in both languages.
      const points = await fig.locator('svg circle.point').evaluateAll((els) =>
        els.map((e) => ({ id: e.dataset.measurementId, value: e.dataset.value, date: e.dataset.date, cx: Number(e.getAttribute('cx')), title: e.querySelector('title').textContent })),
      );
      assert.deepEqual(points.map((p) => Number(p.value)), [120, 133, 142]);
      assert.deepEqual(points.map((p) => p.id), series.points.map((p) => String(p.measurement_id)));
      assert.ok(points[0].cx < points[1].cx && points[1].cx < points[2].cx, 'time must run left to right');
      assert.ok(points.every((p) => p.title.length > 0));
      assert.equal(await fig.locator('svg path.series-line').count(), 1);
      assert.equal(await fig.locator('svg rect.band').count(), 1);
      assert.deepEqual(
        await fig.locator('svg line.session').evaluateAll((els) => els.map((e) => e.dataset.seq)),
        ['1', '2', '3'],
      );
      assert.ok((await fig.locator('svg g.milestone[data-code]').count()) >= 1);
      assert.equal(await fig.locator('svg .baseline-line').count(), 1);
      assert.equal(await fig.locator('.chart-box').getAttribute('dir'), 'ltr');
      // The table under the chart says the same values.
      assert.equal(await fig.locator('table.outcome-values tbody tr').count(), 3);
      // The Norwood grade is drawn on its code's place.
      const norwood = page.locator('figure.outcome-chart[data-measure="norwood"]');
      assert.deepEqual(await norwood.locator('circle.point').evaluateAll((els) => els.map((e) => e.dataset.value)), ['IV']);

      const png = await fig.locator('.chart-box').screenshot({ path: join(OUT, `outcome-chart-${lang}.png`) });
      const { counts, width, height } = await countColours(page, png, [COLORS.series, COLORS.band]);
      assert.ok(width > 300 && height > 150, `a chart of ${width}×${height}`);
      assert.ok(counts[0] > 50, `the series line's colour: ${counts[0]} pixels`);
      assert.ok(counts[1] > 500, `the band's colour: ${counts[1]} pixels`);
      writeFileSync(join(OUT, `outcome-chart-${lang}.json`), JSON.stringify({ counts, width, height }));
      await page.screenshot({ path: join(OUT, `outcome-page-${lang}.png`), fullPage: true });
      await page.context().close();
    });
  }

  it('links the outcome report PDF of the course; reception sees no Outcomes tab', async () => {
    const page = await openAs(doctor);
    await openTab(page);
    const href = await page.locator('#outcome-report-ar').getAttribute('href');
    const res = await page.request.get(`${server.url}${href}`);
    assert.equal(res.status(), 200, await res.text());
    assert.match(res.headers()['content-type'], /application\/pdf/);
    assert.equal((await res.body()).subarray(0, 5).toString(), '%PDF-');
    await page.context().close();

    const rpage = await openAs(reception);
    await rpage.goto(`${server.url}/#/patients/${patient.id}`);
    await rpage.locator('#patient-view').waitFor();
    assert.equal(await rpage.locator('#tab-outcomes').count(), 0);
    await rpage.goto(`${server.url}/#/patients/${patient.id}/outcomes`);
    await rpage.locator('.empty-title').filter({ hasText: EN['access.denied_title'] }).waitFor();
    await rpage.context().close();
  });

  it('raised no error in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
