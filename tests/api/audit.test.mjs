// The audit log: reads and writes leave events carrying the request id, the filters and paging
// work, only admins see it, and the hash chain catches an altered row in the database file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  Client, createPatient, editable, loginAdmin, poll, roleClients, runCli, show, startServer, strongPassword, unique,
} from '../lib/server.mjs';

function sqlite(db, sql) {
  const r = spawnSync('sqlite3', ['-batch', '-bail', db, sql], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run sqlite3 (install the sqlite3 package): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`sqlite3 failed on ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}

function today() {
  return new Date().toISOString().slice(0, 10);
}
function dayOffset(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

describe('audit', () => {
  let server;
  let c;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function events(query) {
    const r = await c.admin.get(`/api/v1/audit?${query}`);
    assert.equal(r.status, 200, `audit ${query}: ${show(r)}`);
    return r.body;
  }

  // Polls the log (read events may be written in batches) for an event with this request id.
  async function eventFor(requestId, action, ms = 3000) {
    return poll(async () => {
      const b = await events(`action=${encodeURIComponent(action)}&limit=200`);
      return b.items.find((e) => e.request_id === requestId);
    }, ms);
  }

  it('reading a patient leaves a patient.read event with the request id of the response', async () => {
    const p = await createPatient(c.reception, { family_name: 'Auditread' });
    const r = await c.nurse.get(`/api/v1/patients/${p.id}`);
    assert.equal(r.status, 200, show(r));
    const rid = r.headers.get('x-request-id');
    assert.ok(rid, 'no X-Request-Id');
    const e = await eventFor(rid, 'patient.read');
    assert.ok(e, `no patient.read event with request id ${rid}`);
    assert.equal(e.action, 'patient.read');
    assert.equal(e.entity, 'patient');
    assert.equal(String(e.entity_id), String(p.id));
    assert.equal(e.username, c.nurse.username);
    assert.equal(e.user_id, c.nurse.user.id);
    assert.deepEqual(e.roles, ['nurse']);
    assert.match(e.remote, /127\.0\.0\.1/);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('listing, searching and reading the history leave their events', async () => {
    const p = await createPatient(c.reception, { family_name: 'Auditlist' });
    const list = await c.doctor.get('/api/v1/patients');
    const found = await c.doctor.get('/api/v1/patients?q=auditlist');
    const hist = await c.doctor.get(`/api/v1/patients/${p.id}/history`);
    for (const [r, action] of [[list, 'patient.list'], [found, 'patient.search'], [hist, 'patient.history']]) {
      assert.equal(r.status, 200, show(r));
      const e = await eventFor(r.headers.get('x-request-id'), action);
      assert.ok(e, `no ${action} event`);
      assert.equal(e.username, c.doctor.username);
    }
  });

  it('creating, updating and deleting a patient leave events with their request ids', async () => {
    const cr = await c.reception.post('/api/v1/patients', { given_name: 'Write', family_name: 'Auditwrite', date_of_birth: '1980-02-02', sex: 'male' });
    assert.equal(cr.status, 201, show(cr));
    const up = await c.doctor.put(`/api/v1/patients/${cr.body.id}`, { ...editable(cr.body), notes: 'changed' });
    assert.equal(up.status, 200, show(up));
    const del = await c.admin.del(`/api/v1/patients/${cr.body.id}`, { reason: 'Test record' });
    assert.equal(del.status, 204, show(del));
    for (const [r, action, who] of [[cr, 'patient.create', c.reception], [up, 'patient.update', c.doctor], [del, 'patient.delete', c.admin]]) {
      const e = await eventFor(r.headers.get('x-request-id'), action);
      assert.ok(e, `no ${action} event with the request id`);
      assert.equal(e.username, who.username);
      assert.equal(e.entity, 'patient');
      assert.equal(String(e.entity_id), String(cr.body.id));
    }
  });

  it('logins, failed logins, logouts and user changes leave events', async () => {
    const anon = new Client(server.url);
    const bad = await anon.login(c.nurse.username, 'not-the-password-1');
    assert.equal(bad.status, 401);
    const ok = await anon.login(c.nurse.username, c.nurse.password);
    assert.equal(ok.status, 200);
    const out = await anon.del('/api/v1/session');
    assert.equal(out.status, 204, show(out));
    const nu = await c.admin.post('/api/v1/users', { username: unique('aud'), display_name: 'Audit User', password: strongPassword(), roles: ['nurse'] });
    assert.equal(nu.status, 201, show(nu));
    const pw = await c.admin.put(`/api/v1/users/${nu.body.id}/password`, { password: strongPassword() });
    assert.equal(pw.status, 204, show(pw));
    for (const [r, action] of [[bad, 'session.login_failed'], [ok, 'session.login'], [out, 'session.logout'],
      [nu, 'user.create'], [pw, 'user.password']]) {
      assert.ok(await eventFor(r.headers.get('x-request-id'), action), `no ${action} event`);
    }
    // Logging in and out names the account on the user entity.
    for (const [r, action] of [[ok, 'session.login'], [out, 'session.logout']]) {
      const e = await eventFor(r.headers.get('x-request-id'), action);
      assert.equal(e.entity, 'user');
      assert.equal(e.entity_id, String(ok.body.user.id), `${action} names the wrong account`);
    }
  });

  it('refused requests leave no write events', async () => {
    const r = await c.nurse.post('/api/v1/patients', { given_name: 'Never', family_name: 'Written', date_of_birth: '1980-02-02', sex: 'male' });
    assert.equal(r.status, 403, show(r));
    const b = await c.reception.post('/api/v1/patients', { given_name: 'Never', family_name: 'Written', date_of_birth: '2026-02-30', sex: 'male' });
    assert.equal(b.status, 400, show(b));
    const creates = await events('action=patient.create&limit=200');
    for (const x of [r, b]) {
      assert.ok(!creates.items.some((e) => e.request_id === x.headers.get('x-request-id')), 'a refused create left a patient.create event');
    }
  });

  it('is newest first and pages with before_id / next_before_id', async () => {
    const first = await events('limit=5');
    assert.equal(first.items.length, 5);
    const idsA = first.items.map((e) => e.id);
    assert.deepEqual(idsA, [...idsA].sort((a, b) => b - a), 'not newest first');
    assert.equal(first.next_before_id, idsA[4]);
    const second = await events(`limit=5&before_id=${first.next_before_id}`);
    assert.ok(second.items.length > 0);
    for (const e of second.items) assert.ok(e.id < idsA[4], `page 2 has id ${e.id} not below ${idsA[4]}`);
    // Walk to the end: the last page has next_before_id null, and no id repeats.
    const seen = new Set(idsA);
    let page = second;
    for (let i = 0; i < 500 && page.next_before_id !== null; i++) {
      for (const e of page.items) {
        assert.ok(!seen.has(e.id), `id ${e.id} on two pages`);
        seen.add(e.id);
      }
      page = await events(`limit=50&before_id=${page.next_before_id}`);
    }
    assert.equal(page.next_before_id, null);
  });

  it('filters by user, action, entity and entity id, and date range', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Auditfilter' });
    await c.doctor.get(`/api/v1/patients/${p.id}`);
    await c.nurse.get(`/api/v1/patients/${p.id}`);
    await poll(async () => (await events(`entity=patient&entity_id=${p.id}&action=patient.read`)).items.length >= 2);

    const byUser = await events(`user=${c.nurse.username}&limit=200`);
    assert.ok(byUser.items.length > 0);
    for (const e of byUser.items) assert.equal(e.username, c.nurse.username);

    const byAction = await events('action=patient.create&limit=200');
    assert.ok(byAction.items.length > 0);
    for (const e of byAction.items) assert.equal(e.action, 'patient.create');

    const byEntity = await events(`entity=patient&entity_id=${p.id}&limit=200`);
    const actions = byEntity.items.map((e) => e.action).sort();
    assert.deepEqual(actions, ['patient.create', 'patient.read', 'patient.read']);
    for (const e of byEntity.items) assert.equal(String(e.entity_id), String(p.id));

    const both = await events(`entity=patient&entity_id=${p.id}&user=${c.doctor.username}&action=patient.read`);
    assert.equal(both.items.length, 1);

    const all = await events('limit=200');
    assert.ok((await events(`from=${today()}&limit=200`)).items.length > 0, 'nothing from today');
    assert.equal((await events(`from=${dayOffset(2)}`)).items.length, 0, 'events from the future');
    assert.equal((await events(`to=${dayOffset(-2)}`)).items.length, 0, 'events before this server existed');
    // A bare date as `to` covers that whole day.
    const untilToday = new Set((await events(`to=${today()}&limit=200`)).items.map((e) => e.id));
    assert.deepEqual(all.items.filter((e) => !untilToday.has(e.id)).map((e) => e.at), [], 'to=<today> leaves out events of today');
    const middle = all.items[Math.floor(all.items.length / 2)].at;
    const upTo = await events(`to=${encodeURIComponent(middle)}&limit=200`);
    for (const e of upTo.items) assert.ok(e.at <= middle, `${e.at} after ${middle}`);
    const since = await events(`from=${encodeURIComponent(middle)}&limit=200`);
    for (const e of since.items) assert.ok(e.at >= middle, `${e.at} before ${middle}`);
  });

  it('refuses bad filter values with 400 invalid_query', async () => {
    for (const q of ['limit=0', 'limit=abc', 'before_id=x', 'from=yesterday', 'to=2026-13-01']) {
      const r = await c.admin.get(`/api/v1/audit?${q}`);
      assert.equal(r.status, 400, `${q}: ${show(r)}`);
      assert.equal(r.body?.error?.code, 'invalid_query', `${q}: ${show(r)}`);
    }
  });

  it('is for admins only', async () => {
    for (const role of ['doctor', 'nurse', 'reception']) {
      for (const path of ['/api/v1/audit', '/api/v1/audit/verify']) {
        const r = await c[role].get(path);
        assert.equal(r.status, 403, `${role} ${path}: ${show(r)}`);
        assert.equal(r.body?.error?.code, 'forbidden');
      }
    }
  });

  it('verify answers ok with the number of events', async () => {
    const r = await c.admin.get('/api/v1/audit/verify');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.ok, true, show(r));
    assert.ok(Number.isInteger(r.body.events) && r.body.events > 10, show(r));
    assert.equal(r.body.first_bad_id, undefined);
    assert.match(r.body.head_hash, /^[0-9a-f]{32,}$/i, show(r));
  });

  it('an audit row altered in the database file breaks the chain: `autologa audit verify` exits 4', async () => {
    const s = await server.stop();
    assert.deepEqual(s, { code: 0, signal: null }, server.logs().split('\n').slice(-20).join('\n'));
    const intact = runCli(['audit', 'verify', '--db', server.db]);
    assert.equal(intact.status, 0, `verify of the untouched database: ${intact.stdout}${intact.stderr}`);

    // Find the audit table and its action column without assuming their exact names.
    const tables = sqlite(server.db, "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE '%audit%'").split('\n').filter(Boolean);
    const table = tables.find((t) => sqlite(server.db, `SELECT name FROM pragma_table_info('${t}')`).split('\n').includes('action'));
    assert.ok(table, `no audit table with an action column among ${tables}`);
    // An attacker with the file can drop append-only triggers first; the chain must still tell.
    const triggers = sqlite(server.db, `SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${table}'`).split('\n').filter(Boolean);
    const drops = triggers.map((t) => `DROP TRIGGER "${t}";`).join(' ');
    const victim = sqlite(server.db, `SELECT rowid FROM "${table}" WHERE action='patient.read' ORDER BY rowid LIMIT 1`);
    assert.ok(victim, 'no patient.read row to alter');
    sqlite(server.db, `${drops} UPDATE "${table}" SET action='patient.list' WHERE rowid=${victim};`);
    assert.equal(sqlite(server.db, `SELECT action FROM "${table}" WHERE rowid=${victim}`), 'patient.list');

    const broken = runCli(['audit', 'verify', '--db', server.db]);
    assert.equal(broken.status, 4, `verify of the altered database: exit ${broken.status}\n${broken.stdout}${broken.stderr}`);
  });
});

