// The outcomes report by protocol in headless Chromium against a real server: a doctor opens it
// from the navigation, the figures of a small hand-made clinic appear per protocol, each filter
// changes them (and the link of the page and of both CSV exports), a bad setting comes back at its
// field, both CSV files download with their header; the page reads in Arabic, right to left; a
// nurse and the reception see neither the link nor the page.
//
// The data: patients, their hair assessments (the grade), measurements and an adverse event are
// made through the API. Courses whose sessions are done cannot be made through it in the past
// (the calendar books no past slot and a course needs a signed screening), so the courses, their
// done session items, the appointment and procedures that hold them are written straight into the
// database with tests/lib/sqlfixture.mjs, as the procedures and adverse-event tests do.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import {
  REPO,
  createPatient,
  createUser,
  login,
  loginAdmin,
  show,
  startServer,
} from '../lib/server.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const H = 3600000;

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));
const PRP_HAIR = JSON.parse(readFileSync(join(REPO, 'protocols/prp-hair.json'), 'utf8'));
const PRP_FACE = JSON.parse(readFileSync(join(REPO, 'protocols/prp-face.json'), 'utf8'));

// The hand-made clinic: three prp-hair courses and one prp-face course, first sessions done in
// 2025 (the server keeps UTC: a local date is the UTC date). Density at baseline, 3 and 6 months:
// changes at 3 months +10, +18, +6 (mean 11.3, median 10.0), at 6 months +25, +20, +20 (mean
// 21.7, median 20.0). The third patient's baseline is 2 days before the first session (the
// others 5 and 9) and their 3-month value 17 days late (the others on the day).
const HAIR = [
  {
    key: 'p1',
    patient: { given_name: 'Sample', family_name: 'Cohortone', sex: 'male', date_of_birth: '1985-03-01' },
    grade: { norwood: 'III' },
    anchor: '2025-01-15',
    values: [['2025-01-10', 120.0], ['2025-04-15', 130.0], ['2025-07-15', 145.0]],
    procedure: { event: 'serious' },
  },
  {
    key: 'p2',
    patient: { given_name: 'Sample', family_name: 'Cohorttwo', sex: 'male', date_of_birth: '1980-06-01' },
    grade: { norwood: 'IV' },
    anchor: '2025-02-10',
    values: [['2025-02-01', 100.0], ['2025-05-10', 118.0], ['2025-08-10', 120.0]],
    procedure: { event: null },
  },
  {
    key: 'p3',
    patient: { given_name: 'Sample', family_name: 'Cohortthree', sex: 'female', date_of_birth: '1990-01-01' },
    grade: { ludwig: 'II' },
    anchor: '2025-03-03',
    values: [['2025-03-01', 90.0], ['2025-06-20', 96.0], ['2025-09-03', 110.0]],
    procedure: null,
  },
];

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

function addDays(ymd, n) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + n * 24 * H).toISOString().slice(0, 10);
}

// A course of `protocol` for a patient with three session items, the first done on `anchor` and
// the others planned, as the courses module stores them. Returns {courseId, firstItemId}.
function insertCourse(db, { patientId, protocol, anchor }) {
  const doc = protocol === 'prp-hair' ? PRP_HAIR : PRP_FACE;
  const screening = one(
    db,
    'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs, rules_sha256,' +
      ` computed_at, computed_by) VALUES (${lit(patientId)}, ${lit(doc.screening_treatment || protocol)},` +
      ` ${lit(Date.parse(`${anchor}T09:00:00Z`))}, 'eligible', '{}', '{}', ${lit('0'.repeat(64))},` +
      ` ${lit(Date.parse(`${anchor}T08:00:00Z`))}, 1)`,
  );
  const courseId = one(
    db,
    'INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id, status,' +
      ' start_date, currency, package, discount_minor, version, created_at, created_by, updated_at,' +
      ` updated_by) VALUES (${lit(patientId)}, ${lit(protocol)}, ${lit(JSON.stringify(doc))},` +
      ` ${lit('0'.repeat(64))}, ${lit(screening)}, 'active', ${lit(anchor)}, 'AED', 0, 0, 1,` +
      ` ${lit(Date.parse(`${anchor}T08:00:00Z`))}, 1, ${lit(Date.parse(`${anchor}T08:00:00Z`))}, 1)`,
  );
  let firstItemId = null;
  for (let seq = 1; seq <= 3; seq += 1) {
    const target = addDays(anchor, (seq - 1) * 30);
    const id = one(
      db,
      'INSERT INTO course_items (course_id, seq, kind, window_before_days, window_after_days, target_date,' +
        ' earliest_date, latest_date, duration_minutes, prep_minutes, room_kind, price_minor, status)' +
        ` VALUES (${lit(courseId)}, ${seq}, 'session', 0, 7, ${lit(target)}, ${lit(target)},` +
        ` ${lit(addDays(target, 7))}, 45, 30, 'treatment', 150000, ${lit(seq === 1 ? 'done' : 'planned')})`,
    );
    if (seq === 1) firstItemId = id;
  }
  return { courseId, firstItemId };
}

