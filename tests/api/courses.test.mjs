// Treatment courses over HTTP: prescribing needs a screening signed to proceed (an override on a
// deferred result counts), the plan's items and windows, the quote's arithmetic, status changes
// and their errors, audit events, bad input naming the field, and nothing half written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  PROTOCOLS, createPatient, poll, roleClients, runCli, show, startServer,
} from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';

const H = 3600000;
const D = 24 * H;
const doc = repoOpenApi();
const iso = (ms) => new Date(ms).toISOString();

// Calendar arithmetic written independently of the server's: days, and months clamped to the
// month's end.
function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function addMonths(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}
// The test server runs in UTC: its today is the UTC date.
const today = () => new Date().toISOString().slice(0, 10);
// The 31st of the next month that has one, at least a few days ahead: months clamp from it.
function nextMonthEnd() {
  let d = addDays(today(), 3);
  for (;;) {
    const [y, m] = d.split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const cand = `${d.slice(0, 8)}${String(last).padStart(2, '0')}`;
    if (last === 31 && cand >= d) return cand;
    d = addMonths(`${d.slice(0, 8)}01`, 1);
  }
}

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

const HAIR = {
  norwood: 'III', ludwig: null, sinclair: null, savin: null, salt: null, duration_months: 12,
  hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'],
};

