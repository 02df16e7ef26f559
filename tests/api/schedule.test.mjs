// The clinic's calendar over HTTP: its settings, opening hours and closures, rooms, centrifuges and
// clinicians, the slot search, booking with every refusal naming its field, status changes, moves,
// the day and week views, course items booked inside their windows, two clients booking the last
// free slot at the same moment, and a clinic in Europe/London across the March clock change.
// The main server runs in Asia/Dubai (UTC+4), so local and UTC times differ everywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PROTOCOLS, Client, createPatient, createUser, login, poll, roleClients, runCli, show, startServer, unique,
} from '../lib/server.mjs';
import { addCentrifuge, addClinician, addDays, addRoom, dayAhead, openEveryDay } from '../lib/calendar.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const doc = repoOpenApi();

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

// Expects a refusal: status, code and (when given) the field it names.
function refused(r, status, code, field) {
  assert.equal(r.status, status, show(r));
  assert.equal(r.body?.error?.code, code, show(r));
  if (field !== undefined) assert.equal(r.body.error.field, field, show(r));
}

// The UTC instant of a local time in Dubai (UTC+4 all year).
const dubai = (date, hhmm) => new Date(Date.parse(`${date}T${hhmm}:00+04:00`)).toISOString();

// Runs SQL on a test server's database with the sqlite3 tool; returns the output lines.
function sql(server, text) {
  const r = spawnSync('sqlite3', [server.db, text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter((l) => l !== '');
}

describe('calendar', () => {
  let server;
  let c;
  let cal;
  // A week of days of its own, a month ahead: every test books inside one of them.
  const base = dayAhead(30);
  let dayNo = 0;
  const nextDay = () => addDays(base, dayNo++);

  before(async () => {
    server = await startServer({ timeZone: 'Asia/Dubai' });
    c = await roleClients(server);
    const second = await createUser(c.admin, ['reception']);
    c.reception2 = await login(server.url, second.username, second.password);
    await openEveryDay(c.admin, '09:00', '18:00');
    cal = {
      room1: await addRoom(c.admin, 'Treatment room 1'),
      room2: await addRoom(c.admin, 'Treatment room 2'),
      consult: await addRoom(c.admin, 'Consultation room', 'consultation'),
      doc1: await addClinician(c.admin, '09:00', '17:00'),
      doc2: await addClinician(c.admin, '09:00', '17:00'),
      cf1: await addCentrifuge(c.admin, 'Centrifuge A'),
      cf2: await addCentrifuge(c.admin, 'Centrifuge B'),
    };
  });
  after(async () => {
    await server?.cleanup();
  });

  // A booking body for local `hhmm` of `date` (Dubai).
  function body(patient, date, hhmm, extra = {}) {
    return {
      patient_id: patient.id, kind: 'session', start: dubai(date, hhmm), duration_minutes: 60,
      prep_minutes: 30, room_id: cal.room1.id, clinician_id: cal.doc1.id, centrifuge_id: cal.cf1.id, ...extra,
    };
  }

  async function book(client, b, status = 201) {
    const r = await client.post('/api/v1/appointments', b);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/appointments', 'POST', r);
    return r;
  }

  async function auditCount(action, entity, entityId) {
    const r = await c.admin.get(`/api/v1/audit?action=${action}&entity=${entity}&entity_id=${entityId}`);
    assert.equal(r.status, 200, show(r));
    return r.body.items.length;
  }

  it('GET /api/v1/clinic gives the time zone, slot grid, currency and the local date', async () => {
    const r = await c.nurse.get('/api/v1/clinic');
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/clinic', 'GET', r);
    assert.equal(r.body.time_zone, 'Asia/Dubai');
    assert.equal(r.body.slot_minutes, 15);
    assert.equal(r.body.currency, 'AED');
    assert.equal(r.body.today, new Date(Date.now() + 4 * 3600000).toISOString().slice(0, 10));
    const anon = await new Client(server.url).get('/api/v1/clinic');
    refused(anon, 401, 'unauthenticated');
  });

  it('opening hours: a week replaced whole, errors naming the interval', async () => {
    const week = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, open: '09:00', close: '18:00' }));
    let r = await c.admin.put('/api/v1/schedule/hours', { opening_hours: [...week, { weekday: 5, open: '19:00', close: '24:00' }] });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/schedule/hours', 'PUT', r);
    assert.deepEqual(r.body.opening_hours.filter((h) => h.weekday === 5).map((h) => [h.open, h.close]),
      [['09:00', '18:00'], ['19:00', '24:00']]);
    const bad = [
      [{ opening_hours: [{ weekday: 1, open: '09:00', close: '13:00' }, { weekday: 1, open: '12:30', close: '18:00' }] }, 'invalid_value', 'opening_hours[1]'],
      [{ opening_hours: [{ weekday: 1, open: '09:00', close: '08:00' }] }, 'invalid_value', 'opening_hours[0].close'],
      [{ opening_hours: [{ weekday: 1, open: '9am', close: '18:00' }] }, 'invalid_value', 'opening_hours[0].open'],
      [{ opening_hours: [{ weekday: 0, open: '09:00', close: '18:00' }] }, 'out_of_range', 'opening_hours[0].weekday'],
      [{ opening_hours: [{ weekday: 1, open: '09:00' }] }, 'required', 'opening_hours[0].close'],
      [{ opening_hours: 'always' }, 'invalid_type', 'opening_hours'],
      [{}, 'required', 'opening_hours'],
      [{ opening_hours: [], open: true }, 'unknown_field', 'open'],
    ];
    for (const [b, code, field] of bad) {
      r = await c.admin.put('/api/v1/schedule/hours', b);
      refused(r, 400, code, field);
      fits('/api/v1/schedule/hours', 'PUT', r);
    }
    // The refused weeks changed nothing; everyone may read the week, only the admin change it.
    r = await c.reception.get('/api/v1/schedule/hours');
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/schedule/hours', 'GET', r);
    assert.equal(r.body.opening_hours.length, 8);
    refused(await c.doctor.put('/api/v1/schedule/hours', { opening_hours: week }), 403, 'forbidden');
    await openEveryDay(c.admin, '09:00', '18:00');
  });

  it('closures: booked appointments are listed, the day closes, removing it opens it again', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Closureday' });
    const booked = (await book(c.reception, body(p, day, '10:00'))).body;
    let r = await c.admin.post('/api/v1/schedule/closures', { first_date: day, last_date: day, reason: 'Public holiday' });
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/schedule/closures', 'POST', r);
    assert.deepEqual(r.body.affected_appointments.map((a) => a.id), [booked.id]);
    const closure = r.body.closure;
    assert.deepEqual(closure, { id: closure.id, first_date: day, last_date: day, reason: 'Public holiday' });
    refused(await book(c.reception, body(p, day, '14:00'), 409), 409, 'outside_hours', 'start');
    const days = await c.nurse.get(`/api/v1/schedule/day?date=${day}`);
    assert.equal(days.body.closure.id, closure.id);
    refused(await c.admin.post('/api/v1/schedule/closures', { first_date: day, last_date: addDays(day, -1), reason: 'x' }),
      400, 'before_start', 'last_date');
    refused(await c.admin.post('/api/v1/schedule/closures', { first_date: '2030-02-30', last_date: day, reason: 'x' }),
      400, 'invalid_date', 'first_date');
    refused(await c.admin.post('/api/v1/schedule/closures', { first_date: day, last_date: day }), 400, 'required', 'reason');
    refused(await c.reception.post('/api/v1/schedule/closures', { first_date: day, last_date: day, reason: 'x' }), 403, 'forbidden');
    r = await c.admin.del(`/api/v1/schedule/closures/${closure.id}`);
    assert.equal(r.status, 204, show(r));
    fits('/api/v1/schedule/closures/{id}', 'DELETE', r);
    r = await c.admin.del(`/api/v1/schedule/closures/${closure.id}`);
    refused(r, 404, 'not_found');
    fits('/api/v1/schedule/closures/{id}', 'DELETE', r);
    await book(c.reception, body(p, day, '14:00'));
  });

  it('rooms, centrifuges and clinicians: added, changed, refused with the field named', async () => {
    let r = await c.admin.post('/api/v1/rooms', { name: 'Procedure room', kind: 'procedure' });
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/rooms', 'POST', r);
    const proc = r.body;
    assert.deepEqual(proc, { id: proc.id, name: 'Procedure room', kind: 'procedure', active: true });
    refused(await c.admin.post('/api/v1/rooms', { name: 'Procedure room', kind: 'procedure' }), 409, 'conflict', 'name');
    refused(await c.admin.post('/api/v1/rooms', { name: 'Lab', kind: 'laboratory' }), 400, 'invalid_value', 'kind');
    refused(await c.admin.post('/api/v1/rooms', { kind: 'treatment' }), 400, 'required', 'name');
    r = await c.admin.req('PATCH', `/api/v1/rooms/${proc.id}`, { json: { name: 'Procedure room A', active: false } });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/rooms/{id}', 'PATCH', r);
    assert.equal(r.body.active, false);
    refused(await c.admin.req('PATCH', `/api/v1/rooms/${proc.id}`, { json: { name: 'Treatment room 1' } }), 409, 'conflict', 'name');
    refused(await c.admin.req('PATCH', '/api/v1/rooms/99999', { json: { active: true } }), 404, 'not_found');
    r = await c.nurse.get('/api/v1/rooms');
    fits('/api/v1/rooms', 'GET', r);
    assert.ok(r.body.rooms.some((x) => x.id === proc.id && x.name === 'Procedure room A'));

    r = await c.admin.post('/api/v1/centrifuges', { name: 'Centrifuge C', model: 'Benchtop', rotor_radius_mm: 95 });
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/centrifuges', 'POST', r);
    r = await c.admin.req('PATCH', `/api/v1/centrifuges/${r.body.id}`, { json: { model: null, rotor_radius_mm: null } });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/centrifuges/{id}', 'PATCH', r);
    assert.equal(r.body.model, null);
    assert.equal(r.body.rotor_radius_mm, null);
    refused(await c.admin.post('/api/v1/centrifuges', { name: 'Centrifuge D', rotor_radius_mm: 0 }), 400, 'out_of_range', 'rotor_radius_mm');
    r = await c.doctor.get('/api/v1/centrifuges');
    fits('/api/v1/centrifuges', 'GET', r);
    assert.ok(r.body.centrifuges.length >= 3);

    const nurse = (await createUser(c.admin, ['nurse'])).user;
    r = await c.admin.post('/api/v1/clinicians', { user_id: nurse.id, hours: [{ weekday: 6, start: '10:00', end: '14:00' }] });
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/clinicians', 'POST', r);
    assert.deepEqual(r.body.user.roles, ['nurse']);
    assert.deepEqual(r.body.hours, [{ weekday: 6, start: '10:00', end: '14:00' }]);
    refused(await c.admin.post('/api/v1/clinicians', { user_id: nurse.id }), 409, 'conflict', 'user_id');
    refused(await c.admin.post('/api/v1/clinicians', { user_id: c.reception.user.id }), 400, 'invalid_value', 'user_id');
    refused(await c.admin.post('/api/v1/clinicians', { user_id: 99999 }), 400, 'invalid_value', 'user_id');
    refused(await c.admin.post('/api/v1/clinicians', { user_id: nurse.id, hours: [{ weekday: 6, start: '14:00', end: '10:00' }] }),
      400, 'invalid_value', 'hours[0].end');
    r = await c.admin.req('PATCH', `/api/v1/clinicians/${r.body.id}`, { json: { hours: [], active: false } });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/clinicians/{id}', 'PATCH', r);
    assert.deepEqual([r.body.hours, r.body.active], [[], false]);
    r = await c.reception.get('/api/v1/clinicians');
    fits('/api/v1/clinicians', 'GET', r);
    assert.ok(r.body.clinicians.length >= 3);
  });

  it('slots: the first free starts in local time, the patient kept free, bad queries named', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Slotseeker' });
    const q = `from=${day}&to=${day}&duration=60&prep=30&room_kind=treatment`;
    let r = await c.reception.get(`/api/v1/schedule/slots?${q}&limit=3`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/schedule/slots', 'GET', r);
    assert.deepEqual(r.body.slots.map((s) => s.local_start), [`${day}T09:00`, `${day}T09:15`, `${day}T09:30`]);
    assert.equal(r.body.slots[0].start, dubai(day, '09:00'));
    assert.equal(r.body.slots[0].room.name, 'Treatment room 1');
    assert.equal(r.body.slots[0].centrifuge.name, 'Centrifuge A');
    // The patient at a consultation until 10:00 is offered 10:00 first.
    await book(c.reception, body(p, day, '09:00', { kind: 'consultation', prep_minutes: 0, centrifuge_id: null, room_id: cal.consult.id, clinician_id: cal.doc2.id }));
    r = await c.reception.get(`/api/v1/schedule/slots?${q}&patient=${p.id}&limit=1`);
    assert.deepEqual(r.body.slots.map((s) => s.local_start), [`${day}T10:00`]);
    r = await c.reception.get(`/api/v1/schedule/slots?${q}&clinician=${cal.doc2.id}&limit=1`);
    assert.deepEqual(r.body.slots.map((s) => [s.local_start, s.clinician.id]), [[`${day}T10:00`, cal.doc2.id]]);
    const bad = [
      [`to=${day}&duration=60&room_kind=treatment`, 'from'],
      [`from=${day}&to=${addDays(day, -1)}&duration=60&room_kind=treatment`, 'to'],
      [`from=${day}&to=${addDays(day, 92)}&duration=60&room_kind=treatment`, 'to'],
      [`from=${day}&to=${day}&duration=2&room_kind=treatment`, 'duration'],
      [`from=${day}&to=${day}&duration=60&prep=61&room_kind=treatment`, 'prep'],
      [`from=${day}&to=${day}&duration=60&room_kind=lab`, 'room_kind'],
      [`${q}&limit=0`, 'limit'],
      [`${q}&patient=abc`, 'patient'],
      [`${q}&patient=99999`, 'patient'],
      [`${q}&course_item=1`, 'from'],
    ];
    for (const [query, field] of bad) {
      r = await c.reception.get(`/api/v1/schedule/slots?${query}`);
      refused(r, 400, 'invalid_query', field);
      fits('/api/v1/schedule/slots', 'GET', r);
    }
  });

  it('booking: every refusal names its field and writes nothing', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Bookingerrors' });
    const other = await createPatient(c.reception, { family_name: 'Bookingother' });
    const count = async () => (await c.reception.get(`/api/v1/patients/${p.id}/appointments`)).body.appointments.length;
    const without = (k) => {
      const b = body(p, day, '10:00');
      delete b[k];
      return b;
    };
    const cases = [
      [without('patient_id'), 400, 'required', 'patient_id'],
      [without('kind'), 400, 'required', 'kind'],
      [without('start'), 400, 'required', 'start'],
      [without('duration_minutes'), 400, 'required', 'duration_minutes'],
      [without('room_id'), 400, 'required', 'room_id'],
      [without('centrifuge_id'), 400, 'required', 'centrifuge_id'],
      [body(p, day, '10:00', { colour: 'blue' }), 400, 'unknown_field', 'colour'],
      [body(p, day, '10:00', { kind: 'surgery' }), 400, 'invalid_value', 'kind'],
      [body(p, day, '10:00', { start: day }), 400, 'invalid_date', 'start'],
      [body(p, day, '10:00', { start: `${day}T10:00:00+04:00` }), 400, 'invalid_date', 'start'],
      [body(p, day, '10:10'), 400, 'invalid_value', 'start'],
      [body(p, day, '10:00', { start: '2020-01-05T06:00:00.000Z' }), 400, 'out_of_range', 'start'],
      [body(p, day, '10:00', { duration_minutes: 721 }), 400, 'out_of_range', 'duration_minutes'],
      [body(p, day, '10:00', { duration_minutes: 20 }), 400, 'out_of_range', 'prep_minutes'],
      [body(p, day, '10:00', { prep_minutes: 0 }), 400, 'invalid_value', 'centrifuge_id'],
      [body(p, day, '10:00', { room_id: 99999 }), 400, 'invalid_value', 'room_id'],
      [body(p, day, '10:00', { clinician_id: 'one' }), 400, 'invalid_type', 'clinician_id'],
      [body({ id: 99999 }, day, '10:00'), 400, 'invalid_value', 'patient_id'],
      [body(p, day, '10:00', { notes: 'n'.repeat(2001) }), 400, 'too_long', 'notes'],
      [body(p, day, '08:30'), 409, 'outside_hours', 'start'],
      [body(p, day, '17:30'), 409, 'outside_hours', 'start'],
      [body(p, day, '16:30'), 409, 'outside_hours', 'clinician_id'],
    ];
    for (const [b, status, code, field] of cases) {
      const r = await c.reception.post('/api/v1/appointments', b);
      refused(r, status, code, field);
      fits('/api/v1/appointments', 'POST', r);
    }
    assert.equal(await count(), 0);
    // One session at 10:00; each thing it holds is named when another booking wants it.
    await book(c.reception, body(p, day, '10:00'));
    const taken = [
      [body(other, day, '10:30', { room_id: cal.room1.id, clinician_id: cal.doc2.id, prep_minutes: 0, centrifuge_id: null }), 'room_id'],
      [body(other, day, '10:45', { room_id: cal.room2.id, clinician_id: cal.doc1.id, prep_minutes: 0, centrifuge_id: null }), 'clinician_id'],
      [body(other, day, '10:15', { room_id: cal.room2.id, clinician_id: cal.doc2.id, centrifuge_id: cal.cf1.id }), 'centrifuge_id'],
      [body(p, day, '10:30', { room_id: cal.consult.id, clinician_id: cal.doc2.id, kind: 'consultation', prep_minutes: 0, centrifuge_id: null }), 'patient_id'],
    ];
    for (const [b, field] of taken) refused(await book(c.reception, b, 409), 409, 'slot_taken', field);
    assert.equal(await count(), 1);
    assert.equal((await c.reception.get(`/api/v1/patients/${other.id}/appointments`)).body.appointments.length, 0);
    // The centrifuge is free after its half hour.
    await book(c.reception, body(other, day, '10:30', { room_id: cal.room2.id, clinician_id: cal.doc2.id }));
  });

  it('an appointment reads back as booked, in local and UTC time, and its reads are audited', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Readback', given_name_ar: 'ليلى', family_name_ar: 'حداد' });
    const r = await book(c.doctor, body(p, day, '09:00', { notes: 'first session' }));
    const a = r.body;
    assert.equal(a.start, dubai(day, '09:00'));
    assert.equal(a.end, dubai(day, '10:00'));
    assert.equal(a.local_start, `${day}T09:00`);
    assert.equal(a.local_end, `${day}T10:00`);
    assert.deepEqual(a.patient, { id: p.id, mrn: p.mrn, name: { en: 'Sample Readback', ar: 'ليلى حداد' }, preferred_language: 'en' });
    assert.deepEqual([a.kind, a.status, a.version, a.prep_minutes, a.notes], ['session', 'booked', 1, 30, 'first session']);
    assert.deepEqual([a.course_item_id, a.course_id, a.status_reason, a.override_reason], [null, null, null, null]);
    assert.deepEqual(a.room, { id: cal.room1.id, name: 'Treatment room 1' });
    assert.deepEqual(a.centrifuge, { id: cal.cf1.id, name: 'Centrifuge A' });
    let g = await c.nurse.get(`/api/v1/appointments/${a.id}`);
    assert.equal(g.status, 200, show(g));
    fits('/api/v1/appointments/{id}', 'GET', g);
    assert.deepEqual(g.body, a);
    g = await c.nurse.get(`/api/v1/patients/${p.id}/appointments`);
    fits('/api/v1/patients/{id}/appointments', 'GET', g);
    assert.deepEqual(g.body.appointments, [a]);
    refused(await c.nurse.get('/api/v1/appointments/99999'), 404, 'not_found');
    refused(await c.nurse.get('/api/v1/patients/99999/appointments'), 404, 'not_found');
    assert.equal(await auditCount('appointment.book', 'appointment', a.id), 1);
    assert.ok(await poll(async () => (await auditCount('appointment.read', 'patient', p.id)) === 1));
    assert.ok(await poll(async () => (await auditCount('appointment.list', 'patient', p.id)) === 1));
  });

  it('status: the allowed transitions, a reason to cancel, stale versions refused', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Statuses' });
    const a = (await book(c.reception, body(p, day, '09:00'))).body;
    const set = (status, version, extra = {}) => c.nurse.post(`/api/v1/appointments/${a.id}/status`, { status, version, ...extra });
    let r = await set('done', 1);
    refused(r, 409, 'invalid_transition', 'status');
    fits('/api/v1/appointments/{id}/status', 'POST', r);
    refused(await set('cancelled', 1), 400, 'required', 'reason');
    refused(await set('checked_in', 2), 409, 'stale_version', 'version');
    refused(await set('arrived', 1), 400, 'invalid_value', 'status');
    let v = 1;
    for (const status of ['checked_in', 'in_progress', 'done']) {
      r = await set(status, v);
      assert.equal(r.status, 200, show(r));
      fits('/api/v1/appointments/{id}/status', 'POST', r);
      assert.equal(r.body.status, status);
      v = r.body.version;
    }
    for (const status of ['booked', 'checked_in', 'in_progress', 'cancelled', 'no_show']) {
      refused(await set(status, v, { reason: 'changed our minds' }), 409, 'invalid_transition', 'status');
    }
    // A checked-in patient who leaves is a no-show; it frees the slot.
    const b = (await book(c.reception, body(p, day, '11:00'))).body;
    r = await c.reception.post(`/api/v1/appointments/${b.id}/status`, { status: 'checked_in', version: 1 });
    r = await c.reception.post(`/api/v1/appointments/${b.id}/status`, { status: 'no_show', version: 2, reason: 'left before the session' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.status_reason, 'left before the session');
    refused(await c.reception.post('/api/v1/appointments/99999/status', { status: 'checked_in', version: 1 }), 404, 'not_found');
    assert.equal(await auditCount('appointment.status', 'appointment', a.id), 3);
  });

  it('a cancelled appointment frees its slot for the next patient', async () => {
    const day = nextDay();
    const first = await createPatient(c.reception, { family_name: 'Cancelfirst' });
    const second = await createPatient(c.reception, { family_name: 'Cancelsecond' });
    const a = (await book(c.reception, body(first, day, '12:00'))).body;
    refused(await book(c.reception, body(second, day, '12:00'), 409), 409, 'slot_taken', 'room_id');
    let r = await c.reception.get(`/api/v1/schedule/slots?from=${day}&to=${day}&duration=60&prep=30&room_kind=treatment&clinician=${cal.doc1.id}&limit=50`);
    assert.ok(!r.body.slots.some((s) => s.local_start === `${day}T12:00` && s.room.id === cal.room1.id));
    r = await c.reception.post(`/api/v1/appointments/${a.id}/status`, { status: 'cancelled', reason: 'patient is travelling', version: 1 });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual([r.body.status, r.body.status_reason], ['cancelled', 'patient is travelling']);
    const b = (await book(c.reception, body(second, day, '12:00'))).body;
    assert.equal(b.local_start, `${day}T12:00`);
    // The day shows the new one; the cancelled one only when asked for.
    r = await c.nurse.get(`/api/v1/schedule/day?date=${day}`);
    assert.ok(r.body.appointments.some((x) => x.id === b.id));
    assert.ok(!r.body.appointments.some((x) => x.id === a.id));
    r = await c.nurse.get(`/api/v1/schedule/day?date=${day}&cancelled=1`);
    assert.ok(r.body.appointments.some((x) => x.id === a.id));
  });

  it('move: a preview writes nothing, a move keeps the length, refusals leave it where it was', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Mover' });
    const q = await createPatient(c.reception, { family_name: 'Blocker' });
    const a = (await book(c.reception, body(p, day, '10:00'))).body;
    await book(c.reception, body(q, day, '13:00'));
    const move = (b) => c.reception.post(`/api/v1/appointments/${a.id}/move`, b);
    let r = await move({ start: dubai(day, '14:00'), version: 1, preview: true });
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/appointments/{id}/move', 'POST', r);
    assert.deepEqual([r.body.appointment.local_start, r.body.appointment.local_end], [`${day}T14:00`, `${day}T15:00`]);
    assert.equal(r.body.course_effects, null);
    let cur = (await c.reception.get(`/api/v1/appointments/${a.id}`)).body;
    assert.deepEqual([cur.local_start, cur.version], [`${day}T10:00`, 1]);
    refused(await move({ start: dubai(day, '12:30'), version: 1, preview: true }), 409, 'slot_taken', 'room_id');
    // A quarter of an hour later overlaps only itself.
    r = await move({ start: dubai(day, '10:15'), version: 1 });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual([r.body.appointment.local_start, r.body.appointment.version], [`${day}T10:15`, 2]);
    refused(await move({ start: dubai(day, '14:00'), version: 1 }), 409, 'stale_version', 'version');
    refused(await move({ start: dubai(day, '12:30'), version: 2 }), 409, 'slot_taken', 'room_id');
    refused(await move({ start: dubai(day, '07:00'), version: 2 }), 409, 'outside_hours', 'start');
    refused(await move({ version: 2 }), 400, 'required', 'start');
    refused(await move({ start: dubai(day, '14:00') }), 400, 'required', 'version');
    cur = (await c.reception.get(`/api/v1/appointments/${a.id}`)).body;
    assert.deepEqual([cur.local_start, cur.version], [`${day}T10:15`, 2]);
    // To another room and clinician at the busy hour.
    r = await move({ start: dubai(day, '13:00'), version: 2, room_id: cal.room2.id, clinician_id: cal.doc2.id, centrifuge_id: cal.cf2.id });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual([r.body.appointment.room.id, r.body.appointment.clinician.id, r.body.appointment.centrifuge.id],
      [cal.room2.id, cal.doc2.id, cal.cf2.id]);
    // Its old place is free.
    await book(c.reception, body(q, day, '10:00'));
    assert.equal(await auditCount('appointment.move', 'appointment', a.id), 2);
    refused(await c.reception.post('/api/v1/appointments/99999/move', { start: dubai(day, '14:00'), version: 1 }), 404, 'not_found');
  });

  it('day and week views, by room and by clinician', async () => {
    const day = nextDay();
    const p = await createPatient(c.reception, { family_name: 'Viewer' });
    const a = (await book(c.reception, body(p, day, '15:00', { room_id: cal.room2.id, clinician_id: cal.doc2.id, centrifuge_id: cal.cf2.id }))).body;
    let r = await c.nurse.get(`/api/v1/schedule/day?date=${day}&by=room`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/schedule/day', 'GET', r);
    assert.deepEqual([r.body.date, r.body.time_zone, r.body.open, r.body.close, r.body.closure], [day, 'Asia/Dubai', '09:00', '18:00', null]);
    assert.ok(r.body.columns.some((col) => col.id === cal.room2.id && col.name === 'Treatment room 2'));
    assert.ok(r.body.columns.every((col) => col.name !== 'Procedure room A'), 'an inactive room without appointments is a column');
    assert.deepEqual(r.body.appointments, [a], 'the day shows the appointment as booked');
    r = await c.nurse.get(`/api/v1/schedule/day?date=${day}&by=clinician`);
    assert.ok(r.body.columns.some((col) => col.id === cal.doc2.id));
    // The appointment at 15:00 in Dubai is 11:00 UTC: it belongs to the local day.
    r = await c.reception.get(`/api/v1/schedule/week?start=${addDays(day, -3)}`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/schedule/week', 'GET', r);
    assert.deepEqual(r.body.days.map((d) => d.date), [0, 1, 2, 3, 4, 5, 6].map((n) => addDays(day, n - 3)));
    assert.ok(r.body.days[3].appointments.some((x) => x.id === a.id));
    for (const [query, field] of [['', 'date'], ['date=tomorrow', 'date'], [`date=${day}&by=nurse`, 'by'], [`date=${day}&cancelled=yes`, 'cancelled']]) {
      r = await c.nurse.get(`/api/v1/schedule/day?${query}`);
      refused(r, 400, 'invalid_query', field);
      fits('/api/v1/schedule/day', 'GET', r);
    }
    refused(await c.nurse.get('/api/v1/schedule/week?date=2030-01-01'), 400, 'invalid_query', 'start');
    assert.ok(await poll(async () => (await auditCount('schedule.day', 'schedule', day)) >= 2));
  });

  it('a course item is booked inside its window, or outside it with a reason, and follows its appointment', async () => {
    const p = await createPatient(c.reception, { family_name: 'Coursepatient' });
    const first = addDays(base, 20);
    const last = addDays(base, 27);
    // The course tables are filled directly: the courses API is not this suite's subject.
    sql(server, `INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs, rules_sha256, computed_at)
      VALUES (${p.id}, 'prp-hair', 0, 'eligible', '{}', '{}', 'x', 0);
      INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id, status, start_date, currency,
        package, discount_minor, version, created_at, created_by, updated_at, updated_by)
      VALUES (${p.id}, 'prp-hair', '{}', 'x', last_insert_rowid(), 'active', '${first}', 'AED', 0, 0, 1, 0, 1, 0, 1);
      INSERT INTO course_items (course_id, seq, kind, window_before_days, window_after_days, target_date, earliest_date,
        latest_date, duration_minutes, prep_minutes, room_kind, price_minor, status)
      VALUES (last_insert_rowid(), 1, 'session', 0, 7, '${first}', '${first}', '${last}', 45, 30, 'treatment', 150000, 'planned');`);
    const item = Number(sql(server, 'SELECT max(id) FROM course_items')[0]);
    const course = Number(sql(server, 'SELECT max(id) FROM courses')[0]);
    const itemStatus = () => sql(server, `SELECT status FROM course_items WHERE id = ${item}`)[0];
    let r = await c.reception.get(`/api/v1/schedule/slots?course_item=${item}&limit=1`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.body.slots.map((s) => [s.local_start, s.local_end]), [[`${first}T09:00`, `${first}T09:45`]]);
    const itemBody = (date, hhmm, extra = {}) => ({
      patient_id: p.id, course_item_id: item, start: dubai(date, hhmm), room_id: cal.room1.id,
      clinician_id: cal.doc1.id, centrifuge_id: cal.cf1.id, ...extra,
    });
    refused(await book(c.reception, itemBody(addDays(last, 1), '09:00'), 409), 409, 'outside_window', 'start');
    refused(await book(c.reception, itemBody(addDays(last, 1), '09:00', { override_reason: 'away' }), 400), 400, 'too_short', 'override_reason');
    refused(await book(c.reception, itemBody(first, '09:00', { room_id: cal.consult.id }), 400), 400, 'invalid_value', 'room_id');
    const stranger = await createPatient(c.reception, { family_name: 'Notmycourse' });
    refused(await book(c.reception, itemBody(first, '09:00', { patient_id: stranger.id }), 400), 400, 'invalid_value', 'course_item_id');
    assert.equal(itemStatus(), 'planned');
    const a = (await book(c.reception, itemBody(first, '09:00'))).body;
    assert.deepEqual([a.course_item_id, a.course_id, a.kind, a.prep_minutes, a.local_end], [item, course, 'session', 30, `${first}T09:45`]);
    assert.equal(itemStatus(), 'booked');
    refused(await book(c.reception, itemBody(addDays(first, 1), '09:00'), 409), 409, 'invalid_transition', 'course_item_id');
    r = await c.reception.post(`/api/v1/appointments/${a.id}/move`, { start: dubai(addDays(last, 2), '09:00'), version: 1, preview: true });
    refused(r, 409, 'outside_window', 'start');
    r = await c.reception.post(`/api/v1/appointments/${a.id}/move`, {
      start: dubai(addDays(last, 2), '09:00'), version: 1, override_reason: 'the patient travels that week',
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.appointment.override_reason, 'the patient travels that week');
    r = await c.reception.post(`/api/v1/appointments/${a.id}/status`, { status: 'cancelled', reason: 'rebooking inside the window', version: 2 });
    assert.equal(r.status, 200, show(r));
    assert.equal(itemStatus(), 'planned');
    const b = (await book(c.reception, itemBody(addDays(first, 2), '10:00'))).body;
    await c.reception.post(`/api/v1/appointments/${b.id}/status`, { status: 'no_show', version: 1 });
    assert.equal(itemStatus(), 'missed');
    const d = (await book(c.reception, itemBody(addDays(first, 3), '10:00'))).body;
    let v = 1;
    for (const status of ['checked_in', 'in_progress', 'done']) {
      r = await c.nurse.post(`/api/v1/appointments/${d.id}/status`, { status, version: v });
      v = r.body.version;
    }
    assert.equal(itemStatus(), 'done');
  });

  // The concurrency test: the last free slot of a day, two receptionists, one moment.
  it('two clients booking the last free slot at once: one 201, one 409, one appointment in the database', async () => {
    const room = await addRoom(c.admin, unique('Single room '));
    const clinician = await addClinician(c.admin, '09:00', '17:00');
    for (let round = 0; round < 6; round++) {
      const day = addDays(base, 40 + round);
      const p1 = await createPatient(c.reception, { family_name: 'Racerone' });
      const p2 = await createPatient(c.reception2, { family_name: 'Racertwo' });
      // Every other room and clinician is busy all day: only this room and clinician are left.
      await c.admin.req('PATCH', `/api/v1/rooms/${cal.room1.id}`, { json: { active: false } });
      await c.admin.req('PATCH', `/api/v1/rooms/${cal.room2.id}`, { json: { active: false } });
      const slotQuery = `from=${day}&to=${day}&duration=480&room_kind=treatment&limit=5`;
      let r = await c.reception.get(`/api/v1/schedule/slots?${slotQuery}`);
      assert.deepEqual(r.body.slots.map((s) => [s.local_start, s.room.id]), [[`${day}T09:00`, room.id]], 'exactly one free slot');
      const b = (p) => ({
        patient_id: p.id, kind: 'consultation', start: dubai(day, '09:00'), duration_minutes: 480,
        prep_minutes: 0, room_id: room.id, clinician_id: clinician.id,
      });
      const [x, y] = await Promise.all([
        c.reception.post('/api/v1/appointments', b(p1)),
        c.reception2.post('/api/v1/appointments', b(p2)),
      ]);
      const statuses = [x.status, y.status].sort();
      assert.deepEqual(statuses, [201, 409], `${show(x)}\n${show(y)}`);
      const loser = x.status === 409 ? x : y;
      const winner = x.status === 201 ? x : y;
      assert.equal(loser.body.error.code, 'slot_taken', show(loser));
      assert.ok(['room_id', 'clinician_id'].includes(loser.body.error.field), show(loser));
      fits('/api/v1/appointments', 'POST', loser);
      fits('/api/v1/appointments', 'POST', winner);
      // In the database: one appointment that day in that room, with its three holds.
      const from = Date.parse(dubai(day, '00:00'));
      const to = from + 86400000;
      assert.deepEqual(sql(server, `SELECT count(*) FROM appointments WHERE room_id = ${room.id} AND start_ms >= ${from} AND start_ms < ${to}`), ['1']);
      assert.deepEqual(sql(server, `SELECT count(*) FROM appointments WHERE patient_id IN (${p1.id}, ${p2.id})`), ['1']);
      assert.deepEqual(sql(server, `SELECT resource, count(*) FROM appointment_holds WHERE appointment_id = ${winner.body.id} GROUP BY resource ORDER BY resource`),
        ['clinician|1', 'patient|1', 'room|1']);
      assert.deepEqual(sql(server, `SELECT count(*) FROM appointment_holds h LEFT JOIN appointments a ON a.id = h.appointment_id
        WHERE a.id IS NULL OR a.patient_id IN (${p1.id}, ${p2.id})`), ['3']);
      r = await c.reception.get(`/api/v1/schedule/slots?${slotQuery}`);
      assert.equal(r.body.slots.length, 0, 'a slot is left after the last one was booked');
      await c.admin.req('PATCH', `/api/v1/rooms/${cal.room1.id}`, { json: { active: true } });
      await c.admin.req('PATCH', `/api/v1/rooms/${cal.room2.id}`, { json: { active: true } });
    }
  });

  it('a bad slot grid, currency or time zone stops the server naming the key; [clinic] in the configuration', async () => {
    const db = server.db;
    const serve = (args) => runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', ...args]);
    let r = serve(['--slot-minutes', '7']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /slot_minutes/);
    r = serve(['--currency', 'dirham']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /currency/);
    r = serve(['--time-zone', 'Europe/Atlantis']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--time-zone 'Europe\/Atlantis'.*time_zone/);
    const ini = join(server.dir, 'clinic.ini');
    await writeFile(ini, '[clinic]\ntime_zone = Europe/Atlantis\n');
    r = serve(['--config', ini]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\[clinic\] time_zone 'Europe\/Atlantis'/);
    await writeFile(ini, '[clinic]\nslot_minutes = 45\n');
    r = serve(['--config', ini]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\[clinic\] slot_minutes = 45/);
    await writeFile(ini, '[clinic]\nopening = 09:00\n');
    r = serve(['--config', ini]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\[clinic\] opening = 09:00 is unknown/);
    // The shipped protocols price in AED: a clinic in another currency must reprice them first.
    r = serve(['--currency', 'SAR', '--protocols', PROTOCOLS]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /pricing.*currency.*'AED'.*'SAR'/);
    const good = await startServer({ config: '[clinic]\ntime_zone = Asia/Riyadh\nslot_minutes = 30\ncurrency = AED\n' });
    try {
      const admin = await login(good.url, good.admin.username, good.admin.password);
      r = await admin.get('/api/v1/clinic');
      assert.deepEqual([r.body.time_zone, r.body.slot_minutes, r.body.currency], ['Asia/Riyadh', 30, 'AED']);
    } finally {
      await good.cleanup();
    }
  });
});

// The last Sunday of March of the first year whose change is more than two days away.
function marchChange() {
  for (let year = new Date().getUTCFullYear(); ; year++) {
    const d = new Date(Date.UTC(year, 2, 31));
    while (d.getUTCDay() !== 0) d.setUTCDate(d.getUTCDate() - 1);
    if (d.getTime() - Date.now() > 2 * 86400000) return d.toISOString().slice(0, 10);
  }
}

describe('a clinic in Europe/London across the March clock change', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer({ timeZone: 'Europe/London' });
    admin = await login(server.url, server.admin.username, server.admin.password);
  });
  after(async () => {
    await server?.cleanup();
  });

  it('09:00 local on both sides is 09:00 UTC before and 08:00 UTC after', async () => {
    await openEveryDay(admin, '09:00', '18:00');
    const room = await addRoom(admin, 'Treatment room');
    const clinician = await addClinician(admin, '09:00', '17:00');
    const p = await createPatient(admin, { family_name: 'Londoner' });
    const change = marchChange();
    const before = addDays(change, -1);
    const afterDay = addDays(change, 1);
    const r = await admin.get('/api/v1/clinic');
    assert.equal(r.body.time_zone, 'Europe/London');
    const starts = [];
    for (const day of [before, afterDay]) {
      const s = await admin.get(`/api/v1/schedule/slots?from=${day}&to=${day}&duration=60&room_kind=treatment&patient=${p.id}&limit=1`);
      assert.equal(s.status, 200, show(s));
      assert.equal(s.body.slots[0].local_start, `${day}T09:00`);
      const b = await admin.post('/api/v1/appointments', {
        patient_id: p.id, kind: 'consultation', start: s.body.slots[0].start, duration_minutes: 60,
        prep_minutes: 0, room_id: room.id, clinician_id: clinician.id,
      });
      assert.equal(b.status, 201, show(b));
      assert.equal(b.body.local_start, `${day}T09:00`);
      starts.push(b.body.start);
    }
    assert.equal(starts[0], `${before}T09:00:00.000Z`);
    assert.equal(starts[1], `${afterDay}T08:00:00.000Z`);
    // Two calendar days apart, one hour less in UTC.
    assert.equal(Date.parse(starts[1]) - Date.parse(starts[0]), 2 * 86400000 - 3600000);
    // The day of the change itself is 23 hours long: its 09:00 is summer time already.
    const s = await admin.get(`/api/v1/schedule/slots?from=${change}&to=${change}&duration=60&room_kind=treatment&limit=1`);
    assert.equal(s.body.slots[0].start, `${change}T08:00:00.000Z`);
    const bookedUtc = await admin.post('/api/v1/appointments', {
      patient_id: p.id, kind: 'consultation', start: `${afterDay}T09:00:00.000Z`, duration_minutes: 60,
      prep_minutes: 0, room_id: room.id, clinician_id: clinician.id,
    });
    assert.equal(bookedUtc.status, 201, show(bookedUtc));
    assert.equal(bookedUtc.body.local_start, `${afterDay}T10:00`);
  });
});
