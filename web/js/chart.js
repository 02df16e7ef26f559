// The outcome charts of a patient's timeline, computed without a DOM: scales, ticks and the SVG
// as a tree of plain nodes ({tag, attrs, children}) that renderSvg() turns into elements, so the
// geometry is unit-tested in Node (tests/web/chart.test.mjs) and drawn the same in the browser.
// Time runs left to right in both languages; the caller wraps the drawing in dir="ltr".

import { addMonths } from './course-plan.js';

// Colours are presentation attributes, not CSS, so a screenshot can be checked for them: the
// series line and the band each have a colour of their own that nothing else in a chart uses.
export const COLORS = {
  series: '#1f5c99',
  point: '#123a63',
  pointFill: '#ffffff',
  band: '#cfe9dc',
  bandEdge: '#5e9f7e',
  bandText: '#245c40',
  baseline: '#a4460a',
  session: '#8c99a6',
  milestone: '#6b4fa0',
  grid: '#e3e8ee',
  axis: '#8593a1',
  text: '#3b4956',
};

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86400000;

// Days since 1970-01-01 of a calendar date, or NaN.
export function dayNumber(ymd) {
  const m = YMD.exec(ymd || '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS;
}

export function ymdOfDay(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

// A function mapping [d0, d1] onto [r0, r1] linearly; a domain of one value maps to the middle.
export function linearScale(d0, d1, r0, r1) {
  const span = d1 - d0;
  const f = (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

// The step of at most `maxTicks` round ticks over a span: 1, 2, 2.5 or 5 times a power of ten.
export function niceStep(span, maxTicks) {
  if (!(span > 0) || !(maxTicks >= 1)) return 1;
  const raw = span / maxTicks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * mag >= raw - 1e-12) return m * mag;
  }
  return 10 * mag;
}

// Rounds away the binary noise of multiples of a decimal step (0.1 * 3 = 0.30000000000000004).
function tidy(v) {
  return Math.round(v * 1e9) / 1e9;
}

// Round ticks covering [min, max]: the domain is widened to the outer ticks. `integer` keeps the
// step whole (a count or a scale has no half values).
export function numberTicks(min, max, maxTicks = 6, integer = false) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 1] };
  if (max < min) [min, max] = [max, min];
  let step = niceStep(max - min, maxTicks);
  if (integer) step = Math.max(1, Math.ceil(step));
  if (max === min) step = integer ? 1 : niceStep(Math.abs(min) || 1, maxTicks);
  const lo = tidy(Math.floor(min / step + 1e-9) * step);
  let hi = tidy(Math.ceil(max / step - 1e-9) * step);
  if (hi === lo) hi = tidy(lo + step);
  const ticks = [];
  for (let v = lo; v <= hi + step / 1e6; v = tidy(v + step)) ticks.push(v);
  return { min: lo, max: hi, ticks };
}

// The number a point is drawn at: its value, or for a coded grade its index in the codes.
export function plotValue(series, value) {
  if (series.type === 'code') {
    const i = (series.codes || []).indexOf(value);
    return i < 0 ? NaN : i;
  }
  return typeof value === 'number' ? value : Number(value);
}

// The value axis of a series: {min, max, ticks, labels?}. Codes show every code; a short whole
// scale (global photographic assessment, satisfaction) shows its whole range; numbers get round
// ticks around the values, the baseline and the band, inside the measure's limits.
export function valueAxis(series, measure = {}) {
  if (series.type === 'code') {
    const codes = series.codes || [];
    const n = Math.max(codes.length, 1);
    return {
      min: 0,
      max: n - 1,
      ticks: codes.map((_, i) => i),
      labels: codes.slice(),
    };
  }
  const lim = { min: measure.min, max: measure.max };
  const integer = series.type === 'integer';
  if (integer && Number.isFinite(lim.min) && Number.isFinite(lim.max) && lim.max - lim.min <= 10) {
    const step = lim.max - lim.min > 6 ? 2 : 1;
    const ticks = [];
    for (let v = lim.min; v <= lim.max; v += step) ticks.push(v);
    if (ticks[ticks.length - 1] !== lim.max) ticks.push(lim.max);
    return { min: lim.min, max: lim.max, ticks };
  }
  const values = [];
  for (const p of series.points || []) values.push(plotValue(series, p.value));
  if (series.baseline) values.push(plotValue(series, series.baseline.value));
  if (series.band) values.push(series.band.low, series.band.high);
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return numberTicks(lim.min ?? 0, lim.max ?? 1, 5, integer);
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const pad = hi > lo ? (hi - lo) * 0.12 : Math.max(Math.abs(hi) * 0.1, 1);
  lo -= pad;
  hi += pad;
  if (Number.isFinite(lim.min)) lo = Math.max(lo, lim.min);
  if (Number.isFinite(lim.max)) hi = Math.min(hi, lim.max);
  const axis = numberTicks(lo, hi, 5, integer);
  // Widening to round ticks must not leave the measure's limits (no negative density).
  if (Number.isFinite(lim.min) && axis.min < lim.min) {
    axis.ticks = axis.ticks.filter((v) => v >= lim.min);
    axis.min = lim.min;
  }
  if (Number.isFinite(lim.max) && axis.max > lim.max) {
    axis.ticks = axis.ticks.filter((v) => v <= lim.max);
    axis.max = lim.max;
  }
  return axis;
}

