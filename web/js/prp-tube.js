// The predicted tube after one spin of the PRP designer, computed without a DOM: the layers at
// rest drawn to scale by volume, the collection cut and the platelet profile beside it, as a
// tree of plain nodes that chart.js renderSvg() turns into SVG (tested in Node). The drawing is
// a picture of a tube, so it is never mirrored: the caller wraps it in dir="ltr".

// Colours are presentation attributes so the drawing looks the same wherever it is embedded.
export const TUBE_COLORS = {
  plasma: '#f3d98b',
  buffy_coat: '#f7f4ee',
  red_cells: '#9b2226',
  glass: '#6b7885',
  cut: '#1f5c99',
  profile: '#0b6e69',
  text: '#3b4956',
};

export const LAYERS = ['plasma', 'buffy_coat', 'red_cells'];

// The geometry of the viewBox: the profile bar, the tube and the labels to its right.
const W = 230;
const H = 270;
const TOP = 12;
const BOTTOM = 250;
const PROFILE_X = 4;
const PROFILE_W = 22;
const TUBE_X = 34;
const TUBE_W = 56;
const LABEL_X = TUBE_X + TUBE_W + 10;
// Labels closer than this (in viewBox units) are pushed apart so they stay readable.
const LABEL_GAP = 13;

function node(tag, attrs, ...children) {
  return { tag, attrs: attrs || {}, children: children.flat(Infinity).filter((c) => c != null) };
}

const r2 = (v) => Math.round(v * 100) / 100;
const finite = (v) => typeof v === 'number' && Number.isFinite(v);

// Label positions (their centres), in order, at least LABEL_GAP apart and inside [lo, hi].
export function spreadLabels(wanted, lo, hi) {
  const ys = wanted.slice();
  for (let i = 1; i < ys.length; i++) ys[i] = Math.max(ys[i], ys[i - 1] + LABEL_GAP);
  const over = ys.length ? ys[ys.length - 1] - hi : 0;
  if (over > 0) {
    ys[ys.length - 1] = hi;
    for (let i = ys.length - 2; i >= 0; i--) ys[i] = Math.min(ys[i], ys[i + 1] - LABEL_GAP);
  }
  return ys.map((y) => Math.max(lo, y));
}

