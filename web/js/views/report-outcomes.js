// The clinic's outcomes by protocol (#/reports/outcomes), for the clinic manager and the doctors:
// the change in hair density at 3 and 6 months, the share of responders and the adverse-event
// rates of each protocol, filtered by age band, sex, grade and period, with both CSV exports.

import { h, ltr, replace } from '../dom.js';
import { request } from '../api.js';
import { t, tp, tNodes, locale, fmtDate, fmtDateTime, errorText } from '../i18n.js';
import {
  pageHeader,
  button,
  spinner,
  errorBanner,
  emptyState,
  field,
  setFieldError,
  clearFieldErrors,
  setBusy,
} from '../ui.js';
import { loadCatalog, localText, entry } from '../catalog.js';
import { SCALES } from '../scales.js';
import { isDate } from '../schedule.js';

// The report's query parameters, in the order the form shows them and the links carry them.
export const FILTERS = [
  'protocol',
  'age_band',
  'sex',
  'grade',
  'threshold',
  'from',
  'to',
  'baseline_days',
  'window_days',
];
export const AGE_BANDS = ['under_18', '18_29', '30_39', '40_49', '50_59', '60_plus'];
const SEXES = ['female', 'male', 'other', 'unknown'];
// The grading scales of the hair assessment, in the order the assessment form shows them.
const GRADE_SCALES = ['norwood', 'ludwig', 'sinclair', 'savin'];
const MONTHS = [3, 6];
// The largest settings the server accepts (clinic/cohort.h): the browser says so before asking.
const THRESHOLD_MAX = 1000;
const BASELINE_DAYS_MAX = 365;
const WINDOW_DAYS_MAX = 60;
const API = '/api/v1';

// The grades of each scale: the catalogue's measures when the server serves them (the clinic's
// own measures.json), else the assessment's fixed lists.
function gradeCodes(catalog) {
  const measures = (catalog && catalog.measures && catalog.measures.measures) || [];
  const out = {};
  for (const scale of GRADE_SCALES) {
    const m = entry(measures, scale);
    if (m && Array.isArray(m.codes) && m.codes.length) out[scale] = m.codes.map(String);
    else if (m && m.type === 'integer' && Number.isInteger(m.min) && Number.isInteger(m.max))
      out[scale] = Array.from({ length: m.max - m.min + 1 }, (_, i) => String(m.min + i));
    else out[scale] = SCALES[scale].map(String);
  }
  return out;
}

// The filters as a query object: empty values left out, so that the server's defaults apply.
export function filterQuery(values) {
  const q = {};
  for (const k of FILTERS) {
    const v = values[k] === undefined || values[k] === null ? '' : String(values[k]).trim();
    if (v !== '') q[k] = v;
  }
  return q;
}

export function queryText(query) {
  const params = new URLSearchParams();
  for (const k of FILTERS) if (query[k] !== undefined) params.set(k, query[k]);
  const s = params.toString();
  return s ? `?${s}` : '';
}

