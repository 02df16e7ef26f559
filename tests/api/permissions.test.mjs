// Every operation of docs/openapi.json against every role: roles holding the operation's
// permission succeed, the others get 403 forbidden, and a request without a session gets 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, PERMISSION_TABLE, ROLES, createPatient, createUser, editable, login, loginAdmin, patientInput,
  show, startServer, strongPassword, unique, userClient,
} from '../lib/server.mjs';
import { operations, repoOpenApi } from '../lib/openapi.mjs';
import { check, checkResponse } from '../lib/schema.mjs';
import { insertAppointment, insertMessage, sql } from '../lib/sqlfixture.mjs';

// For each operation: its permission (checked against x-permission), the status an allowed
// caller gets, and how to build a valid request. build(ctx, caller) returns {path, json}; it may
// log in a fresh user of the caller's role (ctx.fresh) when the request spends the session.
const TABLE = {
  'GET /healthz': { permission: 'public', ok: 200, build: () => ({ path: '/healthz' }) },
  'GET /api/v1/openapi.json': { permission: 'public', ok: 200, build: () => ({ path: '/api/v1/openapi.json' }) },
  'POST /api/v1/session': {
    permission: 'public', ok: 200, fresh: true,
    build: (ctx, role, caller) => {
      const u = caller ?? ctx.server.admin;
      return { path: '/api/v1/session', json: { username: u.username, password: u.password } };
    },
  },
  'GET /api/v1/session': { permission: 'session', ok: 200, build: () => ({ path: '/api/v1/session' }) },
  'DELETE /api/v1/session': { permission: 'session', ok: 204, fresh: true, build: () => ({ path: '/api/v1/session' }) },
  'POST /api/v1/session/password': {
    permission: 'session', ok: 204, fresh: true,
    build: (ctx, role, caller) => ({
      path: '/api/v1/session/password',
      json: { current_password: caller?.password ?? 'not-the-password-1', new_password: strongPassword() },
    }),
  },
  'GET /api/v1/permissions': { permission: 'session', ok: 200, build: () => ({ path: '/api/v1/permissions' }) },
  'GET /api/v1/catalog': { permission: 'session', ok: 200, build: () => ({ path: '/api/v1/catalog' }) },
  'GET /api/v1/patients': { permission: 'patient.read', ok: 200, build: () => ({ path: '/api/v1/patients?limit=5' }) },
  'POST /api/v1/patients': {
    permission: 'patient.create', ok: 201,
    build: () => ({ path: '/api/v1/patients', json: patientInput({ family_name: 'Permcreate' }) }),
  },
  'GET /api/v1/patients/{id}': { permission: 'patient.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}` }) },
  'PUT /api/v1/patients/{id}': {
    permission: 'patient.update', ok: 200,
    build: async (ctx) => {
      const cur = await ctx.admin.get(`/api/v1/patients/${ctx.patient.id}`);
      return { path: `/api/v1/patients/${ctx.patient.id}`, json: { ...editable(cur.body), notes: unique('note ') } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.admin.get(`/api/v1/patients/${ctx.patient.id}`);
      if (!allowed) assert.equal(cur.body.version, ctx.lastVersion, 'a refused update changed the patient');
      ctx.lastVersion = cur.body.version;
    },
  },
  'DELETE /api/v1/patients/{id}': {
    permission: 'patient.delete', ok: 204,
    build: async (ctx) => {
      ctx.victim = await createPatient(ctx.admin, { family_name: 'Permdelete' });
      return { path: `/api/v1/patients/${ctx.victim.id}`, json: { reason: 'Duplicate registration' } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.admin.get(`/api/v1/patients/${ctx.victim.id}`);
      assert.equal(cur.body.deleted, allowed, 'deleted flag after the request');
    },
  },
  'GET /api/v1/patients/{id}/history': {
    permission: 'patient.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/history` }),
  },
  'GET /api/v1/patients/{id}/labs': {
    permission: 'clinical.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/labs?include_deleted=1` }),
  },
  'POST /api/v1/patients/{id}/labs': {
    permission: 'clinical.write', ok: 201,
    build: async (ctx) => {
      ctx.labsBefore = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/labs`)).body.items.length;
      return {
        path: `/api/v1/patients/${ctx.patient.id}/labs`,
        json: { analyte: 'PLT', value: 250, unit: '10^9/L', measured_at: '2026-01-10', reference_low: 150, reference_high: 400 },
      };
    },
    check: async (ctx, r, allowed) => {
      const now = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/labs`)).body.items.length;
      assert.equal(now, ctx.labsBefore + (allowed ? 1 : 0), 'results after the request');
    },
  },
  'POST /api/v1/patients/{id}/labs/import': {
    permission: 'clinical.write', ok: 201,
    build: async (ctx) => {
      ctx.labsBefore = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/labs`)).body.items.length;
      // A different file each time: the same file is refused the second time.
      const csv = `date,analyte,value,unit,mrn\n2026-01-11,Hb,13.${ctx.labsBefore},g/dL,${ctx.patient.mrn}\n` +
        '2026-01-11,WBC,6.2,K/uL,\n';
      return { path: `/api/v1/patients/${ctx.patient.id}/labs/import`, json: { csv, file_name: 'perm.csv', commit: true } };
    },
    check: async (ctx, r, allowed) => {
      const now = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/labs`)).body.items.length;
      assert.equal(now, ctx.labsBefore + (allowed ? 2 : 0), 'results after the request');
    },
  },
  'DELETE /api/v1/labs/{id}': {
    permission: 'clinical.write', ok: 204,
    build: async (ctx) => {
      const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/labs`, {
        analyte: 'haemoglobin', value: 13, unit: 'g/dL', measured_at: '2026-01-12',
      });
      assert.equal(r.status, 201, show(r));
      ctx.lab = r.body;
      return { path: `/api/v1/labs/${ctx.lab.id}`, json: { reason: 'Entered for the wrong visit' } };
    },
    check: async (ctx, r, allowed) => {
      const all = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/labs?include_deleted=1`)).body.items;
      assert.equal(all.find((l) => l.id === ctx.lab.id).deleted, allowed, 'deleted flag after the request');
    },
  },
  'GET /api/v1/users': { permission: 'user.manage', ok: 200, build: () => ({ path: '/api/v1/users' }) },
  'POST /api/v1/users': {
    permission: 'user.manage', ok: 201,
    build: (ctx) => {
      ctx.newUsername = unique('perm');
      return {
        path: '/api/v1/users',
        json: { username: ctx.newUsername, display_name: 'Perm User', password: strongPassword(), roles: ['admin'] },
      };
    },
    check: async (ctx, r, allowed) => {
      const list = await ctx.admin.get('/api/v1/users');
      assert.equal(list.body.items.some((u) => u.username === ctx.newUsername), allowed, 'user exists after the request');
    },
  },
  'PUT /api/v1/users/{id}': {
    permission: 'user.manage', ok: 200,
    build: async (ctx) => {
      ctx.target = (await createUser(ctx.admin, ['nurse'])).user;
      return { path: `/api/v1/users/${ctx.target.id}`, json: { display_name: 'Promoted', roles: ['admin'], disabled: false } };
    },
    check: async (ctx, r, allowed) => {
      const list = await ctx.admin.get('/api/v1/users');
      const u = list.body.items.find((x) => x.id === ctx.target.id);
      assert.deepEqual(u.roles, allowed ? ['admin'] : ['nurse'], 'roles after the request');
    },
  },
  'PUT /api/v1/users/{id}/password': {
    permission: 'user.manage', ok: 204,
    build: async (ctx) => {
      ctx.target = await createUser(ctx.admin, ['nurse']);
      return { path: `/api/v1/users/${ctx.target.user.id}/password`, json: { password: strongPassword() } };
    },
    check: async (ctx, r, allowed) => {
      const old = await new Client(ctx.server.url).login(ctx.target.username, ctx.target.password);
      assert.equal(old.status, allowed ? 401 : 200, 'login with the old password after the request');
    },
  },
  'GET /api/v1/audit': { permission: 'audit.read', ok: 200, build: () => ({ path: '/api/v1/audit?limit=5' }) },
  'GET /api/v1/audit/verify': { permission: 'audit.read', ok: 200, build: () => ({ path: '/api/v1/audit/verify' }) },
  'GET /api/v1/patients/{id}/assessments': {
    permission: 'clinical.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/assessments` }),
  },
  'POST /api/v1/patients/{id}/assessments': {
    permission: 'clinical.write', ok: 201,
    build: async (ctx) => {
      ctx.assessmentCount = (await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/assessments`)).body.items.length;
      return { path: `/api/v1/patients/${ctx.patient.id}/assessments`, json: assessmentInput() };
    },
    check: async (ctx, r, allowed) => {
      const list = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/assessments`);
      assert.equal(list.body.items.length, ctx.assessmentCount + (allowed ? 1 : 0), 'assessments after the request');
    },
  },
  'GET /api/v1/assessments/{id}': {
    permission: 'clinical.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/assessments/${(await assessmentOf(ctx)).id}` }),
  },
  'PUT /api/v1/assessments/{id}': {
    permission: 'clinical.write', ok: 200,
    build: async (ctx) => {
      const id = (await assessmentOf(ctx)).id;
      const cur = (await ctx.clients.doctor.get(`/api/v1/assessments/${id}`)).body;
      ctx.assessmentVersion = cur.version;
      const { visit_date, complaint, hair, face, consent_to_risks, acute_illness, version } = cur;
      return {
        path: `/api/v1/assessments/${id}`,
        json: { visit_date, complaint, hair, face, consent_to_risks, acute_illness, version, notes: unique('note ') },
      };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/assessments/${ctx.assessment.id}`);
      assert.equal(cur.body.version, ctx.assessmentVersion + (allowed ? 1 : 0), 'assessment version after the request');
    },
  },
  'GET /api/v1/assessments/{id}/versions': {
    permission: 'clinical.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/assessments/${(await assessmentOf(ctx)).id}/versions` }),
  },
  'GET /api/v1/patients/{id}/medical-history': {
    permission: 'clinical.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/medical-history` }),
  },
  'PUT /api/v1/patients/{id}/medical-history': {
    permission: 'clinical.write', ok: 200,
    build: async (ctx) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/medical-history`);
      ctx.historyVersion = cur.body.version;
      return {
        path: `/api/v1/patients/${ctx.patient.id}/medical-history`,
        json: { version: cur.body.version, other_conditions: unique('condition '), height_cm: 170, weight_kg: 70 },
      };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/medical-history`);
      assert.equal(cur.body.version, ctx.historyVersion + (allowed ? 1 : 0), 'history version after the request');
    },
  },
  'GET /api/v1/patients/{id}/medical-history/versions': {
    permission: 'clinical.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/medical-history/versions` }),
  },
  'GET /api/v1/drugs': { permission: 'clinical.read', ok: 200, build: () => ({ path: '/api/v1/drugs?q=asp&limit=5' }) },
  'GET /api/v1/patients/{id}/screening': {
    permission: 'clinical.read', ok: 200,
    build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/screening?session_at=${sessionAt()}&treatment=prp-hair` }),
  },
  'GET /api/v1/patients/{id}/screenings': {
    permission: 'clinical.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/screenings` }),
  },
  'POST /api/v1/patients/{id}/screenings': {
    permission: 'screening.run', ok: 201,
    build: async (ctx) => {
      ctx.screeningsBefore = await screeningCount(ctx);
      return { path: `/api/v1/patients/${ctx.patient.id}/screenings`, json: { treatment: 'prp-hair', session_at: sessionAt() } };
    },
    check: async (ctx, r, allowed) => {
      assert.equal(await screeningCount(ctx), ctx.screeningsBefore + (allowed ? 1 : 0), 'results stored');
    },
  },
  'GET /api/v1/screenings/{id}': {
    permission: 'clinical.read', ok: 200,
    build: async (ctx) => ({ path: `/api/v1/screenings/${(await newScreening(ctx)).id}` }),
  },
  'POST /api/v1/screenings/{id}/signoff': {
    permission: 'screening.sign', ok: 200,
    build: async (ctx) => {
      ctx.unsigned = await newScreening(ctx);
      return { path: `/api/v1/screenings/${ctx.unsigned.id}/signoff`, json: { decision: 'do_not_proceed' } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/screenings/${ctx.unsigned.id}`);
      assert.equal(cur.body.signoff !== null, allowed, 'signed after the request');
    },
  },
  'GET /api/v1/outbox': { permission: 'outbox.read', ok: 200, build: () => ({ path: '/api/v1/outbox?limit=5' }) },
  'POST /api/v1/outbox/{id}/sent': {
    permission: 'outbox.mark', ok: 200,
    build: (ctx) => {
      ctx.message = newMessage(ctx);
      return { path: `/api/v1/outbox/${ctx.message}/sent`, json: { gateway_ref: 'perm-1' } };
    },
    check: (ctx, r, allowed) => assert.equal(messageStatus(ctx), allowed ? 'sent' : 'pending', 'status after the request'),
  },
  'POST /api/v1/outbox/{id}/failed': {
    permission: 'outbox.mark', ok: 200,
    build: (ctx) => {
      ctx.message = newMessage(ctx);
      return { path: `/api/v1/outbox/${ctx.message}/failed`, json: { error: 'number not reachable' } };
    },
    check: (ctx, r, allowed) => assert.equal(messageStatus(ctx), allowed ? 'failed' : 'pending', 'status after the request'),
  },
  'GET /api/v1/appointments/{id}/ics': {
    permission: 'schedule.read', ok: 200,
    build: (ctx) => {
      ctx.appointment ??= insertAppointment(ctx.server.db, { patientId: ctx.patient.id, startMs: Date.now() + 10 * 86400000 });
      return { path: `/api/v1/appointments/${ctx.appointment}/ics` };
    },
  },
  'GET /api/v1/patients/{id}/courses': {
    permission: 'course.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/courses` }),
  },
  'POST /api/v1/patients/{id}/courses': {
    permission: 'course.prescribe', ok: 201,
    build: async (ctx) => {
      await signedScreening(ctx);
      ctx.coursesBefore = await courseCount(ctx);
      return { path: `/api/v1/patients/${ctx.patient.id}/courses`, json: courseInput() };
    },
    check: async (ctx, r, allowed) => {
      assert.equal(await courseCount(ctx), ctx.coursesBefore + (allowed ? 1 : 0), 'courses after the request');
    },
  },
  'GET /api/v1/courses/{id}': {
    permission: 'course.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/courses/${(await courseOf(ctx)).id}` }),
  },
  'POST /api/v1/courses/{id}/status': {
    permission: 'course.prescribe', ok: 200,
    build: async (ctx) => {
      ctx.fresh = await newCourse(ctx);
      return { path: `/api/v1/courses/${ctx.fresh.id}/status`, json: { status: 'active' } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/courses/${ctx.fresh.id}`);
      assert.equal(cur.body.status, allowed ? 'active' : 'planned', 'status after the request');
    },
  },
  'GET /api/v1/courses/{id}/quote': {
    permission: 'course.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/courses/${(await courseOf(ctx)).id}/quote` }),
  },
  'GET /api/v1/courses/{id}/quote.pdf': {
    permission: 'course.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/courses/${(await courseOf(ctx)).id}/quote.pdf?lang=ar` }),
  },
};

