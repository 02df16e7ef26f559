// Time limits from the configuration file: an idle session ends while a busy one lives on, and a
// throttled username may log in again once the window has passed. Uses one-minute settings, so
// this file takes a little over a minute.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, createUser, login, loginAdmin, show, startServer } from '../lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('session and throttle time limits (configured to one minute)', () => {
  let server;
  before(async () => {
    server = await startServer({
      config: '[session]\nidle_minutes = 1\nabsolute_hours = 1\nmax_user_failures = 2\nmax_address_failures = 20\nwindow_minutes = 1\n',
    });
  });
  after(async () => {
    await server?.cleanup();
  });

  it('an idle session ends, a busy one lives, and the throttle lifts after its window', { timeout: 180000 }, async () => {
    const admin = await loginAdmin(server);
    const idleUser = await createUser(admin, ['nurse']);
    const busyUser = await createUser(admin, ['doctor']);
    const lockedUser = await createUser(admin, ['reception']);
    const idle = await login(server.url, idleUser.username, idleUser.password);
    const busy = await login(server.url, busyUser.username, busyUser.password);

    // The configured limit of 2 failures applies, not the default of 5.
    const c = new Client(server.url);
    for (let i = 0; i < 2; i++) assert.equal((await c.login(lockedUser.username, `wrong-password-${i}`)).status, 401);
    const locked = await c.login(lockedUser.username, lockedUser.password);
    assert.equal(locked.status, 429, show(locked));
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry > 0 && retry <= 60, `Retry-After ${retry} with a one-minute window`);

    const idleSince = Date.now();
    assert.equal((await idle.get('/api/v1/session')).status, 200);
    // The busy session makes a request every 15 s; the idle one makes none for 65 s.
    while (Date.now() - idleSince < 65000) {
      await sleep(15000);
      const r = await busy.get('/api/v1/patients?limit=1');
      assert.equal(r.status, 200, `the busy session ended after ${Math.round((Date.now() - idleSince) / 1000)} s: ${show(r)}`);
    }
    const gone = await idle.get('/api/v1/session');
    assert.equal(gone.status, 401, `a session idle for 65 s with idle_minutes = 1 still works: ${show(gone)}`);
    assert.equal(gone.body?.error?.code, 'unauthenticated');
    assert.equal((await busy.get('/api/v1/session')).status, 200);

    const again = await new Client(server.url).login(lockedUser.username, lockedUser.password);
    assert.equal(again.status, 200, `still throttled after the window: ${show(again)}`);
  });
});
