// Screening results over HTTP and on the command line: results computed from the medical history,
// assessments and lab results entered through their own endpoints, stored results with the data
// they came from, the doctor's sign-off, permissions, validation and audit events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PROTOCOLS, createPatient, dammCheckDigit, poll, roleClients, runCli, show, startServer,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const H = 3600000;
const D = 24 * H;
const doc = repoOpenApi();

const iso = (ms) => new Date(ms).toISOString();
const day = (ms) => iso(ms).slice(0, 10);
// A time as the command line prints it in UTC+4: "2026-12-01 09:00 +0400".
const plus4 = (ms) => `${iso(ms + 4 * H).slice(0, 16).replace('T', ' ')} +0400`;

const HAIR = {
  norwood: 'III-vertex', ludwig: null, sinclair: null, savin: null, salt: null, duration_months: 18,
  hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'],
};

// Saves the medical history over the current version; fields left out become empty.
async function putHistory(client, patientId, fields) {
  const cur = await client.get(`/api/v1/patients/${patientId}/medical-history`);
  assert.equal(cur.status, 200, show(cur));
  const r = await client.put(`/api/v1/patients/${patientId}/medical-history`, { version: cur.body.version, ...fields });
  assert.equal(r.status, 200, show(r));
  return r.body;
}

async function addAssessment(client, patientId, visitDate, complaint, fields) {
  const r = await client.post(`/api/v1/patients/${patientId}/assessments`, { visit_date: visitDate, complaint, ...fields });
  assert.equal(r.status, 201, show(r));
  return r.body.id;
}

async function addLab(client, patientId, l) {
  const body = { analyte: l.analyte, value: l.value, unit: l.unit, measured_at: iso(l.at) };
  if (l.low !== undefined) Object.assign(body, { reference_low: l.low, reference_high: l.high });
  const r = await client.post(`/api/v1/patients/${patientId}/labs`, body);
  assert.equal(r.status, 201, show(r));
  if (l.deleted) {
    const d = await client.del(`/api/v1/labs/${r.body.id}`, { reason: 'Entered for the wrong patient' });
    assert.equal(d.status, 204, show(d));
  }
  return r.body.id;
}

// A patient ready for PRP except for the medicine given, last taken 30 hours before the session.
async function prepare(client, patient, session, medicationClass) {
  await putHistory(client, patient.id, {
    medications: [{
      drug: null, name: 'painkiller', class: medicationClass, dose: '500 mg', started_on: null,
      ongoing: false, last_dose_at: iso(session - 30 * H),
    }],
    pregnant: false, breastfeeding: false, smoking: 'never',
  });
  const assessment = await addAssessment(client, patient.id, day(Date.now()), 'hair', {
    hair: HAIR, consent_to_risks: true, acute_illness: false,
  });
  const labs = [
    await addLab(client, patient.id, { analyte: 'platelets', value: 250, unit: '10^9/L', at: Date.now() - 10 * D }),
    await addLab(client, patient.id, { analyte: 'haemoglobin', value: 140, unit: 'g/L', at: Date.now() - 10 * D, low: 120, high: 160 }),
  ];
  return { assessment, labs };
}

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

const rules = (r) => r.reasons.map((x) => x.rule);

