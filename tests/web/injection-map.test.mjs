// The injection maps (web/js/views/injection-map.js) in headless Chromium, with the zones the
// server's catalogue serves: every zone of each map drawn with its label in English and Arabic,
// each reachable by the mouse, toggled by click, Enter and Space, the warning edge on exactly the
// four high-risk face zones, and the drawing the same way round in a right-to-left page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { loginAdmin, show, startServer } from '../lib/server.mjs';

const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

const CONTRACT = {
  scalp: [
    'frontal', 'mid_scalp', 'crown', 'temporal_left', 'temporal_right', 'parietal_left',
    'parietal_right', 'occipital',
  ],
  face: [
    'forehead', 'glabella', 'periorbital_left', 'periorbital_right', 'cheek_left', 'cheek_right',
    'nasolabial_left', 'nasolabial_right', 'perioral', 'lips', 'jawline', 'neck',
  ],
};
const HIGH_RISK = ['forehead', 'glabella', 'nasolabial_left', 'nasolabial_right'];

describe('injection maps', () => {
  let server;
  let browser;
  let page;
  let maps;
  const pageErrors = [];

  before(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const r = await admin.get('/api/v1/catalog');
    assert.equal(r.status, 200, show(r));
    maps = r.body.injection_maps;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url + '/', { waitUntil: 'networkidle' });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  // Draws `map` in an ltr and an rtl box of a page in `lang`, toggles recorded in window.toggles.
  async function draw(map, lang, selected = []) {
    const zones = maps.find((m) => m.code === map).zones;
    await page.evaluate(
      async ({ map, zones, lang, selected }) => {
        const i18n = await import('/js/i18n.js');
        await i18n.setLang(lang);
        const { createInjectionMap } = await import('/js/views/injection-map.js');
        // Tall enough to scroll, so that a Space the map fails to stop would show.
        document.body.replaceChildren();
        document.body.style.cssText = 'display:flex;gap:20px;align-items:flex-start;min-height:3000px';
        window.toggles = [];
        for (const dir of ['ltr', 'rtl']) {
          const box = document.createElement('div');
          box.id = dir;
          box.dir = dir;
          box.style.width = '300px';
          box.append(
            createInjectionMap({
              map,
              zones,
              selected,
              onToggle: (code, now) => window.toggles.push([dir, code, now]),
            }),
          );
          document.body.append(box);
        }
      },
      { map, zones, lang, selected },
    );
    return zones;
  }

  const readZones = (dir) =>
    page.evaluate((d) => {
      const svg = document.querySelector(`#${d} svg`);
      const s = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('[data-zone]')].map((z) => {
        const r = z.getBoundingClientRect();
        return {
          code: z.dataset.zone,
          tag: z.tagName,
          role: z.getAttribute('role'),
          tab: z.getAttribute('tabindex'),
          pressed: z.getAttribute('aria-pressed'),
          selected: z.classList.contains('selected'),
          label: z.getAttribute('aria-label'),
          title: z.querySelector('title')?.textContent,
          x: Math.round(r.x + r.width / 2 - s.x),
          y: Math.round(r.y + r.height / 2 - s.y),
        };
      });
    }, dir);

  for (const lang of ['en', 'ar']) {
    for (const map of ['scalp', 'face']) {
      it(`draws every ${map} zone with its ${lang} label, the same way round in both directions`, async () => {
        const zones = await draw(map, lang, ['not_a_zone', CONTRACT[map][0]]);
        assert.deepEqual(zones.map((z) => z.code).sort(), [...CONTRACT[map]].sort());
        const ltr = await readZones('ltr');
        const rtl = await readZones('rtl');
        assert.deepEqual(ltr.map((z) => z.code).sort(), [...CONTRACT[map]].sort());
        for (const z of ltr) {
          const def = zones.find((x) => x.code === z.code);
          assert.equal(z.tag, 'path');
          assert.equal(z.role, 'button');
          assert.equal(z.tab, '0');
          assert.equal(z.title, def.label[lang]);
          assert.ok(z.label.startsWith(def.label[lang]), `${z.code}: ${z.label}`);
          const first = z.code === CONTRACT[map][0];
          assert.equal(z.pressed, first ? 'true' : 'false', z.code);
          assert.equal(z.selected, first, z.code);
        }
        const at = (list) => Object.fromEntries(list.map((z) => [z.code, [z.x, z.y]]));
        assert.deepEqual(at(rtl), at(ltr), 'the drawing is not mirrored');
        const p = at(ltr);
        if (map === 'scalp') {
          // Seen from above, face at the top: the patient's left on the left.
          assert.ok(p.temporal_left[0] < p.frontal[0] && p.frontal[0] < p.temporal_right[0]);
          assert.ok(p.frontal[1] < p.mid_scalp[1] && p.mid_scalp[1] < p.crown[1] && p.crown[1] < p.occipital[1]);
        } else {
          // Seen from the front: the patient's right on the viewer's left.
          assert.ok(p.cheek_right[0] < p.lips[0] && p.lips[0] < p.cheek_left[0]);
          assert.ok(p.periorbital_right[0] < p.glabella[0] && p.glabella[0] < p.periorbital_left[0]);
          assert.ok(p.forehead[1] < p.glabella[1] && p.glabella[1] < p.lips[1] && p.lips[1] < p.neck[1]);
        }
        // The words under the drawing name the patient's sides in the drawing's order.
        const sides = await page.$$eval('#rtl .injection-map-sides [data-side]', (els) =>
          els.map((e) => [e.dataset.side, Math.round(e.getBoundingClientRect().x)]),
        );
        assert.deepEqual(
          sides.map((s) => s[0]),
          map === 'scalp' ? ['left', 'right'] : ['right', 'left'],
        );
        assert.ok(sides[0][1] < sides[1][1]);

        // Each zone can be hit by the mouse somewhere: a point of its own that no other covers.
        const unreachable = await page.evaluate(() => {
          const out = [];
          for (const z of document.querySelectorAll('#ltr [data-zone]')) {
            const box = z.getBBox();
            const svg = z.ownerSVGElement;
            const m = z.getScreenCTM();
            let hit = false;
            for (let i = 1; i < 12 && !hit; i++) {
              for (let j = 1; j < 12 && !hit; j++) {
                const pt = svg.createSVGPoint();
                pt.x = box.x + (box.width * i) / 12;
                pt.y = box.y + (box.height * j) / 12;
                const sp = pt.matrixTransform(m);
                hit = document.elementFromPoint(sp.x, sp.y) === z;
              }
            }
            if (!hit) out.push(z.dataset.zone);
          }
          return out;
        });
        assert.deepEqual(unreachable, []);
        assert.deepEqual(pageErrors, []);
      });
    }
  }

  it('outlines exactly the four high-risk face zones in the warning colour, with a legend', async () => {
    await draw('face', 'en');
    const face = await page.evaluate(() => ({
      edges: [...document.querySelectorAll('#ltr .risk-outline')].map((e) => e.dataset.riskZone),
      flagged: [...document.querySelectorAll('#ltr [data-zone][data-high-risk="true"]')].map((e) => e.dataset.zone),
      stroke: getComputedStyle(document.querySelector('#ltr .risk-outline')).stroke,
      warning: getComputedStyle(document.documentElement).getPropertyValue('--warning').trim(),
      legend: document.querySelector('#ltr .legend-risk')?.textContent,
    }));
    assert.deepEqual(face.edges.sort(), HIGH_RISK);
    assert.deepEqual(face.flagged.sort(), HIGH_RISK);
    const hex = (rgb) =>
      '#' + rgb.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
    assert.equal(hex(face.stroke), face.warning);
    assert.match(face.legend, /PRP-FACE-1/);
    await draw('scalp', 'en');
    const scalp = await page.evaluate(() => ({
      edges: document.querySelectorAll('#ltr .risk-outline').length,
      legend: document.querySelectorAll('#ltr .legend-risk').length,
    }));
    assert.deepEqual(scalp, { edges: 0, legend: 0 });
  });

  it('toggles zones by click, Enter and Space without scrolling the page', async () => {
    await draw('face', 'ar', ['lips']);
    await page.click('#ltr [data-zone="glabella"]');
    await page.click('#ltr [data-zone="lips"]');
    await page.focus('#rtl [data-zone="neck"]');
    const scrollBefore = await page.evaluate(() => window.scrollY);
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'Space does not scroll');
    const toggles = await page.evaluate(() => window.toggles);
    assert.deepEqual(toggles, [
      ['ltr', 'glabella', true],
      ['ltr', 'lips', false],
      ['rtl', 'neck', true],
      ['rtl', 'jawline', true],
    ]);
    const state = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('#rtl [data-zone]')].map((z) => [z.dataset.zone, z.getAttribute('aria-pressed')]),
      ),
    );
    assert.equal(state.neck, 'true');
    assert.equal(state.jawline, 'true');
    assert.equal(state.lips, 'true');
    assert.equal(state.glabella, 'false');
    const ring = await page.evaluate(() => document.querySelector('#rtl .map-focus-ring').getAttribute('class'));
    assert.match(ring, /shown/, 'the keyboard focus is drawn');
    // setSelected replaces the selection without reporting toggles.
    const after = await page.evaluate(() => {
      const fig = document.querySelector('#ltr .injection-map');
      fig.setSelected(['cheek_left', 'neck']);
      return { selected: fig.getSelected(), toggles: window.toggles.length };
    });
    assert.deepEqual(after, { selected: ['cheek_left', 'neck'], toggles: 4 });
    assert.deepEqual(pageErrors, []);
  });
});
