// The medical history (one per patient, versioned) and the drug search: the empty history
// before the first save, saving with the computed BMI, unchanged saves, stale versions, change
// lists by field path, every validation error naming its path, hidden patients, access by
// role, audit events, and search by generic and brand name in English and Arabic.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function day(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}
function hoursAgo(h) {
  return new Date(Date.now() - h * 3600000).toISOString();
}

const EMPTY = {
  conditions: [], other_conditions: null, medications: [], allergies: [], pregnant: null,
  breastfeeding: null, smoking: null, height_cm: null, weight_kg: null, bmi: null,
  scalp_procedure: null, updated_at: null, updated_by: null,
};

function naproxen(overrides = {}) {
  return {
    drug: 'naproxen', name: 'Naprosyn 500', class: 'nsaid_nonselective', dose: '500 mg twice daily',
    started_on: day(-40), ongoing: false, last_dose_at: hoursAgo(30), ...overrides,
  };
}

function fullBody(version) {
  return {
    version,
    conditions: [{ code: 'diabetes', active: true, note: null }, { code: 'hypertension', active: false, note: 'resolved' }],
    other_conditions: 'Migraine',
    medications: [naproxen()],
    allergies: [{ substance: 'penicillin', reaction: 'rash' }],
    pregnant: false,
    breastfeeding: false,
    smoking: 'never',
    height_cm: 172,
    weight_kg: 80.5,
    scalp_procedure: { had: true, on: day(-200), what: 'hair transplant (FUE)' },
  };
}

// The editable fields of a history plus its version: a valid PUT body.
function editable(h) {
  const { patient_id, bmi, updated_at, updated_by, ...rest } = h;
  assert.ok(patient_id && updated_at !== undefined && updated_by !== undefined && bmi !== undefined);
  return rest;
}

