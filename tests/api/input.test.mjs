// Bad input is refused whole: each case is a 400 (or 413) naming the field at fault, and the
// patient list has exactly as many patients afterwards as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPatient, editable, loginAdmin, patientInput, show, startServer, userClient } from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { check } from '../lib/schema.mjs';

const doc = repoOpenApi();
const ERROR = { $ref: '#/components/schemas/Error' };

function isoDate(d) {
  return d.toISOString().slice(0, 10);
}
const nextYear = new Date();
nextYear.setUTCFullYear(nextYear.getUTCFullYear() + 1);
const inAWeek = new Date(Date.now() + 7 * 86400000);

const without = (k) => {
  const p = patientInput();
  delete p[k];
  return p;
};

// [label, body (a value to send as JSON, or {raw: string|Buffer}), status, code, field]; a code
// of null accepts any code of the contract's list.
const CASES = [
  ['malformed JSON', { raw: '{"given_name": "Sample", ' }, 400, 'invalid_json', null],
  ['trailing garbage after the JSON', { raw: `${JSON.stringify(patientInput())} x` }, 400, 'invalid_json', null],
  ['an empty body', { raw: '' }, 400, 'invalid_json', null],
  ['a JSON array instead of an object', [patientInput()], 400, 'not_object', null],
  ['a JSON string instead of an object', 'Sample', 400, 'not_object', null],
  ['a JSON null', null, 400, 'not_object', null],
  ['invalid UTF-8 bytes in a name', {
    raw: Buffer.concat([Buffer.from('{"given_name":"Sa'), Buffer.from([0xff, 0xfe]), Buffer.from(`mple","family_name":"Utfbad","date_of_birth":"1980-01-01","sex":"male"}`)]),
  }, 400, 'invalid_utf8', null],
  ['an overlong UTF-8 encoding of "/"', {
    raw: Buffer.concat([Buffer.from('{"given_name":"Sa'), Buffer.from([0xc0, 0xaf]), Buffer.from(`mple","family_name":"Utfbad","date_of_birth":"1980-01-01","sex":"male"}`)]),
  }, 400, 'invalid_utf8', null],
  ['a UTF-8 encoded surrogate', {
    raw: Buffer.concat([Buffer.from('{"given_name":"Sa'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`mple","family_name":"Utfbad","date_of_birth":"1980-01-01","sex":"male"}`)]),
  }, 400, 'invalid_utf8', null],
  ['a number as a name', patientInput({ given_name: 42 }), 400, 'invalid_type', 'given_name'],
  ['an object as a phone', patientInput({ phone: { number: '+971500000001' } }), 400, 'invalid_type', 'phone'],
  ['a boolean as notes', patientInput({ notes: true }), 400, 'invalid_type', 'notes'],
  ['a number as a date of birth', patientInput({ date_of_birth: 19850615 }), 400, 'invalid_type', 'date_of_birth'],
  ['a list as sex', patientInput({ sex: ['female'] }), 400, 'invalid_type', 'sex'],
  ['an unknown field', patientInput({ favourite_colour: 'blue' }), 400, 'unknown_field', 'favourite_colour'],
  ['a field that differs only in case', patientInput({ Given_Name: 'Sample' }), 400, 'unknown_field', 'Given_Name'],
  ['server-owned id', patientInput({ id: 77 }), 400, 'unknown_field', 'id'],
  ['server-owned mrn', patientInput({ mrn: '10000125' }), 400, 'unknown_field', 'mrn'],
  ['server-owned created_at', patientInput({ created_at: '2026-01-01T00:00:00.000Z' }), 400, 'unknown_field', 'created_at'],
  ['server-owned updated_at', patientInput({ updated_at: '2026-01-01T00:00:00.000Z' }), 400, 'unknown_field', 'updated_at'],
  ['server-owned deleted', patientInput({ deleted: true }), 400, 'unknown_field', 'deleted'],
  ['version on a registration', patientInput({ version: 3 }), 400, 'unknown_field', 'version'],
  ['a given name of 101 characters', patientInput({ given_name: 'A' + 'a'.repeat(100) }), 400, 'too_long', 'given_name'],
  ['an Arabic family name of 101 characters', patientInput({ family_name_ar: 'ب'.repeat(101) }), 400, 'too_long', 'family_name_ar'],
  ['an address of 501 characters', patientInput({ address: 'x'.repeat(501) }), 400, 'too_long', 'address'],
  ['an emergency contact name of 201 characters', patientInput({ emergency_contact_name: 'x'.repeat(201) }), 400, 'too_long', 'emergency_contact_name'],
  ['notes of 4001 characters', patientInput({ notes: 'n'.repeat(4001) }), 400, 'too_long', 'notes'],
  ['an impossible date 2026-02-30', patientInput({ date_of_birth: '2026-02-30' }), 400, 'invalid_date', 'date_of_birth'],
  ['February 29 of a common year', patientInput({ date_of_birth: '1999-02-29' }), 400, 'invalid_date', 'date_of_birth'],
  ['month 13', patientInput({ date_of_birth: '1990-13-01' }), 400, 'invalid_date', 'date_of_birth'],
  ['a date in another format', patientInput({ date_of_birth: '15/06/1985' }), 400, 'invalid_date', 'date_of_birth'],
  ['a date with a time', patientInput({ date_of_birth: '1985-06-15T00:00:00Z' }), 400, 'invalid_date', 'date_of_birth'],
  ['a date before 1900', patientInput({ date_of_birth: '1899-12-31' }), 400, 'invalid_date', 'date_of_birth'],
  ['a birth date next year', patientInput({ date_of_birth: isoDate(nextYear) }), 400, 'future_date', 'date_of_birth'],
  ['a birth date next week', patientInput({ date_of_birth: isoDate(inAWeek) }), 400, 'future_date', 'date_of_birth'],
  ['a missing date of birth', without('date_of_birth'), 400, 'required', 'date_of_birth'],
  ['a missing sex', without('sex'), 400, 'required', 'sex'],
  ['an unknown sex', patientInput({ sex: 'f' }), 400, 'invalid_value', 'sex'],
  ['an unknown preferred language', patientInput({ preferred_language: 'fr' }), 400, 'invalid_value', 'preferred_language'],
  ['a phone without +', patientInput({ phone: '971501234567' }), 400, 'invalid_phone', 'phone'],
  ['a phone with 6 digits', patientInput({ phone: '+971501' }), 400, 'invalid_phone', 'phone'],
  ['a phone with 16 digits', patientInput({ phone: '+9715012345678901' }), 400, 'invalid_phone', 'phone'],
  ['a phone with letters', patientInput({ phone: '+97150ABC4567' }), 400, 'invalid_phone', 'phone'],
  ['a phone with spaces', patientInput({ phone: '+971 50 123 4567' }), 400, 'invalid_phone', 'phone'],
  ['an emergency phone that is not E.164', patientInput({ emergency_contact_phone: '050-123' }), 400, 'invalid_phone', 'emergency_contact_phone'],
  ['an e-mail without @', patientInput({ email: 'sample.example.invalid' }), 400, 'invalid_email', 'email'],
  ['an e-mail without a domain', patientInput({ email: 'sample@' }), 400, 'invalid_email', 'email'],
  ['an e-mail with spaces', patientInput({ email: 'sam ple@example.invalid' }), 400, 'invalid_email', 'email'],
  ['Arabic letters in the Latin given name', patientInput({ given_name: 'أحمد' }), 400, 'wrong_script', 'given_name'],
  ['Arabic letters mixed into the Latin family name', patientInput({ family_name: 'Haddadحداد' }), 400, 'wrong_script', 'family_name'],
  ['Latin letters in the Arabic given name', patientInput({ given_name_ar: 'Layla' }), 400, 'wrong_script', 'given_name_ar'],
  ['no name at all', patientInput({ given_name: '', family_name: '', given_name_ar: '', family_name_ar: '' }), 400, 'name_required', 'given_name'],
  ['a given name without family name in either script', patientInput({ family_name: '', family_name_ar: '' }), 400, 'name_required', 'given_name'],
  ['names missing entirely', (() => {
    const p = patientInput();
    for (const k of ['given_name', 'family_name', 'given_name_ar', 'family_name_ar']) delete p[k];
    return p;
  })(), 400, 'name_required', 'given_name'],
  ['names of blanks only', patientInput({ given_name: '   ', family_name: '   ', given_name_ar: '', family_name_ar: '' }), 400, 'name_required', 'given_name'],
  ['a NUL character escaped in a name', patientInput({ given_name: 'Sam\u0000ple' }), 400, null, null],
  ['a control character in the notes', patientInput({ notes: 'bell \u0007 here' }), 400, null, null],
  ['a lone surrogate escape', { raw: JSON.stringify(patientInput()).replace('"Sample"', '"\\ud800"') }, 400, null, null],
  ['JSON nested 30000 deep', { raw: '['.repeat(30000) + ']'.repeat(30000) }, 400, null, null],
  ['an object nested 5000 deep', { raw: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) }, 400, null, null],
  ['a number too big for any integer type', { raw: JSON.stringify(patientInput()).replace('"given_name":"Sample"', '"given_name":1e400') }, 400, null, null],
  ['a body over 64 KiB', { raw: JSON.stringify(patientInput({ notes: 'x'.repeat(70 * 1024) })) }, 413, 'too_big', null],
];

