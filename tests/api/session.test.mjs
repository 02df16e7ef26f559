// Sessions: login and logout, the cookie's attributes, CSRF on every state-changing endpoint,
// throttling of failed logins, and what disabling a user does to their session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, createPatient, createUser, editable, login, loginAdmin, patientInput, show, startServer,
  strongPassword, unique,
} from '../lib/server.mjs';
import { operations, repoOpenApi } from '../lib/openapi.mjs';
import { insertMessage, sql } from '../lib/sqlfixture.mjs';
import { addCentrifuge, addClinician, addRoom, dayAhead, openEveryDay } from '../lib/calendar.mjs';

function sessionCookie(r) {
  return r.setCookies.find((c) => /^autologa_session=/.test(c));
}

describe('session', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  it('login answers the user, the roles and a CSRF token', async () => {
    const u = await createUser(admin, ['doctor', 'nurse']);
    const c = new Client(server.url);
    const r = await c.login(u.username, u.password);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.user.username, u.username);
    assert.equal(r.body.user.id, u.user.id);
    assert.equal(typeof r.body.user.display_name, 'string');
    assert.deepEqual([...r.body.user.roles].sort(), ['doctor', 'nurse']);
    assert.equal(typeof r.body.csrf_token, 'string');
    assert.ok(r.body.csrf_token.length >= 16, 'csrf token too short to be unguessable');
    assert.ok(!r.text.includes(u.password), 'the password is echoed back');
  });

  it('the session cookie is HttpOnly, SameSite=Strict, Path=/ and not in the body', async () => {
    const c = new Client(server.url);
    const r = await c.login(server.admin.username, server.admin.password);
    assert.equal(r.status, 200, show(r));
    const cookie = sessionCookie(r);
    assert.ok(cookie, `no autologa_session cookie in ${JSON.stringify(r.setCookies)}`);
    const [pair, ...attrs] = cookie.split(';').map((s) => s.trim());
    const value = pair.slice(pair.indexOf('=') + 1);
    assert.ok(value.length >= 20, 'session token too short');
    const lower = attrs.map((a) => a.toLowerCase());
    assert.ok(lower.includes('httponly'), cookie);
    assert.ok(lower.includes('samesite=strict'), cookie);
    assert.ok(lower.includes('path=/'), cookie);
    assert.ok(!r.text.includes(value), 'the session token appears in the body');
  });

  it('GET /api/v1/session answers the same user and token as the login', async () => {
    const c = await loginAdmin(server);
    const r = await c.get('/api/v1/session');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.user.username, server.admin.username);
    assert.deepEqual(r.body.user.roles, ['admin']);
    assert.equal(r.body.csrf_token, c.csrf);
  });

  it('without a cookie, or with a made-up one, GET /api/v1/session is 401 unauthenticated', async () => {
    const anon = new Client(server.url);
    let r = await anon.get('/api/v1/session');
    assert.equal(r.status, 401, show(r));
    assert.equal(r.body?.error?.code, 'unauthenticated');
    anon.cookies.set('autologa_session', 'A'.repeat(43));
    r = await anon.get('/api/v1/session');
    assert.equal(r.status, 401, show(r));
    assert.equal(r.body?.error?.code, 'unauthenticated');
  });

  it('a session id planted before the login is not adopted', async () => {
    const c = new Client(server.url);
    const planted = 'f'.repeat(64);
    c.cookies.set('autologa_session', planted);
    const r = await c.login(server.admin.username, server.admin.password);
    assert.equal(r.status, 200, show(r));
    assert.notEqual(c.cookies.get('autologa_session'), planted);
    const other = new Client(server.url);
    other.cookies.set('autologa_session', planted);
    assert.equal((await other.get('/api/v1/session')).status, 401);
  });

  it('two logins of one user get different sessions and tokens', async () => {
    const a = await loginAdmin(server);
    const b = await loginAdmin(server);
    assert.notEqual(a.cookies.get('autologa_session'), b.cookies.get('autologa_session'));
    assert.notEqual(a.csrf, b.csrf);
  });

  it('a wrong password is 401 bad_credentials, and an unknown user gets the same answer', async () => {
    const u = await createUser(admin, ['nurse']);
    const c = new Client(server.url);
    const wrong = await c.login(u.username, 'not-the-password-1');
    assert.equal(wrong.status, 401, show(wrong));
    assert.equal(wrong.body?.error?.code, 'bad_credentials');
    assert.equal(sessionCookie(wrong), undefined, 'a failed login set a session cookie');
    const unknown = await c.login(unique('nobody'), 'not-the-password-1');
    assert.equal(unknown.status, 401, show(unknown));
    assert.deepEqual(unknown.body, wrong.body);
    // The UI still cannot reach anything.
    const r = await c.get('/api/v1/patients');
    assert.equal(r.status, 401, show(r));
  });

  it('a login without username or password is refused', async () => {
    const c = new Client(server.url);
    for (const body of [{ username: server.admin.username }, { password: server.admin.password }, {}]) {
      const r = await c.req('POST', '/api/v1/session', { json: body });
      assert.ok(r.status === 400 || r.status === 401, `${JSON.stringify(body)}: ${show(r)}`);
      assert.equal(sessionCookie(r), undefined);
    }
  });

  it('logout answers 204, clears the cookie and ends the session on the server', async () => {
    const c = await loginAdmin(server);
    const token = c.cookies.get('autologa_session');
    const r = await c.del('/api/v1/session');
    assert.equal(r.status, 204, show(r));
    const cleared = sessionCookie(r);
    assert.ok(cleared, 'logout does not clear the cookie');
    assert.ok(/max-age=0/i.test(cleared) || /expires=thu, 01 jan 1970/i.test(cleared) || /^autologa_session=;/.test(cleared),
      `cookie not cleared: ${cleared}`);
    // The old token must be dead on the server, not only forgotten by the browser.
    const replay = new Client(server.url);
    replay.cookies.set('autologa_session', token);
    const after1 = await replay.get('/api/v1/session');
    assert.equal(after1.status, 401, show(after1));
    const after2 = await replay.get('/api/v1/patients');
    assert.equal(after2.status, 401, show(after2));
  });

  it('a user changes their own password: the old one stops working', async () => {
    const u = await createUser(admin, ['reception']);
    const c = await login(server.url, u.username, u.password);
    const weak = await c.post('/api/v1/session/password', { current_password: u.password, new_password: 'short' });
    assert.equal(weak.status, 400, show(weak));
    assert.equal(weak.body?.error?.code, 'weak_password');
    assert.equal(weak.body?.error?.field, 'new_password');
    const wrongCurrent = await c.post('/api/v1/session/password', { current_password: 'not-the-password-1', new_password: strongPassword() });
    assert.equal(wrongCurrent.status, 400, show(wrongCurrent));
    assert.equal(wrongCurrent.body?.error?.code, 'bad_credentials');
    assert.equal(wrongCurrent.body?.error?.field, 'current_password');
    assert.equal((await c.get('/api/v1/session')).status, 200, 'a refused change ended the session');
    const other = await login(server.url, u.username, u.password);
    const next = strongPassword();
    const r = await c.post('/api/v1/session/password', { current_password: u.password, new_password: next });
    assert.equal(r.status, 204, show(r));
    // Every session of the user ends, this one included.
    for (const s of [c, other]) {
      const g = await s.get('/api/v1/session');
      assert.equal(g.status, 401, `a session survived the password change: ${show(g)}`);
    }
    const old = await new Client(server.url).login(u.username, u.password);
    assert.equal(old.status, 401, show(old));
    const fresh = await new Client(server.url).login(u.username, next);
    assert.equal(fresh.status, 200, show(fresh));
  });

  it('a disabled user loses their session and cannot log in', async () => {
    const u = await createUser(admin, ['doctor']);
    const c = await login(server.url, u.username, u.password);
    assert.equal((await c.get('/api/v1/patients')).status, 200);
    const r = await admin.put(`/api/v1/users/${u.user.id}`, { display_name: 'Disabled Doctor', roles: ['doctor'], disabled: true });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.disabled, true);
    const s = await c.get('/api/v1/session');
    assert.equal(s.status, 401, show(s));
    assert.equal(s.body?.error?.code, 'unauthenticated');
    const p = await c.get('/api/v1/patients');
    assert.equal(p.status, 401, show(p));
    const again = await new Client(server.url).login(u.username, u.password);
    assert.equal(again.status, 401, show(again));
    // Enabling again lets them back in with the same password.
    const en = await admin.put(`/api/v1/users/${u.user.id}`, { display_name: 'Doctor Again', roles: ['doctor'], disabled: false });
    assert.equal(en.status, 200, show(en));
    const back = await new Client(server.url).login(u.username, u.password);
    assert.equal(back.status, 200, show(back));
  });

  describe('CSRF', () => {
    // A valid request for every state-changing operation, so that only the token is wrong.
    const fixtures = {};
    before(async () => {
      fixtures.patient = await createPatient(admin, { family_name: 'Csrfcheck' });
      fixtures.user = (await createUser(admin, ['nurse'])).user;
      const doctor = await createUser(admin, ['doctor']);
      fixtures.doctor = await login(server.url, doctor.username, doctor.password);
      const lab = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/labs`, {
        analyte: 'platelets', value: 250, unit: '10^9/L', measured_at: '2026-01-10',
      });
      assert.equal(lab.status, 201, show(lab));
      fixtures.lab = lab.body;
      const visit = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
      fixtures.assessmentInput = { visit_date: visit, complaint: 'hair', hair: { norwood: 'II' } };
      const a = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/assessments`, fixtures.assessmentInput);
      assert.equal(a.status, 201, show(a));
      fixtures.assessment = a.body;
      const session = new Date(Date.now() + 2 * 86400000).toISOString();
      const s = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/screenings`, { treatment: 'prp-hair', session_at: session });
      assert.equal(s.status, 201, show(s));
      fixtures.screening = s.body;
      fixtures.message = insertMessage(server.db, { patientId: fixtures.patient.id, dueMs: Date.now(), body: 'Reminder' });
      // A course needs a screening signed to proceed (here against an incomplete result).
      const signed = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/screenings`, { treatment: 'prp-hair', session_at: session });
      assert.equal(signed.status, 201, show(signed));
      const so = await fixtures.doctor.post(`/api/v1/screenings/${signed.body.id}/signoff`,
        { decision: 'proceed', reason: 'Reviewed with the patient in clinic' });
      assert.equal(so.status, 200, show(so));
      fixtures.courseInput = { protocol: 'prp-hair', start_date: session.slice(0, 10), package: false };
      const course = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/courses`, fixtures.courseInput);
      assert.equal(course.status, 201, show(course));
      fixtures.course = course.body;
      await openEveryDay(admin, '09:00', '18:00');
      fixtures.room = await addRoom(admin, 'Csrf room');
      fixtures.clinician = await addClinician(admin, '09:00', '17:00');
      fixtures.centrifuge = await addCentrifuge(admin, 'Csrf centrifuge');
      const closure = await admin.post('/api/v1/schedule/closures', { first_date: dayAhead(300), last_date: dayAhead(300), reason: 'Holiday' });
      assert.equal(closure.status, 201, show(closure));
      fixtures.closure = closure.body.closure;
      fixtures.booking = {
        patient_id: fixtures.patient.id, kind: 'consultation', start: `${dayAhead(20)}T10:00:00.000Z`,
        duration_minutes: 30, prep_minutes: 0, room_id: fixtures.room.id, clinician_id: fixtures.clinician.id,
      };
      const ap = await admin.post('/api/v1/appointments', fixtures.booking);
      assert.equal(ap.status, 201, show(ap));
      fixtures.appointment = ap.body;
      fixtures.booking = { ...fixtures.booking, start: `${dayAhead(21)}T10:00:00.000Z` };
      fixtures.freeNurse = (await createUser(admin, ['nurse'])).user;
      fixtures.adverseInput = { type: 'bruising', severity: 'mild', onset_at: new Date(Date.now() - 3600000).toISOString() };
      const ae = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/adverse-events`, fixtures.adverseInput);
      assert.equal(ae.status, 201, show(ae));
      fixtures.adverse = ae.body;
      fixtures.measurementInput = {
        date: new Date(Date.now() - 86400000).toISOString().slice(0, 10), method: 'manual_count', values: { hair_count: 88 },
      };
      const ms = await fixtures.doctor.post(`/api/v1/patients/${fixtures.patient.id}/measurements`, fixtures.measurementInput);
      assert.equal(ms.status, 201, show(ms));
      fixtures.measurementSet = ms.body;
    });
    const requests = {
      'POST /api/v1/session/password': () => ({ json: { current_password: server.admin.password, new_password: strongPassword() } }),
      'DELETE /api/v1/session': () => ({}),
      'POST /api/v1/patients': () => ({ json: patientInput({ family_name: 'Csrfnew' }) }),
      'PUT /api/v1/patients/{id}': () => ({ id: fixtures.patient.id, json: { ...editable(fixtures.patient), notes: 'changed' } }),
      'DELETE /api/v1/patients/{id}': () => ({ id: fixtures.patient.id, json: { reason: 'Registered twice by mistake' } }),
      'POST /api/v1/users': () => ({ json: { username: unique('csrf'), display_name: 'Csrf User', password: strongPassword(), roles: ['nurse'] } }),
      'PUT /api/v1/users/{id}': () => ({ id: fixtures.user.id, json: { display_name: 'Changed', roles: ['doctor'], disabled: true } }),
      'PUT /api/v1/users/{id}/password': () => ({ id: fixtures.user.id, json: { password: strongPassword() } }),
      'POST /api/v1/patients/{id}/assessments': () => ({ id: fixtures.patient.id, json: fixtures.assessmentInput }),
      'PUT /api/v1/assessments/{id}': () => ({
        id: fixtures.assessment.id, json: { ...fixtures.assessmentInput, notes: 'changed', version: fixtures.assessment.version },
      }),
      'PUT /api/v1/patients/{id}/medical-history': () => ({ id: fixtures.patient.id, json: { version: 0, smoking: 'current' } }),
      'POST /api/v1/patients/{id}/labs': () => ({
        id: fixtures.patient.id, json: { analyte: 'Hb', value: 13, unit: 'g/dL', measured_at: '2026-01-10' },
      }),
      'POST /api/v1/patients/{id}/labs/import': () => ({
        id: fixtures.patient.id, json: { csv: 'date,analyte,value,unit\n2026-01-10,Hb,13,g/dL\n', commit: true },
      }),
      'DELETE /api/v1/labs/{id}': () => ({ id: fixtures.lab.id, json: { reason: 'Entered for the wrong patient' } }),
      'POST /api/v1/patients/{id}/screenings': () => ({ id: fixtures.patient.id, json: { treatment: 'prp-hair', session_at: new Date(Date.now() + 86400000).toISOString() } }),
      'POST /api/v1/screenings/{id}/signoff': () => ({ id: fixtures.screening.id, json: { decision: 'do_not_proceed' } }),
      'POST /api/v1/outbox/{id}/sent': () => ({ id: fixtures.message, json: { gateway_ref: 'csrf' } }),
      'POST /api/v1/outbox/{id}/failed': () => ({ id: fixtures.message, json: { error: 'csrf' } }),
      'POST /api/v1/patients/{id}/courses': () => ({ id: fixtures.patient.id, json: fixtures.courseInput }),
      'POST /api/v1/courses/{id}/status': () => ({ id: fixtures.course.id, json: { status: 'cancelled', reason: 'Not wanted any more' } }),
      'PUT /api/v1/schedule/hours': () => ({ json: { opening_hours: [] } }),
      'POST /api/v1/schedule/closures': () => ({ json: { first_date: dayAhead(301), last_date: dayAhead(301), reason: 'Holiday' } }),
      'DELETE /api/v1/schedule/closures/{id}': () => ({ id: fixtures.closure.id }),
      'POST /api/v1/rooms': () => ({ json: { name: unique('Room '), kind: 'treatment' } }),
      'PATCH /api/v1/rooms/{id}': () => ({ id: fixtures.room.id, json: { active: false } }),
      'POST /api/v1/centrifuges': () => ({ json: { name: unique('Centrifuge ') } }),
      'PATCH /api/v1/centrifuges/{id}': () => ({ id: fixtures.centrifuge.id, json: { active: false } }),
      'POST /api/v1/clinicians': () => ({ json: { user_id: fixtures.freeNurse.id } }),
      'PATCH /api/v1/clinicians/{id}': () => ({ id: fixtures.clinician.id, json: { active: false } }),
      'POST /api/v1/appointments': () => ({ json: fixtures.booking }),
      'POST /api/v1/appointments/{id}/move': () => ({
        id: fixtures.appointment.id, json: { start: `${dayAhead(22)}T10:00:00.000Z`, version: 1 },
      }),
      'POST /api/v1/appointments/{id}/status': () => ({
        id: fixtures.appointment.id, json: { status: 'cancelled', reason: 'Patient called to cancel', version: 1 },
      }),
      // The procedure routes are refused before anything is looked up: no procedure is needed.
      'POST /api/v1/appointments/{id}/procedure': () => ({ id: fixtures.appointment.id, json: { screening_id: 1, treatment: 'prp-hair' } }),
      'PUT /api/v1/procedures/{id}/preparation': () => ({ id: 1, json: { doc: {}, version: 0 } }),
      'PUT /api/v1/procedures/{id}/fat': () => ({ id: 1, json: { doc: {}, version: 0 } }),
      'PUT /api/v1/procedures/{id}/injection': () => ({ id: 1, json: { doc: {}, version: 0 } }),
      'POST /api/v1/procedures/{id}/aftercare': () => ({ id: 1, json: { lang: 'en' } }),
      'POST /api/v1/procedures/{id}/complete': () => ({ id: 1, json: { version: 1 } }),
      'POST /api/v1/procedures/{id}/abandon': () => ({ id: 1, json: { reason: 'Patient felt unwell', version: 1 } }),
      'POST /api/v1/procedures/{id}/specimens': () => ({ id: 1, json: { kind: 'blood_tube' } }),
      'POST /api/v1/procedures/{id}/identity-checks': () => ({ id: 1, json: { patient_scan: fixtures.patient.mrn, specimen_scan: 'S1000002' } }),
      'POST /api/v1/specimens/{id}/events': () => ({ id: 'S1000002', json: { event: 'spun' } }),
      'POST /api/v1/patients/{id}/adverse-events': () => ({ id: fixtures.patient.id, json: fixtures.adverseInput }),
      'PUT /api/v1/adverse-events/{id}': () => ({
        id: fixtures.adverse.id, json: { ...fixtures.adverseInput, severity: 'serious', version: 1 },
      }),
      // The photo routes are refused before the body is read: an upload needs no file here.
      'POST /api/v1/patients/{id}/photos': () => ({ id: fixtures.patient.id }),
      'POST /api/v1/photos/{id}/void': () => ({ id: 1, json: { reason: 'Taken of the wrong side' } }),
      'POST /api/v1/patients/{id}/measurements': () => ({ id: fixtures.patient.id, json: fixtures.measurementInput }),
      'POST /api/v1/patients/{id}/measurements/import': () => ({
        id: fixtures.patient.id, json: { csv: 'date,count\n2026-01-10,90\n', commit: true },
      }),
      'PUT /api/v1/measurements/{id}': () => ({
        id: fixtures.measurementSet.values[0].id, json: { value: 91, version: 1, reason: 'Counted the wrong field' },
      }),
      'POST /api/v1/measurements/{id}/void': () => ({
        id: fixtures.measurementSet.values[0].id, json: { reason: 'Measured on the wrong patient' },
      }),
      // Pure computation: a refused request computes nothing, and the CSRF check comes first.
      'POST /api/v1/prp/simulate': () => ({ json: { blood: {}, tube: {}, rotor: {}, spins: [] } }),
      'POST /api/v1/prp/design': () => ({ json: { blood: {}, tube: {}, rotor: {} } }),
    };
    const ops = operations(repoOpenApi()).filter((o) => o.method !== 'GET' && o.key !== 'POST /api/v1/session');

    it('covers every state-changing operation of docs/openapi.json', () => {
      assert.deepEqual(ops.map((o) => o.key).sort(), Object.keys(requests).sort());
    });

    for (const op of ops) {
      for (const [label, header] of [['missing', undefined], ['wrong', 'x'.repeat(32)], ['empty', '']]) {
        it(`${op.key} with a ${label} X-CSRF-Token is 403 csrf and changes nothing`, async () => {
          const make = requests[op.key];
          assert.ok(make, `no CSRF fixture for ${op.key}`);
          const c = await loginAdmin(server);
          const spec = make();
          const path = op.path.replace('{id}', String(spec.id));
          const before1 = await c.get('/api/v1/patients?limit=1');
          const headers = header === undefined ? {} : { 'X-CSRF-Token': header };
          const r = await c.req(op.method, path, { json: spec.json, headers, csrf: false });
          assert.equal(r.status, 403, show(r));
          assert.equal(r.body?.error?.code, 'csrf', show(r));
          // Nothing happened: the session lives, the patient and user are as they were.
          assert.equal((await c.get('/api/v1/session')).status, 200, 'the session ended');
          const p = await c.get(`/api/v1/patients/${fixtures.patient.id}`);
          assert.equal(p.status, 200, show(p));
          assert.equal(p.body.version, fixtures.patient.version);
          assert.equal(p.body.deleted, false);
          const after1 = await c.get('/api/v1/patients?limit=1');
          assert.equal(after1.body.total, before1.body.total);
          const users = await c.get('/api/v1/users');
          const u = users.body.items.find((x) => x.id === fixtures.user.id);
          assert.deepEqual(u.roles, ['nurse']);
          assert.equal(u.disabled, false);
          const labs = await fixtures.doctor.get(`/api/v1/patients/${fixtures.patient.id}/labs?include_deleted=1`);
          assert.deepEqual(labs.body.items.map((l) => [l.id, l.deleted]), [[fixtures.lab.id, false]]);
          assert.equal((await new Client(server.url).login(server.admin.username, server.admin.password)).status, 200,
            'the admin password changed');
          const clinical = fixtures.doctor;
          const list = await clinical.get(`/api/v1/patients/${fixtures.patient.id}/assessments`);
          assert.deepEqual(list.body.items, [fixtures.assessment], 'the assessments changed');
          const history = await clinical.get(`/api/v1/patients/${fixtures.patient.id}/medical-history`);
          assert.equal(history.body.version, 0, 'the medical history changed');
          assert.equal(sql(server.db, `SELECT status FROM outbox WHERE id = ${fixtures.message};`).trim(), 'pending',
            'the outbox message was marked');
          const courses = await clinical.get(`/api/v1/patients/${fixtures.patient.id}/courses`);
          assert.deepEqual(courses.body.courses.map((x) => [x.id, x.status, x.version]),
            [[fixtures.course.id, 'planned', 1]], 'the courses changed');
          const adverse = await clinical.get(`/api/v1/patients/${fixtures.patient.id}/adverse-events`);
          assert.deepEqual(adverse.body.adverse_events, [fixtures.adverse], 'the adverse events changed');
          const sets = await clinical.get(`/api/v1/patients/${fixtures.patient.id}/measurements?include_voided=1`);
          assert.deepEqual(sets.body.sets, [fixtures.measurementSet], 'the measurements changed');
          // The calendar is as it was.
          const appointments = await c.get(`/api/v1/patients/${fixtures.patient.id}/appointments`);
          assert.deepEqual(appointments.body.appointments, [fixtures.appointment], 'the appointments changed');
          const hours = await c.get('/api/v1/schedule/hours');
          assert.equal(hours.body.opening_hours.length, 7, 'the opening hours changed');
          assert.deepEqual(hours.body.closures, [fixtures.closure], 'the closures changed');
          const rooms = (await c.get('/api/v1/rooms')).body.rooms;
          assert.deepEqual(rooms.map((x) => [x.name, x.active]), [['Csrf room', true]], 'the rooms changed');
          const centrifuges = (await c.get('/api/v1/centrifuges')).body.centrifuges;
          assert.deepEqual(centrifuges.map((x) => [x.name, x.active]), [['Csrf centrifuge', true]], 'the centrifuges changed');
          const clinicians = (await c.get('/api/v1/clinicians')).body.clinicians;
          assert.deepEqual(clinicians.map((x) => [x.id, x.active]), [[fixtures.clinician.id, true]], 'the clinicians changed');
        });
      }
    }

    it('the token of another session is refused', async () => {
      const a = await loginAdmin(server);
      const b = await loginAdmin(server);
      const r = await a.post('/api/v1/patients', patientInput({ family_name: 'Csrfother' }), { headers: { 'X-CSRF-Token': b.csrf } });
      assert.equal(r.status, 403, show(r));
      assert.equal(r.body?.error?.code, 'csrf');
    });

    it('the login itself needs no token', async () => {
      const c = new Client(server.url);
      const r = await c.login(server.admin.username, server.admin.password);
      assert.equal(r.status, 200, show(r));
    });
  });
});

