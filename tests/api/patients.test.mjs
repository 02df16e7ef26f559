// Patients: registration, MRN check digits, reading, versioned updates and their history,
// listing with paging and sorting, search in both scripts, and admin-only soft deletion.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createPatient, dammCheckDigit, dammValid, editable, patientInput, roleClients, show, startServer,
} from '../lib/server.mjs';

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

function ids(r) {
  return r.body.items.map((p) => p.id);
}

async function search(client, q, extra = '') {
  const r = await client.get(`/api/v1/patients?q=${encodeURIComponent(q)}&limit=200${extra}`);
  assert.equal(r.status, 200, `search ${JSON.stringify(q)}: ${show(r)}`);
  return r;
}

async function allPatients(client, query = '') {
  const r = await client.get(`/api/v1/patients?limit=200${query}`);
  assert.equal(r.status, 200, show(r));
  assert.ok(!r.body.has_more, 'more than 200 patients: the test assumes one page');
  return r.body.items;
}

describe('Damm check digit (the implementation the MRN tests rely on)', () => {
  it('matches the published example and catches a changed digit or swapped neighbours', () => {
    assert.equal(dammCheckDigit('572'), '4');
    assert.ok(dammValid('5724'));
    assert.ok(!dammValid('5734'));
    assert.ok(!dammValid('7524'));
  });
});