// A pending outbox message of the table's patient, written with SQL (no endpoint makes one).
function newMessage(ctx) {
  return insertMessage(ctx.server.db, { patientId: ctx.patient.id, dueMs: Date.now() - 60000, body: 'Reminder for the permission table' });
}

function messageStatus(ctx) {
  return sql(ctx.server.db, `SELECT status FROM outbox WHERE id = ${ctx.message};`).trim();
}

// A course starting a week from today (UTC, the test server's zone).
function courseInput() {
  const start = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  return { protocol: 'prp-hair', start_date: start, package: true };
}

// A prp-hair screening of the table's patient signed to proceed (with the override's reason,
// since nothing is recorded and the result is incomplete), made once.
async function signedScreening(ctx) {
  if (ctx.signed) return ctx.signed;
  const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/screenings`,
    { treatment: 'prp-hair', session_at: sessionAt() });
  assert.equal(r.status, 201, show(r));
  const s = await ctx.clients.doctor.post(`/api/v1/screenings/${r.body.id}/signoff`,
    { decision: 'proceed', reason: 'Results reviewed with the patient in clinic' });
  assert.equal(s.status, 200, show(s));
  ctx.signed = s.body;
  return ctx.signed;
}

async function newCourse(ctx) {
  await signedScreening(ctx);
  const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/courses`, courseInput());
  assert.equal(r.status, 201, show(r));
  return r.body;
}

