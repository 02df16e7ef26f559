// Photos over HTTP: uploads of JPEG and PNG as raw bodies with their metadata stripped from the
// stored bytes, the hash of what is stored, duplicates, wrong and oversized files, lists by view,
// voiding, who may do what, and an audit event for every view of a picture. The JPEGs start as
// the server's own thumbnails of PNGs made here (tests/lib/images.mjs), so that the phone's
// metadata spliced into them sits in a file libjpeg wrote.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPatient, poll, roleClients, show, startServer } from '../lib/server.mjs';
import { repoOpenApi } from '../lib/openapi.mjs';
import { checkResponse } from '../lib/schema.mjs';
import { jpegMarkers, jpegSize, jpegWithMetadata, pngBytes, pngChunks } from '../lib/images.mjs';
import { sql } from '../lib/sqlfixture.mjs';

const doc = repoOpenApi();
const D = 24 * 3600000;
// The test server runs in UTC: its days are UTC days.
const day = (offset = 0) => new Date(Date.now() + offset * D).toISOString().slice(0, 10);
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

function fits(path, method, r) {
  assert.deepEqual(checkResponse(doc, path, method, r), [], `the response does not fit docs/openapi.json: ${show(r)}`);
}

describe('photos', () => {
  let server;
  let c;
  let seed = 0;

  // Uploads bytes as a photo; query is an object of the query string's values.
  function upload(client, patientId, bytes, contentType, query = {}) {
    const q = new URLSearchParams({ view: 'hair_top', date: day(-1), ...query });
    return client.req('POST', `/api/v1/patients/${patientId}/photos?${q}`, { body: bytes, contentType, binary: false });
  }

  async function uploadOk(client, patientId, bytes, contentType, query = {}) {
    const r = await upload(client, patientId, bytes, contentType, query);
    assert.equal(r.status, 201, show(r));
    fits('/api/v1/patients/{id}/photos', 'POST', r);
    return r.body;
  }

  // A JPEG written by libjpeg: the thumbnail of a PNG of this size uploaded to a scratch patient.
  let scratch;
  async function jpegBytes(width, height) {
    seed += 1;
    const p = await uploadOk(c.nurse, scratch.id, pngBytes(width, height, { seed }), 'image/png');
    const t = await c.nurse.get(p.thumb_url, { binary: true });
    assert.equal(t.status, 200, show(t));
    return t.bytes;
  }

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    scratch = await createPatient(c.admin, { family_name: 'Photoscratch' });
  });
  after(async () => {
    await server?.cleanup();
  });

  it('stores a phone JPEG without its EXIF, GPS, XMP, comment and trailer, turned upright', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photojpeg' });
    const plain = await jpegBytes(300, 200);
    assert.deepEqual(jpegSize(plain), { width: 300, height: 200 });
    const gps = 'GPS-52.5200N-13.4050E';
    const phone = jpegWithMetadata(plain, { orientation: 6, gpsText: gps, trailer: 'MOTION-PHOTO-TRAILER' });
    assert.ok(phone.includes('Exif') && phone.includes(gps), 'the upload carries the metadata');

    const photo = await uploadOk(c.doctor, p.id, phone, 'image/jpeg', { name: 'IMG_0001.jpg', notes: 'Vertex, marked' });
    assert.equal(photo.patient_id, p.id);
    assert.equal(photo.view, 'hair_top');
    assert.equal(photo.date, day(-1));
    assert.equal(photo.course_id, null);
    assert.equal(photo.mime, 'image/jpeg');
    // Orientation 6: the camera was turned, so the picture stands 200 wide and 300 high.
    assert.equal(photo.width, 200);
    assert.equal(photo.height, 300);
    assert.equal(photo.original_name, 'IMG_0001.jpg');
    assert.equal(photo.notes, 'Vertex, marked');
    assert.equal(photo.uploaded_by.username, c.doctor.username);
    assert.equal(photo.voided, null);
    assert.equal(photo.image_url, `/api/v1/photos/${photo.id}/image`);
    assert.equal(photo.thumb_url, `/api/v1/photos/${photo.id}/thumb`);
    assert.deepEqual([photo.thumb_width, photo.thumb_height], [200, 300]);

    const img = await c.doctor.get(photo.image_url, { binary: true });
    assert.equal(img.status, 200, show(img));
    fits('/api/v1/photos/{id}/image', 'GET', img);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.equal(img.headers.get('cache-control'), 'no-store');
    assert.equal(img.headers.get('content-disposition'), `inline; filename="${p.mrn}-hair_top-${day(-1)}.jpg"`);
    const stored = img.bytes;
    for (const needle of ['Exif', gps, 'ExampleCam', 'xmpmeta', 'Taken at', 'MOTION-PHOTO-TRAILER']) {
      assert.ok(!stored.includes(needle), `the stored picture still holds ${needle}`);
    }
    assert.ok(!jpegMarkers(stored).includes(0xe1), 'an APP1 segment is left');
    assert.ok(!jpegMarkers(stored).includes(0xfe), 'a comment is left');
    assert.deepEqual(jpegSize(stored), { width: 200, height: 300 });
    // The hash and the size are those of what is stored, not of the upload.
    assert.equal(photo.sha256, sha256(stored));
    assert.notEqual(photo.sha256, sha256(phone));
    assert.equal(photo.bytes, stored.length);
    assert.equal(sql(server.db, `SELECT sha256 FROM photos WHERE id = ${photo.id};`).trim(), sha256(stored));

    const thumb = await c.nurse.get(photo.thumb_url, { binary: true });
    assert.equal(thumb.status, 200, show(thumb));
    fits('/api/v1/photos/{id}/thumb', 'GET', thumb);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    assert.equal(thumb.headers.get('cache-control'), 'no-store');
    assert.deepEqual(jpegSize(thumb.bytes), { width: 200, height: 300 });
    assert.ok(!thumb.bytes.includes('Exif'));

    const read = await c.nurse.get(`/api/v1/photos/${photo.id}`);
    assert.equal(read.status, 200, show(read));
    fits('/api/v1/photos/{id}', 'GET', read);
    assert.deepEqual(read.body, photo);
  });

  it('stores a PNG without its text and time chunks, and thumbnails a large one to 320 px', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photopng' });
    const png = pngBytes(640, 400, { text: { Comment: 'GPS-25.2048N-55.2708E', Author: 'Sample Author' }, time: true });
    assert.ok(pngChunks(png).includes('tEXt'));
    const photo = await uploadOk(c.nurse, p.id, png, 'image/png', { view: 'face_front' });
    assert.equal(photo.mime, 'image/png');
    assert.deepEqual([photo.width, photo.height], [640, 400]);
    assert.deepEqual([photo.thumb_width, photo.thumb_height], [320, 200]);
    const img = await c.doctor.get(photo.image_url, { binary: true });
    assert.equal(img.status, 200, show(img));
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.match(img.headers.get('content-disposition'), /\.png"$/);
    assert.deepEqual(pngChunks(img.bytes), ['IHDR', 'IDAT', 'IEND']);
    assert.ok(!img.bytes.includes('GPS-25.2048N') && !img.bytes.includes('Sample Author'));
    assert.equal(photo.sha256, sha256(img.bytes));
    const thumb = await c.doctor.get(photo.thumb_url, { binary: true });
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(jpegSize(thumb.bytes), { width: 320, height: 200 });
  });

  it('refuses the same picture twice for a patient, but not after a void nor for another patient', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photodup' });
    const q = await createPatient(c.admin, { family_name: 'Photodupother' });
    const plain = await jpegBytes(120, 80);
    const first = await uploadOk(c.doctor, p.id, jpegWithMetadata(plain, { gpsText: 'first place' }), 'image/jpeg');
    // The same picture with other metadata is the same picture once cleaned.
    const again = await upload(c.doctor, p.id, jpegWithMetadata(plain, { gpsText: 'second place' }), 'image/jpeg', { view: 'hair_crown' });
    assert.equal(again.status, 409, show(again));
    fits('/api/v1/patients/{id}/photos', 'POST', again);
    assert.equal(again.body.error.code, 'duplicate_photo');
    assert.match(again.body.error.message, new RegExp(`photo ${first.id}`));
    const other = await uploadOk(c.doctor, q.id, plain, 'image/jpeg');
    assert.equal(other.sha256, first.sha256);
    assert.equal(Number(sql(server.db, `SELECT count(*) FROM photo_files WHERE sha256 = '${first.sha256}';`).trim()), 1);
    const v = await c.doctor.post(`/api/v1/photos/${first.id}/void`, { reason: 'Uploaded to the wrong view' });
    assert.equal(v.status, 200, show(v));
    const third = await uploadOk(c.doctor, p.id, plain, 'image/jpeg', { view: 'hair_crown' });
    assert.equal(third.sha256, first.sha256);
  });

  it('refuses wrong types, damaged files and oversized ones, naming what is wrong', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photobad' });
    const png = pngBytes(40, 30, { seed: 999 });
    const jpeg = await jpegBytes(40, 30);
    const cases = [
      [png, 'image/gif', 415, 'unsupported_media_type', 'content_type'],
      [png, 'application/octet-stream', 415, 'unsupported_media_type', 'content_type'],
      [png, 'application/json', 415, 'unsupported_media_type', 'content_type'],
      [png, 'image/jpeg', 400, 'invalid_value', 'content'],
      [jpeg, 'image/png', 400, 'invalid_value', 'content'],
      [Buffer.alloc(0), 'image/jpeg', 400, 'invalid_image', 'content'],
      [Buffer.from('GIF89a not a picture at all'), 'image/png', 400, 'invalid_image', 'content'],
      [jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg', 400, 'invalid_image', 'content'],
      [png.subarray(0, png.length - 20), 'image/png', 400, 'invalid_image', 'content'],
      [pngBytes(40, 30, { claim: { width: 10000, height: 5000 } }), 'image/png', 413, 'too_big', 'content'],
    ];
    for (const [bytes, type, status, code, field] of cases) {
      const r = await upload(c.nurse, p.id, bytes, type);
      assert.equal(r.status, status, `${type} ${bytes.length} bytes: ${show(r)}`);
      assert.equal(r.body.error.code, code, show(r));
      assert.equal(r.body.error.field, field, show(r));
      fits('/api/v1/patients/{id}/photos', 'POST', r);
    }
    // A body over 12 MiB is refused whole.
    const big = Buffer.alloc(12 * 1024 * 1024 + 1, 0x41);
    const r = await upload(c.nurse, p.id, big, 'image/jpeg');
    assert.equal(r.status, 413, show(r));
    assert.equal(r.body.error.code, 'too_big');
    fits('/api/v1/patients/{id}/photos', 'POST', r);
    const list = await c.nurse.get(`/api/v1/patients/${p.id}/photos?include_voided=1`);
    assert.deepEqual(list.body.photos, [], 'a refused upload stored something');
  });

  it('checks the view, the date, the course and the texts', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photofields', date_of_birth: '1990-03-01' });
    const other = await createPatient(c.admin, { family_name: 'Photofieldsother' });
    // Courses written with SQL: how one is prescribed is the courses tests' business.
    const courseOf = (patientId) => sql(server.db, 'INSERT INTO courses (patient_id, protocol, protocol_json,'
      + ' protocol_sha256, screening_id, status, start_date, currency, package, discount_minor, version,'
      + ` created_at, created_by, updated_at, updated_by) VALUES (${patientId}, 'prp-hair', '{}', '${'0'.repeat(64)}',`
      + ` 0, 'planned', '${day()}', 'AED', 0, 0, 1, 0, 1, 0, 1);\nSELECT last_insert_rowid();`).trim();
    const course = courseOf(other.id);
    const own = courseOf(p.id);
    const png = pngBytes(20, 20, { seed: 4242 });
    const cases = [
      [{ view: '' }, 'view', 'required'],
      [{ view: 'hair_back' }, 'view', 'invalid_value'],
      [{ date: '' }, 'date', 'required'],
      [{ date: '2026-02-30' }, 'date', 'invalid_date'],
      [{ date: '01.08.2026' }, 'date', 'invalid_date'],
      [{ date: day(2) }, 'date', 'future_date'],
      [{ date: '1990-02-28' }, 'date', 'invalid_date'],
      [{ course_id: course }, 'course_id', 'invalid_value'],
      [{ course_id: 'seven' }, 'course_id', 'invalid_query'],
      [{ name: 'n'.repeat(256) }, 'name', 'too_long'],
      [{ notes: 'x'.repeat(2001) }, 'notes', 'too_long'],
    ];
    for (const [query, field, code] of cases) {
      const r = await upload(c.doctor, p.id, png, 'image/png', query);
      assert.equal(r.status, 400, `${JSON.stringify(query)}: ${show(r)}`);
      assert.equal(r.body.error.field, field, show(r));
      assert.equal(r.body.error.code, code, show(r));
    }
    const missing = await upload(c.doctor, 999999, png, 'image/png');
    assert.equal(missing.status, 404, show(missing));
    const born = await uploadOk(c.doctor, p.id, png, 'image/png', { date: '1990-03-01', view: 'face_profile_left', course_id: own });
    assert.equal(born.date, '1990-03-01');
    assert.equal(born.course_id, Number(own));
  });

  it('lists by view in the order of measures.json, then date; voided photos only when asked', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photolist' });
    const mk = (view, date) => uploadOk(c.nurse, p.id, pngBytes(24, 16, { seed: (seed += 1) }), 'image/png', { view, date });
    const crownLate = await mk('hair_crown', day(-2));
    const frontOld = await mk('hair_front', day(-40));
    const crownEarly = await mk('hair_crown', day(-30));
    const face = await mk('face_front', day(-5));
    const top = await mk('hair_top', day(-1));
    const list = await c.doctor.get(`/api/v1/patients/${p.id}/photos`);
    assert.equal(list.status, 200, show(list));
    fits('/api/v1/patients/{id}/photos', 'GET', list);
    assert.deepEqual(list.body.photos.map((x) => x.id), [frontOld.id, top.id, crownEarly.id, crownLate.id, face.id]);
    const crown = await c.doctor.get(`/api/v1/patients/${p.id}/photos?view=hair_crown`);
    assert.deepEqual(crown.body.photos.map((x) => x.id), [crownEarly.id, crownLate.id]);
    const bad = await c.doctor.get(`/api/v1/patients/${p.id}/photos?view=nape`);
    assert.equal(bad.status, 400, show(bad));
    assert.equal(bad.body.error.code, 'invalid_query');
    assert.equal(bad.body.error.field, 'view');
    const badFlag = await c.doctor.get(`/api/v1/patients/${p.id}/photos?include_voided=yes`);
    assert.equal(badFlag.status, 400, show(badFlag));

    // Void: too short, then done, then again.
    const short = await c.doctor.post(`/api/v1/photos/${crownLate.id}/void`, { reason: 'blurry' });
    assert.equal(short.status, 400, show(short));
    assert.equal(short.body.error.code, 'too_short');
    const long = await c.doctor.post(`/api/v1/photos/${crownLate.id}/void`, { reason: 'x'.repeat(1001) });
    assert.equal(long.body.error.code, 'too_long');
    const extra = await c.doctor.post(`/api/v1/photos/${crownLate.id}/void`, { reason: 'Out of focus, retaken', view: 'x' });
    assert.equal(extra.body.error.code, 'unknown_field');
    const v = await c.doctor.post(`/api/v1/photos/${crownLate.id}/void`, { reason: 'Out of focus, retaken' });
    assert.equal(v.status, 200, show(v));
    fits('/api/v1/photos/{id}/void', 'POST', v);
    assert.equal(v.body.voided.reason, 'Out of focus, retaken');
    assert.equal(v.body.voided.by.username, c.doctor.username);
    assert.match(v.body.voided.local, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const twice = await c.doctor.post(`/api/v1/photos/${crownLate.id}/void`, { reason: 'Out of focus, retaken' });
    assert.equal(twice.status, 409, show(twice));
    assert.equal(twice.body.error.code, 'invalid_transition');
    fits('/api/v1/photos/{id}/void', 'POST', twice);
    const after1 = await c.doctor.get(`/api/v1/patients/${p.id}/photos`);
    assert.ok(!after1.body.photos.some((x) => x.id === crownLate.id), 'a voided photo is listed');
    const all = await c.doctor.get(`/api/v1/patients/${p.id}/photos?include_voided=1`);
    assert.equal(all.body.photos.find((x) => x.id === crownLate.id).voided.reason, 'Out of focus, retaken');
    // Kept: still readable by id.
    const still = await c.doctor.get(crownLate.image_url, { binary: true });
    assert.equal(still.status, 200, show(still));

    // A deleted patient's photos are as hidden as the patient.
    const del = await c.admin.del(`/api/v1/patients/${p.id}`, { reason: 'Registered twice by mistake' });
    assert.equal(del.status, 204, show(del));
    for (const path of [`/api/v1/photos/${top.id}`, top.image_url, top.thumb_url, `/api/v1/patients/${p.id}/photos`]) {
      const r = await c.doctor.get(path);
      assert.equal(r.status, 404, `${path}: ${show(r)}`);
    }
    const gone = await c.doctor.get('/api/v1/photos/99999999');
    assert.equal(gone.status, 404);
  });

  it('lets doctors and nurses in, and no one else', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photoperm' });
    const photo = await uploadOk(c.nurse, p.id, pngBytes(16, 16, { seed: 31337 }), 'image/png');
    for (const role of ['admin', 'reception']) {
      for (const path of [`/api/v1/patients/${p.id}/photos`, `/api/v1/photos/${photo.id}`, photo.image_url, photo.thumb_url]) {
        const r = await c[role].get(path);
        assert.equal(r.status, 403, `${role} ${path}: ${show(r)}`);
      }
      const u = await upload(c[role], p.id, pngBytes(16, 16, { seed: 777 }), 'image/png');
      assert.equal(u.status, 403, show(u));
      const v = await c[role].post(`/api/v1/photos/${photo.id}/void`, { reason: 'Not allowed to do this' });
      assert.equal(v.status, 403, show(v));
    }
    const csrf = await c.nurse.req('POST', `/api/v1/patients/${p.id}/photos?view=hair_top&date=${day(-1)}`,
      { body: pngBytes(16, 16, { seed: 778 }), contentType: 'image/png', csrf: false });
    assert.equal(csrf.status, 403, show(csrf));
    assert.equal(csrf.body.error.code, 'csrf');
  });

  it('audits the upload, the list, the read, every view of the picture and thumbnail, and the void', async () => {
    const p = await createPatient(c.admin, { family_name: 'Photoaudit' });
    const photo = await uploadOk(c.nurse, p.id, pngBytes(30, 20, { seed: 5150 }), 'image/png');
    await c.doctor.get(`/api/v1/patients/${p.id}/photos`);
    await c.doctor.get(`/api/v1/photos/${photo.id}`);
    await c.doctor.get(photo.image_url);
    await c.doctor.get(photo.image_url);
    await c.nurse.get(photo.thumb_url);
    await c.doctor.post(`/api/v1/photos/${photo.id}/void`, { reason: 'Wrong patient on the card' });

    const events = async (query) => {
      const r = await c.admin.get(`/api/v1/audit?${query}`);
      assert.equal(r.status, 200, show(r));
      return r.body.items;
    };
    const upload1 = await events(`entity=photo&entity_id=${photo.id}&action=photo.upload`);
    assert.equal(upload1.length, 1);
    assert.equal(upload1[0].username, c.nurse.username);
    assert.deepEqual(upload1[0].detail, { patient_id: p.id });
    const voids = await events(`entity=photo&entity_id=${photo.id}&action=photo.void`);
    assert.equal(voids[0].username, c.doctor.username);
    const views = await poll(async () => {
      const items = await events(`entity=photo&entity_id=${photo.id}&action=photo.view`);
      return items.length >= 3 ? items : null;
    });
    assert.ok(views, 'the views were not audited');
    assert.deepEqual(views.map((e) => [e.username, e.detail.size, e.detail.patient_id]).sort(), [
      [c.doctor.username, 'full', p.id],
      [c.doctor.username, 'full', p.id],
      [c.nurse.username, 'thumb', p.id],
    ].sort());
    const reads = await poll(async () => {
      const items = await events(`entity=photo&entity_id=${photo.id}&action=photo.read`);
      return items.length ? items : null;
    });
    assert.equal(reads[0].username, c.doctor.username);
    const lists = await poll(async () => {
      const items = await events(`entity=patient&entity_id=${p.id}&action=photo.list`);
      return items.length ? items : null;
    });
    assert.equal(lists[0].username, c.doctor.username);
    // The detail is chained into the trail's hashes: the trail still verifies.
    const verify = await c.admin.get('/api/v1/audit/verify');
    assert.equal(verify.body.ok, true, show(verify));
    // A refused view leaves no event.
    const refused = await c.reception.get(photo.image_url);
    assert.equal(refused.status, 403);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await events(`entity=photo&entity_id=${photo.id}&action=photo.view`)).length, 3);
  });
});