describe('courses', () => {
  let server;
  let c;
  // A session a whole hour less than a day ahead (as the screening tests use).
  const session = Math.ceil(Date.now() / H) * H + 20 * H;
  before(async () => {
    server = await startServer();
    c = await roleClients(server);
  });
  after(async () => {
    await server?.cleanup();
  });

  // A patient ready for prp-hair but for the medicine given, last taken 30 hours before the
  // session: nsaid_cox2 gives an eligible result, nsaid_nonselective a deferral.
  async function readyPatient(medicationClass, overrides = {}) {
    const p = await createPatient(c.doctor, overrides);
    const cur = await c.doctor.get(`/api/v1/patients/${p.id}/medical-history`);
    let r = await c.doctor.put(`/api/v1/patients/${p.id}/medical-history`, {
      version: cur.body.version,
      medications: [{
        drug: null, name: 'painkiller', class: medicationClass, dose: '200 mg', started_on: null,
        ongoing: false, last_dose_at: iso(session - 30 * H),
      }],
      pregnant: false, breastfeeding: false, smoking: 'never',
    });
    assert.equal(r.status, 200, show(r));
    r = await c.doctor.post(`/api/v1/patients/${p.id}/assessments`, {
      visit_date: today(), complaint: 'hair', hair: HAIR, consent_to_risks: true, acute_illness: false,
    });
    assert.equal(r.status, 201, show(r));
    for (const lab of [
      { analyte: 'platelets', value: 250, unit: '10^9/L' },
      { analyte: 'haemoglobin', value: 140, unit: 'g/L', reference_low: 120, reference_high: 160 },
    ]) {
      r = await c.doctor.post(`/api/v1/patients/${p.id}/labs`, { ...lab, measured_at: iso(Date.now() - 10 * D) });
      assert.equal(r.status, 201, show(r));
    }
    return p;
  }

  async function screen(patient, treatment = 'prp-hair') {
    const r = await c.doctor.post(`/api/v1/patients/${patient.id}/screenings`, { treatment, session_at: iso(session) });
    assert.equal(r.status, 201, show(r));
    return r.body;
  }

  async function sign(screening, decision, reason) {
    const r = await c.doctor.post(`/api/v1/screenings/${screening.id}/signoff`, reason ? { decision, reason } : { decision });
    assert.equal(r.status, 200, show(r));
    return r.body;
  }

  async function prescribe(patient, body, status = 201) {
    const r = await c.doctor.post(`/api/v1/patients/${patient.id}/courses`, body);
    assert.equal(r.status, status, show(r));
    fits('/api/v1/patients/{id}/courses', 'POST', r);
    return r;
  }

  async function courses(patient) {
    const r = await c.reception.get(`/api/v1/patients/${patient.id}/courses`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/courses', 'GET', r);
    return r.body.courses;
  }

  async function auditEvents(query) {
    const r = await c.admin.get(`/api/v1/audit?${query}`);
    assert.equal(r.status, 200, show(r));
    return r.body.items;
  }

  it('refuses a prescription without a signed screening, or when the latest says do not proceed', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Noscreen' });
    const body = { protocol: 'prp-hair', start_date: addDays(today(), 7), package: false };
    let r = await prescribe(p, body, 409);
    assert.equal(r.body.error.code, 'screening_required');

    // A result that nobody signed is not enough.
    const first = await screen(p);
    assert.equal(first.outcome, 'eligible');
    r = await prescribe(p, body, 409);
    assert.equal(r.body.error.code, 'screening_required');

    // A screening for another treatment does not count either.
    await sign(await screen(p, 'prp-face'), 'proceed', 'Face result reviewed in clinic');
    r = await prescribe(p, body, 409);
    assert.equal(r.body.error.code, 'screening_required');

    await sign(first, 'do_not_proceed');
    r = await prescribe(p, body, 409);
    assert.equal(r.body.error.code, 'screening_not_proceed');
    assert.match(r.body.error.message, /do not proceed/);
    assert.deepEqual(await courses(p), [], 'a refused prescription leaves nothing');

    // A newer result signed to proceed allows it; the course records that screening.
    const second = await screen(p);
    await sign(second, 'proceed');
    r = await prescribe(p, body);
    assert.equal(r.body.screening_id, second.id);
    assert.equal(r.body.status, 'planned');

    // Signing "do not proceed" later stops the next prescription, not the course made.
    await sign(await screen(p), 'do_not_proceed');
    r = await prescribe(p, body, 409);
    assert.equal(r.body.error.code, 'screening_not_proceed');
    assert.equal((await courses(p)).length, 1);
  });

  it('a proceed signed against a deferral is the recorded override and allows the course', async () => {
    const p = await readyPatient('nsaid_nonselective', { family_name: 'Override' });
    const s = await screen(p);
    assert.equal(s.outcome, 'defer');
    const signed = await sign(s, 'proceed', 'Dose was a single tablet; benefit outweighs the wait');
    assert.equal(signed.signoff.override, true);
    const r = await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 3), package: true });
    assert.equal(r.body.screening_id, s.id);
    const got = await c.nurse.get(`/api/v1/courses/${r.body.id}`);
    assert.equal(got.status, 200, show(got));
    fits('/api/v1/courses/{id}', 'GET', got);
    assert.deepEqual(got.body, r.body);
  });

  it('lays the prp-hair protocol out with its windows, from a start on a 31st', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Layout' });
    await sign(await screen(p), 'proceed');
    const start = nextMonthEnd();
    const r = await prescribe(p, { protocol: 'prp-hair', start_date: start, package: true, notes: 'Prefers mornings' });
    const course = r.body;
    assert.equal(course.protocol, 'prp-hair');
    assert.equal(course.start_date, start);
    assert.equal(course.notes, 'Prefers mornings');
    assert.equal(course.version, 1);
    assert.equal(course.created_by.username, c.doctor.username);
    assert.match(course.protocol_sha256, /^[0-9a-f]{64}$/);

    const s1 = start;
    const s2 = addDays(s1, 30);
    const s3 = addDays(s2, 30);
    const expected = [
      ['session', null, s1, s1, addDays(s1, 14)],
      ['session', null, s2, addDays(s2, -9), addDays(s2, 12)],
      ['session', null, s3, addDays(s3, -9), addDays(s3, 12)],
      ['follow_up', 'first_results', addMonths(s1, 3)],
      ['follow_up', 'assessment_6m', addMonths(s1, 6)],
      ['maintenance', null, addMonths(s3, 6)],
      ['maintenance', null, addMonths(addMonths(s3, 6), 6)],
    ].map(([kind, milestone, target, earliest, latest]) => ({
      kind, milestone, target_date: target,
      earliest_date: earliest ?? addDays(target, -14), latest_date: latest ?? addDays(target, 14),
    })).sort((a, b) => (a.target_date < b.target_date ? -1 : a.target_date > b.target_date ? 1 : 0));
    assert.deepEqual(course.items.map((i) => ({
      kind: i.kind, milestone: i.milestone, target_date: i.target_date, earliest_date: i.earliest_date, latest_date: i.latest_date,
    })), expected);
    assert.deepEqual(course.items.map((i) => i.seq), [1, 2, 3, 4, 5, 6, 7]);
    // The first-results assessment three months from a 31st lands on a month's last day.
    const fr = course.items.find((i) => i.milestone === 'first_results');
    assert.equal(fr.target_date, addMonths(s1, 3));
    assert.match(fr.expect.en, /after the third session/);
    assert.ok(fr.expect.ar.length > 0);
    assert.equal(fr.room_kind, 'consultation');
    assert.deepEqual(fr.price, { currency: 'AED', minor: 30000 });

    const first = course.items[0];
    assert.deepEqual(first.label, { en: 'Session 1 of 3', ar: 'الجلسة 1 من 3' });
    assert.equal(first.duration_minutes, 60);
    assert.equal(first.prep_minutes, 30);
    assert.equal(first.room_kind, 'treatment');
    assert.equal(first.status, 'planned');
    assert.equal(first.appointment, null);
    assert.equal(first.outside_window, false);
    assert.equal(course.items.filter((i) => i.kind === 'maintenance')[1].label.en, 'Maintenance session 2 of 2');
    assert.deepEqual(course.progress, { done: 0, total: 7, next_item_id: first.id });

    // The list gives the course without its items.
    const list = await courses(p);
    assert.equal(list.length, 1);
    assert.equal(list[0].items, undefined);
    const { items, ...rest } = course;
    assert.ok(items);
    assert.deepEqual(list[0], rest);
  });

  it('lays out fat-derived cells: early hair two weeks after the last session', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Adsc' });
    await sign(await screen(p, 'adsc-hair'), 'proceed', 'Reviewed the screening result in person');
    const start = addDays(today(), 10);
    const r = await prescribe(p, { protocol: 'adsc-hair', start_date: start, package: false });
    const early = r.body.items.find((i) => i.milestone === 'early_hair');
    const sessions = r.body.items.filter((i) => i.kind === 'session');
    assert.equal(sessions.length, 2);
    assert.equal(sessions[1].target_date, addDays(start, 14));
    assert.equal(early.target_date, addDays(sessions[1].target_date, 14));
    assert.equal(r.body.items.find((i) => i.milestone === 'final_result').target_date, addMonths(start, 6));
    assert.equal(sessions[0].room_kind, 'procedure');
    assert.equal(r.body.quote.discount_minor, 0);
  });

  it('quotes the course: lines by kind, the package discount, the patient', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Quote', given_name: 'Sample' });
    await sign(await screen(p), 'proceed');
    const pkg = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 5), package: true })).body;
    const single = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 6), package: false })).body;

    const shipped = JSON.parse(await readFile(join(PROTOCOLS, 'prp-hair.json'), 'utf8'));
    const { session_minor: session$, follow_up_minor: followUp$, package_discount_percent: pct } = shipped.pricing;
    const subtotal = 3 * session$ + 2 * session$ + 2 * followUp$;
    const discount = Math.round((subtotal * pct) / 100);

    const r = await c.reception.get(`/api/v1/courses/${pkg.id}/quote`);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/courses/{id}/quote', 'GET', r);
    const q = r.body;
    assert.equal(q.course_id, pkg.id);
    assert.deepEqual(q.patient, { mrn: p.mrn, name: { en: 'Sample Quote', ar: 'سامي تجريبي' } });
    assert.deepEqual(q.protocol_label, shipped.label);
    assert.equal(q.currency, 'AED');
    assert.deepEqual(q.lines.map((l) => [l.label.en, l.quantity, l.unit_minor, l.total_minor]), [
      ['Treatment sessions', 3, session$, 3 * session$],
      ['Maintenance sessions', 2, session$, 2 * session$],
      ['Follow-up visits', 2, followUp$, 2 * followUp$],
    ]);
    assert.ok(q.lines.every((l) => l.label.ar.length > 0));
    assert.equal(q.subtotal_minor, subtotal);
    assert.equal(q.discount_percent, pct);
    assert.equal(q.discount_minor, discount);
    assert.equal(q.total_minor, subtotal - discount);
    assert.equal(q.issued, today());
    assert.equal(q.valid_until, addMonths(today(), 1));
    assert.deepEqual(pkg.quote, q, 'the course carries the same quote');

    const q2 = (await c.nurse.get(`/api/v1/courses/${single.id}/quote`)).body;
    assert.equal(q2.discount_percent, 0);
    assert.equal(q2.discount_minor, 0);
    assert.equal(q2.total_minor, subtotal);

    // The printable quote, in both languages: the same figures, the Arabic shaped and in order.
    const dir = await mkdtemp(join(tmpdir(), 'autologa-quote-'));
    try {
      for (const [lang, words] of [['en', ['Sample Quote', 'Treatment sessions', 'AED']],
        ['ar', ['سامي تجريبي', 'AED']]]) {
        const pdf = await c.reception.get(`/api/v1/courses/${pkg.id}/quote.pdf?lang=${lang}`, { binary: true });
        assert.equal(pdf.status, 200, show(pdf));
        fits('/api/v1/courses/{id}/quote.pdf', 'GET', pdf);
        assert.equal(pdf.headers.get('content-type'), 'application/pdf');
        assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
        const file = join(dir, `quote-${lang}.pdf`);
        await writeFile(file, pdf.bytes);
        const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        assert.equal(text.status, 0, text.stderr);
        for (const w of [...words, p.mrn]) assert.ok(text.stdout.includes(w), `${lang}: ${w} missing from ${text.stdout}`);
        const total = (q.total_minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });
        assert.ok(text.stdout.includes(total), `${lang}: the total ${total} is missing`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const bad = await c.reception.get(`/api/v1/courses/${pkg.id}/quote.pdf?lang=fr`);
    assert.equal(bad.status, 400, show(bad));
    assert.equal(bad.body.error.field, 'lang');
    assert.equal((await c.reception.get('/api/v1/courses/999999/quote.pdf')).status, 404);

    // A patient named only in Arabic script has no English name on the quote.
    const ar = await readyPatient('nsaid_cox2', { given_name: null, family_name: null });
    await sign(await screen(ar, 'prp-face'), 'proceed', 'Face assessment done on paper today');
    const arCourse = (await prescribe(ar, { protocol: 'prp-face', start_date: addDays(today(), 2), package: true })).body;
    assert.deepEqual(arCourse.quote.patient.name, { en: null, ar: 'سامي تجريبي' });
    // prp-face: 3 sessions and one review visit, no maintenance line.
    assert.deepEqual(arCourse.quote.lines.map((l) => [l.label.en, l.quantity]), [['Treatment sessions', 3], ['Follow-up visits', 1]]);
  });

  it('changes status along the allowed transitions, with reasons and versions', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Status' });
    await sign(await screen(p), 'proceed');
    const course = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 4), package: true })).body;
    const path = `/api/v1/courses/${course.id}/status`;
    const post = async (body, status) => {
      const r = await c.doctor.post(path, body);
      assert.equal(r.status, status, show(r));
      fits('/api/v1/courses/{id}/status', 'POST', r);
      return r;
    };

    let r = await post({ status: 'completed', reason: 'Finished early' }, 409);
    assert.equal(r.body.error.code, 'invalid_transition');
    r = await post({ status: 'active' }, 200);
    assert.equal(r.body.status, 'active');
    assert.equal(r.body.status_reason, null);
    assert.equal(r.body.version, 2);
    r = await post({ status: 'active' }, 409);
    assert.equal(r.body.error.code, 'invalid_transition');
    r = await post({ status: 'on_hold' }, 400);
    assert.deepEqual([r.body.error.code, r.body.error.field], ['required', 'reason']);
    r = await post({ status: 'on_hold', reason: 'Travelling for a month', version: 1 }, 409);
    assert.deepEqual([r.body.error.code, r.body.error.field], ['stale_version', 'version']);
    r = await post({ status: 'on_hold', reason: 'Travelling for a month', version: 2 }, 200);
    assert.equal(r.body.status_reason, 'Travelling for a month');
    assert.equal(r.body.version, 3);
    r = await post({ status: 'active', reason: 'Back from travel' }, 200);
    assert.equal(r.body.status_reason, 'Back from travel');
    r = await post({ status: 'completed', reason: 'Patient satisfied after the loading sessions' }, 200);
    assert.equal(r.body.status, 'completed');
    // The items that will not happen now are cancelled; the progress counts what is left.
    assert.ok(r.body.items.every((i) => i.status === 'cancelled'));
    assert.deepEqual(r.body.progress, { done: 0, total: 0, next_item_id: null });
    for (const status of ['active', 'on_hold', 'cancelled']) {
      r = await post({ status, reason: 'Trying after completion' }, 409);
      assert.equal(r.body.error.code, 'invalid_transition', status);
    }

    // Bad input names the field and changes nothing.
    const before = (await c.doctor.get(`/api/v1/courses/${course.id}`)).body;
    for (const [body, code, field] of [
      [{ status: 'paused', reason: 'x' }, 'invalid_value', 'status'],
      [{ reason: 'No status given' }, 'required', 'status'],
      [{ status: 'on_hold', reason: 'x'.repeat(1001) }, 'too_long', 'reason'],
      [{ status: 'on_hold', reason: 'Holiday', version: 0 }, 'out_of_range', 'version'],
      [{ status: 'on_hold', reason: 'Holiday', extra: 1 }, 'unknown_field', 'extra'],
    ]) {
      r = await post(body, 400);
      assert.deepEqual([r.body.error.code, r.body.error.field], [code, field], JSON.stringify(body));
    }
    assert.deepEqual((await c.doctor.get(`/api/v1/courses/${course.id}`)).body, before);

    // Cancelling a planned course cancels its planned items.
    const other = (await prescribe(p, { protocol: 'prp-face', start_date: addDays(today(), 4), package: false }, 409));
    assert.equal(other.body.error.code, 'screening_required');
    const second = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 8), package: false })).body;
    r = await c.doctor.post(`/api/v1/courses/${second.id}/status`, { status: 'cancelled', reason: 'Chose another clinic' });
    assert.equal(r.status, 200, show(r));
    assert.ok(r.body.items.every((i) => i.status === 'cancelled'));

    // Only doctors prescribe or change a course; everyone reads it.
    r = await c.nurse.post(path, { status: 'cancelled', reason: 'Nurse tries' });
    assert.equal(r.status, 403, show(r));
    r = await c.reception.get(`/api/v1/courses/${course.id}`);
    assert.equal(r.status, 200, show(r));
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Badinput' });
    await sign(await screen(p), 'proceed');
    const ok = { protocol: 'prp-hair', start_date: addDays(today(), 7), package: true };
    const cases = [
      [{ ...ok, extra: 1 }, 'unknown_field', 'extra'],
      [{ ...ok, protocol: undefined }, 'required', 'protocol'],
      [{ ...ok, protocol: 'prp-knee' }, 'invalid_value', 'protocol'],
      [{ ...ok, protocol: 'mesotherapy' }, 'invalid_value', 'protocol'],
      [{ ...ok, protocol: 7 }, 'invalid_type', 'protocol'],
      [{ ...ok, start_date: undefined }, 'required', 'start_date'],
      [{ ...ok, start_date: '2027-02-30' }, 'invalid_date', 'start_date'],
      [{ ...ok, start_date: '01/12/2027' }, 'invalid_date', 'start_date'],
      [{ ...ok, start_date: addDays(today(), -1) }, 'out_of_range', 'start_date'],
      [{ ...ok, start_date: addDays(today(), 366) }, 'out_of_range', 'start_date'],
      [{ ...ok, package: undefined }, 'required', 'package'],
      [{ ...ok, package: 'yes' }, 'invalid_type', 'package'],
      [{ ...ok, notes: 'n'.repeat(4001) }, 'too_long', 'notes'],
    ];
    for (const [body, code, field] of cases) {
      const r = await prescribe(p, body, 400);
      assert.deepEqual([r.body.error.code, r.body.error.field], [code, field], JSON.stringify(body).slice(0, 100));
    }
    assert.deepEqual(await courses(p), []);
    // Today and a year ahead are the bounds, both allowed.
    await prescribe(p, { ...ok, start_date: today() });
    await prescribe(p, { ...ok, start_date: addDays(today(), 365) });

    let r = await c.doctor.post('/api/v1/patients/999999/courses', ok);
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.get('/api/v1/courses/999999');
    assert.equal(r.status, 404, show(r));
    fits('/api/v1/courses/{id}', 'GET', r);
    r = await c.doctor.get('/api/v1/courses/999999/quote');
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.get('/api/v1/courses/abc');
    assert.equal(r.status, 404, show(r));
    r = await c.doctor.post(`/api/v1/patients/${p.id}/courses`, ok, { csrf: false });
    assert.equal(r.status, 403, show(r));
    assert.equal((await courses(p)).length, 2);
  });

  it('hides the courses of a deleted patient', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Deleted' });
    await sign(await screen(p), 'proceed');
    const course = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 7), package: true })).body;
    const d = await c.admin.del(`/api/v1/patients/${p.id}`, { reason: 'Registered twice by mistake' });
    assert.equal(d.status, 204, show(d));
    for (const path of [`/api/v1/courses/${course.id}`, `/api/v1/courses/${course.id}/quote`, `/api/v1/patients/${p.id}/courses`]) {
      const r = await c.doctor.get(path);
      assert.equal(r.status, 404, `${path}: ${show(r)}`);
    }
    const r = await c.doctor.post(`/api/v1/courses/${course.id}/status`, { status: 'active' });
    assert.equal(r.status, 404, show(r));
  });

  it('the command line lays out the same plan as a prescription, without a database', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Cliplan' });
    await sign(await screen(p, 'adsc-hair'), 'proceed', 'Reviewed the screening result in person');
    const start = addDays(today(), 20);
    const course = (await prescribe(p, { protocol: 'adsc-hair', start_date: start, package: true })).body;
    const r = runCli(['course', 'plan', '--protocol', 'adsc-hair', '--start', start, '--package',
      '--protocols', PROTOCOLS, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    const pick = (i) => [i.seq, i.kind, i.milestone, i.label, i.target_date, i.earliest_date, i.latest_date,
      i.duration_minutes, i.prep_minutes, i.room_kind, i.price];
    assert.deepEqual(plan.items.map(pick), course.items.map(pick));
    const { course_id: id, patient, protocol_label: label, issued, valid_until: until, ...money } = course.quote;
    assert.ok(id && patient && label && issued && until);
    assert.deepEqual(plan.quote, money);
    assert.equal(plan.package, true);
    assert.deepEqual(plan.label, course.label);

    const human = runCli(['course', 'plan', '--protocol', 'prp-hair', '--start', '2027-01-31', '--protocols', PROTOCOLS]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^PRP for the scalp \(prp-hair\) from 2027-01-31$/m);
    assert.match(human.stdout, /^ {2}1 {2}Session 1 of 3 +start +2027-01-31 2027-01-31\.\.2027-02-14 +60 min \(30 centrifuge\), treatment room$/m);
    // Three months from 31 January is the last day of April.
    assert.match(human.stdout, /First results \(3-month assessment\) +#1 \+ 3 months +2027-04-30 /);
    assert.match(human.stdout, /package discount \(0 %\) +0$/m);

    const unknown = runCli(['course', 'plan', '--protocol', 'mesotherapy', '--start', start, '--protocols', PROTOCOLS]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown protocol 'mesotherapy'; the catalogue has: prp-hair, prp-face, adsc-hair/);
    const bad = runCli(['course', 'plan', '--protocol', 'prp-hair', '--start', '2027-02-30', '--protocols', PROTOCOLS]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--start must be a date/);
  });

  it('audits every write in its transaction and every read', async () => {
    const p = await readyPatient('nsaid_cox2', { family_name: 'Audited' });
    await sign(await screen(p), 'proceed');
    const course = (await prescribe(p, { protocol: 'prp-hair', start_date: addDays(today(), 7), package: true })).body;
    let r = await c.doctor.post(`/api/v1/courses/${course.id}/status`, { status: 'active' });
    assert.equal(r.status, 200, show(r));
    await c.reception.get(`/api/v1/courses/${course.id}`);
    await c.reception.get(`/api/v1/courses/${course.id}/quote`);
    await c.nurse.get(`/api/v1/patients/${p.id}/courses`);

    const byAction = async (action, entity, id) => poll(async () => {
      const items = await auditEvents(`entity=${entity}&entity_id=${id}&action=${action}`);
      return items.length ? items : null;
    });
    const create = await byAction('course.create', 'course', course.id);
    assert.equal(create[0].username, c.doctor.username);
    const status = await byAction('course.status', 'course', course.id);
    assert.equal(status.length, 1);
    assert.equal((await byAction('course.read', 'course', course.id))[0].username, c.reception.username);
    assert.equal((await byAction('course.quote', 'course', course.id))[0].username, c.reception.username);
    assert.equal((await byAction('course.list', 'patient', p.id))[0].username, c.nurse.username);

    // A refused write leaves no event.
    const failed = await c.doctor.post(`/api/v1/courses/${course.id}/status`, { status: 'planned' });
    assert.equal(failed.status, 400, show(failed));
    r = await auditEvents(`entity=course&entity_id=${course.id}&action=course.status`);
    assert.equal(r.length, 1);
  });
});
