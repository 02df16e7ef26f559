// The timeline and the outcome report over HTTP: a prp-hair course whose sessions were done
// (written with SQL as the chair would leave them, tests/lib/sqlfixture.mjs), measurements and
// photographs recorded through the API; the series, the baseline and the band over it, the
// milestones, a voided value left out, the default course, the PDF in English and Arabic read
// back with pdftotext, and the audit trail of both.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { PROTOCOLS, createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { lit, sql } from '../lib/sqlfixture.mjs';

const D = 24 * 3600000;
const doc = repoOpenApi();

// Days as the clinic's calendar in UTC (the test server runs in UTC).
const dayOf = (ms) => new Date(ms).toISOString().slice(0, 10);
function addMonths(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return dayOf(first.getTime());
}
const addDays = (day, n) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * D);

function fits(path, r) {
  assert.deepEqual(checkResponse(doc, path, 'GET', r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

function one(db, text) {
  return Number(sql(db, `${text};\nSELECT last_insert_rowid();`).trim().split('\n').pop());
}

// A prp-hair course of `patientId` from `start` whose sessions on `days` have status `status`,
// with the protocol file as prescribed. Returns the course id.
async function insertCourse(db, { patientId, start, days, status = 'done', courseStatus = 'active' }) {
  const text = await readFile(join(PROTOCOLS, 'prp-hair.json'), 'utf8');
  const sha = createHash('sha256').update(text).digest('hex');
  const now = Date.now();
  const screening = one(db, 'INSERT INTO screenings (patient_id, treatment, session_at, outcome, result, inputs,' +
    ` rules_sha256, computed_at, computed_by) VALUES (${lit(patientId)}, 'prp-hair', ${now}, 'eligible', '{}',` +
    ` '{}', '${'0'.repeat(64)}', ${now}, 1)`);
  const course = one(db, 'INSERT INTO courses (patient_id, protocol, protocol_json, protocol_sha256, screening_id,' +
    ' status, start_date, currency, package, discount_minor, version, created_at, created_by, updated_at,' +
    ` updated_by) VALUES (${lit(patientId)}, 'prp-hair', ${lit(text)}, ${lit(sha)}, ${screening},` +
    ` ${lit(courseStatus)}, ${lit(start)}, 'AED', 0, 0, 1, ${now}, 1, ${now}, 1)`);
  days.forEach((day, i) => {
    sql(db, 'INSERT INTO course_items (course_id, seq, kind, anchor_seq, window_before_days, window_after_days,' +
      ' target_date, earliest_date, latest_date, duration_minutes, prep_minutes, room_kind, price_minor, status)' +
      ` VALUES (${course}, ${i + 1}, 'session', ${i === 0 ? 'NULL' : i}, 0, 0, ${lit(day)}, ${lit(day)},` +
      ` ${lit(day)}, 60, 30, 'treatment', 150000, ${lit(status)})`);
  });
  return course;
}

// A PNG of one colour, w × h, made here (zlib and a CRC), for the photo uploads.
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function png(w, h, [r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([r, g, b], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('timeline and outcome report', () => {
  let server;
  let c;
  let patient;
  let course;
  let anchor;
  const sets = {};

  const measure = async (date, values, who = c.nurse) => {
    const r = await who.post(`/api/v1/patients/${patient.id}/measurements`, {
      date, course_id: course, method: 'phototrichogram', values,
    });
    assert.equal(r.status, 201, show(r));
    return r.body;
  };
  const upload = async (view, date, colour) => {
    const r = await c.nurse.req('POST', `/api/v1/patients/${patient.id}/photos?view=${view}&date=${date}`, {
      body: png(48, 36, colour), contentType: 'image/png',
    });
    assert.equal(r.status, 201, show(r));
    return r.body;
  };
  const timeline = async (query = '', who = c.doctor, p = patient) => {
    const r = await who.get(`/api/v1/patients/${p.id}/timeline${query}`);
    return r;
  };
  const seriesOf = (t, code) => t.series.find((s) => s.measure === code);

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    patient = await createPatient(c.doctor, { family_name: 'Timelinetarget', family_name_ar: 'مخطط' });
    // The first session 200 days ago, then a month apart: all three done.
    anchor = dayOf(Date.now() - 200 * D);
    course = await insertCourse(server.db, {
      patientId: patient.id, start: anchor, days: [anchor, addDays(anchor, 30), addDays(anchor, 60)],
    });
    sets.base = await measure(addDays(anchor, -10), { hair_density: 120.5, norwood: 'IV', hair_count: 78 });
    sets.wrong = await measure(addDays(anchor, -2), { hair_density: 90 });
    sets.m3 = await measure(addMonths(anchor, 3), { hair_density: 131, global_photo: 1 });
    sets.m6 = await measure(addMonths(anchor, 6), { hair_density: 141.5, norwood: 'III', global_photo: 2 });
    const voided = await c.doctor.post(`/api/v1/measurements/${sets.wrong.values[0].id}/void`, {
      reason: 'Entered for the wrong patient at the desk',
    });
    assert.equal(voided.status, 200, show(voided));
  });
  after(async () => {
    await server?.cleanup();
  });

  it('charts each measure against the course: anchor, baseline, band over it, milestones', async () => {
    const r = await timeline();
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/timeline', r);
    const t = r.body;
    assert.equal(t.patient.id, patient.id);
    assert.equal(t.patient.name.ar, 'سامي مخطط');
    assert.equal(t.course.id, course);
    assert.equal(t.course.anchor, anchor);
    assert.equal(t.course.anchor_kind, 'done');
    assert.deepEqual(t.course.sessions.map((s) => [s.seq, s.status]), [[1, 'done'], [2, 'done'], [3, 'done']]);
    assert.deepEqual(t.course.milestones.map((m) => [m.code, m.date]), [
      ['first_results', addMonths(anchor, 3)], ['assessment_6m', addMonths(anchor, 6)],
    ]);
    assert.ok(t.course.notes.some((n) => n.en.includes('Shapiro 2020') && n.en.includes('Gressenberger 2020')));

    // measures.json order: density, count, Norwood, global photographic assessment.
    assert.deepEqual(t.series.map((s) => s.measure), ['hair_density', 'hair_count', 'norwood', 'global_photo']);
    const d = seriesOf(t, 'hair_density');
    assert.deepEqual(d.points.map((p) => p.value), [120.5, 131, 141.5], 'the voided value is left out');
    assert.deepEqual(d.points.map((p) => p.set_id), [sets.base.id, sets.m3.id, sets.m6.id]);
    assert.equal(d.points[2].months, 6);
    assert.ok(d.points[0].months < 0);
    assert.deepEqual(d.baseline, { date: addDays(anchor, -10), value: 120.5 });
    assert.equal(d.band.from, addMonths(anchor, 3));
    assert.equal(d.band.to, addMonths(anchor, 6));
    assert.equal(d.band.low, 134.5);
    assert.equal(d.band.high, 148.5);
    assert.equal(d.band.change_low, 14);
    assert.equal(d.band.change_high, 28);
    assert.deepEqual(d.band.sources.map((s) => s.id), ['giordano2018', 'kieling2024']);
    assert.equal(d.band_missing, null);
    assert.deepEqual(d.unit, { en: 'hairs/cm²', ar: 'شعرة/سم²' });
    // A graded scale: its codes in order, the values as codes, no band.
    const n = seriesOf(t, 'norwood');
    assert.equal(n.type, 'code');
    assert.deepEqual(n.points.map((p) => p.value), ['IV', 'III']);
    assert.ok(n.codes.indexOf('III') < n.codes.indexOf('IV'));
    assert.equal(n.band, null);
    assert.equal(n.band_missing, null);
    assert.equal(seriesOf(t, 'global_photo').points[1].value, 2);
  });

  it('says why a band is missing, anchors a course not yet begun on its plan, picks the newest course', async () => {
    const p = await createPatient(c.doctor, { family_name: 'Timelineplanned' });
    const first = addDays(dayOf(Date.now()), 5);
    const planned = await insertCourse(server.db, {
      patientId: p.id, start: first, days: [first, addDays(first, 30), addDays(first, 60)], status: 'planned',
    });
    const r1 = await c.nurse.post(`/api/v1/patients/${p.id}/measurements`, {
      date: addDays(dayOf(Date.now()), -200), method: 'phototrichogram', values: { hair_density: 100 },
    });
    assert.equal(r1.status, 201, show(r1));
    let r = await timeline('', c.nurse, p);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/timeline', r);
    assert.equal(r.body.course.id, planned);
    assert.equal(r.body.course.anchor, first);
    assert.equal(r.body.course.anchor_kind, 'planned');
    const d = seriesOf(r.body, 'hair_density');
    assert.equal(d.baseline, null);
    assert.equal(d.band, null);
    assert.equal(d.band_missing, 'no_baseline', 'a value 205 days before the anchor is no baseline');

    // A cancelled newer course is passed over; asked for, it is shown.
    const cancelled = await insertCourse(server.db, {
      patientId: p.id, start: first, days: [first], status: 'cancelled', courseStatus: 'cancelled',
    });
    r = await timeline('', c.nurse, p);
    assert.equal(r.body.course.id, planned);
    assert.deepEqual(r.body.courses.map((x) => x.id), [cancelled, planned]);
    r = await timeline(`?course_id=${cancelled}`, c.nurse, p);
    assert.equal(r.body.course.id, cancelled);
    assert.equal(r.body.course.anchor, null);
    assert.equal(seriesOf(r.body, 'hair_density').band_missing, 'no_anchor');

    // Another patient's course, a course id that is no number, a patient who is not there.
    r = await timeline(`?course_id=${course}`, c.nurse, p);
    assert.equal(r.status, 404, show(r));
    assert.equal(r.body.error.code, 'not_found');
    r = await timeline('?course_id=abc', c.nurse, p);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.field, 'course_id');
    r = await c.nurse.get('/api/v1/patients/999999/timeline');
    assert.equal(r.status, 404, show(r));

    // A patient without any course: no course, values still charted without months.
    const q = await createPatient(c.doctor, { family_name: 'Timelinebare' });
    await c.nurse.post(`/api/v1/patients/${q.id}/measurements`, {
      date: dayOf(Date.now()), method: 'questionnaire', values: { satisfaction: 7 },
    });
    r = await timeline('', c.nurse, q);
    assert.equal(r.status, 200, show(r));
    fits('/api/v1/patients/{id}/timeline', r);
    assert.equal(r.body.course, null);
    assert.deepEqual(r.body.courses, []);
    assert.equal(seriesOf(r.body, 'satisfaction').points[0].months, null);
  });

  it('prints the report in English and Arabic with the first and latest photographs of each view', async () => {
    const first = await upload('hair_top', addDays(anchor, -10), [200, 150, 120]);
    await upload('hair_top', addMonths(anchor, 3), [180, 140, 110]);
    const latest = await upload('hair_top', addMonths(anchor, 6), [160, 120, 100]);
    const gone = await upload('hair_top', addDays(addMonths(anchor, 6), 1), [20, 20, 20]);
    const v = await c.doctor.post(`/api/v1/photos/${gone.id}/void`, { reason: 'Taken of the wrong area of the scalp' });
    assert.equal(v.status, 200, show(v));
    await upload('hair_crown', addMonths(anchor, 6), [90, 60, 40]); // alone: no pair

    const dir = await mkdtemp(join(tmpdir(), 'autologa-outcome-'));
    try {
      const want = {
        en: ['Outcome report', 'Sample Timelinetarget', patient.mrn, 'Hair density', 'Norwood-Hamilton grade',
          'Global photographic assessment', 'Hair: top', `First · ${first.date}`, `Latest · ${latest.date}`,
          'Gressenberger 2020'],
        ar: ['تقرير النتائج', 'سامي مخطط', 'كثافة الشعر', 'درجة نوروود-هاملتون', 'الشعر: من الأعلى', first.date,
          latest.date, 'الأولى', 'الأحدث'],
      };
      for (const lang of ['en', 'ar']) {
        const res = await c.nurse.get(`/api/v1/patients/${patient.id}/outcome-report.pdf?lang=${lang}`, { binary: true });
        assert.equal(res.status, 200, show(res));
        assert.equal(res.headers.get('content-type'), 'application/pdf');
        const file = join(dir, `${lang}.pdf`);
        await writeFile(file, res.bytes);
        const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' });
        assert.equal(text.status, 0, text.stderr);
        // Without direction marks and spaces: pdftotext puts the spaces around a colon or a
        // number inside Arabic text on either side of it.
        const flat = text.stdout.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\s]/g, '');
        for (const w of want[lang]) {
          assert.ok(flat.includes(w.replace(/\s/g, '')), `${lang} report lacks "${w}":\n${text.stdout}`);
        }
        assert.ok(!flat.includes(gone.date), 'a voided photograph is not printed');
        const pages = spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout.match(/Pages:\s+(\d+)/);
        assert.ok(pages && Number(pages[1]) >= 2 && Number(pages[1]) <= 8, `pages: ${pages?.[1]}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // The patient's language by default; a language that is not offered is refused.
    let r = await c.doctor.get(`/api/v1/patients/${patient.id}/outcome-report.pdf`, { binary: true });
    assert.equal(r.status, 200);
    r = await c.doctor.get(`/api/v1/patients/${patient.id}/outcome-report.pdf?lang=fr`);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.body.error.code, 'invalid_query');
    assert.equal(r.body.error.field, 'lang');

    // The print is audited with the photographs it shows; the timeline's read too.
    const events = await poll(async () => {
      const a = await c.admin.get(`/api/v1/audit?entity=patient&entity_id=${patient.id}&action=outcome_report.print`);
      assert.equal(a.status, 200, show(a));
      return a.body.items.length >= 3 ? a.body.items : null;
    });
    const en = events.find((e) => e.username === c.nurse.username);
    assert.ok(en, 'the nurse\'s print is in the trail');
    const { detail } = en;
    assert.deepEqual(detail.photo_ids, [first.id, latest.id]);
    assert.equal(detail.course_id, course);
    const reads = await poll(async () => {
      const a = await c.admin.get(`/api/v1/audit?entity=patient&entity_id=${patient.id}&action=timeline.read`);
      return a.body.items.length ? a.body.items : null;
    });
    assert.equal(reads[0].entity_id, String(patient.id));
  });

  it('is for clinicians: the reception and the administrator may not read it', async () => {
    for (const who of [c.reception, c.admin]) {
      let r = await timeline('', who);
      assert.equal(r.status, 403, show(r));
      r = await who.get(`/api/v1/patients/${patient.id}/outcome-report.pdf`);
      assert.equal(r.status, 403, show(r));
    }
  });
});
