// Measurements over HTTP: recording a set of values measured at a visit, every field's errors,
// correcting a value as a new version (the old one kept) and voiding one, the patient's list
// with its filters, the trichoscopy import (preview, commit, the same file twice, rows with
// errors), a course of another patient refused, and the audit trail. Courses are written with
// SQL (tests/lib/sqlfixture.mjs): prescribing one needs a signed screening, not the subject here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  REPO, createPatient, createUser, poll, roleClients, show, startServer, userClient,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const D = 24 * 3600000;
const doc = repoOpenApi();
// The test server runs in UTC: its days are UTC days.
const day = (daysAgo) => new Date(Date.now() - daysAgo * D).toISOString().slice(0, 10);

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

// A prp-hair course of the patient as prescribing stores it, on a screening of its own.
function insertCourse(db, patientId) {
  const now = Date.now();
  const screening = one(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(now)}, 'eligible',` +
    ` '{}', '{}', '${'0'.repeat(64)}', ${lit(now)}, 1)`);
  return one(db, 'INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id, status,' +
    ' start_date, currency, package, discount_minor, version, created_at, created_by, updated_at, updated_by)' +
    ` VALUES (${lit(patientId)}, 'prp-hair', '{}', '${'0'.repeat(64)}', ${lit(screening)}, 'active',` +
    ` ${lit(day(30))}, 'EUR', 0, 0, 1, ${lit(now)}, 1, ${lit(now)}, 1)`);
}

describe('measurements', () => {
  let server;
  let c;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function record(patient, body, { status = 201, client = c.nurse } = {}) {
    const r = await client.post(`/api/v1/patients/${patient.id}/measurements`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/patients/{id}/measurements', 'POST', r);
    return r.body;
  }

  async function list(patient, query = '') {
    const r = await c.doctor.get(`/api/v1/patients/${patient.id}/measurements${query}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/measurements', 'GET', r);
    return r.body.sets;
  }

  async function refused(patient, body, code, field, status = 400) {
    const r = await c.nurse.post(`/api/v1/patients/${patient.id}/measurements`, body);
    assert.equal(r.status, status, show(r));
    assert.equal(r.body.error.code, code, show(r));
    assert.equal(r.body.error.field, field, show(r));
  }

  async function importCsv(patient, body, status) {
    const r = await c.doctor.post(`/api/v1/patients/${patient.id}/measurements/import`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/patients/{id}/measurements/import', 'POST', r);
    return r.body;
  }

  it('records a set with its values in measures.json order, who measured and how', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Mscreate' });
    const course = insertCourse(server.db, p.id);
    const set = await record(p, {
      date: day(2), course_id: course, method: 'phototrichogram', device: 'Dermatoscope X', site: 'vertex, tattoo-marked',
      area_cm2: 0.65, notes: 'After washing', values: { norwood: 'III', hair_density: 142.5, global_photo: 1, hair_count: 93 },
    });
    assert.equal(set.patient_id, p.id);
    assert.equal(set.date, day(2));
    assert.equal(set.course_id, course);
    assert.equal(set.method, 'phototrichogram');
    assert.equal(set.site, 'vertex, tattoo-marked');
    assert.equal(set.area_cm2, 0.65);
    assert.equal(set.source, 'manual');
    assert.equal(set.import_id, null);
    assert.equal(set.measured_by.username, c.nurse.username, 'the caller measured by default');
    assert.equal(set.created_by.username, c.nurse.username);
    assert.match(set.created_local, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    assert.deepEqual(set.values.map((v) => [v.measure, v.value, v.version, v.voided]),
      [['hair_density', 142.5, 1, null], ['hair_count', 93, 1, null], ['norwood', 'III', 1, null], ['global_photo', 1, 1, null]]);

    const doctorId = (await c.doctor.get('/api/v1/session')).body.user.id;
    const other = await record(p, { date: day(1), method: 'clinical_grading', measured_by: doctorId, values: { ludwig: 'II' } });
    assert.equal(other.measured_by.username, c.doctor.username);
    const sets = await list(p);
    assert.deepEqual(sets.map((s) => s.id), [other.id, set.id], 'newest date first');
  });

  it('refuses every bad field, naming it', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Msinvalid', date_of_birth: '1990-05-01' });
    const q = await createPatient(c.doctor, { family_name: 'Msother' });
    const theirs = insertCourse(server.db, q.id);
    const ok = { date: day(3), method: 'manual_count', values: { hair_count: 80 } };
    const receptionist = (await createUser(c.admin, ['reception'])).user;
    const admin = (await c.admin.get('/api/v1/session')).body.user.id;
    const cases = [
      [{ ...ok, values: {} }, 'required', 'values'],
      [{ ...ok, values: undefined }, 'required', 'values'],
      [{ ...ok, values: [80] }, 'invalid_type', 'values'],
      [{ ...ok, values: { hair_volume: 3 } }, 'unknown_measure', 'values.hair_volume'],
      [{ ...ok, values: { hair_density: '142' } }, 'invalid_type', 'values.hair_density'],
      [{ ...ok, values: { hair_count: 80.5 } }, 'invalid_type', 'values.hair_count'],
      [{ ...ok, values: { norwood: 3 } }, 'invalid_type', 'values.norwood'],
      [{ ...ok, values: { hair_density: 1000.1 } }, 'out_of_range', 'values.hair_density'],
      [{ ...ok, values: { anagen_percent: -0.1 } }, 'out_of_range', 'values.anagen_percent'],
      [{ ...ok, values: { global_photo: 4 } }, 'out_of_range', 'values.global_photo'],
      [{ ...ok, values: { satisfaction: 11 } }, 'out_of_range', 'values.satisfaction'],
      [{ ...ok, values: { hair_density: 142.55 } }, 'invalid_value', 'values.hair_density'],
      [{ ...ok, values: { norwood: 'IIIb' } }, 'invalid_value', 'values.norwood'],
      [{ ...ok, values: { wrinkle_grade: 'i' } }, 'invalid_value', 'values.wrinkle_grade'],
      [{ ...ok, date: undefined }, 'required', 'date'],
      [{ ...ok, date: '2026-02-30' }, 'invalid_date', 'date'],
      [{ ...ok, date: '01.03.2026' }, 'invalid_date', 'date'],
      [{ ...ok, date: day(-2) }, 'future_date', 'date'],
      [{ ...ok, date: '1990-04-30' }, 'invalid_date', 'date'],
      [{ ...ok, method: undefined }, 'required', 'method'],
      [{ ...ok, method: 'guessing' }, 'invalid_value', 'method'],
      [{ ...ok, course_id: theirs }, 'invalid_value', 'course_id'],
      [{ ...ok, course_id: 999999 }, 'invalid_value', 'course_id'],
      [{ ...ok, course_id: 'seven' }, 'invalid_type', 'course_id'],
      [{ ...ok, area_cm2: 0 }, 'out_of_range', 'area_cm2'],
      [{ ...ok, area_cm2: '1' }, 'invalid_type', 'area_cm2'],
      [{ ...ok, measured_by: receptionist.id }, 'invalid_value', 'measured_by'],
      [{ ...ok, measured_by: admin }, 'invalid_value', 'measured_by'],
      [{ ...ok, measured_by: 999999 }, 'invalid_value', 'measured_by'],
      [{ ...ok, site: 'x'.repeat(201) }, 'too_long', 'site'],
      [{ ...ok, colour: 'dark' }, 'unknown_field', 'colour'],
    ];
    for (const [body, code, field] of cases) await refused(p, body, code, field);
    assert.deepEqual(await list(p, '?include_voided=1'), [], 'a refused set leaves nothing');
    const gone = await c.nurse.post('/api/v1/patients/999999/measurements', ok);
    assert.equal(gone.status, 404, show(gone));
    // The edges are accepted.
    const set = await record(p, {
      ...ok, date: '1990-05-01', values: { hair_density: 1000, anagen_percent: 0, global_photo: -3, norwood: 'VII', hair_count: 0 },
    });
    assert.equal(set.values.length, 5);
  });

  it('corrects a value as a new version with its reason and keeps the old one', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Mscorrect' });
    const set = await record(p, { date: day(5), method: 'phototrichogram', values: { hair_density: 120.5, norwood: 'II' } });
    const density = set.values[0];
    const put = (id, body, client = c.doctor) => client.put(`/api/v1/measurements/${id}`, body);

    for (const [body, code, field] of [
      [{ value: 130, version: 1, reason: 'too short' }, 'too_short', 'reason'],
      [{ value: 130, version: 1, reason: 'x'.repeat(1001) }, 'too_long', 'reason'],
      [{ value: 130, version: 1 }, 'required', 'reason'],
      [{ version: 1, reason: 'Counted the wrong field' }, 'required', 'value'],
      [{ value: 1200, version: 1, reason: 'Counted the wrong field' }, 'out_of_range', 'value'],
      [{ value: 'III', version: 1, reason: 'Counted the wrong field' }, 'invalid_type', 'value'],
      [{ value: 130.25, version: 1, reason: 'Counted the wrong field' }, 'invalid_value', 'value'],
    ]) {
      const r = await put(density.id, body);
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body.error.code, code, show(r));
      assert.equal(r.body.error.field, field, show(r));
    }
    const stale = await put(density.id, { value: 130, version: 2, reason: 'Counted the wrong field' });
    assert.equal(stale.status, 409, show(stale));
    assert.equal(stale.body.error.code, 'stale_version');

    const r = await put(density.id, { value: 131.5, version: 1, reason: 'Counted the wrong field' });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/measurements/{id}', 'PUT', r);
    const after1 = r.body.values.find((v) => v.id === density.id);
    assert.equal(after1.value, 131.5);
    assert.equal(after1.version, 2);
    assert.equal(after1.updated_by.username, c.doctor.username);
    const grade = await put(set.values[1].id, { value: 'IIIa', version: 1, reason: 'Graded from the wrong photograph' });
    assert.equal(grade.status, 200, show(grade));
    assert.equal(grade.body.values[1].value, 'IIIa');

    const v = await c.nurse.get(`/api/v1/measurements/${density.id}/versions`);
    assert.equal(v.status, 200, show(v));
    fits('/api/v1/measurements/{id}/versions', 'GET', v);
    assert.deepEqual(v.body.items.map((x) => [x.version, x.value, x.reason, x.by.username]), [
      [2, 131.5, 'Counted the wrong field', c.doctor.username],
      [1, 120.5, null, c.nurse.username],
    ], 'newest first, the old value kept');
    assert.equal((await c.nurse.get('/api/v1/measurements/999999/versions')).status, 404);
    assert.equal((await put(999999, { value: 1, version: 1, reason: 'Counted the wrong field' })).status, 404);
  });

  it('voids a value with its reason: left out of the list unless asked for, never corrected after', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Msvoid' });
    const a = await record(p, { date: day(10), method: 'manual_count', values: { hair_count: 70 } });
    const b = await record(p, { date: day(4), method: 'phototrichogram', values: { hair_density: 133.3, shaft_diameter: 61.2 } });
    const voidIt = (id, body) => c.doctor.post(`/api/v1/measurements/${id}/void`, body);

    const short = await voidIt(a.values[0].id, { reason: 'wrong' });
    assert.equal(short.status, 400, show(short));
    assert.equal(short.body.error.code, 'too_short');
    const r = await voidIt(a.values[0].id, { reason: 'Measured on the wrong patient' });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/measurements/{id}/void', 'POST', r);
    const voided = r.body.values[0].voided;
    assert.equal(voided.reason, 'Measured on the wrong patient');
    assert.equal(voided.by.username, c.doctor.username);
    assert.match(voided.local, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const again = await voidIt(a.values[0].id, { reason: 'Measured on the wrong patient' });
    assert.equal(again.status, 409, show(again));
    assert.equal(again.body.error.code, 'invalid_transition');
    const fix = await c.doctor.put(`/api/v1/measurements/${a.values[0].id}`, { value: 71, version: 1, reason: 'Counted the wrong field' });
    assert.equal(fix.status, 409, show(fix));
    assert.equal(fix.body.error.code, 'invalid_transition');

    assert.deepEqual((await list(p)).map((s) => s.id), [b.id], 'a set whose values are all voided is left out');
    assert.deepEqual((await list(p, '?include_voided=1')).map((s) => s.id), [b.id, a.id]);
    await voidIt(b.values[1].id, { reason: 'Diameter of the wrong area' });
    const shown = await list(p);
    assert.deepEqual(shown[0].values.map((v) => v.measure), ['hair_density'], 'voided values are left out too');

    assert.deepEqual((await list(p, '?measure=hair_count&include_voided=1')).map((s) => s.id), [a.id]);
    assert.deepEqual((await list(p, `?from=${day(5)}&include_voided=true`)).map((s) => s.id), [b.id]);
    assert.deepEqual((await list(p, `?to=${day(5)}&include_voided=1`)).map((s) => s.id), [a.id]);
    for (const [query, key] of [
      ['measure=volume', 'measure'], ['from=2026-13-01', 'from'], ['to=yesterday', 'to'],
      [`from=${day(1)}&to=${day(3)}`, 'to'], ['include_voided=yes', 'include_voided'],
    ]) {
      const bad = await c.doctor.get(`/api/v1/patients/${p.id}/measurements?${query}`);
      assert.equal(bad.status, 400, `${query}: ${show(bad)}`);
      assert.equal(bad.body.error.code, 'invalid_query');
      assert.equal(bad.body.error.field, key);
    }
  });

  it('imports a trichoscopy export: preview, commit, the same file twice, rows with errors', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Msimport' });
    const csv = readFileSync(join(REPO, 'docs/examples/trichoscopy.csv'), 'utf8').replace(/10000057/g, p.mrn);
    const preview = await importCsv(p, { csv, file_name: 'trichoscopy.csv' }, 200);
    assert.equal(preview.committed, false);
    assert.equal(preview.delimiter, ';');
    assert.deepEqual(preview.columns, ['date', 'mrn', 'area_cm2', 'hair_count', 'hair_density', 'terminal_density',
      'vellus_density', 'anagen_percent', 'telogen_percent', 'shaft_diameter']);
    assert.deepEqual(preview.ignored_columns, ['Patient ID', 'Operator']);
    assert.equal(preview.valid, 3);
    assert.equal(preview.invalid, 0);
    assert.deepEqual(preview.rows[0], {
      row: 2, ok: true, date: '2026-03-02', area_cm2: 0.65, errors: [],
      values: {
        hair_count: 86, hair_density: 132.3, terminal_density: 101.5, vellus_density: 30.8, anagen_percent: 68.2,
        telogen_percent: 31.8, shaft_diameter: 58.4,
      },
    });
    assert.deepEqual(await list(p), [], 'a preview saves nothing');

    const course = insertCourse(server.db, p.id);
    const done = await importCsv(p, { csv, file_name: 'trichoscopy.csv', commit: true, course_id: course, device: 'Scope 2' }, 201);
    assert.equal(done.committed, true);
    assert.equal(done.sets.length, 3);
    const sets = await list(p);
    assert.deepEqual(sets.map((s) => s.id), [...done.sets].reverse(), 'newest date first');
    const first = sets.find((s) => s.date === '2026-03-02');
    assert.equal(first.source, 'import');
    assert.equal(first.import_id, done.import_id);
    assert.equal(first.method, 'trichoscopy_software');
    assert.equal(first.device, 'Scope 2');
    assert.equal(first.course_id, course);
    assert.equal(first.area_cm2, 0.65);
    assert.equal(first.values.find((v) => v.measure === 'hair_density').value, 132.3);

    const twice = await c.doctor.post(`/api/v1/patients/${p.id}/measurements/import`, { csv, commit: true });
    assert.equal(twice.status, 409, show(twice));
    assert.equal(twice.body.error.code, 'already_imported');

    const bad = [
      'date,mrn,density,count,anagen',
      `${day(20)},${p.mrn},150.04,90,70`,
      `31.02.2026,${p.mrn},150,90,70`,
      `${day(-3)},,150,90,70`,
      `${day(20)},10000019,150,90,70`,
      `${day(20)},,1001,90.5,abc`,
      `${day(20)},,,,`,
      `${day(21)},,150,90`,
    ].join('\n');
    const pv = await importCsv(p, { csv: bad }, 200);
    assert.equal(pv.delimiter, ',');
    assert.equal(pv.valid, 1);
    assert.equal(pv.invalid, 6);
    assert.deepEqual(pv.rows[0].values, { hair_count: 90, hair_density: 150, anagen_percent: 70 }, 'rounded to the measure');
    const codes = pv.rows.slice(1).map((r) => r.errors.map((e) => `${e.field}:${e.code}`));
    assert.deepEqual(codes, [
      ['date:invalid_date'],
      ['date:future_date'],
      ['mrn:mrn_mismatch'],
      ['hair_count:invalid_type', 'hair_density:out_of_range', 'anagen_percent:invalid_number'],
      ['null:required'],
      ['null:field_count'],
    ], 'every row error');
    const refusedImport = await c.doctor.post(`/api/v1/patients/${p.id}/measurements/import`, { csv: bad, commit: true });
    assert.equal(refusedImport.status, 422, show(refusedImport));
    assert.equal(refusedImport.body.error.code, 'import_has_errors');
    const skipped = await importCsv(p, { csv: bad, commit: true, skip_invalid: true }, 201);
    assert.equal(skipped.sets.length, 1);

    for (const [body, code, field, status] of [
      [{ csv: 'date,operator\n2026-01-01,x\n' }, 'missing_column', 'csv', 400],
      [{ csv: 'count,density\n90,150\n' }, 'missing_column', 'csv', 400],
      [{ csv: 'date,density,hair_density\n2026-01-01,1,2\n' }, 'duplicate_column', 'csv', 400],
      [{ csv: '' }, 'empty', 'csv', 400],
      [{ csv: 'date,count\n"2026-01-01,90\n' }, 'invalid_csv', 'csv', 400],
      [{ csv: 'date,count\n2026-01-01,90\n', method: 'guessing' }, 'invalid_value', 'method', 400],
      [{ csv: 'date,count\n2026-01-01,90\n', course_id: insertCourse(server.db, (await createPatient(c.doctor)).id) },
        'invalid_value', 'course_id', 400],
      [{}, 'required', 'csv', 400],
    ]) {
      const r = await c.doctor.post(`/api/v1/patients/${p.id}/measurements/import`, body);
      assert.equal(r.status, status, show(r));
      assert.equal(r.body.error.code, code, show(r));
      assert.equal(r.body.error.field, field, show(r));
    }
  });

  it('audits every write in its transaction and every read, naming whose record was read', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Msaudit' });
    const set = await record(p, { date: day(2), method: 'questionnaire', values: { satisfaction: 7 } });
    const value = set.values[0];
    await c.doctor.put(`/api/v1/measurements/${value.id}`, { value: 8, version: 1, reason: 'The patient meant eight' });
    await c.doctor.get(`/api/v1/measurements/${value.id}/versions`);
    await c.doctor.post(`/api/v1/measurements/${value.id}/void`, { reason: 'Asked before the session' });
    await c.nurse.get(`/api/v1/patients/${p.id}/measurements`);
    await importCsv(p, { csv: `date,count\n${day(3)},77\n` }, 200);
    await importCsv(p, { csv: `date,count\n${day(3)},77\n`, commit: true }, 201);

    const events = async (query) => {
      const r = await c.admin.get(`/api/v1/audit?${query}`);
      assert.equal(r.status, 200, show(r));
      return r.body.items;
    };
    const byAction = (action, entity, id) => poll(async () => {
      const items = await events(`entity=${entity}&entity_id=${id}&action=${action}`);
      return items.length ? items : null;
    });
    assert.equal((await byAction('measurement.create', 'measurement_set', set.id))[0].username, c.nurse.username);
    assert.equal((await byAction('measurement.correct', 'measurement', value.id))[0].username, c.doctor.username);
    assert.equal((await byAction('measurement.void', 'measurement', value.id))[0].username, c.doctor.username);
    assert.equal((await byAction('measurement.read', 'measurement', value.id))[0].username, c.doctor.username);
    assert.equal((await byAction('measurement.list', 'patient', p.id))[0].username, c.nurse.username);
    assert.equal((await byAction('measurement.import_preview', 'patient', p.id))[0].username, c.doctor.username);
    assert.equal((await byAction('measurement.import', 'patient', p.id))[0].username, c.doctor.username);

    // A refused write leaves no event.
    const r = await c.doctor.put(`/api/v1/measurements/${value.id}`, { value: 9, version: 2, reason: 'The patient meant nine' });
    assert.equal(r.status, 409, show(r));
    assert.equal((await events(`entity=measurement&entity_id=${value.id}&action=measurement.correct`)).length, 1);
  });

  it('is not for reception or the administrator', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Msroles' });
    const reception = await userClient(server, c.admin, ['reception']);
    for (const client of [reception, c.admin]) {
      const r = await client.post(`/api/v1/patients/${p.id}/measurements`, { date: day(1), method: 'manual_count', values: { hair_count: 1 } });
      assert.equal(r.status, 403, show(r));
      assert.equal((await client.get(`/api/v1/patients/${p.id}/measurements`)).status, 403);
    }
  });
});
