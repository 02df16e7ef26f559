// Checks the pure parts of the photos page (web/js/views/photos.js): the gallery's grouping by
// view in the catalogue's order and by date, the pair compared by default, the content type sent
// for a chosen file, and the words chosen for a refused upload. Part of make test.
import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const photos = await import(pathToFileURL(path.join(root, 'web/js/views/photos.js')).href);

const VIEWS = [
  { code: 'hair_front', complaint: 'hair' },
  { code: 'hair_top', complaint: 'hair' },
  { code: 'face_front', complaint: 'face' },
];
const p = (id, view, date) => ({ id, view, date });

test('photos are grouped by view in the catalogue order, each by date then id', () => {
  const groups = photos.groupByView(
    [
      p(7, 'face_front', '2026-03-01'),
      p(3, 'hair_top', '2026-06-01'),
      p(9, 'retired_view', '2025-01-01'),
      p(2, 'hair_top', '2026-01-15'),
      p(5, 'hair_top', '2026-01-15'),
      p(4, 'hair_front', '2026-02-01'),
    ],
    VIEWS,
  );
  assert.deepEqual(
    groups.map((g) => [g.view, g.photos.map((x) => x.id)]),
    [
      ['hair_front', [4]],
      ['hair_top', [2, 5, 3]],
      ['face_front', [7]],
      // A view the catalogue no longer lists still shows, after the others.
      ['retired_view', [9]],
    ],
  );
  assert.deepEqual(photos.groupByView([], VIEWS), []);
});

test('the default comparison is the first and the latest picture', () => {
  assert.equal(photos.defaultPair([]), null);
  assert.equal(photos.defaultPair([p(1, 'hair_top', '2026-01-01')]), null);
  assert.deepEqual(
    photos.defaultPair([p(1, 'a', '2026-01-01'), p(4, 'a', '2026-02-01'), p(2, 'a', '2026-07-01')]),
    [1, 2],
  );
});

test('a file is sent with its own type, or one read from its name when it has none', () => {
  assert.equal(photos.fileType({ type: 'image/jpeg', name: 'a.bin' }), 'image/jpeg');
  assert.equal(photos.fileType({ type: 'image/png', name: 'a.jpg' }), 'image/png');
  assert.equal(photos.fileType({ type: '', name: 'IMG_1.JPG' }), 'image/jpeg');
  assert.equal(photos.fileType({ type: '', name: 'scan.jpeg' }), 'image/jpeg');
  assert.equal(photos.fileType({ type: '', name: 'scan.png' }), 'image/png');
  assert.equal(photos.fileType({ type: '', name: 'notes.txt' }), null);
  // A type the browser knows and the server refuses is not renamed into an accepted one.
  assert.equal(photos.fileType({ type: 'image/gif', name: 'a.jpg' }), null);
  assert.equal(photos.fileType({ type: 'image/heic', name: 'IMG_2.heic' }), null);
});

test('the catalogue views are read from the measures document', () => {
  assert.deepEqual(photos.photoViews(null), []);
  assert.deepEqual(photos.photoViews({}), []);
  assert.deepEqual(photos.photoViews({ measures: { photo_views: VIEWS } }), VIEWS);
});

test('a refused upload is told in photo words where the general text would mislead', () => {
  // Without loaded catalogues t() returns the key, which names the text chosen.
  const text = (code, field) => photos.uploadErrorText({ code, field, message: 'server words' });
  assert.equal(text('too_big', null), 'photos.file_too_big');
  assert.equal(text('unsupported_media_type', null), 'photos.wrong_type');
  assert.equal(text('invalid_value', 'content'), 'photos.type_mismatch');
  assert.equal(text('invalid_value', 'view'), 'photos.bad_view');
  assert.equal(text('invalid_value', 'course_id'), 'photos.bad_course');
  assert.equal(text('duplicate_photo', null), 'server words');
});