// The first session held at the chair: its appointment (done) and a completed procedure.
function insertSessionProcedure(db, { patientId, itemId, anchor }) {
  sql(
    db,
    "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Test room 1', 'treatment');\n" +
      'INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, 1);',
  );
  const start = Date.parse(`${anchor}T10:00:00Z`);
  const appt = one(
    db,
    'INSERT INTO appointments (patient_id, kind, course_item_id, start_ms, end_ms, prep_minutes, room_id,' +
      ` clinician_id, status, version, created_at, updated_at) VALUES (${lit(patientId)}, 'session',` +
      ` ${lit(itemId)}, ${lit(start)}, ${lit(start + H)}, 0, 1, 1, 'done', 1, ${lit(start)}, ${lit(start)})`,
  );
  const screening = one(
    db,
    'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs, rules_sha256,' +
      ` computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(start)}, 'eligible', '{}',` +
      ` '{}', ${lit('0'.repeat(64))}, ${lit(start - H)}, 1)`,
  );
  return one(
    db,
    'INSERT INTO procedures (patient_id, appointment_id, treatment, screening_id, status, version,' +
      ' started_at, started_by, completed_at, completed_by, updated_at, updated_by) VALUES' +
      ` (${lit(patientId)}, ${lit(appt)}, 'prp-hair', ${lit(screening)}, 'completed', 1, ${lit(start)}, 1,` +
      ` ${lit(start + H / 2)}, 1, ${lit(start + H / 2)}, 1)`,
  );
}

