// Photos in headless Chromium against a real server: a doctor uploads a JPEG and then a PNG of
// one view on two dates (pictures drawn on a canvas in the page), a file of the wrong type and a
// duplicate are refused beside their names, the gallery shows both in date order, the two are
// compared side by side, as an overlay whose slider fades the top picture, and with a dragged
// divider; one is voided with a reason; the audit trail holds a photo.view event for each
// thumbnail and full picture shown. A nurse does the same in Arabic; reception sees no tab.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, login, loginAdmin, poll, startServer } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const DAY = 24 * 3600 * 1000;

const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));

// The server runs in UTC (no --time-zone), so the clinic's today is the UTC date.
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);

// Draws a stylised scalp in the page and returns the encoded bytes; `seed` changes the picture so
// no two uploads are the same file.
async function drawPicture(page, type, seed, width = 480, height = 360) {
  const b64 = await page.evaluate(
    async ({ type, seed, width, height }) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d');
      g.fillStyle = `hsl(${(seed * 47) % 360}, 35%, 80%)`;
      g.fillRect(0, 0, width, height);
      g.fillStyle = '#c89f86';
      g.beginPath();
      g.ellipse(width / 2, height / 2, width * 0.35, height * 0.4, 0, 0, Math.PI * 2);
      g.fill();
      g.strokeStyle = '#3b2a20';
      g.lineWidth = 2;
      for (let i = 0; i < 60 + seed * 25; i += 1) {
        const x = width * 0.2 + ((i * 37 + seed * 11) % (width * 0.6));
        const y = height * 0.15 + ((i * 53 + seed * 7) % (height * 0.7));
        g.beginPath();
        g.moveTo(x, y);
        g.lineTo(x + 4, y - 12);
        g.stroke();
      }
      g.fillStyle = '#000';
      g.font = '28px sans-serif';
      g.fillText(`DEMO ${seed}`, 16, 40);
      const blob = await new Promise((res) => canvas.toBlob(res, type, 0.9));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b);
      return btoa(s);
    },
    { type, seed, width, height },
  );
  return Buffer.from(b64, 'base64');
}

