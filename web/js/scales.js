// The hair-loss grading scales (the grades the API stores, one picture per grade) and a map of the
// scalp seen from above whose zones the clinician clicks or toggles from the keyboard.

export const SCALES = Object.freeze({
  norwood: ['I', 'II', 'IIa', 'III', 'IIIa', 'III-vertex', 'IV', 'IVa', 'V', 'Va', 'VI', 'VII'],
  ludwig: ['I', 'II', 'III'],
  sinclair: [1, 2, 3, 4, 5],
  savin: ['I-1', 'I-2', 'I-3', 'I-4', 'II-1', 'II-2', 'III', 'advanced', 'frontal'],
});

// Relative to the page, like every other asset of the UI.
export function scaleImageUrl(scale, grade) {
  return `img/scales/${scale}-${grade}.svg`;
}

// Front to back, so that Tab walks the head the way a clinician reads it.
export const ZONES = Object.freeze([
  'frontal',
  'temporal_left',
  'temporal_right',
  'midscalp',
  'parietal_left',
  'parietal_right',
  'vertex',
  'occipital',
]);

const NS = 'http://www.w3.org/2000/svg';

// The head of the pictures in img/scales: an ellipse, the face at the top. Seen from above with
// the face at the top, the patient's left is on the left of the picture in every page direction.
const CX = 60;
const CY = 64;
const RX = 38;
const RY = 47;
const COL_L = 45; // the central column (frontal, midscalp, vertex) between the side zones
const COL_R = 120 - COL_L;
const Y_FRONTAL = 42; // frontal | midscalp
const Y_VERTEX = 66; // midscalp | vertex
const Y_TEMPORAL = 54; // temporal | parietal, on the sides
const Y_OCCIPITAL = 92; // vertex and parietal | occipital

const r1 = (v) => Math.round(v * 10) / 10;
// Where a vertical line at x meets the front of the outline.
const frontY = (x) => r1(CY - RY * Math.sqrt(1 - ((x - CX) / RX) ** 2));
// Where a horizontal line at y meets the left and the right side of the outline.
const sideX = (y) => r1(RX * Math.sqrt(1 - ((y - CY) / RY) ** 2));

// Corners shared by neighbouring zones, so that the zones tile the head without gaps.
const FRONT_L = [COL_L, frontY(COL_L)];
const FRONT_R = [COL_R, frontY(COL_R)];
const SIDE_L = [CX - sideX(Y_TEMPORAL), Y_TEMPORAL];
const SIDE_R = [CX + sideX(Y_TEMPORAL), Y_TEMPORAL];
const BACK_L = [CX - sideX(Y_OCCIPITAL), Y_OCCIPITAL];
const BACK_R = [CX + sideX(Y_OCCIPITAL), Y_OCCIPITAL];

// Marks a point reached along the head's outline (clockwise on the screen) instead of straight.
const alongHead = (point) => ({ arc: point });
// A closed path through the points.
function zonePath(...points) {
  const steps = points.map((p, i) =>
    p.arc ? `A${RX} ${RY} 0 0 1 ${p.arc[0]} ${p.arc[1]}` : `${i ? 'L' : 'M'}${p[0]} ${p[1]}`,
  );
  return `${steps.join('')}Z`;
}

const ZONE_PATHS = {
  frontal: zonePath(FRONT_L, alongHead(FRONT_R), [COL_R, Y_FRONTAL], [COL_L, Y_FRONTAL]),
  temporal_left: zonePath(FRONT_L, [COL_L, Y_TEMPORAL], SIDE_L, alongHead(FRONT_L)),
  temporal_right: zonePath(FRONT_R, alongHead(SIDE_R), [COL_R, Y_TEMPORAL]),
  midscalp: zonePath([COL_L, Y_FRONTAL], [COL_R, Y_FRONTAL], [COL_R, Y_VERTEX], [COL_L, Y_VERTEX]),
  parietal_left: zonePath([COL_L, Y_TEMPORAL], [COL_L, Y_OCCIPITAL], BACK_L, alongHead(SIDE_L)),
  parietal_right: zonePath([COL_R, Y_TEMPORAL], SIDE_R, alongHead(BACK_R), [COL_R, Y_OCCIPITAL]),
  vertex: zonePath(
    [COL_L, Y_VERTEX],
    [COL_R, Y_VERTEX],
    [COL_R, Y_OCCIPITAL],
    [COL_L, Y_OCCIPITAL],
  ),
  occipital: zonePath(BACK_L, BACK_R, alongHead(BACK_L)),
};

function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

// An inline SVG of the scalp with one checkbox-like <path> per zone.
// selected: a Set of zone codes chosen at first (read once, never changed by the map);
// onToggle(code, nowSelected) is called after each change; label(code) gives a zone's name in the
// page's language. The map keeps its own state; build a new one to show another selection.
export function scalpMap({
  selected = new Set(),
  onToggle = () => {},
  label = (code) => code,
} = {}) {
  const chosen = new Set([...selected].filter((code) => ZONES.includes(code)));
  const svg = svgEl('svg', {
    viewBox: '0 0 120 120',
    class: 'scalp-map',
    role: 'group',
    focusable: 'false',
  });

  // Nose and ears say which way the head faces; they are not zones.
  const decor = svgEl('g', { class: 'scalp-decor', 'aria-hidden': 'true' });
  decor.append(
    svgEl('path', { d: 'M23 55c-6-1-7 4-7 10s2 10 7 9' }),
    svgEl('path', { d: 'M97 55c6-1 7 4 7 10s-2 10-7 9' }),
    svgEl('path', { d: 'M53 21c1-6 4-10 7-10s6 4 7 10' }),
  );
  svg.append(decor);

  // Neighbouring zones overlap the edge of a focused one; the ring is drawn above them all.
  const ring = svgEl('path', { class: 'scalp-focus-ring', 'aria-hidden': 'true' });

  for (const code of ZONES) {
    const zone = svgEl('path', {
      d: ZONE_PATHS[code],
      class: chosen.has(code) ? 'zone selected' : 'zone',
      'data-zone': code,
      role: 'checkbox',
      'aria-checked': chosen.has(code) ? 'true' : 'false',
      'aria-label': label(code),
      tabindex: 0,
    });
    const toggle = () => {
      const now = !chosen.has(code);
      if (now) chosen.add(code);
      else chosen.delete(code);
      zone.setAttribute('class', now ? 'zone selected' : 'zone');
      zone.setAttribute('aria-checked', now ? 'true' : 'false');
      onToggle(code, now);
    };
    zone.addEventListener('click', toggle);
    zone.addEventListener('keydown', (ev) => {
      if (ev.key !== ' ' && ev.key !== 'Enter') return;
      // Space would scroll the page and Enter could submit the surrounding form.
      ev.preventDefault();
      if (!ev.repeat) toggle();
    });
    zone.addEventListener('focus', () => {
      ring.setAttribute('d', ZONE_PATHS[code]);
      ring.classList.toggle('shown', zone.matches(':focus-visible'));
    });
    zone.addEventListener('blur', () => ring.classList.remove('shown'));
    svg.append(zone);
  }

  svg.append(svgEl('ellipse', { class: 'scalp-outline', cx: CX, cy: CY, rx: RX, ry: RY }), ring);
  return svg;
}
