// Checks the browser's preview of a prescription (web/js/course-plan.js) and its money format
// (web/js/money.js): month arithmetic at month ends, sessions chained by their interval,
// maintenance and follow-ups after their anchors, the quote's lines, discount and total, and
// amounts in minor units written with their currency's decimals. Part of make test.
import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const plan = await import(pathToFileURL(path.join(root, 'web/js/course-plan.js')).href);
const money = await import(pathToFileURL(path.join(root, 'web/js/money.js')).href);

// An invented protocol in the shape of protocols/<code>.json.
const PROTOCOL = {
  code: 'test-course',
  sessions: {
    count: 3,
    interval_days: { target: 28, earliest: 21, latest: 42 },
    first_window_days: 14,
    duration_minutes: 60,
    prep_minutes: 30,
    room_kind: 'treatment',
  },
  maintenance: { every_months: 4, window_days: 14, count: 2 },
  follow_ups: [
    {
      code: 'after-third',
      label: { en: 'Review', ar: 'مراجعة' },
      after: { anchor: 'last_session', days: 30 },
      window_days: 7,
      expect: { en: 'first results', ar: 'النتائج الأولى' },
    },
    {
      code: 'six-months',
      label: { en: 'Six months', ar: 'ستة أشهر' },
      after: { anchor: 'first_session', months: 6 },
      window_days: 14,
      expect: { en: 'assessment', ar: 'تقييم' },
    },
  ],
  pricing: {
    currency: 'AED',
    session_minor: 150000,
    follow_up_minor: 25050,
    package_discount_percent: 15,
  },
};

test('calendar months end on the last day of a shorter month', () => {
  const cases = [
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-10-31', 4, '2027-02-28'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-05-31', -3, '2026-02-28'],
  ];
  for (const [from, n, want] of cases) assert.equal(plan.addMonths(from, n), want, `${from} + ${n}`);
  assert.equal(plan.addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(plan.addDays('2028-03-01', -1), '2028-02-29');
  assert.equal(plan.isDate('2026-02-30'), false);
  assert.equal(plan.isDate('2026-02-28'), true);
  assert.equal(plan.addMonths('not a date', 1), null);
});

test('the plan chains sessions by their interval and anchors the rest', () => {
  const items = plan.planItems(PROTOCOL, '2026-12-01');
  const brief = items.map((i) => [i.seq, i.kind, i.target_date, i.earliest_date, i.latest_date]);
  assert.deepEqual(brief, [
    [1, 'session', '2026-12-01', '2026-12-01', '2026-12-15'],
    [2, 'session', '2026-12-29', '2026-12-22', '2027-01-12'],
    [3, 'session', '2027-01-26', '2027-01-19', '2027-02-09'],
    [4, 'follow_up', '2027-02-25', '2027-02-18', '2027-03-04'],
    [5, 'maintenance', '2027-05-26', '2027-05-12', '2027-06-09'],
    [6, 'follow_up', '2027-06-01', '2027-05-18', '2027-06-15'],
    [7, 'maintenance', '2027-09-26', '2027-09-12', '2027-10-10'],
  ]);
  // Maintenance: every 4 months after the last loading session, then after each other.
  const maint = items.filter((i) => i.kind === 'maintenance').map((i) => i.target_date);
  assert.deepEqual(maint, ['2027-05-26', '2027-09-26']);
  const six = items.find((i) => i.milestone === 'six-months');
  assert.deepEqual([six.target_date, six.earliest_date, six.latest_date], ['2027-06-01', '2027-05-18', '2027-06-15']);
  assert.equal(six.expect.en, 'assessment');
  // In date order, numbered from 1.
  const dates = items.map((i) => i.target_date);
  assert.deepEqual(dates, [...dates].sort());
  assert.deepEqual(items.map((i) => i.seq), items.map((_, n) => n + 1));
  assert.equal(plan.planItems(PROTOCOL, '2026-13-01'), null);
});

test('the quote has a line per kind, the package discount rounded half up, and the total', () => {
  const items = plan.planItems(PROTOCOL, '2026-12-01');
  const single = plan.planQuote(PROTOCOL, items, false);
  assert.deepEqual(single.lines, [
    { kind: 'session', quantity: 3, unit_minor: 150000, total_minor: 450000 },
    { kind: 'maintenance', quantity: 2, unit_minor: 150000, total_minor: 300000 },
    { kind: 'follow_up', quantity: 2, unit_minor: 25050, total_minor: 50100 },
  ]);
  assert.equal(single.subtotal_minor, 800100);
  assert.equal(single.discount_minor, 0);
  assert.equal(single.total_minor, 800100);
  const pkg = plan.planQuote(PROTOCOL, items, true);
  // 15 % of 800100 = 120015 exactly; of 800110 it would be 120016.5 → 120017.
  assert.equal(pkg.discount_percent, 15);
  assert.equal(pkg.discount_minor, 120015);
  assert.equal(pkg.total_minor, 680085);
  const odd = plan.planQuote({ pricing: { currency: 'AED', package_discount_percent: 15 } },
    [{ kind: 'session', price_minor: 800110 }], true);
  assert.equal(odd.discount_minor, 120017);
  // Half a percent: 12.5 % of 1005 = 125.625 → 126; a free follow-up still has its line.
  const half = plan.planQuote({ pricing: { currency: 'AED', package_discount_percent: 12.5 } },
    [{ kind: 'session', price_minor: 1005 }, { kind: 'follow_up', price_minor: 0 }], true);
  assert.equal(half.discount_minor, 126);
  assert.deepEqual(half.lines.map((l) => [l.kind, l.quantity, l.total_minor]), [['session', 1, 1005], ['follow_up', 1, 0]]);
  // Each item knows how many of its kind there are ("Session 2 of 3").
  assert.deepEqual(items.filter((i) => i.kind === 'session').map((i) => [i.number, i.total]), [[1, 3], [2, 3], [3, 3]]);
});

test('amounts use the currency\'s decimals and Latin digits in both languages', () => {
  const cases = [
    [{ currency: 'AED', minor: 150000 }, 'en', 'AED 1,500.00'],
    [{ currency: 'AED', minor: 5 }, 'en', 'AED 0.05'],
    [{ currency: 'KWD', minor: 1234567 }, 'en', 'KWD 1,234.567'],
    [{ currency: 'JPY', minor: 15000 }, 'en', 'JPY 15,000'],
    [{ currency: 'AED', minor: 150000 }, 'ar-u-ca-gregory-nu-latn', 'AED 1,500.00'],
    [{ currency: 'AED', minor: -2550 }, 'en', 'AED -25.50'],
    [{ currency: 'USD', minor: 123456789012 }, 'en', 'USD 1,234,567,890.12'],
  ];
  for (const [m, loc, want] of cases) assert.equal(money.formatMoney(m, loc), want, JSON.stringify(m));
  assert.equal(money.currencyDecimals('BHD'), 3);
  assert.equal(money.formatMoney(null), '');
});