describe('photos in the browser', () => {
  let server;
  let admin;
  let doctor;
  let doctorApi;
  let nurse;
  let reception;
  let browser;
  let patient;
  let other;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    admin = await loginAdmin(server);
    doctor = await createUser(admin, ['doctor']);
    doctorApi = await login(server.url, doctor.username, doctor.password);
    nurse = await createUser(admin, ['nurse']);
    reception = await createUser(admin, ['reception']);
    patient = await createPatient(admin, { given_name: 'Sample', family_name: 'Photos', sex: 'male' });
    other = await createPatient(admin, { given_name: 'Sample', family_name: 'Faces', sex: 'female' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  async function openAs(user, { lang = 'en' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, timezoneId: 'UTC', locale: 'en-GB' });
    if (lang !== 'en') await context.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.fill('#login-username', user.username);
    await page.fill('#login-password', user.password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    return page;
  }

  async function openTab(page, p) {
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#patient-tabs #tab-photos').click();
    await page.locator('#tab-photos[aria-current="page"]').waitFor();
    await page.locator('#photo-gallery:not([aria-busy])').waitFor();
  }

  // Chooses files, a view and a date in the open upload form and sends them; waits until every
  // file has an answer.
  async function upload(page, files, { view, date }) {
    await page.locator('#photo-file').setInputFiles(files);
    await page.locator('#photo-view').selectOption(view);
    await page.locator('#photo-date').fill(date);
    await page.locator('#photo-upload-save').click();
    // Done when the dialog has closed (everything stored) or the button is back (something not).
    await page.waitForFunction(() => {
      const save = document.getElementById('photo-upload-save');
      return !save || !save.disabled;
    });
  }

  // The photo.view events of one photo in the audit trail (the admin reads it; only doctors and
  // nurses see photos).
  async function viewEvents(photoId) {
    const r = await admin.get(`/api/v1/audit?action=photo.view&entity_id=${photoId}&limit=500`);
    assert.equal(r.status, 200, r.text);
    return r.body.items.filter((e) => e.entity === 'photo' && String(e.entity_id) === String(photoId));
  }

  async function loaded(locator) {
    await poll(async () => (await locator.evaluate((img) => img.complete && img.naturalWidth > 0)) || null, WAIT);
  }

  it('uploads, shows, compares and voids photos in English, each view audited', async () => {
    const page = await openAs(doctor);
    await openTab(page, patient);
    await page.locator('#photo-gallery .empty-title').filter({ hasText: EN['photos.none'] }).waitFor();
    const today = ymd(Date.now());
    const before = ymd(Date.now() - 180 * DAY);

    // Nothing chosen: the form names what it needs before sending anything.
    await page.locator('#upload-photo').click();
    await page.locator('form#photo-form').waitFor();
    assert.equal(await page.locator('#photo-date').inputValue(), today, 'the date starts at today');
    await page.locator('#photo-upload-save').click();
    await page.locator('[data-error-for="file"]').filter({ hasText: EN['error.required'] }).waitFor();
    await page.locator('[data-error-for="view"]').filter({ hasText: EN['error.required'] }).waitFor();
    // The views are grouped hair / face.
    assert.deepEqual(
      await page.locator('#photo-view optgroup').evaluateAll((gs) => gs.map((g) => g.label)),
      [EN['photos.group.hair'], EN['photos.group.face']],
    );

    // A JPEG six months ago, with a text file that is no picture beside it.
    const jpeg = await drawPicture(page, 'image/jpeg', 1);
    assert.equal(jpeg[0], 0xff);
    assert.equal(jpeg[1], 0xd8);
    await upload(
      page,
      [
        { name: 'baseline-top.jpg', mimeType: 'image/jpeg', buffer: jpeg },
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') },
      ],
      { view: 'hair_top', date: before },
    );
    await page.locator('#photo-upload-progress [data-file-index="0"][data-state="stored"]').waitFor();
    await page
      .locator('#photo-upload-progress [data-file-index="1"][data-state="failed"]')
      .filter({ hasText: EN['photos.wrong_type'] })
      .waitFor();
    await page.locator('#photo-form-error').filter({ hasText: '1 stored, 1 not stored' }).waitFor();
    // The same picture again is refused by the server, beside its name.
    await upload(page, [{ name: 'again.jpg', mimeType: 'image/jpeg', buffer: jpeg }], {
      view: 'hair_top',
      date: before,
    });
    await page
      .locator('#photo-upload-progress [data-file-index="0"][data-state="failed"]')
      .filter({ hasText: EN['error.duplicate_photo'] })
      .waitFor();
    await page.locator('#photo-upload-dialog .dialog-close').click();

    // A PNG of today: the dialog closes when every file is stored.
    await page.locator('#upload-photo').click();
    const png = await drawPicture(page, 'image/png', 2);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    await upload(page, [{ name: 'today-top.png', mimeType: 'image/png', buffer: png }], {
      view: 'hair_top',
      date: today,
    });
    await page.locator('#photo-upload-dialog').waitFor({ state: 'detached' });

    // The gallery: one row for the view, both thumbnails in date order with their dates.
    const row = page.locator('#photo-gallery [data-view="hair_top"]');
    await row.locator('img.photo-thumb').nth(1).waitFor();
    assert.equal(await page.locator('#photo-gallery [data-view]').count(), 1);
    const api = await doctorApi.get(`/api/v1/patients/${patient.id}/photos`);
    assert.equal(api.status, 200, api.text);
    const [first, latest] = api.body.photos;
    assert.equal(first.date, before);
    assert.equal(latest.date, today);
    assert.equal(latest.mime, 'image/png');
    assert.deepEqual(
      await row.locator('img.photo-thumb').evaluateAll((imgs) => imgs.map((i) => Number(i.dataset.photoId))),
      [first.id, latest.id],
    );
    assert.deepEqual(
      await row.locator('.photo-date time').evaluateAll((ts) => ts.map((x) => x.getAttribute('datetime'))),
      [before, today],
    );
    for (const i of [0, 1]) await loaded(row.locator('img.photo-thumb').nth(i));
    // Thumbnails only so far: no full picture has been asked for.
    await poll(async () => ((await viewEvents(first.id)).length >= 1 ? true : null), WAIT);
    const thumbsOnly = (await viewEvents(first.id)).length;
    assert.equal(await page.locator('img.compare-image, img.photo-full').count(), 0);

    // Compare: the first and the latest, side by side with their dates.
    await row.locator('[data-action="compare"]').click();
    const compare = page.locator('#photo-compare[data-view="hair_top"]');
    await compare.waitFor();
    assert.equal(await page.locator('#compare-left').inputValue(), String(first.id));
    assert.equal(await page.locator('#compare-right').inputValue(), String(latest.id));
    assert.equal(await page.locator('input[name="compare-mode"][value="side-by-side"]').isChecked(), true);
    const leftImg = compare.locator(`.compare-left-figure img.compare-image[data-photo-id="${first.id}"]`);
    const rightImg = compare.locator(`.compare-right-figure img.compare-image[data-photo-id="${latest.id}"]`);
    await loaded(leftImg);
    await loaded(rightImg);
    assert.equal(await compare.locator('.compare-left-figure .compare-date').getAttribute('data-date'), before);
    assert.equal(await compare.locator('.compare-right-figure .compare-date').getAttribute('data-date'), today);
    const leftBox = await leftImg.boundingBox();
    const rightBox = await rightImg.boundingBox();
    assert.ok(leftBox.x + leftBox.width <= rightBox.x + 1, 'side by side: the earlier picture on the left');
    assert.equal(await page.locator('#compare-opacity').isVisible(), false);
    await page.screenshot({ path: join(OUT, 'photos-compare-en.png'), fullPage: true });

    // Overlay: stacked in one box; the slider fades the top (right) picture.
    await page.locator('input[name="compare-mode"][value="overlay"]').check();
    await page.locator('#compare-opacity').waitFor();
    const stacked = await rightImg.boundingBox();
    const under = await leftImg.boundingBox();
    assert.ok(Math.abs(stacked.x - under.x) < 2 && Math.abs(stacked.y - under.y) < 2, 'overlay stacks the pictures');
    const opacity = () => rightImg.evaluate((img) => Number(getComputedStyle(img).opacity));
    assert.equal(await opacity(), 0.5);
    await page.locator('#compare-opacity').fill('20');
    assert.equal(await opacity(), 0.2);
    await page.locator('#compare-opacity').fill('85');
    assert.equal(await opacity(), 0.85);
    assert.equal(await leftImg.evaluate((img) => Number(getComputedStyle(img).opacity)), 1);

    // Swipe: the divider, dragged, uncovers the right picture from its position on.
    await page.locator('input[name="compare-mode"][value="swipe"]').check();
    const divider = page.locator('#compare-swipe');
    await divider.waitFor();
    assert.equal(await opacity(), 1, 'the swipe shows the right picture whole');
    await compare.locator('.compare-stage').scrollIntoViewIfNeeded();
    const stage = await compare.locator('.compare-stage').boundingBox();
    const handle = await divider.boundingBox();
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.25, stage.y + stage.height / 2, { steps: 5 });
    await page.mouse.up();
    const clip = await compare.locator('.compare-right-figure').evaluate((f) => f.style.clipPath);
    const pos = Number(/inset\(0(?:px)? 0(?:px)? 0(?:px)? ([\d.]+)%\)/.exec(clip)?.[1]);
    assert.ok(pos > 20 && pos < 30, `the divider follows the pointer: ${clip}`);
    assert.equal(Math.round(pos), Number(await divider.getAttribute('aria-valuenow')));
    await divider.focus();
    await page.keyboard.press('End');
    assert.equal(await divider.getAttribute('aria-valuenow'), '100');

    // Each picture shown in full is audited once more, beside its thumbnail.
    await poll(async () => ((await viewEvents(first.id)).length > thumbsOnly ? true : null), WAIT);
    await poll(async () => ((await viewEvents(latest.id)).length >= 2 ? true : null), WAIT);

    // Switching the language keeps the comparison as it was.
    await page.locator('#lang-switch').click();
    await page.locator('#photo-compare').filter({ hasText: AR['photos.compare_left'] }).waitFor();
    assert.equal(await page.locator('input[name="compare-mode"][value="swipe"]').isChecked(), true);
    assert.equal(await page.locator('#compare-swipe').getAttribute('aria-valuenow'), '100');
    await page.locator('#lang-switch').click();
    await page.locator('#photo-compare').filter({ hasText: EN['photos.compare_left'] }).waitFor();

    // Opening a thumbnail shows the whole picture with its facts.
    await row.locator(`[data-photo-id="${first.id}"] [data-action="open-photo"]`).click();
    await loaded(page.locator(`#photo-viewer img.photo-full[data-photo-id="${first.id}"]`));
    await page.locator('#photo-viewer').filter({ hasText: 'baseline-top.jpg' }).waitFor();
    await page.locator('#photo-viewer .dialog-close').click();

    // Void the later one: a reason of ten characters at least.
    await row.locator(`[data-photo-id="${latest.id}"] [data-action="void-photo"]`).click();
    await page.locator('#photo-void-reason').fill('blurred');
    await page.locator('#photo-void-confirm').click();
    await page.locator('[data-error-for="reason"]').filter({ hasText: EN['photos.void_reason_short'] }).waitFor();
    await page.locator('#photo-void-reason').fill('Blurred picture, taken again the same day');
    await page.locator('#photo-void-confirm').click();
    await page.locator('#photo-void-dialog').waitFor({ state: 'detached' });
    await poll(async () => ((await row.locator('img.photo-thumb').count()) === 1 ? true : null), WAIT);
    // Only one picture is left: nothing to compare.
    assert.equal(await page.locator('#photo-compare').count(), 0);
    assert.equal(await row.locator('[data-action="compare"]').count(), 0);
    await page.locator('#photos-show-voided').check();
    await page.locator(`#photo-gallery .photo-card.is-voided[data-photo-id="${latest.id}"]`).waitFor();
    await page
      .locator(`#photo-gallery [data-photo-id="${latest.id}"] .photo-void-reason`)
      .filter({ hasText: 'Blurred picture' })
      .waitFor();
    assert.equal(await page.locator(`[data-photo-id="${latest.id}"] [data-action="void-photo"]`).count(), 0);
    const after = await doctorApi.get(`/api/v1/photos/${latest.id}`);
    assert.equal(after.body.voided.reason, 'Blurred picture, taken again the same day');
    assert.deepEqual(pageErrors, []);
    await page.context().close();

    // The clinic manager sees the views in the audit page, named in words.
    const audit = await openAs({ username: server.admin.username, password: server.admin.password });
    await audit.goto(`${server.url}/#/audit`);
    await audit
      .locator('tr[data-audit-id] .badge[title="photo.view"]')
      .filter({ hasText: EN['audit.action.photo.view'] })
      .first()
      .waitFor();
    await audit
      .locator('tr[data-audit-id]')
      .filter({ hasText: `${EN['audit.entity.photo']} #${first.id}` })
      .first()
      .waitFor();
    await audit.context().close();
  });

  it('works in Arabic: several files at once, errors in Arabic, the overlay slider', async () => {
    const page = await openAs(nurse, { lang: 'ar' });
    await openTab(page, other);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await page.locator('#tab-photos').filter({ hasText: AR['tabs.photos'] }).waitFor();
    await page.locator('#photo-gallery .empty-title').filter({ hasText: AR['photos.none'] }).waitFor();
    const today = ymd(Date.now());
    const before = ymd(Date.now() - 90 * DAY);

    await page.locator('#upload-photo').click();
    await page.locator('#photo-upload-save').click();
    await page.locator('[data-error-for="view"]').filter({ hasText: AR['error.required'] }).waitFor();
    // A date in the future is refused by the server at its field, in Arabic.
    const a = await drawPicture(page, 'image/jpeg', 3, 360, 480);
    const b = await drawPicture(page, 'image/jpeg', 4, 360, 480);
    await page.locator('#photo-date').evaluate((el) => el.removeAttribute('max'));
    await upload(page, [{ name: 'front-a.jpg', mimeType: 'image/jpeg', buffer: a }], {
      view: 'face_front',
      date: ymd(Date.now() + 3 * DAY),
    });
    await page.locator('[data-error-for="date"]').filter({ hasText: AR['error.future_date'] }).waitFor();
    // Two files of one date, then one of today.
    await upload(
      page,
      [
        { name: 'front-a.jpg', mimeType: 'image/jpeg', buffer: a },
        { name: 'front-b.jpg', mimeType: 'image/jpeg', buffer: b },
      ],
      { view: 'face_front', date: before },
    );
    await page.locator('#photo-upload-dialog').waitFor({ state: 'detached' });
    await page.locator('#upload-photo').click();
    const c = await drawPicture(page, 'image/png', 5, 360, 480);
    await upload(page, [{ name: 'front-c.png', mimeType: 'image/png', buffer: c }], {
      view: 'face_front',
      date: today,
    });
    await page.locator('#photo-upload-dialog').waitFor({ state: 'detached' });
    const row = page.locator('#photo-gallery [data-view="face_front"]');
    await row.locator('img.photo-thumb').nth(2).waitFor();
    await row.locator('.photo-view-title').filter({ hasText: 'الوجه: من الأمام' }).waitFor();

    await row.locator('[data-action="compare"]').click();
    await page.locator('#photo-compare').waitFor();
    // Two pictures of one date are numbered in the choice.
    const options = await page.locator('#compare-left option').allTextContents();
    assert.equal(options.length, 3);
    assert.match(options[0], /\(1\)/);
    assert.match(options[1], /\(2\)/);
    const list = (await doctorApi.get(`/api/v1/patients/${other.id}/photos`)).body.photos;
    assert.equal(await page.locator('#compare-right').inputValue(), String(list[2].id));
    // The later picture stays on the right in Arabic too: the stage runs left to right.
    const left = page.locator('#photo-compare .compare-left-figure img.compare-image');
    const right = page.locator('#photo-compare .compare-right-figure img.compare-image');
    await loaded(left);
    await loaded(right);
    assert.ok((await left.boundingBox()).x < (await right.boundingBox()).x);
    // Another left picture is chosen from the list.
    await page.locator('#compare-left').selectOption(String(list[1].id));
    await loaded(page.locator(`#photo-compare .compare-left-figure img[data-photo-id="${list[1].id}"]`));
    await page.locator('input[name="compare-mode"][value="overlay"]').check();
    await page.locator('label[for="compare-opacity"]').filter({ hasText: AR['photos.opacity'] }).waitFor();
    await page.locator('#compare-opacity').fill('30');
    assert.equal(await right.evaluate((img) => Number(getComputedStyle(img).opacity)), 0.3);
    await page.screenshot({ path: join(OUT, 'photos-compare-ar.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  it('reception sees no photos tab and cannot open the page', async () => {
    const page = await openAs(reception);
    await page.goto(`${server.url}/#/patients/${patient.id}`);
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.locator('#tab-photos').count(), 0);
    await page.goto(`${server.url}/#/patients/${patient.id}/photos`);
    await page.locator('.empty-title').filter({ hasText: EN['access.denied_title'] }).waitFor();
    assert.equal(await page.locator('#photo-gallery').count(), 0);
    await page.context().close();
  });
});
