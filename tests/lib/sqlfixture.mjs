// Rows that no endpoint writes yet, put straight into a running test server's database with the
// sqlite3 command-line tool: appointments (until the booking API exists, after which the tests
// book through it) and outbox messages with chosen times and states.
import { spawnSync } from 'node:child_process';

// Runs SQL on the database file (the server may be running: WAL, a busy timeout); returns what
// it printed.
export function sql(db, text) {
  const r = spawnSync('sqlite3', ['-bail', db], { input: `.timeout 5000\n${text}\n`, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run sqlite3: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed (${r.status}): ${r.stderr}\n${text}`);
  return r.stdout;
}

// An SQL literal.
export function lit(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

// The id of the row an INSERT made.
function insert(db, text) {
  const id = Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
  if (!Number.isInteger(id) || id <= 0) throw new Error(`no row from ${text}`);
  return id;
}

// A room and a clinician (the first user, the administrator made by init) to book.
function calendar(db) {
  sql(db, "INSERT OR IGNORE INTO rooms (id, name, kind) VALUES (1, 'Test room 1', 'treatment');\n" +
    'INSERT OR IGNORE INTO clinicians (id, user_id) VALUES (1, 1);');
}

// Books an appointment the way the calendar would store it. Returns its id.
export function insertAppointment(db, { patientId, kind = 'session', startMs, minutes = 60, status = 'booked' }) {
  calendar(db);
  const now = Date.now();
  return insert(db, 'INSERT INTO appointments (patient_id, kind, start_ms, end_ms, prep_minutes, room_id,' +
    ' clinician_id, status, version, created_at, updated_at) VALUES ' +
    `(${lit(patientId)}, ${lit(kind)}, ${lit(startMs)}, ${lit(startMs + minutes * 60000)}, 0, 1, 1,` +
    ` ${lit(status)}, 1, ${now}, ${now})`);
}

// Writes an outbox message. Returns its id.
export function insertMessage(db, {
  patientId, appointmentId = null, kind = 'reminder', channel = 'sms', recipient = '+971500000001',
  language = 'en', dueMs, subject = null, body, status = 'pending',
}) {
  return insert(db, 'INSERT INTO outbox (patient_id, appointment_id, kind, channel, recipient, language,' +
    ' due_at, subject, body, status, created_at) VALUES ' +
    `(${lit(patientId)}, ${lit(appointmentId)}, ${lit(kind)}, ${lit(channel)}, ${lit(recipient)},` +
    ` ${lit(language)}, ${lit(dueMs)}, ${lit(subject)}, ${lit(body)}, ${lit(status)}, ${Date.now()})`);
}

// An open procedure of a patient, stored as the procedure module would after check-in: a
// session appointment in progress, a stored eligible screening and the procedure row, started
// `startedMs` (default now) by the first user. Returns {id, appointmentId, screeningId}.
export function insertProcedure(db, {
  patientId, treatment = 'prp-hair', status = 'open', startedMs = Date.now(),
}) {
  const appointmentId = insertAppointment(db, { patientId, startMs: startedMs - 5 * 60000, status: 'in_progress' });
  const screeningId = insert(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result,' +
    ' inputs, rules_sha256, computed_at, computed_by) VALUES ' +
    `(${lit(patientId)}, ${lit(treatment)}, ${lit(startedMs)}, 'eligible', '{}', '{}', ${lit('0'.repeat(64))},` +
    ` ${lit(startedMs - 60000)}, 1)`);
  const completed = status === 'completed' ? startedMs + 60000 : null;
  const id = insert(db, 'INSERT INTO procedures (patient_id, appointment_id, treatment, screening_id, status,' +
    ' version, started_at, started_by, completed_at, completed_by, updated_at, updated_by) VALUES ' +
    `(${lit(patientId)}, ${lit(appointmentId)}, ${lit(treatment)}, ${lit(screeningId)}, ${lit(status)}, 1,` +
    ` ${lit(startedMs)}, 1, ${lit(completed)}, ${completed ? 1 : 'NULL'}, ${lit(startedMs)}, 1)`);
  return { id, appointmentId, screeningId };
}