// Number formats of the interface language (Latin digits in Arabic too, see i18n.js).
function formats() {
  const loc = locale();
  return {
    change: new Intl.NumberFormat(loc, {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
      signDisplay: 'exceptZero',
    }),
    plain: new Intl.NumberFormat(loc, { maximumFractionDigits: 1 }),
    count: new Intl.NumberFormat(loc, { maximumFractionDigits: 0 }),
    share: new Intl.NumberFormat(loc, { style: 'percent', maximumFractionDigits: 1 }),
  };
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// A figure the report could not compute (too few courses, no threshold) reads as a dash with the
// reason on hover and for screen readers.
function none(reasonKey) {
  return h(
    'span',
    { class: 'muted report-none', title: t(reasonKey) },
    h('span', { 'aria-hidden': 'true' }, '—'),
    h('span', { class: 'sr-only' }, t(reasonKey)),
  );
}

function num(v, fmt, reasonKey = 'report.not_enough') {
  return isNum(v) ? ltr(fmt.format(v), 'report-num') : none(reasonKey);
}

function interval(low, high, fmt, reasonKey = 'report.not_enough') {
  if (!isNum(low) || !isNum(high)) return none(reasonKey);
  return h(
    'span',
    { class: 'report-num' },
    tNodes('report.interval', { low: ltr(fmt.format(low)), high: ltr(fmt.format(high)) }),
  );
}

function statRow(stat, label, cells) {
  return h(
    'tr',
    { 'data-stat': stat },
    h('th', { scope: 'row' }, label),
    cells.map((c, i) => h('td', { 'data-months': String(MONTHS[i]) }, c)),
  );
}

function wholeRow(stat, label, content) {
  return h(
    'tr',
    { 'data-stat': stat },
    h('th', { scope: 'row' }, label),
    h('td', { colspan: String(MONTHS.length) }, content),
  );
}

function groupRow(label) {
  return h(
    'tr',
    { class: 'report-group' },
    h('th', { scope: 'rowgroup', colspan: String(MONTHS.length + 1) }, label),
  );
}

function densityRows(p, f) {
  const at = (m) => (p.density && p.density[`m${m}`]) || {};
  return [
    groupRow(t('report.density_group')),
    statRow(
      'n',
      t('report.n'),
      MONTHS.map((m) => num(at(m).n, f.count, 'report.no_courses')),
    ),
    statRow(
      'mean',
      t('report.mean'),
      MONTHS.map((m) => num(at(m).mean, f.change)),
    ),
    statRow(
      'median',
      t('report.median'),
      MONTHS.map((m) => num(at(m).median, f.change)),
    ),
    statRow(
      'sd',
      t('report.sd'),
      MONTHS.map((m) => num(at(m).sd, f.plain)),
    ),
    statRow(
      'ci',
      t('report.ci_mean'),
      MONTHS.map((m) => interval(at(m).ci_low, at(m).ci_high, f.change)),
    ),
  ];
}

function responderRows(p, f) {
  const r = p.responders || {};
  const threshold = isNum(r.threshold) ? r.threshold : null;
  const at = (m) => r[`m${m}`] || {};
  const reason = threshold === null ? 'report.no_threshold_short' : 'report.not_enough';
  return [
    groupRow(
      threshold === null
        ? t('report.responders_group_none')
        : t('report.responders_group', { threshold: f.plain.format(threshold) }),
    ),
    statRow(
      'responders',
      t('report.responders'),
      MONTHS.map((m) => {
        const x = at(m);
        if (threshold === null || !isNum(x.responders) || !isNum(x.n)) return none(reason);
        return h(
          'span',
          { class: 'report-num' },
          tNodes('report.of', {
            k: ltr(f.count.format(x.responders)),
            n: ltr(f.count.format(x.n)),
          }),
        );
      }),
    ),
    statRow(
      'share',
      t('report.share'),
      MONTHS.map((m) => num(threshold === null ? null : at(m).share, f.share, reason)),
    ),
    statRow(
      'share_ci',
      t('report.ci_share'),
      MONTHS.map((m) =>
        threshold === null ? none(reason) : interval(at(m).ci_low, at(m).ci_high, f.share),
      ),
    ),
  ];
}

function adverseRows(p, f) {
  const a = p.adverse || {};
  const treated = isNum(a.patients_treated) ? a.patients_treated : null;
  const withEvent = isNum(a.patients_with_event) ? a.patients_with_event : null;
  return [
    groupRow(t('report.adverse_group')),
    wholeRow('procedures', t('report.procedures'), num(a.procedures, f.count, 'report.none_value')),
    wholeRow('events', t('report.events'), num(a.events, f.count, 'report.none_value')),
    wholeRow('serious', t('report.serious'), num(a.serious, f.count, 'report.none_value')),
    wholeRow(
      'per_100',
      t('report.per_100'),
      num(a.per_100_procedures, f.plain, 'report.no_procedures'),
    ),
    wholeRow(
      'patients_with_event',
      t('report.patients_with_event'),
      treated === null || withEvent === null
        ? none('report.none_value')
        : treated === 0
          ? none('report.no_treated')
          : h(
              'span',
              { class: 'report-num' },
              tNodes('report.of_share', {
                k: ltr(f.count.format(withEvent)),
                n: ltr(f.count.format(treated)),
                share: ltr(isNum(a.patient_share) ? f.share.format(a.patient_share) : '—'),
              }),
            ),
    ),
  ];
}

function protocolCard(p, f) {
  const code = p.protocol;
  const title = localText(p.label) || code;
  const courses = isNum(p.courses) ? p.courses : 0;
  const patients = isNum(p.patients) ? p.patients : 0;
  const head = h(
    'thead',
    null,
    h(
      'tr',
      null,
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('report.figure'))),
      MONTHS.map((m) =>
        h('th', { scope: 'col', 'data-months': String(m) }, tp('report.months', m)),
      ),
    ),
  );
  const table = h(
    'table',
    { id: `report-table-${code}`, class: 'table table-report' },
    h('caption', { class: 'sr-only' }, t('report.table_caption', { protocol: title })),
    head,
    h('tbody', null, densityRows(p, f)),
    h('tbody', null, responderRows(p, f)),
    h('tbody', null, adverseRows(p, f)),
  );
  const notes = [];
  if (!courses)
    notes.push(h('p', { class: 'report-note report-empty' }, t('report.no_courses_protocol')));
  if (!(p.responders && isNum(p.responders.threshold)))
    notes.push(h('p', { class: 'report-note report-no-threshold' }, t('report.no_threshold')));
  return h(
    'section',
    {
      class: 'card card-flush report-card',
      'data-protocol': code,
      'aria-labelledby': `report-title-${code}`,
    },
    h(
      'header',
      { class: 'report-card-header' },
      h('h2', { class: 'report-card-title', id: `report-title-${code}` }, title),
      h(
        'p',
        { class: 'report-card-counts muted' },
        h('span', { 'data-count': 'courses' }, tp('report.courses', courses)),
        ' · ',
        h('span', { 'data-count': 'patients' }, tp('report.patients', patients)),
      ),
    ),
    notes,
    h('div', { class: 'table-wrap' }, table),
  );
}