describe('medical history', () => {
  let server;
  let c;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  const path = (pid) => `/api/v1/patients/${pid}/medical-history`;

  async function events(query) {
    const r = await c.admin.get(`/api/v1/audit?${query}&limit=200`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }
  function eventOf(r, action) {
    const rid = r.headers.get('x-request-id');
    return poll(async () => (await events(`action=${action}`)).find((e) => e.request_id === rid), 3000);
  }

  it('is version 0 with every field empty before the first save', async () => {
    const p = await createPatient(c.reception, { family_name: 'Nohistory' });
    const r = await c.nurse.get(path(p.id));
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.body, { patient_id: p.id, version: 0, ...EMPTY });
    // Saving nothing is no save.
    const s = await c.nurse.put(path(p.id), { version: 0, conditions: [], medications: null });
    assert.equal(s.status, 200, show(s));
    assert.equal(s.body.version, 0);
    const v = await c.nurse.get(`${path(p.id)}/versions`);
    assert.deepEqual(v.body, { items: [] });
  });

  it('saves, computes the BMI, keeps unchanged saves and refuses stale versions', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historysaved' });
    const body = fullBody(0);
    const r = await c.doctor.put(path(p.id), body);
    assert.equal(r.status, 200, show(r));
    const h = r.body;
    assert.equal(h.patient_id, p.id);
    assert.equal(h.version, 1);
    assert.equal(h.bmi, 27.2);
    assert.match(r.text, /"bmi":27\.2[,}]/, 'the BMI is written as 27.2');
    const { version, ...fields } = body;
    assert.equal(version, 0);
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'medications') continue;
      assert.deepEqual(h[k], v, k);
    }
    assert.deepEqual(h.medications, [{ ...naproxen(), last_dose_at: body.medications[0].last_dose_at }]);
    assert.match(h.medications[0].last_dose_at, ISO_TIME);
    assert.equal(h.updated_by.username, c.doctor.username);
    assert.match(h.updated_at, ISO_TIME);
    assert.deepEqual((await c.nurse.get(path(p.id))).body, h);

    const same = await c.nurse.put(path(p.id), editable(h));
    assert.equal(same.status, 200, show(same));
    assert.deepEqual(same.body, h, 'an unchanged save is not a new version');

    const stale = await c.nurse.put(path(p.id), { ...editable(h), version: 0, smoking: 'current' });
    assert.equal(stale.status, 409, show(stale));
    assert.equal(stale.body.error.code, 'stale_version');
    assert.equal(stale.body.error.field, 'version');
    assert.equal((await c.nurse.get(path(p.id))).body.smoking, 'never');
  });

  it('lists versions newest first with changes keyed by field path', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historyversions' });
    const v1 = await c.doctor.put(path(p.id), { version: 0, height_cm: 180, weight_kg: 81, conditions: [{ code: 'diabetes', active: true }] });
    assert.equal(v1.status, 200, show(v1));
    const v2 = await c.nurse.put(path(p.id), {
      ...editable(v1.body), version: 1, pregnant: false, medications: [naproxen({ ongoing: true, last_dose_at: null })],
      scalp_procedure: { had: true, on: day(-100) },
    });
    assert.equal(v2.status, 200, show(v2));
    assert.equal(v2.body.version, 2);
    const v3 = await c.nurse.put(path(p.id), { ...editable(v2.body), scalp_procedure: { had: true, on: day(-90) }, weight_kg: 90 });
    assert.equal(v3.body.version, 3, show(v3));

    const r = await c.doctor.get(`${path(p.id)}/versions`);
    assert.equal(r.status, 200, show(r));
    const items = r.body.items;
    assert.deepEqual(items.map((x) => x.version), [3, 2, 1]);
    assert.deepEqual(items[0].changes, {
      weight_kg: { from: 81, to: 90 },
      bmi: { from: 25, to: 27.8 },
      'scalp_procedure.on': { from: day(-100), to: day(-90) },
    });
    assert.deepEqual(items[1].changes, {
      medications: { from: [], to: v2.body.medications },
      pregnant: { from: null, to: false },
      'scalp_procedure.had': { from: null, to: true },
      'scalp_procedure.on': { from: null, to: day(-100) },
    });
    assert.deepEqual(items[2].changes, {
      conditions: { from: null, to: [{ code: 'diabetes', active: true, note: null }] },
      height_cm: { from: null, to: 180 },
      weight_kg: { from: null, to: 81 },
      bmi: { from: null, to: 25 },
    });
    assert.equal(items[2].user.username, c.doctor.username);
    assert.equal(items[1].user.username, c.nurse.username);
    for (const x of items) assert.match(x.at, ISO_TIME);
  });

  const INVALID = [
    [{ bmi: 27.2 }, 'not_allowed', 'bmi'],
    [{ version: undefined }, 'required', 'version'],
    [{ version: -1 }, 'out_of_range', 'version'],
    [{ patient_id: 1 }, 'unknown_field', 'patient_id'],
    [{ conditions: [{ code: 'gout', active: true }] }, 'invalid_value', 'conditions[0].code'],
    [{ conditions: [{ code: 'diabetes', active: true }, { code: 'diabetes', active: false }] }, 'duplicate', 'conditions[1].code'],
    [{ conditions: [{ code: 'diabetes' }] }, 'required', 'conditions[0].active'],
    [{ conditions: [{ code: 'diabetes', active: true, note: 'n'.repeat(501) }] }, 'too_long', 'conditions[0].note'],
    [{ other_conditions: 'o'.repeat(4001) }, 'too_long', 'other_conditions'],
    [{ medications: [naproxen({ name: undefined })] }, 'required', 'medications[0].name'],
    [{ medications: [naproxen(), naproxen({ class: 'nsaid' })] }, 'invalid_value', 'medications[1].class'],
    [{ medications: [naproxen({ class: undefined })] }, 'required', 'medications[0].class'],
    [{ medications: [naproxen({ drug: 'unobtainium' })] }, 'invalid_value', 'medications[0].drug'],
    [{ medications: [naproxen({ ongoing: undefined })] }, 'required', 'medications[0].ongoing'],
    [{ medications: [naproxen({ last_dose_at: new Date(Date.now() + 3600000).toISOString() })] }, 'future_date', 'medications[0].last_dose_at'],
    [{ medications: [naproxen({ started_on: day(-1), last_dose_at: `${day(-3)}T00:00:00.000Z` })] }, 'before_start', 'medications[0].last_dose_at'],
    [{ medications: [naproxen({ last_dose_at: 'last week' })] }, 'invalid_date', 'medications[0].last_dose_at'],
    [{ medications: [naproxen({ started_on: day(3) })] }, 'future_date', 'medications[0].started_on'],
    [{ medications: Array.from({ length: 101 }, () => naproxen()) }, 'too_many', 'medications'],
    [{ allergies: [{ reaction: 'rash' }] }, 'required', 'allergies[0].substance'],
    [{ allergies: Array.from({ length: 51 }, () => ({ substance: 'latex' })) }, 'too_many', 'allergies'],
    [{ pregnant: 'no' }, 'invalid_type', 'pregnant'],
    [{ smoking: 'sometimes' }, 'invalid_value', 'smoking'],
    [{ height_cm: 49.9 }, 'out_of_range', 'height_cm'],
    [{ height_cm: 250.1 }, 'out_of_range', 'height_cm'],
    [{ weight_kg: 1.9 }, 'out_of_range', 'weight_kg'],
    [{ weight_kg: 400.1 }, 'out_of_range', 'weight_kg'],
    [{ scalp_procedure: {} }, 'required', 'scalp_procedure.had'],
    [{ scalp_procedure: { had: false, on: day(-5) } }, 'not_allowed', 'scalp_procedure.on'],
    [{ scalp_procedure: { had: true, on: day(3) } }, 'future_date', 'scalp_procedure.on'],
  ];

  it('refuses each invalid field with 400, its code and its path, and saves nothing', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historyrefused' });
    const refused = [];
    for (const [change, code, field] of INVALID) {
      const body = { ...fullBody(0), ...change };
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete body[k];
      for (const m of body.medications) for (const [k, v] of Object.entries(m)) if (v === undefined) delete m[k];
      const r = await c.nurse.put(path(p.id), body);
      assert.equal(r.status, 400, `${JSON.stringify(change).slice(0, 200)}: ${show(r)}`);
      assert.equal(r.body.error.code, code, `${field}: ${show(r)}`);
      assert.equal(r.body.error.field, field, `${field}: ${show(r)}`);
      refused.push(r.headers.get('x-request-id'));
    }
    const now = await c.nurse.get(path(p.id));
    assert.equal(now.body.version, 0, 'a refused save saved something');
    const updates = await events('action=medical_history.update');
    assert.ok(!updates.some((e) => refused.includes(e.request_id)), 'a refused save left an event');
  });

  it('accepts the boundaries of height and weight, and a last dose on the day it started', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historybounds' });
    let version = 0;
    for (const [height, weight] of [[50, 2], [250, 400]]) {
      const r = await c.nurse.put(path(p.id), { version, height_cm: height, weight_kg: weight });
      assert.equal(r.status, 200, show(r));
      version = r.body.version;
    }
    const r = await c.nurse.put(path(p.id), {
      version, medications: [naproxen({ started_on: day(-2), last_dose_at: `${day(-2)}T00:00:00.000Z` })],
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.bmi, null, 'no BMI without height and weight');
  });

  it('answers 404 for a patient that does not exist or is soft-deleted', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historydeleted' });
    const saved = await c.nurse.put(path(p.id), { version: 0, smoking: 'former' });
    assert.equal(saved.status, 200, show(saved));
    const calls = (pid) => Promise.all([
      c.nurse.get(path(pid)),
      c.nurse.put(path(pid), { version: 1, smoking: 'current' }),
      c.nurse.get(`${path(pid)}/versions`),
    ]);
    for (const r of [...await calls(999999), ...await calls('x')]) {
      assert.equal(r.status, 404, show(r));
      assert.equal(r.body.error.code, 'not_found');
    }
    const del = await c.admin.del(`/api/v1/patients/${p.id}`, { reason: 'Registered twice' });
    assert.equal(del.status, 204, show(del));
    for (const r of await calls(p.id)) {
      assert.equal(r.status, 404, show(r));
      assert.equal(r.body.error.code, 'not_found');
    }
  });

  it('is for doctors and nurses: reception and admins get 403, no session 401', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historyroles' });
    const calls = (client) => Promise.all([
      client.get(path(p.id)),
      client.put(path(p.id), { version: 0, smoking: 'never' }),
      client.get(`${path(p.id)}/versions`),
      client.get('/api/v1/drugs?q=asp'),
    ]);
    for (const who of ['reception', 'admin']) {
      for (const r of await calls(c[who])) {
        assert.equal(r.status, 403, `${who}: ${show(r)}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
    }
    for (const r of await calls(new Client(server.url))) assert.equal(r.status, 401, show(r));
    assert.equal((await c.doctor.get(path(p.id))).body.version, 0, 'a refused save saved something');
    for (const who of ['doctor', 'nurse']) {
      const [get, , vers, drugs] = await calls(c[who]);
      for (const r of [get, vers, drugs]) assert.equal(r.status, 200, `${who}: ${show(r)}`);
    }
  });

  it('leaves an audit event for every write and every read', async () => {
    const p = await createPatient(c.reception, { family_name: 'Historyaudit' });
    const up = await c.doctor.put(path(p.id), { version: 0, pregnant: true });
    const rd = await c.nurse.get(path(p.id));
    const vs = await c.nurse.get(`${path(p.id)}/versions`);
    for (const [r, action, who] of [[up, 'medical_history.update', c.doctor], [rd, 'medical_history.read', c.nurse],
      [vs, 'medical_history.versions', c.nurse]]) {
      assert.equal(r.status, 200, show(r));
      const e = await eventOf(r, action);
      assert.ok(e, `no ${action} event for the request`);
      assert.equal(e.username, who.username);
      assert.equal(e.entity, 'medical_history');
      assert.equal(e.entity_id, String(p.id));
    }
  });

  describe('drug search', () => {
    async function search(q, extra = '') {
      const r = await c.nurse.get(`/api/v1/drugs?q=${encodeURIComponent(q)}${extra}`);
      assert.equal(r.status, 200, `${q}: ${show(r)}`);
      return r.body.items;
    }

    it('finds a drug as one types in English, with its class and both names', async () => {
      const items = await search('nap');
      assert.ok(items.length >= 2, JSON.stringify(items));
      for (const it of items) {
        assert.equal(it.drug, 'naproxen');
        assert.equal(it.class, 'nsaid_nonselective');
        assert.equal(it.name_en, 'naproxen');
        assert.equal(it.name_ar, 'نابروكسين');
        assert.equal(typeof it.class_label.en, 'string');
        assert.match(it.class_label.ar, /[\u0600-\u06FF]/);
      }
      assert.ok(items.some((it) => it.kind === 'generic_en' && it.name === 'naproxen'));
      assert.ok(items.some((it) => it.kind === 'brand' && it.name === 'Naprosyn'));
    });

    it('finds a drug in Arabic, by generic name and by brand', async () => {
      const generic = await search('نابروكسين');
      assert.equal(generic[0].drug, 'naproxen');
      assert.equal(generic[0].kind, 'generic_ar');
      const brand = await search('بروفين');
      assert.equal(brand[0].drug, 'ibuprofen');
      assert.equal(brand[0].kind, 'brand');
      assert.equal(brand[0].name, 'بروفين');
    });

    it('finds a drug by its brand name in English, whatever the case', async () => {
      const items = await search('BRUF');
      assert.equal(items[0].drug, 'ibuprofen');
      assert.equal(items[0].kind, 'brand');
      assert.equal(items[0].name, 'Brufen');
    });

    it('limits the answer, gives nothing for nothing, and refuses bad queries', async () => {
      assert.equal((await search('a', '&limit=1')).length, 1);
      assert.ok((await search('a')).length <= 10);
      assert.deepEqual(await search(''), []);
      assert.deepEqual((await c.nurse.get('/api/v1/drugs')).body, { items: [] });
      assert.deepEqual(await search('zzqx'), []);
      for (const [query, field] of [['q=nap&limit=0', 'limit'], ['q=nap&limit=51', 'limit'], ['q=nap&limit=ten', 'limit'],
        [`q=${'a'.repeat(201)}`, 'q']]) {
        const r = await c.nurse.get(`/api/v1/drugs?${query}`);
        assert.equal(r.status, 400, `${query}: ${show(r)}`);
        assert.equal(r.body.error.code, 'invalid_query');
        assert.equal(r.body.error.field, field);
      }
      assert.equal((await search('a'.repeat(200))).length, 0);
      assert.equal((await search('n', '&limit=50')).length <= 50, true);
    });
  });
});
