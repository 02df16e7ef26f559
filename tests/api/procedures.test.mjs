// Procedures at the chair over HTTP: the start after check-in and a re-screening (not checked in,
// a stale or uncleared screening, a doctor's signed override), reading and listing, the record
// sections with their versions, the identity rule on every specimen injected (no check, a failed
// check after the pass, expired, used, discarded), completion's needs, abandoning, the aftercare
// sheet read back from its PDF in both languages, and the audit of each.
// Specimens and identity checks are rows written with tests/lib/sqlfixture.mjs: the specimen
// endpoints are built beside this file and are not on main yet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPatient, dammCheckDigit, poll, roleClients, show, startServer } from '../lib/server.mjs';
import { addCentrifuge, addClinician, addRoom, openEveryDay } from '../lib/calendar.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const H = 3600000;
const D = 24 * H;
const iso = (ms) => new Date(ms).toISOString();
const today = () => new Date().toISOString().slice(0, 10);
const doc = repoOpenApi();

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

const HAIR = {
  norwood: 'III', ludwig: null, sinclair: null, savin: null, salt: null, duration_months: 12,
  hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'],
};

function expectError(r, status, code, field) {
  assert.equal(r.status, status, show(r));
  assert.equal(r.body.error.code, code, show(r));
  if (field !== undefined) assert.equal(r.body.error.field, field, show(r));
}

