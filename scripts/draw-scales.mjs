#!/usr/bin/env node
// Draws the hair-loss grading pictures of web/img/scales/ from the verbal definition of each stage:
// one head seen from above (face at the top), hair, bald and thinning areas.
// Usage: node scripts/draw-scales.mjs [OUT_DIR]   (default web/img/scales)
// The pictures are checked in; run this again after changing a shape and commit both
// (tests/web/scales_check.test.mjs fails while they differ).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT =
  process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'img', 'scales');

const OUTLINE = '#5b6470';
const HAIR = '#6b4f3a';
const SKIN = '#f3e6da';

// The head from above: long axis front to back, the face (nose) at the top.
const HEAD = { cx: 60, cy: 64, rx: 38, ry: 47 };
const MID = HEAD.cx;

const num = (v) => String(Math.round(v * 10) / 10);
const pt = ([x, y]) => `${num(x)} ${num(y)}`;

// A smooth curve through the points (Catmull-Rom written as cubic Béziers), so that a shape is
// given by a few points on its edge instead of hand-placed control points.
function spline(points, closed) {
  const n = points.length;
  const at = (i) => (closed ? points[(i + n) % n] : points[Math.max(0, Math.min(n - 1, i))]);
  let d = `M${pt(points[0])}`;
  const last = closed ? n : n - 1;
  for (let i = 0; i < last; i++) {
    const p0 = at(i - 1);
    const p1 = at(i);
    const p2 = at(i + 1);
    const p3 = at(i + 2);
    const c1 = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2 = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += `C${pt(c1)} ${pt(c2)} ${pt(p2)}`;
  }
  return closed ? `${d}Z` : d;
}

// Points given for the patient's right half (left of the picture, x < 60) made symmetric.
function mirrored(half) {
  const back = half
    .filter(([x]) => x < MID)
    .reverse()
    .map(([x, y]) => [2 * MID - x, y]);
  return [...half, ...back];
}

// The bald area in front of a hairline; the line runs across the head from side to side.
function front(half) {
  const line = mirrored(half);
  const first = line[0];
  const lastPt = line[line.length - 1];
  return `${spline(line, false)}L${pt([lastPt[0], 0])}L${pt([first[0], 0])}Z`;
}

// The usual frontal hairline of one stage: where it meets the side of the head, the deepest point
// of the temporal recession, and the midfrontal hairline (its half-width and depth).
function hairline({ side, rec, midY, midW }) {
  // The flank of the midfrontal hair runs straight from the recession towards the front.
  const flank = [rec[0] + (MID - midW - rec[0]) * 0.55, rec[1] + (midY + 2 - rec[1]) * 0.55];
  return front([[8, side + 4], [20, side], rec, flank, [MID - midW, midY + 2], [MID, midY]]);
}

// The hairline of an "a" variant: the whole line moved back, without a midfrontal peninsula; it
// flattens as it recedes (curve: how far the midline stands in front of the temples).
const receded = ({ side, midY, curve }) =>
  front([
    [8, side + 4],
    [20, side],
    [36, midY + curve],
    [MID, midY],
  ]);

const ellipse = (cx, cy, rx, ry) =>
  `M${num(cx - rx)} ${num(cy)}a${num(rx)} ${num(ry)} 0 1 0 ${num(2 * rx)} 0a${num(rx)} ${num(ry)} 0 1 0 ${num(-2 * rx)} 0Z`;
const closed = (half) => spline(mirrored(half), true);

