// Checks the PRP designer's tube drawing (web/js/prp-tube.js) without a browser: each layer of a
// simulate answer's spin drawn to scale by volume on the liquid resting at the bottom, a layer
// of no volume left out, the cut where the answer puts it, the platelet profile's bars by count,
// and labels kept apart. Part of make test (node --test tests/web).
import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { buildTube, spreadLabels, LAYERS } = await import(
  pathToFileURL(path.join(root, 'web/js/prp-tube.js')).href
);
const { findNodes } = await import(pathToFileURL(path.join(root, 'web/js/chart.js')).href);

// Label text without the isolates that keep a volume's order in Arabic.
const plain = (text) => text.replace(/[\u2066-\u2069]/g, '');
const close = (a, b, what) => assert.ok(Math.abs(a - b) < 0.02, `${what}: ${a} is not ${b}`);

// A first spin of 8.9 mL in a 15 mL tube, shaped like the answer of `autologa prp simulate`.
const spin = {
  fill_ml: 8.9,
  cut_ml: 3.725,
  collected_ml: 3.725,
  layers: [
    { layer: 'plasma', top_ml: 0, bottom_ml: 4.074 },
    { layer: 'buffy_coat', top_ml: 4.074, bottom_ml: 4.2 },
    { layer: 'red_cells', top_ml: 4.2, bottom_ml: 8.9 },
  ],
  profile: [
    { top_ml: 0, bottom_ml: 2, platelets_per_ul: 100000 },
    { top_ml: 2, bottom_ml: 4, platelets_per_ul: 400000 },
    { top_ml: 4, bottom_ml: 8.9, platelets_per_ul: 0 },
  ],
};

const labels = { title: 'After spin 1', plasma: 'Plasma', buffy_coat: 'Buffy coat', red_cells: 'Red cells', cut: 'Cut', collected: 'collected' };

test('layers are drawn to scale by volume, resting on the bottom', () => {
  const { root: tree, y, scale } = buildTube(spin, { index: 0, capacity_ml: 15, labels });
  assert.equal(tree.tag, 'svg');
  assert.equal(tree.attrs['data-spin'], 0);
  assert.equal(tree.attrs.class, 'prp-tube');
  const rects = findNodes(tree, (n) => n.tag === 'rect' && n.attrs['data-layer']);
  assert.deepEqual(rects.map((r) => r.attrs['data-layer']), LAYERS);
  for (const r of rects) {
    const l = spin.layers.find((x) => x.layer === r.attrs['data-layer']);
    close(r.attrs.height, (l.bottom_ml - l.top_ml) * scale, `${l.layer} height`);
    close(r.attrs.y, y(l.top_ml), `${l.layer} top`);
  }
  // The red cells end at the bottom of the glass; the meniscus sits 8.9 of 15 mL up.
  const red = rects[2];
  const plasma = rects[0];
  const bottom = red.attrs.y + red.attrs.height;
  close((bottom - plasma.attrs.y) / scale, 8.9, 'the liquid holds the fill');
  assert.ok(plasma.attrs.y > 12 + 6 * scale - 0.1, 'an empty 6.1 mL above the meniscus');
  // Each layer says its volume in its tooltip.
  const tip = findNodes(plasma, (n) => n.tag === 'title')[0].children[0];
  assert.equal(plain(tip), 'Plasma: 4.1 mL');
  assert.ok(tip.includes('\u20664.1 mL\u2069'), 'the volume is isolated left to right');
});

test('the cut sits at the answer\'s cut volume and its label says what is collected', () => {
  const { root: tree, y } = buildTube(spin, { index: 0, capacity_ml: 15, labels });
  const cut = findNodes(tree, (n) => n.attrs.class === 'prp-cut');
  assert.equal(cut.length, 1);
  close(cut[0].attrs.y1, y(3.725), 'cut height');
  const label = findNodes(tree, (n) => n.attrs['data-label'] === 'cut')[0];
  assert.equal(plain(label.children[0]), 'Cut · collected 3.7 mL');
});

test('a layer of no volume is left out and a fill above the capacity sets the scale', () => {
  const second = {
    fill_ml: 3.725,
    cut_ml: 2.485,
    collected_ml: 1.241,
    layers: [
      { layer: 'plasma', top_ml: 0, bottom_ml: 3.725 },
      { layer: 'buffy_coat', top_ml: 3.725, bottom_ml: 3.725 },
      { layer: 'red_cells', top_ml: 3.725, bottom_ml: 3.725 },
    ],
    profile: [],
  };
  const { root: tree } = buildTube(second, { index: 1, capacity_ml: 15, labels });
  const rects = findNodes(tree, (n) => n.tag === 'rect' && n.attrs['data-layer']);
  assert.deepEqual(rects.map((r) => r.attrs['data-layer']), ['plasma']);
  assert.equal(tree.attrs['data-spin'], 1);
  const over = buildTube({ ...second, fill_ml: 20, layers: [{ layer: 'plasma', top_ml: 0, bottom_ml: 20 }] }, { capacity_ml: 15 });
  const full = findNodes(over.root, (n) => n.attrs['data-layer'] === 'plasma')[0];
  close(full.attrs.height, 250 - 12, 'a tube filled past its capacity fills the drawing');
});

test('the profile bars are as wide as their platelet counts, the peak the widest', () => {
  const { root: tree } = buildTube(spin, { capacity_ml: 15, labels });
  const bars = findNodes(tree, (n) => n.tag === 'rect' && n.attrs['data-band'] !== undefined);
  assert.equal(bars.length, 3);
  const peak = bars[1].attrs.width;
  assert.ok(peak > 0);
  close(bars[0].attrs.width / peak, 0.25, 'a quarter of the peak count');
  assert.equal(bars[2].attrs.width, 0);
  // Bars grow from the tube's side outwards, so they all end at the same x.
  close(bars[0].attrs.x + bars[0].attrs.width, bars[1].attrs.x + bars[1].attrs.width, 'aligned');
});

test('labels are spread apart and kept inside the drawing', () => {
  assert.deepEqual(spreadLabels([10, 11, 12], 0, 100), [10, 23, 36]);
  const ys = spreadLabels([95, 96, 97], 0, 100);
  assert.equal(ys[2], 100);
  assert.ok(ys[1] <= 87 && ys[0] <= 74);
  const { root: tree } = buildTube(spin, { capacity_ml: 15, labels });
  const texts = findNodes(tree, (n) => n.tag === 'text').map((n) => n.attrs.y).sort((a, b) => a - b);
  for (let i = 1; i < texts.length; i++) assert.ok(texts[i] - texts[i - 1] >= 12.9, `labels ${i - 1} and ${i} overlap`);
});

test('an answer without layers draws an empty tube, never NaN', () => {
  const { root: tree } = buildTube({}, { capacity_ml: 15 });
  const json = JSON.stringify(tree);
  assert.ok(!json.includes('NaN'), json);
  assert.equal(findNodes(tree, (n) => n.attrs['data-layer']).length, 0);
});
