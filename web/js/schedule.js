// The calendar's client side: its API calls, the clinic's local time (which need not be the
// browser's), calendar-day arithmetic and the labels of appointment kinds and states.

import { h, ltr } from './dom.js';
import { request } from './api.js';
import { t, lang, locale, fmtDate } from './i18n.js';
import { localText } from './catalog.js';

const id = (v) => encodeURIComponent(String(v));

export const sched = {
  clinic: () => request('GET', '/clinic'),
  hours: () => request('GET', '/schedule/hours'),
  putHours: (opening_hours) => request('PUT', '/schedule/hours', { body: { opening_hours } }),
  addClosure: (body) => request('POST', '/schedule/closures', { body }),
  deleteClosure: (cid) => request('DELETE', `/schedule/closures/${id(cid)}`),
  rooms: () => request('GET', '/rooms'),
  addRoom: (body) => request('POST', '/rooms', { body }),
  patchRoom: (rid, body) => request('PATCH', `/rooms/${id(rid)}`, { body }),
  centrifuges: () => request('GET', '/centrifuges'),
  addCentrifuge: (body) => request('POST', '/centrifuges', { body }),
  patchCentrifuge: (cid, body) => request('PATCH', `/centrifuges/${id(cid)}`, { body }),
  clinicians: () => request('GET', '/clinicians'),
  addClinician: (body) => request('POST', '/clinicians', { body }),
  patchClinician: (cid, body) => request('PATCH', `/clinicians/${id(cid)}`, { body }),
  day: (date, by, signal) => request('GET', '/schedule/day', { query: { date, by }, signal }),
  week: (start, by, signal) => request('GET', '/schedule/week', { query: { start, by }, signal }),
  slots: (query, signal) => request('GET', '/schedule/slots', { query, signal }),
  book: (body) => request('POST', '/appointments', { body }),
  appointment: (aid) => request('GET', `/appointments/${id(aid)}`),
  move: (aid, body) => request('POST', `/appointments/${id(aid)}/move`, { body }),
  setStatus: (aid, body) => request('POST', `/appointments/${id(aid)}/status`, { body }),
  course: (cid) => request('GET', `/courses/${id(cid)}`),
};

// GET /clinic once per page load: the zone, the slot grid and the clinic's today. A failure is
// not remembered, so the next page asks again.
let clinicPending = null;
export function loadClinic() {
  if (!clinicPending) {
    clinicPending = sched.clinic().catch((err) => {
      clinicPending = null;
      throw err;
    });
  }
  return clinicPending;
}

// ---- calendar days (YYYY-MM-DD, no time zone) ----

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDate(s) {
  const m = YMD.exec(s || '');
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function dayMs(ymd) {
  const m = YMD.exec(ymd);
  return Date.UTC(+m[1], +m[2] - 1, +m[3]);
}

export function addDays(ymd, n) {
  return new Date(dayMs(ymd) + n * 86400000).toISOString().slice(0, 10);
}

// 1 = Monday … 7 = Sunday, as the API counts weekdays.
export function isoWeekday(ymd) {
  const d = new Date(dayMs(ymd)).getUTCDay();
  return d === 0 ? 7 : d;
}

// The first day of the week holding `ymd`, the week starting on `firstWeekday` (1..7).
export function weekStart(ymd, firstWeekday) {
  const back = (isoWeekday(ymd) - firstWeekday + 7) % 7;
  return addDays(ymd, -back);
}

// The clinic's week begins on the day after its weekly closed days (a clinic closed on Friday
// starts on Saturday, one closed at the weekend on Monday); Monday when that is not one run.
export function firstWeekdayOf(openingHours) {
  const open = new Set((openingHours || []).map((o) => o.weekday));
  const closed = [1, 2, 3, 4, 5, 6, 7].filter((d) => !open.has(d));
  if (!closed.length || closed.length === 7) return 1;
  const ends = closed.filter((d) => !closed.includes((d % 7) + 1));
  return ends.length === 1 ? (ends[0] % 7) + 1 : 1;
}

export function weekdayName(weekday, style = 'long') {
  // 2024-01-01 was a Monday.
  const d = new Date(Date.UTC(2024, 0, weekday));
  return new Intl.DateTimeFormat(locale(), { weekday: style, timeZone: 'UTC' }).format(d);
}

export function dayLabel(ymd, style = 'long') {
  return `${weekdayName(isoWeekday(ymd), style)} ${fmtDate(ymd)}`;
}

export function shortDayLabel(ymd) {
  const d = new Date(dayMs(ymd));
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  }).format(d);
}