describe('procedures', () => {
  let server;
  let c;
  let cal;
  let slot = 0;
  const session = Date.now() + H;
  let specimenSeq = 900000;

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    await openEveryDay(c.admin, '00:00', '24:00');
    cal = {
      room: await addRoom(c.admin, 'Chair room'),
      clinician: await addClinician(c.admin, '00:00', '24:00'),
      centrifuge: await addCentrifuge(c.admin, 'Chair centrifuge'),
    };
  });
  after(async () => {
    await server?.cleanup();
  });

  // A patient whose prp-hair screening is eligible (nsaid_cox2) or deferred
  // (nsaid_nonselective, 30 hours before the session).
  async function readyPatient(medicationClass = 'nsaid_cox2', overrides = {}) {
    const p = await createPatient(c.doctor, overrides);
    const cur = await c.doctor.get(`/api/v1/patients/${p.id}/medical-history`);
    let r = await c.doctor.put(`/api/v1/patients/${p.id}/medical-history`, {
      version: cur.body.version,
      medications: [{
        drug: null, name: 'painkiller', class: medicationClass, dose: '200 mg', started_on: null,
        ongoing: false, last_dose_at: iso(session - 30 * H),
      }],
      pregnant: false, breastfeeding: false, smoking: 'never',
    });
    assert.equal(r.status, 200, show(r));
    r = await c.doctor.post(`/api/v1/patients/${p.id}/assessments`, {
      visit_date: today(), complaint: 'hair', hair: HAIR, consent_to_risks: true, acute_illness: false,
    });
    assert.equal(r.status, 201, show(r));
    for (const lab of [
      { analyte: 'platelets', value: 250, unit: '10^9/L' },
      { analyte: 'haemoglobin', value: 140, unit: 'g/L', reference_low: 120, reference_high: 160 },
    ]) {
      r = await c.doctor.post(`/api/v1/patients/${p.id}/labs`, { ...lab, measured_at: iso(Date.now() - 10 * D) });
      assert.equal(r.status, 201, show(r));
    }
    return p;
  }

  async function screen(patient, treatment = 'prp-hair') {
    const r = await c.nurse.post(`/api/v1/patients/${patient.id}/screenings`, { treatment, session_at: iso(session) });
    assert.equal(r.status, 201, show(r));
    return r.body;
  }

  // A session booked today (each at its own half hour, so that the room and clinician are free).
  async function book(patient, extra = {}) {
    const start = `${today()}T${String(Math.floor(slot / 2)).padStart(2, '0')}:${slot % 2 ? '30' : '00'}:00Z`;
    slot += 1;
    assert.ok(slot < 48, 'more sessions than half hours in a day');
    const body = {
      patient_id: patient.id, kind: 'session', start, room_id: cal.room.id,
      clinician_id: cal.clinician.id, ...extra,
    };
    if (!extra.course_item_id) Object.assign(body, { duration_minutes: 30, prep_minutes: 0 });
    const r = await c.reception.post('/api/v1/appointments', body);
    assert.equal(r.status, 201, show(r));
    return r.body;
  }

  async function setStatus(appt, status, reason) {
    const cur = await c.reception.get(`/api/v1/appointments/${appt.id}`);
    const r = await c.reception.post(`/api/v1/appointments/${appt.id}/status`, {
      status, version: cur.body.version, ...(reason ? { reason } : {}),
    });
    assert.equal(r.status, 200, show(r));
    return r.body;
  }

  // A checked-in session of a ready patient with an eligible screening of today.
  async function chair(treatment = 'prp-hair') {
    const patient = await readyPatient();
    const screening = await screen(patient, treatment);
    const appt = await book(patient);
    await setStatus(appt, 'checked_in');
    return { patient, screening, appt };
  }

  async function start(ctx, body) {
    const r = await c.nurse.post(`/api/v1/appointments/${ctx.appt.id}/procedure`,
      body ?? { screening_id: ctx.screening.id, treatment: 'prp-hair' });
    return r;
  }

  async function started(treatment = 'prp-hair') {
    const ctx = await chair(treatment);
    const r = await start(ctx, { screening_id: ctx.screening.id, treatment });
    assert.equal(r.status, 201, show(r));
    return { ...ctx, proc: r.body };
  }

  // A specimen row as the specimen module stores it; returns its id.
  function addSpecimen(proc, { kind = 'prp', status = 'active', collectedMs = Date.now() - 10 * 60000, hours = 3 } = {}) {
    specimenSeq += 1;
    const digits = String(specimenSeq);
    const id = `S${digits}${dammCheckDigit(digits)}`;
    sql(server.db, 'INSERT INTO specimens (id, procedure_id, patient_id, kind, label, volume_ml, parent_id,'
      + ' collected_at, expires_at, status, created_at, created_by) VALUES '
      + `(${lit(id)}, ${proc.id}, ${proc.patient.id}, ${lit(kind)}, ${lit(`${kind} 1`)}, 4, NULL,`
      + ` ${collectedMs}, ${collectedMs + hours * H}, ${lit(status)}, ${Date.now()}, 1);`
      + `INSERT INTO specimen_events (specimen_id, event, at, by) VALUES (${lit(id)}, 'prepared', ${collectedMs}, 1);`);
    return id;
  }

  // An identity check row: passed, or failed with a code.
  function addCheck(proc, specimenId, failure = null) {
    sql(server.db, 'INSERT INTO identity_checks (procedure_id, patient_scan, specimen_scan, specimen_id,'
      + ' passed, failure, at, by) VALUES '
      + `(${proc.id}, ${lit(proc.patient.mrn)}, ${lit(specimenId)}, ${lit(specimenId)},`
      + ` ${failure ? 0 : 1}, ${lit(failure)}, ${Date.now()}, 1);`);
  }

  const injection = (specimens, extra = {}) => ({
    map: 'scalp',
    zones: [
      { zone: 'frontal', volume_ml: 1.5, technique: 'point_by_point', depth: 'intradermal', needle_gauge: 30, area_cm2: null },
      { zone: 'crown', volume_ml: 2, technique: 'nappage', depth: 'intradermal', needle_gauge: 30, area_cm2: null },
    ],
    anaesthesia: { kind: 'ice', agent: null, dose: null },
    duration_minutes: 20,
    operator_user_id: null,
    specimens,
    notes: null,
    ...extra,
  });

  const preparation = () => ({
    draw: { volume_ml: 18, at: iso(Date.now() - 30 * 60000), by_user_id: null, site: 'left antecubital vein' },
    tubes: [{ product: 'Example PRP tube', lot: 'L2345', expiry: '2030-05-31', anticoagulant: 'acd_a', anticoagulant_ml: 1.5, count: 2 }],
    centrifuge_id: cal.centrifuge.id,
    spins: [{ rpm: 1500, rcf_g: null, minutes: 10, brake: 'on', temperature_c: 22 }],
    collected: { layer: 'plasma', volume_ml: 8 },
    final_volume_ml: 4,
    counts: null,
    activation: { agent: 'none', ratio: null },
    ready_at: iso(Date.now() - 5 * 60000),
    notes: null,
  });

  async function putSection(proc, section, body, client = c.nurse) {
    return client.put(`/api/v1/procedures/${proc.id}/${section}`, body);
  }

  async function audit(action, entityId) {
    const r = await c.admin.get(`/api/v1/audit?action=${action}&entity_id=${entityId}&limit=20`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  it('starts a procedure on a checked-in session: the appointment is in progress and the answer fits', async () => {
    const ctx = await chair();
    const r = await start(ctx);
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/appointments/{id}/procedure', 'POST', r);
    const p = r.body;
    assert.equal(p.status, 'open');
    assert.equal(p.treatment, 'prp-hair');
    assert.equal(p.protocol, null);
    assert.equal(p.course_id, null);
    assert.equal(p.patient.id, ctx.patient.id);
    assert.equal(p.patient.mrn, ctx.patient.mrn);
    assert.equal(p.patient.name.en, 'Sample Testpatient');
    assert.equal(p.patient.name.ar, 'سامي تجريبي');
    assert.equal(p.appointment.id, ctx.appt.id);
    assert.equal(p.appointment.status, 'in_progress');
    assert.equal(p.screening.id, ctx.screening.id);
    assert.equal(p.screening.outcome, 'eligible');
    assert.equal(p.version, 1);
    assert.match(p.started_local, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    assert.equal(p.started_by.username, c.nurse.username);
    for (const k of ['preparation', 'fat', 'injection', 'aftercare', 'identity_check', 'completed_at', 'completed_by']) {
      assert.equal(p[k], null, k);
    }
    assert.deepEqual(p.specimens, []);
    assert.deepEqual(p.steps, { preparation: false, specimens: false, identity_check: false, injection: false, aftercare: false });
    const appt = await c.reception.get(`/api/v1/appointments/${ctx.appt.id}`);
    assert.equal(appt.body.status, 'in_progress');

    // The same procedure by its id and by its appointment; a second start is refused.
    const byId = await c.doctor.get(`/api/v1/procedures/${p.id}`);
    assert.equal(byId.status, 200, show(byId));
    fits('/api/v1/procedures/{id}', 'GET', byId);
    assert.deepEqual(byId.body, p);
    const byAppt = await c.doctor.get(`/api/v1/appointments/${ctx.appt.id}/procedure`);
    assert.equal(byAppt.status, 200, show(byAppt));
    assert.deepEqual(byAppt.body, p);
    expectError(await start(ctx), 409, 'procedure_exists', 'appointment');
    assert.equal((await audit('procedure.start', p.id)).length, 1);
  });

  it('refuses a session that is not checked in, or not a session', async () => {
    const patient = await readyPatient();
    const screening = await screen(patient);
    const appt = await book(patient);
    const ctx = { patient, screening, appt };
    expectError(await start(ctx), 409, 'invalid_transition', 'appointment');
    const consult = await book(patient, { kind: 'consultation' });
    await setStatus(consult, 'checked_in');
    expectError(await start({ ...ctx, appt: consult }), 409, 'invalid_transition', 'appointment');
    const r = await c.nurse.get(`/api/v1/appointments/${appt.id}/procedure`);
    expectError(r, 404, 'not_found');
    expectError(await c.nurse.post('/api/v1/appointments/999999/procedure', { screening_id: screening.id, treatment: 'prp-hair' }), 404, 'not_found');
  });

  it('names the field of bad input', async () => {
    const ctx = await chair();
    expectError(await start(ctx, { treatment: 'prp-hair' }), 400, 'required', 'screening_id');
    expectError(await start(ctx, { screening_id: ctx.screening.id }), 400, 'required', 'treatment');
    expectError(await start(ctx, { screening_id: ctx.screening.id, treatment: 'botox' }), 400, 'invalid_value', 'treatment');
    expectError(await start(ctx, { screening_id: 'x', treatment: 'prp-hair' }), 400, 'invalid_type', 'screening_id');
    expectError(await start(ctx, { screening_id: ctx.screening.id, treatment: 'prp-hair', extra: 1 }), 400, 'unknown_field', 'extra');
    // A screening of another treatment, or of another patient.
    expectError(await start(ctx, { screening_id: ctx.screening.id, treatment: 'prp-face' }), 400, 'invalid_value', 'screening_id');
    const other = await chair();
    expectError(await start(ctx, { screening_id: other.screening.id, treatment: 'prp-hair' }), 400, 'invalid_value', 'screening_id');
    // Nothing was written: the appointment is still checked in.
    const appt = await c.reception.get(`/api/v1/appointments/${ctx.appt.id}`);
    assert.equal(appt.body.status, 'checked_in');
  });

  it('needs a screening of the day or the day before', async () => {
    const ctx = await chair();
    sql(server.db, `UPDATE screenings SET computed_at = ${Date.now() - 2 * D - H} WHERE id = ${ctx.screening.id};`);
    expectError(await start(ctx), 409, 'screening_stale', 'screening_id');
    sql(server.db, `UPDATE screenings SET computed_at = ${Date.parse(`${today()}T00:00:00Z`) - H} WHERE id = ${ctx.screening.id};`);
    const r = await start(ctx);
    assert.equal(r.status, 201, show(r));
  });

  it('needs a cleared screening: a deferral stops, a doctor\'s signed proceed is the override', async () => {
    const patient = await readyPatient('nsaid_nonselective');
    const screening = await screen(patient);
    assert.equal(screening.outcome, 'defer');
    const appt = await book(patient);
    await setStatus(appt, 'checked_in');
    const ctx = { patient, screening, appt };
    expectError(await start(ctx), 409, 'screening_not_cleared', 'screening_id');
    let r = await c.doctor.post(`/api/v1/screenings/${screening.id}/signoff`, {
      decision: 'proceed', reason: 'Last dose was taken well before; doctor accepts the bleeding risk',
    });
    assert.equal(r.status, 200, show(r));
    r = await start(ctx);
    assert.equal(r.status, 201, show(r));
    assert.equal(r.body.screening.signoff.decision, 'proceed');
    assert.equal(r.body.screening.signoff.override, true);

    // An eligible result signed do-not-proceed does not clear.
    const other = await chair();
    r = await c.doctor.post(`/api/v1/screenings/${other.screening.id}/signoff`, {
      decision: 'do_not_proceed', reason: 'Patient reports a new illness this morning',
    });
    assert.equal(r.status, 200, show(r));
    expectError(await start(other), 409, 'screening_not_cleared', 'screening_id');
  });

  it('takes the treatment of a course session from the course', async () => {
    const patient = await readyPatient();
    const screening = await screen(patient);
    let r = await c.doctor.post(`/api/v1/screenings/${screening.id}/signoff`, { decision: 'proceed' });
    assert.equal(r.status, 200, show(r));
    r = await c.doctor.post(`/api/v1/patients/${patient.id}/courses`, { protocol: 'prp-hair', start_date: today(), package: false });
    assert.equal(r.status, 201, show(r));
    const course = r.body;
    const appt = await book(patient, { course_item_id: course.items[0].id, centrifuge_id: cal.centrifuge.id });
    await setStatus(appt, 'checked_in');
    const ctx = { patient, screening, appt };
    expectError(await start(ctx, { screening_id: screening.id, treatment: 'prp-face' }), 400, 'invalid_value', 'treatment');
    r = await start(ctx, { screening_id: screening.id });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.body.treatment, 'prp-hair');
    assert.equal(r.body.protocol, 'prp-hair');
    assert.equal(r.body.course_id, course.id);

    // Abandoning gives the course item back to planning.
    const version = r.body.version;
    expectError(await c.nurse.post(`/api/v1/procedures/${r.body.id}/abandon`, { reason: 'short', version }), 400, 'too_short', 'reason');
    r = await c.nurse.post(`/api/v1/procedures/${r.body.id}/abandon`, { reason: 'Patient felt faint before the draw', version });
    assert.equal(r.status, 200, show(r));
    const after = await c.reception.get(`/api/v1/courses/${course.id}`);
    assert.equal(after.body.items[0].status, 'planned');
  });

  it('lists a patient\'s procedures newest first, without their documents', async () => {
    const first = await started();
    const appt = await book(first.patient);
    await setStatus(appt, 'checked_in');
    let r = await start({ ...first, appt });
    assert.equal(r.status, 201, show(r));
    const second = r.body;
    r = await c.doctor.get(`/api/v1/patients/${first.patient.id}/procedures`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/procedures', 'GET', r);
    assert.deepEqual(r.body.procedures.map((p) => p.id), [second.id, first.proc.id]);
    for (const p of r.body.procedures) {
      assert.equal(p.preparation, undefined);
      assert.equal(p.injection, undefined);
      assert.equal(typeof p.steps.injection, 'boolean');
      assert.equal(p.treatment, 'prp-hair');
    }
    expectError(await c.doctor.get('/api/v1/patients/999999/procedures'), 404, 'not_found');
    assert.ok(await poll(async () => (await audit('procedure.list', first.patient.id)).length >= 1));
  });

  it('keeps reception and administrators out', async () => {
    const { proc } = await started();
    for (const role of ['reception', 'admin']) {
      expectError(await c[role].get(`/api/v1/procedures/${proc.id}`), 403, 'forbidden');
      expectError(await c[role].post(`/api/v1/procedures/${proc.id}/aftercare`, { lang: 'en' }), 403, 'forbidden');
    }
  });

  it('refuses a record of the wrong treatment and a stale section version', async () => {
    const { proc } = await started();
    expectError(await putSection(proc, 'fat', { doc: {}, version: 0 }), 409, 'wrong_treatment');
    expectError(await putSection(proc, 'injection', { doc: injection([]), version: 1 }), 409, 'stale_version', 'version');
    expectError(await putSection(proc, 'injection', { version: 0 }), 400, 'required', 'doc');
    expectError(await putSection(proc, 'injection', { doc: [], version: 0 }), 400, 'invalid_type', 'doc');
    const fat = await started('adsc-hair');
    expectError(await putSection(fat.proc, 'preparation', { doc: preparation(), version: 0 }), 409, 'wrong_treatment');
  });

  it('enforces the identity rule on every specimen injected', async () => {
    const { proc } = await started();
    const put = (specimens) => putSection(proc, 'injection', { doc: injection(specimens), version: 0 });

    // No check at all.
    const s1 = addSpecimen(proc);
    expectError(await put([s1]), 409, 'identity_check_required', 'doc.specimens[0]');
    // A failed check after the pass.
    addCheck(proc, s1);
    addCheck(proc, s1, 'wrong_patient');
    expectError(await put([s1]), 409, 'identity_check_required', 'doc.specimens[0]');
    // Expired, even when checked.
    const old = addSpecimen(proc, { collectedMs: Date.now() - 4 * H, hours: 3 });
    addCheck(proc, old);
    expectError(await put([old]), 409, 'specimen_expired', 'doc.specimens[0]');
    // Discarded and used.
    const gone = addSpecimen(proc, { status: 'discarded' });
    addCheck(proc, gone);
    expectError(await put([gone]), 409, 'specimen_discarded', 'doc.specimens[0]');
    const used = addSpecimen(proc, { status: 'injected' });
    addCheck(proc, used);
    expectError(await put([used]), 409, 'specimen_used', 'doc.specimens[0]');
    // A blood tube is not injected; another procedure's specimen is not this one's.
    const tube = addSpecimen(proc, { kind: 'blood_tube' });
    addCheck(proc, tube);
    expectError(await put([tube]), 400, 'invalid_value', 'doc.specimens[0]');
    const other = await started();
    const foreign = addSpecimen(other.proc);
    addCheck(other.proc, foreign);
    expectError(await put([foreign]), 400, 'invalid_value', 'doc.specimens[0]');
    // A PRP injection names a specimen.
    expectError(await put([]), 400, 'required', 'doc.specimens');

    // Nothing of the refusals was written.
    let r = await c.nurse.get(`/api/v1/procedures/${proc.id}`);
    assert.equal(r.body.injection, null);
    assert.equal(r.body.version, 1);

    // A fresh pass clears s1 (the second of the list is checked after it): both become injected.
    addCheck(proc, s1);
    const s2 = addSpecimen(proc);
    addCheck(proc, s2);
    r = await put([s1, s2]);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/injection', 'PUT', r);
    assert.equal(r.body.injection.version, 1);
    assert.equal(r.body.injection.computed.total_volume_ml, 3.5);
    assert.deepEqual(r.body.injection.doc.specimens, [s1, s2]);
    assert.equal(r.body.steps.injection, true);
    assert.equal(r.body.steps.identity_check, true);
    const status = Object.fromEntries(r.body.specimens.map((s) => [s.id, s.status]));
    assert.equal(status[s1], 'injected');
    assert.equal(status[s2], 'injected');
    const events = sql(server.db, `SELECT specimen_id || ':' || event FROM specimen_events WHERE event = 'injected' AND specimen_id IN (${lit(s1)}, ${lit(s2)}) ORDER BY specimen_id;`).trim().split('\n');
    assert.deepEqual(events.sort(), [`${s1}:injected`, `${s2}:injected`].sort());

    // A second version naming the same specimens again is a correction, not a second injection;
    // a stale version is refused.
    expectError(await putSection(proc, 'injection', { doc: injection([s1, s2]), version: 0 }), 409, 'stale_version', 'version');
    r = await putSection(proc, 'injection', { doc: injection([s1, s2], { duration_minutes: 25 }), version: 1 });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.injection.version, 2);
    assert.equal(r.body.injection.doc.duration_minutes, 25);
    assert.ok((await audit('procedure.record', proc.id)).length >= 2);
  });

  it('completes only with the preparation, a passed check and the injection; then corrections need a reason', async () => {
    const { proc, appt } = await started();
    const complete = async (version) => c.nurse.post(`/api/v1/procedures/${proc.id}/complete`, { version });
    expectError(await complete(1), 409, 'incomplete', 'injection');
    const s = addSpecimen(proc);
    addCheck(proc, s);
    let r = await putSection(proc, 'injection', { doc: injection([s]), version: 0 });
    assert.equal(r.status, 200, show(r));
    expectError(await complete(r.body.version), 409, 'incomplete', 'preparation');
    r = await putSection(proc, 'preparation', { doc: preparation(), version: 0 });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/preparation', 'PUT', r);
    assert.equal(r.body.preparation.version, 1);
    assert.ok(r.body.preparation.doc.spins[0].rcf_g > 0, 'the force is computed from the radius');
    assert.equal(r.body.preparation.doc.centrifuge.id, cal.centrifuge.id);
    assert.equal(r.body.steps.preparation, true);
    expectError(await complete(r.body.version - 1), 409, 'stale_version', 'version');

    // The appointment cannot be closed behind the procedure's back.
    const cur = await c.reception.get(`/api/v1/appointments/${appt.id}`);
    expectError(await c.reception.post(`/api/v1/appointments/${appt.id}/status`, { status: 'done', version: cur.body.version }), 409, 'invalid_transition');

    r = await complete(r.body.version);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/complete', 'POST', r);
    assert.equal(r.body.status, 'completed');
    assert.equal(r.body.completed_by.username, c.nurse.username);
    assert.equal(r.body.appointment.status, 'done');
    expectError(await complete(r.body.version), 409, 'invalid_transition');
    expectError(await c.nurse.post(`/api/v1/procedures/${proc.id}/abandon`, { reason: 'Too late to abandon it now', version: r.body.version }), 409, 'invalid_transition');

    // A correction of a completed record needs its reason, and keeps it.
    expectError(await putSection(proc, 'preparation', { doc: preparation(), version: 1 }), 400, 'required', 'reason');
    r = await putSection(proc, 'preparation', { doc: { ...preparation(), final_volume_ml: 5 }, version: 1, reason: 'Final volume misread from the syringe' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.preparation.version, 2);
    assert.equal(r.body.preparation.reason, 'Final volume misread from the syringe');
    assert.equal((await audit('procedure.complete', proc.id)).length, 1);
  });

  it('abandons: active specimens are discarded with the reason and the appointment cancelled', async () => {
    const { proc, appt } = await started();
    const active = addSpecimen(proc);
    const done = addSpecimen(proc, { status: 'injected' });
    expectError(await c.nurse.post(`/api/v1/procedures/${proc.id}/abandon`, { version: 1 }), 400, 'required', 'reason');
    expectError(await c.nurse.post(`/api/v1/procedures/${proc.id}/abandon`, { reason: 'Vein collapsed at the draw', version: 7 }), 409, 'stale_version', 'version');
    const r = await c.nurse.post(`/api/v1/procedures/${proc.id}/abandon`, { reason: 'Vein collapsed at the draw', version: 1 });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/abandon', 'POST', r);
    assert.equal(r.body.status, 'abandoned');
    assert.equal(r.body.status_reason, 'Vein collapsed at the draw');
    assert.equal(r.body.appointment.status, 'cancelled');
    const status = Object.fromEntries(r.body.specimens.map((s) => [s.id, s.status]));
    assert.equal(status[active], 'discarded');
    assert.equal(status[done], 'injected');
    const note = sql(server.db, `SELECT note FROM specimen_events WHERE specimen_id = ${lit(active)} AND event = 'discarded';`).trim();
    assert.equal(note, 'Vein collapsed at the draw');
    const a = await c.reception.get(`/api/v1/appointments/${appt.id}`);
    assert.equal(a.body.status, 'cancelled');
    assert.equal(a.body.status_reason, 'Vein collapsed at the draw');
    expectError(await putSection(proc, 'injection', { doc: injection([active]), version: 0, reason: 'Recording after the fact' }), 409, 'invalid_transition');
    expectError(await c.nurse.post(`/api/v1/procedures/${proc.id}/aftercare`, { lang: 'en' }), 409, 'invalid_transition');
    assert.equal((await audit('procedure.abandon', proc.id)).length, 1);
  });

  it('records the aftercare sheet as given and prints it in English and Arabic', async () => {
    const { proc } = await started();
    expectError(await c.nurse.post(`/api/v1/procedures/${proc.id}/aftercare`, { lang: 'fr' }), 400, 'invalid_value', 'lang');
    let r = await c.nurse.post(`/api/v1/procedures/${proc.id}/aftercare`, { lang: 'en' });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/aftercare', 'POST', r);
    r = await c.doctor.post(`/api/v1/procedures/${proc.id}/aftercare`, { lang: 'ar' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.aftercare.lang, 'ar');
    assert.equal(r.body.aftercare.given_by.username, c.doctor.username);
    assert.equal(r.body.steps.aftercare, true);
    assert.equal((await audit('procedure.aftercare', proc.id)).length, 2);

    const dir = await mkdtemp(join(tmpdir(), 'autologa-aftercare-'));
    try {
      for (const [lang, want] of [
        ['en', ['Do not wash your hair for 24 hours.', 'Sample Testpatient', proc.patient.mrn]],
        ['ar', ['لا تغسل شعرك لمدة', 'سامي تجريبي', 'البلازما الغنية بالصفائح الدموية لفروة الرأس', proc.patient.mrn]],
      ]) {
        const res = await c.nurse.get(`/api/v1/procedures/${proc.id}/aftercare.pdf?lang=${lang}`, { binary: true });
        assert.equal(res.status, 200, show(res));
        assert.equal(res.headers.get('content-type'), 'application/pdf');
        const file = join(dir, `${lang}.pdf`);
        await writeFile(file, res.bytes);
        const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        assert.equal(text.status, 0, text.stderr);
        // pdftotext marks the direction of each run; the words are what the patient reads.
        const flat = text.stdout.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').replace(/\s+/g, ' ');
        for (const w of want) assert.ok(flat.includes(w), `${lang} sheet lacks "${w}":\n${text.stdout}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expectError(await c.nurse.get(`/api/v1/procedures/${proc.id}/aftercare.pdf?lang=fr`), 400, 'invalid_query', 'lang');
  });
});