describe('bad input on patient registration', () => {
  let server;
  let admin;
  let doctor;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    doctor = await userClient(server, admin, ['doctor']);
    await createPatient(doctor, { family_name: 'Existing' });
  });
  after(async () => {
    await server?.cleanup();
  });

  async function count() {
    const r = await admin.get('/api/v1/patients?limit=1&include_deleted=1');
    assert.equal(r.status, 200, show(r));
    return r.body.total;
  }

  it('the valid base record is accepted (so every case below fails for its one change)', async () => {
    const r = await doctor.post('/api/v1/patients', patientInput());
    assert.equal(r.status, 201, show(r));
  });

  for (const [label, body, status, code, field] of CASES) {
    it(`${label} → ${status} ${code}${field ? ` on ${field}` : ''}, nothing written`, async () => {
      const before1 = await count();
      const opts = body !== null && typeof body === 'object' && 'raw' in body ? { body: body.raw } : { json: body };
      const r = await doctor.req('POST', '/api/v1/patients', opts);
      assert.equal(r.status, status, show(r));
      assert.deepEqual(check(doc, ERROR, r.body), [], `not an error of the contract: ${show(r)}`);
      if (code) assert.equal(r.body?.error?.code, code, show(r));
      assert.ok(r.body.error.message.length > 0);
      if (field) assert.equal(r.body.error.field, field, show(r));
      assert.equal(await count(), before1, 'a refused request wrote a patient');
    });
  }

  it('a refused update leaves the patient at its version', async () => {
    const p = await createPatient(doctor, { family_name: 'Refusedupdate' });
    for (const change of [{ date_of_birth: '2026-02-30' }, { email: 'nope' }, { given_name: 'أحمد' }, { id: 5 }, { notes: 7 }]) {
      const r = await doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), ...change });
      assert.equal(r.status, 400, `${JSON.stringify(change)}: ${show(r)}`);
      assert.equal(r.body?.error?.field, Object.keys(change)[0]);
    }
    const g = await doctor.get(`/api/v1/patients/${p.id}`);
    assert.deepEqual(g.body, p);
    const h = await doctor.get(`/api/v1/patients/${p.id}/history`);
    assert.equal(h.body.items.length, 1);
  });

  it('a version below 1 is 400 on version with a code of the contract', async () => {
    const p = await createPatient(doctor, { family_name: 'Versionzero' });
    for (const version of [0, -1]) {
      const r = await doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), version });
      assert.equal(r.status, 400, show(r));
      assert.equal(r.body?.error?.field, 'version', show(r));
      assert.deepEqual(check(doc, ERROR, r.body), [], `not an error of the contract: ${show(r)}`);
    }
  });

  it('a wrong type for version in an update is 400 on version', async () => {
    const p = await createPatient(doctor, { family_name: 'Versiontype' });
    const r = await doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), version: '1' });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body?.error?.code, 'invalid_type');
    assert.equal(r.body?.error?.field, 'version');
  });

  it('a body over 64 KiB on an update is 413 too_big', async () => {
    const p = await createPatient(doctor, { family_name: 'Bigupdate' });
    const r = await doctor.put(`/api/v1/patients/${p.id}`, { ...editable(p), notes: 'y'.repeat(66 * 1024) });
    assert.equal(r.status, 413, show(r));
    assert.equal(r.body?.error?.code, 'too_big');
    assert.equal((await doctor.get(`/api/v1/patients/${p.id}`)).body.version, 1);
  });

  it('the server still answers normally after all the refusals', async () => {
    const r = await doctor.post('/api/v1/patients', patientInput({ family_name: 'Afterwards' }));
    assert.equal(r.status, 201, show(r));
    const s = await server.stop();
    assert.deepEqual(s, { code: 0, signal: null }, server.logs().split('\n').slice(-20).join('\n'));
  });
});