// One picture. bald: paths left as skin; thin: [path, loss 0..1] drawn soft-edged, a lighter brown.
function picture({ bald = [], thin = [] }) {
  const defs = [
    `<clipPath id="s"><ellipse cx="${HEAD.cx}" cy="${HEAD.cy}" rx="${HEAD.rx}" ry="${HEAD.ry}"/></clipPath>`,
  ];
  if (thin.length)
    defs.push(
      '<filter id="b" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="2.2"/></filter>',
    );
  const line = `stroke="${OUTLINE}" stroke-width="2" stroke-linejoin="round"`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">`,
    `<defs>${defs.join('')}</defs>`,
    // Ears and nose first so that the head's outline covers where they join it.
    `<g fill="${SKIN}" ${line}>`,
    `<path d="M23 55c-6-1-7 4-7 10s2 10 7 9"/>`,
    `<path d="M97 55c6-1 7 4 7 10s-2 10-7 9"/>`,
    `<path d="M53 21c1-6 4-10 7-10s6 4 7 10"/>`,
    `<ellipse cx="${HEAD.cx}" cy="${HEAD.cy}" rx="${HEAD.rx}" ry="${HEAD.ry}" stroke="none"/>`,
    `</g>`,
    `<g clip-path="url(#s)">`,
    `<rect width="120" height="120" fill="${HAIR}" fill-opacity=".85"/>`,
  ];
  for (const [d, loss] of thin)
    parts.push(`<path d="${d}" fill="${SKIN}" fill-opacity="${loss}" filter="url(#b)"/>`);
  if (bald.length) parts.push(`<path d="${bald.join('')}" fill="${SKIN}"/>`);
  parts.push('</g>');
  parts.push(
    `<ellipse cx="${HEAD.cx}" cy="${HEAD.cy}" rx="${HEAD.rx}" ry="${HEAD.ry}" fill="none" ${line}/>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

// The hairline kept by the female scales: a rounded line without temporal recession.
const FEMALE_FRONT = front([
  [8, 48],
  [20, 44],
  [34, 33],
  [MID, 29],
]);

// Norwood-Hamilton: male pattern, temporal recession and crown.
const N = {
  I: { bald: [hairline({ side: 40, rec: [33, 34], midY: 29, midW: 14 })] },
  II: { bald: [hairline({ side: 38, rec: [35, 43], midY: 30, midW: 11 })] },
  IIa: { bald: [receded({ side: 46, midY: 37, curve: 2 })] },
  III: { bald: [hairline({ side: 44, rec: [39, 55], midY: 31, midW: 9 })] },
  IIIa: { bald: [receded({ side: 52, midY: 46, curve: 2 })] },
  'III-vertex': {
    bald: [hairline({ side: 44, rec: [39, 55], midY: 31, midW: 9 })],
    thin: [[ellipse(MID, 84, 12, 11), 0.8]],
  },
  IV: {
    bald: [hairline({ side: 50, rec: [41, 61], midY: 35, midW: 7 }), ellipse(MID, 86, 13, 12)],
  },
  IVa: { bald: [receded({ side: 60, midY: 58, curve: 1 })] },
  V: {
    bald: [hairline({ side: 55, rec: [41, 67], midY: 43, midW: 5 }), ellipse(MID, 87, 18, 15)],
  },
  Va: { bald: [receded({ side: 67, midY: 69, curve: 0 })] },
  VI: {
    bald: [
      closed([
        [20, 4],
        [31, 36],
        [37, 60],
        [39, 80],
        [47, 94],
        [MID, 97],
      ]),
    ],
  },
  VII: {
    bald: [
      closed([
        [16, 4],
        [27, 40],
        [29, 64],
        [32, 88],
        [44, 101],
        [MID, 104],
      ]),
    ],
  },
};

// Ludwig: diffuse thinning of the crown, the frontal hairline kept.
const crown = (rx, ry, cy) => ellipse(MID, cy, rx, ry);
const L = {
  I: { bald: [FEMALE_FRONT], thin: [[crown(14, 20, 64), 0.45]] },
  II: { bald: [FEMALE_FRONT], thin: [[crown(19, 26, 64), 0.75]] },
  III: { bald: [FEMALE_FRONT, crown(19, 23, 69)], thin: [[crown(24, 29, 68), 0.9]] },
};

// A midline part from just behind the frontal hairline to the crown, of the given half-width.
const part = (w, y0 = 31, y1 = 84) =>
  spline(
    [
      [MID - w * 0.6, y0],
      [MID - w, (y0 + y1) / 2],
      [MID - w * 0.5, y1],
      [MID + w * 0.5, y1],
      [MID + w, (y0 + y1) / 2],
      [MID + w * 0.6, y0],
    ],
    true,
  );
// Thinning along the part: a spindle, widest halfway and pointed at both ends.
const spindle = (w, y0, y1) =>
  closed([
    [MID, y0],
    [MID - w * 0.75, y0 + (y1 - y0) * 0.25],
    [MID - w, (y0 + y1) / 2],
    [MID - w * 0.75, y0 + (y1 - y0) * 0.75],
    [MID, y1],
  ]);
// A part that opens towards the front, with thinning in a wedge behind the frontal hairline.
const frontalPart = closed([
  [MID - 3, 30],
  [MID - 1.2, 54],
  [MID - 0.4, 78],
]);
const frontalWedge = closed([
  [38, 26],
  [44, 38],
  [52, 54],
  [MID, 72],
]);

// Sinclair: the widening of the midline part.
const S = {
  1: { bald: [FEMALE_FRONT, part(0.8)] },
  2: { bald: [FEMALE_FRONT, part(2.4)] },
  3: { bald: [FEMALE_FRONT, part(3.2)], thin: [[spindle(10, 34, 86), 0.5]] },
  4: { bald: [FEMALE_FRONT, part(3.6)], thin: [[crown(20, 27, 62), 0.7]] },
  5: { bald: [FEMALE_FRONT, crown(19, 25, 64)], thin: [[crown(25, 31, 64), 0.9]] },
};

// Savin: the density seen along the part, then over the whole top.
const V = {
  'I-1': { bald: [FEMALE_FRONT, part(0.8)] },
  'I-2': { bald: [FEMALE_FRONT, part(1)], thin: [[spindle(5, 34, 84), 0.35]] },
  'I-3': { bald: [FEMALE_FRONT, part(1.2)], thin: [[spindle(7, 33, 85), 0.55]] },
  'I-4': { bald: [FEMALE_FRONT, part(1.6)], thin: [[spindle(9, 32, 86), 0.75]] },
  'II-1': { bald: [FEMALE_FRONT, part(2.2)], thin: [[spindle(13, 32, 88), 0.75]] },
  'II-2': { bald: [FEMALE_FRONT, part(3)], thin: [[spindle(17, 31, 90), 0.85]] },
  III: { bald: [FEMALE_FRONT, part(4)], thin: [[crown(23, 30, 62), 0.85]] },
  advanced: { bald: [FEMALE_FRONT, crown(21, 28, 64)], thin: [[crown(27, 34, 64), 0.95]] },
  frontal: { bald: [FEMALE_FRONT, frontalPart], thin: [[frontalWedge, 0.8]] },
};

mkdirSync(OUT, { recursive: true });
for (const [scale, stages] of Object.entries({ norwood: N, ludwig: L, sinclair: S, savin: V })) {
  for (const [grade, shape] of Object.entries(stages)) {
    writeFileSync(join(OUT, `${scale}-${grade}.svg`), picture(shape));
  }
}