async function courseOf(ctx) {
  if (!ctx.course) ctx.course = await newCourse(ctx);
  return ctx.course;
}

async function courseCount(ctx) {
  const r = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/courses`);
  assert.equal(r.status, 200, show(r));
  return r.body.courses.length;
}

// A valid assessment body (a hair complaint seen yesterday).
function assessmentInput() {
  const visit = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  return { visit_date: visit, complaint: 'hair', hair: { norwood: 'III', zones: ['vertex'] }, consent_to_risks: true };
}

// The assessment the table's requests work on, recorded by a doctor the first time it is needed.
async function assessmentOf(ctx) {
  if (!ctx.assessment) {
    const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/assessments`, assessmentInput());
    assert.equal(r.status, 201, show(r));
    ctx.assessment = r.body;
  }
  return ctx.assessment;
}

// A planned session two days ahead: one that may be stored.
function sessionAt() {
  return new Date(Math.ceil((Date.now() + 2 * 86400000) / 3600000) * 3600000).toISOString();
}

async function newScreening(ctx) {
  const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/screenings`,
    { treatment: 'prp-face', session_at: sessionAt() });
  if (r.status !== 201) throw new Error(`cannot store a screening result: ${show(r)}`);
  return r.body;
}

async function screeningCount(ctx) {
  const r = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/screenings?limit=100`);
  return r.body.items.length;
}

