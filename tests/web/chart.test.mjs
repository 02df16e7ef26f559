// Checks the outcome charts' geometry (web/js/chart.js) without a browser: dates to days, round
// ticks, the value axis of numbers, whole scales and coded grades, month ticks from the anchor
// at month ends, and the drawing itself: points where the values are, the band between baseline
// plus the expected change, sessions and milestones at their dates. Part of make test.
import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const chart = await import(pathToFileURL(path.join(root, 'web/js/chart.js')).href);
const {
  dayNumber,
  ymdOfDay,
  linearScale,
  niceStep,
  numberTicks,
  plotValue,
  valueAxis,
  timeDomain,
  timeTicks,
  buildChart,
  findNodes,
  COLORS,
} = chart;

const byClass = (tree, cls) =>
  findNodes(tree, (n) => (n.attrs.class || '').split(' ').includes(cls));
const close = (a, b, what) => assert.ok(Math.abs(a - b) < 0.06, `${what}: ${a} is not ${b}`);

test('calendar dates become whole days and back', () => {
  assert.equal(dayNumber('1970-01-01'), 0);
  assert.equal(dayNumber('1970-01-02'), 1);
  assert.equal(dayNumber('2024-03-01') - dayNumber('2024-02-28'), 2, 'a leap year');
  assert.ok(Number.isNaN(dayNumber('2024-3-1')));
  assert.ok(Number.isNaN(dayNumber(null)));
  for (const d of ['2026-01-31', '2024-02-29', '1999-12-31']) assert.equal(ymdOfDay(dayNumber(d)), d);
});

test('a linear scale maps the domain ends on the range ends, even reversed', () => {
  const y = linearScale(0, 200, 300, 20);
  assert.equal(y(0), 300);
  assert.equal(y(200), 20);
  assert.equal(y(100), 160);
  const flat = linearScale(5, 5, 0, 100);
  assert.equal(flat(5), 50, 'one value sits in the middle');
});

test('round steps and ticks', () => {
  const table = [
    [100, 5, 20],
    [7, 5, 2],
    [1, 4, 0.25],
    [0.9, 5, 0.2],
    [1200, 6, 200],
    [1300, 6, 250],
    [3, 10, 0.5],
  ];
  for (const [span, n, step] of table) assert.equal(niceStep(span, n), step, `${span}/${n}`);
  assert.deepEqual(numberTicks(103, 161, 5), { min: 100, max: 180, ticks: [100, 120, 140, 160, 180] });
  assert.deepEqual(numberTicks(0.1, 0.5, 4).ticks, [0.1, 0.2, 0.3, 0.4, 0.5], 'no 0.30000000000000004');
  const whole = numberTicks(0, 3, 6, true);
  assert.deepEqual(whole.ticks, [0, 1, 2, 3], 'a whole scale has no half steps');
  const one = numberTicks(50, 50, 5);
  assert.ok(one.min <= 50 && one.max > 50 && one.ticks.length >= 2, 'a single value still gets an axis');
});

test('the value axis: codes by index, short whole scales in full, numbers inside their limits', () => {
  const norwood = { type: 'code', codes: ['I', 'II', 'III', 'IV'], points: [] };
  assert.equal(plotValue(norwood, 'III'), 2);
  assert.ok(Number.isNaN(plotValue(norwood, 'IX')), 'an unknown code is not drawn at 0');
  assert.deepEqual(valueAxis(norwood), { min: 0, max: 3, ticks: [0, 1, 2, 3], labels: ['I', 'II', 'III', 'IV'] });

  const gpa = { type: 'integer', points: [{ date: '2026-01-01', value: 1 }] };
  assert.deepEqual(valueAxis(gpa, { min: -3, max: 3 }).ticks, [-3, -2, -1, 0, 1, 2, 3]);
  const sat = valueAxis({ type: 'integer', points: [] }, { min: 0, max: 10 });
  assert.deepEqual(sat.ticks, [0, 2, 4, 6, 8, 10]);

  const density = {
    type: 'number',
    points: [
      { date: '2026-01-05', value: 0.5 },
      { date: '2026-04-05', value: 40 },
    ],
  };
  const a = valueAxis(density, { min: 0, max: 1000 });
  assert.equal(a.min, 0, 'no negative density on the axis');
  assert.ok(a.max >= 40);
  assert.ok(a.ticks.every((v) => v >= 0));

  const withBand = {
    type: 'number',
    points: [{ date: '2026-01-05', value: 120 }],
    baseline: { date: '2026-01-05', value: 120 },
    band: { from: '2026-04-05', to: '2026-07-05', low: 134, high: 148 },
  };
  const b = valueAxis(withBand, { min: 0, max: 1000 });
  assert.ok(b.min <= 120 && b.max >= 148, `the band's top is inside the axis: ${JSON.stringify(b)}`);
});

