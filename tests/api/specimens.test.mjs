// Specimens and the identity check over HTTP: ids with a check digit, default labels, the chain
// of custody and its closed ends, the usable time (a server with specimen_hours = 1), labels and
// the wristband read back from the PDF (text and barcode), and the identity check at the chair:
// each failure is a 409 with its code, stored as a failed check and audited, and changes
// nothing else — no `checked` event, no specimen, no procedure touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createPatient, dammCheckDigit, dammValid, roleClients, show, startServer,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { insertAppointment, insertProcedure, sql } from '../lib/sqlfixture.mjs';

const H = 3600000;
const doc = repoOpenApi();
const iso = (ms) => new Date(ms).toISOString();

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

// What a PDF says and what its barcodes hold, as a person and a scanner read them.
async function readPdf(bytes) {
  const dir = await mkdtemp(join(tmpdir(), 'autologa-labels-'));
  try {
    const file = join(dir, 'x.pdf');
    await writeFile(file, bytes);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    assert.equal(info.status, 0, info.stderr);
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info.stdout)[1]);
    const png = spawnSync('pdftoppm', ['-r', '300', '-png', file, join(dir, 'page')], { encoding: 'utf8' });
    assert.equal(png.status, 0, png.stderr);
    const codes = [];
    for (let i = 1; i <= pages; i++) {
      const name = pages >= 10 ? `page-${String(i).padStart(2, '0')}.png` : `page-${i}.png`;
      const z = spawnSync('zbarimg', ['--raw', '-q', join(dir, name)], { encoding: 'utf8' });
      assert.equal(z.status, 0, `zbarimg found no barcode on page ${i}: ${z.stderr}`);
      codes.push(z.stdout.trim().split('\n'));
    }
    return { text: text.stdout, pages, codes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// A planned session two days ahead: a screening may be stored for it.
function sessionAt() {
  return new Date(Math.ceil((Date.now() + 2 * 86400000) / 3600000) * 3600000).toISOString();
}

// A valid MRN that no patient of a fresh test database has (their sequence starts at 1000001).
const NOBODY_MRN = `987654${dammCheckDigit('987654')}`;

describe('specimens and the identity check', () => {
  let server;
  let c;
  let alice;
  let bob;
  let procA; // alice's open PRP procedure
  let procA2; // another open procedure of alice
  let procB; // bob's
  // A procedure started at the chair through the API: a session checked in today (booked by
  // SQL), a screening signed to proceed (the recorded override of an incomplete result), the start.
  async function startProcedure(patient, treatment = 'prp-hair') {
    let r = await c.doctor.post(`/api/v1/patients/${patient.id}/screenings`, { treatment, session_at: sessionAt() });
    assert.equal(r.status, 201, show(r));
    const screeningId = r.body.id;
    r = await c.doctor.post(`/api/v1/screenings/${screeningId}/signoff`,
      { decision: 'proceed', reason: 'Results reviewed with the patient in clinic' });
    assert.equal(r.status, 200, show(r));
    const appointmentId = insertAppointment(server.db, { patientId: patient.id, startMs: Date.now(), minutes: 30, status: 'checked_in' });
    r = await c.nurse.post(`/api/v1/appointments/${appointmentId}/procedure`, { screening_id: screeningId, treatment });
    assert.equal(r.status, 201, show(r));
    return r.body.id;
  }

  // A procedure that is no longer open.
  async function abandonedProcedure(patient) {
    const id = await startProcedure(patient);
    const r = await c.nurse.post(`/api/v1/procedures/${id}/abandon`, { reason: 'Patient asked to stop before the draw', version: 1 });
    assert.equal(r.status, 200, show(r));
    return id;
  }

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    alice = await createPatient(c.admin, { given_name: 'Sample', family_name: 'Specimenpatient' });
    bob = await createPatient(c.admin, { given_name: 'Other', family_name: 'Specimenpatient', given_name_ar: 'رامي' });
    procA = await startProcedure(alice);
    procA2 = await startProcedure(alice, 'prp-face');
    procB = await startProcedure(bob);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function make(proc, body, status = 201, client = c.nurse) {
    const r = await client.post(`/api/v1/procedures/${proc}/specimens`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/procedures/{id}/specimens', 'POST', r);
    return r.body;
  }

  async function scan(proc, patientScan, specimenScan, client = c.nurse) {
    const r = await client.post(`/api/v1/procedures/${proc}/identity-checks`, {
      patient_scan: patientScan, specimen_scan: specimenScan,
    });
    fits('/api/v1/procedures/{id}/identity-checks', 'POST', r);
    return r;
  }

  async function auditEvents(query) {
    const r = await c.admin.get(`/api/v1/audit?${query}`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  // Everything a failed check must leave as it was: the specimens, their events, the procedures.
  function snapshot() {
    return sql(server.db, 'SELECT id, status, expires_at FROM specimens ORDER BY id;' +
      ' SELECT count(*) FROM specimen_events;' +
      ' SELECT id, status, version, updated_at FROM procedures ORDER BY id;');
  }
  const checkCount = () => Number(sql(server.db, 'SELECT count(*) FROM identity_checks').trim());

  it('makes drawn and prepared specimens with checked ids, default labels and a usable time', async () => {
    const before = Date.now();
    const tube = await make(procA, { kind: 'blood_tube', volume_ml: 9 });
    assert.match(tube.id, /^S[0-9]{7}$/);
    assert.ok(dammValid(tube.id.slice(1)), `${tube.id} has no valid check digit`);
    assert.equal(tube.label, 'Tube 1');
    assert.equal(tube.kind, 'blood_tube');
    assert.equal(tube.status, 'active');
    assert.equal(tube.volume_ml, 9);
    assert.equal(tube.parent_id, null);
    assert.equal(tube.procedure_id, procA);
    assert.deepEqual(tube.patient, {
      id: alice.id, mrn: alice.mrn, name: { en: 'Sample Specimenpatient', ar: 'سامي تجريبي' },
      date_of_birth: alice.date_of_birth,
    });
    const collected = Date.parse(tube.collected_at);
    assert.ok(collected >= before - 1000 && collected <= Date.now() + 1000);
    assert.equal(Date.parse(tube.expires_at) - collected, 3 * H, 'usable for the default 3 hours');
    assert.equal(tube.collected_local, tube.collected_at.slice(0, 16), 'the test clinic is in UTC');
    assert.equal(tube.expires_local, tube.expires_at.slice(0, 16));
    assert.equal(tube.expired, false);
    assert.deepEqual(tube.events.map((e) => [e.event, e.by.username, e.note]), [['drawn', c.nurse.username, null]]);

    const tube2 = await make(procA, { kind: 'blood_tube', collected_at: iso(Date.now() - 20 * 60000) });
    assert.equal(tube2.label, 'Tube 2');
    assert.notEqual(tube2.id, tube.id);
    assert.equal(tube2.events[0].at, tube2.collected_at, 'drawn when collected');

    // A product prepared from a tube keeps the time of the draw, and with it the expiry.
    const prp = await make(procA, { kind: 'prp', parent_id: tube2.id.toLowerCase(), volume_ml: 4 }, 201, c.doctor);
    assert.equal(prp.label, 'PRP syringe 1');
    assert.equal(prp.parent_id, tube2.id);
    assert.equal(prp.collected_at, tube2.collected_at);
    assert.equal(prp.expires_at, tube2.expires_at);
    assert.deepEqual(prp.events.map((e) => [e.event, e.by.username]), [['prepared', c.doctor.username]]);
    const named = await make(procA, { kind: 'prp', parent_id: tube.id, label: 'Syringe for the crown' });
    assert.equal(named.label, 'Syringe for the crown');

    const audit = await auditEvents(`action=specimen.create&entity_id=${prp.id}`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].entity, 'specimen');
  });

  it('refuses bad specimens naming the field, and writes nothing', async () => {
    const tube = await make(procA, { kind: 'blood_tube' });
    const other = await make(procB, { kind: 'blood_tube' });
    const prp = await make(procA, { kind: 'prp', parent_id: tube.id });
    const count = () => sql(server.db, 'SELECT count(*), (SELECT value FROM counters WHERE name = \'specimen\') FROM specimens');
    const was = count();
    for (const [body, status, code, field] of [
      [{}, 400, 'required', 'kind'],
      [{ kind: 'plasma' }, 400, 'invalid_value', 'kind'],
      [{ kind: 'blood_tube', colour: 'red' }, 400, 'unknown_field', 'colour'],
      [{ kind: 'blood_tube', volume_ml: 0 }, 400, 'out_of_range', 'volume_ml'],
      [{ kind: 'blood_tube', volume_ml: 501 }, 400, 'out_of_range', 'volume_ml'],
      [{ kind: 'blood_tube', volume_ml: '4' }, 400, 'invalid_type', 'volume_ml'],
      [{ kind: 'blood_tube', label: 'x'.repeat(61) }, 400, 'too_long', 'label'],
      [{ kind: 'blood_tube', collected_at: 'today' }, 400, 'invalid_date', 'collected_at'],
      [{ kind: 'blood_tube', collected_at: iso(Date.now() + 10 * 60000) }, 400, 'future_date', 'collected_at'],
      [{ kind: 'blood_tube', collected_at: iso(Date.now() - 2 * H) }, 400, 'out_of_range', 'collected_at'],
      [{ kind: 'blood_tube', parent_id: tube.id }, 400, 'invalid_value', 'parent_id'],
      [{ kind: 'prp' }, 400, 'required', 'parent_id'],
      [{ kind: 'prp', parent_id: other.id }, 400, 'invalid_value', 'parent_id'],
      [{ kind: 'prp', parent_id: prp.id }, 400, 'invalid_value', 'parent_id'],
      [{ kind: 'prp', parent_id: 'S1000012' }, 400, 'invalid_value', 'parent_id'],
      [{ kind: 'prp', parent_id: tube.id, collected_at: iso(Date.now()) }, 400, 'invalid_value', 'collected_at'],
      [{ kind: 'fat_aspirate' }, 409, 'wrong_treatment', 'kind'],
      [{ kind: 'fat_graft', parent_id: tube.id }, 409, 'wrong_treatment', 'kind'],
    ]) {
      const r = await make(procA, body, status);
      assert.equal(r.error.code, code, JSON.stringify(body));
      assert.equal(r.error.field, field, JSON.stringify(body));
    }
    assert.equal((await make(999999, { kind: 'blood_tube' }, 404)).error.code, 'not_found');
    assert.equal(count(), was, 'a refused specimen took a number or a row');

    // Nothing is prepared from a discarded tube, and nothing is made in a closed procedure.
    const gone = await make(procA, { kind: 'blood_tube' });
    let r = await c.nurse.post(`/api/v1/specimens/${gone.id}/events`, { event: 'discarded', note: 'Clotted tube' });
    assert.equal(r.status, 200, show(r));
    assert.equal((await make(procA, { kind: 'prp', parent_id: gone.id }, 409)).error.code, 'specimen_discarded');
    const closed = await abandonedProcedure(alice);
    r = await make(closed, { kind: 'blood_tube' }, 409);
    assert.equal(r.error.code, 'invalid_transition');
  });

  it('makes the fat products of a fat-derived cell treatment', async () => {
    const proc = await startProcedure(alice, 'adsc-hair');
    const fat = await make(proc, { kind: 'fat_aspirate', volume_ml: 60 });
    assert.equal(fat.label, 'Fat aspirate 1');
    const graft = await make(proc, { kind: 'fat_graft', parent_id: fat.id });
    assert.equal(graft.label, 'Fat graft syringe 1');
    assert.equal(graft.collected_at, fat.collected_at);
    const cells = await make(proc, { kind: 'cell_suspension', parent_id: fat.id });
    assert.equal(cells.label, 'Cell suspension 1');
    assert.equal((await make(proc, { kind: 'cell_suspension', parent_id: graft.id }, 400)).error.field, 'parent_id');
    assert.equal((await make(proc, { kind: 'blood_tube' }, 409)).error.code, 'wrong_treatment');
    assert.equal((await make(proc, { kind: 'prp', parent_id: fat.id }, 409)).error.code, 'wrong_treatment');
    const r = await scan(proc, alice.mrn, graft.id);
    assert.equal(r.status, 201, show(r));
  });

  it('lists and reads specimens with their chain of custody', async () => {
    const proc = await startProcedure(alice);
    const tube = await make(proc, { kind: 'blood_tube' });
    const prp = await make(proc, { kind: 'prp', parent_id: tube.id });
    let r = await c.doctor.get(`/api/v1/procedures/${proc}/specimens`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/specimens', 'GET', r);
    assert.deepEqual(r.body.specimens.map((s) => s.id), [tube.id, prp.id]);
    assert.equal((await c.doctor.get('/api/v1/procedures/999999/specimens')).status, 404);

    // Spun, then discarded: the chain closes and takes nothing more.
    r = await c.nurse.post(`/api/v1/specimens/${tube.id}/events`, { event: 'spun', note: '1500 rpm 10 min' });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/specimens/{id}/events', 'POST', r);
    assert.deepEqual(r.body.events.map((e) => [e.event, e.note]), [['drawn', null], ['spun', '1500 rpm 10 min']]);
    for (const [body, code, field] of [
      [{ event: 'discarded' }, 'required', 'note'],
      [{ event: 'discarded', note: 'no' }, 'too_short', 'note'],
      [{ event: 'injected' }, 'invalid_value', 'event'],
      [{ event: 'spun', by: 3 }, 'unknown_field', 'by'],
    ]) {
      r = await c.nurse.post(`/api/v1/specimens/${tube.id}/events`, body);
      assert.equal(r.status, 400, show(r));
      assert.deepEqual([r.body.error.code, r.body.error.field], [code, field], JSON.stringify(body));
    }
    r = await c.nurse.post(`/api/v1/specimens/${tube.id}/events`, { event: 'discarded', note: 'Tube dropped' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.status, 'discarded');
    r = await c.nurse.post(`/api/v1/specimens/${tube.id}/events`, { event: 'spun' });
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body.error.code, 'invalid_transition');
    assert.equal((await c.nurse.post('/api/v1/specimens/S1000012/events', { event: 'spun' })).status, 404);

    r = await c.nurse.get(`/api/v1/specimens/${tube.id}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/specimens/{id}', 'GET', r);
    assert.deepEqual(r.body.events.map((e) => e.event), ['drawn', 'spun', 'discarded']);
    assert.equal(r.body.events[2].note, 'Tube dropped');
    assert.equal((await c.nurse.get(`/api/v1/specimens/${tube.id.toLowerCase()}`)).body.id, tube.id);
    for (const bad of ['S1000012', 'S9999990', 'nothing', '1000015']) {
      r = await c.nurse.get(`/api/v1/specimens/${bad}`);
      assert.equal(r.status, 404, `${bad}: ${show(r)}`);
      assert.equal(r.body.error.code, 'not_found');
    }
    assert.ok((await auditEvents(`action=specimen.event&entity_id=${tube.id}`)).length >= 2);
    assert.ok((await auditEvents(`action=specimen.read&entity_id=${tube.id}`)).length >= 1);
    assert.ok((await auditEvents(`action=specimen.read&entity=procedure&entity_id=${proc}`)).length >= 1);
    // Reception and administrators do not see procedures.
    assert.equal((await c.reception.get(`/api/v1/specimens/${tube.id}`)).status, 403);
    assert.equal((await c.admin.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'blood_tube' })).status, 403);
  });

  it('passes the check of the right patient and product, and records it', async () => {
    const tube = await make(procA, { kind: 'blood_tube' });
    const prp = await make(procA, { kind: 'prp', parent_id: tube.id });
    // As a keyboard-wedge scanner types: an Enter at the end, caps lock off.
    const r = await scan(procA, `${alice.mrn}\r\n`, ` ${prp.id.toLowerCase()}\t`);
    assert.equal(r.status, 201, show(r));
    assert.equal(r.body.check.passed, true);
    assert.equal(r.body.check.failure, null);
    assert.equal(r.body.check.specimen_id, prp.id);
    assert.equal(r.body.check.patient_scan, alice.mrn);
    assert.equal(r.body.check.specimen_scan, prp.id.toLowerCase());
    assert.equal(r.body.check.by.username, c.nurse.username);
    assert.equal(r.body.check.local, r.body.check.at.slice(0, 16));
    assert.equal(r.body.specimen.id, prp.id);
    assert.deepEqual(r.body.specimen.events.map((e) => e.event), ['prepared', 'checked']);
    const list = await c.doctor.get(`/api/v1/procedures/${procA}/identity-checks`);
    assert.equal(list.status, 200, show(list));
    fits('/api/v1/procedures/{id}/identity-checks', 'GET', list);
    assert.equal(list.body.checks[0].id, r.body.check.id, 'newest first');
    const ids = list.body.checks.map((ch) => ch.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
    const audit = await auditEvents(`action=identity.check&entity_id=${procA}`);
    assert.ok(audit.length >= 1);
    assert.equal(audit[0].entity, 'procedure');
  });

  it('stops every mismatch with its code, keeps the failed check, and changes nothing else', async () => {
    const tube = await make(procA, { kind: 'blood_tube' });
    const prp = await make(procA, { kind: 'prp', parent_id: tube.id });
    const discarded = await make(procA, { kind: 'prp', parent_id: tube.id });
    let r = await c.nurse.post(`/api/v1/specimens/${discarded.id}/events`, { event: 'discarded', note: 'Contaminated' });
    assert.equal(r.status, 200, show(r));
    // Already injected: the injection record marks it so (here, as it would, by SQL).
    const used = await make(procA, { kind: 'prp', parent_id: tube.id });
    sql(server.db, `UPDATE specimens SET status = 'injected' WHERE id = '${used.id}';` +
      ` INSERT INTO specimen_events (specimen_id, event, at, by) VALUES ('${used.id}', 'injected', ${Date.now()}, 1);`);
    const bobTube = await make(procB, { kind: 'blood_tube' });
    const bobPrp = await make(procB, { kind: 'prp', parent_id: bobTube.id });
    const otherTube = await make(procA2, { kind: 'blood_tube' });
    const otherPrp = await make(procA2, { kind: 'prp', parent_id: otherTube.id });
    const missing = `S${'9999999'}${dammCheckDigit('9999999')}`;
    const badDigit = `${prp.id.slice(0, -1)}${(Number(prp.id.slice(-1)) + 1) % 10}`;

    const cases = [
      // The check keeps the specimen a scan names even when the patient scan failed first.
      ['an unreadable wristband', '1234', prp.id, 'patient_unknown', 'patient_scan', prp.id],
      ['an MRN of nobody', NOBODY_MRN, prp.id, 'patient_unknown', 'patient_scan', prp.id],
      ['the wrong patient', bob.mrn, prp.id, 'wrong_patient', 'patient_scan', prp.id],
      ['the wrong patient and another patient\'s tube', bob.mrn, bobPrp.id, 'wrong_patient', 'patient_scan', bobPrp.id],
      ['a misread label', alice.mrn, badDigit, 'specimen_unknown', 'specimen_scan', null],
      ['an unknown specimen', alice.mrn, missing, 'specimen_unknown', 'specimen_scan', null],
      ['the patient\'s wristband scanned twice', alice.mrn, alice.mrn, 'specimen_unknown', 'specimen_scan', null],
      ['another patient\'s tube', alice.mrn, bobPrp.id, 'specimen_other_patient', 'specimen_scan', bobPrp.id],
      ['another procedure\'s tube', alice.mrn, otherPrp.id, 'specimen_other_procedure', 'specimen_scan', otherPrp.id],
      ['a blood tube', alice.mrn, tube.id, 'specimen_not_injectable', 'specimen_scan', tube.id],
      ['a discarded syringe', alice.mrn, discarded.id, 'specimen_discarded', 'specimen_scan', discarded.id],
      ['a syringe injected already', alice.mrn, used.id, 'specimen_used', 'specimen_scan', used.id],
    ];
    for (const [what, patientScan, specimenScan, code, field, specimenId] of cases) {
      const was = snapshot();
      const checks = checkCount();
      const auditBefore = (await auditEvents(`action=identity.check_failed&entity_id=${procA}&limit=500`)).length;
      r = await scan(procA, patientScan, specimenScan);
      assert.equal(r.status, 409, `${what}: ${show(r)}`);
      assert.equal(r.body.error.code, code, what);
      assert.equal(r.body.error.field, field, what);
      assert.match(r.body.error.message, /^STOP — /, what);
      assert.equal(r.body.check.passed, false, what);
      assert.equal(r.body.check.failure, code, what);
      assert.equal(r.body.check.specimen_id, specimenId, what);
      assert.equal(r.body.check.patient_scan, patientScan, what);
      assert.equal(r.body.check.specimen_scan, specimenScan, what);
      // Stored as failed, audited, and nothing else changed: no `checked` event anywhere.
      assert.equal(checkCount(), checks + 1, what);
      const row = sql(server.db, `SELECT passed, failure FROM identity_checks WHERE id = ${r.body.check.id}`).trim();
      assert.equal(row, `0|${code}`, what);
      assert.equal(snapshot(), was, `${what}: a failed check changed a specimen, an event or a procedure`);
      const auditAfter = await auditEvents(`action=identity.check_failed&entity_id=${procA}&limit=500`);
      assert.equal(auditAfter.length, auditBefore + 1, what);
      assert.equal(auditAfter[0].username, c.nurse.username, what);
    }
    assert.match((await scan(procA, alice.mrn, bobPrp.id)).body.error.message, /another patient/);
    // None of these specimens was ever checked.
    for (const s of [prp, tube, discarded, used, bobPrp, otherPrp]) {
      const got = await c.nurse.get(`/api/v1/specimens/${s.id}`);
      assert.ok(!got.body.events.some((e) => e.event === 'checked'), `${s.id} has a checked event`);
    }
    const list = await c.nurse.get(`/api/v1/procedures/${procA}/identity-checks`);
    assert.equal(list.body.checks[0].passed, false);
    assert.equal(list.body.checks[0].failure, 'specimen_other_patient');
  });

  it('refuses checks of a closed or unknown procedure, and bad input, storing nothing', async () => {
    const closed = await abandonedProcedure(alice);
    const checks = checkCount();
    let r = await scan(closed, alice.mrn, 'S1000015');
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body.error.code, 'invalid_transition');
    assert.equal(r.body.check, undefined);
    r = await scan(999999, alice.mrn, 'S1000015');
    assert.equal(r.status, 404, show(r));
    for (const [body, field] of [
      [{ specimen_scan: 'S1000015' }, 'patient_scan'],
      [{ patient_scan: alice.mrn }, 'specimen_scan'],
      [{ patient_scan: '   ', specimen_scan: 'S1000015' }, 'patient_scan'],
      [{ patient_scan: alice.mrn, specimen_scan: 'S'.repeat(65) }, 'specimen_scan'],
    ]) {
      r = await c.nurse.post(`/api/v1/procedures/${procA}/identity-checks`, body);
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body.error.field, field);
    }
    assert.equal(checkCount(), checks);
    assert.equal((await c.reception.post(`/api/v1/procedures/${procA}/identity-checks`,
      { patient_scan: alice.mrn, specimen_scan: 'S1000015' })).status, 403);
  });

  it('prints labels whose text and barcode name the specimen, each print an event', async () => {
    const proc = await startProcedure(alice);
    const tube = await make(proc, { kind: 'blood_tube' });
    const prp = await make(proc, { kind: 'prp', parent_id: tube.id });
    const spare = await make(proc, { kind: 'blood_tube' });
    let r = await c.nurse.get(`/api/v1/specimens/${prp.id}/label.pdf`, { binary: true });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/specimens/{id}/label.pdf', 'GET', r);
    assert.equal(r.headers.get('content-type'), 'application/pdf');
    let pdf = await readPdf(r.bytes);
    assert.equal(pdf.pages, 1);
    for (const w of ['AUTOLOGOUS USE ONLY', prp.id, alice.mrn, 'Sample Specimenpatient', 'سامي تجريبي', alice.date_of_birth]) {
      assert.ok(pdf.text.includes(w), `${w} missing from the label: ${pdf.text}`);
    }
    assert.deepEqual(pdf.codes, [[prp.id]]);
    r = await c.nurse.get(`/api/v1/specimens/${prp.id}`);
    assert.deepEqual(r.body.events.map((e) => e.event), ['prepared', 'label_printed']);
    assert.equal((await auditEvents(`action=specimen.label&entity_id=${prp.id}`)).length, 1);

    // The procedure's labels: one page per specimen in use, in the order they were made.
    r = await c.nurse.post(`/api/v1/specimens/${spare.id}/events`, { event: 'discarded', note: 'Not needed' });
    assert.equal(r.status, 200, show(r));
    r = await c.doctor.get(`/api/v1/procedures/${proc}/labels.pdf`, { binary: true });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/procedures/{id}/labels.pdf', 'GET', r);
    pdf = await readPdf(r.bytes);
    assert.equal(pdf.pages, 2);
    assert.deepEqual(pdf.codes, [[tube.id], [prp.id]]);
    assert.ok(!pdf.text.includes(spare.id), 'a discarded specimen was labelled');
    r = await c.nurse.get(`/api/v1/specimens/${tube.id}`);
    assert.deepEqual(r.body.events.map((e) => e.event), ['drawn', 'label_printed']);

    r = await c.nurse.get(`/api/v1/specimens/${spare.id}/label.pdf`);
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body.error.code, 'invalid_transition');
    assert.equal((await c.nurse.get('/api/v1/specimens/S1000012/label.pdf')).status, 404);
    const empty = await startProcedure(bob);
    r = await c.nurse.get(`/api/v1/procedures/${empty}/labels.pdf`);
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body.error.code, 'no_specimens');
    assert.equal((await c.nurse.get('/api/v1/procedures/999999/labels.pdf')).status, 404);
  });

  it('prints the wristband with the MRN as its barcode', async () => {
    const r = await c.nurse.get(`/api/v1/patients/${alice.id}/wristband.pdf`, { binary: true });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/wristband.pdf', 'GET', r);
    const pdf = await readPdf(r.bytes);
    assert.equal(pdf.pages, 1);
    for (const w of [alice.mrn, 'Sample Specimenpatient', 'سامي تجريبي', alice.date_of_birth]) {
      assert.ok(pdf.text.includes(w), `${w} missing from the wristband: ${pdf.text}`);
    }
    assert.ok(pdf.codes[0].length >= 1);
    for (const code of pdf.codes[0]) assert.equal(code, alice.mrn);
    // What the wristband's barcode gives passes the check as the patient scan.
    const tube = await make(procA, { kind: 'blood_tube' });
    const prp = await make(procA, { kind: 'prp', parent_id: tube.id });
    assert.equal((await scan(procA, pdf.codes[0][0], prp.id)).status, 201);
    assert.ok((await auditEvents(`action=wristband.print&entity_id=${alice.id}`)).length >= 1);
    assert.equal((await c.nurse.get('/api/v1/patients/999999/wristband.pdf')).status, 404);
    assert.equal((await c.reception.get(`/api/v1/patients/${alice.id}/wristband.pdf`)).status, 403);
  });
});

describe('specimens past their usable time', () => {
  let server;
  let c;
  let patient;
  before(async () => {
    server = await startServer({ specimenHours: 1 });
    c = await roleClients(server);
    patient = await createPatient(c.admin, { family_name: 'Expirypatient' });
  });
  after(async () => {
    await server?.cleanup();
  });

  it('expires an hour after the draw with specimen_hours = 1, and the check refuses it', async () => {
    // A procedure started 90 minutes ago, which only the database can backdate.
    const proc = insertProcedure(server.db, { patientId: patient.id, startedMs: Date.now() - 90 * 60000 }).id;
    let r = await c.nurse.post(`/api/v1/procedures/${proc}/specimens`,
      { kind: 'blood_tube', collected_at: iso(Date.now() - 70 * 60000) });
    assert.equal(r.status, 201, show(r));
    const tube = r.body;
    assert.equal(Date.parse(tube.expires_at) - Date.parse(tube.collected_at), H);
    assert.equal(tube.expired, true);
    r = await c.nurse.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'prp', parent_id: tube.id });
    assert.equal(r.status, 201, show(r));
    const prp = r.body;
    assert.equal(prp.expires_at, tube.expires_at, 'the product keeps the time of the draw');
    assert.equal(prp.expired, true);

    const was = sql(server.db, 'SELECT count(*) FROM specimen_events; SELECT status FROM specimens ORDER BY id;');
    r = await c.nurse.post(`/api/v1/procedures/${proc}/identity-checks`, { patient_scan: patient.mrn, specimen_scan: prp.id });
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body.error.code, 'specimen_expired');
    assert.match(r.body.error.message, /^STOP — .*expired/);
    assert.equal(r.body.check.passed, false);
    assert.equal(r.body.check.failure, 'specimen_expired');
    assert.equal(sql(server.db, `SELECT passed FROM identity_checks WHERE id = ${r.body.check.id}`).trim(), '0');
    assert.equal(sql(server.db, 'SELECT count(*) FROM specimen_events; SELECT status FROM specimens ORDER BY id;'), was);
    const audit = await c.admin.get(`/api/v1/audit?action=identity.check_failed&entity_id=${proc}`);
    assert.equal(audit.body.items.length, 1);

    // A fresh draw is usable for the hour.
    r = await c.nurse.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'blood_tube' });
    assert.equal(r.body.expired, false);
    assert.equal(Date.parse(r.body.expires_at) - Date.parse(r.body.collected_at), H);
    r = await c.nurse.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'prp', parent_id: r.body.id });
    const fresh = r.body;
    r = await c.nurse.post(`/api/v1/procedures/${proc}/identity-checks`, { patient_scan: patient.mrn, specimen_scan: fresh.id });
    assert.equal(r.status, 201, show(r));
  });
});
