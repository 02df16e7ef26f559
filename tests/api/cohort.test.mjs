// The cohort report over HTTP: the JSON with its figures, the filters, both CSV files, bad
// filter values, who may read it and the audit trail. Patients are created through the API; the
// courses with their done sessions, the procedures and the density values are written with SQL
// (tests/lib/sqlfixture.mjs), the way the calendar, the chair and the measurement forms store
// them, so that the anchors lie months in the past.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const doc = repoOpenApi();

function fits(path, r) {
  assert.deepEqual(checkResponse(doc, path, 'GET', r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

// A course of `protocol` for a patient whose loading sessions were done on `sessions` (UTC
// instants; null: a record carried over from paper, dated by its target day `targets[i]`),
// each with a completed procedure; `events[i]` adverse events ({severity}) follow session i.
function insertCourse(db, { patientId, protocol = 'prp-hair', sessions, targets = [], events = [] }) {
  sql(db, "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Test room 1', 'treatment');\n" +
    'INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, 1);');
  const one = (text) => Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
  const screening = one('INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, ${lit(protocol)}, 1, 'eligible', '{}',` +
    ` '{}', '${'0'.repeat(64)}', 1, 1)`);
  const course = one('INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id,' +
    ' status, start_date, currency, package, discount_minor, version, created_at, created_by, updated_at,' +
    ` updated_by) VALUES (${lit(patientId)}, ${lit(protocol)}, '{}', '${'0'.repeat(64)}', ${screening},` +
    " 'active', '2024-12-01', 'AED', 0, 0, 1, 1, 1, 1, 1)");
  sessions.forEach((ms, i) => {
    const target = targets[i] || new Date(ms).toISOString().slice(0, 10);
    const item = one('INSERT INTO course_items (course_id, seq, kind, window_before_days, window_after_days,' +
      ' target_date, earliest_date, latest_date, duration_minutes, prep_minutes, room_kind, price_minor, status)' +
      ` VALUES (${course}, ${i + 1}, 'session', 0, 0, ${lit(target)}, ${lit(target)}, ${lit(target)}, 60, 30,` +
      " 'treatment', 0, 'done')");
    if (ms === null) return;
    const appt = one('INSERT INTO appointments (patient_id, kind, course_item_id, start_ms, end_ms, room_id,' +
      ` clinician_id, status, version, created_at, updated_at) VALUES (${lit(patientId)}, 'session', ${item},` +
      ` ${ms}, ${ms + 3600000}, 1, 1, 'done', 1, 1, 1)`);
    const proc = one('INSERT INTO procedures (patient_id, appointment_id, treatment, protocol, screening_id,' +
      ' status, version, started_at, started_by, completed_at, completed_by, updated_at, updated_by) VALUES' +
      ` (${lit(patientId)}, ${appt}, ${lit(protocol)}, ${lit(protocol)}, ${screening}, 'completed', 1, ${ms}, 1,` +
      ` ${ms + 3600000}, 1, ${ms + 3600000}, 1)`);
    for (const e of events[i] || []) {
      sql(db, 'INSERT INTO adverse_events (patient_id, procedure_id, type, severity, onset_at, outcome, version,' +
        ` created_at, created_by, updated_at, updated_by) VALUES (${lit(patientId)}, ${proc}, 'bruising',` +
        ` ${lit(e.severity)}, ${ms + 7200000}, 'ongoing', 1, 1, 1, 1, 1)`);
    }
  });
  return course;
}

// Hair density values of a patient: [date, value, voided?] each in its own set.
function insertDensity(db, patientId, values) {
  for (const [date, value, voided] of values) {
    sql(db, 'INSERT INTO measurement_sets (patient_id, date, method, measured_by, source, created_at,' +
      ` created_by) VALUES (${lit(patientId)}, ${lit(date)}, 'phototrichogram', 1, 'manual', 1, 1);\n` +
      'INSERT INTO measurements (set_id, patient_id, date, measure, value_num, version, voided_at, voided_by,' +
      ` void_reason, updated_at, updated_by) VALUES (last_insert_rowid(), ${lit(patientId)}, ${lit(date)},` +
      ` 'hair_density', ${value}, 1, ${voided ? 5 : 'NULL'}, ${voided ? 1 : 'NULL'},` +
      ` ${voided ? "'entered on the wrong patient'" : 'NULL'}, 1, 1)`);
  }
}

function insertGrade(db, patientId, date, hair) {
  const data = JSON.stringify({ visit_date: date, complaint: 'hair', hair: { norwood: null, ludwig: null,
    sinclair: null, savin: null, ...hair } });
  sql(db, 'INSERT INTO assessments (patient_id, version, visit_date, complaint, data, created_at, updated_at)' +
    ` VALUES (${lit(patientId)}, 1, ${lit(date)}, 'hair', ${lit(data)}, 1, 1)`);
}

describe('cohort report', () => {
  let server;
  let c;
  let courses;
  before(async () => {
    server = await startServer({ timeZone: 'Asia/Dubai' });
    c = await roleClients(server);
    const man = await createPatient(c.doctor, { family_name: 'Cohortone', sex: 'male', date_of_birth: '1980-06-15' });
    const woman = await createPatient(c.doctor, { family_name: 'Cohorttwo', sex: 'female', date_of_birth: '2000-01-10' });
    const paper = await createPatient(c.doctor, { family_name: 'Cohortthree', sex: 'male', date_of_birth: '1960-03-01' });
    const face = await createPatient(c.doctor, { family_name: 'Cohortfour', sex: 'male', date_of_birth: '1970-01-01' });
    const db = server.db;
    courses = {
      // 2025-01-01T21:30Z is 2025-01-02 in Dubai: the anchor. Baseline 124 (the later of the
      // anchor day's two); 3 months: 140 (5 days off; 150 is as far, but later): +16; 6 months:
      // the voided 160 is not read, 158: +34.
      man: insertCourse(db, {
        patientId: man.id, sessions: [Date.UTC(2025, 0, 1, 21, 30), Date.UTC(2025, 1, 1, 9)],
        events: [[{ severity: 'mild' }, { severity: 'serious' }]],
      }),
      // Anchor 2025-03-10; baseline 130; 3 months 135: +5; no 6-month value.
      woman: insertCourse(db, { patientId: woman.id, sessions: [Date.UTC(2025, 2, 10, 6)] }),
      // From paper: anchor 2025-08-31 (target day); +12 at 3 months, +20 at 6 (2026-02-28).
      paper: insertCourse(db, { patientId: paper.id, sessions: [null, null], targets: ['2025-08-31', '2025-09-30'] }),
      face: insertCourse(db, { patientId: face.id, protocol: 'prp-face', sessions: [Date.UTC(2025, 3, 1, 8)] }),
    };
    insertDensity(db, man.id, [['2024-10-01', 100], ['2025-01-02', 122], ['2025-01-02', 124], ['2025-03-28', 140],
      ['2025-04-07', 150], ['2025-07-20', 160, true], ['2025-07-25', 158]]);
    insertDensity(db, woman.id, [['2025-03-01', 130], ['2025-06-10', 135]]);
    insertDensity(db, paper.id, [['2025-08-01', 100], ['2025-11-30', 112], ['2026-02-27', 120], ['2026-03-01', 125]]);
    insertGrade(db, man.id, '2024-12-20', { norwood: 'III' });
    insertGrade(db, man.id, '2025-03-01', { norwood: 'IV' });
    insertGrade(db, woman.id, '2025-02-01', { ludwig: 'II', sinclair: 3 });
  });
  after(async () => {
    await server?.cleanup();
  });

  async function report(query = '', client = c.admin) {
    const r = await client.get(`/api/v1/reports/outcomes${query}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/reports/outcomes', r);
    return r.body;
  }
  const entry = (body, protocol) => body.protocols.find((p) => p.protocol === protocol);

  it('gives each protocol its density change, responders and adverse events', async () => {
    const body = await report('?threshold=14');
    assert.deepEqual(body.protocols.map((p) => p.protocol).sort(), ['adsc-hair', 'prp-face', 'prp-hair']);
    assert.deepEqual(body.settings, { baseline_days: 90, window_days: 30 });
    assert.equal(body.filters.threshold, 14);
    assert.equal(body.filters.sex, null);
    assert.match(body.generated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(body.generated_local, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const hair = entry(body, 'prp-hair');
    assert.equal(hair.label.en.length > 0, true);
    assert.equal(hair.courses, 3);
    assert.equal(hair.patients, 3);
    // 16, 5, 12: mean 11, median 12, sd √31, t(0.975, 2) = 4.302653.
    assert.equal(hair.density.m3.n, 3);
    assert.equal(hair.density.m3.mean, 11);
    assert.equal(hair.density.m3.median, 12);
    assert.equal(hair.density.m3.sd, 5.57);
    assert.equal(hair.density.m3.ci_low, -2.83);
    assert.equal(hair.density.m3.ci_high, 24.83);
    // 34, 20.
    assert.deepEqual(hair.density.m6, { n: 2, mean: 27, median: 27, sd: 9.9, ci_low: -61.94, ci_high: 115.94 });
    assert.deepEqual(hair.responders, {
      threshold: 14,
      m3: { n: 3, responders: 1, share: 0.3333, ci_low: 0.0615, ci_high: 0.7923 },
      m6: { n: 2, responders: 2, share: 1, ci_low: 0.3424, ci_high: 1 },
    });
    assert.deepEqual(hair.adverse, {
      procedures: 3, events: 2, serious: 1, patients_treated: 2, patients_with_event: 1,
      per_100_procedures: 66.67, patient_share: 0.5,
    });
    const face = entry(body, 'prp-face');
    assert.equal(face.courses, 1);
    assert.deepEqual(face.density.m3, { n: 0, mean: null, median: null, sd: null, ci_low: null, ci_high: null });
    assert.equal(face.adverse.procedures, 1);
  });

  it('takes each protocol\'s own responder threshold unless one is asked for', async () => {
    const body = await report();
    const cat = (await c.admin.get('/api/v1/catalog')).body;
    for (const p of body.protocols) {
      const gain = cat.protocols.find((x) => x.code === p.protocol)?.outcomes?.responder?.min_gain ?? null;
      assert.equal(p.responders.threshold, gain, p.protocol);
      if (gain === null) assert.equal(p.responders.m3.responders, null, p.protocol);
      else assert.equal(typeof p.responders.m3.responders, 'number', p.protocol);
    }
    assert.equal(entry(body, 'prp-face').responders.m6.share, null);
  });

  it('filters by sex, age band, grade, protocol, anchor dates and windows', async () => {
    const hair = async (q) => entry(await report(q), 'prp-hair');
    assert.equal((await hair('?sex=female')).courses, 1);
    assert.equal((await hair('?sex=female')).density.m3.mean, 5);
    assert.equal((await hair('?sex=male')).density.m3.mean, 14);
    assert.equal((await hair('?age_band=40_49')).density.m3.mean, 16);
    assert.equal((await hair('?age_band=60_plus')).density.m6.mean, 20);
    assert.equal((await hair('?age_band=30_39')).courses, 0);
    assert.equal((await hair('?grade=norwood:III')).courses, 1);
    assert.equal((await hair('?grade=norwood:IV')).courses, 0); // graded IV after the anchor
    assert.equal((await hair('?grade=sinclair:3')).density.m3.mean, 5);
    assert.equal((await hair('?grade=ludwig%3AII')).courses, 1);
    // The anchor is the clinic's day: 2025-01-02 in Dubai, 2025-01-01 in UTC.
    assert.equal((await hair('?from=2025-01-02&to=2025-01-02')).courses, 1);
    assert.equal((await hair('?to=2025-01-01')).courses, 0);
    assert.equal((await hair('?window_days=20')).density.m6.n, 1);
    assert.equal((await hair('?baseline_days=29')).density.m3.mean, 10.5);
    const only = await report('?protocol=prp-face&threshold=0.5');
    assert.deepEqual(only.protocols.map((p) => p.protocol), ['prp-face']);
    assert.equal(only.filters.protocol, 'prp-face');
    assert.equal(only.protocols[0].responders.threshold, 0.5);
    assert.equal(only.protocols[0].responders.m3.responders, 0);
  });

  it('refuses a bad filter value naming it', async () => {
    const bad = {
      protocol: 'prp-knee', age_band: '18-29', sex: 'f', grade: 'norwood:VIII', threshold: '-3',
      baseline_days: '400', window_days: 'thirty', from: '2025-02-30', to: '01/02/2025',
    };
    for (const path of ['/api/v1/reports/outcomes', '/api/v1/reports/outcomes.csv', '/api/v1/reports/outcomes/courses.csv']) {
      for (const [key, value] of Object.entries(bad)) {
        const r = await c.admin.get(`${path}?${key}=${encodeURIComponent(value)}`);
        assert.equal(r.status, 400, `${path} ${key}: ${show(r)}`);
        assert.equal(r.body.error.code, 'invalid_query', key);
        assert.equal(r.body.error.field, key);
      }
    }
    const r = await c.admin.get('/api/v1/reports/outcomes?from=2025-03-01&to=2025-02-01');
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'to');
  });

  it('exports the report and the courses as CSV', async () => {
    const r = await c.doctor.get('/api/v1/reports/outcomes.csv?threshold=14&protocol=prp-hair');
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    const lines = r.text.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 2);
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 6), ['protocol', 'label', 'courses', 'patients', 'density_m3_n', 'density_m3_mean']);
    const row = Object.fromEntries(header.map((h, i) => [h, lines[1].split(',')[i]]));
    assert.equal(row.protocol, 'prp-hair');
    assert.equal(row.density_m3_mean, '11');
    assert.equal(row.density_m6_ci_low, '-61.94');
    assert.equal(row.responders_m3_share, '0.3333');
    assert.equal(row.events_per_100_procedures, '66.67');

    const all = await c.admin.get('/api/v1/reports/outcomes.csv');
    assert.equal(all.text.trim().split('\r\n').length, 4);

    const cs = await c.admin.get('/api/v1/reports/outcomes/courses.csv');
    assert.equal(cs.status, 200, show(cs));
    assert.match(cs.headers.get('content-type'), /^text\/csv/);
    assert.equal(cs.text, 'course_id,protocol,age_band,sex,grade,anchor_month,baseline,change_m3,change_m6\r\n' +
      `${courses.man},prp-hair,40_49,male,norwood:III,2025-01,124,16,34\r\n` +
      `${courses.woman},prp-hair,18_29,female,ludwig:II sinclair:3,2025-03,130,5,\r\n` +
      `${courses.paper},prp-hair,60_plus,male,,2025-08,100,12,20\r\n` +
      `${courses.face},prp-face,50_59,male,,2025-04,,,\r\n`);
    // Nothing in it names a patient.
    assert.doesNotMatch(cs.text, /Cohort/);
    const women = await c.admin.get('/api/v1/reports/outcomes/courses.csv?sex=female');
    assert.equal(women.text.trim().split('\r\n').length, 2);
  });

  it('is for administrators and doctors', async () => {
    for (const path of ['/api/v1/reports/outcomes', '/api/v1/reports/outcomes.csv', '/api/v1/reports/outcomes/courses.csv']) {
      for (const role of ['nurse', 'reception']) {
        const r = await c[role].get(path);
        assert.equal(r.status, 403, `${role} ${path}: ${show(r)}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
      assert.equal((await c.doctor.get(path)).status, 200, path);
    }
  });

  it('audits each read and each export', async () => {
    const mine = async (action) => {
      const r = await c.admin.get(`/api/v1/audit?action=${action}&entity=report&limit=500`);
      assert.equal(r.status, 200, show(r));
      return r.body.items.filter((e) => e.username === c.doctor.username).map((e) => e.entity_id).sort();
    };
    const reads = await mine('report.outcomes');
    const exports = await mine('report.outcomes_export');
    await c.doctor.get('/api/v1/reports/outcomes?sex=male');
    await c.doctor.get('/api/v1/reports/outcomes.csv');
    await c.doctor.get('/api/v1/reports/outcomes/courses.csv');
    const grown = (action, n) => poll(async () => {
      const got = await mine(action);
      return got.length >= n ? got : null;
    });
    assert.deepEqual(await grown('report.outcomes', reads.length + 1), [...reads, 'outcomes'].sort());
    assert.deepEqual(await grown('report.outcomes_export', exports.length + 2),
      [...exports, 'outcomes.csv', 'outcomes/courses.csv'].sort());
    // A refused read leaves no event.
    const before = (await c.admin.get('/api/v1/audit?action=report.outcomes&entity=report')).body.items.length;
    assert.equal((await c.nurse.get('/api/v1/reports/outcomes')).status, 403);
    assert.equal((await c.doctor.get('/api/v1/reports/outcomes?sex=x')).status, 400);
    await new Promise((res) => setTimeout(res, 400));
    const now = (await c.admin.get('/api/v1/audit?action=report.outcomes&entity=report')).body.items.length;
    assert.equal(now, before);
  });
});