test('month ticks from the anchor keep month ends (31 January + 1 month = 28 February)', () => {
  const min = dayNumber('2026-01-20');
  const max = dayNumber('2026-05-10');
  const ticks = timeTicks(min, max, '2026-01-31', 8);
  assert.deepEqual(
    ticks.map((t) => [t.date, t.months]),
    [
      ['2026-01-31', 0],
      ['2026-02-28', 1],
      ['2026-03-31', 2],
      ['2026-04-30', 3],
    ],
  );
  const long = timeTicks(dayNumber('2025-01-01'), dayNumber('2027-01-01'), '2025-02-15', 8);
  assert.ok(long.length <= 8 && long.length >= 4, `${long.length} ticks over two years`);
  assert.ok(long.every((t) => t.months % 3 === 0), 'every third month over two years');
  const cal = timeTicks(dayNumber('2026-02-10'), dayNumber('2026-06-20'), null, 8);
  assert.deepEqual(
    cal.map((t) => [t.date, t.months]),
    [
      ['2026-03-01', null],
      ['2026-04-01', null],
      ['2026-05-01', null],
      ['2026-06-01', null],
    ],
  );
});

test('the time domain covers values, sessions and milestones, two months at least', () => {
  const d = timeDomain(
    { points: [{ date: '2026-03-01', value: 1 }] },
    {
      anchor: '2026-03-02',
      sessions: [{ date: '2026-03-02' }, { date: '2026-05-04' }],
      milestones: [{ date: '2026-09-02' }],
    },
  );
  assert.ok(d.min < dayNumber('2026-03-01') && d.max > dayNumber('2026-09-02'));
  const one = timeDomain({ points: [{ date: '2026-03-01', value: 1 }] }, null);
  assert.ok(one.max - one.min >= 60);
  assert.equal(timeDomain({ points: [] }, null), null);
});

const TIMELINE_COURSE = {
  id: 7,
  anchor: '2026-01-05',
  anchor_kind: 'done',
  sessions: [
    { item_id: 1, seq: 1, kind: 'session', date: '2026-01-05', status: 'done' },
    { item_id: 2, seq: 2, kind: 'session', date: '2026-02-05', status: 'done' },
    { item_id: 3, seq: 3, kind: 'session', date: '2026-03-05', status: 'booked' },
  ],
  milestones: [
    { code: 'first_results', date: '2026-04-05', label: { en: 'First results' } },
    { code: 'assessment_6m', date: '2026-07-05', label: { en: '6 months' } },
  ],
};
const DENSITY = {
  measure: 'hair_density',
  type: 'number',
  codes: null,
  points: [
    { date: '2026-01-03', value: 120, measurement_id: 11, set_id: 1, months: -0.1 },
    { date: '2026-07-01', value: 141.5, measurement_id: 31, set_id: 3, months: 5.9 },
    { date: '2026-04-06', value: 131, measurement_id: 21, set_id: 2, months: 3 },
  ],
  baseline: { date: '2026-01-03', value: 120 },
  band: { from: '2026-04-05', to: '2026-07-05', low: 134, high: 148, change_low: 14, change_high: 28 },
  band_missing: null,
};

