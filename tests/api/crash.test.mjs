// A crash at any moment leaves the database consistent: the server is killed (SIGKILL) in the
// middle of a burst of registrations and corrections. Afterwards every answered write is there,
// nothing is half written (each patient has its versions and audit events, the totals match the
// rows) and the audit chain verifies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPatient, editable, loginAdmin, patientInput, runCli, show, startServer } from '../lib/server.mjs';

describe('crash consistency', () => {
  let server;
  const acknowledged = new Map(); // id -> version the server confirmed

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.cleanup();
  });

  it('survives SIGKILL during concurrent writes with every answered write kept', async () => {
    const admin = await loginAdmin(server);
    for (let i = 0; i < 10; i++) {
      const p = await createPatient(admin, { family_name: 'Crashbase' });
      acknowledged.set(p.id, p.version);
    }
    const ids = [...acknowledged.keys()];
    let stop = false;
    const worker = async (w) => {
      for (let i = 0; !stop && i < 400; i++) {
        try {
          if (i % 3 === 2) {
            const id = ids[(w + i) % ids.length];
            const cur = await admin.get(`/api/v1/patients/${id}`);
            if (cur.status !== 200) continue;
            const r = await admin.put(`/api/v1/patients/${id}`, { ...editable(cur.body), notes: `w${w} i${i}` });
            if (r.status === 200) acknowledged.set(id, Math.max(acknowledged.get(id) || 0, r.body.version));
          } else {
            const r = await admin.post('/api/v1/patients', patientInput({ family_name: 'Crashburst' }));
            if (r.status === 201) acknowledged.set(r.body.id, r.body.version);
          }
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    // Kill mid-burst once enough writes were acknowledged: a fixed delay sees too few on a
    // busy or sanitizer-slowed machine.
    const deadline = Date.now() + 30000;
    while (acknowledged.size <= 30 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const status = await server.kill();
    stop = true;
    await Promise.all(workers);
    assert.equal(status.signal, 'SIGKILL', 'the server was not killed mid-burst');
    assert.ok(acknowledged.size > 20, `too few writes before the kill (${acknowledged.size})`);

    const verify = runCli(['audit', 'verify', '--db', server.db]);
    assert.equal(verify.status, 0, `audit chain after the crash: ${verify.stdout}${verify.stderr}`);

    server = await startServer({ reuse: server });
    const again = await loginAdmin(server);
    // Every acknowledged write survived, at least at the version the client was told.
    for (const [id, version] of acknowledged) {
      const r = await again.get(`/api/v1/patients/${id}`);
      assert.equal(r.status, 200, show(r));
      assert.ok(r.body.version >= version, `patient ${id} lost version ${version} (has ${r.body.version})`);
    }
    // Nothing half written: the total matches the rows, every row has all its versions and
    // every version has its audit event.
    const rows = [];
    for (let offset = 0; ; offset += 200) {
      const page = await again.get(`/api/v1/patients?limit=200&offset=${offset}`);
      assert.equal(page.status, 200, show(page));
      rows.push(...page.body.items);
      if (!page.body.has_more) {
        assert.equal(page.body.total, rows.length, 'patient total differs from the rows');
        break;
      }
    }
    const events = [];
    for (let before = ''; ;) {
      const page = await again.get(`/api/v1/audit?entity=patient&limit=500${before}`);
      assert.equal(page.status, 200, show(page));
      events.push(...page.body.items.filter((e) => e.action === 'patient.create' || e.action === 'patient.update'));
      if (page.body.next_before_id === null) break;
      before = `&before_id=${page.body.next_before_id}`;
    }
    for (const p of rows) {
      const h = await again.get(`/api/v1/patients/${p.id}/history`);
      assert.equal(h.status, 200, show(h));
      assert.deepEqual(h.body.items.map((v) => v.version), Array.from({ length: p.version }, (_, i) => p.version - i),
        `patient ${p.id} at version ${p.version} lacks versions`);
      const writes = events.filter((e) => e.entity_id === String(p.id)).length;
      assert.equal(writes, p.version, `patient ${p.id}: ${p.version} versions but ${writes} write events`);
    }
  });
});
