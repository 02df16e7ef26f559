// The preview of a course before it is prescribed, computed in the browser from the protocol
// document of GET /api/v1/catalog: its items with target dates and windows, and its quote. The
// server lays out the real plan when the course is prescribed; this shows the same arithmetic
// (sessions chained by their interval, maintenance by months after the loading sessions,
// follow-ups after the first or last session) so the doctor sees what is being prescribed.

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

function parse(ymd) {
  const m = YMD.exec(ymd || '');
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  // 2026-02-30 is not a day: Date would roll it into March.
  if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3])
    return null;
  return d;
}

function format(d) {
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function isDate(ymd) {
  return parse(ymd) !== null;
}

export function addDays(ymd, n) {
  const d = parse(ymd);
  if (!d) return null;
  d.setUTCDate(d.getUTCDate() + n);
  return format(d);
}

// Calendar months; a day the target month lacks becomes its last day (01-31 + 1 month = 02-28),
// like the server's date_add_months.
export function addMonths(ymd, n) {
  const d = parse(ymd);
  if (!d) return null;
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return format(new Date(Date.UTC(y, m, Math.min(d.getUTCDate(), last))));
}

function windowed(target, before, after) {
  return {
    target_date: target,
    earliest_date: addDays(target, -before),
    latest_date: addDays(target, after),
  };
}

function after(ymd, { months = 0, days = 0 } = {}) {
  return addDays(addMonths(ymd, months), days);
}

// The items of `protocol` prescribed to start on `start` (YYYY-MM-DD), in date order:
// [{seq, kind: session|maintenance|follow_up, number (within its kind), milestone, label,
// expect, target_date, earliest_date, latest_date, price_minor}]. null for a bad date.
export function planItems(protocol, start) {
  if (!protocol || !isDate(start)) return null;
  const s = protocol.sessions || {};
  const iv = s.interval_days || {};
  const pricing = protocol.pricing || {};
  const sessionPrice = pricing.session_minor || 0;
  const items = [];
  let prev = null;
  for (let i = 1; i <= (s.count || 0); i += 1) {
    const item =
      i === 1
        ? windowed(start, 0, s.first_window_days || 0)
        : windowed(
            addDays(prev.target_date, iv.target || 0),
            (iv.target || 0) - (iv.earliest ?? iv.target ?? 0),
            (iv.latest ?? iv.target ?? 0) - (iv.target || 0),
          );
    items.push({ kind: 'session', number: i, milestone: null, price_minor: sessionPrice, ...item });
    prev = item;
  }
  const first = items[0] || null;
  const last = items[items.length - 1] || null;
  const mt = protocol.maintenance;
  if (mt && last) {
    let anchor = last;
    for (let i = 1; i <= (mt.count || 0); i += 1) {
      const item = windowed(
        addMonths(anchor.target_date, mt.every_months || 0),
        mt.window_days || 0,
        mt.window_days || 0,
      );
      items.push({
        kind: 'maintenance',
        number: i,
        milestone: null,
        price_minor: sessionPrice,
        ...item,
      });
      anchor = item;
    }
  }
  let n = 0;
  for (const f of protocol.follow_ups || []) {
    const a = f.after || {};
    const anchor = a.anchor === 'last_session' ? last : first;
    if (!anchor) continue;
    n += 1;
    items.push({
      kind: 'follow_up',
      number: n,
      milestone: f.code,
      label: f.label || null,
      expect: f.expect || null,
      price_minor: pricing.follow_up_minor || 0,
      ...windowed(after(anchor.target_date, a), f.window_days || 0, f.window_days || 0),
    });
  }
  const totals = {};
  for (const it of items) totals[it.kind] = (totals[it.kind] || 0) + 1;
  for (const it of items) it.total = totals[it.kind];
  const order = { session: 0, maintenance: 1, follow_up: 2 };
  items.sort((x, y) =>
    x.target_date !== y.target_date
      ? x.target_date < y.target_date
        ? -1
        : 1
      : order[x.kind] - order[y.kind] || x.number - y.number,
  );
  items.forEach((it, i) => {
    it.seq = i + 1;
  });
  return items;
}

// The quote of the plan: one line per kind of item present (loading sessions, maintenance
// sessions, follow-up visits), the package discount (a percentage with up to two decimals) of
// the subtotal rounded half up to a minor unit, and the total.
export function planQuote(protocol, items, packaged) {
  const pricing = (protocol && protocol.pricing) || {};
  const lines = [];
  for (const kind of ['session', 'maintenance', 'follow_up']) {
    const of = (items || []).filter((i) => i.kind === kind);
    if (!of.length) continue;
    const unit = of[0].price_minor || 0;
    lines.push({ kind, quantity: of.length, unit_minor: unit, total_minor: unit * of.length });
  }
  const subtotal = lines.reduce((sum, l) => sum + l.total_minor, 0);
  const percent = packaged ? pricing.package_discount_percent || 0 : 0;
  const hundredths = BigInt(Math.round(percent * 100));
  const discount = subtotal > 0 ? Number((BigInt(subtotal) * hundredths + 5000n) / 10000n) : 0;
  return {
    currency: pricing.currency || '',
    lines,
    subtotal_minor: subtotal,
    discount_percent: percent,
    discount_minor: discount,
    total_minor: subtotal - discount,
  };
}