// ---- minutes of the day ("09:30" ↔ 570) ----

export function toMinutes(hhmm) {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm || '');
  return m ? +m[1] * 60 + +m[2] : null;
}

export function fromMinutes(min) {
  const hh = Math.floor(min / 60);
  const mm = min % 60;
  return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
}

// "2026-12-01T09:00" → {date: "2026-12-01", time: "09:00", minutes: 540}
export function splitLocal(local) {
  const [date, time] = String(local || '').split('T');
  return { date, time: (time || '').slice(0, 5), minutes: toMinutes((time || '').slice(0, 5)) };
}

// ---- the clinic's time zone ----

const zoneFmts = new Map();
function zoneFmt(zone) {
  if (!zoneFmts.has(zone)) {
    zoneFmts.set(
      zone,
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
    );
  }
  return zoneFmts.get(zone);
}

// How far the zone's wall clock is ahead of UTC at instant `ms`.
function zoneOffset(ms, zone) {
  const p = {};
  for (const part of zoneFmt(zone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

// The UTC instant (ISO 8601) of the local wall time `date` `time` in `zone`. In the hour a
// daylight-saving change repeats, the first of the two instants. A wall time the change skips
// has no instant: the nearest guess is sent and the server, which has the last word, refuses
// it as outside the opening hours (clinics are closed at that hour of the night anyway).
export function localToInstant(date, time, zone) {
  const m = YMD.exec(date);
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3]) + toMinutes(time) * 60000;
  // The offsets in force half a day either side cover any change on that day.
  const before = wall - zoneOffset(wall - 43200000, zone);
  const after = wall - zoneOffset(wall + 43200000, zone);
  const fits = [before, after].filter((ms) => zoneOffset(ms, zone) === wall - ms);
  return new Date(fits.length ? Math.min(...fits) : before).toISOString();
}

// The clinic's local date and minute of the day now: {date: "YYYY-MM-DD", minutes}.
export function nowLocal(zone, ms = Date.now()) {
  const local = new Date(ms + zoneOffset(ms, zone));
  return {
    date: local.toISOString().slice(0, 10),
    minutes: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

// ---- labels ----

export const STATUSES = ['booked', 'checked_in', 'in_progress', 'done', 'cancelled', 'no_show'];
export const KINDS = ['session', 'follow_up', 'consultation'];
export const ROOM_KINDS = ['treatment', 'procedure', 'consultation'];

export function statusLabel(s) {
  return t(`appt.status.${s}`);
}

export function kindLabel(k) {
  return t(`appt.kind.${k}`);
}

export function roomKindLabel(k) {
  return t(`room.kind.${k}`);
}

// The patient's name in the interface language's script when it is on file, else the other.
export function patientName(p) {
  if (!p) return '';
  if (p.name) return localText(p.name) || p.name.en || p.name.ar || '';
  const latin = [p.given_name, p.family_name].filter(Boolean).join(' ');
  const arabic = [p.given_name_ar, p.family_name_ar].filter(Boolean).join(' ');
  return lang() === 'ar' ? arabic || latin : latin || arabic;
}

// The name as an element marked with its own script's language and direction.
export function patientNameEl(p, cls) {
  const text = patientName(p);
  const arabic = /[\u0600-\u06FF]/.test(text);
  return h(
    'bdi',
    { class: cls || null, lang: arabic ? 'ar' : 'en', dir: arabic ? 'rtl' : 'ltr' },
    text,
  );
}

// "09:00–10:00" kept left to right in Arabic text.
export function timeRange(localStart, localEnd) {
  return ltr(`${splitLocal(localStart).time}–${splitLocal(localEnd).time}`, 'time-range');
}