// The plain-language warning that stands above the figures: what a before-after change in one
// clinic can say, and why it is not the literature's gain over control.
function caveat(settings) {
  const s = settings || {};
  return h(
    'aside',
    { id: 'report-caveat', class: 'banner banner-warning report-caveat', role: 'note' },
    h(
      'div',
      { class: 'banner-body' },
      h('p', { class: 'report-caveat-title' }, t('report.caveat_title')),
      h('p', null, t('report.caveat_text')),
      h('p', null, t('report.caveat_literature')),
      h(
        'p',
        { class: 'small', id: 'report-windows' },
        t('report.windows', {
          baseline: isNum(s.baseline_days) ? s.baseline_days : 90,
          window: isNum(s.window_days) ? s.window_days : 30,
        }),
      ),
    ),
  );
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('report.title'));
  const catalog = await loadCatalog();
  if (!ctx.alive()) return;
  const protocols = (catalog && catalog.protocols) || [];
  const grades = gradeCodes(catalog);

  const start = ctx.restored || Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || '']));

  const select = (options) => h('select', { class: 'input select' }, options);
  const allOption = (key) => h('option', { value: '' }, t(key));
  const controls = {
    protocol: select([
      allOption('report.all_protocols'),
      protocols.map((p) => h('option', { value: p.code }, localText(p.label) || p.code)),
    ]),
    age_band: select([
      allOption('report.all_ages'),
      AGE_BANDS.map((b) => h('option', { value: b }, t(`report.age_band.${b}`))),
    ]),
    sex: select([
      allOption('report.all_sexes'),
      SEXES.map((s) => h('option', { value: s }, t(`sex.${s}`))),
    ]),
    grade: select([
      allOption('report.all_grades'),
      GRADE_SCALES.map((scale) =>
        h(
          'optgroup',
          { label: t(`scale.${scale}`) },
          grades[scale].map((g) =>
            h(
              'option',
              { value: `${scale}:${g}` },
              t('report.grade_option', { scale: t(`report.scale_short.${scale}`), grade: g }),
            ),
          ),
        ),
      ),
    ]),
    threshold: h('input', {
      type: 'number',
      class: 'input',
      min: '0',
      max: String(THRESHOLD_MAX),
      step: '0.1',
      inputmode: 'decimal',
      placeholder: t('report.threshold_default'),
    }),
    from: h('input', { type: 'date', class: 'input' }),
    to: h('input', { type: 'date', class: 'input' }),
    baseline_days: h('input', {
      type: 'number',
      class: 'input',
      min: '0',
      step: '1',
      inputmode: 'numeric',
      max: String(BASELINE_DAYS_MAX),
      placeholder: '90',
    }),
    window_days: h('input', {
      type: 'number',
      class: 'input',
      min: '0',
      step: '1',
      inputmode: 'numeric',
      max: String(WINDOW_DAYS_MAX),
      placeholder: '30',
    }),
  };
  for (const k of FILTERS) {
    const v = start[k] || '';
    const c = controls[k];
    if (c.tagName === 'SELECT') {
      c.value = [...c.options].some((o) => o.value === v) ? v : '';
    } else if (k === 'from' || k === 'to') {
      c.value = isDate(v) ? v : '';
    } else {
      c.value = v;
    }
  }
  const current = () => Object.fromEntries(FILTERS.map((k) => [k, controls[k].value]));
  ctx.setSaveState(current);

  const hints = {
    threshold: t('report.threshold_hint'),
    baseline_days: t('report.baseline_days_hint'),
    window_days: t('report.window_days_hint'),
  };
  const run = button(t('report.run'), {
    kind: 'primary',
    type: 'submit',
    id: 'report-run',
    iconName: 'refresh',
  });
  const formError = h('div', { class: 'report-form-error' });
  const form = h(
    'form',
    {
      id: 'report-filters',
      class: 'report-filters',
      novalidate: true,
      role: 'search',
      'aria-label': t('report.filters'),
    },
    h(
      'div',
      { class: 'report-filters-grid' },
      FILTERS.map((k) =>
        field({
          form: 'report',
          name: k,
          label: t(`report.filter.${k}`),
          control: controls[k],
          hint: hints[k],
        }),
      ),
    ),
    formError,
    h('div', { class: 'form-actions report-actions' }, run),
  );

  const csv = h(
    'a',
    { id: 'report-csv', class: 'btn btn-secondary', download: 'outcomes.csv' },
    t('report.csv'),
  );
  const coursesCsv = h(
    'a',
    { id: 'report-courses-csv', class: 'btn btn-secondary', download: 'outcome-courses.csv' },
    t('report.courses_csv'),
  );
  const caveatSlot = h('div', { class: 'report-caveat-slot' }, caveat(null));
  const meta = h('p', { class: 'small muted report-meta', 'aria-live': 'polite' });
  const results = h('div', {
    id: 'report-results',
    class: 'report-results',
    'aria-live': 'polite',
  });

  main.append(
    h(
      'section',
      { class: 'page', id: 'report-outcomes' },
      pageHeader(t('report.title'), {
        subtitle: t('report.subtitle'),
        actions: [csv, coursesCsv],
      }),
      h('div', { class: 'card' }, form),
      caveatSlot,
      meta,
      results,
    ),
  );

  // The links export what the figures on the page show: the filters of the last run.
  function setLinks(query) {
    const q = queryText(query);
    csv.href = `${API}/reports/outcomes.csv${q}`;
    coursesCsv.href = `${API}/reports/outcomes/courses.csv${q}`;
  }

  let controller = null;
  let seq = 0;

  async function load() {
    clearFieldErrors(form);
    replace(formError);
    const values = current();
    if (isDate(values.from) && isDate(values.to) && values.from > values.to) {
      setFieldError(form, 'to', t('report.to_before_from'));
      controls.to.focus();
      return;
    }
    const query = filterQuery(values);
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++seq;
    results.setAttribute('aria-busy', 'true');
    results.classList.add('is-loading');
    if (!results.firstChild) replace(results, spinner());
    setBusy(run, true);
    let body;
    try {
      body = await request('GET', '/reports/outcomes', { query, signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq || !ctx.alive()) return;
      setBusy(run, false);
      results.removeAttribute('aria-busy');
      results.classList.remove('is-loading');
      if (!(
        err.field &&
        FILTERS.includes(err.field) &&
        setFieldError(form, err.field, errorText(err))
      ))
        replace(formError, errorBanner(err));
      else controls[err.field].focus();
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    setBusy(run, false);
    results.removeAttribute('aria-busy');
    results.classList.remove('is-loading');
    // The link of the page keeps the filters: a reload or a shared link shows the same report.
    history.replaceState(null, '', `#/reports/outcomes${queryText(query)}`);
    setLinks(query);
    replace(caveatSlot, caveat(body && body.settings));
    const f = formats();
    const list = (body && body.protocols) || [];
    meta.textContent =
      body && body.generated_at
        ? t('report.generated', { at: fmtDateTime(body.generated_at) })
        : '';
    if (query.from || query.to) {
      meta.append(
        ' · ',
        t('report.period', {
          from: query.from ? fmtDate(query.from) : t('report.open_start'),
          to: query.to ? fmtDate(query.to) : t('report.open_end'),
        }),
      );
    }
    if (!list.length) {
      replace(
        results,
        h('div', { class: 'card' }, emptyState(t('report.none'), t('report.none_text'))),
      );
      return;
    }
    replace(
      results,
      list.map((p) => protocolCard(p, f)),
    );
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  ctx.onCleanup(() => {
    if (controller) controller.abort();
  });
  setLinks(filterQuery(current()));
  await load();
}
