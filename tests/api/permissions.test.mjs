// Every operation of docs/openapi.json against every role: roles holding the operation's
// permission succeed, the others get 403 forbidden, and a request without a session gets 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, PERMISSION_TABLE, ROLES, createPatient, createUser, editable, login, loginAdmin, patientInput,
  show, startServer, strongPassword, unique, userClient,
} from '../lib/server.mjs';
import { operations, repoOpenApi } from '../lib/openapi.mjs';
import { addCentrifuge, addClinician, addRoom, dayAhead, openEveryDay } from '../lib/calendar.mjs';
import { check, checkResponse } from '../lib/schema.mjs';
import { insertAppointment, insertMessage, lit, sql } from '../lib/sqlfixture.mjs';
import { pngBytes } from '../lib/images.mjs';

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
    build: async (ctx) => ({ path: `/api/v1/appointments/${(await appointmentOf(ctx)).id}/ics` }),
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
  'GET /api/v1/clinic': { permission: 'session', ok: 200, build: () => ({ path: '/api/v1/clinic' }) },
  'GET /api/v1/schedule/hours': { permission: 'schedule.read', ok: 200, build: () => ({ path: '/api/v1/schedule/hours' }) },
  'PUT /api/v1/schedule/hours': {
    permission: 'schedule.manage', ok: 200,
    build: async (ctx) => {
      await calendarOf(ctx);
      ctx.closeAt = `23:${String(10 + (ctx.hoursChanges = (ctx.hoursChanges ?? 0) + 1)).padStart(2, '0')}`;
      const opening_hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, open: '00:00', close: ctx.closeAt }));
      return { path: '/api/v1/schedule/hours', json: { opening_hours } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.admin.get('/api/v1/schedule/hours');
      if (allowed) ctx.closeNow = ctx.closeAt;
      assert.equal(cur.body.opening_hours[0].close, ctx.closeNow, 'closing time after the request');
    },
  },
  'POST /api/v1/schedule/closures': {
    permission: 'schedule.manage', ok: 201,
    build: async (ctx) => {
      ctx.closuresBefore = (await ctx.admin.get('/api/v1/schedule/hours')).body.closures.length;
      return { path: '/api/v1/schedule/closures', json: { first_date: '2040-01-01', last_date: '2040-01-01', reason: 'New year' } };
    },
    check: async (ctx, r, allowed) => {
      const now = (await ctx.admin.get('/api/v1/schedule/hours')).body.closures.length;
      assert.equal(now, ctx.closuresBefore + (allowed ? 1 : 0), 'closures after the request');
    },
  },
  'DELETE /api/v1/schedule/closures/{id}': {
    permission: 'schedule.manage', ok: 204,
    build: async (ctx) => {
      const c = await ctx.admin.post('/api/v1/schedule/closures', { first_date: '2040-02-01', last_date: '2040-02-02', reason: 'Renovation' });
      assert.equal(c.status, 201, show(c));
      ctx.closure = c.body.closure;
      return { path: `/api/v1/schedule/closures/${ctx.closure.id}` };
    },
    check: async (ctx, r, allowed) => {
      const all = (await ctx.admin.get('/api/v1/schedule/hours')).body.closures;
      assert.equal(all.some((c) => c.id === ctx.closure.id), !allowed, 'closure still there after the request');
    },
  },
  'GET /api/v1/schedule/slots': {
    permission: 'schedule.read', ok: 200,
    build: async (ctx) => {
      await calendarOf(ctx);
      return { path: `/api/v1/schedule/slots?from=${dayAhead(200)}&to=${dayAhead(201)}&duration=60&prep=30&room_kind=treatment&limit=2` };
    },
    check: async (ctx, r, allowed) => {
      if (allowed) assert.equal(r.body.slots.length, 2, show(r));
    },
  },
  'GET /api/v1/schedule/day': { permission: 'schedule.read', ok: 200, build: () => ({ path: `/api/v1/schedule/day?date=${dayAhead(100)}` }) },
  'GET /api/v1/schedule/week': {
    permission: 'schedule.read', ok: 200, build: () => ({ path: `/api/v1/schedule/week?start=${dayAhead(100)}&by=clinician` }),
  },
  'GET /api/v1/rooms': { permission: 'schedule.read', ok: 200, build: () => ({ path: '/api/v1/rooms' }) },
  'POST /api/v1/rooms': {
    permission: 'schedule.manage', ok: 201,
    build: () => ({ path: '/api/v1/rooms', json: { name: unique('Room '), kind: 'consultation' } }),
    check: async (ctx, r, allowed) => {
      const name = JSON.parse(r.text || '{}').name;
      if (allowed) assert.ok((await ctx.admin.get('/api/v1/rooms')).body.rooms.some((x) => x.name === name));
    },
  },
  'PATCH /api/v1/rooms/{id}': {
    permission: 'schedule.manage', ok: 200,
    build: async (ctx) => {
      ctx.spareRoom = await addRoom(ctx.admin, unique('Spare '), 'procedure');
      return { path: `/api/v1/rooms/${ctx.spareRoom.id}`, json: { name: `${ctx.spareRoom.name} renamed`, active: false } };
    },
    check: async (ctx, r, allowed) => {
      const room = (await ctx.admin.get('/api/v1/rooms')).body.rooms.find((x) => x.id === ctx.spareRoom.id);
      assert.equal(room.active, !allowed, 'room active after the request');
    },
  },
  'GET /api/v1/centrifuges': { permission: 'schedule.read', ok: 200, build: () => ({ path: '/api/v1/centrifuges' }) },
  'POST /api/v1/centrifuges': {
    permission: 'schedule.manage', ok: 201,
    build: async (ctx) => {
      ctx.centrifugesBefore = (await ctx.admin.get('/api/v1/centrifuges')).body.centrifuges.length;
      return { path: '/api/v1/centrifuges', json: { name: unique('Centrifuge '), rotor_radius_mm: 90 } };
    },
    check: async (ctx, r, allowed) => {
      const now = (await ctx.admin.get('/api/v1/centrifuges')).body.centrifuges.length;
      assert.equal(now, ctx.centrifugesBefore + (allowed ? 1 : 0), 'centrifuges after the request');
    },
  },
  'PATCH /api/v1/centrifuges/{id}': {
    permission: 'schedule.manage', ok: 200,
    build: async (ctx) => {
      ctx.spareCentrifuge = await addCentrifuge(ctx.admin, unique('Spare centrifuge '));
      return { path: `/api/v1/centrifuges/${ctx.spareCentrifuge.id}`, json: { model: null, active: false } };
    },
    check: async (ctx, r, allowed) => {
      const c = (await ctx.admin.get('/api/v1/centrifuges')).body.centrifuges.find((x) => x.id === ctx.spareCentrifuge.id);
      assert.equal(c.active, !allowed, 'centrifuge active after the request');
    },
  },
  'GET /api/v1/clinicians': { permission: 'schedule.read', ok: 200, build: () => ({ path: '/api/v1/clinicians' }) },
  'POST /api/v1/clinicians': {
    permission: 'schedule.manage', ok: 201,
    build: async (ctx) => {
      ctx.newClinician = (await createUser(ctx.admin, ['nurse'])).user;
      return { path: '/api/v1/clinicians', json: { user_id: ctx.newClinician.id, hours: [{ weekday: 1, start: '09:00', end: '13:00' }] } };
    },
    check: async (ctx, r, allowed) => {
      const all = (await ctx.admin.get('/api/v1/clinicians')).body.clinicians;
      assert.equal(all.some((c) => c.user.id === ctx.newClinician.id), allowed, 'clinician after the request');
    },
  },
  'PATCH /api/v1/clinicians/{id}': {
    permission: 'schedule.manage', ok: 200,
    build: async (ctx) => {
      ctx.spareClinician = await addClinician(ctx.admin);
      return { path: `/api/v1/clinicians/${ctx.spareClinician.id}`, json: { hours: [] } };
    },
    check: async (ctx, r, allowed) => {
      const c = (await ctx.admin.get('/api/v1/clinicians')).body.clinicians.find((x) => x.id === ctx.spareClinician.id);
      assert.equal(c.hours.length, allowed ? 0 : 7, 'working days after the request');
    },
  },
  'POST /api/v1/appointments': {
    permission: 'schedule.book', ok: 201,
    build: async (ctx) => ({ path: '/api/v1/appointments', json: await bookingBody(ctx) }),
    check: async (ctx, r, allowed) => {
      const list = await ctx.admin.get(`/api/v1/patients/${ctx.bookedPatient.id}/appointments`);
      assert.equal(list.body.appointments.length, allowed ? 1 : 0, 'appointments after the request');
    },
  },
  'GET /api/v1/appointments/{id}': {
    permission: 'schedule.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/appointments/${(await appointmentOf(ctx)).id}` }),
  },
  'POST /api/v1/appointments/{id}/move': {
    permission: 'schedule.book', ok: 200,
    build: async (ctx) => {
      ctx.moved = await newAppointment(ctx);
      const later = new Date(Date.parse(ctx.moved.start) + 3600000).toISOString();
      return { path: `/api/v1/appointments/${ctx.moved.id}/move`, json: { start: later, version: 1 } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.admin.get(`/api/v1/appointments/${ctx.moved.id}`);
      assert.equal(cur.body.version, allowed ? 2 : 1, 'version after the request');
    },
  },
  'POST /api/v1/appointments/{id}/status': {
    permission: 'schedule.book', ok: 200,
    build: async (ctx) => {
      ctx.checkedIn = await newAppointment(ctx);
      return { path: `/api/v1/appointments/${ctx.checkedIn.id}/status`, json: { status: 'checked_in', version: 1 } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.admin.get(`/api/v1/appointments/${ctx.checkedIn.id}`);
      assert.equal(cur.body.status, allowed ? 'checked_in' : 'booked', 'status after the request');
    },
  },
  'GET /api/v1/patients/{id}/appointments': {
    permission: 'schedule.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/appointments` }),
  },
  'GET /api/v1/patients/{id}/adverse-events': {
    permission: 'adverse.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/adverse-events` }),
  },
  'POST /api/v1/patients/{id}/adverse-events': {
    permission: 'adverse.record', ok: 201,
    build: async (ctx) => {
      ctx.adverseBefore = await adverseCount(ctx);
      return { path: `/api/v1/patients/${ctx.patient.id}/adverse-events`, json: adverseInput() };
    },
    check: async (ctx, r, allowed) => {
      assert.equal(await adverseCount(ctx), ctx.adverseBefore + (allowed ? 1 : 0), 'adverse events after the request');
    },
  },
  'GET /api/v1/adverse-events': {
    permission: 'adverse.read', ok: 200, build: () => ({ path: '/api/v1/adverse-events?severity=severe,serious&outcome=ongoing&limit=5' }),
  },
  'GET /api/v1/adverse-events/{id}': {
    permission: 'adverse.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/adverse-events/${(await adverseOf(ctx)).id}` }),
  },
  'PUT /api/v1/adverse-events/{id}': {
    permission: 'adverse.record', ok: 200,
    build: async (ctx) => {
      ctx.followedUp = await newAdverse(ctx);
      return { path: `/api/v1/adverse-events/${ctx.followedUp.id}`, json: { ...adverseInput(), severity: 'severe', version: 1 } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/adverse-events/${ctx.followedUp.id}`);
      assert.equal(cur.body.version, allowed ? 2 : 1, 'version after the request');
    },
  },
  'GET /api/v1/adverse-events/{id}/versions': {
    permission: 'adverse.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/adverse-events/${(await adverseOf(ctx)).id}/versions` }),
  },
  'GET /api/v1/reports/outcomes': {
    permission: 'report.read', ok: 200, build: () => ({ path: '/api/v1/reports/outcomes?sex=female&window_days=20' }),
  },
  'GET /api/v1/reports/outcomes.csv': {
    permission: 'report.read', ok: 200, build: () => ({ path: '/api/v1/reports/outcomes.csv?protocol=prp-hair' }),
  },
  'GET /api/v1/reports/outcomes/courses.csv': {
    permission: 'report.read', ok: 200, build: () => ({ path: '/api/v1/reports/outcomes/courses.csv?age_band=40_49' }),
  },
  'GET /api/v1/patients/{id}/photos': {
    permission: 'photo.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/photos?include_voided=1` }),
  },
  'POST /api/v1/patients/{id}/photos': {
    permission: 'photo.record', ok: 201,
    build: async (ctx) => {
      ctx.photosBefore = await photoCount(ctx);
      return { ...photoUpload(ctx), body: pngBytes(32, 24, { seed: (ctx.photoSeed = (ctx.photoSeed ?? 0) + 1) }), contentType: 'image/png' };
    },
    check: async (ctx, r, allowed) => assert.equal(await photoCount(ctx), ctx.photosBefore + (allowed ? 1 : 0), 'photos after the request'),
  },
  'GET /api/v1/photos/{id}': {
    permission: 'photo.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/photos/${(await photoOf(ctx)).id}` }),
  },
  'GET /api/v1/photos/{id}/image': {
    permission: 'photo.read', ok: 200, build: async (ctx) => ({ path: (await photoOf(ctx)).image_url }),
  },
  'GET /api/v1/photos/{id}/thumb': {
    permission: 'photo.read', ok: 200, build: async (ctx) => ({ path: (await photoOf(ctx)).thumb_url }),
  },
  'POST /api/v1/photos/{id}/void': {
    permission: 'photo.record', ok: 200,
    build: async (ctx) => {
      ctx.voiding = await newPhoto(ctx);
      return { path: `/api/v1/photos/${ctx.voiding.id}/void`, json: { reason: 'Taken of the wrong side' } };
    },
    check: async (ctx, r, allowed) => {
      const cur = await ctx.clients.doctor.get(`/api/v1/photos/${ctx.voiding.id}`);
      assert.equal(cur.body.voided !== null, allowed, 'voided after the request');
    },
  },
  'GET /api/v1/patients/{id}/measurements': {
    permission: 'outcome.read', ok: 200,
    build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/measurements?measure=hair_density&include_voided=1` }),
  },
  'POST /api/v1/patients/{id}/measurements': {
    permission: 'outcome.record', ok: 201,
    build: async (ctx) => {
      ctx.setsBefore = await measurementSetCount(ctx);
      return { path: `/api/v1/patients/${ctx.patient.id}/measurements`, json: measurementInput() };
    },
    check: async (ctx, r, allowed) => {
      assert.equal(await measurementSetCount(ctx), ctx.setsBefore + (allowed ? 1 : 0), 'sets after the request');
    },
  },
  'POST /api/v1/patients/{id}/measurements/import': {
    permission: 'outcome.record', ok: 201,
    build: async (ctx) => {
      ctx.setsBefore = await measurementSetCount(ctx);
      // Each allowed caller imports a file of its own: the same bytes twice are refused.
      const csv = `Date;Density [1/cm²];Operator\n2026-01-1${ctx.importSeq = (ctx.importSeq ?? 0) + 1};141,5;${unique('op')}\n`;
      return { path: `/api/v1/patients/${ctx.patient.id}/measurements/import`, json: { csv, commit: true } };
    },
    check: async (ctx, r, allowed) => {
      assert.equal(await measurementSetCount(ctx), ctx.setsBefore + (allowed ? 1 : 0), 'sets after the request');
    },
  },
  'PUT /api/v1/measurements/{id}': {
    permission: 'outcome.record', ok: 200,
    build: async (ctx) => {
      ctx.corrected = (await newMeasurementSet(ctx)).values[0];
      return { path: `/api/v1/measurements/${ctx.corrected.id}`, json: { value: 150.5, version: 1, reason: 'Counted the wrong field of view' } };
    },
    check: async (ctx, r, allowed) => {
      const v = await ctx.clients.doctor.get(`/api/v1/measurements/${ctx.corrected.id}/versions`);
      assert.equal(v.body.items.length, allowed ? 2 : 1, 'versions after the request');
    },
  },
  'POST /api/v1/measurements/{id}/void': {
    permission: 'outcome.record', ok: 200,
    build: async (ctx) => {
      ctx.voidedSet = await newMeasurementSet(ctx);
      return { path: `/api/v1/measurements/${ctx.voidedSet.values[0].id}/void`, json: { reason: 'Measured on the wrong patient' } };
    },
    check: async (ctx, r, allowed) => {
      const r2 = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/measurements?include_voided=1`);
      const set = r2.body.sets.find((x) => x.id === ctx.voidedSet.id);
      assert.equal(set.values[0].voided !== null, allowed, 'voided after the request');
    },
  },
  'GET /api/v1/measurements/{id}/versions': {
    permission: 'outcome.read', ok: 200,
    build: async (ctx) => ({ path: `/api/v1/measurements/${(await measurementSetOf(ctx)).values[0].id}/versions` }),
  },
  'GET /api/v1/patients/{id}/timeline': {
    permission: 'outcome.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/timeline` }),
  },
  'GET /api/v1/patients/{id}/outcome-report.pdf': {
    permission: 'outcome.read', ok: 200,
    build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/outcome-report.pdf?lang=en` }),
  },
  'POST /api/v1/procedures/{id}/specimens': {
    permission: 'procedure.record', ok: 201,
    build: async (ctx) => {
      ctx.specimensBefore = specimenCount(ctx);
      return { path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/specimens`, json: { kind: 'blood_tube' } };
    },
    check: (ctx, r, allowed) => {
      assert.equal(specimenCount(ctx), ctx.specimensBefore + (allowed ? 1 : 0), 'specimens after the request');
    },
  },
  'GET /api/v1/procedures/{id}/specimens': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/specimens` }),
  },
  'GET /api/v1/specimens/{id}': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/specimens/${(await prpOf(ctx)).id}` }),
  },
  'POST /api/v1/specimens/{id}/events': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.eventsBefore = specimenEventCount(ctx);
      return { path: `/api/v1/specimens/${(await prpOf(ctx)).id}/events`, json: { event: 'spun' } };
    },
    check: (ctx, r, allowed) => {
      assert.equal(specimenEventCount(ctx), ctx.eventsBefore + (allowed ? 1 : 0), 'events after the request');
    },
  },
  'GET /api/v1/specimens/{id}/label.pdf': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/specimens/${(await prpOf(ctx)).id}/label.pdf` }),
  },
  'GET /api/v1/procedures/{id}/labels.pdf': {
    permission: 'procedure.read', ok: 200,
    build: async (ctx) => {
      await prpOf(ctx);
      return { path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/labels.pdf` };
    },
  },
  'GET /api/v1/patients/{id}/wristband.pdf': {
    permission: 'procedure.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/wristband.pdf` }),
  },
  'POST /api/v1/procedures/{id}/identity-checks': {
    permission: 'procedure.record', ok: 201,
    build: async (ctx) => {
      ctx.checksBefore = identityCheckCount(ctx);
      return {
        path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/identity-checks`,
        json: { patient_scan: ctx.patient.mrn, specimen_scan: (await prpOf(ctx)).id },
      };
    },
    check: (ctx, r, allowed) => {
      assert.equal(identityCheckCount(ctx), ctx.checksBefore + (allowed ? 1 : 0), 'checks after the request');
    },
  },
  'GET /api/v1/procedures/{id}/identity-checks': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/identity-checks` }),
  },
  'POST /api/v1/appointments/{id}/procedure': {
    permission: 'procedure.record', ok: 201,
    build: async (ctx) => {
      const screening = await signedScreening(ctx);
      ctx.chairAppointment = checkedInToday(ctx);
      return { path: `/api/v1/appointments/${ctx.chairAppointment}/procedure`, json: { screening_id: screening.id, treatment: 'prp-hair' } };
    },
    check: async (ctx, r, allowed) => {
      const status = sql(ctx.server.db, `SELECT status FROM appointments WHERE id = ${ctx.chairAppointment};`).trim();
      assert.equal(status, allowed ? 'in_progress' : 'checked_in', 'appointment status after the request');
    },
  },
  'GET /api/v1/appointments/{id}/procedure': {
    permission: 'procedure.read', ok: 200,
    build: async (ctx) => ({ path: `/api/v1/appointments/${(await procedureOf(ctx)).appointmentId}/procedure` }),
  },
  'GET /api/v1/patients/{id}/procedures': {
    permission: 'procedure.read', ok: 200, build: (ctx) => ({ path: `/api/v1/patients/${ctx.patient.id}/procedures` }),
  },
  'GET /api/v1/procedures/{id}': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}` }),
  },
  'PUT /api/v1/procedures/{id}/preparation': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.recorded = await newProcedure(ctx, 'prp-hair');
      return { path: `/api/v1/procedures/${ctx.recorded.id}/preparation`, json: { doc: await preparationDoc(ctx), version: 0 } };
    },
    check: async (ctx, r, allowed) => assert.equal(recordVersions(ctx, 'preparation'), allowed ? 1 : 0),
  },
  'PUT /api/v1/procedures/{id}/fat': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.recorded = await newProcedure(ctx, 'adsc-hair');
      return { path: `/api/v1/procedures/${ctx.recorded.id}/fat`, json: { doc: fatDoc(), version: 0 } };
    },
    check: async (ctx, r, allowed) => assert.equal(recordVersions(ctx, 'fat'), allowed ? 1 : 0),
  },
  'PUT /api/v1/procedures/{id}/injection': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.recorded = await newProcedure(ctx, 'adsc-hair');
      return { path: `/api/v1/procedures/${ctx.recorded.id}/injection`, json: { doc: injectionDoc(), version: 0 } };
    },
    check: async (ctx, r, allowed) => assert.equal(recordVersions(ctx, 'injection'), allowed ? 1 : 0),
  },
  'POST /api/v1/procedures/{id}/aftercare': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/aftercare`, json: { lang: 'ar' } }),
  },
  'GET /api/v1/procedures/{id}/aftercare.pdf': {
    permission: 'procedure.read', ok: 200,
    build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/aftercare.pdf?lang=en` }),
  },
  'POST /api/v1/procedures/{id}/complete': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.ending = await newProcedure(ctx, 'adsc-hair');
      const nurse = ctx.clients.nurse;
      let r = await nurse.put(`/api/v1/procedures/${ctx.ending.id}/fat`, { doc: fatDoc(), version: 0 });
      assert.equal(r.status, 200, show(r));
      r = await nurse.put(`/api/v1/procedures/${ctx.ending.id}/injection`, { doc: injectionDoc(), version: 0 });
      assert.equal(r.status, 200, show(r));
      sql(ctx.server.db, 'INSERT INTO identity_checks (procedure_id, patient_scan, specimen_scan, specimen_id, passed,'
        + ` at, by) VALUES (${ctx.ending.id}, ${lit(ctx.patient.mrn)}, 'S1000007', NULL, 1, ${Date.now()}, 1);`);
      return { path: `/api/v1/procedures/${ctx.ending.id}/complete`, json: { version: r.body.version } };
    },
    check: async (ctx, r, allowed) => assert.equal(procedureStatus(ctx, ctx.ending.id), allowed ? 'completed' : 'open'),
  },
  'POST /api/v1/procedures/{id}/abandon': {
    permission: 'procedure.record', ok: 200,
    build: async (ctx) => {
      ctx.ending = await newProcedure(ctx, 'prp-hair');
      return { path: `/api/v1/procedures/${ctx.ending.id}/abandon`, json: { reason: 'Patient asked to stop before the draw', version: 1 } };
    },
    check: async (ctx, r, allowed) => assert.equal(procedureStatus(ctx, ctx.ending.id), allowed ? 'abandoned' : 'open'),
  },
  'POST /api/v1/prp/simulate': {
    permission: 'procedure.read', ok: 200, build: () => ({ path: '/api/v1/prp/simulate', json: prpSimulateRequest() }),
  },
  'POST /api/v1/prp/design': {
    permission: 'procedure.read', ok: 200,
    build: () => ({ path: '/api/v1/prp/design', json: { ...prpBlood(), grid: { g1: [200], minutes1: [8], g2: [800], minutes2: [10], fractions: [0.333] } } }),
  },
  'GET /api/v1/procedures/{id}/prp-request': {
    permission: 'procedure.read', ok: 200, build: async (ctx) => ({ path: `/api/v1/procedures/${(await procedureOf(ctx)).id}/prp-request` }),
  },
};

// The blood, tube and rotor of a designer request (invented adult values).
function prpBlood() {
  return {
    blood: { volume_ml: 8, hct: 0.42, platelets_per_ul: 250000, wbc_per_ul: 6500, anticoagulant_ml: 0.9 },
    tube: { shape: 'conical', capacity_ml: 15 },
    rotor: { kind: 'swing-out', radius_mm: 150 },
  };
}

// A small simulate request: a coarse grid keeps the table fast.
function prpSimulateRequest() {
  return {
    ...prpBlood(), cells: 60,
    spins: [{ g: 200, minutes: 8, collect: { rule: 'above-rbc', margin_mm: 2 } },
      { g: 800, minutes: 10, collect: { rule: 'keep-bottom-fraction', fraction: 0.333 } }],
  };
}

// A session of the table's patient checked in now, written with SQL (the calendar's rules are
// tested elsewhere; the chair needs an appointment of today).
function checkedInToday(ctx) {
  return insertAppointment(ctx.server.db, { patientId: ctx.patient.id, startMs: Date.now(), minutes: 30, status: 'checked_in' });
}

// A procedure started at the chair by a nurse on a new checked-in session.
async function newProcedure(ctx, treatment) {
  const screening = await signedScreening(ctx);
  const appointmentId = checkedInToday(ctx);
  let screeningId = screening.id;
  if (treatment !== 'prp-hair') {
    const r = await ctx.clients.doctor.post(`/api/v1/patients/${ctx.patient.id}/screenings`, { treatment, session_at: sessionAt() });
    assert.equal(r.status, 201, show(r));
    const s = await ctx.clients.doctor.post(`/api/v1/screenings/${r.body.id}/signoff`,
      { decision: 'proceed', reason: 'Results reviewed with the patient in clinic' });
    assert.equal(s.status, 200, show(s));
    screeningId = r.body.id;
  }
  const r = await ctx.clients.nurse.post(`/api/v1/appointments/${appointmentId}/procedure`, { screening_id: screeningId, treatment });
  assert.equal(r.status, 201, show(r));
  return { id: r.body.id, appointmentId };
}

async function procedureOf(ctx) {
  if (!ctx.procedure) ctx.procedure = await newProcedure(ctx, 'prp-hair');
  return ctx.procedure;
}

// A PRP syringe of that procedure, prepared from a blood tube.
async function prpOf(ctx) {
  if (ctx.prp) return ctx.prp;
  const proc = (await procedureOf(ctx)).id;
  const tube = await ctx.clients.nurse.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'blood_tube' });
  if (tube.status !== 201) throw new Error(`cannot make a blood tube: ${show(tube)}`);
  const prp = await ctx.clients.nurse.post(`/api/v1/procedures/${proc}/specimens`, { kind: 'prp', parent_id: tube.body.id });
  if (prp.status !== 201) throw new Error(`cannot make a PRP syringe: ${show(prp)}`);
  ctx.prp = prp.body;
  return ctx.prp;
}

const specimenCount = (ctx) => Number(sql(ctx.server.db, 'SELECT count(*) FROM specimens').trim());
const specimenEventCount = (ctx) => Number(sql(ctx.server.db, 'SELECT count(*) FROM specimen_events').trim());
const identityCheckCount = (ctx) => Number(sql(ctx.server.db, 'SELECT count(*) FROM identity_checks').trim());

function recordVersions(ctx, section) {
  return Number(sql(ctx.server.db, `SELECT count(*) FROM procedure_records WHERE procedure_id = ${ctx.recorded.id} AND section = '${section}';`).trim());
}

function procedureStatus(ctx, id) {
  return sql(ctx.server.db, `SELECT status FROM procedures WHERE id = ${id};`).trim();
}

async function preparationDoc(ctx) {
  const cal = await calendarOf(ctx);
  return {
    draw: { volume_ml: 18, at: new Date(Date.now() - 1800000).toISOString(), by_user_id: null, site: 'left antecubital vein' },
    centrifuge_id: cal.centrifuge.id,
    spins: [{ rpm: 1500, rcf_g: null, minutes: 10, brake: 'on', temperature_c: 22 }],
    final_volume_ml: 4,
  };
}

function fatDoc() {
  return {
    harvest: { site: 'abdomen', site_other: null, at: new Date(Date.now() - 3600000).toISOString(), tumescent_ml: 100, aspirate_ml: 60, anaesthetic: 'lidocaine 0.5% with adrenaline' },
    processing: { method: 'mechanical', device: 'Example closed processing kit' },
    centrifugation: null,
    final_volume_ml: 20,
    regulatory_basis: 'Minimal manipulation, same-day autologous use under the clinic licence',
  };
}

function injectionDoc() {
  return {
    map: 'scalp',
    zones: [{ zone: 'crown', volume_ml: 2, technique: 'depot', depth: 'subcutaneous', needle_gauge: 25, area_cm2: null }],
    anaesthesia: { kind: 'local_block', agent: 'lidocaine 1%', dose: '4 mL' },
    duration_minutes: 30,
    specimens: [],
  };
}

// A valid adverse event: a mild bruise an hour ago.
function adverseInput() {
  return { type: 'bruising', severity: 'mild', onset_at: new Date(Date.now() - 3600000).toISOString() };
}

async function newAdverse(ctx) {
  const r = await ctx.clients.nurse.post(`/api/v1/patients/${ctx.patient.id}/adverse-events`, adverseInput());
  assert.equal(r.status, 201, show(r));
  return r.body;
}

// The adverse event the table's reads work on, recorded the first time it is needed.
async function adverseOf(ctx) {
  if (!ctx.adverse) ctx.adverse = await newAdverse(ctx);
  return ctx.adverse;
}

// A valid set of measurements: a density and a Norwood grade measured a week ago.
function measurementInput() {
  const date = new Date(Date.now() - 7 * 86400000).toISOString().slice(0, 10);
  return { date, method: 'phototrichogram', area_cm2: 0.65, values: { hair_density: 142.5, norwood: 'III' } };
}

async function newMeasurementSet(ctx) {
  const r = await ctx.clients.nurse.post(`/api/v1/patients/${ctx.patient.id}/measurements`, measurementInput());
  assert.equal(r.status, 201, show(r));
  return r.body;
}

// The set the table's reads work on, recorded the first time it is needed.
async function measurementSetOf(ctx) {
  if (!ctx.measurementSet) ctx.measurementSet = await newMeasurementSet(ctx);
  return ctx.measurementSet;
}

async function measurementSetCount(ctx) {
  const r = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/measurements?include_voided=1`);
  assert.equal(r.status, 200, show(r));
  return r.body.sets.length;
}