describe('audit chain over HTTP after tampering', () => {
  let server;
  let again;
  after(async () => {
    await again?.stop();
    await server?.cleanup();
  });

  it('GET /api/v1/audit/verify reports ok:false and the first bad id', async () => {
    server = await startServer();
    let admin = await loginAdmin(server);
    for (let i = 0; i < 3; i++) await createPatient(admin, { family_name: `Chain${'abc'[i]}` });
    await server.stop();
    const table = sqlite(server.db, "SELECT m.name FROM sqlite_master m WHERE m.type='table' AND m.name LIKE '%audit%' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name='action') LIMIT 1");
    assert.ok(table, 'no audit table');
    const triggers = sqlite(server.db, `SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='${table}'`).split('\n').filter(Boolean);
    const victim = Number(sqlite(server.db, `SELECT id FROM "${table}" WHERE action='patient.create' ORDER BY id LIMIT 1 OFFSET 1`));
    assert.ok(victim > 0);
    sqlite(server.db, `${triggers.map((t) => `DROP TRIGGER "${t}";`).join(' ')} DELETE FROM "${table}" WHERE id=${victim};`);

    // Serve the altered file again.
    again = await startServer({ reuse: server });
    admin = await loginAdmin(again);
    const r = await admin.get('/api/v1/audit/verify');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.body.ok, false, `a deleted audit row went unnoticed: ${show(r)}`);
    assert.ok(Number.isInteger(r.body.first_bad_id), show(r));
    assert.ok(r.body.first_bad_id >= victim - 1 && r.body.first_bad_id <= victim + 1, `first_bad_id ${r.body.first_bad_id} far from the deleted ${victim}`);
    await again.stop();
    const cli = runCli(['audit', 'verify', '--db', server.db]);
    assert.equal(cli.status, 4, `${cli.stdout}${cli.stderr}`);
  });
});
