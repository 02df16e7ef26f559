// The outbox over HTTP: a gateway with a token made on the command line polls the due messages,
// marks them sent or failed once, may call nothing else, and is audited under its name; people
// read the outbox by role; an appointment downloads as an .ics file. Appointments and messages
// are written with SQL into the test server's database until the booking API exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, createPatient, loginAdmin, poll, roleClients, runCli, show, startServer,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { insertAppointment, insertMessage, sql } from '../lib/sqlfixture.mjs';

const H = 3600000;
const D = 24 * H;
const doc = repoOpenApi();
const iso = (ms) => new Date(ms).toISOString();

function fits(r, path, method) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `does not fit docs/openapi.json: ${show(r)}`);
}

describe('outbox and gateways', () => {
  let server;
  let clients;
  let token;
  let gateway; // a client without a session, sending the gateway's token
  let en;
  let ar;

  const as = (t) => ({ headers: { Authorization: `Bearer ${t}` } });
  const gw = (method, path, json, t = token) =>
    gateway.req(method, path, json === undefined ? as(t) : { ...as(t), json });
  const message = (fields) => insertMessage(server.db, { patientId: en.id, body: 'Reminder from the clinic.', ...fields });
  const statusOf = (id) => sql(server.db, `SELECT status FROM outbox WHERE id = ${id};`).trim();

  before(async () => {
    server = await startServer({ extraArgs: ['--clinic-name', 'Example Clinic'] });
    clients = await roleClients(server);
    en = await createPatient(clients.admin, { given_name: 'Outboxen', family_name: 'Testpatient' });
    ar = await createPatient(clients.admin, {
      given_name: null, family_name: null, given_name_ar: 'ليلى', family_name_ar: 'تجريبي',
      preferred_language: 'ar', phone: null, email: 'layla.test@example.invalid',
    });
    const r = runCli(['gateway', 'add', 'sms-test', '--db', server.db]);
    assert.equal(r.status, 0, r.stderr);
    token = r.stdout.trim();
    assert.match(token, /^[0-9a-f]{64}$/, 'the token alone on standard output');
    assert.match(r.stderr, /not shown again/);
    gateway = new Client(server.url);
  });
  after(async () => {
    await server?.cleanup();
  });

  it('a gateway polls the pending messages that are due, earliest first, without patient names', async () => {
    const now = Date.now();
    const later = message({ dueMs: now - H });
    const first = message({
      patientId: ar.id, dueMs: now - 2 * H, channel: 'email', recipient: 'layla.test@example.invalid',
      language: 'ar', subject: 'موعدك', body: 'تذكير من العيادة',
    });
    const future = message({ dueMs: now + D });
    const cancelled = message({ dueMs: now - 3 * H, status: 'cancelled' });
    const r = await gw('GET', `/api/v1/outbox?status=pending&due_before=${iso(now)}`);
    assert.equal(r.status, 200, show(r));
    fits(r, '/api/v1/outbox', 'GET');
    const ids = r.body.messages.map((m) => m.id);
    assert.ok(ids.indexOf(first) >= 0 && ids.indexOf(first) < ids.indexOf(later), `earliest first: ${ids}`);
    assert.ok(!ids.includes(future), 'not yet due');
    assert.ok(!ids.includes(cancelled), 'not pending');
    const m = r.body.messages.find((x) => x.id === first);
    assert.equal(m.channel, 'email');
    assert.equal(m.recipient, 'layla.test@example.invalid');
    assert.equal(m.language, 'ar');
    assert.equal(m.subject, 'موعدك');
    assert.equal(m.body, 'تذكير من العيادة');
    assert.equal(m.status, 'pending');
    assert.equal(m.attempts, 0);
    assert.equal(m.patient_id, ar.id);
    assert.equal(m.patient, undefined, 'a gateway is not told whose message it is');
    // All statuses, latest first.
    const all = await gw('GET', '/api/v1/outbox?order=desc&limit=500');
    assert.equal(all.status, 200, show(all));
    const dues = all.body.messages.map((x) => x.due_at);
    assert.deepEqual(dues, [...dues].sort().reverse());
    assert.ok(all.body.messages.some((x) => x.id === cancelled));
  });

  it('marks a message sent or failed once, without a CSRF token; a second mark is 409 not_pending', async () => {
    const a = message({ dueMs: Date.now() - H });
    const b = message({ dueMs: Date.now() - H });
    const c = message({ dueMs: Date.now() - H });
    let r = await gw('POST', `/api/v1/outbox/${a}/sent`, { gateway_ref: 'provider-8812' });
    assert.equal(r.status, 200, show(r));
    fits(r, '/api/v1/outbox/{id}/sent', 'POST');
    assert.equal(r.body.status, 'sent');
    assert.equal(r.body.gateway_ref, 'provider-8812');
    assert.equal(r.body.attempts, 1);
    assert.ok(Math.abs(Date.parse(r.body.sent_at) - Date.now()) < 60000, r.body.sent_at);
    for (const [path, json] of [[`/api/v1/outbox/${a}/sent`, {}], [`/api/v1/outbox/${a}/failed`, { error: 'late' }]]) {
      r = await gw('POST', path, json);
      assert.equal(r.status, 409, show(r));
      assert.equal(r.body.error.code, 'not_pending');
      fits(r, path.replace(String(a), '{id}'), 'POST');
    }
    assert.equal(statusOf(a), 'sent');

    r = await gw('POST', `/api/v1/outbox/${b}/failed`, {});
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'error');
    assert.equal(r.body.error.code, 'required');
    r = await gw('POST', `/api/v1/outbox/${b}/failed`, { error: 'number not reachable' });
    assert.equal(r.status, 200, show(r));
    fits(r, '/api/v1/outbox/{id}/failed', 'POST');
    assert.equal(r.body.status, 'failed');
    assert.equal(r.body.error, 'number not reachable');
    assert.equal(r.body.sent_at, null);
    r = await gw('POST', `/api/v1/outbox/${b}/sent`, {});
    assert.equal(r.status, 409, show(r));

    // "Sent" with nothing to add: an empty body.
    r = await gateway.req('POST', `/api/v1/outbox/${c}/sent`, { ...as(token), body: '' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.gateway_ref, null);
    r = await gw('POST', '/api/v1/outbox/999999/sent', {});
    assert.equal(r.status, 404, show(r));
    r = await gw('POST', `/api/v1/outbox/${message({ dueMs: Date.now() })}/sent`, { gateway_ref: 'x', extra: 1 });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.code, 'unknown_field');
  });

  it('a gateway may call nothing else, and a wrong or revoked token is 401', async () => {
    for (const path of ['/api/v1/patients', `/api/v1/patients/${en.id}`, '/api/v1/session', '/api/v1/catalog',
      '/api/v1/permissions']) {
      const r = await gw('GET', path);
      assert.equal(r.status, 403, `${path}: ${show(r)}`);
      assert.equal(r.body.error.code, 'forbidden');
    }
    let r = await gw('POST', '/api/v1/patients', { given_name: 'Nope' });
    assert.equal(r.status, 403, show(r));
    // A public endpoint stays public.
    r = await gw('GET', '/healthz');
    assert.equal(r.status, 200, show(r));

    const wrong = token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    for (const t of [wrong, 'short', '']) {
      r = await gw('GET', '/api/v1/outbox', undefined, t);
      assert.equal(r.status, 401, `${t}: ${show(r)}`);
      assert.equal(r.body.error.code, 'unauthenticated');
    }

    // A second gateway, revoked on the command line while the server runs.
    const add = runCli(['gateway', 'add', 'mail-test', '--db', server.db]);
    assert.equal(add.status, 0, add.stderr);
    const other = add.stdout.trim();
    r = await gw('GET', '/api/v1/outbox?limit=1', undefined, other);
    assert.equal(r.status, 200, show(r));
    const revoke = runCli(['gateway', 'revoke', 'mail-test', '--db', server.db]);
    assert.equal(revoke.status, 0, revoke.stderr);
    r = await gw('GET', '/api/v1/outbox?limit=1', undefined, other);
    assert.equal(r.status, 401, show(r));
    r = await gw('POST', `/api/v1/outbox/${message({ dueMs: Date.now() })}/sent`, {}, other);
    assert.equal(r.status, 401, show(r));
    // The first gateway is not touched.
    r = await gw('GET', '/api/v1/outbox?limit=1');
    assert.equal(r.status, 200, show(r));
    assert.equal(runCli(['gateway', 'revoke', 'mail-test', '--db', server.db]).status, 1);
    assert.equal(runCli(['gateway', 'add', 'mail-test', '--db', server.db]).status, 1, 'a revoked name stays taken');
    assert.equal(runCli(['gateway', 'add', 'Mail Test', '--db', server.db]).status, 2);
    const list = runCli(['gateway', 'list', '--db', server.db]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^mail-test\s+revoked\s/m);
    assert.match(list.stdout, /^sms-test\s+active\s+\S+\s+\d{4}-\d\d-\d\dT/m, 'last used is noted');
  });

  it('the audit trail names the gateway', async () => {
    const m = message({ dueMs: Date.now() - H });
    assert.equal((await gw('GET', '/api/v1/outbox?status=pending')).status, 200);
    assert.equal((await gw('POST', `/api/v1/outbox/${m}/sent`, {})).status, 200);
    const events = await poll(async () => {
      const r = await clients.admin.get('/api/v1/audit?user=gateway:sms-test&limit=200');
      const actions = new Set(r.body.items.map((e) => e.action));
      return actions.has('outbox.list') && actions.has('outbox.sent') ? r.body.items : null;
    });
    assert.ok(events, 'gateway events in the audit trail');
    const sent = events.find((e) => e.action === 'outbox.sent' && e.entity_id === String(m));
    assert.ok(sent, 'the mark names the message');
    assert.equal(sent.entity, 'outbox');
    assert.equal(sent.user_id, null);
    const adds = await clients.admin.get('/api/v1/audit?action=gateway.add&limit=10');
    assert.ok(adds.body.items.some((e) => e.entity_id === 'sms-test' && e.username === 'cli'), show(adds));
  });

  it('people read the outbox by role, with whose message it is, and an admin marks with the CSRF token', async () => {
    const m = message({ dueMs: Date.now() + 2 * D });
    let r = await clients.reception.get('/api/v1/outbox?status=pending&limit=500');
    assert.equal(r.status, 200, show(r));
    fits(r, '/api/v1/outbox', 'GET');
    const mine = r.body.messages.find((x) => x.id === m);
    assert.equal(mine.patient.id, en.id);
    assert.equal(mine.patient.mrn, en.mrn);
    assert.deepEqual(mine.patient.name, { en: 'Outboxen Testpatient', ar: 'سامي تجريبي' });
    r = await clients.reception.post(`/api/v1/outbox/${m}/sent`, {});
    assert.equal(r.status, 403, show(r));
    assert.equal(r.body.error.code, 'forbidden');
    for (const role of ['doctor', 'nurse']) {
      r = await clients[role].get('/api/v1/outbox');
      assert.equal(r.status, 403, `${role}: ${show(r)}`);
    }
    r = await clients.admin.post(`/api/v1/outbox/${m}/sent`, {}, { csrf: false });
    assert.equal(r.status, 403, show(r));
    assert.equal(r.body.error.code, 'csrf');
    assert.equal(statusOf(m), 'pending');
    r = await clients.admin.post(`/api/v1/outbox/${m}/failed`, { error: 'The patient asked for a call instead' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.patient.id, en.id);
    r = await new Client(server.url).get('/api/v1/outbox');
    assert.equal(r.status, 401, show(r));
  });

  it('refuses bad filters, naming them', async () => {
    for (const [q, field] of [['status=waiting', 'status'], ['due_before=tomorrow', 'due_before'],
      ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=many', 'limit'], ['order=sideways', 'order']]) {
      const r = await clients.admin.get(`/api/v1/outbox?${q}`);
      assert.equal(r.status, 400, `${q}: ${show(r)}`);
      assert.equal(r.body.error.code, 'invalid_query');
      assert.equal(r.body.error.field, field);
      fits(r, '/api/v1/outbox', 'GET');
    }
  });

  it('an appointment downloads as an .ics file in the patient\'s language or the one asked for', async () => {
    const start = Math.ceil((Date.now() + 10 * D) / H) * H;
    const id = insertAppointment(server.db, { patientId: ar.id, startMs: start, minutes: 45 });
    let r = await clients.nurse.get(`/api/v1/appointments/${id}/ics`);
    assert.equal(r.status, 200, show(r));
    fits(r, '/api/v1/appointments/{id}/ics', 'GET');
    assert.match(r.headers.get('content-type'), /^text\/calendar; charset=utf-8$/);
    const text = r.text;
    assert.ok(text.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
    for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `longer than 75 octets: ${line}`);
    const flat = text.replace(/\r\n /g, '');
    const stamp = (ms) => iso(ms).replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    assert.match(flat, new RegExp(`\r\nUID:appointment-${id}@autologa\r\n`));
    assert.match(flat, new RegExp(`\r\nDTSTART:${stamp(start)}\r\n`));
    assert.match(flat, new RegExp(`\r\nDTEND:${stamp(start + 45 * 60000)}\r\n`));
    assert.match(flat, /\r\nSUMMARY;LANGUAGE=ar:جلسة علاج\r\n/);
    assert.match(flat, /\r\nLOCATION;LANGUAGE=ar:\u2068Example Clinic\u2069، \u2068Test room 1\u2069\r\n/);
    assert.match(flat, /\r\nDESCRIPTION;LANGUAGE=ar:جلسة علاج في \u2068Example Clinic\u2069 يوم /);
    // The rules' deferral, before a session.
    assert.match(flat, /خلال 48 ساعة قبل الجلسة/);
    assert.match(flat, /\r\nSTATUS:CONFIRMED\r\n/);

    r = await clients.reception.get(`/api/v1/appointments/${id}/ics?lang=en`);
    assert.equal(r.status, 200, show(r));
    assert.match(r.text.replace(/\r\n /g, ''), /\r\nSUMMARY;LANGUAGE=en:Treatment session\r\n/);
    r = await clients.reception.get(`/api/v1/appointments/${id}/ics?lang=fr`);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'lang');
    r = await clients.reception.get('/api/v1/appointments/999999/ics');
    assert.equal(r.status, 404, show(r));
    r = await gw('GET', `/api/v1/appointments/${id}/ics`);
    assert.equal(r.status, 403, show(r));
    // Cancelled: the calendar is told so.
    sql(server.db, `UPDATE appointments SET status = 'cancelled', version = 2 WHERE id = ${id};`);
    r = await clients.reception.get(`/api/v1/appointments/${id}/ics`);
    assert.match(r.text, /\r\nSTATUS:CANCELLED\r\n/);
    assert.match(r.text, /\r\nSEQUENCE:1\r\n/);
    const read = await poll(async () => {
      const a = await clients.admin.get(`/api/v1/audit?action=appointment.ics&entity_id=${id}`);
      return a.body.items.length >= 3 ? a.body.items : null;
    });
    assert.ok(read, 'each download is an audited read');
    assert.equal(read[0].entity, 'appointment');
  });

  it('takes the clinic\'s name from [clinic] name of the configuration file', async () => {
    const other = await startServer({ config: '[clinic]\nname = Example Day Clinic ; what patients read\n' });
    try {
      const admin = await loginAdmin(other);
      const p = await createPatient(admin, { given_name: 'Configname' });
      const id = insertAppointment(other.db, { patientId: p.id, kind: 'follow_up', startMs: Date.now() + 5 * D });
      const r = await admin.get(`/api/v1/appointments/${id}/ics`);
      assert.equal(r.status, 200, show(r));
      const flat = r.text.replace(/\r\n /g, '');
      assert.match(flat, /\r\nLOCATION;LANGUAGE=en:Example Day Clinic\\, Test room 1\r\n/);
      assert.match(flat, /\r\nDESCRIPTION;LANGUAGE=en:Follow-up visit at Example Day Clinic on /);
    } finally {
      await other.cleanup();
    }
  });
});