async function must(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

describe('the outcomes report in the browser', () => {
  let server;
  let doctor;
  let nurse;
  let reception;
  let browser;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    const admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    const api = await login(server.url, doctor.username, doctor.password);
    for (const c of HAIR) {
      const p = await createPatient(admin, c.patient);
      await must(
        await api.post(`/api/v1/patients/${p.id}/assessments`, {
          visit_date: addDays(c.anchor, -14),
          complaint: 'hair',
          hair: c.grade,
        }),
        201,
        'assessment',
      );
      const { courseId, firstItemId } = insertCourse(server.db, {
        patientId: p.id,
        protocol: 'prp-hair',
        anchor: c.anchor,
      });
      for (const [date, density] of c.values) {
        await must(
          await api.post(`/api/v1/patients/${p.id}/measurements`, {
            date,
            course_id: courseId,
            method: 'phototrichogram',
            values: { hair_density: density },
          }),
          201,
          'measurement',
        );
      }
      if (c.procedure) {
        const procedureId = insertSessionProcedure(server.db, {
          patientId: p.id,
          itemId: firstItemId,
          anchor: c.anchor,
        });
        if (c.procedure.event) {
          await must(
            await api.post(`/api/v1/patients/${p.id}/adverse-events`, {
              type: 'haematoma',
              severity: c.procedure.event,
              onset_at: `${c.anchor}T14:00:00.000Z`,
              procedure_id: procedureId,
            }),
            201,
            'adverse event',
          );
        }
      }
    }
    // A face course: counted among prp-face's courses, with no density to report.
    const face = await createPatient(admin, {
      given_name: 'Sample',
      family_name: 'Cohortface',
      sex: 'female',
      date_of_birth: '1978-09-09',
    });
    insertCourse(server.db, { patientId: face.id, protocol: 'prp-face', anchor: '2025-04-01' });

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
    const context = await browser.newContext({
      viewport: { width: 1280, height: 1000 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
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

  // Waits for the figures of a run to stand on the page.
  async function settled(page) {
    await page.locator('#report-results:not([aria-busy]) [data-protocol]').first().waitFor();
  }

  // The text of one figure of a protocol's table.
  async function cell(page, protocol, stat, months = null) {
    const row = page.locator(`#report-table-${protocol} tr[data-stat="${stat}"]`);
    const td = months === null ? row.locator('td') : row.locator(`td[data-months="${months}"]`);
    // Without the marks that keep numbers left to right in Arabic.
    return (await td.innerText()).replace(/[\u200e\u200f\u2066-\u2069]/g, '').trim();
  }

  async function run(page, fill) {
    await fill();
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/reports/outcomes?') ||
      r.url().endsWith('/api/v1/reports/outcomes'));
    await page.locator('#report-run').click();
    await answered;
    await settled(page);
  }

  async function download(page, selector) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
    const stream = await file.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  }

  it('shows each protocol\'s figures, which the filters change, and exports them as CSV', async () => {
    const page = await openAs(doctor);
    await page.locator('#nav-reports').click();
    await page.locator('#report-outcomes').waitFor();
    assert.ok(page.url().endsWith('#/reports/outcomes'), page.url());
    await settled(page);
    assert.equal(await page.locator('#nav-reports').getAttribute('aria-current'), 'page');
    assert.equal((await page.locator('.page-title').innerText()).trim(), EN['report.title']);

    // One card per protocol of the catalogue, in its order.
    const catalog = await page.evaluate(async () => (await fetch('/api/v1/catalog')).json());
    const cards = await page.locator('#report-results [data-protocol]').evaluateAll((els) =>
      els.map((e) => e.dataset.protocol));
    assert.deepEqual(cards, catalog.protocols.map((p) => p.code));

    const hair = page.locator('[data-protocol="prp-hair"]');
    assert.equal((await hair.locator('[data-count="courses"]').innerText()).trim(), '3 courses');
    assert.equal((await hair.locator('[data-count="patients"]').innerText()).trim(), '3 patients');
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '3');
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+11.3');
    assert.equal(await cell(page, 'prp-hair', 'median', 3), '+10.0');
    assert.equal(await cell(page, 'prp-hair', 'mean', 6), '+21.7');
    assert.equal(await cell(page, 'prp-hair', 'median', 6), '+20.0');
    assert.equal(await cell(page, 'prp-hair', 'ci', 3), '-3.8 to +26.5');
    // The adverse events of the courses: two completed procedures, one serious event.
    assert.equal(await cell(page, 'prp-hair', 'procedures'), '2');
    assert.equal(await cell(page, 'prp-hair', 'events'), '1');
    assert.equal(await cell(page, 'prp-hair', 'serious'), '1');
    assert.equal(await cell(page, 'prp-hair', 'per_100'), '50');
    assert.equal(await cell(page, 'prp-hair', 'patients_with_event'), '1 of 2 (50%)');
    // The face course is counted, with no density to show.
    const face = page.locator('[data-protocol="prp-face"]');
    assert.equal((await face.locator('[data-count="courses"]').innerText()).trim(), '1 course');
    assert.equal(await cell(page, 'prp-face', 'n', 3), '0');
    assert.equal(await page.locator('#report-table-prp-face tr[data-stat="mean"] .report-none').count(), 2);
    // The caveat stands above the figures, with the windows as the server read them.
    const caveat = await page.locator('#report-caveat').innerText();
    assert.ok(caveat.includes(EN['report.caveat_title']), caveat);
    assert.ok(caveat.includes('90 days') && caveat.includes('30 days'), caveat);

    // The responders at the protocol's own threshold, when its file sets one.
    const threshold = PRP_HAIR.outcomes && PRP_HAIR.outcomes.responder ? PRP_HAIR.outcomes.responder.min_gain : null;
    if (threshold === 14) {
      assert.equal(await cell(page, 'prp-hair', 'responders', 3), '1 of 3');
      assert.equal(await cell(page, 'prp-hair', 'responders', 6), '3 of 3');
      assert.equal(await cell(page, 'prp-hair', 'share', 6), '100%');
    } else {
      assert.equal(threshold, null, 'the test knows the shipped threshold');
      assert.equal(await hair.locator('.report-no-threshold').count(), 1);
    }

    // Sex: the two men.
    await run(page, () => page.locator('#report-sex').selectOption('male'));
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '2');
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+14.0');
    assert.equal(await cell(page, 'prp-hair', 'mean', 6), '+22.5');
    assert.ok(page.url().endsWith('#/reports/outcomes?sex=male'), page.url());
    assert.ok((await page.locator('#report-csv').getAttribute('href')).endsWith('/reports/outcomes.csv?sex=male'));

    // Grade: the one Norwood III; one course gives a mean without an interval.
    await run(page, async () => {
      await page.locator('#report-sex').selectOption('');
      await page.locator('#report-grade').selectOption('norwood:III');
    });
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '1');
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+10.0');
    assert.equal(await page.locator('#report-table-prp-hair tr[data-stat="ci"] td[data-months="3"] .report-none').count(), 1);
    assert.equal(await cell(page, 'prp-hair', 'procedures'), '1');

    // Age band: the patient in their forties at the first session.
    await run(page, async () => {
      await page.locator('#report-grade').selectOption('');
      await page.locator('#report-age_band').selectOption('40_49');
    });
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+18.0');
    assert.equal((await hair.locator('[data-count="courses"]').innerText()).trim(), '1 course');

    // A threshold of our own: nobody gains 19 at 3 months, everybody at 6.
    await run(page, async () => {
      await page.locator('#report-age_band').selectOption('');
      await page.locator('#report-threshold').fill('19');
    });
    assert.equal(await cell(page, 'prp-hair', 'responders', 3), '0 of 3');
    assert.equal(await cell(page, 'prp-hair', 'responders', 6), '3 of 3');
    assert.equal(await cell(page, 'prp-hair', 'share', 6), '100%');
    assert.equal(await page.locator('#report-table-prp-hair thead').count(), 1);
    assert.ok((await page.locator('#report-table-prp-hair').innerText()).includes('at least 19 hairs/cm²'));

    // The period: only the first session of February.
    await run(page, async () => {
      await page.locator('#report-threshold').fill('');
      await page.locator('#report-from').fill('2025-02-01');
      await page.locator('#report-to').fill('2025-02-28');
    });
    assert.equal(await cell(page, 'prp-hair', 'n', 6), '1');
    assert.equal(await cell(page, 'prp-hair', 'mean', 6), '+20.0');

    // A window of 10 days leaves out the third patient's late value at 3 months.
    await run(page, async () => {
      await page.locator('#report-from').fill('');
      await page.locator('#report-to').fill('');
      await page.locator('#report-window_days').fill('10');
    });
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '2');
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+14.0');
    assert.equal(await cell(page, 'prp-hair', 'n', 6), '3');
    assert.ok((await page.locator('#report-caveat').innerText()).includes('10 days'));
    await run(page, async () => {
      await page.locator('#report-window_days').fill('');
      await page.locator('#report-baseline_days').fill('5');
    });
    // Only p1 (5 days) and p3 (2 days) have a baseline that close to the first session.
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '2');
    assert.equal(await cell(page, 'prp-hair', 'mean', 3), '+8.0');

    // A setting out of range comes back at its field; the figures stay as they were.
    await page.locator('#report-baseline_days').fill('999');
    await page.locator('#report-run').click();
    await page.locator('[data-error-for="baseline_days"]').filter({ hasText: EN['error.invalid_query.baseline_days'] }).waitFor();
    assert.equal(await page.locator('#report-baseline_days').getAttribute('aria-invalid'), 'true');
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '2');
    // The end of the period before its start is said before asking.
    await page.locator('#report-baseline_days').fill('');
    await page.locator('#report-from').fill('2025-03-01');
    await page.locator('#report-to').fill('2025-02-01');
    await page.locator('#report-run').click();
    await page.locator('[data-error-for="to"]').filter({ hasText: EN['report.to_before_from'] }).waitFor();

    // Both exports carry the filters of the last run: the men.
    await page.locator('#report-from').fill('');
    await page.locator('#report-to').fill('');
    await run(page, () => page.locator('#report-sex').selectOption('male'));
    const summary = await download(page, '#report-csv');
    const lines = summary.trim().split(/\r?\n/);
    const header = lines[0].split(',');
    assert.equal(header[0], 'protocol', summary);
    const hairLine = lines.find((l) => l.startsWith('prp-hair,'));
    assert.ok(hairLine, summary);
    // The labels hold no comma: a plain split finds the columns.
    const column = (name) => {
      assert.ok(header.includes(name), `${name} in ${lines[0]}`);
      return Number(hairLine.split(',')[header.indexOf(name)]);
    };
    assert.equal(column('courses'), 2);
    assert.equal(column('density_m3_n'), 2);
    assert.equal(column('density_m3_mean'), 14);
    assert.equal(column('density_m6_mean'), 22.5);
    const courses = await download(page, '#report-courses-csv');
    const rows = courses.trim().split(/\r?\n/);
    assert.match(rows[0], /^course_id,protocol,age_band,sex,grade,anchor_month,baseline,change_m3,change_m6$/);
    const hairRows = rows.slice(1).filter((r) => r.split(',')[1] === 'prp-hair');
    assert.equal(hairRows.length, 2, courses);
    assert.ok(hairRows.every((r) => r.split(',')[3] === 'male'), courses);
    // De-identified: no name, no date of birth.
    assert.ok(!/Cohort|Sample|1985-03-01|1980-06-01/.test(courses), courses);

    await page.screenshot({ path: join(OUT, 'report-outcomes-en.png'), fullPage: true });
    await page.context().close();
  });

  it('reads in Arabic, right to left, with the filters from its link', async () => {
    const page = await openAs(doctor, { lang: 'ar' });
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal((await page.locator('#nav-reports').innerText()).trim(), AR['nav.reports']);
    await page.goto(`${server.url}/#/reports/outcomes?sex=female`);
    await settled(page);
    assert.equal((await page.locator('.page-title').innerText()).trim(), AR['report.title']);
    assert.equal(await page.locator('#report-sex').inputValue(), 'female');
    assert.equal(await cell(page, 'prp-hair', 'n', 3), '1');
    assert.equal(await cell(page, 'prp-hair', 'mean', 6), '+20.0');
    const caveat = await page.locator('#report-caveat').innerText();
    assert.ok(caveat.includes(AR['report.caveat_title']), caveat);
    const head = await page.locator('#report-table-prp-hair thead').innerText();
    assert.ok(head.includes(AR['report.months.few'].replace('{n}', '3')), head);
    assert.ok((await page.locator('#report-table-prp-hair').innerText()).includes(AR['report.mean']));
    // The filters stand in the reading direction; the table starts at the right.
    const box = async (sel) => page.locator(sel).boundingBox();
    const label = await box('#report-table-prp-hair tr[data-stat="mean"] th');
    const value = await box('#report-table-prp-hair tr[data-stat="mean"] td[data-months="3"]');
    assert.ok(label.x > value.x, 'the row label stands to the right of its figures');
    // The CSV link carries the filter in either language.
    assert.ok((await page.locator('#report-courses-csv').getAttribute('href')).endsWith('/reports/outcomes/courses.csv?sex=female'));
    // A language switch keeps the filters and redraws in English.
    await page.locator('#lang-switch').click();
    await page.locator('html[dir="ltr"]').waitFor();
    await settled(page);
    assert.equal(await page.locator('#report-sex').inputValue(), 'female');
    assert.equal((await page.locator('.page-title').innerText()).trim(), EN['report.title']);
    await page.locator('#lang-switch').click();
    await page.locator('html[dir="rtl"]').waitFor();
    await settled(page);
    await page.screenshot({ path: join(OUT, 'report-outcomes-ar.png'), fullPage: true });
    await page.context().close();
  });

  it('is not offered to a nurse or the reception', async () => {
    for (const user of [nurse, reception]) {
      const page = await openAs(user);
      assert.equal(await page.locator('#nav-reports').count(), 0);
      await page.goto(`${server.url}/#/reports/outcomes`);
      await page.locator('.empty-title').filter({ hasText: EN['access.denied_title'] }).waitFor();
      assert.equal(await page.locator('#report-filters').count(), 0);
      await page.context().close();
    }
  });

  it('raised no script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