// Every date a chart must show: values, baseline, band, the course's sessions and milestones.
function chartDates(series, course) {
  const dates = [];
  for (const p of series.points || []) dates.push(p.date);
  if (series.baseline) dates.push(series.baseline.date);
  if (series.band) dates.push(series.band.from, series.band.to);
  if (course) {
    if (course.anchor) dates.push(course.anchor);
    for (const s of course.sessions || []) dates.push(s.date);
    for (const m of course.milestones || []) dates.push(m.date);
  }
  return dates.map(dayNumber).filter(Number.isFinite);
}

// The time axis as days: [first, last] with a margin, at least two months wide.
export function timeDomain(series, course) {
  const days = chartDates(series, course);
  if (!days.length) return null;
  let lo = Math.min(...days);
  let hi = Math.max(...days);
  if (hi - lo < 60) {
    const mid = (lo + hi) / 2;
    lo = mid - 30;
    hi = mid + 30;
  }
  const pad = Math.max(7, Math.round((hi - lo) * 0.04));
  return { min: Math.floor(lo - pad), max: Math.ceil(hi + pad) };
}

// Ticks of the time axis: whole months from the anchor (month 0 = the first session) when there
// is one, else the first days of calendar months; every 1, 2, 3, 6 or 12 months so that at most
// `maxTicks` fit. Each tick: {day, date, months} (months null without an anchor).
export function timeTicks(minDay, maxDay, anchor, maxTicks = 8) {
  const spanMonths = (maxDay - minDay) / 30.44;
  let step = 1;
  for (const s of [1, 2, 3, 6, 12, 24, 60]) {
    step = s;
    if (spanMonths / s <= maxTicks) break;
  }
  const ticks = [];
  let base;
  let from;
  if (anchor && Number.isFinite(dayNumber(anchor))) {
    base = anchor;
    from = Math.floor((minDay - dayNumber(anchor)) / 31 / step) * step - step;
  } else {
    const first = ymdOfDay(minDay);
    base = `${first.slice(0, 7)}-01`;
    from = 0;
    // Calendar ticks on months a multiple of the step (January, April… for a step of 3).
    const month = Number(first.slice(5, 7)) - 1;
    from = -(month % step);
  }
  for (let k = from; ticks.length < 200; k += step) {
    const date = addMonths(base, k);
    const day = dayNumber(date);
    if (day > maxDay) break;
    if (day >= minDay) ticks.push({ day, date, months: anchor ? k : null });
  }
  return ticks;
}

// ---- the drawing ----

function node(tag, attrs, ...children) {
  return { tag, attrs: attrs || {}, children: children.flat(Infinity).filter((c) => c != null) };
}

const r1 = (v) => Math.round(v * 10) / 10;

function defaultNumber(v) {
  return String(tidy(v));
}