async function adverseCount(ctx) {
  const r = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/adverse-events`);
  return r.body.adverse_events.length;
}

// Photos of the table's patient: each upload a different PNG (its seed) of the hair's top view.
function photoUpload(ctx) {
  const date = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  return { path: `/api/v1/patients/${ctx.patient.id}/photos?view=hair_top&date=${date}` };
}

async function newPhoto(ctx) {
  ctx.photoSeed = (ctx.photoSeed ?? 0) + 1;
  const r = await ctx.clients.nurse.req('POST', photoUpload(ctx).path,
    { body: pngBytes(32, 24, { seed: ctx.photoSeed }), contentType: 'image/png' });
  assert.equal(r.status, 201, show(r));
  return r.body;
}

// The photo the table's reads work on: a JPEG (the server's thumbnail of a PNG, uploaded again),
// so that its picture is answered as image/jpeg like most clinic photos.
async function photoOf(ctx) {
  if (!ctx.photo) {
    const png = await newPhoto(ctx);
    const t = await ctx.clients.nurse.get(png.thumb_url, { binary: true });
    assert.equal(t.status, 200, show(t));
    const r = await ctx.clients.nurse.req('POST', photoUpload(ctx).path.replace('hair_top', 'hair_crown'),
      { body: t.bytes, contentType: 'image/jpeg' });
    assert.equal(r.status, 201, show(r));
    ctx.photo = r.body;
  }
  return ctx.photo;
}

async function photoCount(ctx) {
  const r = await ctx.clients.doctor.get(`/api/v1/patients/${ctx.patient.id}/photos`);
  return r.body.photos.length;
}

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

// The calendar the table's bookings use, set up by the admin the first time it is needed: open
// all day every day, a treatment room, a clinician working all day, a centrifuge.
async function calendarOf(ctx) {
  if (!ctx.calendar) {
    await openEveryDay(ctx.admin, '00:00', '23:59');
    ctx.closeNow = '23:59';
    ctx.calendar = {
      room: await addRoom(ctx.admin, unique('Treatment '), 'treatment'),
      clinician: await addClinician(ctx.admin, '00:00', '24:00'),
      centrifuge: await addCentrifuge(ctx.admin, unique('Centrifuge ')),
    };
  }
  return ctx.calendar;
}

// A booking of a new patient at 10:00 UTC on a day of its own, 100 days or more ahead.
async function bookingBody(ctx) {
  const cal = await calendarOf(ctx);
  ctx.bookedPatient = await createPatient(ctx.admin, { family_name: 'Permbooking' });
  ctx.bookingDays = (ctx.bookingDays ?? 100) + 1;
  return {
    patient_id: ctx.bookedPatient.id, kind: 'session', start: `${dayAhead(ctx.bookingDays)}T10:00:00.000Z`,
    duration_minutes: 60, prep_minutes: 30, room_id: cal.room.id, clinician_id: cal.clinician.id,
    centrifuge_id: cal.centrifuge.id,
  };
}

async function newAppointment(ctx) {
  const r = await ctx.admin.post('/api/v1/appointments', await bookingBody(ctx));
  if (r.status !== 201) throw new Error(`cannot book: ${show(r)}`);
  return r.body;
}

async function appointmentOf(ctx) {
  if (!ctx.appointment) ctx.appointment = await newAppointment(ctx);
  return ctx.appointment;
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
        // A file upload sends its raw bytes (spec.body) with their type; everything else JSON.
        const opts = spec.json !== undefined ? { json: spec.json }
          : spec.body !== undefined ? { body: spec.body, contentType: spec.contentType } : {};
        const r = await client.req(op.method, spec.path, opts);
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
