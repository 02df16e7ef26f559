// The PRP preparation designer over HTTP: simulate and design answers and their errors naming the
// request's fields, the API's caps (cells, grid), who may call them (session, permission, CSRF),
// and a procedure's prp-request filled from labs, the preparation record, the clinic's centrifuge
// and the protocol — for a procedure with all of them and for one with nothing — with its audit.
// Blood values are invented adult values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';
import { insertProcedure, lit, sql } from '../lib/sqlfixture.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const doc = repoOpenApi();
const D = 24 * 3600000;
const iso = (ms) => new Date(ms).toISOString();

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, show(r));
  assert.equal(r.body.error.code, code, show(r));
  if (field !== undefined) assert.equal(r.body.error.field, field, show(r));
  fits(r.path, r.method, r);
}

const BLOOD = { volume_ml: 8, hct: 0.42, platelets_per_ul: 250000, wbc_per_ul: 6500, anticoagulant_ml: 0.9 };
const TUBE = { shape: 'conical', capacity_ml: 15 };
const ROTOR = { kind: 'swing-out', radius_mm: 150 };
const SPINS = [
  { g: 200, minutes: 8, collect: { rule: 'above-rbc', margin_mm: 2 } },
  { g: 550, minutes: 14, collect: { rule: 'keep-bottom-fraction', fraction: 0.333 } },
];
// A small grid: 3 × 2 × 1 rule × 2 × 2 × 2 = 48 protocols.
const GRID = { g1: [150, 200, 300], minutes1: [6, 10], rules: ['above-rbc'], g2: [500, 800], minutes2: [10, 15], fractions: [0.25, 0.333] };

function simulateBody(over = {}) {
  return { blood: { ...BLOOD }, tube: { ...TUBE }, rotor: { ...ROTOR }, spins: structuredClone(SPINS), cells: 100, ...over };
}

