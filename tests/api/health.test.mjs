// Health check, the served OpenAPI document (it must describe exactly the endpoints of
// docs/api.md), the permission table, request ids and the generic error shape.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client, PERMISSION_TABLE, REPO, ROLES, loginAdmin, poll, roleClients, runCli, show, startServer,
} from '../lib/server.mjs';
import { METHODS, endpointsOfApiMd, endpointsOfOpenApi, repoOpenApi } from '../lib/openapi.mjs';

const X_PERMISSIONS = new Set([...Object.keys(PERMISSION_TABLE), 'session', 'public']);

describe('health and description', () => {
  let server;
  let anon;
  before(async () => {
    server = await startServer();
    anon = new Client(server.url);
  });
  after(async () => {
    await server?.cleanup();
  });

  it('GET /healthz answers {"status":"ok"} without a session', async () => {
    const r = await anon.get('/healthz');
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.body, { status: 'ok' });
    assert.match(r.headers.get('content-type') || '', /^application\/json/);
  });

  it('every response carries an X-Request-Id, and ids differ between requests', async () => {
    const a = await anon.get('/healthz');
    const b = await anon.get('/api/v1/patients');
    const c = await anon.get('/api/v1/no-such-thing');
    const ids = [a, b, c].map((r) => r.headers.get('x-request-id'));
    for (const id of ids) assert.ok(id && id.length >= 8, `X-Request-Id missing or short: ${id}`);
    assert.equal(new Set(ids).size, 3, `request ids repeat: ${ids}`);
  });

  it('the request id of a response is in the server\'s log line for that request', async () => {
    const r = await anon.get('/api/v1/patients');
    const id = r.headers.get('x-request-id');
    const line = await poll(() => server.logs().split('\n').find((l) => l.includes(id)), 2000);
    assert.ok(line, `no log line with request id ${id}`);
    assert.match(line, /401/, `the log line does not give the status: ${line}`);
    assert.match(line, /\/api\/v1\/patients/, `the log line does not give the path: ${line}`);
  });

  it('an unknown API path is 404 not_found in the error shape', async () => {
    const admin = await loginAdmin(server);
    const r = await admin.get('/api/v1/no-such-thing');
    assert.equal(r.status, 404, show(r));
    assert.equal(r.body?.error?.code, 'not_found', show(r));
    assert.equal(typeof r.body.error.message, 'string');
  });

  it('a known path with a method it does not have is 405 method_not_allowed', async () => {
    const admin = await loginAdmin(server);
    const r = await admin.req('PATCH', '/api/v1/patients', { json: {} });
    assert.equal(r.status, 405, show(r));
    assert.equal(r.body?.error?.code, 'method_not_allowed', show(r));
  });

  it('serves the OpenAPI 3.0.3 document at /api/v1/openapi.json', async () => {
    const r = await anon.get('/api/v1/openapi.json');
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers.get('content-type') || '', /json/);
    assert.ok(r.body, 'the document does not parse as JSON');
    assert.equal(r.body.openapi, '3.0.3');
    assert.equal(typeof r.body.info?.title, 'string');
    for (const s of ['Patient', 'PatientInput', 'User', 'AuditEvent', 'Error']) {
      assert.ok(r.body.components?.schemas?.[s], `schema ${s} missing`);
    }
  });

  it('the served document lists exactly the endpoints of docs/api.md', async () => {
    const r = await anon.get('/api/v1/openapi.json');
    const served = endpointsOfOpenApi(r.body);
    const documented = endpointsOfApiMd();
    assert.ok(documented.size >= 19, `docs/api.md names only ${documented.size} endpoints`);
    assert.deepEqual([...served].sort(), [...documented].sort());
  });

  it('the served document is the repository docs/openapi.json', async () => {
    const r = await anon.get('/api/v1/openapi.json');
    assert.deepEqual(r.body, repoOpenApi());
  });

  it('every operation names a known x-permission', async () => {
    const r = await anon.get('/api/v1/openapi.json');
    for (const [path, item] of Object.entries(r.body.paths)) {
      for (const m of METHODS) {
        if (!item[m]) continue;
        assert.ok(X_PERMISSIONS.has(item[m]['x-permission']),
          `${m.toUpperCase()} ${path} has x-permission ${item[m]['x-permission']}`);
      }
    }
  });

  it('GET /api/v1/permissions gives the role table of the contract to every role', async () => {
    const clients = await roleClients(server);
    for (const role of ROLES) {
      const r = await clients[role].get('/api/v1/permissions');
      assert.equal(r.status, 200, `${role}: ${show(r)}`);
      assert.deepEqual([...r.body.roles].sort(), [...ROLES].sort());
      const got = Object.fromEntries(Object.entries(r.body.permissions).map(([k, v]) => [k, [...v].sort()]));
      const want = Object.fromEntries(Object.entries(PERMISSION_TABLE).map(([k, v]) => [k, [...v].sort()]));
      assert.deepEqual(got, want);
    }
    const r = await anon.get('/api/v1/permissions');
    assert.equal(r.status, 401, show(r));
    assert.equal(r.body?.error?.code, 'unauthenticated');
  });

  it('`autologa permissions` prints the same table as docs/permissions.md', () => {
    const r = runCli(['permissions']);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^\|\s*[a-z]+\.[a-z]+/.test(l));
    const table = {};
    for (const row of rows) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      const name = cells[0].split(/\s/)[0];
      table[name] = cells.slice(1);
    }
    const header = r.stdout.split('\n').find((l) => /^\|\s*permission/i.test(l));
    assert.ok(header, `no header row in:\n${r.stdout}`);
    const cols = header.split('|').slice(1, -1).map((c) => c.trim().toLowerCase()).slice(1);
    assert.deepEqual(cols, ROLES);
    for (const [perm, roles] of Object.entries(PERMISSION_TABLE)) {
      assert.ok(table[perm], `permission ${perm} missing from:\n${r.stdout}`);
      assert.deepEqual(table[perm].map((c) => /^(yes|✓|x)$/i.test(c)), ROLES.map((role) => roles.includes(role)),
        `row ${perm}: ${table[perm]}`);
    }
    const doc = join(REPO, 'docs', 'permissions.md');
    assert.ok(existsSync(doc), 'docs/permissions.md is missing');
    assert.equal(readFileSync(doc, 'utf8').trim(), r.stdout.trim(), 'docs/permissions.md differs from `autologa permissions`');
  });

  it('stops cleanly on SIGTERM (exit status 0)', async () => {
    const s = await server.stop();
    assert.deepEqual(s, { code: 0, signal: null }, server.logs().split('\n').slice(-20).join('\n'));
  });
});
