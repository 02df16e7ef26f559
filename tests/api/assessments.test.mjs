// Assessments: one per visit and complaint, versioned. Creation, reading, the list order,
// updates with change lists by field path, stale versions, unchanged saves, every validation
// error naming its field path, hidden patients, access by role, audit events, and that a refused
// request leaves nothing behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// A date `n` days from today (UTC).
function day(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

function hairBody(overrides = {}) {
  return {
    visit_date: day(-10),
    complaint: 'hair',
    hair: { norwood: 'III', zones: ['vertex'] },
    consent_to_risks: true,
    ...overrides,
  };
}

// The editable fields of an assessment plus its version: a valid PUT body.
function editable(a) {
  const { visit_date, complaint, hair, face, consent_to_risks, acute_illness, notes, version } = a;
  return { visit_date, complaint, hair, face, consent_to_risks, acute_illness, notes, version };
}

const HAIR_NULLS = {
  norwood: null, ludwig: null, sinclair: null, savin: null, salt: null, duration_months: null,
  hair_present_in_area: null, zones: null, factors: null,
};

describe('assessments', () => {
  let server;
  let c;
  let patient;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    patient = await createPatient(c.reception, { family_name: 'Assessed' });
  });
  after(async () => {
    await server?.cleanup();
  });

  async function create(client, pid, body) {
    const r = await client.post(`/api/v1/patients/${pid}/assessments`, body);
    assert.equal(r.status, 201, show(r));
    return r.body;
  }

  async function events(query) {
    const r = await c.admin.get(`/api/v1/audit?${query}&limit=200`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  // The event of `action` written by the request of response `r` (read events come in batches).
  function eventOf(r, action) {
    const rid = r.headers.get('x-request-id');
    return poll(async () => (await events(`action=${action}`)).find((e) => e.request_id === rid), 3000);
  }

  it('records a hair assessment: 201, version 1, every field present, null when empty', async () => {
    const body = {
      visit_date: day(-3),
      complaint: 'hair',
      hair: {
        norwood: 'III-vertex', ludwig: null, sinclair: 2, savin: 'I-2', salt: 12.5, duration_months: 18,
        hair_present_in_area: true, zones: ['vertex', 'frontal'], factors: ['genetics', 'stress'],
      },
      consent_to_risks: true,
      acute_illness: false,
      notes: '  Seen with her sister.  ',
    };
    const r = await c.doctor.post(`/api/v1/patients/${patient.id}/assessments`, body);
    assert.equal(r.status, 201, show(r));
    const a = r.body;
    assert.ok(Number.isInteger(a.id) && a.id > 0);
    assert.equal(a.patient_id, patient.id);
    assert.equal(a.version, 1);
    assert.deepEqual(a.hair, body.hair);
    assert.equal(a.face, null);
    assert.equal(a.notes, 'Seen with her sister.');
    assert.equal(a.visit_date, body.visit_date);
    assert.match(a.created_at, ISO_TIME);
    assert.equal(a.created_at, a.updated_at);
    assert.equal(a.created_by.username, c.doctor.username);
    assert.equal(a.created_by.id, c.doctor.user.id);
    assert.equal(typeof a.created_by.display_name, 'string');
    assert.deepEqual(a.updated_by, a.created_by);

    const got = await c.nurse.get(`/api/v1/assessments/${a.id}`);
    assert.equal(got.status, 200, show(got));
    assert.deepEqual(got.body, a);
  });

  it('records a face assessment; empty lists and text count as not assessed', async () => {
    const a = await create(c.nurse, patient.id, {
      visit_date: day(0),
      complaint: 'face',
      face: { indications: ['fine_lines', 'lips'], fitzpatrick: 'IV', glogau: 'II', high_risk_zone_planned: true },
      hair: null,
    });
    assert.deepEqual(a.face, { indications: ['fine_lines', 'lips'], fitzpatrick: 'IV', glogau: 'II', high_risk_zone_planned: true });
    assert.equal(a.hair, null);
    assert.equal(a.consent_to_risks, null);
    const b = await create(c.nurse, patient.id, { visit_date: day(-1), complaint: 'hair', hair: { zones: [], factors: null }, notes: '   ' });
    assert.deepEqual(b.hair, HAIR_NULLS);
    assert.equal(b.notes, null);
  });

  const INVALID = [
    [{ visit_date: undefined }, 'required', 'visit_date'],
    [{ visit_date: '2026-02-30' }, 'invalid_date', 'visit_date'],
    [{ visit_date: day(2) }, 'future_date', 'visit_date'],
    [{ complaint: undefined }, 'required', 'complaint'],
    [{ complaint: 'scalp' }, 'invalid_value', 'complaint'],
    [{ hair: undefined }, 'required', 'hair'],
    [{ hair: 'III' }, 'invalid_type', 'hair'],
    [{ complaint: 'face', face: undefined, hair: undefined }, 'required', 'face'],
    [{ complaint: 'face', face: {} }, 'not_allowed', 'hair'],
    [{ face: { glogau: 'I' } }, 'not_allowed', 'face'],
    [{ hair: { norwood: 'VIII' } }, 'invalid_value', 'hair.norwood'],
    [{ hair: { ludwig: 'IV' } }, 'invalid_value', 'hair.ludwig'],
    [{ hair: { savin: 'I-5' } }, 'invalid_value', 'hair.savin'],
    [{ hair: { sinclair: 0 } }, 'out_of_range', 'hair.sinclair'],
    [{ hair: { sinclair: 6 } }, 'out_of_range', 'hair.sinclair'],
    [{ hair: { sinclair: 2.5 } }, 'invalid_type', 'hair.sinclair'],
    [{ hair: { salt: -0.1 } }, 'out_of_range', 'hair.salt'],
    [{ hair: { salt: 100.1 } }, 'out_of_range', 'hair.salt'],
    [{ hair: { duration_months: 1201 } }, 'out_of_range', 'hair.duration_months'],
    [{ hair: { hair_present_in_area: 'yes' } }, 'invalid_type', 'hair.hair_present_in_area'],
    [{ hair: { zones: ['vertex', 'vertex'] } }, 'duplicate', 'hair.zones'],
    [{ hair: { zones: ['crown'] } }, 'invalid_value', 'hair.zones'],
    [{ hair: { factors: ['stress', 'stress'] } }, 'duplicate', 'hair.factors'],
    [{ hair: { colour: 'grey' } }, 'unknown_field', 'hair.colour'],
    [{ complaint: 'face', hair: null, face: { indications: ['lips', 'lips'] } }, 'duplicate', 'face.indications'],
    [{ complaint: 'face', hair: null, face: { fitzpatrick: 'VII' } }, 'invalid_value', 'face.fitzpatrick'],
    [{ complaint: 'face', hair: null, face: { glogau: 'V' } }, 'invalid_value', 'face.glogau'],
    [{ complaint: 'face', hair: null, face: { high_risk_zone_planned: 1 } }, 'invalid_type', 'face.high_risk_zone_planned'],
    [{ consent_to_risks: 'yes' }, 'invalid_type', 'consent_to_risks'],
    [{ acute_illness: 0 }, 'invalid_type', 'acute_illness'],
    [{ notes: 'x'.repeat(4001) }, 'too_long', 'notes'],
    [{ id: 4 }, 'unknown_field', 'id'],
    [{ version: 1 }, 'unknown_field', 'version'],
  ];

  it('refuses each invalid field with 400, its code and its path, and records nothing', async () => {
    const other = await createPatient(c.reception, { family_name: 'Refused' });
    const refused = [];
    for (const [change, code, field] of INVALID) {
      const body = hairBody(change);
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete body[k];
      const r = await c.doctor.post(`/api/v1/patients/${other.id}/assessments`, body);
      assert.equal(r.status, 400, `${JSON.stringify(change)}: ${show(r)}`);
      assert.equal(r.body.error.code, code, `${JSON.stringify(change)}: ${show(r)}`);
      assert.equal(r.body.error.field, field, `${JSON.stringify(change)}: ${show(r)}`);
      assert.match(r.body.error.message, new RegExp(field.replace(/[.[\]]/g, '\\$&')));
      refused.push(r.headers.get('x-request-id'));
    }
    const list = await c.doctor.get(`/api/v1/patients/${other.id}/assessments`);
    assert.deepEqual(list.body.items, []);
    const creates = await events('action=assessment.create');
    assert.ok(creates.length > 0, 'no assessment.create events at all');
    assert.ok(!creates.some((e) => refused.includes(e.request_id)), 'a refused request left an event');
  });

  it('updates: a new version, changes by field path, unchanged saves and stale versions', async () => {
    const a = await create(c.doctor, patient.id, hairBody({ visit_date: day(-20) }));
    const up = await c.nurse.put(`/api/v1/assessments/${a.id}`, {
      ...editable(a), hair: { ...a.hair, norwood: 'IV', zones: ['vertex', 'frontal'] }, acute_illness: true,
    });
    assert.equal(up.status, 200, show(up));
    assert.equal(up.body.version, 2);
    assert.equal(up.body.hair.norwood, 'IV');
    assert.equal(up.body.updated_by.username, c.nurse.username);
    assert.equal(up.body.created_by.username, c.doctor.username);
    assert.equal(up.body.created_at, a.created_at);
    assert.ok(up.body.updated_at >= a.updated_at);

    // The same form again: no new version.
    const same = await c.doctor.put(`/api/v1/assessments/${a.id}`, editable(up.body));
    assert.equal(same.status, 200, show(same));
    assert.deepEqual(same.body, up.body);

    // Someone who edited version 1 is told it is stale, and nothing changes.
    const stale = await c.doctor.put(`/api/v1/assessments/${a.id}`, { ...editable(a), notes: 'late' });
    assert.equal(stale.status, 409, show(stale));
    assert.equal(stale.body.error.code, 'stale_version');
    assert.equal(stale.body.error.field, 'version');

    // Fields left out become empty.
    const cleared = await c.doctor.put(`/api/v1/assessments/${a.id}`, {
      version: 2, visit_date: a.visit_date, complaint: 'hair', hair: { norwood: 'IV', zones: ['vertex', 'frontal'] },
    });
    assert.equal(cleared.status, 200, show(cleared));
    assert.equal(cleared.body.version, 3);
    assert.equal(cleared.body.consent_to_risks, null);
    assert.equal(cleared.body.acute_illness, null);

    const v = await c.nurse.get(`/api/v1/assessments/${a.id}/versions`);
    assert.equal(v.status, 200, show(v));
    assert.deepEqual(v.body.items.map((x) => x.version), [3, 2, 1]);
    assert.deepEqual(v.body.items[0].changes, {
      consent_to_risks: { from: true, to: null },
      acute_illness: { from: true, to: null },
    });
    assert.deepEqual(v.body.items[1].changes, {
      'hair.norwood': { from: 'III', to: 'IV' },
      'hair.zones': { from: ['vertex'], to: ['vertex', 'frontal'] },
      acute_illness: { from: null, to: true },
    });
    assert.deepEqual(v.body.items[2].changes, {
      visit_date: { from: null, to: a.visit_date },
      complaint: { from: null, to: 'hair' },
      'hair.norwood': { from: null, to: 'III' },
      'hair.zones': { from: null, to: ['vertex'] },
      consent_to_risks: { from: null, to: true },
    });
    assert.equal(v.body.items[1].user.username, c.nurse.username);
    assert.equal(v.body.items[2].user.username, c.doctor.username);
    for (const x of v.body.items) assert.match(x.at, ISO_TIME);
  });

  it('changing the complaint swaps the sections; an invalid update changes nothing', async () => {
    const a = await create(c.doctor, patient.id, hairBody({ visit_date: day(-15) }));
    const bad = await c.doctor.put(`/api/v1/assessments/${a.id}`, { ...editable(a), hair: { salt: 101 } });
    assert.equal(bad.status, 400, show(bad));
    assert.equal(bad.body.error.field, 'hair.salt');
    const still = await c.doctor.get(`/api/v1/assessments/${a.id}`);
    assert.deepEqual(still.body, a);
    const face = await c.doctor.put(`/api/v1/assessments/${a.id}`, { version: 1, visit_date: a.visit_date, complaint: 'face', face: { glogau: 'III' } });
    assert.equal(face.status, 200, show(face));
    assert.equal(face.body.hair, null);
    assert.equal(face.body.face.glogau, 'III');
    const v = await c.doctor.get(`/api/v1/assessments/${a.id}/versions`);
    assert.deepEqual(v.body.items[0].changes, {
      complaint: { from: 'hair', to: 'face' },
      'face.glogau': { from: null, to: 'III' },
      'hair.norwood': { from: 'III', to: null },
      'hair.zones': { from: ['vertex'], to: null },
      consent_to_risks: { from: true, to: null },
    });
  });

  it('lists a patient\'s assessments newest visit first, and no one else\'s', async () => {
    const p = await createPatient(c.reception, { family_name: 'Listed' });
    const other = await createPatient(c.reception, { family_name: 'Unlisted' });
    const a1 = await create(c.doctor, p.id, hairBody({ visit_date: day(-30) }));
    const a2 = await create(c.doctor, p.id, hairBody({ visit_date: day(-5) }));
    const a3 = await create(c.doctor, p.id, hairBody({ visit_date: day(-30) }));
    await create(c.doctor, other.id, hairBody({ visit_date: day(-1) }));
    const r = await c.nurse.get(`/api/v1/patients/${p.id}/assessments`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.body.items.map((x) => x.id), [a2.id, a3.id, a1.id]);
    assert.deepEqual(r.body.items[0], a2);
  });

  it('answers 404 for a patient or an assessment that does not exist or whose patient is deleted', async () => {
    const p = await createPatient(c.reception, { family_name: 'Deletedlater' });
    const a = await create(c.doctor, p.id, hairBody());
    const checks = async (pid, aid) => [
      await c.doctor.get(`/api/v1/patients/${pid}/assessments`),
      await c.doctor.post(`/api/v1/patients/${pid}/assessments`, hairBody()),
      await c.doctor.get(`/api/v1/assessments/${aid}`),
      await c.doctor.put(`/api/v1/assessments/${aid}`, { ...hairBody(), version: 1 }),
      await c.doctor.get(`/api/v1/assessments/${aid}/versions`),
    ];
    for (const r of [...await checks(999999, 999999), ...await checks('abc', '0')]) {
      assert.equal(r.status, 404, show(r));
      assert.equal(r.body.error.code, 'not_found');
    }
    const del = await c.admin.del(`/api/v1/patients/${p.id}`, { reason: 'Registered twice' });
    assert.equal(del.status, 204, show(del));
    for (const r of await checks(p.id, a.id)) {
      assert.equal(r.status, 404, show(r));
      assert.equal(r.body.error.code, 'not_found');
    }
  });

  it('is for doctors and nurses: reception and admins get 403, no session 401', async () => {
    const a = await create(c.nurse, patient.id, hairBody());
    const calls = (client) => [
      client.get(`/api/v1/patients/${patient.id}/assessments`),
      client.post(`/api/v1/patients/${patient.id}/assessments`, hairBody()),
      client.get(`/api/v1/assessments/${a.id}`),
      client.put(`/api/v1/assessments/${a.id}`, { ...editable(a), notes: 'changed' }),
      client.get(`/api/v1/assessments/${a.id}/versions`),
    ];
    for (const who of ['reception', 'admin']) {
      for (const r of await Promise.all(calls(c[who]))) {
        assert.equal(r.status, 403, `${who}: ${show(r)}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
    }
    for (const r of await Promise.all(calls(new Client(server.url)))) assert.equal(r.status, 401, show(r));
    const ok = await Promise.all(calls(c.doctor));
    assert.deepEqual(ok.map((r) => r.status), [200, 201, 200, 200, 200]);
    const unchanged = await c.doctor.get(`/api/v1/assessments/${a.id}`);
    assert.equal(unchanged.body.notes, 'changed', 'only the doctor\'s update went through');
    assert.equal(unchanged.body.version, 2);
  });

  it('leaves an audit event for every write and every read', async () => {
    const cr = await c.doctor.post(`/api/v1/patients/${patient.id}/assessments`, hairBody());
    assert.equal(cr.status, 201, show(cr));
    const id = cr.body.id;
    const up = await c.nurse.put(`/api/v1/assessments/${id}`, { ...editable(cr.body), notes: 'audited' });
    const rd = await c.nurse.get(`/api/v1/assessments/${id}`);
    const ls = await c.nurse.get(`/api/v1/patients/${patient.id}/assessments`);
    const vs = await c.nurse.get(`/api/v1/assessments/${id}/versions`);
    const expected = [
      [cr, 'assessment.create', c.doctor, 'assessment', id],
      [up, 'assessment.update', c.nurse, 'assessment', id],
      [rd, 'assessment.read', c.nurse, 'assessment', id],
      [ls, 'assessment.list', c.nurse, 'patient', patient.id],
      [vs, 'assessment.versions', c.nurse, 'assessment', id],
    ];
    for (const [r, action, who, entity, entityId] of expected) {
      assert.ok(r.status < 300, show(r));
      const e = await eventOf(r, action);
      assert.ok(e, `no ${action} event for the request`);
      assert.equal(e.username, who.username);
      assert.equal(e.entity, entity);
      assert.equal(e.entity_id, String(entityId));
    }
    // A refused write leaves no event.
    const bad = await c.doctor.post(`/api/v1/patients/${patient.id}/assessments`, hairBody({ hair: { sinclair: 9 } }));
    assert.equal(bad.status, 400);
    const stale = await c.doctor.put(`/api/v1/assessments/${id}`, { ...editable(cr.body), notes: 'stale' });
    assert.equal(stale.status, 409);
    const writes = [...await events('action=assessment.create'), ...await events('action=assessment.update')];
    for (const r of [bad, stale]) assert.ok(!writes.some((e) => e.request_id === r.headers.get('x-request-id')));
  });
});