// The SVG of one series over the course's time line. opts:
//   width, height        the viewBox (the drawing scales with the width of its box)
//   measure              the measures.json entry (min/max keep the axis inside the scale)
//   formatNumber(v)      tick and value text; formatDate(ymd); tickLabel(tick) for the time axis
//   valueText(v)         a value as the point's title says it (with its unit or code label)
//   labels               {title, baseline, band, session(s), milestone(m)}: words of the page
// Returns {root, x, y, axis}: the node tree and the scales (for tests and overlays).
export function buildChart(series, course, opts = {}) {
  const fmtNum = opts.formatNumber || defaultNumber;
  const fmtDate = opts.formatDate || ((d) => d);
  const valueText = opts.valueText || ((v) => String(v));
  const labels = opts.labels || {};
  const axis = valueAxis(series, opts.measure || {});
  const yLabels = axis.labels || axis.ticks.map(fmtNum);
  const longest = Math.max(1, ...yLabels.map((l) => String(l).length));
  const width = opts.width || 720;
  const rows = series.type === 'code' ? axis.ticks.length : 0;
  const height = opts.height || Math.max(240, 70 + rows * 20);
  const m = { top: 30, right: 18, bottom: 34, left: Math.min(110, 16 + longest * 7.2) };
  const plot = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };
  const dom = timeDomain(series, course) || { min: 0, max: 1 };
  const x = linearScale(dom.min, dom.max, plot.x0, plot.x1);
  const y = linearScale(axis.min, axis.max, plot.y1, plot.y0);
  const xd = (ymd) => r1(x(dayNumber(ymd)));
  const children = [];

  // Grid and value axis.
  const grid = node('g', { class: 'chart-grid' });
  axis.ticks.forEach((v, i) => {
    const yy = r1(y(v));
    grid.children.push(
      node('line', {
        x1: plot.x0,
        x2: plot.x1,
        y1: yy,
        y2: yy,
        stroke: COLORS.grid,
        'stroke-width': 1,
      }),
      node(
        'text',
        {
          class: 'tick-label y-tick',
          x: plot.x0 - 6,
          y: yy + 4,
          'text-anchor': 'end',
          'font-size': 11,
          fill: COLORS.text,
        },
        String(yLabels[i]),
      ),
    );
  });
  children.push(grid);

  // The expected band: the protocol's range of change drawn over the patient's baseline.
  if (series.band) {
    const b = series.band;
    const bx0 = Math.max(plot.x0, xd(b.from));
    const bx1 = Math.min(plot.x1, xd(b.to));
    const top = r1(Math.max(plot.y0, y(Math.max(b.low, b.high))));
    const bottom = r1(Math.min(plot.y1, y(Math.min(b.low, b.high))));
    children.push(
      node(
        'g',
        { class: 'band-group' },
        node(
          'rect',
          {
            class: 'band',
            x: r1(bx0),
            y: top,
            width: r1(Math.max(1, bx1 - bx0)),
            height: r1(Math.max(1, bottom - top)),
            fill: COLORS.band,
            stroke: COLORS.bandEdge,
            'stroke-width': 1,
            'stroke-dasharray': '4 3',
            'data-low': b.low,
            'data-high': b.high,
          },
          node('title', null, labels.bandTitle || labels.band || ''),
        ),
        node(
          'text',
          {
            class: 'band-label',
            x: r1(bx0 + 5),
            y: r1(Math.max(top + 13, plot.y0 + 11)),
            'font-size': 11,
            fill: COLORS.bandText,
          },
          labels.band || '',
        ),
      ),
    );
  }

  // Sessions: a thin vertical line each, numbered at the top.
  if (course) {
    const sess = node('g', { class: 'sessions' });
    for (const s of course.sessions || []) {
      if (!Number.isFinite(dayNumber(s.date))) continue;
      const sx = xd(s.date);
      if (sx < plot.x0 || sx > plot.x1) continue;
      sess.children.push(
        node(
          'line',
          {
            class: 'session',
            'data-seq': s.seq,
            'data-kind': s.kind,
            'data-status': s.status,
            x1: sx,
            x2: sx,
            y1: plot.y0,
            y2: plot.y1,
            stroke: COLORS.session,
            'stroke-width': 1.5,
            'stroke-dasharray': s.status === 'done' ? null : '3 3',
          },
          node('title', null, labels.session ? labels.session(s) : String(s.seq)),
        ),
        node(
          'text',
          {
            class: 'session-label',
            x: sx,
            y: plot.y0 - 6,
            'text-anchor': 'middle',
            'font-size': 10,
            fill: COLORS.text,
          },
          String(s.seq),
        ),
      );
    }
    children.push(sess);
    const miles = node('g', { class: 'milestones' });
    for (const ms of course.milestones || []) {
      if (!Number.isFinite(dayNumber(ms.date))) continue;
      const mx = xd(ms.date);
      if (mx < plot.x0 || mx > plot.x1) continue;
      miles.children.push(
        node(
          'g',
          { class: 'milestone', 'data-code': ms.code, 'data-date': ms.date },
          node('title', null, labels.milestone ? labels.milestone(ms) : ms.code),
          node('line', {
            x1: mx,
            x2: mx,
            y1: plot.y0,
            y2: plot.y1,
            stroke: COLORS.milestone,
            'stroke-width': 1,
            'stroke-dasharray': '1 3',
          }),
          node('path', {
            class: 'milestone-marker',
            d: `M${mx - 6} ${plot.y0 - 14}h12l-6 9z`,
            fill: COLORS.milestone,
          }),
        ),
      );
    }
    children.push(miles);
  }

  // Time axis.
  const xt = timeTicks(dom.min, dom.max, course && course.anchor, width < 500 ? 5 : 8);
  const xaxis = node(
    'g',
    { class: 'chart-x-axis' },
    node('line', {
      x1: plot.x0,
      x2: plot.x1,
      y1: plot.y1,
      y2: plot.y1,
      stroke: COLORS.axis,
      'stroke-width': 1,
    }),
  );
  for (const tk of xt) {
    const tx = r1(x(tk.day));
    xaxis.children.push(
      node('line', {
        x1: tx,
        x2: tx,
        y1: plot.y1,
        y2: plot.y1 + 5,
        stroke: COLORS.axis,
        'stroke-width': 1,
      }),
      node(
        'text',
        {
          class: 'tick-label x-tick',
          'data-date': tk.date,
          x: tx,
          y: plot.y1 + 18,
          'text-anchor': 'middle',
          'font-size': 11,
          fill: COLORS.text,
        },
        opts.tickLabel ? opts.tickLabel(tk) : tk.date,
      ),
    );
  }
  children.push(xaxis);

  // The baseline: a dashed level from its date to the end, so the later values read against it.
  if (series.baseline && Number.isFinite(plotValue(series, series.baseline.value))) {
    const by = r1(y(plotValue(series, series.baseline.value)));
    const bx = xd(series.baseline.date);
    children.push(
      node(
        'g',
        { class: 'baseline', 'data-date': series.baseline.date },
        node('title', null, labels.baselineTitle || labels.baseline || ''),
        node('line', {
          class: 'baseline-line',
          x1: bx,
          x2: plot.x1,
          y1: by,
          y2: by,
          stroke: COLORS.baseline,
          'stroke-width': 1.2,
          'stroke-dasharray': '6 4',
        }),
        node('circle', {
          class: 'baseline-marker',
          cx: bx,
          cy: by,
          r: 8,
          fill: 'none',
          stroke: COLORS.baseline,
          'stroke-width': 1.5,
        }),
        node(
          'text',
          {
            class: 'baseline-label',
            x: r1(Math.min(bx + 12, plot.x1 - 4)),
            // Below the level, where a rising series does not run through it.
            y: r1(by + 15 > plot.y1 - 2 ? by - 6 : by + 15),
            'font-size': 10,
            fill: COLORS.baseline,
          },
          labels.baseline || '',
        ),
      ),
    );
  }

  // The series: a line through the values in date order, a point for each.
  const pts = (series.points || [])
    .map((p) => ({ p, v: plotValue(series, p.value), d: dayNumber(p.date) }))
    .filter((q) => Number.isFinite(q.v) && Number.isFinite(q.d))
    .sort((a, b) => a.d - b.d || (a.p.measurement_id || 0) - (b.p.measurement_id || 0));
  if (pts.length) {
    const d = pts
      .map((q, i) => `${i ? 'L' : 'M'}${r1(x(q.d))} ${r1(y(q.v))}`)
      .join(' ');
    children.push(
      node('path', {
        class: 'series-line',
        d,
        fill: 'none',
        stroke: COLORS.series,
        'stroke-width': 2.5,
        'stroke-linejoin': 'round',
        'stroke-linecap': 'round',
      }),
    );
    const points = node('g', { class: 'points' });
    for (const q of pts) {
      points.children.push(
        node(
          'circle',
          {
            class: 'point',
            'data-measurement-id': q.p.measurement_id,
            'data-set-id': q.p.set_id,
            'data-date': q.p.date,
            'data-value': String(q.p.value),
            cx: r1(x(q.d)),
            cy: r1(y(q.v)),
            r: 4.5,
            fill: COLORS.pointFill,
            stroke: COLORS.point,
            'stroke-width': 2,
          },
          node('title', null, `${fmtDate(q.p.date)}: ${valueText(q.p.value)}`),
        ),
      );
    }
    children.push(points);
  }

  const root = node(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      class: 'chart-svg',
      role: 'img',
      'aria-label': labels.title || null,
      'font-family': 'system-ui, sans-serif',
    },
    children,
  );
  return { root, x, y, axis, plot, width, height };
}

// Turns a node tree of buildChart into SVG elements of `doc`.
export function renderSvg(tree, doc = globalThis.document) {
  const NS = 'http://www.w3.org/2000/svg';
  const make = (n) => {
    if (typeof n === 'string' || typeof n === 'number') return doc.createTextNode(String(n));
    const el = doc.createElementNS(NS, n.tag);
    for (const [k, v] of Object.entries(n.attrs)) {
      if (v === null || v === undefined || k === 'xmlns') continue;
      el.setAttribute(k, String(v));
    }
    for (const c of n.children) el.append(make(c));
    return el;
  };
  return make(tree);
}

// Every node of a tree matching a predicate, depth first (for tests and the value table).
export function findNodes(tree, pred) {
  const out = [];
  const walk = (n) => {
    if (!n || typeof n !== 'object') return;
    if (pred(n)) out.push(n);
    for (const c of n.children) walk(c);
  };
  walk(tree);
  return out;
}
