// A course from prescription to its booked sessions, through the API as the clinic uses it: the
// receptionist books the first session from the course's item, the course starts, the patient's
// reminder and instructions wait in the outbox; moving the session previews and then shifts the
// windows of the later sessions; cancelling the course cancels its future appointments and
// their messages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPatient, roleClients, show, startServer, unique } from '../lib/server.mjs';
import { addCentrifuge, addClinician, addDays, addRoom, dayAhead, openEveryDay } from '../lib/calendar.mjs';

describe('a course booked on the calendar', () => {
  let server;
  let c;
  let cal;

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    await openEveryDay(c.admin, '08:00', '20:00');
    cal = {
      room: await addRoom(c.admin, unique('Course room '), 'treatment'),
      clinician: await addClinician(c.admin, '08:00', '20:00'),
      centrifuge: await addCentrifuge(c.admin, unique('Course centrifuge ')),
    };
  });
  after(async () => server?.cleanup());

  // A patient with a phone, screened for PRP of the scalp and signed to proceed (an override of
  // the incomplete result, with its reason), prescribed a course starting `start`.
  async function prescribed(start) {
    const p = await createPatient(c.reception, { family_name: 'Coursebook', phone: '+971500000123', preferred_language: 'ar' });
    let r = await c.doctor.post(`/api/v1/patients/${p.id}/screenings`, { treatment: 'prp-hair', session_at: `${start}T10:00:00Z` });
    assert.equal(r.status, 201, show(r));
    r = await c.doctor.post(`/api/v1/screenings/${r.body.id}/signoff`, { decision: 'proceed', reason: 'Labs from last month reviewed in clinic' });
    assert.equal(r.status, 200, show(r));
    r = await c.doctor.post(`/api/v1/patients/${p.id}/courses`, { protocol: 'prp-hair', start_date: start, package: true });
    assert.equal(r.status, 201, show(r));
    return { patient: p, course: r.body };
  }

  async function bookItem(item, day, time = '10:00:00') {
    return c.reception.post('/api/v1/appointments', {
      patient_id: item.patientId, course_item_id: item.id, start: `${day}T${time}Z`,
      room_id: cal.room.id, clinician_id: cal.clinician.id, centrifuge_id: cal.centrifuge.id,
    });
  }

  async function outboxOf(appointmentId) {
    const r = await c.admin.get('/api/v1/outbox?limit=500');
    assert.equal(r.status, 200, show(r));
    return r.body.messages.filter((m) => m.appointment_id === appointmentId);
  }

  it('booking the first session starts the course and writes its reminder and instructions', async () => {
    const start = dayAhead(10);
    const { patient, course } = await prescribed(start);
    assert.equal(course.status, 'planned');
    const first = course.items[0];

    // The slot search of the item looks inside its window only.
    let r = await c.reception.get(`/api/v1/schedule/slots?course_item=${first.id}&limit=3`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.body.slots.length > 0);
    for (const s of r.body.slots) {
      const day = s.local_start.slice(0, 10);
      assert.ok(day >= first.earliest_date && day <= first.latest_date, `${day} outside the window`);
    }

    r = await bookItem({ ...first, patientId: patient.id }, start);
    assert.equal(r.status, 201, show(r));
    const appointment = r.body;
    assert.equal(appointment.course_item_id, first.id);

    const now = (await c.reception.get(`/api/v1/courses/${course.id}`)).body;
    assert.equal(now.status, 'active', 'the first booking starts the course');
    assert.equal(now.items[0].status, 'booked');
    assert.equal(now.items[0].appointment.id, appointment.id);

    const messages = await outboxOf(appointment.id);
    assert.deepEqual(messages.map((m) => m.kind).sort(), ['instructions', 'reminder']);
    for (const m of messages) {
      assert.equal(m.language, 'ar');
      assert.equal(m.channel, 'sms');
      assert.equal(m.status, 'pending');
      assert.equal(Date.parse(m.due_at), Date.parse(appointment.start) - 2 * 86400000);
    }
  });

  it('moving a session previews, then shifts, the windows of the sessions after it', async () => {
    const start = dayAhead(12);
    const { patient, course } = await prescribed(start);
    const [first, second] = course.items;
    let r = await bookItem({ ...first, patientId: patient.id }, start);
    assert.equal(r.status, 201, show(r));
    const appointment = r.body;
    // The second session was laid out from the first's day.
    const before = (await c.reception.get(`/api/v1/courses/${course.id}`)).body.items[1];
    assert.equal(before.target_date, second.target_date);

    const later = addDays(start, 3);
    r = await c.reception.post(`/api/v1/appointments/${appointment.id}/move`,
      { start: `${later}T11:00:00Z`, version: appointment.version, preview: true });
    assert.equal(r.status, 200, show(r));
    const effect = r.body.course_effects.items.find((i) => i.id === second.id);
    assert.equal(effect.target_date, addDays(second.target_date, 3), 'the next session follows by three days');
    assert.equal(effect.outside_window, false);
    // A preview writes nothing.
    let cur = (await c.reception.get(`/api/v1/courses/${course.id}`)).body;
    assert.equal(cur.items[1].target_date, second.target_date);
    assert.equal((await c.reception.get(`/api/v1/appointments/${appointment.id}`)).body.start, appointment.start);

    r = await c.reception.post(`/api/v1/appointments/${appointment.id}/move`,
      { start: `${later}T11:00:00Z`, version: appointment.version });
    assert.equal(r.status, 200, show(r));
    cur = (await c.reception.get(`/api/v1/courses/${course.id}`)).body;
    assert.equal(cur.items[1].target_date, addDays(second.target_date, 3));
    assert.equal(cur.items[1].earliest_date, addDays(second.earliest_date, 3));
    // The reminder follows the session.
    const reminder = (await outboxOf(appointment.id)).find((m) => m.kind === 'reminder' && m.status === 'pending');
    assert.equal(Date.parse(reminder.due_at), Date.parse(`${later}T11:00:00Z`) - 2 * 86400000);
  });

  it('cancelling the course cancels its future appointments and their messages', async () => {
    const start = dayAhead(14);
    const { patient, course } = await prescribed(start);
    const r = await bookItem({ ...course.items[0], patientId: patient.id }, start, '15:00:00');
    assert.equal(r.status, 201, show(r));
    const active = (await c.reception.get(`/api/v1/courses/${course.id}`)).body;
    const s = await c.doctor.post(`/api/v1/courses/${course.id}/status`,
      { status: 'cancelled', reason: 'Patient moved to another city', version: active.version });
    assert.equal(s.status, 200, show(s));
    const appt = (await c.reception.get(`/api/v1/appointments/${r.body.id}`)).body;
    assert.equal(appt.status, 'cancelled');
    assert.equal(appt.status_reason, 'Patient moved to another city');
    assert.ok((await outboxOf(r.body.id)).every((m) => m.status === 'cancelled'));
    const cur = (await c.reception.get(`/api/v1/courses/${course.id}`)).body;
    assert.ok(cur.items.every((i) => i.status === 'cancelled'), JSON.stringify(cur.items.map((i) => i.status)));
    // The slot is free again.
    const again = await c.reception.post('/api/v1/appointments', {
      patient_id: patient.id, kind: 'consultation', start: `${start}T15:00:00Z`, duration_minutes: 30,
      prep_minutes: 0, room_id: cal.room.id, clinician_id: cal.clinician.id,
    });
    assert.equal(again.status, 201, show(again));
  });
});
