// Lab results through the API (docs/api.md, "Lab results"): manual entry in either unit system,
// the list, deletion with a reason, every role, the audit trail, and the CSV import from preview
// to commit with its refusals. Every response is held to docs/openapi.json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, createPatient, roleClients, show, startServer } from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const doc = repoOpenApi();
const LABS = '/api/v1/patients/{id}/labs';
const IMPORT = '/api/v1/patients/{id}/labs/import';
const LAB = '/api/v1/labs/{id}';
const CSV_MAX_BYTES = 5 * 1024 * 1024;

function fits(r, path, method) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `not as docs/openapi.json says: ${show(r)}`);
}

function near(actual, expected, what) {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, not ${expected}`);
}

function isoDay(offsetDays) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

describe('lab results', () => {
  let server;
  let c;
  let patient;
  const labsOf = (p) => `/api/v1/patients/${p.id}/labs`;
  const importOf = (p) => `/api/v1/patients/${p.id}/labs/import`;

  async function enter(client, p, body, expect = 201) {
    const r = await client.post(labsOf(p), body);
    assert.equal(r.status, expect, show(r));
    fits(r, LABS, 'POST');
    return r.body;
  }

  async function list(client, p, query = '') {
    const r = await client.get(labsOf(p) + query);
    assert.equal(r.status, 200, show(r));
    fits(r, LABS, 'GET');
    return r.body.items;
  }

  async function importCsv(client, p, body, expect) {
    const r = await client.post(importOf(p), body);
    if (expect !== undefined) assert.equal(r.status, expect, show(r));
    fits(r, IMPORT, 'POST');
    return r;
  }

  async function auditOf(action, entityId) {
    const r = await c.admin.get(`/api/v1/audit?action=${action}&entity_id=${entityId}&limit=50`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    patient = await createPatient(c.admin, { family_name: 'Labpatient' });
  });
  after(async () => {
    await server?.cleanup();
  });

  describe('manual entry', () => {
    let p;
    before(async () => {
      p = await createPatient(c.admin, { family_name: 'Labentry' });
    });

    it('takes platelets in ×10⁹/L or per µL, in any accepted spelling, with the canonical value', async () => {
      const si = await enter(c.doctor, p, { analyte: 'PLT', value: 250, unit: '10^9/L', measured_at: '2026-01-10' });
      assert.equal(si.analyte, 'platelets');
      assert.equal(si.unit, '×10⁹/L');
      assert.deepEqual(si.canonical, { value: 250, unit: '×10⁹/L' });
      assert.equal(si.date_only, true);
      assert.equal(si.measured_at, '2026-01-10T00:00:00.000Z');
      assert.equal(si.source, 'manual');
      assert.equal(si.import_id, null);
      assert.equal(si.deleted, false);
      assert.equal(si.entered_by.username, c.doctor.username);
      assert.equal(si.label.en, 'Platelet count');
      assert.ok(si.label.ar.length > 0);

      const us = await enter(c.nurse, p, { analyte: 'platelets', value: 250000, unit: 'cells/uL', measured_at: '2026-01-11T08:30:00.000Z' });
      assert.equal(us.unit, '/µL');
      assert.equal(us.value, 250000);
      assert.deepEqual(us.canonical, { value: 250, unit: '×10⁹/L' });
      assert.equal(us.date_only, false);
      assert.equal(us.measured_at, '2026-01-11T08:30:00.000Z');
      assert.equal(us.entered_by.username, c.nurse.username);
    });

    it('takes haemoglobin in g/L and glucose in mg/dL, converted to g/dL and mmol/L', async () => {
      const hb = await enter(c.doctor, p, { analyte: 'Hb', value: 135, unit: 'g/l', measured_at: '2026-01-12' });
      assert.equal(hb.analyte, 'haemoglobin');
      assert.equal(hb.unit, 'g/L');
      assert.equal(hb.canonical.unit, 'g/dL');
      near(hb.canonical.value, 13.5, 'haemoglobin in g/dL');
      const glu = await enter(c.doctor, p, { analyte: 'glucose', value: 99.088, unit: 'mg/dL', measured_at: '2026-01-12' });
      assert.equal(glu.canonical.unit, 'mmol/L');
      near(glu.canonical.value, 5.5, 'glucose in mmol/L');
    });

    it('flags a value outside the reference range given', async () => {
      const low = await enter(c.doctor, p, {
        analyte: 'platelets', value: 120, unit: '×10⁹/L', measured_at: '2026-01-13', reference_low: 150, reference_high: 400,
      });
      assert.equal(low.flag, 'low');
      assert.equal(low.reference_low, 150);
      assert.equal(low.reference_high, 400);
      const high = await enter(c.doctor, p, {
        analyte: 'haemoglobin', value: 190, unit: 'g/L', measured_at: '2026-01-13', reference_low: 120, reference_high: 160,
      });
      assert.equal(high.flag, 'high');
      const edge = await enter(c.doctor, p, {
        analyte: 'haemoglobin', value: 160, unit: 'g/L', measured_at: '2026-01-13', reference_low: 120, reference_high: 160,
      });
      assert.equal(edge.flag, null);
      const none = await enter(c.doctor, p, { analyte: 'haemoglobin', value: 5, unit: 'g/dL', measured_at: '2026-01-13' });
      assert.equal(none.flag, null);
      assert.equal(none.reference_low, null);
    });

    it('refuses each invalid field by name, and saves nothing', async () => {
      const before = (await list(c.doctor, p)).length;
      const base = { analyte: 'platelets', value: 250, unit: '×10⁹/L', measured_at: '2026-01-10' };
      const cases = [
        [{ ...base, analyte: 'unobtainium' }, 'unknown_analyte', 'analyte'],
        [{ ...base, analyte: undefined }, 'required', 'analyte'],
        [{ ...base, value: -1 }, 'out_of_range', 'value'],
        [{ ...base, value: '250' }, 'invalid_type', 'value'],
        [{ ...base, value: undefined }, 'required', 'value'],
        [{ ...base, unit: 'mmHg' }, 'unknown_unit', 'unit'],
        [{ ...base, unit: 'g/dL' }, 'unknown_unit', 'unit'],
        [{ ...base, measured_at: '2026-02-30' }, 'invalid_date', 'measured_at'],
        [{ ...base, measured_at: '10/01/2026' }, 'invalid_date', 'measured_at'],
        [{ ...base, measured_at: isoDay(3) }, 'future_date', 'measured_at'],
        [{ ...base, measured_at: new Date(Date.now() + 3600000).toISOString() }, 'future_date', 'measured_at'],
        [{ ...base, reference_low: 400, reference_high: 150 }, 'invalid_range', 'reference_high'],
        [{ ...base, reference_low: -5 }, 'out_of_range', 'reference_low'],
        [{ ...base, flag: 'low' }, 'unknown_field', 'flag'],
        [{ ...base, source: 'import' }, 'unknown_field', 'source'],
      ];
      for (const [body, code, field] of cases) {
        const r = await c.doctor.post(labsOf(p), body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${show(r)}`);
        assert.equal(r.body.error.code, code, `${JSON.stringify(body)}: ${show(r)}`);
        assert.equal(r.body.error.field, field, `${JSON.stringify(body)}: ${show(r)}`);
        fits(r, LABS, 'POST');
      }
      // Today is never in the future, whatever the zone.
      await enter(c.doctor, p, { ...base, measured_at: isoDay(0) });
      assert.equal((await list(c.doctor, p)).length, before + 1);
    });

    it('is 404 for a patient that does not exist or is deleted', async () => {
      const body = { analyte: 'platelets', value: 250, unit: '×10⁹/L', measured_at: '2026-01-10' };
      const r = await c.doctor.post('/api/v1/patients/999999/labs', body);
      assert.equal(r.status, 404, show(r));
      assert.equal(r.body.error.code, 'not_found');
      const gone = await createPatient(c.admin, { family_name: 'Labgone' });
      await enter(c.doctor, gone, body);
      const d = await c.admin.del(`/api/v1/patients/${gone.id}`, { reason: 'Duplicate registration' });
      assert.equal(d.status, 204, show(d));
      for (const rr of [await c.doctor.post(labsOf(gone), body), await c.doctor.get(labsOf(gone)),
        await c.doctor.post(importOf(gone), { csv: 'date,analyte,value,unit\n2026-01-10,PLT,250,K/uL\n' })]) {
        assert.equal(rr.status, 404, show(rr));
        assert.equal(rr.body.error.code, 'not_found');
      }
    });
  });

  describe('list and delete', () => {
    let p;
    const ids = {};
    before(async () => {
      p = await createPatient(c.admin, { family_name: 'Lablist' });
      // Entered out of order: the list orders by the measurement.
      ids.middle = (await enter(c.doctor, p, { analyte: 'wbc', value: 6, unit: 'K/uL', measured_at: '2026-02-01' })).id;
      ids.newest = (await enter(c.doctor, p, { analyte: 'wbc', value: 7, unit: 'K/uL', measured_at: '2026-03-01T10:00:00.000Z' })).id;
      ids.oldest = (await enter(c.doctor, p, { analyte: 'wbc', value: 5, unit: 'K/uL', measured_at: '2025-12-01' })).id;
      ids.sameDayLater = (await enter(c.doctor, p, { analyte: 'haemoglobin', value: 13, unit: 'g/dL', measured_at: '2026-02-01' })).id;
    });

    it('lists newest measurement first (then the newest entry)', async () => {
      const items = await list(c.nurse, p);
      assert.deepEqual(items.map((l) => l.id), [ids.newest, ids.sameDayLater, ids.middle, ids.oldest]);
      assert.ok(items.every((l) => l.patient_id === p.id));
    });

    it('deletes with a reason (204), refuses a second time (409), and hides it unless include_deleted', async () => {
      const noReason = await c.doctor.del(`/api/v1/labs/${ids.middle}`, {});
      assert.equal(noReason.status, 400, show(noReason));
      assert.equal(noReason.body.error.code, 'required');
      assert.equal(noReason.body.error.field, 'reason');
      const long = await c.doctor.del(`/api/v1/labs/${ids.middle}`, { reason: 'x'.repeat(501) });
      assert.equal(long.status, 400, show(long));
      assert.equal(long.body.error.code, 'too_long');

      const r = await c.nurse.del(`/api/v1/labs/${ids.middle}`, { reason: 'Sample was haemolysed' });
      assert.equal(r.status, 204, show(r));
      fits(r, LAB, 'DELETE');
      const again = await c.doctor.del(`/api/v1/labs/${ids.middle}`, { reason: 'Sample was haemolysed' });
      assert.equal(again.status, 409, show(again));
      assert.equal(again.body.error.code, 'conflict');
      fits(again, LAB, 'DELETE');
      const missing = await c.doctor.del('/api/v1/labs/999999', { reason: 'Typo' });
      assert.equal(missing.status, 404, show(missing));

      const plain = await list(c.doctor, p);
      assert.deepEqual(plain.map((l) => l.id), [ids.newest, ids.sameDayLater, ids.oldest]);
      for (const q of ['?include_deleted=1', '?include_deleted=true']) {
        const all = await list(c.doctor, p, q);
        assert.deepEqual(all.map((l) => l.id), [ids.newest, ids.sameDayLater, ids.middle, ids.oldest]);
        const del = all.find((l) => l.id === ids.middle);
        assert.equal(del.deleted, true);
        assert.equal(del.delete_reason, 'Sample was haemolysed');
        assert.equal(del.deleted_by.username, c.nurse.username);
        assert.match(del.deleted_at, /^\d{4}-\d\d-\d\dT/);
      }
      assert.equal((await list(c.doctor, p, '?include_deleted=0')).length, 3);
      const bad = await c.doctor.get(`${labsOf(p)}?include_deleted=maybe`);
      assert.equal(bad.status, 400, show(bad));
      assert.equal(bad.body.error.code, 'invalid_query');
      fits(bad, LABS, 'GET');
    });

    it('leaves audit events: lab.create and lab.delete on the result, lab.list on the patient', async () => {
      const created = await auditOf('lab.create', ids.newest);
      assert.equal(created.length, 1);
      assert.equal(created[0].entity, 'lab');
      assert.equal(created[0].username, c.doctor.username);
      const deleted = await auditOf('lab.delete', ids.middle);
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0].entity, 'lab');
      assert.equal(deleted[0].username, c.nurse.username);
      const listed = await auditOf('lab.list', p.id);
      assert.ok(listed.length >= 1, 'no lab.list event');
      assert.ok(listed.every((e) => e.entity === 'patient'));
      assert.ok(listed.some((e) => e.username === c.nurse.username));
    });
  });

  describe('roles', () => {
    it('doctors and nurses read and write; admins and reception get 403; no session gets 401', async () => {
      const p = await createPatient(c.admin, { family_name: 'Labroles' });
      const body = { analyte: 'platelets', value: 250, unit: '×10⁹/L', measured_at: '2026-01-10' };
      const target = await enter(c.doctor, p, body);
      const csv = 'date,analyte,value,unit\n2026-01-10,PLT,250,K/uL\n';
      for (const role of ['doctor', 'nurse']) {
        await list(c[role], p);
        const mine = await enter(c[role], p, body);
        const r = await c[role].del(`/api/v1/labs/${mine.id}`, { reason: `entered by ${role} in a test` });
        assert.equal(r.status, 204, show(r));
        await importCsv(c[role], p, { csv }, 200);
      }
      const anon = new Client(server.url);
      for (const [who, client, status, code] of [
        ['admin', c.admin, 403, 'forbidden'], ['reception', c.reception, 403, 'forbidden'], ['anonymous', anon, 401, 'unauthenticated'],
      ]) {
        const rs = [
          [await client.get(labsOf(p)), LABS, 'GET'],
          [await client.post(labsOf(p), body), LABS, 'POST'],
          [await client.del(`/api/v1/labs/${target.id}`, { reason: 'not allowed to' }), LAB, 'DELETE'],
          [await client.post(importOf(p), { csv, commit: true }), IMPORT, 'POST'],
        ];
        for (const [r, path, method] of rs) {
          assert.equal(r.status, status, `${who} ${method} ${path}: ${show(r)}`);
          assert.equal(r.body.error.code, code);
          fits(r, path, method);
        }
      }
      // Nothing the refused callers sent was saved or deleted.
      const items = await list(c.doctor, p);
      assert.deepEqual(items.map((l) => l.id), [target.id]);
    });
  });

  describe('import', () => {
    let p;
    let other;
    let csv;
    before(async () => {
      p = await createPatient(c.admin, { family_name: 'Labimport' });
      other = await createPatient(c.admin, { family_name: 'Labother' });
      csv = [
        'Date,Analyte,Value,Unit,Reference Low,Reference High,MRN',
        `2026-01-10,PLT,250,10^9/L,150,400,${p.mrn}`,
        '2026-01-10,Hb,135,g/L,120,160,',
        '2026-01-10,WBC,6.1,mmHg,,,',
        '2026-01-10,Unobtainium,3,mg/dL,,,',
        '10/01/2026,glucose,99,mg/dL,,,',
        `2026-01-10,ferritin,40,ng/mL,,,${other.mrn}`,
        `2026-01-10 08:15,glucose,5.4,mmol/L,,,${p.mrn}`,
        '',
      ].join('\r\n');
    });

    it('previews every row: the valid ones read, the others with errors naming their column', async () => {
      const r = await importCsv(c.nurse, p, { csv, file_name: 'cbc.csv', tz_offset_min: 240 }, 200);
      assert.equal(r.body.committed, false);
      assert.equal(r.body.nok, 3);
      assert.equal(r.body.nfailed, 4);
      const rows = r.body.rows;
      assert.deepEqual(rows.map((x) => x.row), [2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(rows.map((x) => x.ok), [true, true, false, false, false, false, true]);
      assert.equal(rows[0].analyte, 'platelets');
      assert.equal(rows[0].unit, '×10⁹/L');
      assert.equal(rows[0].reference_low, 150);
      assert.equal(rows[0].measured_at, '2026-01-10T00:00:00.000Z');
      assert.equal(rows[0].date_only, true);
      const expectError = (row, code, field) => {
        assert.equal(row.errors.length, 1, JSON.stringify(row));
        assert.equal(row.errors[0].code, code, JSON.stringify(row));
        assert.equal(row.errors[0].field, field, JSON.stringify(row));
        assert.match(row.errors[0].message, new RegExp(`^row ${row.row}, column '${field}'`));
      };
      expectError(rows[2], 'unknown_unit', 'unit');
      assert.equal(rows[2].analyte, 'wbc');
      assert.equal(rows[2].unit, null);
      expectError(rows[3], 'unknown_analyte', 'analyte');
      assert.equal(rows[3].analyte, null);
      assert.equal(rows[3].label, null);
      expectError(rows[4], 'invalid_date', 'date');
      assert.equal(rows[4].measured_at, null);
      expectError(rows[5], 'mrn_mismatch', 'mrn');
      assert.match(rows[5].errors[0].message, new RegExp(other.mrn));
      // A time without a zone is local at tz_offset_min (UTC+4 here).
      assert.equal(rows[6].measured_at, '2026-01-10T04:15:00.000Z');
      assert.equal(rows[6].date_only, false);
      // A preview saves nothing and leaves a read event on the patient.
      assert.equal((await list(c.nurse, p)).length, 0);
      const ev = await auditOf('lab.import_preview', p.id);
      assert.equal(ev.length, 1);
      assert.equal(ev[0].entity, 'patient');
    });

    it('refuses to commit while rows have errors (422), saving nothing', async () => {
      const r = await importCsv(c.doctor, p, { csv, commit: true }, 422);
      assert.equal(r.body.error.code, 'import_has_errors');
      assert.match(r.body.error.message, /nothing was saved/);
      assert.equal((await list(c.doctor, p)).length, 0);
      assert.equal((await auditOf('lab.import', p.id)).length, 0);
    });

    it('commits only the valid rows with skip_invalid (201), then refuses the same file (409)', async () => {
      const r = await importCsv(c.doctor, p, { csv, file_name: 'cbc.csv', tz_offset_min: 240, commit: true, skip_invalid: true }, 201);
      assert.equal(r.body.committed, true);
      assert.equal(r.body.saved, 3);
      assert.ok(Number.isInteger(r.body.import_id) && r.body.import_id > 0);
      assert.equal(r.body.rows.length, 7);
      const items = await list(c.doctor, p);
      assert.equal(items.length, 3);
      assert.ok(items.every((l) => l.source === 'import' && l.import_id === r.body.import_id), JSON.stringify(items));
      assert.deepEqual(items.map((l) => l.analyte).sort(), ['glucose', 'haemoglobin', 'platelets']);
      const hb = items.find((l) => l.analyte === 'haemoglobin');
      assert.equal(hb.unit, 'g/L');
      near(hb.canonical.value, 13.5, 'imported haemoglobin in g/dL');
      assert.equal(hb.entered_by.username, c.doctor.username);
      const ev = await auditOf('lab.import', p.id);
      assert.equal(ev.length, 1);
      assert.equal(ev[0].entity, 'patient');

      const again = await importCsv(c.doctor, p, { csv, commit: true, skip_invalid: true }, 409);
      assert.equal(again.body.error.code, 'already_imported');
      assert.equal((await list(c.doctor, p)).length, 3);
      // The same bytes for another patient are another import, where the rows naming the first
    // patient mismatch instead.
      const elsewhere = await importCsv(c.doctor, other, { csv, commit: true, skip_invalid: true }, 201);
      assert.equal(elsewhere.body.saved, 2);
    });

    it('commits a clean file whole without skip_invalid', async () => {
      const q = await createPatient(c.admin, { family_name: 'Labclean' });
      const clean = `date,analyte,value,unit,mrn\n2026-02-01,PLT,310,K/uL,${q.mrn}\n2026-02-01,Hb,14.2,g/dL,\n`;
      const r = await importCsv(c.nurse, q, { csv: clean, commit: true }, 201);
      assert.equal(r.body.saved, 2);
      assert.equal(r.body.nfailed, 0);
      assert.equal((await list(c.nurse, q)).length, 2);
    });

    it('answers errors of the whole file with 400 on csv', async () => {
      const cases = [
        ['', 'empty'],
        ['date,analyte,value\n2026-01-10,PLT,250\n', 'missing_column'],
        ['date,analyte,value,unit,Unit\n', 'duplicate_column'],
        ['date,analyte,value,unit\n"2026-01-10,PLT,250,K/uL\n', 'invalid_csv'],
        ['date,analyte,value,unit\n2026-01-10,PLT,250,K/uL\u0001\n', 'invalid_utf8'],
      ];
      for (const [text, code] of cases) {
        const r = await importCsv(c.doctor, p, { csv: text }, 400);
        assert.equal(r.body.error.code, code, show(r));
        assert.equal(r.body.error.field, 'csv', show(r));
      }
      const fields = [
        [{}, 'required', 'csv'],
        [{ csv: 42 }, 'invalid_type', 'csv'],
        [{ csv: 'date', tz_offset_min: 900 }, 'out_of_range', 'tz_offset_min'],
        [{ csv: 'date', commit: 'yes' }, 'invalid_type', 'commit'],
        [{ csv: 'date', patient_id: 3 }, 'unknown_field', 'patient_id'],
      ];
      for (const [body, code, field] of fields) {
        const r = await importCsv(c.doctor, p, body, 400);
        assert.equal(r.body.error.code, code, show(r));
        assert.equal(r.body.error.field, field, show(r));
      }
      // A header alone: an empty preview, and nothing to commit.
      const header = await importCsv(c.doctor, p, { csv: 'date,analyte,value,unit\n' }, 200);
      assert.deepEqual(header.body.rows, []);
      const none = await importCsv(c.doctor, p, { csv: 'date,analyte,value,unit\n', commit: true }, 400);
      assert.equal(none.body.error.code, 'empty');
    });

    it('refuses a file over 5 MiB (413 on csv) and a body over 8 MiB (413), each saying its limit', async () => {
      const row = '2026-01-10,PLT,250,K/uL\n';
      const big = 'date,analyte,value,unit\n' + row.repeat(Math.ceil(CSV_MAX_BYTES / row.length));
      assert.ok(big.length > CSV_MAX_BYTES);
      const r = await importCsv(c.doctor, p, { csv: big }, 413);
      assert.equal(r.body.error.code, 'too_big');
      assert.equal(r.body.error.field, 'csv');
      assert.match(r.body.error.message, /5 MiB/);
      const huge = await c.doctor.post(importOf(p), { csv: 'x'.repeat(8 * 1024 * 1024 + 10) });
      assert.equal(huge.status, 413, show(huge));
      assert.equal(huge.body.error.code, 'too_big');
      assert.match(huge.body.error.message, /8 MiB/);
      fits(huge, IMPORT, 'POST');
      // Other routes keep the small cap.
      const form = await c.doctor.post(labsOf(p), { analyte: 'x'.repeat(70 * 1024) });
      assert.equal(form.status, 413, show(form));
      assert.match(form.body.error.message, /64 KiB/);
      // More rows than allowed, in few bytes.
      const many = 'date,analyte,value,unit\n' + '2026-01-10,PLT,1,K/uL\n'.repeat(10001);
      const rows = await importCsv(c.doctor, p, { csv: many }, 413);
      assert.equal(rows.body.error.code, 'too_big');
      assert.equal(rows.body.error.field, 'csv');
      assert.equal((await list(c.doctor, p)).length, 3);
    });

    it('is 404 for a patient that does not exist', async () => {
      const r = await importCsv(c.doctor, { id: 999999 }, { csv: 'date,analyte,value,unit\n' }, 404);
      assert.equal(r.body.error.code, 'not_found');
    });
  });

  it('the shared patient of this file has no results until one is entered', async () => {
    assert.deepEqual(await list(c.doctor, patient), []);
    await enter(c.doctor, patient, { analyte: 'inr', value: 1.1, unit: 'ratio', measured_at: '2026-01-10' });
    assert.equal((await list(c.doctor, patient)).length, 1);
  });
});