describe('screening', () => {
  let server;
  let c;
  // A whole hour less than a day ahead: a dose 30 hours before it has been taken already.
  const session = Math.ceil(Date.now() / H) * H + 20 * H;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function store(client, patient, body, status = 201) {
    const r = await client.post(`/api/v1/patients/${patient.id}/screenings`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/patients/{id}/screenings', 'POST', r);
    return r;
  }

  // Events about results name the result (entity screening); previews and lists the patient.
  async function auditEvents(query, entity = 'screening') {
    const r = await c.admin.get(`/api/v1/audit?entity=${entity}&${query}`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  it('previews every treatment of the catalogue, computed now and not stored', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Previewall' });
    const r = await c.nurse.get(`/api/v1/patients/${p.id}/screening?session_at=${iso(session)}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/screening', 'GET', r);
    const catalog = await c.nurse.get('/api/v1/catalog');
    assert.deepEqual(r.body.items.map((x) => x.treatment), catalog.body.treatments.map((t) => t.code));
    assert.equal(r.body.items.length, 3);
    for (const item of r.body.items) {
      assert.equal(item.patient_id, p.id);
      assert.equal(item.session_at, iso(session));
      assert.equal(item.outcome, 'incomplete', `${item.treatment}: nothing is recorded yet`);
      assert.equal(item.id, undefined);
      assert.equal(item.inputs, undefined);
      assert.equal(item.signoff, null);
      assert.deepEqual(item.computed_by, { id: c.nurse.user.id, username: c.nurse.username });
      assert.match(item.rules_sha256, /^[0-9a-f]{64}$/);
    }
    const one = await c.doctor.get(`/api/v1/patients/${p.id}/screening?session_at=${iso(session)}&treatment=prp-face`);
    assert.equal(one.status, 200, show(one));
    assert.deepEqual(one.body.items.map((x) => x.treatment), ['prp-face']);
    const list = await c.doctor.get(`/api/v1/patients/${p.id}/screenings`);
    assert.deepEqual(list.body.items, [], 'a preview stored something');
    const ev = await auditEvents(`action=screening.preview&entity_id=${p.id}`, 'patient');
    assert.equal(ev.length, 2, JSON.stringify(ev));
    assert.equal(ev[1].username, c.nurse.username);
  });

  it('a result without a platelet count is incomplete and names "platelet count from the last 90 days"', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Noplatelets' });
    const r = await c.doctor.get(`/api/v1/patients/${p.id}/screening?session_at=${iso(session)}&treatment=prp-hair`);
    assert.equal(r.status, 200, show(r));
    const [res] = r.body.items;
    assert.equal(res.outcome, 'incomplete');
    const plt = res.missing.find((m) => m.code === 'platelets');
    assert.ok(plt, JSON.stringify(res.missing));
    assert.equal(plt.kind, 'lab');
    assert.equal(plt.required, true);
    assert.equal(plt.max_age_days, 90);
    assert.equal(plt.label.en, 'platelet count from the last 90 days');
    assert.ok(plt.label.ar.length > 0);
    assert.ok(plt.rules.includes('PRP-REL-2'));
  });

  it('rejects a preview without a session time, with an unknown treatment, or of an unknown patient', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Previewbad' });
    for (const [query, field] of [['', 'session_at'], ['session_at=tomorrow', 'session_at'],
      [`session_at=${iso(session)}&treatment=prp-nose`, 'treatment']]) {
      const r = await c.doctor.get(`/api/v1/patients/${p.id}/screening?${query}`);
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body.error.code, 'invalid_query');
      assert.equal(r.body.error.field, field);
      fits('/api/v1/patients/{id}/screening', 'GET', r);
    }
    const r = await c.doctor.get(`/api/v1/patients/999999/screening?session_at=${iso(session)}`);
    assert.equal(r.status, 404, show(r));
    assert.equal(r.body.error.code, 'not_found');
  });

  it('naproxen 30 hours before the session defers PRP until 48 hours after the dose; a COX-2 drug does not', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Naproxen' });
    const seeded = await prepare(c.doctor, p, session, 'nsaid_nonselective');
    const r = await store(c.nurse, p, { treatment: 'prp-hair', session_at: iso(session) });
    const res = r.body;
    assert.equal(res.outcome, 'defer', JSON.stringify(res.reasons.map((x) => x.rule)));
    assert.equal(res.until, iso(session - 30 * H + 48 * H));
    assert.ok(rules(res).includes('PRP-REL-3') && rules(res).includes('PRP-DRUG-2'), rules(res).join());
    const rel3 = res.reasons.find((x) => x.rule === 'PRP-REL-3');
    assert.equal(rel3.effect, 'defer');
    assert.equal(rel3.matched.code, 'nsaid_nonselective');
    assert.equal(rel3.matched.at, iso(session - 30 * H));
    assert.ok(res.id > 0);
    assert.deepEqual(res.computed_by, { id: c.nurse.user.id, username: c.nurse.username });
    assert.equal(res.signoff, null);
    // the inputs name what it was computed from
    assert.equal(res.inputs.medical_history_version, 1);
    assert.deepEqual(res.inputs.assessment, { id: seeded.assessment, version: 1, visit_date: day(Date.now()) });
    assert.deepEqual(res.inputs.labs.map((l) => l.id).sort(), [...seeded.labs].sort());
    const hb = res.inputs.labs.find((l) => l.analyte === 'haemoglobin');
    assert.equal(hb.value, 140);
    assert.equal(hb.unit, 'g/L');
    const engine = res.inputs.engine_input;
    assert.equal(engine.treatment, 'prp-hair');
    assert.deepEqual(engine.medications, [{ class: 'nsaid_nonselective', ongoing: false, last_dose_at: iso(session - 30 * H) }]);
    const ehb = engine.labs.find((l) => l.analyte === 'haemoglobin');
    assert.deepEqual([ehb.value, ehb.unit, ehb.reference_low, ehb.reference_high], [14, 'g/dL', 12, 16]);
    assert.deepEqual(engine.findings.find((f) => f.code === 'consent'), { code: 'consent', type: 'boolean', value: true });

    const q = await createPatient(c.doctor, { family_name: 'Celecoxib' });
    await prepare(c.doctor, q, session, 'nsaid_cox2');
    const r2 = await store(c.doctor, q, { treatment: 'prp-hair', session_at: iso(session) });
    assert.equal(r2.body.outcome, 'eligible', rules(r2.body).join());
    assert.equal(r2.body.until, null);
  });

  it('keeps the inputs of a stored result when the history changes later', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Laterchange' });
    await prepare(c.doctor, p, session, 'nsaid_cox2');
    const first = (await store(c.doctor, p, { treatment: 'adsc-hair', session_at: iso(session) })).body;
    await putHistory(c.nurse, p.id, { smoking: 'current', height_cm: 160, weight_kg: 106 });
    const again = await c.nurse.get(`/api/v1/screenings/${first.id}`);
    assert.equal(again.status, 200, show(again));
    fits('/api/v1/screenings/{id}', 'GET', again);
    assert.deepEqual(again.body, first);
    const second = (await store(c.doctor, p, { treatment: 'adsc-hair', session_at: iso(session) })).body;
    assert.equal(second.inputs.medical_history_version, 2);
    assert.ok(rules(second).includes('PRP-REL-6') && rules(second).includes('ADSC-1'), rules(second).join());
    assert.ok(!rules(first).includes('PRP-REL-6'));
    const ev = await auditEvents(`action=screening.read&entity_id=${first.id}`);
    assert.equal(ev.length, 1);
  });

  it('reads a lab in g/L as g/dL, and leaves out deleted results and analytes the rules do not read', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Labunits' });
    const hb = await addLab(c.nurse, p.id, { analyte: 'haemoglobin', value: 95, unit: 'g/l', at: Date.now() - 5 * D });
    await addLab(c.nurse, p.id, { analyte: 'platelets', value: 40, unit: 'K/uL', at: Date.now() - 4 * D, deleted: true });
    await addLab(c.nurse, p.id, { analyte: 'lymphocytes', value: 2, unit: '10^9/L', at: Date.now() - 4 * D });
    const res = (await store(c.doctor, p, { treatment: 'prp-face', session_at: iso(session) })).body;
    const rel1 = res.reasons.find((x) => x.rule === 'PRP-REL-1');
    assert.ok(rel1, rules(res).join());
    assert.equal(rel1.matched.value, 9.5);
    assert.equal(rel1.matched.unit, 'g/dL');
    assert.deepEqual(res.inputs.labs.map((l) => l.id), [hb]);
    assert.ok(res.missing.some((m) => m.code === 'platelets'), 'the deleted platelet count was used');
  });

  it('refuses a bad new result whole, naming the field', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Badcreate' });
    const createdBefore = (await auditEvents('action=screening.create&limit=500')).length;
    const cases = [
      [{ session_at: iso(session) }, 'required', 'treatment'],
      [{ treatment: 'prp-nose', session_at: iso(session) }, 'invalid_value', 'treatment'],
      [{ treatment: 'prp-hair' }, 'required', 'session_at'],
      [{ treatment: 'prp-hair', session_at: 'soon' }, 'invalid_date', 'session_at'],
      [{ treatment: 'prp-hair', session_at: iso(Date.now() - 25 * H) }, 'out_of_range', 'session_at'],
      [{ treatment: 'prp-hair', session_at: iso(session), outcome: 'eligible' }, 'unknown_field', 'outcome'],
    ];
    for (const [body, code, field] of cases) {
      const r = await store(c.doctor, p, body, 400);
      assert.equal(r.body.error.code, code, show(r));
      assert.equal(r.body.error.field, field, show(r));
    }
    const list = await c.doctor.get(`/api/v1/patients/${p.id}/screenings`);
    assert.deepEqual(list.body.items, []);
    assert.equal((await auditEvents('action=screening.create&limit=500')).length, createdBefore);
    // a session earlier today may still be recorded
    await store(c.doctor, p, { treatment: 'prp-hair', session_at: iso(Date.now() - 23 * H) });
    const gone = await c.doctor.post('/api/v1/patients/999999/screenings', { treatment: 'prp-hair', session_at: iso(session) });
    assert.equal(gone.status, 404, show(gone));
  });

  it('lists stored results newest first, by treatment, without inputs', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Listing' });
    const a = (await store(c.doctor, p, { treatment: 'prp-hair', session_at: iso(session) })).body;
    const b = (await store(c.doctor, p, { treatment: 'prp-face', session_at: iso(session) })).body;
    const d = (await store(c.nurse, p, { treatment: 'prp-hair', session_at: iso(session + D) })).body;
    const r = await c.nurse.get(`/api/v1/patients/${p.id}/screenings`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/screenings', 'GET', r);
    assert.deepEqual(r.body.items.map((x) => x.id), [d.id, b.id, a.id]);
    assert.ok(r.body.items.every((x) => x.inputs === undefined && x.signoff === null));
    const hair = await c.nurse.get(`/api/v1/patients/${p.id}/screenings?treatment=prp-hair&limit=1`);
    assert.deepEqual(hair.body.items.map((x) => x.id), [d.id]);
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'treatment=PRP%20hair']) {
      const bad = await c.nurse.get(`/api/v1/patients/${p.id}/screenings?${q}`);
      assert.equal(bad.status, 400, `${q}: ${show(bad)}`);
      assert.equal(bad.body.error.code, 'invalid_query');
    }
    const ev = await auditEvents(`action=screening.list&entity_id=${p.id}`, 'patient');
    assert.ok(ev.length >= 2);
  });

  it('a doctor signs a result once; overriding needs a reason of 10 characters; a nurse may not sign', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Signoff' });
    const res = (await store(c.nurse, p, { treatment: 'prp-hair', session_at: iso(session) })).body;
    assert.equal(res.outcome, 'incomplete');
    const path = `/api/v1/screenings/${res.id}/signoff`;
    const nurse = await c.nurse.post(path, { decision: 'proceed', reason: 'The patient insists on it.' });
    assert.equal(nurse.status, 403, show(nurse));
    assert.equal(nurse.body.error.code, 'forbidden');
    const cases = [
      [{ decision: 'proceed' }, 'required', 'reason'],
      [{ decision: 'proceed', reason: null }, 'required', 'reason'],
      [{ decision: 'proceed', reason: 'too short' }, 'too_short', 'reason'],
      [{ decision: 'proceed', reason: 'x'.repeat(2001) }, 'too_long', 'reason'],
      [{ decision: 'go' }, 'invalid_value', 'decision'],
      [{ reason: 'Checked by telephone.' }, 'required', 'decision'],
      [{ decision: 'proceed', reason: 'Checked by telephone.', override: false }, 'unknown_field', 'override'],
    ];
    for (const [body, code, field] of cases) {
      const r = await c.doctor.post(path, body);
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body.error.code, code, show(r));
      assert.equal(r.body.error.field, field, show(r));
      fits('/api/v1/screenings/{id}/signoff', 'POST', r);
    }
    assert.equal((await c.doctor.get(`/api/v1/screenings/${res.id}`)).body.signoff, null);
    const reason = 'Platelet count checked by telephone with the laboratory.';
    const ok = await c.doctor.post(path, { decision: 'proceed', reason });
    assert.equal(ok.status, 200, show(ok));
    fits('/api/v1/screenings/{id}/signoff', 'POST', ok);
    const so = ok.body.signoff;
    assert.equal(so.decision, 'proceed');
    assert.equal(so.override, true);
    assert.equal(so.reason, reason);
    assert.equal(so.signed_by.id, c.doctor.user.id);
    assert.equal(so.signed_by.username, c.doctor.username);
    assert.equal(so.signed_by.display_name, c.doctor.user.display_name);
    assert.ok(Math.abs(Date.parse(so.signed_at) - Date.now()) < 60000);
    assert.deepEqual(ok.body.inputs, res.inputs);
    const twice = await c.doctor.post(path, { decision: 'do_not_proceed' });
    assert.equal(twice.status, 409, show(twice));
    assert.equal(twice.body.error.code, 'already_signed');
    fits('/api/v1/screenings/{id}/signoff', 'POST', twice);
    const list = await c.doctor.get(`/api/v1/patients/${p.id}/screenings`);
    assert.deepEqual(list.body.items[0].signoff, so);

    // not going ahead needs no reason, nor does going ahead on an eligible result
    const res2 = (await store(c.doctor, p, { treatment: 'prp-face', session_at: iso(session) })).body;
    const no = await c.doctor.post(`/api/v1/screenings/${res2.id}/signoff`, { decision: 'do_not_proceed' });
    assert.equal(no.status, 200, show(no));
    assert.equal(no.body.signoff.override, false);
    assert.equal(no.body.signoff.reason, null);
    const q = await createPatient(c.doctor, { family_name: 'Eligible' });
    await prepare(c.doctor, q, session, 'nsaid_cox2');
    const res3 = (await store(c.doctor, q, { treatment: 'prp-hair', session_at: iso(session) })).body;
    assert.equal(res3.outcome, 'eligible');
    const yes = await c.doctor.post(`/api/v1/screenings/${res3.id}/signoff`, { decision: 'proceed' });
    assert.equal(yes.status, 200, show(yes));
    assert.equal(yes.body.signoff.override, false);

    const missing = await c.doctor.post('/api/v1/screenings/999999/signoff', { decision: 'proceed' });
    assert.equal(missing.status, 404, show(missing));
    const ev = await auditEvents(`action=screening.signoff&entity_id=${res.id}`);
    assert.equal(ev.length, 1);
    assert.equal(ev[0].username, c.doctor.username);
    const created = await auditEvents(`action=screening.create&entity_id=${res.id}`);
    assert.equal(created.length, 1);
    assert.equal(created[0].username, c.nurse.username);
  });

  it('autologa screen prints the result of a patient at a local date and time, and logs the look-up', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Commandline' });
    // The machine's zone is UTC+4: the session written as local time.
    await prepare(c.doctor, p, session, 'nsaid_nonselective');
    const local = iso(session + 4 * H).slice(0, 16);
    const args = ['screen', '--db', server.db, '--patient', p.mrn, '--treatment', 'prp-hair', '--protocols', PROTOCOLS];
    const env = { TZ: '<+04>-4' };
    const json = runCli([...args, '--date', local, '--json'], env);
    assert.equal(json.status, 0, json.stderr);
    const res = JSON.parse(json.stdout);
    assert.equal(res.session_at, iso(session));
    assert.equal(res.outcome, 'defer');
    assert.equal(res.until, iso(session + 18 * H));
    assert.equal(res.patient_id, p.id);
    assert.equal(res.computed_by, null);
    assert.equal(res.id, undefined);
    // the same as the API's preview
    const api = await c.doctor.get(`/api/v1/patients/${p.id}/screening?session_at=${iso(session)}&treatment=prp-hair`);
    const { computed_at: a1, computed_by: b1, ...fromApi } = api.body.items[0];
    const { computed_at: a2, computed_by: b2, ...fromCli } = res;
    assert.deepEqual(fromCli, fromApi);

    const plain = runCli([...args, '--date', local], env);
    assert.equal(plain.status, 0, plain.stderr);
    const out = plain.stdout;
    assert.match(out, /PRP for the scalp \(prp-hair\)/);
    assert.ok(out.includes(`Session:  ${plus4(session)}\n`), out);
    assert.ok(out.includes(`Outcome:  defer until ${plus4(session + 18 * H)}\n`), out);
    assert.match(out, /PRP-REL-3 +defer, evidence tier E/);
    assert.match(out, /Regular NSAID use: defer until 48 h after the last dose/);
    assert.match(out, /source: ICMS PRP guideline draft/);
    assert.match(out, /TSH from the last 90 days \(optional; rule HAIR-WU-3\)/);
    assert.equal(plain.stderr, '');

    // a date alone is midnight local time
    const midnight = runCli([...args, '--date', local.slice(0, 10), '--json'], env);
    assert.equal(midnight.status, 0, midnight.stderr);
    assert.equal(JSON.parse(midnight.stdout).session_at, iso(Date.parse(`${local.slice(0, 10)}T00:00:00Z`) - 4 * H));

    const ev = await poll(async () => {
      const e = await auditEvents(`action=screening.preview&entity_id=${p.id}&user=cli`, 'patient');
      return e.length >= 3 ? e : null;
    });
    assert.ok(ev, 'the command line left no audit events');
    assert.equal(ev.length, 3);
    const verify = await c.admin.get('/api/v1/audit/verify');
    assert.equal(verify.body.ok, true, 'the audit chain broke with two writers');
  });

  it('autologa screen refuses a wrong MRN, an unknown treatment and a bad date', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Cliwrong' });
    const base = ['screen', '--db', server.db, '--protocols', PROTOCOLS];
    // a valid MRN that no patient has
    const nobody = `9999999${dammCheckDigit('9999999')}`;
    const unused = runCli([...base, '--patient', nobody, '--treatment', 'prp-hair', '--date', '2026-12-01']);
    assert.equal(unused.status, 1, unused.stderr);
    assert.match(unused.stderr, new RegExp(`no patient with MRN ${nobody}`));
    assert.equal(unused.stdout, '');
    const typo = runCli([...base, '--patient', `${p.mrn.slice(0, -1)}${(Number(p.mrn.at(-1)) + 1) % 10}`, '--treatment', 'prp-hair', '--date', '2026-12-01']);
    assert.equal(typo.status, 2, typo.stderr);
    assert.match(typo.stderr, /MRN/);
    const treatment = runCli([...base, '--patient', p.mrn, '--treatment', 'prp-nose', '--date', '2026-12-01']);
    assert.equal(treatment.status, 2, treatment.stderr);
    assert.match(treatment.stderr, /unknown treatment 'prp-nose'; the rules know: prp-hair, prp-face, adsc-hair/);
    for (const date of ['2026-02-30', '2026-12-01T25:00', '1 December', '2026-12-01 09:00']) {
      const r = runCli([...base, '--patient', p.mrn, '--treatment', 'prp-hair', '--date', date]);
      assert.equal(r.status, 2, `${date}: ${r.stderr}`);
      assert.match(r.stderr, /--date/);
    }
    const missing = runCli(['screen', '--db', server.db, '--patient', p.mrn]);
    assert.equal(missing.status, 2);
    const help = runCli(['screen', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: autologa screen --db PATH --patient MRN --treatment CODE/);
    const nodb = runCli(['screen', '--db', `${server.dir}/none.db`, '--patient', p.mrn, '--treatment', 'prp-hair', '--date', '2026-12-01', '--protocols', PROTOCOLS]);
    assert.equal(nodb.status, 3, nodb.stderr);
  });
});
