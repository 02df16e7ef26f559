// Small helpers for tests that need the clinic's calendar: a week of opening hours, rooms, a
// clinician, centrifuges, and dates far enough ahead that nothing is in the past.
import { createUser, show } from './server.mjs';

const D = 86400000;

// 'YYYY-MM-DD' of the UTC day `days` after today.
export function dayAhead(days) {
  return new Date(Date.now() + days * D).toISOString().slice(0, 10);
}

// Adds days to a 'YYYY-MM-DD'.
export function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * D).toISOString().slice(0, 10);
}

// Opens every weekday from `open` to `close` (local 'HH:MM'); throws unless 200.
export async function openEveryDay(admin, open = '09:00', close = '18:00') {
  const opening_hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, open, close }));
  const r = await admin.put('/api/v1/schedule/hours', { opening_hours });
  if (r.status !== 200) throw new Error(`cannot set opening hours: ${show(r)}`);
  return r.body;
}

// Creates a room (name made unique by the caller); throws unless 201.
export async function addRoom(admin, name, kind = 'treatment') {
  const r = await admin.post('/api/v1/rooms', { name, kind });
  if (r.status !== 201) throw new Error(`cannot add room ${name}: ${show(r)}`);
  return r.body;
}

export async function addCentrifuge(admin, name) {
  const r = await admin.post('/api/v1/centrifuges', { name, model: 'Benchtop (test)', rotor_radius_mm: 86 });
  if (r.status !== 201) throw new Error(`cannot add centrifuge ${name}: ${show(r)}`);
  return r.body;
}

// A new doctor user made a clinician working `start`..`end` every day; throws unless 201.
export async function addClinician(admin, start = '09:00', end = '17:00') {
  const u = await createUser(admin, ['doctor']);
  const hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end }));
  const r = await admin.post('/api/v1/clinicians', { user_id: u.user.id, hours });
  if (r.status !== 201) throw new Error(`cannot add clinician: ${show(r)}`);
  return r.body;
}
