// The grading pictures and the scalp map in headless Chromium, served by the real server: every
// picture loads, the map's zones cover the head, toggle by mouse and keyboard, and keep their
// places in a right-to-left page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from '../lib/server.mjs';

const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

describe('grading scales and scalp map', () => {
  let server;
  let browser;
  let page;
  const pageErrors = [];

  before(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    // Any page of the server will do to import its modules; let the app settle first.
    await page.goto(server.url + '/', { waitUntil: 'networkidle' });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('serves and draws a picture for every grade', async () => {
    const result = await page.evaluate(async () => {
      const { SCALES, scaleImageUrl } = await import('/js/scales.js');
      const out = [];
      for (const [scale, grades] of Object.entries(SCALES)) {
        for (const grade of grades) {
          const url = '/' + scaleImageUrl(scale, grade);
          const res = await fetch(url);
          const img = new Image();
          img.src = url;
          const drawn = await img.decode().then(
            () => img.naturalWidth > 0,
            () => false,
          );
          out.push({ url, status: res.status, type: res.headers.get('content-type'), drawn });
        }
      }
      return out;
    });
    assert.equal(result.length, 29);
    for (const r of result) {
      assert.deepEqual(r, { url: r.url, status: 200, type: 'image/svg+xml', drawn: true });
    }
  });

  it('toggles zones by mouse and keyboard, the same way in both directions', async () => {
    await page.evaluate(async () => {
      const { scalpMap } = await import('/js/scales.js');
      document.body.replaceChildren();
      // Tall enough to scroll, so that a Space the map fails to stop would show.
      document.body.style.cssText =
        'display:flex;gap:20px;align-items:flex-start;min-height:3000px';
      window.toggles = [];
      for (const dir of ['ltr', 'rtl']) {
        const box = document.createElement('div');
        box.id = dir;
        box.dir = dir;
        box.style.width = '240px';
        box.append(
          scalpMap({
            selected: new Set(dir === 'ltr' ? ['vertex'] : ['frontal', 'not_a_zone']),
            onToggle: (code, now) => window.toggles.push([dir, code, now]),
            label: (code) => `name of ${code}`,
          }),
        );
        document.body.append(box);
      }
    });

    const zones = (dir) =>
      page.evaluate(
        (d) =>
          [...document.querySelectorAll(`#${d} [data-zone]`)].map((z) => {
            const r = z.getBoundingClientRect();
            const s = z.ownerSVGElement.getBoundingClientRect();
            return {
              code: z.dataset.zone,
              checked: z.getAttribute('aria-checked'),
              cls: z.getAttribute('class'),
              role: z.getAttribute('role'),
              label: z.getAttribute('aria-label'),
              tab: z.getAttribute('tabindex'),
              x: Math.round(r.x - s.x),
              y: Math.round(r.y - s.y),
            };
          }),
        dir,
      );
    const ltr = await zones('ltr');
    const rtl = await zones('rtl');
    assert.deepEqual(ltr.map((z) => z.code).sort(), [
      'frontal',
      'midscalp',
      'occipital',
      'parietal_left',
      'parietal_right',
      'temporal_left',
      'temporal_right',
      'vertex',
    ]);
    for (const z of ltr) {
      assert.equal(z.role, 'checkbox');
      assert.equal(z.tab, '0');
      assert.equal(z.label, `name of ${z.code}`);
      assert.equal(z.checked, z.code === 'vertex' ? 'true' : 'false');
      assert.equal(z.cls, z.code === 'vertex' ? 'zone selected' : 'zone');
    }
    assert.deepEqual(
      rtl.filter((z) => z.checked === 'true').map((z) => z.code),
      ['frontal'],
      'an unknown code in selected is ignored',
    );
    // Not mirrored: the patient's left is on the left whatever the page direction.
    const place = (list) => Object.fromEntries(list.map((z) => [z.code, [z.x, z.y]]));
    assert.deepEqual(place(rtl), place(ltr));
    const at = place(ltr);
    assert.ok(at.temporal_left[0] < at.frontal[0] && at.frontal[0] < at.temporal_right[0]);
    assert.ok(
      at.frontal[1] < at.midscalp[1] &&
        at.midscalp[1] < at.vertex[1] &&
        at.vertex[1] < at.occipital[1],
    );

    // Every point well inside the head belongs to a zone, and every zone is reached.
    const hits = await page.evaluate(() => {
      const svg = document.querySelector('#ltr svg');
      const box = svg.getBoundingClientRect();
      const scale = box.width / 120;
      const found = new Set();
      let outside = 0;
      for (let y = 19; y <= 109; y += 2) {
        for (let x = 24; x <= 96; x += 2) {
          if (((x - 60) / 36) ** 2 + ((y - 64) / 45) ** 2 > 1) continue;
          const el = document.elementFromPoint(box.x + x * scale, box.y + y * scale);
          if (el?.dataset?.zone) found.add(el.dataset.zone);
          else outside += 1;
        }
      }
      return { found: [...found].sort(), outside };
    });
    assert.equal(hits.outside, 0, 'points of the head that are in no zone');
    assert.equal(hits.found.length, 8);

    await page.click('#ltr [data-zone="temporal_left"]');
    await page.click('#ltr [data-zone="vertex"]');
    await page.focus('#rtl [data-zone="occipital"]');
    const scrollBefore = await page.evaluate(() => window.scrollY);
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    // Scrolling by key is animated; give it time to move.
    await page.waitForTimeout(500);
    const scrolled = await page.evaluate(() => window.scrollY);
    assert.equal(scrolled, scrollBefore, 'Space does not scroll the page');
    const toggles = await page.evaluate(() => window.toggles);
    assert.deepEqual(toggles, [
      ['ltr', 'temporal_left', true],
      ['ltr', 'vertex', false],
      ['rtl', 'occipital', true],
      ['rtl', 'vertex', true],
    ]);
    const after = Object.fromEntries((await zones('ltr')).map((z) => [z.code, z.checked]));
    assert.equal(after.temporal_left, 'true');
    assert.equal(after.vertex, 'false');
    const ring = await page.evaluate(() =>
      document.querySelector('#rtl .scalp-focus-ring').getAttribute('class'),
    );
    assert.match(ring, /shown/, 'the keyboard focus is drawn');
    assert.deepEqual(pageErrors, []);
  });
});