describe('PRP preparation designer', () => {
  let server;
  let c;

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function simulate(body, client = c.nurse) {
    const r = await client.post('/api/v1/prp/simulate', body);
    return { ...r, path: '/api/v1/prp/simulate', method: 'post' };
  }
  async function design(body, client = c.nurse) {
    const r = await client.post('/api/v1/prp/design', body);
    return { ...r, path: '/api/v1/prp/design', method: 'post' };
  }
  async function prefill(id, client = c.nurse) {
    const r = await client.get(`/api/v1/procedures/${id}/prp-request`);
    return { ...r, path: '/api/v1/procedures/{id}/prp-request', method: 'get' };
  }

  describe('simulate', () => {
    it('answers the prediction of the model with its bands and the layers of each spin', async () => {
      const r = await simulate(simulateBody());
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/prp/simulate', 'post', r);
      const b = r.body;
      assert.equal(b.prediction.is_prediction, true);
      assert.ok(b.prediction.band_relative > 0);
      assert.ok(b.recovery > 0 && b.recovery < 1, `recovery ${b.recovery}`);
      assert.ok(b.bands.recovery.low < b.recovery && b.recovery < b.bands.recovery.high);
      assert.ok(b.platelets_per_ul > BLOOD.platelets_per_ul, 'the PRP is not richer than the blood');
      assert.equal(b.spins.length, 2);
      const layers = b.spins[0].layers.map((l) => l.layer);
      assert.deepEqual(layers, ['plasma', 'buffy_coat', 'red_cells']);
      assert.ok(b.spins[0].profile.length > 0);
      for (const k of ['paw', 'mishra', 'dohan_ehrenfest', 'plra', 'depa']) assert.ok(b.classifications[k], `no ${k}`);
    });

    it('gives the same answer as the command line for the same request', async () => {
      const a = await simulate(simulateBody());
      const b = await simulate(simulateBody());
      assert.equal(a.status, 200, show(a));
      assert.equal(a.body.recovery, b.body.recovery);
      const other = await simulate(simulateBody({ spins: [SPINS[0], { ...SPINS[1], g: 1500 }] }));
      assert.notEqual(other.body.recovery, a.body.recovery, 'a faster second spin changed nothing');
    });

    it('names the field of each error by its JSON path', async () => {
      expectError(await simulate(simulateBody({ blood: { ...BLOOD, hct: 0.9 } })), 400, 'out_of_range', 'blood.hct');
      const spins = structuredClone(SPINS);
      spins[1].collect.fraction = 1.5;
      expectError(await simulate(simulateBody({ spins })), 400, 'out_of_range', 'spins[1].collect.fraction');
      const { hct, ...noHct } = BLOOD;
      assert.ok(hct);
      expectError(await simulate(simulateBody({ blood: noHct })), 400, 'required', 'blood.hct');
      expectError(await simulate(simulateBody({ blood: { ...BLOOD, colour: 'red' } })), 400, 'unknown_field', 'blood.colour');
      expectError(await simulate(simulateBody({ tube: { ...TUBE, shape: 'square' } })), 400, 'invalid_value', 'tube.shape');
      expectError(await simulate(simulateBody({ rotor: { ...ROTOR, radius_mm: 'wide' } })), 400, 'invalid_type', 'rotor.radius_mm');
      expectError(await simulate(simulateBody({ spins: [] })), 400, 'out_of_range', 'spins');
    });

    it('is 422 empty naming the rule when a first spin is too short to leave plasma', async () => {
      const spins = [{ g: 5, minutes: 0.5, collect: { rule: 'above-rbc', margin_mm: 2 } }];
      expectError(await simulate(simulateBody({ spins, cells: 60 })), 422, 'empty', 'spins[0].collect');
    });

    it('caps the solver at 400 cells', async () => {
      expectError(await simulate(simulateBody({ cells: 401 })), 400, 'out_of_range', 'cells');
      expectError(await simulate(simulateBody({ cells: 5000 })), 400, 'out_of_range', 'cells');
      const r = await simulate(simulateBody({ cells: 60 }));
      assert.equal(r.status, 200, show(r));
    });

    it('refuses a body that is not a JSON object', async () => {
      const r = await c.nurse.req('POST', '/api/v1/prp/simulate', { body: '[1,2]' });
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body.error.code, 'not_object', show(r));
    });

    it('writes no audit event: the request names no patient', async () => {
      const patient = await createPatient(c.doctor);
      const events = () => sql(server.db, `SELECT action FROM audit WHERE username = ${lit(c.nurse.user.username)} ORDER BY id;`)
        .trim().split('\n').filter(Boolean);
      const before = events().length;
      assert.equal((await simulate(simulateBody({ cells: 60 }))).status, 200);
      assert.equal((await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: GRID })).status, 200);
      // read events are written in order by one queue: the patient read after them marks its end
      assert.equal((await c.nurse.get(`/api/v1/patients/${patient.id}`)).status, 200);
      assert.ok(await poll(async () => events().length > before), 'the patient read was not audited');
      assert.deepEqual(events().slice(before), ['patient.read']);
    });
  });

  describe('design', () => {
    it('ranks the protocols of the grid that reach the target', async () => {
      const r = await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: GRID, results: 3 });
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/prp/design', 'post', r);
      assert.equal(r.body.candidates, 48);
      assert.equal(r.body.prediction.is_prediction, true);
      assert.ok(r.body.protocols.length >= 1 && r.body.protocols.length <= 3);
      const first = r.body.protocols[0];
      assert.equal(first.spins.length, 2);
      // a proposal is a simulate request's spins, g and rpm agreeing: it is simulated as it is
      assert.ok(first.spins.every((s) => s.rpm > 0 && s.g > 0));
      const again = await simulate(simulateBody({ spins: first.spins }));
      assert.equal(again.status, 200, show(again));
    });

    it('answers the nearest misses when no protocol reaches the target', async () => {
      const r = await design({
        blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: GRID,
        target: { platelets_per_ul_min: 9000000, platelets_per_ul_max: 9500000 },
      });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.feasible, 0);
      assert.ok(r.body.protocols.length > 0);
      assert.ok(r.body.protocols.every((p) => p.meets_target === false));
    });

    it('re-runs the results with the full solver when asked to verify', async () => {
      const r = await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: GRID, results: 2, verify: true, cells: 60 });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.protocols.length, 2);
      for (const p of r.body.protocols) assert.ok(p.full_solver?.recovery > 0, `not verified: ${JSON.stringify(p).slice(0, 300)}`);
      fits('/api/v1/prp/design', 'post', r);
    });

    it('caps the grid at 50,000 candidates and the cells at 400', async () => {
      const axis = [100, 150, 200, 250, 300, 350, 400, 450, 500, 550];
      const grid = { g1: axis, minutes1: [4, 6, 8, 10, 12, 15], g2: [400, 600, 800, 1000, 1500, 2000], minutes2: [5, 10, 15, 20] };
      // 10 × 6 × 2 rules × 6 × 4 × 6 default fractions = 17,280: allowed
      const ok = await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid, results: 1 });
      assert.equal(ok.status, 200, show(ok));
      assert.equal(ok.body.candidates, 17280);
      // 16 first-spin forces and 16 times make 16 × 16 × 2 × 6 × 4 × 6 = 73,728
      const sixteen = [...axis, 600, 650, 700, 750, 800, 850];
      const big = { ...grid, g1: sixteen, minutes1: sixteen.map((g) => g / 50) };
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: big }), 400, 'out_of_range', 'grid');
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: GRID, cells: 401 }), 400, 'out_of_range', 'cells');
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, results: 21 }), 400, 'out_of_range', 'results');
    });

    it('names the field of each error by its JSON path', async () => {
      expectError(await design({ blood: { ...BLOOD, platelets_per_ul: 10 }, tube: TUBE, rotor: ROTOR }), 400, 'out_of_range', 'blood.platelets_per_ul');
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, grid: { g1: 'fast' } }), 400, 'invalid_type', 'grid.g1');
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, limits: { speed: 1 } }), 400, 'unknown_field', 'limits.speed');
      expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR, spins: SPINS }), 400, 'unknown_field', 'spins');
    });
  });

  describe('who may call', () => {
    it('needs a session', async () => {
      const anon = new Client(server.url);
      for (const [m, p] of [['POST', '/api/v1/prp/simulate'], ['POST', '/api/v1/prp/design'], ['GET', '/api/v1/procedures/1/prp-request']]) {
        const r = await anon.req(m, p, m === 'POST' ? { json: simulateBody() } : {});
        assert.equal(r.status, 401, `${m} ${p}: ${show(r)}`);
        assert.equal(r.body.error.code, 'unauthenticated');
      }
    });

    it('needs procedure.read: doctors and nurses, not reception or admin', async () => {
      for (const role of ['doctor', 'nurse']) {
        const r = await simulate(simulateBody({ cells: 60 }), c[role]);
        assert.equal(r.status, 200, `${role}: ${show(r)}`);
      }
      for (const role of ['reception', 'admin']) {
        expectError(await simulate(simulateBody(), c[role]), 403, 'forbidden');
        expectError(await design({ blood: BLOOD, tube: TUBE, rotor: ROTOR }, c[role]), 403, 'forbidden');
        expectError(await prefill(1, c[role]), 403, 'forbidden');
      }
    });

    it('needs the X-CSRF-Token header on the POSTs', async () => {
      for (const p of ['/api/v1/prp/simulate', '/api/v1/prp/design']) {
        const r = await c.nurse.req('POST', p, { json: simulateBody(), csrf: false });
        assert.equal(r.status, 403, show(r));
        assert.equal(r.body.error.code, 'csrf', show(r));
      }
    });
  });

  describe('a procedure\'s prp-request', () => {
    let bare;
    let full;
    let centrifuge;

    async function addLab(patient, analyte, value, unit, measuredMs) {
      const r = await c.nurse.post(`/api/v1/patients/${patient.id}/labs`, { analyte, value, unit, measured_at: iso(measuredMs) });
      assert.equal(r.status, 201, show(r));
      return r.body;
    }

    async function audited(id) {
      const r = await c.admin.get(`/api/v1/audit?action=procedure.prp_request&entity_id=${id}&limit=20`);
      assert.equal(r.status, 200, show(r));
      return r.body.items;
    }

    it('of a procedure with nothing recorded: the protocol\'s values and defaults, the rest missing', async () => {
      const patient = await createPatient(c.doctor);
      bare = insertProcedure(server.db, { patientId: patient.id });
      const r = await prefill(bare.id);
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/procedures/{id}/prp-request', 'get', r);
      const { request, sources, missing, target } = r.body;
      // prp-hair.json: 8 mL drawn, spins 100–300 × g for 5–10 min and 400–700 × g for 10–17 min
      assert.equal(request.blood.volume_ml, 8);
      assert.deepEqual(sources['blood.volume_ml'], { from: 'protocol' });
      assert.equal(request.blood.anticoagulant_ml, 0.889);
      assert.equal(sources['blood.anticoagulant_ml'].from, 'ratio');
      assert.equal(request.blood.temperature_c, 22);
      assert.deepEqual(sources['blood.temperature_c'], { from: 'default' });
      assert.deepEqual(request.tube, TUBE);
      assert.deepEqual(request.spins, [
        { g: 200, minutes: 7.5, collect: { rule: 'above-rbc', margin_mm: 2 } },
        { g: 550, minutes: 13.5, collect: { rule: 'keep-bottom-fraction', fraction: 0.333 } },
      ]);
      assert.deepEqual(sources.spins, { from: 'protocol' });
      assert.equal(request.rotor, undefined);
      assert.deepEqual([...missing].sort(), ['blood.hct', 'blood.platelets_per_ul', 'blood.wbc_per_ul', 'rotor']);
      for (const k of ['hct', 'platelets_per_ul', 'wbc_per_ul']) assert.equal(request.blood[k], undefined);
      assert.deepEqual(target, { platelets_per_ul_min: 1000000, platelets_per_ul_max: 1500000, from: 'protocol' });
      assert.deepEqual(r.body.procedure, { id: bare.id, treatment: 'prp-hair', centrifuge_id: null });
    });

    it('of a procedure with labs and a centrifuge: the newest lab of each analyte and the rotor', async () => {
      const add = await c.admin.post('/api/v1/centrifuges', { name: 'Bench centrifuge A', model: 'Benchtop (example)', rotor_radius_mm: 150, rotor_type: 'swing_out' });
      assert.equal(add.status, 201, show(add));
      centrifuge = add.body;
      // an inactive one first by name, and one without a radius: neither is used
      const old = await c.admin.post('/api/v1/centrifuges', { name: 'Aaa retired centrifuge', rotor_radius_mm: 90, rotor_type: 'fixed_angle' });
      assert.equal(old.status, 201, show(old));
      const off = await c.admin.req('PATCH', `/api/v1/centrifuges/${old.body.id}`, { json: { active: false } });
      assert.equal(off.status, 200, show(off));
      const noRadius = await c.admin.post('/api/v1/centrifuges', { name: 'Aab centrifuge' });
      assert.equal(noRadius.status, 201, show(noRadius));

      const patient = await createPatient(c.doctor);
      const now = Date.now();
      await addLab(patient, 'haematocrit', 0.39, 'L/L', now - 20 * D);
      const hct = await addLab(patient, 'haematocrit', 44, '%', now - 2 * D);
      const plt = await addLab(patient, 'platelets', 260, '×10⁹/L', now - 3 * D);
      await addLab(patient, 'wbc', 6.5, '×10⁹/L', now - 3 * D);
      await addLab(patient, 'neutrophils', 3.9, '×10⁹/L', now - 3 * D);
      await addLab(patient, 'lymphocytes', 2.1, '×10⁹/L', now - 3 * D);
      // a newer platelet count, deleted: the older one stands
      const wrong = await addLab(patient, 'platelets', 90, '×10⁹/L', now - 1 * D);
      const del = await c.nurse.del(`/api/v1/labs/${wrong.id}`, { reason: 'Entered on the wrong patient' });
      assert.equal(del.status, 204, show(del));

      full = insertProcedure(server.db, { patientId: patient.id });
      const r = await prefill(full.id);
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/procedures/{id}/prp-request', 'get', r);
      const { request, sources, missing } = r.body;
      assert.equal(request.blood.hct, 0.44);
      assert.equal(sources['blood.hct'].from, 'lab');
      assert.equal(sources['blood.hct'].lab_id, hct.id);
      assert.equal(sources['blood.hct'].measured_at, hct.measured_at);
      assert.equal(request.blood.platelets_per_ul, 260000);
      assert.equal(sources['blood.platelets_per_ul'].lab_id, plt.id);
      assert.equal(request.blood.wbc_per_ul, 6500);
      assert.equal(request.blood.neutrophils_per_ul, 3900);
      assert.equal(request.blood.lymphocytes_per_ul, 2100);
      assert.equal(request.blood.monocytes_per_ul, undefined);
      assert.deepEqual(request.rotor, { kind: 'swing-out', radius_mm: 150 });
      assert.deepEqual(sources.rotor, { from: 'centrifuge', centrifuge_id: centrifuge.id, name: 'Bench centrifuge A' });
      assert.deepEqual(missing, []);
      assert.equal(r.body.procedure.centrifuge_id, centrifuge.id);
      // complete: the panel can predict with it as it is
      const sim = await simulate({ ...request, cells: 60 });
      assert.equal(sim.status, 200, show(sim));
    });

    it('prefers the preparation record to the labs and the protocol', async () => {
      const rec = await c.nurse.put(`/api/v1/procedures/${full.id}/preparation`, {
        version: 0,
        doc: {
          draw: { volume_ml: 18, at: iso(Date.now() - 1800000), site: 'left antecubital vein' },
          tubes: [{ anticoagulant: 'acd_a', anticoagulant_ml: 1, count: 2 }],
          centrifuge_id: centrifuge.id,
          spins: [{ rcf_g: 300, minutes: 10, temperature_c: 24 }, { rcf_g: 700, minutes: 12 }],
          collected: { layer: 'plasma_buffy_coat', volume_ml: 8 },
          final_volume_ml: 2,
          counts: { blood: { platelets_per_ul: 240000, hct_pct: 41 } },
        },
      });
      assert.equal(rec.status, 200, show(rec));
      const r = await prefill(full.id);
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/procedures/{id}/prp-request', 'get', r);
      const { request, sources, missing } = r.body;
      // the draw is shared by its two tubes; the model spins one of them
      assert.equal(request.blood.volume_ml, 9);
      assert.deepEqual(sources['blood.volume_ml'], {
        from: 'preparation', tubes: 2,
        note: 'the draw divided among its tubes: the model spins one tube',
      });
      assert.equal(request.blood.hct, 0.41);
      assert.deepEqual(sources['blood.hct'], { from: 'preparation' });
      assert.equal(request.blood.platelets_per_ul, 240000);
      // not in the record: still the lab's
      assert.equal(request.blood.wbc_per_ul, 6500);
      assert.equal(sources['blood.wbc_per_ul'].from, 'lab');
      assert.equal(request.blood.anticoagulant_ml, 1);
      assert.deepEqual(sources['blood.anticoagulant_ml'], { from: 'preparation' });
      assert.equal(request.blood.temperature_c, 24);
      assert.deepEqual(request.spins, [
        { g: 300, minutes: 10, collect: { rule: 'buffy-coat', margin_mm: 1 } },
        { g: 700, minutes: 12, collect: { rule: 'keep-bottom-fraction', fraction: 0.25 } },
      ]);
      assert.deepEqual(sources.spins, { from: 'preparation' });
      assert.equal(sources.rotor.from, 'preparation');
      assert.equal(sources.rotor.centrifuge_id, centrifuge.id);
      assert.deepEqual(missing, []);
    });

    it('audits each read as procedure.prp_request on the procedure', async () => {
      assert.ok(await poll(async () => (await audited(full.id)).length >= 2), 'no procedure.prp_request event');
      const ev = (await audited(bare.id))[0];
      assert.equal(ev.entity, 'procedure');
      assert.equal(ev.username, c.nurse.user.username);
    });

    it('is 404 for an unknown procedure and 409 for one that is not PRP', async () => {
      expectError(await prefill(999999), 404, 'not_found');
      expectError(await prefill('abc'), 404, 'not_found');
      const patient = await createPatient(c.doctor);
      const fat = insertProcedure(server.db, { patientId: patient.id, treatment: 'adsc-hair' });
      expectError(await prefill(fat.id), 409, 'wrong_treatment');
    });
  });
});
