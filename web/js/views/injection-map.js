// The injection maps of the procedure record: a head seen from above for the scalp and a face
// seen from the front, drawn inline so each zone is a focusable, clickable SVG path.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { localText } from '../catalog.js';

const NS = 'http://www.w3.org/2000/svg';
let seq = 0;

function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

const rect = (x1, y1, x2, y2) => `M${x1} ${y1}H${x2}V${y2}H${x1}Z`;
const oval = (cx, cy, rx, ry, sweep = 1) =>
  `M${cx - rx} ${cy}A${rx} ${ry} 0 0 ${sweep} ${cx + rx} ${cy}` +
  `A${rx} ${ry} 0 0 ${sweep} ${cx - rx} ${cy}Z`;

// The scalp seen from above, face at the top: the patient's left is on the left of the picture
// in every page direction. Zones are bands of the head cut by its outline (a clip path), so they
// tile the head without gaps; the central column runs front to back.
const HEAD = oval(100, 122, 66, 84);
const SCALP = {
  viewBox: '0 0 200 212',
  outline: HEAD,
  clips: { head: HEAD },
  decor: [
    'M86 42c2-12 7-20 14-20s12 8 14 20', // nose: the face is at the top
    'M34 104c-10-1-12 7-12 17s3 17 12 16', // the patient's left ear
    'M166 104c10-1 12 7 12 17s-3 17-12 16', // the patient's right ear
  ],
  // Front to back, so that Tab walks the head the way a clinician reads it.
  zones: {
    frontal: [rect(74, 0, 126, 80), 'head'],
    temporal_left: [rect(0, 0, 74, 100), 'head'],
    temporal_right: [rect(126, 0, 200, 100), 'head'],
    mid_scalp: [rect(74, 80, 126, 122), 'head'],
    parietal_left: [rect(0, 100, 74, 166), 'head'],
    parietal_right: [rect(126, 100, 200, 166), 'head'],
    crown: [rect(74, 122, 126, 166), 'head'],
    occipital: [rect(0, 166, 200, 212), 'head'],
  },
  // The words under the drawing, in the drawing's left-to-right order.
  sides: ['left', 'right'],
};

// The face seen from the front: the patient's right is on the viewer's left. Zones that reach
// the edge of the face are cut by its outline.
const FACE_OUTLINE =
  'M100 18C150 18 168 50 168 100C168 150 150 200 100 214C50 200 32 150 32 100C32 50 50 18 100 18Z';
// Under the chin the neck's top edge is the face's outline (that curve split at x = 62 and 138).
const NECK = 'M62 191.4C71.8 201.7 84.3 209.6 100 214C115.7 209.6 128.2 201.7 138 191.4V262H62Z';
const FACE = {
  viewBox: '0 0 200 264',
  outline: FACE_OUTLINE,
  clips: { face: FACE_OUTLINE },
  decor: [
    'M32 92c-8 0-10 6-10 14s3 16 11 17', // ears
    'M168 92c8 0 10 6 10 14s-3 16-11 17',
    'M52 74c8-6 22-7 34-2', // brows
    'M148 74c-8-6-22-7-34-2',
    oval(70, 90, 10, 4.5),
    oval(130, 90, 10, 4.5),
    'M100 92v30m-9 6c3 4 15 4 18 0', // nose
    'M86 166c8 3 20 3 28 0', // the line between the lips
    'M62 191.4V262M138 191.4V262', // the sides of the neck
  ],
  // Top to bottom, the patient's right before the left, as the face is read.
  zones: {
    forehead: [rect(20, 0, 180, 66), 'face'],
    glabella: [rect(92, 66, 108, 94)],
    periorbital_right: [oval(70, 90, 22, 12)],
    periorbital_left: [oval(130, 90, 22, 12)],
    cheek_right: ['M20 104H64L88 112L86 124L77 168L62 180C54 170 50 158 48 142H20Z', 'face'],
    cheek_left: [
      'M180 104H136L112 112L114 124L123 168L138 180C146 170 150 158 152 142H180Z',
      'face',
    ],
    nasolabial_right: ['M86 124L92 128L84 170L77 168Z'],
    nasolabial_left: ['M114 124L108 128L116 170L123 168Z'],
    // The lips are a hole in the perioral zone, so each point belongs to one zone.
    perioral: [`M90.5 136H109.5L116 170L108 186H92L84 170Z${oval(100, 166, 14, 6, 0)}`],
    lips: [oval(100, 166, 14, 6)],
    jawline: ['M20 142H48C52 176 70 194 100 202C130 194 148 176 152 142H180V240H20Z', 'face'],
    neck: [NECK],
  },
  sides: ['right', 'left'],
};

const MAPS = { scalp: SCALP, face: FACE };

// The zone codes each map draws, in the drawing's own order.
export const MAP_ZONES = Object.freeze(
  Object.fromEntries(Object.entries(MAPS).map(([k, m]) => [k, Object.keys(m.zones)])),
);