test('the drawing puts every point at its date and value, the line in date order', () => {
  const c = buildChart(DENSITY, TIMELINE_COURSE, { measure: { min: 0, max: 1000 } });
  const points = byClass(c.root, 'point');
  assert.equal(points.length, 3);
  for (const p of DENSITY.points) {
    const el = points.find((n) => n.attrs['data-measurement-id'] === p.measurement_id);
    assert.ok(el, `point ${p.measurement_id}`);
    close(el.attrs.cx, c.x(dayNumber(p.date)), 'cx');
    close(el.attrs.cy, c.y(p.value), 'cy');
    assert.equal(el.attrs['data-value'], String(p.value));
    assert.ok(c.plot.y0 <= el.attrs.cy && el.attrs.cy <= c.plot.y1, 'inside the plot');
  }
  const line = byClass(c.root, 'series-line');
  assert.equal(line.length, 1);
  assert.equal(line[0].attrs.stroke, COLORS.series);
  const xs = [...line[0].attrs.d.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
  assert.deepEqual(xs, [...xs].sort((a, b) => a - b), 'time runs left to right');
  assert.equal(xs.length, 3);
  // Nothing but the line is drawn in the line's colour (the screenshot test counts it).
  const same = findNodes(c.root, (n) => n.attrs.stroke === COLORS.series || n.attrs.fill === COLORS.series);
  assert.equal(same.length, 1);
});

test('the band spans its months and the baseline plus the expected change', () => {
  const c = buildChart(DENSITY, TIMELINE_COURSE, { measure: { min: 0, max: 1000 }, labels: { band: 'Expected' } });
  const [band] = byClass(c.root, 'band');
  close(band.attrs.x, c.x(dayNumber('2026-04-05')), 'band start');
  close(band.attrs.x + band.attrs.width, c.x(dayNumber('2026-07-05')), 'band end');
  close(band.attrs.y, c.y(148), 'band top');
  close(band.attrs.y + band.attrs.height, c.y(134), 'band bottom');
  assert.equal(band.attrs.fill, COLORS.band);
  assert.deepEqual(byClass(c.root, 'band-label')[0].children, ['Expected']);
  const noBand = buildChart({ ...DENSITY, band: null, band_missing: 'no_baseline' }, TIMELINE_COURSE, {});
  assert.equal(byClass(noBand.root, 'band').length, 0);
});

test('sessions, milestones and the baseline are marked at their dates', () => {
  const c = buildChart(DENSITY, TIMELINE_COURSE, {
    labels: { session: (s) => `Session ${s.seq}`, milestone: (m) => m.label.en, baseline: 'Baseline' },
  });
  const sessions = byClass(c.root, 'session');
  assert.deepEqual(sessions.map((s) => s.attrs['data-seq']), [1, 2, 3]);
  for (const s of sessions) {
    const item = TIMELINE_COURSE.sessions.find((i) => i.seq === s.attrs['data-seq']);
    close(s.attrs.x1, c.x(dayNumber(item.date)), `session ${item.seq}`);
  }
  assert.equal(sessions[2].attrs['stroke-dasharray'], '3 3', 'a session not yet done is dashed');
  assert.equal(sessions[0].attrs['stroke-dasharray'], null);
  const miles = byClass(c.root, 'milestone');
  assert.deepEqual(miles.map((m) => m.attrs['data-code']), ['first_results', 'assessment_6m']);
  assert.deepEqual(miles[0].children[0], { tag: 'title', attrs: {}, children: ['First results'] });
  const [base] = byClass(c.root, 'baseline-line');
  close(base.attrs.y1, c.y(120), 'baseline level');
  const ticks = byClass(c.root, 'x-tick').map((t) => t.attrs['data-date']);
  assert.ok(ticks.includes('2026-01-05') && ticks.includes('2026-07-05'), ticks.join());
});

test('a coded grade is drawn on its index with the codes on the axis', () => {
  const series = {
    measure: 'norwood',
    type: 'code',
    codes: ['I', 'II', 'III', 'IV', 'V'],
    points: [
      { date: '2026-01-03', value: 'IV', measurement_id: 1, set_id: 1 },
      { date: '2026-07-01', value: 'III', measurement_id: 2, set_id: 2 },
    ],
    baseline: null,
    band: null,
  };
  const c = buildChart(series, null, {});
  const pts = byClass(c.root, 'point');
  close(pts[0].attrs.cy, c.y(3), 'IV');
  close(pts[1].attrs.cy, c.y(2), 'III');
  assert.deepEqual(byClass(c.root, 'y-tick').map((t) => t.children[0]), ['I', 'II', 'III', 'IV', 'V']);
  assert.equal(byClass(c.root, 'session').length, 0, 'no course, no sessions');
});
