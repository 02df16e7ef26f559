// Adverse events over HTTP: recording one with its links to the patient's procedure and specimen,
// every field's errors, follow-up as new versions with the old ones kept, the patient's list and
// the clinic's list with its filters, who may do what, and the audit trail. Procedures and
// specimens are written with SQL (tests/lib/sqlfixture.mjs) as the chair would store them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createPatient, dammCheckDigit, poll, roleClients, show, startServer,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const H = 3600000;
const D = 24 * H;
const doc = repoOpenApi();
const iso = (ms) => new Date(ms).toISOString();
// The test server runs in UTC unless told otherwise: its days are UTC days.
const utcDay = (ms) => iso(ms).slice(0, 10);

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

// A procedure of `patientId` started at `startedMs`, with the screening and the appointment it
// rests on. Returns its id.
function insertProcedure(db, { patientId, startedMs, userId = 1 }) {
  sql(db, "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Test room 1', 'treatment');\n" +
    'INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, 1);');
  const appt = one(db, 'INSERT INTO appointments (patient_id, kind, start_ms, end_ms, prep_minutes, room_id,' +
    ' clinician_id, status, version, created_at, updated_at) VALUES ' +
    `(${lit(patientId)}, 'session', ${lit(startedMs)}, ${lit(startedMs + H)}, 0, 1, 1, 'in_progress', 1,` +
    ` ${lit(startedMs)}, ${lit(startedMs)})`);
  const screening = one(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(startedMs)},` +
    ` 'eligible', '{}', '{}', '${'0'.repeat(64)}', ${lit(startedMs - H)}, ${lit(userId)})`);
  return one(db, 'INSERT INTO procedures (patient_id, appointment_id, treatment, protocol, screening_id, status,' +
    ' version, started_at, started_by, updated_at, updated_by) VALUES ' +
    `(${lit(patientId)}, ${lit(appt)}, 'prp-hair', NULL, ${lit(screening)}, 'open', 1, ${lit(startedMs)},` +
    ` ${lit(userId)}, ${lit(startedMs)}, ${lit(userId)})`);
}

let specimenSeq = 100000;
// A PRP syringe of a procedure. Returns its printed id.
function insertSpecimen(db, { procedureId, patientId, collectedMs, userId = 1 }) {
  specimenSeq += 1;
  const digits = String(specimenSeq);
  const id = `S${digits}${dammCheckDigit(digits)}`;
  sql(db, 'INSERT INTO specimens (id, procedure_id, patient_id, kind, label, volume_ml, parent_id, collected_at,' +
    ' expires_at, status, created_at, created_by) VALUES ' +
    `(${lit(id)}, ${lit(procedureId)}, ${lit(patientId)}, 'prp', 'PRP syringe 1', 4, NULL, ${lit(collectedMs)},` +
    ` ${lit(collectedMs + 3 * H)}, 'active', ${lit(collectedMs)}, ${lit(userId)})`);
  return id;
}

describe('adverse events', () => {
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
    const r = await client.post(`/api/v1/patients/${patient.id}/adverse-events`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/patients/{id}/adverse-events', 'POST', r);
    return r.body;
  }

  async function update(id, body, { status = 200, client = c.doctor } = {}) {
    const r = await client.put(`/api/v1/adverse-events/${id}`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/adverse-events/{id}', 'PUT', r);
    return r.body;
  }

  async function clinicList(query, { status = 200, client = c.admin } = {}) {
    const r = await client.get(`/api/v1/adverse-events${query}`);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/adverse-events', 'GET', r);
    return r.body;
  }

  // Every field of an event as PUT takes it back.
  function editable(e) {
    const { procedure_id, specimen_id, type, type_other, severity, onset_at, description, actions, outcome,
      resolved_date, version } = e;
    return { procedure_id, specimen_id, type, type_other, severity, onset_at, description, actions, outcome,
      resolved_date, version };
  }

  it('records an event with its procedure and specimen, and reads it back', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aerecord' });
    const started = Date.now() - 3 * H;
    const proc = insertProcedure(server.db, { patientId: p.id, startedMs: started });
    const spec = insertSpecimen(server.db, { procedureId: proc, patientId: p.id, collectedMs: started + 600000 });
    const onset = Math.floor((Date.now() - H) / 1000) * 1000;
    const e = await record(p, {
      procedure_id: proc, specimen_id: spec.toLowerCase(), type: 'haematoma', severity: 'moderate',
      onset_at: iso(onset), description: '  Swelling at the crown  ', actions: 'Cold pack, pressure',
    });
    assert.equal(e.version, 1);
    assert.equal(e.procedure_id, proc);
    assert.equal(e.specimen_id, spec, 'the S of a scanned id is upper case');
    assert.equal(e.outcome, 'ongoing', 'the outcome defaults to ongoing');
    assert.equal(e.resolved_date, null);
    assert.equal(e.type_other, null);
    assert.equal(e.description, 'Swelling at the crown');
    assert.equal(e.onset_at, iso(onset));
    assert.equal(e.onset_local, iso(onset).slice(0, 16), 'the clinic runs in UTC here');
    assert.deepEqual(e.patient, {
      id: p.id, mrn: p.mrn, name: { en: `${p.given_name} ${p.family_name}`, ar: `${p.given_name_ar} ${p.family_name_ar}` },
      date_of_birth: p.date_of_birth,
    });
    assert.equal(e.created_by.username, c.nurse.username);
    assert.equal(e.updated_by.username, c.nurse.username);

    const r = await c.admin.get(`/api/v1/adverse-events/${e.id}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/adverse-events/{id}', 'GET', r);
    assert.deepEqual(r.body, e);
  });

  it('a specimen given alone links its procedure', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aespecimen' });
    const started = Date.now() - 5 * H;
    const proc = insertProcedure(server.db, { patientId: p.id, startedMs: started });
    const spec = insertSpecimen(server.db, { procedureId: proc, patientId: p.id, collectedMs: started });
    const e = await record(p, { specimen_id: spec, type: 'pain', severity: 'mild', onset_at: iso(Date.now() - H) });
    assert.equal(e.procedure_id, proc);
    assert.equal(e.specimen_id, spec);
  });

  it('refuses each field that is wrong, naming it, and stores nothing', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aeerrors' });
    const other = await createPatient(c.doctor, { family_name: 'Aeother' });
    const started = Date.now() - 4 * H;
    const proc = insertProcedure(server.db, { patientId: p.id, startedMs: started });
    const proc2 = insertProcedure(server.db, { patientId: p.id, startedMs: started - 30 * D });
    const otherProc = insertProcedure(server.db, { patientId: other.id, startedMs: started });
    const spec2 = insertSpecimen(server.db, { procedureId: proc2, patientId: p.id, collectedMs: started - 30 * D });
    const otherSpec = insertSpecimen(server.db, { procedureId: otherProc, patientId: other.id, collectedMs: started });
    const ok = { type: 'bruising', severity: 'mild', onset_at: iso(Date.now() - H) };
    const long = (n) => 'x'.repeat(n);
    const cases = [
      [{ ...ok, colour: 'red' }, 'colour', 'unknown_field'],
      [{ severity: 'mild', onset_at: ok.onset_at }, 'type', 'required'],
      [{ ...ok, type: 'rash' }, 'type', 'invalid_value'],
      [{ ...ok, type: 3 }, 'type', 'invalid_type'],
      [{ ...ok, type: 'other' }, 'type_other', 'required'],
      [{ ...ok, type: 'other', type_other: '   ' }, 'type_other', 'required'],
      [{ ...ok, type_other: 'Rash' }, 'type_other', 'not_allowed'],
      [{ ...ok, type: 'other', type_other: long(201) }, 'type_other', 'too_long'],
      [{ type: 'pain', onset_at: ok.onset_at }, 'severity', 'required'],
      [{ ...ok, severity: 'fatal' }, 'severity', 'invalid_value'],
      [{ type: 'pain', severity: 'mild' }, 'onset_at', 'required'],
      [{ ...ok, onset_at: 'yesterday' }, 'onset_at', 'invalid_date'],
      [{ ...ok, onset_at: iso(Date.now() + 2 * H) }, 'onset_at', 'future_date'],
      [{ ...ok, onset_at: iso(started - H), procedure_id: proc }, 'onset_at', 'before_start'],
      [{ ...ok, procedure_id: 'one' }, 'procedure_id', 'invalid_type'],
      [{ ...ok, procedure_id: 0 }, 'procedure_id', 'out_of_range'],
      [{ ...ok, procedure_id: otherProc }, 'procedure_id', 'invalid_value'],
      [{ ...ok, procedure_id: 999999 }, 'procedure_id', 'invalid_value'],
      [{ ...ok, specimen_id: 'T1000007' }, 'specimen_id', 'invalid_value'],
      [{ ...ok, specimen_id: 'S99999999' }, 'specimen_id', 'invalid_value'],
      [{ ...ok, specimen_id: otherSpec }, 'specimen_id', 'invalid_value'],
      [{ ...ok, procedure_id: proc, specimen_id: spec2 }, 'specimen_id', 'invalid_value'],
      [{ ...ok, specimen_id: 7 }, 'specimen_id', 'invalid_type'],
      [{ ...ok, description: long(4001) }, 'description', 'too_long'],
      [{ ...ok, actions: long(4001) }, 'actions', 'too_long'],
      [{ ...ok, outcome: 'better' }, 'outcome', 'invalid_value'],
      [{ ...ok, outcome: 'resolved' }, 'resolved_date', 'required'],
      [{ ...ok, outcome: 'resolved_with_sequelae' }, 'resolved_date', 'required'],
      [{ ...ok, resolved_date: utcDay(Date.now()) }, 'resolved_date', 'not_allowed'],
      [{ ...ok, outcome: 'unknown', resolved_date: utcDay(Date.now()) }, 'resolved_date', 'not_allowed'],
      [{ ...ok, outcome: 'resolved', resolved_date: '2026-02-30' }, 'resolved_date', 'invalid_date'],
      [{ ...ok, outcome: 'resolved', resolved_date: 'today' }, 'resolved_date', 'invalid_date'],
      [{ ...ok, outcome: 'resolved', resolved_date: utcDay(Date.now() + 2 * D) }, 'resolved_date', 'future_date'],
      [{ ...ok, onset_at: iso(Date.now() - 3 * D), outcome: 'resolved', resolved_date: utcDay(Date.now() - 4 * D) },
        'resolved_date', 'before_start'],
    ];
    for (const [body, field, code] of cases) {
      const r = await c.nurse.post(`/api/v1/patients/${p.id}/adverse-events`, body);
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 200)}: ${show(r)}`);
      fits('/api/v1/patients/{id}/adverse-events', 'POST', r);
      assert.equal(r.body.error.field, field, show(r));
      assert.equal(r.body.error.code, code, show(r));
    }
    const list = await c.nurse.get(`/api/v1/patients/${p.id}/adverse-events`);
    assert.deepEqual(list.body.adverse_events, [], 'a refused event left a record');

    // The same day as the onset, and the boundaries that pass.
    const e = await record(p, {
      ...ok, onset_at: iso(Date.now() - 3 * D), outcome: 'resolved', resolved_date: utcDay(Date.now() - 3 * D),
      procedure_id: proc2, type: 'other', type_other: 'Scalp tenderness', description: long(4000),
    });
    assert.equal(e.type_other, 'Scalp tenderness');
    assert.equal(e.description.length, 4000);
    assert.equal((await record(p, { ...ok, onset_at: iso(started), procedure_id: proc })).procedure_id, proc);

    let r = await c.nurse.post('/api/v1/patients/999999/adverse-events', ok);
    assert.equal(r.status, 404, show(r));
    r = await c.nurse.post(`/api/v1/patients/${p.id}/adverse-events`, [ok]);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.code, 'not_object');
  });

  it('a follow-up is a new version; the old ones are kept and listed with their changes', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aeversions' });
    const onset = Date.now() - 2 * D;
    const e = await record(p, { type: 'infection', severity: 'severe', onset_at: iso(onset), description: 'Redness and pus' });

    // Saving the same fields is not a new version.
    let same = await update(e.id, editable(e));
    assert.equal(same.version, 1);
    assert.equal(same.updated_at, e.updated_at);

    const v2 = await update(e.id, { ...editable(e), actions: 'Oral antibiotics started', severity: 'serious' });
    assert.equal(v2.version, 2);
    assert.equal(v2.created_by.username, c.nurse.username);
    assert.equal(v2.updated_by.username, c.doctor.username);
    assert.equal(v2.created_at, e.created_at);

    // A stale version is refused and changes nothing.
    let r = await c.doctor.put(`/api/v1/adverse-events/${e.id}`, { ...editable(e), outcome: 'unknown' });
    assert.equal(r.status, 409, show(r));
    fits('/api/v1/adverse-events/{id}', 'PUT', r);
    assert.equal(r.body.error.code, 'stale_version');
    assert.equal(r.body.error.field, 'version');
    r = await c.doctor.put(`/api/v1/adverse-events/${e.id}`, { ...editable(v2), version: undefined });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'version');
    assert.equal(r.body.error.code, 'required');
    r = await c.doctor.put(`/api/v1/adverse-events/${e.id}`, { ...editable(v2), outcome: 'resolved' });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'resolved_date');

    const day = utcDay(Date.now());
    const v3 = await update(e.id, { ...editable(v2), outcome: 'resolved', resolved_date: day, actions: null });
    assert.equal(v3.version, 3);
    assert.equal(v3.resolved_date, day);
    assert.equal(v3.actions, null, 'a field left empty becomes empty');

    r = await c.admin.get(`/api/v1/adverse-events/${e.id}/versions`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/adverse-events/{id}/versions', 'GET', r);
    const vs = r.body.versions;
    assert.deepEqual(vs.map((v) => v.version), [3, 2, 1]);
    assert.equal(vs[2].event.severity, 'severe', 'version 1 is kept as it was');
    assert.equal(vs[2].event.actions, null);
    assert.equal(vs[2].by.username, c.nurse.username);
    assert.equal(vs[2].changes.type.to, 'infection');
    assert.equal(vs[2].changes.type.from, null);
    assert.deepEqual(vs[1].changes, {
      severity: { from: 'severe', to: 'serious' }, actions: { from: null, to: 'Oral antibiotics started' },
    });
    assert.equal(vs[1].by.username, c.doctor.username);
    assert.deepEqual(vs[0].changes, {
      outcome: { from: 'ongoing', to: 'resolved' }, resolved_date: { from: null, to: day },
      actions: { from: 'Oral antibiotics started', to: null },
    });
    assert.equal(vs[0].event.onset_local, iso(onset).slice(0, 16));
    assert.equal(vs[0].at, v3.updated_at);

    r = await c.doctor.put('/api/v1/adverse-events/999999', editable(v3));
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.get('/api/v1/adverse-events/999999/versions');
    assert.equal(r.status, 404, show(r));
  });

  it('lists a patient\'s events latest onset first', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aelist' });
    const a = await record(p, { type: 'pain', severity: 'mild', onset_at: iso(Date.now() - 5 * D) });
    const b = await record(p, { type: 'headache', severity: 'moderate', onset_at: iso(Date.now() - D) });
    const d = await record(p, { type: 'redness', severity: 'mild', onset_at: iso(Date.now() - 3 * D) });
    const r = await c.doctor.get(`/api/v1/patients/${p.id}/adverse-events`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/adverse-events', 'GET', r);
    assert.deepEqual(r.body.adverse_events.map((e) => e.id), [b.id, d.id, a.id]);
    const none = await c.doctor.get('/api/v1/patients/999999/adverse-events');
    assert.equal(none.status, 404, show(none));
  });

  it('the clinic\'s list filters by severity, outcome and onset days, and leaves removed patients out', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aeclinic' });
    const q = await createPatient(c.doctor, { family_name: 'Aeclinictwo' });
    const base = Date.now() - 40 * D;
    const day = (n) => utcDay(base + n * D);
    const serious = await record(p, { type: 'vision_change', severity: 'serious', onset_at: iso(base + 2 * D + H) });
    const severe = await record(q, { type: 'haematoma', severity: 'severe', onset_at: iso(base + 3 * D + H) });
    const mild = await record(p, { type: 'bruising', severity: 'mild', onset_at: iso(base + 4 * D + H) });
    const resolved = await record(q, {
      type: 'fainting', severity: 'serious', onset_at: iso(base + 5 * D + H), outcome: 'resolved', resolved_date: day(5),
    });
    const ids = (body) => body.adverse_events.map((e) => e.id);
    const mine = new Set([serious.id, severe.id, mild.id, resolved.id]);
    const window = `from=${day(2)}&to=${day(5)}`;

    let body = await clinicList(`?${window}`);
    assert.deepEqual(ids(body), [resolved.id, mild.id, severe.id, serious.id], 'latest onset first');
    assert.deepEqual(body.adverse_events[0].patient.mrn, q.mrn, 'each with its patient');
    body = await clinicList(`?${window}&severity=serious`);
    assert.deepEqual(ids(body), [resolved.id, serious.id]);
    body = await clinicList(`?${window}&severity=severe,serious&outcome=ongoing`);
    assert.deepEqual(ids(body), [severe.id, serious.id]);
    body = await clinicList(`?${window}&outcome=resolved,unknown`);
    assert.deepEqual(ids(body), [resolved.id]);
    body = await clinicList(`?from=${day(3)}&to=${day(4)}`);
    assert.deepEqual(ids(body), [mild.id, severe.id], 'from and to are whole days');
    body = await clinicList(`?${window}&limit=2`);
    assert.deepEqual(ids(body), [resolved.id, mild.id]);
    body = await clinicList('?severity=serious');
    assert.ok(body.adverse_events.every((e) => e.severity === 'serious'));
    assert.ok(ids(body).includes(serious.id));
    body = await clinicList('');
    assert.ok([...mine].every((id) => ids(body).includes(id)), 'no filter: every event');

    for (const [query, key] of [
      ['severity=fatal', 'severity'], ['severity=serious,', 'severity'], ['outcome=better', 'outcome'],
      ['from=2026-13-01', 'from'], ['to=yesterday', 'to'], [`from=${day(5)}&to=${day(2)}`, 'to'],
      ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=ten', 'limit'], ['limit=-1', 'limit'],
    ]) {
      const r = await c.admin.get(`/api/v1/adverse-events?${query}`);
      assert.equal(r.status, 400, `${query}: ${show(r)}`);
      fits('/api/v1/adverse-events', 'GET', r);
      assert.equal(r.body.error.code, 'invalid_query', query);
      assert.equal(r.body.error.field, key, query);
    }

    // A patient removed from the register takes their events out of sight.
    const del = await c.admin.del(`/api/v1/patients/${q.id}`, { reason: 'Duplicate registration' });
    assert.equal(del.status, 204, show(del));
    body = await clinicList(`?${window}`);
    assert.deepEqual(ids(body), [mild.id, serious.id]);
    let r = await c.admin.get(`/api/v1/adverse-events/${severe.id}`);
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.put(`/api/v1/adverse-events/${severe.id}`, editable(severe));
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.get(`/api/v1/patients/${q.id}/adverse-events`);
    assert.equal(r.status, 404, show(r));
  });

  it('doctors and nurses record; the administrator reads; reception sees nothing', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aeroles' });
    const body = { type: 'swelling', severity: 'mild', onset_at: iso(Date.now() - H) };
    const e = await record(p, body, { client: c.doctor });
    for (const role of ['admin', 'reception']) {
      const r = await c[role].post(`/api/v1/patients/${p.id}/adverse-events`, body);
      assert.equal(r.status, 403, `${role}: ${show(r)}`);
      assert.equal(r.body.error.code, 'forbidden');
      const u = await c[role].put(`/api/v1/adverse-events/${e.id}`, { ...editable(e), severity: 'moderate' });
      assert.equal(u.status, 403, `${role}: ${show(u)}`);
    }
    for (const path of [`/api/v1/patients/${p.id}/adverse-events`, `/api/v1/adverse-events/${e.id}`,
      `/api/v1/adverse-events/${e.id}/versions`, '/api/v1/adverse-events']) {
      assert.equal((await c.admin.get(path)).status, 200, path);
      assert.equal((await c.nurse.get(path)).status, 200, path);
      const r = await c.reception.get(path);
      assert.equal(r.status, 403, `${path}: ${show(r)}`);
    }
    const cur = await c.admin.get(`/api/v1/adverse-events/${e.id}`);
    assert.equal(cur.body.version, 1, 'a refused update changed the event');
  });

  it('audits every write in its transaction and every read, naming whose record was read', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aeaudit' });
    const e = await record(p, { type: 'bleeding', severity: 'serious', onset_at: iso(Date.now() - H) });
    await update(e.id, { ...editable(e), actions: 'Pressure applied' });
    await c.doctor.get(`/api/v1/adverse-events/${e.id}`);
    await c.nurse.get(`/api/v1/patients/${p.id}/adverse-events`);
    await c.admin.get(`/api/v1/adverse-events?severity=serious&from=${utcDay(Date.now())}`);

    const events = async (query) => {
      const r = await c.admin.get(`/api/v1/audit?${query}`);
      assert.equal(r.status, 200, show(r));
      return r.body.items;
    };
    const byAction = (action, entity, id) => poll(async () => {
      const items = await events(`entity=${entity}&entity_id=${id}&action=${action}`);
      return items.length ? items : null;
    });
    assert.equal((await byAction('adverse.create', 'adverse_event', e.id))[0].username, c.nurse.username);
    assert.equal((await byAction('adverse.update', 'adverse_event', e.id))[0].username, c.doctor.username);
    assert.equal((await byAction('adverse.read', 'adverse_event', e.id))[0].username, c.doctor.username);
    const lists = await poll(async () => {
      const items = await events(`entity=patient&entity_id=${p.id}&action=adverse.list`);
      return items.length >= 2 ? items : null;
    });
    assert.deepEqual(lists.map((x) => x.username).sort(), [c.admin.username, c.nurse.username].sort());

    // A refused write leaves no event.
    const r = await c.doctor.put(`/api/v1/adverse-events/${e.id}`, { ...editable(e), version: 2, severity: 'fatal' });
    assert.equal(r.status, 400, show(r));
    assert.equal((await events(`entity=adverse_event&entity_id=${e.id}&action=adverse.update`)).length, 1);
  });
});

describe('adverse events in a clinic east of UTC', () => {
  let server;
  let c;
  before(async () => {
    server = await startServer({ timeZone: 'Asia/Dubai' });
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  it('shows the onset in local time and compares the resolved date with the local day of the onset', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Aedubai' });
    // 22:30 UTC is 02:30 the next day in Dubai (UTC+4, no summer time).
    const onset = Date.parse(`${utcDay(Date.now() - 3 * D)}T22:30:00.000Z`);
    const localDay = utcDay(onset + D);
    let r = await c.nurse.post(`/api/v1/patients/${p.id}/adverse-events`, {
      type: 'pain', severity: 'mild', onset_at: iso(onset), outcome: 'resolved', resolved_date: utcDay(onset),
    });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.code, 'before_start');
    r = await c.nurse.post(`/api/v1/patients/${p.id}/adverse-events`, {
      type: 'pain', severity: 'mild', onset_at: iso(onset), outcome: 'resolved', resolved_date: localDay,
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.body.onset_local, `${localDay}T02:30`);
    // The local day of the onset is the day the clinic's list filters on.
    r = await c.admin.get(`/api/v1/adverse-events?from=${localDay}&to=${localDay}`);
    assert.equal(r.body.adverse_events.length, 1, show(r));
    assert.equal(r.body.adverse_events[0].patient.id, p.id);
    r = await c.admin.get(`/api/v1/adverse-events?to=${utcDay(onset)}`);
    assert.ok(!r.body.adverse_events.some((e) => e.patient.id === p.id), 'the UTC day is not the clinic\'s');
  });
});