const doc = repoOpenApi();
const ops = operations(doc);

function allowedFor(permission, role) {
  if (permission === 'public') return true;
  if (role === 'anonymous') return false;
  if (permission === 'session') return true;
  return PERMISSION_TABLE[permission].includes(role);
}

describe('permission table', () => {
  let server;
  const ctx = {};
  before(async () => {
    server = await startServer();
    ctx.server = server;
    ctx.admin = await loginAdmin(server);
    ctx.accounts = {};
    ctx.clients = {};
    for (const role of ROLES) {
      const c = await userClient(server, ctx.admin, [role]);
      ctx.clients[role] = c;
      ctx.accounts[role] = c.account;
    }
    ctx.patient = await createPatient(ctx.admin, { family_name: 'Permtarget' });
    ctx.lastVersion = ctx.patient.version;
  });
  after(async () => {
    await server?.cleanup();
  });

  it('covers every operation of docs/openapi.json, and nothing else', () => {
    const inDoc = ops.map((o) => o.key).sort();
    assert.deepEqual(inDoc.filter((k) => !TABLE[k]), [], 'operations without a row in the table');
    assert.deepEqual(Object.keys(TABLE).filter((k) => !inDoc.includes(k)), [], 'rows for operations not in openapi.json');
  });

  it('the response checker refuses bodies that do not fit the description', () => {
    const p = { ...ctx.patient };
    assert.deepEqual(check(doc, { $ref: '#/components/schemas/Patient' }, p), []);
    assert.notDeepEqual(check(doc, { $ref: '#/components/schemas/Patient' }, { ...p, mrn: 1234 }), []);
    assert.notDeepEqual(check(doc, { $ref: '#/components/schemas/Patient' }, { ...p, sex: 'f' }), []);
    const { version, ...noVersion } = p;
    assert.ok(version);
    assert.notDeepEqual(check(doc, { $ref: '#/components/schemas/Patient' }, noVersion), []);
    assert.notDeepEqual(check(doc, { $ref: '#/components/schemas/Error' }, { error: { message: 'x' } }), []);
    assert.notDeepEqual(checkResponse(doc, '/api/v1/session', 'DELETE', { status: 204, text: '{}', body: {} }), []);
    assert.notDeepEqual(checkResponse(doc, '/healthz', 'GET', { status: 418, text: '', body: null }), []);
  });

  it('x-permission of every operation is the permission the contract gives it', () => {
    for (const op of ops) assert.equal(op.permission, TABLE[op.key]?.permission, op.key);
  });

  for (const op of ops) {
    for (const role of [...ROLES, 'anonymous']) {
      const row = TABLE[op.key];
      const allowed = row ? allowedFor(row.permission, role) : false;
      const expect = allowed ? `${row?.ok}` : role === 'anonymous' ? '401 unauthenticated' : '403 forbidden';
      it(`${role}: ${op.key} → ${expect}`, async () => {
        assert.ok(row, `no row for ${op.key}`);
        let caller = null;
        if (role !== 'anonymous') {
          if (row.fresh) {
            const u = await createUser(ctx.admin, [role]);
            caller = await login(server.url, u.username, u.password);
          } else {
            caller = ctx.clients[role];
          }
        }
        const spec = await row.build(ctx, role, caller);
        const client = caller ?? new Client(server.url);
        const r = await client.req(op.method, spec.path, spec.json === undefined ? {} : { json: spec.json });
        if (allowed) {
          assert.equal(r.status, row.ok, show(r));
        } else if (role === 'anonymous') {
          assert.equal(r.status, 401, show(r));
          assert.equal(r.body?.error?.code, 'unauthenticated', show(r));
        } else {
          assert.equal(r.status, 403, show(r));
          assert.equal(r.body?.error?.code, 'forbidden', show(r));
        }
        assert.deepEqual(checkResponse(doc, op.path, op.method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
        if (row.check) await row.check(ctx, r, allowed);
      });
    }
  }
});