describe('patients', () => {
  let server;
  let c; // clients by role
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  describe('registration and reading', () => {
    it('creates a patient: 201 with every field, version 1, an 8-digit MRN with a valid Damm digit', async () => {
      const input = patientInput({ given_name: 'Layla', family_name: 'Createcheck', phone: '+971501110001' });
      const r = await c.reception.post('/api/v1/patients', input);
      assert.equal(r.status, 201, show(r));
      const p = r.body;
      // An empty string is no value: it comes back as null.
      for (const [k, v] of Object.entries(input)) assert.equal(p[k], v === '' ? null : v, `field ${k}`);
      assert.ok(Number.isInteger(p.id) && p.id > 0);
      assert.equal(p.version, 1);
      assert.equal(p.deleted, false);
      assert.match(p.mrn, /^[0-9]{8}$/);
      assert.ok(dammValid(p.mrn), `MRN ${p.mrn} fails the Damm check`);
      assert.match(p.created_at, ISO_TIME);
      assert.match(p.updated_at, ISO_TIME);
      const g = await c.nurse.get(`/api/v1/patients/${p.id}`);
      assert.equal(g.status, 200, show(g));
      assert.deepEqual(g.body, p);
    });

    it('gives every patient a different valid MRN', async () => {
      const mrns = [];
      for (let i = 0; i < 12; i++) mrns.push((await createPatient(c.doctor, { family_name: 'Mrnseries' })).mrn);
      assert.equal(new Set(mrns).size, mrns.length, `repeated MRNs: ${mrns}`);
      for (const m of mrns) {
        assert.match(m, /^[0-9]{8}$/);
        assert.ok(dammValid(m), `MRN ${m} fails the Damm check`);
      }
    });

    it('thirty simultaneous registrations get thirty different valid MRNs', async () => {
      const rs = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        [c.doctor, c.reception, c.admin][i % 3].post('/api/v1/patients', patientInput({ family_name: 'Parallel' }))));
      assert.deepEqual(rs.filter((r) => r.status !== 201).map(show), []);
      const mrns = rs.map((r) => r.body.mrn);
      assert.equal(new Set(mrns).size, 30, `repeated MRNs: ${mrns}`);
      assert.equal(new Set(rs.map((r) => r.body.id)).size, 30);
      for (const m of mrns) assert.ok(dammValid(m), `MRN ${m} fails the Damm check`);
    });

    it('accepts a name in Arabic script only, or Latin only; preferred_language defaults to en', async () => {
      const ar = await c.reception.post('/api/v1/patients', {
        given_name_ar: 'ليلى', family_name_ar: 'حداد', date_of_birth: '1990-01-31', sex: 'female',
      });
      assert.equal(ar.status, 201, show(ar));
      assert.equal(ar.body.given_name_ar, 'ليلى');
      assert.equal(ar.body.preferred_language, 'en');
      assert.ok(!ar.body.given_name, 'given_name should be empty');
      const la = await c.reception.post('/api/v1/patients', {
        given_name: 'Omar', family_name: 'Latinonly', date_of_birth: '1979-12-01', sex: 'male', preferred_language: 'ar',
      });
      assert.equal(la.status, 201, show(la));
      assert.equal(la.body.preferred_language, 'ar');
    });

    it('counts lengths in characters: 100 Arabic letters and 4000 accented letters are accepted', async () => {
      const r = await c.doctor.post('/api/v1/patients', patientInput({
        given_name: 'A' + 'a'.repeat(99),
        given_name_ar: 'ب'.repeat(100),
        family_name_ar: 'ت'.repeat(100),
        notes: 'é'.repeat(4000),
        address: 'ش'.repeat(500),
        emergency_contact_name: 'Z'.repeat(200),
        date_of_birth: '1900-01-01',
      }));
      assert.equal(r.status, 201, show(r));
      assert.equal(r.body.given_name_ar, 'ب'.repeat(100));
      assert.equal(r.body.notes, 'é'.repeat(4000));
    });

    it('keeps unusual but valid text exactly: quotes, backslashes, emoji, newlines', async () => {
      const notes = 'Line 1 "quoted" \\ back\nLine 2 \u{1F489} tab\there <b>not html</b>';
      const p = await createPatient(c.doctor, { family_name: "O'Testname", notes });
      const g = await c.doctor.get(`/api/v1/patients/${p.id}`);
      assert.equal(g.body.notes, notes);
      assert.equal(g.body.family_name, "O'Testname");
    });

    it('a missing patient is 404 not_found', async () => {
      for (const path of ['/api/v1/patients/999999', '/api/v1/patients/999999/history']) {
        const r = await c.doctor.get(path);
        assert.equal(r.status, 404, `${path}: ${show(r)}`);
        assert.equal(r.body?.error?.code, 'not_found');
      }
      const r = await c.doctor.put('/api/v1/patients/999999', { ...editable(patientInput()), version: 1 });
      assert.equal(r.status, 404, show(r));
    });
  });

  describe('updates and history', () => {
    it('an update increments the version, keeps the MRN, and the history says who changed what', async () => {
      const p = await createPatient(c.reception, { family_name: 'Historycheck', phone: '+971502220001', email: 'h.check@example.invalid' });
      const body = editable(p);
      body.phone = '+971502220002';
      delete body.email; // left out: becomes empty
      const r = await c.doctor.put(`/api/v1/patients/${p.id}`, body);
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.version, 2);
      assert.equal(r.body.mrn, p.mrn);
      assert.equal(r.body.id, p.id);
      assert.equal(r.body.phone, '+971502220002');
      assert.ok(r.body.email === '' || r.body.email === null, `email left out should be empty: ${r.body.email}`);
      assert.equal(r.body.created_at, p.created_at);
      assert.ok(r.body.updated_at >= p.updated_at);
      const g = await c.nurse.get(`/api/v1/patients/${p.id}`);
      assert.deepEqual(g.body, r.body);

      const h = await c.nurse.get(`/api/v1/patients/${p.id}/history`);
      assert.equal(h.status, 200, show(h));
      const [v2, v1] = h.body.items;
      assert.equal(h.body.items.length, 2, JSON.stringify(h.body));
      assert.equal(v2.version, 2);
      assert.equal(v2.action, 'update');
      assert.equal(v2.user.username, c.doctor.username);
      assert.equal(v2.user.id, c.doctor.user.id);
      assert.match(v2.at, ISO_TIME);
      assert.deepEqual(v2.changes.phone, { from: '+971502220001', to: '+971502220002' });
      assert.equal(v2.changes.email?.from, 'h.check@example.invalid');
      assert.ok(!v2.changes.email.to, 'email change should end empty');
      assert.equal(v2.changes.family_name, undefined, 'unchanged fields are not listed');
      assert.equal(v2.reason ?? null, null);
      assert.equal(v1.version, 1);
      assert.equal(v1.action, 'create');
      assert.equal(v1.user.username, c.reception.username);
      // A creation lists every value it set as a change from null.
      assert.deepEqual(v1.changes.phone, { from: null, to: '+971502220001' });
      assert.deepEqual(v1.changes.family_name, { from: null, to: 'Historycheck' });
      assert.equal(v1.changes.notes, undefined, 'a value not set is not a change');
    });

    it('saving an old version is 409 stale_version and changes nothing', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Stalecheck' });
      // Two people open version 1; the first saves, the second must not overwrite.
      const first = await c.doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), notes: 'first save' });
      assert.equal(first.status, 200, show(first));
      const second = await c.reception.put(`/api/v1/patients/${p.id}`, { ...editable(p), notes: 'second save' });
      assert.equal(second.status, 409, show(second));
      assert.equal(second.body?.error?.code, 'stale_version');
      const future = await c.reception.put(`/api/v1/patients/${p.id}`, { ...editable(p), version: 7, notes: 'x' });
      assert.equal(future.status, 409, show(future));
      const g = await c.doctor.get(`/api/v1/patients/${p.id}`);
      assert.equal(g.body.version, 2);
      assert.equal(g.body.notes, 'first save');
      const h = await c.doctor.get(`/api/v1/patients/${p.id}/history`);
      assert.equal(h.body.items.length, 2);
    });

    it('of twelve simultaneous saves of one version exactly one wins', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Racecheck' });
      const rs = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? c.doctor : c.reception).put(`/api/v1/patients/${p.id}`, { ...editable(p), notes: `save ${i}` })));
      const statuses = rs.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, ...Array(11).fill(409)], JSON.stringify(statuses));
      const winner = rs.find((r) => r.status === 200).body;
      const g = await c.doctor.get(`/api/v1/patients/${p.id}`);
      assert.equal(g.body.version, 2);
      assert.equal(g.body.notes, winner.notes);
      assert.equal((await c.doctor.get(`/api/v1/patients/${p.id}/history`)).body.items.length, 2);
    });

    it('a record read back, empty fields as null, saves back with one change and nothing else lost', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Roundtrip', email: '', notes: '', address: '' });
      const g = await c.doctor.get(`/api/v1/patients/${p.id}`);
      assert.equal(g.body.email, null, 'an empty optional field should come back as null');
      const body = { ...g.body, notes: 'Round trip' };
      for (const k of ['id', 'mrn', 'created_at', 'updated_at', 'deleted']) delete body[k];
      const r = await c.doctor.put(`/api/v1/patients/${p.id}`, body);
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.version, 2);
      const { version: v1, updated_at: u1, notes: n1, ...before1 } = g.body;
      const { version: v2, updated_at: u2, notes: n2, ...after1 } = r.body;
      assert.deepEqual(after1, before1);
      assert.equal(n1, null);
      assert.equal(n2, 'Round trip');
      assert.ok(u2 >= u1);
      const h = await c.doctor.get(`/api/v1/patients/${p.id}/history`);
      assert.deepEqual(Object.keys(h.body.items[0].changes), ['notes']);
    });

    it('a save that changes nothing is not a new version: the record comes back as it was', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Nochange' });
      const r = await c.doctor.put(`/api/v1/patients/${p.id}`, editable(p));
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.version, p.version, 'docs/api.md: an unchanged save keeps the version');
      assert.equal(r.body.updated_at, p.updated_at);
      const h = await c.doctor.get(`/api/v1/patients/${p.id}/history`);
      assert.equal(h.body.items.length, 1, 'an unchanged save added a version');
    });

    it('an update without a version is 400 naming version', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Noversion' });
      const body = editable(p);
      delete body.version;
      const r = await c.doctor.put(`/api/v1/patients/${p.id}`, body);
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body?.error?.field, 'version');
    });

    it('an update follows the same rules as a registration', async () => {
      const p = await createPatient(c.doctor, { family_name: 'Updaterules' });
      const r = await c.doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), phone: '0501234567' });
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body?.error?.code, 'invalid_phone');
      assert.equal(r.body?.error?.field, 'phone');
      const s = await c.doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), mrn: '12345678' });
      assert.equal(s.status, 400, show(s));
      assert.equal(s.body?.error?.code, 'unknown_field');
      const g = await c.doctor.get(`/api/v1/patients/${p.id}`);
      assert.deepEqual(g.body, p);
    });
  });

  describe('listing, paging and sorting', () => {
    const made = [];
    before(async () => {
      const names = [['Sortdelta', '1971-04-04'], ['Sortalpha', '1999-01-01'], ['Sortecho', '1950-05-05'],
        ['Sortcharlie', '1988-03-03'], ['Sortbravo', '1960-02-02'], ['Sortfoxtrot', '2001-06-06'], ['Sortgolf', '1945-07-07']];
      for (const [family, dob] of names) made.push(await createPatient(c.reception, { family_name: family, given_name: 'Sorter', date_of_birth: dob }));
    });

    it('defaults to offset 0 and limit 50 and reports the total', async () => {
      const r = await c.nurse.get('/api/v1/patients');
      assert.equal(r.status, 200, show(r));
      assert.equal(r.body.offset, 0);
      assert.equal(r.body.limit, 50);
      assert.equal(typeof r.body.total, 'number');
      assert.ok(r.body.total >= made.length);
      assert.equal(r.body.has_more, r.body.total > 50);
    });

    it('pages of 3 put together give the whole list once, in order', async () => {
      for (const sort of ['family_name', 'given_name', 'mrn', 'date_of_birth', 'created_at', 'updated_at']) {
        for (const order of ['asc', 'desc']) {
          const q = `&sort=${sort}&order=${order}`;
          const all = await allPatients(c.nurse, q);
          const seen = [];
          for (let offset = 0; ; offset += 3) {
            const r = await c.nurse.get(`/api/v1/patients?offset=${offset}&limit=3${q}`);
            assert.equal(r.status, 200, show(r));
            assert.equal(r.body.offset, offset);
            assert.equal(r.body.limit, 3);
            assert.equal(r.body.total, all.length);
            seen.push(...ids(r));
            assert.equal(r.body.has_more, offset + 3 < all.length, `has_more at offset ${offset}`);
            if (!r.body.has_more) break;
          }
          assert.deepEqual(seen, all.map((p) => p.id), `pages for ${q}`);
        }
      }
    });

    it('sorts by family name, MRN, date of birth and creation, both ways', async () => {
      const ours = new Set(made.map((p) => p.id));
      const mine = (items) => items.filter((p) => ours.has(p.id)).map((p) => p.family_name);
      const alpha = ['Sortalpha', 'Sortbravo', 'Sortcharlie', 'Sortdelta', 'Sortecho', 'Sortfoxtrot', 'Sortgolf'];
      assert.deepEqual(mine(await allPatients(c.doctor, '&sort=family_name&order=asc')), alpha);
      assert.deepEqual(mine(await allPatients(c.doctor, '&sort=family_name&order=desc')), [...alpha].reverse());
      const byDob = [...made].sort((a, b) => (a.date_of_birth < b.date_of_birth ? -1 : 1)).map((p) => p.family_name);
      assert.deepEqual(mine(await allPatients(c.doctor, '&sort=date_of_birth&order=asc')), byDob);
      const created = made.map((p) => p.family_name);
      assert.deepEqual(mine(await allPatients(c.doctor, '&sort=created_at&order=asc')), created);
      assert.deepEqual(mine(await allPatients(c.doctor, '&sort=created_at&order=desc')), [...created].reverse());
      const mrns = (await allPatients(c.doctor, '&sort=mrn&order=asc')).map((p) => p.mrn);
      assert.deepEqual(mrns, [...mrns].sort());
      const dobs = (await allPatients(c.doctor, '&sort=date_of_birth&order=desc')).map((p) => p.date_of_birth);
      assert.deepEqual(dobs, [...dobs].sort().reverse());
    });

    it('refuses a bad limit, offset, sort or order with 400 invalid_query', async () => {
      for (const q of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'offset=-1', 'offset=x', 'sort=password', 'order=sideways']) {
        const r = await c.nurse.get(`/api/v1/patients?${q}`);
        assert.equal(r.status, 400, `${q}: ${show(r)}`);
        assert.equal(r.body?.error?.code, 'invalid_query', `${q}: ${show(r)}`);
      }
      const ok = await c.nurse.get('/api/v1/patients?limit=200');
      assert.equal(ok.status, 200, show(ok));
    });
  });

  describe('search', () => {
    const p = {};
    before(async () => {
      p.renee = await createPatient(c.reception, { given_name: 'Renée', family_name: 'Çelikdoğan', phone: '+966555123001' });
      p.jose = await createPatient(c.reception, { given_name: 'Jose', family_name: 'Searchlatin', phone: '+966555123002' });
      p.ahmad = await createPatient(c.reception, {
        given_name: 'Ahmad', family_name: 'Alkhatib', given_name_ar: 'أَحْمَد', family_name_ar: 'الخَطِيب', phone: '+966555129003',
      });
      p.fatima = await createPatient(c.reception, {
        given_name: 'Fatima', family_name: 'Alzahra', given_name_ar: 'فاطمة', family_name_ar: 'الزهراء', phone: '+966555999004',
      });
      p.mustafa = await createPatient(c.reception, {
        given_name: 'Mustafa', family_name: 'Ibrahimson', given_name_ar: 'مصطفى', family_name_ar: 'إبراهيم', phone: '+966555999005',
      });
      p.amna = await createPatient(c.reception, {
        given_name_ar: 'آمنة', family_name_ar: 'سَلْمَى', given_name: '', family_name: '', phone: '+966555999006',
      });
      p.paged = [];
      for (let i = 0; i < 3; i++) p.paged.push(await createPatient(c.reception, { family_name: 'Pagedsearch', phone: '+966555888001' }));
    });

    async function finds(q, want, notWant = []) {
      const r = await search(c.nurse, q);
      const got = ids(r);
      for (const k of want) assert.ok(got.includes(p[k].id), `${JSON.stringify(q)} should find ${k}; got ${got}`);
      for (const k of notWant) assert.ok(!got.includes(p[k].id), `${JSON.stringify(q)} should not find ${k}`);
      return r;
    }

    it('search results carry has_more and no total', async () => {
      const r = await finds('renee', ['renee']);
      assert.equal(r.body.total, undefined, 'search results must not carry a total');
      assert.equal(r.body.has_more, false);
    });

    it('finds Latin names ignoring case and accents, by word prefix, every word having to match', async () => {
      await finds('renee', ['renee'], ['jose', 'ahmad']);
      await finds('RENÉE', ['renee']);
      await finds('Celikdogan', ['renee']);
      await finds('çelik', ['renee']);
      await finds('renee celik', ['renee']);
      await finds('celik renee', ['renee']);
      await finds('josé', ['jose'], ['renee']);
      await finds('renee searchlatin', [], ['renee', 'jose']);
      await finds('likdogan', [], ['renee']);
    });

    it('finds Arabic names typed without diacritics and with letter variants', async () => {
      await finds('احمد', ['ahmad'], ['fatima', 'mustafa']);
      await finds('أحمد', ['ahmad']);
      await finds('احمد الخطيب', ['ahmad']);
      await finds('الخطيب', ['ahmad']);
      await finds('فاطمه', ['fatima'], ['ahmad']);
      await finds('فاطمة', ['fatima']);
      await finds('مصطفي', ['mustafa']);
      await finds('ابراهيم', ['mustafa']);
      await finds('امنه', ['amna']);
      await finds('سلمي', ['amna']);
      await finds('أَحْمَد', ['ahmad']);
      await finds('احمد الزهراء', [], ['ahmad', 'fatima']);
    });

    it('a Latin query finds a patient who also has an Arabic name', async () => {
      await finds('alkhatib', ['ahmad']);
      await finds('ahm', ['ahmad']);
    });

    it('finds a patient by exact MRN', async () => {
      const r = await finds(p.fatima.mrn, ['fatima']);
      assert.deepEqual(ids(r), [p.fatima.id]);
    });

    it('finds patients by phone prefix', async () => {
      const r = await finds('+96655512', ['renee', 'jose', 'ahmad'], ['fatima', 'mustafa', 'amna']);
      assert.equal(r.body.items.length, 3);
      await finds('+966555129', ['ahmad'], ['renee', 'jose']);
      await finds('+966555999006', ['amna'], ['fatima']);
    });

    it('LIKE wildcards and SQL quotes alone match nobody', async () => {
      for (const q of ['%', '_', '%%', '__', "'", '"', '\\', "' OR 1=1 --", '%_%']) {
        const r = await search(c.nurse, q);
        assert.deepEqual(ids(r), [], `${JSON.stringify(q)} matched patients`);
      }
    });

    it('a query matching nobody answers an empty list', async () => {
      const r = await search(c.nurse, 'zzqxnomatch');
      assert.deepEqual(r.body.items, []);
      assert.equal(r.body.has_more, false);
    });

    it('pages search results with has_more', async () => {
      const a = await c.nurse.get('/api/v1/patients?q=pagedsearch&limit=2');
      assert.equal(a.status, 200, show(a));
      assert.equal(a.body.items.length, 2);
      assert.equal(a.body.has_more, true);
      const b = await c.nurse.get('/api/v1/patients?q=pagedsearch&limit=2&offset=2');
      assert.equal(b.status, 200, show(b));
      assert.equal(b.body.items.length, 1);
      assert.equal(b.body.has_more, false);
      const all = [...ids(a), ...ids(b)].sort((x, y) => x - y);
      assert.deepEqual(all, p.paged.map((x) => x.id).sort((x, y) => x - y));
    });
  });

  describe('soft deletion', () => {
    it('only an admin deletes, with a reason; the patient then disappears for everyone else', async () => {
      const x = await createPatient(c.reception, { given_name: 'Goneaway', family_name: 'Deletecheck', phone: '+966555777001' });
      const byDoctor = await c.doctor.del(`/api/v1/patients/${x.id}`, { reason: 'Duplicate record' });
      assert.equal(byDoctor.status, 403, show(byDoctor));
      assert.equal(byDoctor.body?.error?.code, 'forbidden');

      for (const body of [undefined, {}, { reason: '' }, { reason: 'x'.repeat(501) }, { reason: 5 }]) {
        const r = await c.admin.del(`/api/v1/patients/${x.id}`, body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${show(r)}`);
        if (body !== undefined) assert.equal(r.body?.error?.field, 'reason', `${JSON.stringify(body)}: ${show(r)}`);
      }
      assert.equal((await c.doctor.get(`/api/v1/patients/${x.id}`)).status, 200, 'refused deletes deleted the patient');

      const totalBefore = (await c.doctor.get('/api/v1/patients?limit=1')).body.total;
      const del = await c.admin.del(`/api/v1/patients/${x.id}`, { reason: 'Registered twice by mistake' });
      assert.equal(del.status, 204, show(del));

      for (const role of ['doctor', 'nurse', 'reception']) {
        const g = await c[role].get(`/api/v1/patients/${x.id}`);
        assert.equal(g.status, 404, `${role}: ${show(g)}`);
        assert.equal(g.body?.error?.code, 'not_found');
      }
      const a = await c.admin.get(`/api/v1/patients/${x.id}`);
      assert.equal(a.status, 200, show(a));
      assert.equal(a.body.deleted, true);

      assert.equal((await c.doctor.get('/api/v1/patients?limit=1')).body.total, totalBefore - 1);
      for (const who of ['doctor', 'admin']) {
        assert.ok(!(await allPatients(c[who])).some((q) => q.id === x.id), `${who} still lists the deleted patient`);
        for (const q of ['goneaway', 'deletecheck', x.mrn, '+966555777']) {
          assert.ok(!ids(await search(c[who], q)).includes(x.id), `${who} still finds the deleted patient by ${q}`);
        }
      }
      const inc = await allPatients(c.admin, '&include_deleted=1');
      const found = inc.find((q) => q.id === x.id);
      assert.ok(found, 'include_deleted=1 does not list the deleted patient for an admin');
      assert.equal(found.deleted, true);

      const h = await c.admin.get(`/api/v1/patients/${x.id}/history`);
      assert.equal(h.status, 200, show(h));
      assert.equal(h.body.items[0].action, 'delete');
      assert.equal(h.body.items[0].reason, 'Registered twice by mistake');
      assert.equal(h.body.items[0].user.username, c.admin.username);

      const upd = await c.doctor.put(`/api/v1/patients/${x.id}`, { ...editable(x), notes: 'after delete' });
      assert.equal(upd.status, 404, `a deleted patient can still be edited: ${show(upd)}`);
    });

    it('include_deleted=1 shows nothing extra to a non-admin', async () => {
      const x = await createPatient(c.reception, { family_name: 'Hiddenfromnurse' });
      const del = await c.admin.del(`/api/v1/patients/${x.id}`, { reason: 'Test record' });
      assert.equal(del.status, 204, show(del));
      const r = await c.nurse.get('/api/v1/patients?limit=200&include_deleted=1');
      assert.ok(r.status === 403 || (r.status === 200 && !ids(r).includes(x.id)), show(r));
    });
  });
});