// The element of one map. map: "scalp" | "face"; zones: the catalogue's zones of that map
// ([{code, label, area_cm2, high_risk}]); selected: zone codes chosen at first (an array or a
// Set, read once); onToggle(code, nowSelected) after each change. A zone the catalogue does not
// list is not drawn, as the server would refuse it. The element's getSelected() and
// setSelected(codes) read and replace the selection without calling onToggle.
export function createInjectionMap({ map, zones = [], selected = [], onToggle = () => {} }) {
  const def = MAPS[map];
  if (!def) throw new Error(`unknown injection map: ${map}`);
  const known = new Map((zones || []).map((z) => [z.code, z]));
  const chosen = new Set([...selected].filter((c) => known.has(c) && def.zones[c]));
  const id = `injmap-${++seq}`;
  const svg = svgEl('svg', {
    viewBox: def.viewBox,
    class: `injection-map-svg map-${map}`,
    role: 'group',
    'aria-label': t(`injmap.title.${map}`),
    focusable: 'false',
  });
  // Clip paths are named per map element: two maps on one page must not share ids.
  const defs = svgEl('defs');
  for (const [name, d] of Object.entries(def.clips)) {
    const cp = svgEl('clipPath', { id: `${id}-${name}` });
    cp.append(svgEl('path', { d }));
    defs.append(cp);
  }
  svg.append(defs);
  const clipOf = (name) => (name ? `url(#${id}-${name})` : null);
  svg.append(svgEl('path', { class: 'map-skin', d: def.outline, 'aria-hidden': 'true' }));

  const ring = svgEl('path', { class: 'map-focus-ring', 'aria-hidden': 'true' });
  const paths = new Map();
  const riskLayer = svgEl('g', { class: 'map-risk-layer', 'aria-hidden': 'true' });

  const paint = (code) => {
    const el = paths.get(code);
    const on = chosen.has(code);
    el.classList.toggle('selected', on);
    el.setAttribute('aria-pressed', on ? 'true' : 'false');
  };

  for (const [code, [d, clipName]] of Object.entries(def.zones)) {
    const z = known.get(code);
    if (!z) continue;
    const name = localText(z.label) || code;
    const el = svgEl('path', {
      d,
      class: 'zone' + (z.high_risk ? ' high-risk' : ''),
      'data-zone': code,
      'data-high-risk': z.high_risk ? 'true' : 'false',
      role: 'button',
      tabindex: 0,
      'aria-label': z.high_risk ? `${name} — ${t('injmap.high_risk')}` : name,
      'fill-rule': 'evenodd',
    });
    const clip = clipOf(clipName);
    if (clip) el.setAttribute('clip-path', clip);
    const title = svgEl('title');
    title.textContent = name;
    el.append(title);
    paths.set(code, el);
    const toggle = () => {
      const now = !chosen.has(code);
      if (now) chosen.add(code);
      else chosen.delete(code);
      paint(code);
      onToggle(code, now);
    };
    el.addEventListener('click', toggle);
    el.addEventListener('keydown', (ev) => {
      if (ev.key !== ' ' && ev.key !== 'Enter') return;
      // Space would scroll the page and Enter could submit the surrounding form.
      ev.preventDefault();
      if (!ev.repeat) toggle();
    });
    el.addEventListener('focus', () => {
      ring.setAttribute('d', d);
      ring.setAttribute('fill-rule', 'evenodd');
      if (clip) ring.setAttribute('clip-path', clip);
      else ring.removeAttribute('clip-path');
      ring.classList.toggle('shown', el.matches(':focus-visible'));
    });
    el.addEventListener('blur', () => ring.classList.remove('shown'));
    svg.append(el);
    paint(code);
    // Drawn again above every zone: a neighbour would otherwise cover half the warning edge.
    if (z.high_risk) {
      const edge = svgEl('path', { d, class: 'risk-outline', 'data-risk-zone': code });
      if (clip) edge.setAttribute('clip-path', clip);
      riskLayer.append(edge);
    }
  }

  const decor = svgEl('g', { class: 'map-decor', 'aria-hidden': 'true' });
  for (const d of def.decor) decor.append(svgEl('path', { d }));
  svg.append(
    decor,
    svgEl('path', { class: 'map-outline', d: def.outline, 'aria-hidden': 'true' }),
    riskLayer,
    ring,
  );
  const anyRisk = [...known.values()].some((z) => z.high_risk && def.zones[z.code]);
  const legend = h(
    'ul',
    { class: 'injection-map-legend' },
    h(
      'li',
      null,
      h('span', { class: 'swatch swatch-selected', 'aria-hidden': 'true' }),
      t('injmap.legend.selected'),
    ),
    anyRisk
      ? h(
          'li',
          { class: 'legend-risk' },
          h('span', { class: 'swatch swatch-risk', 'aria-hidden': 'true' }),
          t('injmap.legend.high_risk', { rule: 'PRP-FACE-1' }),
        )
      : null,
  );
  const figure = h(
    'figure',
    { class: `injection-map map-${map}`, 'data-map': map },
    // The drawing keeps its left-to-right layout whatever the page direction.
    h(
      'div',
      { class: 'injection-map-drawing', dir: 'ltr' },
      svg,
      // The patient's sides, under the drawing in its own order: never mirrored in Arabic.
      h(
        'div',
        { class: 'injection-map-sides', 'aria-hidden': 'true' },
        def.sides.map((side) =>
          h(
            'span',
            { class: `map-side side-${side}`, 'data-side': side, dir: 'auto' },
            t(`injmap.side.${side}`),
          ),
        ),
      ),
    ),
    h(
      'figcaption',
      { class: 'injection-map-caption' },
      h('p', { class: 'injection-map-orient' }, t(`injmap.orient.${map}`)),
      legend,
    ),
  );
  figure.getSelected = () => [...paths.keys()].filter((c) => chosen.has(c));
  figure.setSelected = (codes) => {
    chosen.clear();
    for (const c of codes || []) if (paths.has(c)) chosen.add(c);
    for (const c of paths.keys()) paint(c);
  };
  return figure;
}