describe('login throttling per username', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.cleanup();
  });

  it('after 5 failures for one username, the 6th attempt is 429 with Retry-After, even with the right password', async () => {
    const admin = await loginAdmin(server);
    const u = await createUser(admin, ['reception']);
    const c = new Client(server.url);
    for (let i = 1; i <= 5; i++) {
      const r = await c.login(u.username, `wrong-password-${i}`);
      assert.equal(r.status, 401, `attempt ${i}: ${show(r)}`);
      assert.equal(r.body?.error?.code, 'bad_credentials');
    }
    const wrong = await c.login(u.username, 'wrong-password-6');
    assert.equal(wrong.status, 429, show(wrong));
    assert.equal(wrong.body?.error?.code, 'throttled');
    const retry = wrong.headers.get('retry-after');
    assert.match(retry || '', /^[0-9]+$/, `Retry-After: ${retry}`);
    assert.ok(Number(retry) > 0 && Number(retry) <= 15 * 60, `Retry-After: ${retry}`);
    const right = await c.login(u.username, u.password);
    assert.equal(right.status, 429, `the right password got through the throttle: ${show(right)}`);
    assert.equal(sessionCookie(right), undefined);
  });

  it('another username from the same address still logs in', async () => {
    const r = await new Client(server.url).login(server.admin.username, server.admin.password);
    assert.equal(r.status, 200, show(r));
  });
});

describe('login throttling per address', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.cleanup();
  });

  it('after 20 failures from one address, even a right login from it is 429', async () => {
    const c = new Client(server.url);
    // 4 failures for each of 5 names: no single username reaches its own limit.
    for (let n = 0; n < 5; n++) {
      const name = unique('guess');
      for (let i = 0; i < 4; i++) {
        const r = await c.login(name, `wrong-password-${i}`);
        assert.equal(r.status, 401, `name ${n} attempt ${i}: ${show(r)}`);
      }
    }
    const r = await c.login(server.admin.username, server.admin.password);
    assert.equal(r.status, 429, show(r));
    assert.equal(r.body?.error?.code, 'throttled');
    assert.match(r.headers.get('retry-after') || '', /^[0-9]+$/);
  });
});
