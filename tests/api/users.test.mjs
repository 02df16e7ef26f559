// User management by admins: creation rules, role changes taking effect at once, password
// resets ending sessions, and the guard against an admin locking themselves out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client, createUser, login, loginAdmin, patientInput, show, startServer, strongPassword, unique,
} from '../lib/server.mjs';

describe('users', () => {
  let server;
  let admin;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  async function listed(id) {
    const r = await admin.get('/api/v1/users');
    assert.equal(r.status, 200, show(r));
    return r.body.items.find((u) => u.id === id);
  }

  it('lists the initial admin', async () => {
    const r = await admin.get('/api/v1/users');
    assert.equal(r.status, 200, show(r));
    const a = r.body.items.find((u) => u.username === server.admin.username);
    assert.ok(a, 'initial admin not listed');
    assert.deepEqual(a.roles, ['admin']);
    assert.equal(a.disabled, false);
    for (const u of r.body.items) {
      assert.equal(u.password, undefined);
      assert.equal(u.password_hash, undefined);
      assert.ok(!JSON.stringify(u).includes('$argon2'), 'a password hash is exposed');
    }
  });

  it('creates a user: 201 with the user, listed, and able to log in', async () => {
    const username = unique('nurse.');
    const password = strongPassword();
    const r = await admin.post('/api/v1/users', { username, display_name: 'Nurse Example', password, roles: ['nurse', 'reception'] });
    assert.equal(r.status, 201, show(r));
    assert.ok(Number.isInteger(r.body.id));
    assert.equal(r.body.username, username);
    assert.equal(r.body.display_name, 'Nurse Example');
    assert.deepEqual([...r.body.roles].sort(), ['nurse', 'reception']);
    assert.equal(r.body.disabled, false);
    assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(!r.text.includes(password), 'the password is echoed');
    assert.deepEqual(await listed(r.body.id), r.body);
    const c = await login(server.url, username, password);
    assert.deepEqual([...c.user.roles].sort(), ['nurse', 'reception']);
  });

  it('accepts a display name in Arabic', async () => {
    const r = await admin.post('/api/v1/users', { username: unique('ar'), display_name: 'د. سارة', password: strongPassword(), roles: ['doctor'] });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.body.display_name, 'د. سارة');
  });

  it('a taken username is 409 conflict', async () => {
    const u = await createUser(admin, ['doctor']);
    const r = await admin.post('/api/v1/users', { username: u.username, display_name: 'Second', password: strongPassword(), roles: ['nurse'] });
    assert.equal(r.status, 409, show(r));
    assert.equal(r.body?.error?.code, 'conflict');
    const again = await admin.post('/api/v1/users', { username: server.admin.username, display_name: 'Imposter', password: strongPassword(), roles: ['admin'] });
    assert.equal(again.status, 409, show(again));
    // The first user is untouched.
    assert.equal((await new Client(server.url).login(u.username, u.password)).status, 200);
  });

  it('a password under 10 characters is 400 weak_password', async () => {
    for (const password of ['', 'short', '123456789']) {
      const username = unique('weak');
      const r = await admin.post('/api/v1/users', { username, display_name: 'Weak', password, roles: ['nurse'] });
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body?.error?.code, 'weak_password');
      assert.equal(r.body?.error?.field, 'password');
      const all = await admin.get('/api/v1/users');
      assert.ok(!all.body.items.some((u) => u.username === username), 'a refused user was created');
    }
  });

  it('refuses bad usernames, roles and display names with 400 naming the field', async () => {
    const base = () => ({ username: unique('ok'), display_name: 'Someone', password: strongPassword(), roles: ['nurse'] });
    const cases = [
      [{ username: 'ab' }, 'invalid_username', 'username'],
      [{ username: '9lives' }, 'invalid_username', 'username'],
      [{ username: 'Upper' }, 'invalid_username', 'username'],
      [{ username: 'has space' }, 'invalid_username', 'username'],
      [{ username: 'a'.repeat(33) }, 'invalid_username', 'username'],
      [{ username: 'ahmad_é' }, 'invalid_username', 'username'],
      [{ roles: [] }, null, 'roles'],
      [{ roles: ['surgeon'] }, 'invalid_value', 'roles'],
      [{ roles: 'doctor' }, 'invalid_type', 'roles'],
      [{ display_name: '' }, null, 'display_name'],
      [{ is_root: true }, 'unknown_field', 'is_root'],
    ];
    for (const [change, code, field] of cases) {
      const r = await admin.post('/api/v1/users', { ...base(), ...change });
      assert.equal(r.status, 400, `${JSON.stringify(change)}: ${show(r)}`);
      if (code) assert.equal(r.body?.error?.code, code, `${JSON.stringify(change)}: ${show(r)}`);
      assert.equal(r.body?.error?.field, field, `${JSON.stringify(change)}: ${show(r)}`);
    }
    const ok = await admin.post('/api/v1/users', { ...base(), username: `a${'b'.repeat(31)}` });
    assert.equal(ok.status, 201, `a 32-character username: ${show(ok)}`);
    const dots = await admin.post('/api/v1/users', { ...base(), username: unique('x.y_z-') });
    assert.equal(dots.status, 201, show(dots));
  });

  it('role changes take effect on sessions that are already open', async () => {
    const u = await createUser(admin, ['doctor']);
    const c = await login(server.url, u.username, u.password);
    const made = await c.post('/api/v1/patients', patientInput({ family_name: 'Rolebefore' }));
    assert.equal(made.status, 201, show(made));

    const down = await admin.put(`/api/v1/users/${u.user.id}`, { display_name: 'Now A Nurse', roles: ['nurse'], disabled: false });
    assert.equal(down.status, 200, show(down));
    assert.deepEqual(down.body.roles, ['nurse']);
    assert.equal(down.body.display_name, 'Now A Nurse');
    const refused = await c.post('/api/v1/patients', patientInput({ family_name: 'Roleafter' }));
    assert.equal(refused.status, 403, `a demoted user still creates patients: ${show(refused)}`);
    assert.equal(refused.body?.error?.code, 'forbidden');
    const s = await c.get('/api/v1/session');
    if (s.status === 200) assert.deepEqual(s.body.user.roles, ['nurse']);
    else assert.equal(s.status, 401, show(s));

    const up = await admin.put(`/api/v1/users/${u.user.id}`, { display_name: 'Now An Admin', roles: ['admin'], disabled: false });
    assert.equal(up.status, 200, show(up));
    const c2 = await login(server.url, u.username, u.password);
    assert.equal((await c2.get('/api/v1/users')).status, 200);
    assert.equal((await c2.get('/api/v1/audit?limit=1')).status, 200);
  });

  it('a password reset by an admin ends the user\'s sessions and replaces the password', async () => {
    const u = await createUser(admin, ['reception']);
    const c = await login(server.url, u.username, u.password);
    const weak = await admin.put(`/api/v1/users/${u.user.id}/password`, { password: 'tooshort' });
    assert.equal(weak.status, 400, show(weak));
    assert.equal(weak.body?.error?.code, 'weak_password');
    assert.equal((await c.get('/api/v1/session')).status, 200, 'a refused reset ended the session');
    const next = strongPassword();
    const r = await admin.put(`/api/v1/users/${u.user.id}/password`, { password: next });
    assert.equal(r.status, 204, show(r));
    const s = await c.get('/api/v1/session');
    assert.equal(s.status, 401, `the session survived a password reset: ${show(s)}`);
    const old = await new Client(server.url).login(u.username, u.password);
    assert.equal(old.status, 401, show(old));
    assert.equal(old.body?.error?.code, 'bad_credentials');
    const fresh = await new Client(server.url).login(u.username, next);
    assert.equal(fresh.status, 200, show(fresh));
    assert.equal((await admin.get('/api/v1/session')).status, 200, 'the admin lost their own session');
  });

  it('an admin cannot disable themselves or drop their own admin role', async () => {
    const me = admin.user;
    const off = await admin.put(`/api/v1/users/${me.id}`, { display_name: 'Test Admin', roles: ['admin'], disabled: true });
    assert.equal(off.status, 400, show(off));
    assert.equal(off.body?.error?.code, 'invalid_value');
    assert.equal(off.body?.error?.field, 'disabled');
    const drop = await admin.put(`/api/v1/users/${me.id}`, { display_name: 'Test Admin', roles: ['doctor'], disabled: false });
    assert.equal(drop.status, 400, show(drop));
    assert.equal(drop.body?.error?.code, 'invalid_value');
    assert.equal(drop.body?.error?.field, 'roles');
    const still = await listed(me.id);
    assert.deepEqual(still.roles, ['admin']);
    assert.equal(still.disabled, false);
    assert.equal((await admin.get('/api/v1/users')).status, 200);
    // Another admin may change them, and they may rename themselves.
    const rename = await admin.put(`/api/v1/users/${me.id}`, { display_name: 'Renamed Admin', roles: ['admin', 'doctor'], disabled: false });
    assert.equal(rename.status, 200, show(rename));
    assert.equal(rename.body.display_name, 'Renamed Admin');
  });

  it('unknown user ids are 404 not_found', async () => {
    const a = await admin.put('/api/v1/users/999999', { display_name: 'Nobody', roles: ['nurse'], disabled: false });
    assert.equal(a.status, 404, show(a));
    assert.equal(a.body?.error?.code, 'not_found');
    const b = await admin.put('/api/v1/users/999999/password', { password: strongPassword() });
    assert.equal(b.status, 404, show(b));
  });
});