// The tube of one spin of a simulate answer (`spin` is answer.spins[i]). opts:
//   index          the spin's index (0-based), set as data-spin
//   capacity_ml    the tube's capacity: the full height of the drawing (the fill if smaller)
//   formatNumber   volumes as the page writes them (default: one decimal)
//   labels         {title, plasma, buffy_coat, red_cells, cut, collected, profile}: page words
// Returns {root, y}: the node tree and the volume-to-height map (for tests).
export function buildTube(spin, opts = {}) {
  const s = spin || {};
  const fmt = opts.formatNumber || ((v) => (Math.round(v * 10) / 10).toFixed(1));
  const labels = opts.labels || {};
  const fill = finite(s.fill_ml) && s.fill_ml > 0 ? s.fill_ml : 0;
  const capacity = Math.max(finite(opts.capacity_ml) ? opts.capacity_ml : 0, fill, 1e-9);
  const scale = (BOTTOM - TOP) / capacity;
  // The liquid rests on the bottom: a volume counted from the meniscus maps to its height.
  const y = (ml) => r2(BOTTOM - (fill - Math.min(Math.max(ml, 0), fill)) * scale);
  // A volume inside a label keeps its order in an Arabic sentence (left-to-right isolate).
  const mlText = (v) => `\u2066${fmt(v)} mL\u2069`;

  const layers = (s.layers || []).filter(
    (l) => LAYERS.includes(l.layer) && finite(l.top_ml) && finite(l.bottom_ml),
  );
  const rects = [];
  const texts = [];
  const wanted = [];
  for (const l of layers) {
    const ml = l.bottom_ml - l.top_ml;
    // A layer of no volume has nothing to draw (a first spin too short for a buffy coat).
    if (!(ml > 0)) continue;
    const y0 = y(l.top_ml);
    const y1 = y(l.bottom_ml);
    rects.push(
      node(
        'rect',
        {
          'data-layer': l.layer,
          'data-ml': r2(ml),
          x: TUBE_X,
          y: y0,
          width: TUBE_W,
          height: r2(y1 - y0),
          fill: TUBE_COLORS[l.layer],
          stroke: l.layer === 'buffy_coat' ? TUBE_COLORS.glass : 'none',
          'stroke-width': l.layer === 'buffy_coat' ? 0.5 : null,
        },
        node('title', null, `${labels[l.layer] || l.layer}: ${mlText(ml)}`),
      ),
    );
    wanted.push({
      y: (y0 + y1) / 2,
      text: `${labels[l.layer] || l.layer} ${mlText(ml)}`,
      layer: l.layer,
    });
  }

  // The cut: where the rule parts what is kept from what is left.
  const cut = [];
  if (finite(s.cut_ml) && fill > 0) {
    const yc = y(s.cut_ml);
    cut.push(
      node('line', {
        class: 'prp-cut',
        'data-ml': r2(s.cut_ml),
        x1: TUBE_X - 6,
        x2: TUBE_X + TUBE_W + 6,
        y1: yc,
        y2: yc,
        stroke: TUBE_COLORS.cut,
        'stroke-width': 2,
        'stroke-dasharray': '5 3',
      }),
    );
    const taken = finite(s.collected_ml) ? s.collected_ml : null;
    wanted.push({
      y: yc,
      text:
        taken === null
          ? labels.cut || 'cut'
          : `${labels.cut || 'cut'} · ${labels.collected || 'collected'} ${mlText(taken)}`,
      cut: true,
    });
  }
  wanted.sort((a, b) => a.y - b.y);
  const placed = spreadLabels(
    wanted.map((w) => w.y),
    TOP + 8,
    BOTTOM,
  );
  wanted.forEach((w, i) => {
    texts.push(
      node(
        'text',
        {
          class: w.cut ? 'prp-tube-label prp-cut-label' : 'prp-tube-label',
          'data-label': w.cut ? 'cut' : w.layer,
          x: LABEL_X,
          y: r2(placed[i] + 4),
          fill: w.cut ? TUBE_COLORS.cut : TUBE_COLORS.text,
          'font-size': 10,
        },
        w.text,
      ),
    );
  });

  // The platelet profile: one bar per band of equal volume, its width by platelets per µL.
  const bands = (s.profile || []).filter(
    (b) => finite(b.top_ml) && finite(b.bottom_ml) && finite(b.platelets_per_ul),
  );
  const peak = bands.reduce((m, b) => Math.max(m, b.platelets_per_ul), 0);
  const profile = node(
    'g',
    { class: 'prp-profile', 'data-peak': Math.round(peak) },
    node('title', null, labels.profile || 'platelets'),
    bands.map((b, i) =>
      node('rect', {
        'data-band': i,
        'data-platelets': Math.round(b.platelets_per_ul),
        x: r2(PROFILE_X + PROFILE_W - (peak > 0 ? (b.platelets_per_ul / peak) * PROFILE_W : 0)),
        y: y(b.top_ml),
        width: r2(peak > 0 ? (b.platelets_per_ul / peak) * PROFILE_W : 0),
        height: r2(Math.max(y(b.bottom_ml) - y(b.top_ml), 0)),
        fill: TUBE_COLORS.profile,
      }),
    ),
    node('line', {
      x1: PROFILE_X + PROFILE_W,
      x2: PROFILE_X + PROFILE_W,
      y1: y(0),
      y2: BOTTOM,
      stroke: TUBE_COLORS.glass,
      'stroke-width': 0.5,
    }),
  );

  // The glass: open at the top, round at the bottom, around the whole capacity.
  const glass = node('path', {
    class: 'prp-glass',
    d:
      `M${TUBE_X} ${TOP} V${BOTTOM - 6} Q${TUBE_X} ${BOTTOM} ${TUBE_X + 6} ${BOTTOM}` +
      ` H${TUBE_X + TUBE_W - 6} Q${TUBE_X + TUBE_W} ${BOTTOM} ${TUBE_X + TUBE_W} ${BOTTOM - 6}` +
      ` V${TOP}`,
    fill: 'none',
    stroke: TUBE_COLORS.glass,
    'stroke-width': 1.5,
  });

  const root = node(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      class: 'prp-tube',
      'data-spin': opts.index ?? 0,
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': labels.title || null,
    },
    labels.title ? node('title', null, labels.title) : null,
    profile,
    rects,
    glass,
    cut,
    texts,
  );
  return { root, y, scale };
}
