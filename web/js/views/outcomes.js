// A patient's outcomes (#/patients/<id>/outcomes): each measure over time as a chart against the
// chosen course's sessions, milestones and the protocol's expected band, with a table of values
// under each; recording a set of measurements at a visit, correcting or voiding one value with a
// reason, importing a trichoscopy CSV after a preview, and the outcome report PDF in either language.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tp, tNodes, has, fmtDate, fmtDateTime, fmtNumber, errorText } from '../i18n.js';
import { can, session } from '../session.js';
import {
  button,
  badge,
  spinner,
  errorBanner,
  emptyState,
  openDialog,
  setBusy,
  toast,
  field,
  setFieldError,
  clearFieldErrors,
} from '../ui.js';
import { displayName } from '../names.js';
import { loadCatalog, localText, entry } from '../catalog.js';
import { clinicalHeading, showServerError, textOrNull } from '../clinical.js';
import { loadClinic } from '../schedule.js';
import { buildChart, renderSvg } from '../chart.js';
import { patientTabs, patientStrip } from './patient-tabs.js';

const enc = (v) => encodeURIComponent(String(v));
const MAX_FILE_BYTES = 8 << 20;
const REASON_MIN = 10;
const REASON_MAX = 1000;
// The measures of the form in three groups, by the complaint they belong to.
const GROUPS = [
  ['hair', (m) => m.complaint === 'hair'],
  ['face', (m) => m.complaint === 'face'],
  ['both', (m) => !m.complaint],
];

function whoName(u) {
  return u ? u.display_name || u.username : t('history.system');
}

function dash() {
  return h('span', { class: 'muted' }, '—');
}

function todayLocal() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// ---- measures and their values ----

export function measureLabel(m, code) {
  return m ? localText(m.label) : code;
}

function unitText(m) {
  return m && m.unit ? localText(m.unit) : '';
}

// The parts of a value as people read it: the number or code (kept left to right), its unit
// or, for a whole scale with words, the words ("+1", "slightly better").
function valueParts(m, value) {
  if (value === null || value === undefined) return { num: '', unit: '', words: '' };
  if (!m || m.type === 'code') return { num: String(value), unit: '', words: '' };
  const n = typeof value === 'number' ? value : Number(value);
  let num = Number.isFinite(n) ? fmtNumber(n) : String(value);
  if (m.type === 'integer' && m.min < 0 && n > 0) num = `+${num}`;
  const words = m.labels && m.labels[String(value)] ? localText(m.labels[String(value)]) : '';
  return { num, unit: words ? '' : unitText(m), words };
}

export function valueText(m, value) {
  const { num, unit, words } = valueParts(m, value);
  if (words) return `${num} (${words})`;
  return unit ? `${num} ${unit}` : num;
}

// The value as an element: the number left to right, the unit or words in the page's direction
// after it (so an Arabic unit follows the number as Arabic reads).
function valueEl(m, value, cls) {
  const { num, unit, words } = valueParts(m, value);
  return h(
    'span',
    { class: cls || 'nowrap' },
    ltr(num),
    unit ? [' ', h('bdi', null, unit)] : null,
    words ? [' (', h('bdi', null, words), ')'] : null,
  );
}

// A whole scale short enough to choose from a list (global photographic assessment, grades).
function isShortScale(m) {
  return (
    m.type === 'integer' &&
    (m.labels || (Number.isFinite(m.min) && Number.isFinite(m.max) && m.max - m.min <= 10))
  );
}

// The control for one measure's value: a select of codes or of a short scale, else a number.
function valueControl(m, { name, id, value } = {}) {
  const v = value === null || value === undefined ? '' : String(value);
  if (m.type === 'code' || isShortScale(m)) {
    const options = [];
    if (m.type === 'code') {
      for (const c of m.codes || []) options.push([c, c]);
    } else {
      for (let i = m.min; i <= m.max; i += 1) {
        const words = m.labels && m.labels[String(i)] ? localText(m.labels[String(i)]) : '';
        const num = m.min < 0 && i > 0 ? `+${i}` : String(i);
        options.push([String(i), words ? `${num} · ${words}` : num]);
      }
    }
    const sel = h(
      'select',
      { class: 'input select', name, id },
      h('option', { value: '' }, t('outcomes.no_value')),
      options.map(([val, text]) => h('option', { value: val, selected: val === v }, text)),
    );
    return sel;
  }
  const step = m.type === 'integer' ? '1' : m.decimals ? String(10 ** -m.decimals) : 'any';
  return h('input', {
    type: 'number',
    class: 'input',
    name,
    id,
    step,
    min: Number.isFinite(m.min) ? String(m.min) : null,
    max: Number.isFinite(m.max) ? String(m.max) : null,
    inputmode: 'decimal',
    dir: 'ltr',
    value: v,
  });
}

// The value of a control in the API's shape: a string for a code, a number otherwise; text the
// browser could not read as a number goes as it is, so the server names the field.
function controlValue(m, control) {
  const raw = control.value.trim();
  if (raw === '') return control.validity && control.validity.badInput ? control.value : null;
  if (m.type === 'code') return raw;
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

function reasonProblem(text) {
  if (!text) return t('error.required');
  if ([...text].length < REASON_MIN) return t('error.too_short.reason');
  if ([...text].length > REASON_MAX) return t('error.too_long.reason');
  return null;
}

function courseOptionText(c) {
  const parts = [localText(c.label) || c.protocol];
  if (c.start_date) parts.push(fmtDate(c.start_date));
  if (c.status) parts.push(t(`course.status.${c.status}`));
  return parts.join(' · ');
}

function csvErrorText(code) {
  if (has(`outcomes.csv_error.${code}`)) return t(`outcomes.csv_error.${code}`);
  if (has(`labs.csv_error.${code}`)) return t(`labs.csv_error.${code}`);
  if (has(`error.${code}`)) return t(`error.${code}`);
  return t('labs.csv_error.other');
}

function importFailure(err) {
  const text = has(`outcomes.import_error.${err.code}`)
    ? t(`outcomes.import_error.${err.code}`)
    : errorText(err);
  return h(
    'div',
    { class: 'banner banner-error', role: 'alert' },
    icon('alert'),
    h(
      'div',
      { class: 'banner-body' },
      h('p', null, text),
      err.message && err.message !== text
        ? h('p', { class: 'server-detail', lang: 'en', dir: 'ltr' }, err.message)
        : null,
    ),
  );
}

// ---- the chart of one series ----

function monthsText(months) {
  if (months === null || months === undefined) return dash();
  const n = Math.round(months * 10) / 10;
  return ltr(fmtNumber(n), 'nowrap');
}

function changeText(m, series, value) {
  if (!series.baseline || m.type === 'code') return dash();
  const d = Number(value) - Number(series.baseline.value);
  if (!Number.isFinite(d)) return dash();
  const rounded = Math.round(d * 1000) / 1000;
  const s = (rounded > 0 ? '+' : rounded < 0 ? '−' : '±') + fmtNumber(Math.abs(rounded));
  const unit = m.labels ? '' : unitText(m);
  return h('span', { class: 'nowrap' }, ltr(s), unit ? [' ', h('bdi', null, unit)] : null);
}

// The protocol's words for the band, ended as a sentence so the page's own sentence can follow.
function bandText(band) {
  const text = (localText(band.label) || '').trim();
  return text && !/[.!?؟]$/.test(text) ? `${text}.` : text;
}

export function chartFigure(series, course, measure) {
  const m = measure || {
    code: series.measure,
    type: series.type,
    codes: series.codes,
    label: series.label,
    unit: series.unit,
  };
  const title = localText(series.label) || measureLabel(measure, series.measure);
  const unit = series.unit ? localText(series.unit) : unitText(measure);
  const sessionText = (s) =>
    `${t('outcomes.chart.session', { n: s.seq })} · ${fmtDate(s.date)} · ${t(
      `course.item_status.${s.status}`,
    )}`;
  const options = {
    measure: measure || {},
    formatNumber: (v) => fmtNumber(v),
    formatDate: fmtDate,
    valueText: (v) => valueText(m, v),
    tickLabel: (tk) =>
      tk.months === null ? fmtDate(tk.date) : t('outcomes.chart.month_tick', { n: tk.months }),
    labels: {
      title: unit ? `${title} (${unit})` : title,
      baseline: t('outcomes.chart.baseline'),
      baselineTitle: series.baseline
        ? `${t('outcomes.chart.baseline')}: ${fmtDate(series.baseline.date)} · ${valueText(
            m,
            series.baseline.value,
          )}`
        : '',
      band: t('outcomes.chart.band'),
      bandTitle: series.band ? bandText(series.band) : '',
      session: sessionText,
      milestone: (ms) =>
        `${localText(ms.label)} · ${fmtDate(ms.date)}${ms.expect ? `\n${localText(ms.expect)}` : ''}`,
    },
  };
  // Drawn at the box's own width in pixels, so the axis text keeps its size in a narrow column;
  // the viewBox still scales the drawing until the next redraw.
  const box = h('div', { class: 'chart-box', dir: 'ltr' });
  let drawnWidth = 0;
  const draw = () => {
    const w = Math.round(box.clientWidth) || 720;
    if (Math.abs(w - drawnWidth) < 8) return;
    drawnWidth = w;
    const { root } = buildChart(series, course, { ...options, width: Math.max(280, w) });
    replace(box, renderSvg(root));
  };
  const points = [...(series.points || [])].sort(
    (a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.measurement_id - b.measurement_id),
  );
  const table = h(
    'table',
    { class: 'table table-compact outcome-values' },
    h('caption', { class: 'sr-only' }, t('outcomes.values_caption', { measure: title })),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('outcomes.date')),
        h('th', { scope: 'col' }, t('outcomes.value')),
        h('th', { scope: 'col' }, t('outcomes.months_after')),
        h('th', { scope: 'col' }, t('outcomes.change')),
      ),
    ),
    h(
      'tbody',
      null,
      points.map((p) =>
        h(
          'tr',
          {
            'data-measurement-id': String(p.measurement_id),
            class:
              series.baseline &&
              series.baseline.date === p.date &&
              String(series.baseline.value) === String(p.value)
                ? 'is-baseline'
                : null,
          },
          h('td', { class: 'nowrap' }, fmtDate(p.date)),
          h('td', null, valueEl(m, p.value, 'strong nowrap')),
          h('td', null, monthsText(p.months)),
          h('td', null, changeText(m, series, p.value)),
        ),
      ),
    ),
  );
  let bandNote = null;
  if (series.band) {
    const srcs = series.band.sources || [];
    bandNote = h(
      'div',
      { class: 'band-note' },
      h('span', { class: 'legend-swatch legend-band', 'aria-hidden': 'true' }),
      h(
        'p',
        null,
        h('strong', null, t('outcomes.band_title')),
        ' ',
        bandText(series.band),
        ' ',
        t('outcomes.band_over_baseline', {
          from: fmtDate(series.band.from),
          to: fmtDate(series.band.to),
        }),
        srcs.length
          ? h(
              'span',
              { class: 'band-sources muted small' },
              ' ',
              t('outcomes.sources'),
              ' ',
              srcs.map((s, i) => [
                i ? '; ' : '',
                h('cite', { lang: 'en', dir: 'ltr', title: s.citation || null }, s.id),
                s.tier ? ` (${s.tier})` : '',
              ]),
            )
          : null,
      ),
    );
  } else if (series.band_missing) {
    bandNote = h(
      'p',
      { class: 'band-missing', 'data-reason': series.band_missing },
      icon('alert'),
      t(`outcomes.band_missing.${series.band_missing}`),
    );
  }
  const figure = h(
    'figure',
    { class: 'outcome-chart card', 'data-measure': series.measure },
    h(
      'figcaption',
      { class: 'outcome-chart-title' },
      h('h3', { class: 'card-title' }, title),
      unit ? h('span', { class: 'muted' }, ' ', ltr(unit)) : null,
      series.baseline
        ? h(
            'span',
            { class: 'outcome-baseline small' },
            tNodes('outcomes.baseline_text', {
              value: valueEl(m, series.baseline.value),
              date: h('time', { datetime: series.baseline.date }, fmtDate(series.baseline.date)),
            }),
          )
        : null,
    ),
    // Time runs left to right in Arabic too: the drawing is never mirrored.
    box,
    bandNote,
    h('div', { class: 'table-wrap' }, table),
  );
  return { figure, draw };
}

// ---- the page ----

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'outcomes-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog;
  let clinic = null;
  try {
    [patient, catalog] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog(),
    ]);
    clinic = await loadClinic().catch(() => null);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(
      page,
      h(
        'a',
        { class: 'back-link', href: '#/patients' },
        icon('chevronStart', 'flip-rtl'),
        t('nav.patients'),
      ),
      errorBanner(err),
    );
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('outcomes.title')} · ${displayName(patient)}`);
  const today = (clinic && clinic.today) || todayLocal();
  const cat = catalog.measures || { methods: [], measures: [], photo_views: [], sources: [] };
  const measures = cat.measures || [];
  const methods = cat.methods || [];
  const measureOf = (code) => entry(measures, code);
  const canRecord = can('outcome.record') && !patient.deleted;
  const restored = (ctx.restored && ctx.restored.outcomes) || {};
  let showVoided = !!restored.showVoided;
  let courseId = restored.courseId ?? (ctx.query.get('course') || null);
  let timeline = null;
  let sets = [];

  // ---- heading, course bar, report links ----
  const reportEn = h(
    'a',
    { id: 'outcome-report-en', class: 'btn btn-secondary', target: '_blank', rel: 'noopener' },
    icon('history'),
    h('span', null, t('outcomes.report_en')),
  );
  const reportAr = h(
    'a',
    {
      id: 'outcome-report-ar',
      class: 'btn btn-secondary',
      target: '_blank',
      rel: 'noopener',
      lang: 'ar',
    },
    icon('history'),
    h('span', null, t('outcomes.report_ar')),
  );
  function updateReportLinks() {
    for (const [a, l] of [
      [reportEn, 'en'],
      [reportAr, 'ar'],
    ]) {
      const q = new URLSearchParams({ lang: l });
      if (timeline && timeline.course) q.set('course_id', String(timeline.course.id));
      a.href = `/api/v1/patients/${enc(patient.id)}/outcome-report.pdf?${q}`;
    }
  }
  const actions = [];
  if (canRecord) {
    actions.push(
      button(t('outcomes.new'), {
        kind: 'primary',
        iconName: 'plus',
        id: 'new-measurements',
        onclick: () => openRecord(),
      }),
      button(t('outcomes.import'), {
        iconName: 'refresh',
        id: 'import-trichoscopy',
        onclick: () => openImport(),
      }),
    );
  }
  const courseSel = h('select', { id: 'timeline-course', class: 'input select' });
  courseSel.addEventListener('change', () => {
    courseId = courseSel.value || null;
    const q = courseId ? `?course=${enc(courseId)}` : '';
    history.replaceState(null, '', `#/patients/${enc(patient.id)}/outcomes${q}`);
    loadTimeline();
  });
  const courseInfo = h('div', { class: 'timeline-course-info' });
  const notesBox = h('div', { id: 'timeline-notes', class: 'timeline-notes' });
  const chartsBox = h('div', { id: 'outcome-charts', class: 'outcome-charts', 'aria-live': 'polite' });
  const timelineError = h('div', { class: 'error-slot' });

  const courseCard = h(
    'section',
    { class: 'card timeline-card', 'aria-labelledby': 'timeline-title' },
    h(
      'div',
      { class: 'timeline-head' },
      h('h2', { id: 'timeline-title', class: 'card-title' }, t('outcomes.timeline_title')),
      h(
        'div',
        { class: 'field timeline-course-field' },
        h('label', { class: 'field-label', for: 'timeline-course' }, t('outcomes.course')),
        courseSel,
      ),
      h('div', { class: 'report-links' }, reportEn, reportAr),
    ),
    courseInfo,
    notesBox,
  );

  function renderCourse() {
    const tl = timeline;
    clear(courseSel);
    const courses = tl.courses || [];
    if (!courses.length) courseSel.append(h('option', { value: '' }, t('outcomes.no_courses')));
    for (const c of courses) {
      courseSel.append(
        h(
          'option',
          { value: String(c.id), selected: tl.course && tl.course.id === c.id },
          courseOptionText(c),
        ),
      );
    }
    courseSel.disabled = courses.length === 0;
    clear(courseInfo);
    clear(notesBox);
    const c = tl.course;
    if (!c) {
      courseInfo.append(h('p', { class: 'muted' }, t('outcomes.no_course_text')));
      return;
    }
    const done = (c.sessions || []).filter((s) => s.status === 'done').length;
    courseInfo.append(
      h(
        'dl',
        { class: 'timeline-facts' },
        h('dt', null, t('outcomes.anchor')),
        h(
          'dd',
          { 'data-anchor-kind': c.anchor_kind || '' },
          c.anchor
            ? [
                h('time', { datetime: c.anchor }, fmtDate(c.anchor)),
                c.anchor_kind === 'planned'
                  ? [' ', badge(t('outcomes.anchor_planned'), 'warning')]
                  : null,
              ]
            : t('outcomes.anchor_none'),
        ),
        h('dt', null, t('outcomes.sessions')),
        h('dd', null, tp('outcomes.sessions_done', done, { total: (c.sessions || []).length })),
        h('dt', null, t('outcomes.status')),
        h('dd', null, t(`course.status.${c.status}`)),
      ),
    );
    if ((c.milestones || []).length) {
      courseInfo.append(
        h(
          'ul',
          { class: 'timeline-milestones' },
          c.milestones.map((ms) =>
            h(
              'li',
              { 'data-code': ms.code },
              h('span', { class: 'legend-swatch legend-milestone', 'aria-hidden': 'true' }),
              h('strong', null, localText(ms.label)),
              ' ',
              h('time', { class: 'nowrap muted', datetime: ms.date }, fmtDate(ms.date)),
              ms.expect ? h('p', { class: 'muted small' }, localText(ms.expect)) : null,
            ),
          ),
        ),
      );
    }
    if ((c.notes || []).length) {
      notesBox.append(
        h('h3', { class: 'section-title' }, t('outcomes.notes_title')),
        h(
          'ul',
          { class: 'evidence-notes' },
          c.notes.map((n) => h('li', null, localText(n))),
        ),
      );
    }
  }

  function renderCharts() {
    clear(chartsBox);
    const series = (timeline && timeline.series) || [];
    if (!series.length) {
      chartsBox.append(
        h(
          'div',
          { class: 'card' },
          emptyState(t('outcomes.none'), canRecord ? t('outcomes.none_hint') : null),
        ),
      );
      return;
    }
    chartsBox.append(
      h(
        'p',
        { class: 'chart-legend muted small' },
        h('span', { class: 'legend-swatch legend-series', 'aria-hidden': 'true' }),
        t('outcomes.legend.values'),
        h('span', { class: 'legend-swatch legend-session', 'aria-hidden': 'true' }),
        t('outcomes.legend.sessions'),
        h('span', { class: 'legend-swatch legend-milestone', 'aria-hidden': 'true' }),
        t('outcomes.legend.milestones'),
        h('span', { class: 'legend-swatch legend-baseline', 'aria-hidden': 'true' }),
        t('outcomes.legend.baseline'),
        h('span', { class: 'legend-swatch legend-band', 'aria-hidden': 'true' }),
        t('outcomes.legend.band'),
      ),
    );
    drawers = [];
    for (const s of series) {
      const { figure, draw } = chartFigure(s, timeline.course, measureOf(s.measure));
      chartsBox.append(figure);
      drawers.push(draw);
    }
    for (const draw of drawers) draw();
  }
  let drawers = [];
  if (typeof ResizeObserver === 'function') {
    let pending = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => drawers.forEach((draw) => draw()));
    });
    observer.observe(chartsBox);
    ctx.onCleanup(() => observer.disconnect());
  }

  async function loadTimeline() {
    chartsBox.setAttribute('aria-busy', 'true');
    let body;
    try {
      body = await request('GET', `/patients/${enc(patient.id)}/timeline`, {
        query: courseId ? { course_id: courseId } : {},
      });
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      chartsBox.removeAttribute('aria-busy');
      replace(timelineError, errorBanner(err, { retry: loadTimeline }));
      return;
    }
    if (!ctx.alive()) return;
    clear(timelineError);
    timeline = body;
    courseId = body.course ? String(body.course.id) : null;
    renderCourse();
    renderCharts();
    updateReportLinks();
    chartsBox.removeAttribute('aria-busy');
  }

  // ---- the sets ----
  const showVoidedBox = h('input', { type: 'checkbox', id: 'show-voided', checked: showVoided });
  showVoidedBox.addEventListener('change', () => {
    showVoided = showVoidedBox.checked;
    loadSets();
  });
  const setsList = h('div', { id: 'measurement-sets', class: 'measurement-sets' });
  const setsError = h('div', { class: 'error-slot' });
  const setsCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'sets-title' },
    h(
      'div',
      { class: 'toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { id: 'sets-title', class: 'card-title' }, t('outcomes.sets_title')),
        h('p', { class: 'toolbar-hint' }, t('outcomes.sets_hint')),
      ),
      h(
        'label',
        { class: 'checkbox', for: 'show-voided' },
        showVoidedBox,
        h('span', null, t('outcomes.show_voided')),
      ),
    ),
    setsError,
    setsList,
  );

  function courseName(id) {
    const c = ((timeline && timeline.courses) || []).find((x) => x.id === id);
    return c ? courseOptionText(c) : `#${id}`;
  }

  function valueRow(set, v) {
    const m = measureOf(v.measure);
    const cells = [
      h('th', { scope: 'row', class: 'measure-name' }, measureLabel(m, v.measure)),
      h(
        'td',
        { class: 'measure-value' },
        valueEl(m, v.value, 'strong nowrap'),
        v.version > 1
          ? [
              ' ',
              h(
                'button',
                {
                  type: 'button',
                  class: 'link-btn small',
                  'data-action': 'measurement-versions',
                  onclick: () => openVersions(v),
                },
                t('outcomes.corrected', { n: v.version }),
              ),
            ]
          : null,
      ),
      h(
        'td',
        { class: 'measure-state small' },
        v.voided
          ? h(
              'span',
              { class: 'voided-note' },
              badge(t('outcomes.voided'), 'danger'),
              ' ',
              tNodes('outcomes.voided_by', {
                who: h('bdi', null, whoName(v.voided.by)),
                when: h('time', { datetime: v.voided.at }, fmtDateTime(v.voided.at)),
              }),
              h('span', { class: 'pre-wrap void-reason' }, v.voided.reason),
            )
          : null,
      ),
    ];
    let acts = null;
    if (canRecord && !v.voided) {
      const label = measureLabel(m, v.measure);
      acts = h(
        'td',
        { class: 'col-actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            'data-action': 'correct-measurement',
            'aria-label': t('outcomes.correct_aria', { measure: label }),
            title: t('outcomes.correct'),
            onclick: () => openCorrect(set, v),
          },
          icon('edit'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn icon-btn-danger',
            'data-action': 'void-measurement',
            'aria-label': t('outcomes.void_aria', { measure: label }),
            title: t('outcomes.void'),
            onclick: () => openVoid(set, v),
          },
          icon('ban'),
        ),
      );
    } else if (canRecord) {
      acts = h('td', { class: 'col-actions' });
    }
    return h(
      'tr',
      {
        'data-measurement-id': String(v.id),
        'data-measure': v.measure,
        'data-version': String(v.version),
        class: v.voided ? 'is-deleted' : null,
      },
      cells,
      acts,
    );
  }

  function setCard(set) {
    const method = entry(methods, set.method);
    const facts = [];
    const fact = (label, value) =>
      facts.push(h('span', { class: 'fact' }, h('span', { class: 'fact-label' }, label), ' ', value));
    fact(t('outcomes.method'), method ? localText(method.label) : ltr(set.method));
    fact(t('outcomes.measured_by'), h('bdi', null, whoName(set.measured_by)));
    if (set.course_id) fact(t('outcomes.course'), courseName(set.course_id));
    if (set.device) fact(t('outcomes.device'), h('bdi', null, set.device));
    if (set.site) fact(t('outcomes.site'), h('bdi', null, set.site));
    if (set.area_cm2) fact(t('outcomes.area'), ltr(`${fmtNumber(set.area_cm2)} cm²`));
    return h(
      'article',
      { class: 'measurement-set', 'data-set-id': String(set.id), 'data-source': set.source },
      h(
        'header',
        { class: 'measurement-set-head' },
        h(
          'h3',
          { class: 'measurement-set-date' },
          h('time', { datetime: set.date }, fmtDate(set.date)),
        ),
        set.source === 'import' ? badge(t('outcomes.source.import'), 'info') : null,
        h('p', { class: 'patient-facts small' }, facts),
      ),
      set.notes ? h('p', { class: 'pre-wrap measurement-set-notes' }, set.notes) : null,
      h(
        'table',
        { class: 'table table-compact set-values' },
        h('caption', { class: 'sr-only' }, t('outcomes.set_caption', { date: fmtDate(set.date) })),
        h(
          'tbody',
          null,
          (set.values || []).map((v) => valueRow(set, v)),
        ),
      ),
    );
  }

  async function loadSets() {
    setsList.setAttribute('aria-busy', 'true');
    let body;
    try {
      body = await request('GET', `/patients/${enc(patient.id)}/measurements`, {
        query: showVoided ? { include_voided: 1 } : {},
      });
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      setsList.removeAttribute('aria-busy');
      replace(setsError, errorBanner(err, { retry: loadSets }));
      return;
    }
    if (!ctx.alive()) return;
    clear(setsError);
    sets = (body && body.sets) || [];
    if (!sets.length) {
      replace(setsList, emptyState(t('outcomes.no_sets'), canRecord ? t('outcomes.none_hint') : null));
    } else {
      replace(setsList, sets.map(setCard));
    }
    setsList.removeAttribute('aria-busy');
  }

  // The sets name their course from the timeline's list, so the timeline comes first.
  async function reloadAll() {
    await loadTimeline();
    await loadSets();
  }

  // ---- recording a set ----
  let people = null; // [{id, display_name, username}] who may be named as having measured
  async function loadPeople() {
    if (people) return people;
    const me = session.user;
    const list = [];
    const add = (u) => {
      if (u && !list.some((x) => x.id === u.id)) list.push(u);
    };
    const clinical = (u) => (u.roles || []).some((r) => r === 'doctor' || r === 'nurse');
    if (me && clinical(me)) add(me);
    try {
      if (can('user.manage')) {
        const body = await request('GET', '/users');
        for (const u of body.users || body.items || []) if (clinical(u) && !u.disabled) add(u);
      } else if (can('schedule.read')) {
        const body = await request('GET', '/clinicians');
        for (const c of body.clinicians || []) if (c.active && c.user && clinical(c.user)) add(c.user);
      }
    } catch {
      /* without the list the caller is the one who measured, as the API defaults to */
    }
    people = list;
    return people;
  }

  function courseSelect(id, selected) {
    const sel = h(
      'select',
      { class: 'input select', id, name: 'course_id' },
      h('option', { value: '' }, t('outcomes.no_course_option')),
      ((timeline && timeline.courses) || []).map((c) =>
        h(
          'option',
          { value: String(c.id), selected: String(c.id) === String(selected) },
          courseOptionText(c),
        ),
      ),
    );
    return sel;
  }

  async function openRecord() {
    const who = await loadPeople();
    if (!ctx.alive()) return;
    const form = h('form', { id: 'measurement-form', class: 'form', novalidate: true });
    const box = h('div', { id: 'measurement-form-error', class: 'form-error', role: 'alert' });
    const dateIn = h('input', { type: 'date', class: 'input', max: today, value: today });
    const courseIn = courseSelect('measurement-course', courseId || '');
    const methodIn = h(
      'select',
      { class: 'input select' },
      h('option', { value: '' }, t('form.choose')),
      methods.map((mt) => h('option', { value: mt.code }, localText(mt.label))),
    );
    const byIn = h(
      'select',
      { class: 'input select' },
      who.map((u) =>
        h(
          'option',
          { value: String(u.id), selected: session.user && u.id === session.user.id },
          u.display_name || u.username,
        ),
      ),
    );
    const deviceIn = h('input', { type: 'text', class: 'input', maxlength: '200' });
    const siteIn = h('input', { type: 'text', class: 'input', maxlength: '200' });
    const areaIn = h('input', {
      type: 'number',
      class: 'input',
      step: 'any',
      min: '0',
      inputmode: 'decimal',
      dir: 'ltr',
    });
    const notesIn = h('textarea', { class: 'input textarea', rows: '2', maxlength: '2000' });
    const controls = new Map();
    const groups = GROUPS.map(([key, pick]) => {
      const list = measures.filter(pick);
      if (!list.length) return null;
      return h(
        'section',
        {
          class: 'measure-group',
          'data-group': key,
          role: 'group',
          'aria-labelledby': `measure-group-${key}`,
        },
        h('h3', { class: 'section-title', id: `measure-group-${key}` }, t(`outcomes.group.${key}`)),
        h(
          'div',
          { class: 'form-grid measure-grid' },
          list.map((m) => {
            const control = valueControl(m, {
              name: `values.${m.code}`,
              id: `measurement-value-${m.code}`,
            });
            controls.set(m.code, control);
            return field({
              form: 'measurement',
              name: `values.${m.code}`,
              id: `measurement-value-${m.code}`,
              label: measureLabel(m, m.code),
              control,
              hint: unitText(m) || null,
            });
          }),
        ),
      );
    });
    const save = h(
      'button',
      { id: 'measurement-save', type: 'submit', class: 'btn btn-primary' },
      icon('check'),
      h('span', null, t('outcomes.save')),
    );
    const cancel = button(t('common.cancel'));
    form.append(
      h(
        'div',
        { class: 'form-grid' },
        field({
          form: 'measurement',
          name: 'date',
          id: 'measurement-date',
          label: t('outcomes.date'),
          control: dateIn,
          required: true,
        }),
        field({
          form: 'measurement',
          name: 'course_id',
          id: 'measurement-course',
          label: t('outcomes.course'),
          control: courseIn,
          optional: true,
        }),
        field({
          form: 'measurement',
          name: 'method',
          id: 'measurement-method',
          label: t('outcomes.method'),
          control: methodIn,
          required: true,
        }),
        who.length
          ? field({
              form: 'measurement',
              name: 'measured_by',
              id: 'measurement-measured-by',
              label: t('outcomes.measured_by'),
              control: byIn,
            })
          : h(
              'div',
              { class: 'field' },
              h('span', { class: 'field-label' }, t('outcomes.measured_by')),
              h('p', null, h('bdi', null, whoName(session.user))),
            ),
        field({
          form: 'measurement',
          name: 'device',
          id: 'measurement-device',
          label: t('outcomes.device'),
          control: deviceIn,
          optional: true,
        }),
        field({
          form: 'measurement',
          name: 'site',
          id: 'measurement-site',
          label: t('outcomes.site'),
          control: siteIn,
          optional: true,
          hint: t('outcomes.site_hint'),
        }),
        field({
          form: 'measurement',
          name: 'area_cm2',
          id: 'measurement-area',
          label: t('outcomes.area_cm2'),
          control: areaIn,
          optional: true,
        }),
      ),
      h('p', { class: 'field-error', 'data-error-for': 'values', 'aria-live': 'polite' }),
      ...groups.filter(Boolean),
      field({
        form: 'measurement',
        name: 'notes',
        id: 'measurement-notes',
        label: t('outcomes.notes'),
        control: notesIn,
        optional: true,
        wide: true,
      }),
      box,
      h('div', { class: 'dialog-actions inline' }, cancel, save),
    );
    const { close } = openDialog({
      title: t('outcomes.record_title'),
      body: form,
      size: 'wide',
      id: 'measurement-dialog',
    });
    cancel.addEventListener('click', close);
    dateIn.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      clear(box);
      box.classList.remove('is-error');
      const valuesSlot = form.querySelector('[data-error-for="values"]');
      valuesSlot.textContent = '';
      let bad = false;
      if (!dateIn.value) bad = setFieldError(form, 'date', t('error.required')) || bad;
      if (!methodIn.value) bad = setFieldError(form, 'method', t('error.required')) || bad;
      const values = {};
      for (const [code, control] of controls) {
        const v = controlValue(measureOf(code), control);
        if (v !== null) values[code] = v;
      }
      if (!Object.keys(values).length) {
        valuesSlot.textContent = t('outcomes.values_required');
        bad = true;
      }
      if (bad) {
        (form.querySelector('[aria-invalid="true"]') || controls.values().next().value)?.focus();
        return;
      }
      const body = { date: dateIn.value, method: methodIn.value, values };
      if (courseIn.value) body.course_id = Number(courseIn.value);
      if (who.length && byIn.value) body.measured_by = Number(byIn.value);
      const device = textOrNull(deviceIn);
      const site = textOrNull(siteIn);
      const notes = textOrNull(notesIn);
      if (device) body.device = device;
      if (site) body.site = site;
      if (notes) body.notes = notes;
      if (areaIn.value !== '' || areaIn.validity.badInput) {
        const n = Number(areaIn.value);
        body.area_cm2 = areaIn.value !== '' && Number.isFinite(n) ? n : areaIn.value;
      }
      setBusy(save, true);
      try {
        await request('POST', `/patients/${enc(patient.id)}/measurements`, { body });
        if (!ctx.alive()) return;
        close();
        toast(tp('outcomes.saved', Object.keys(values).length));
        await reloadAll();
      } catch (err) {
        if (!ctx.alive() || err.status === 401) return;
        const target = showServerError(form, box, err);
        if (err.field === 'values') valuesSlot.textContent = errorText(err);
        target?.focus();
      } finally {
        setBusy(save, false);
      }
    });
  }

  // ---- correcting and voiding one value ----
  function valueSummary(set, v) {
    const m = measureOf(v.measure);
    return h(
      'p',
      { class: 'delete-target' },
      h('strong', null, measureLabel(m, v.measure)),
      ' · ',
      valueEl(m, v.value),
      ' · ',
      h('time', { datetime: set.date }, fmtDate(set.date)),
    );
  }

  function reasonControl(id) {
    return h('textarea', {
      id,
      class: 'input textarea',
      rows: '3',
      maxlength: String(REASON_MAX),
      name: 'reason',
    });
  }

  function openCorrect(set, v) {
    const m = measureOf(v.measure) || { type: typeof v.value === 'string' ? 'code' : 'number' };
    const valueIn = valueControl(m, { name: 'value', id: 'correct-value', value: v.value });
    const reason = reasonControl('correct-reason');
    const error = h('p', { class: 'form-error', role: 'alert' });
    const save = h(
      'button',
      { id: 'correct-save', type: 'submit', class: 'btn btn-primary' },
      icon('check'),
      h('span', null, t('outcomes.correct_save')),
    );
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true },
      h('p', null, t('outcomes.correct_explain')),
      valueSummary(set, v),
      field({
        form: 'correct',
        name: 'value',
        id: 'correct-value',
        label: t('outcomes.correct_value', { measure: measureLabel(m, v.measure) }),
        control: valueIn,
        hint: unitText(m) || null,
        required: true,
      }),
      field({
        form: 'correct',
        name: 'reason',
        id: 'correct-reason',
        label: t('outcomes.reason'),
        control: reason,
        hint: t('outcomes.reason_hint'),
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, save),
    );
    const { close } = openDialog({
      title: t('outcomes.correct_title'),
      body: form,
      id: 'correct-dialog',
    });
    cancel.addEventListener('click', close);
    valueIn.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      error.textContent = '';
      const value = controlValue(m, valueIn);
      const text = reason.value.trim();
      let bad = false;
      if (value === null) bad = setFieldError(form, 'value', t('error.required')) || bad;
      const why = reasonProblem(text);
      if (why) bad = setFieldError(form, 'reason', why) || bad;
      if (bad) {
        form.querySelector('[aria-invalid="true"]')?.focus();
        return;
      }
      setBusy(save, true);
      try {
        await request('PUT', `/measurements/${enc(v.id)}`, {
          body: { value, version: v.version, reason: text },
        });
        if (!ctx.alive()) return;
        close();
        toast(t('outcomes.corrected_done'));
        await reloadAll();
      } catch (err) {
        if (!ctx.alive() || err.status === 401) return;
        const name = err.field === 'value' || err.field === 'reason' ? err.field : null;
        if (!(name && setFieldError(form, name, errorText(err))))
          error.textContent = errorText(err);
        if (err.code === 'stale_version' || err.code === 'invalid_transition') reloadAll();
      } finally {
        setBusy(save, false);
      }
    });
  }

  function openVoid(set, v) {
    const m = measureOf(v.measure);
    const reason = reasonControl('void-reason');
    const error = h('p', { class: 'form-error', role: 'alert' });
    const confirm = h(
      'button',
      { id: 'void-confirm', type: 'submit', class: 'btn btn-danger' },
      icon('ban'),
      h('span', null, t('outcomes.void_confirm')),
    );
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true },
      h('p', null, t('outcomes.void_explain')),
      valueSummary(set, v),
      field({
        form: 'void',
        name: 'reason',
        id: 'void-reason',
        label: t('outcomes.reason'),
        control: reason,
        hint: t('outcomes.reason_hint'),
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, confirm),
    );
    const { close } = openDialog({
      title: t('outcomes.void_title', { measure: measureLabel(m, v.measure) }),
      body: form,
      id: 'void-dialog',
    });
    cancel.addEventListener('click', close);
    reason.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      error.textContent = '';
      const text = reason.value.trim();
      const why = reasonProblem(text);
      if (why) {
        setFieldError(form, 'reason', why);
        reason.focus();
        return;
      }
      setBusy(confirm, true);
      try {
        await request('POST', `/measurements/${enc(v.id)}/void`, { body: { reason: text } });
        if (!ctx.alive()) return;
        close();
        toast(t('outcomes.voided_done'));
        await reloadAll();
      } catch (err) {
        if (!ctx.alive() || err.status === 401) return;
        if (!(err.field === 'reason' && setFieldError(form, 'reason', errorText(err))))
          error.textContent = errorText(err);
        if (err.code === 'invalid_transition') reloadAll();
      } finally {
        setBusy(confirm, false);
      }
    });
  }

  async function openVersions(v) {
    const m = measureOf(v.measure);
    const body = h('div', { class: 'versions-body' }, spinner());
    openDialog({
      title: t('outcomes.versions_title', { measure: measureLabel(m, v.measure) }),
      body,
      id: 'measurement-versions',
    });
    try {
      const res = await request('GET', `/measurements/${enc(v.id)}/versions`);
      replace(
        body,
        h(
          'ol',
          { class: 'history version-list' },
          (res.items || []).map((it) =>
            h(
              'li',
              { class: 'history-item', 'data-version': String(it.version) },
              h(
                'div',
                { class: 'history-content' },
                h(
                  'div',
                  { class: 'history-head' },
                  h('span', { class: 'history-version' }, t('history.version', { n: it.version })),
                  valueEl(m, it.value, 'strong nowrap'),
                  h(
                    'span',
                    { class: 'history-meta' },
                    h('bdi', null, whoName(it.by)),
                    ' · ',
                    h('time', { datetime: it.at }, fmtDateTime(it.at)),
                  ),
                ),
                it.reason ? h('p', { class: 'pre-wrap' }, it.reason) : null,
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      if (err.status === 401) return;
      replace(body, errorBanner(err));
    }
  }

  // ---- trichoscopy import ----
  function openImport() {
    const fileIn = h('input', {
      type: 'file',
      id: 'trichoscopy-file',
      accept: '.csv,text/csv,text/plain',
      class: 'file-input',
    });
    const courseIn = courseSelect('trichoscopy-course', courseId || '');
    const deviceIn = h('input', {
      type: 'text',
      class: 'input',
      id: 'trichoscopy-device',
      maxlength: '200',
    });
    const siteIn = h('input', {
      type: 'text',
      class: 'input',
      id: 'trichoscopy-site',
      maxlength: '200',
    });
    const importError = h('div', { id: 'trichoscopy-error', class: 'import-error' });
    const previewArea = h('div', { class: 'import-preview', hidden: true });
    let current = null; // {csv, name, preview}
    const body = h(
      'div',
      { class: 'form' },
      h(
        'p',
        { class: 'section-desc' },
        tNodes('outcomes.import_explain', {
          required: h('code', { dir: 'ltr' }, 'date'),
          measures: h(
            'code',
            { dir: 'ltr' },
            'density, hair_count, terminal_density, vellus_density, anagen, telogen, diameter',
          ),
        }),
      ),
      h(
        'pre',
        { class: 'csv-example', dir: 'ltr', lang: 'en', 'aria-label': t('outcomes.import_example') },
        'Date;Area [cm²];Count;Density [1/cm²];Anagen [%];Telogen [%]\n01.08.2026;0,65;92;141,5;81,2;18,8',
      ),
      h(
        'div',
        { class: 'form-grid' },
        field({
          form: 'trichoscopy',
          name: 'course_id',
          id: 'trichoscopy-course',
          label: t('outcomes.course'),
          control: courseIn,
          optional: true,
        }),
        field({
          form: 'trichoscopy',
          name: 'device',
          id: 'trichoscopy-device',
          label: t('outcomes.device'),
          control: deviceIn,
          optional: true,
        }),
        field({
          form: 'trichoscopy',
          name: 'site',
          id: 'trichoscopy-site',
          label: t('outcomes.site'),
          control: siteIn,
          optional: true,
        }),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'field-label', for: 'trichoscopy-file' }, t('outcomes.import_file')),
        fileIn,
        h('p', { class: 'field-hint' }, t('outcomes.import_file_hint')),
      ),
      importError,
      previewArea,
    );
    const { close } = openDialog({
      title: t('outcomes.import_title'),
      body,
      size: 'wide',
      id: 'trichoscopy-dialog',
    });

    function requestBody(commit, skip) {
      const b = {
        csv: current.csv,
        file_name: current.name,
        commit,
        skip_invalid: skip,
        method: 'trichoscopy_software',
      };
      if (courseIn.value) b.course_id = Number(courseIn.value);
      const device = textOrNull(deviceIn);
      const site = textOrNull(siteIn);
      if (device) b.device = device;
      if (site) b.site = site;
      return b;
    }

    function resetPreview() {
      current = null;
      previewArea.hidden = true;
      clear(previewArea);
    }

    fileIn.addEventListener('change', async () => {
      const file = fileIn.files && fileIn.files[0];
      clear(importError);
      if (!file) return;
      if (file.size > MAX_FILE_BYTES) {
        replace(importError, importFailure({ code: 'too_big', message: '' }));
        resetPreview();
        return;
      }
      let text;
      try {
        text = await file.text();
      } catch {
        replace(importError, importFailure({ code: 'unreadable', message: '' }));
        return;
      }
      current = { csv: text, name: file.name };
      fileIn.value = '';
      replace(previewArea, spinner(t('labs.import_reading')));
      previewArea.hidden = false;
      try {
        current.preview = await request(
          'POST',
          `/patients/${enc(patient.id)}/measurements/import`,
          { body: requestBody(false, false) },
        );
      } catch (err) {
        if (!ctx.alive() || err.status === 401) return;
        resetPreview();
        replace(importError, importFailure(err));
        return;
      }
      if (!ctx.alive()) return;
      renderPreview();
    });

    function errorList(errors) {
      return h(
        'ul',
        { class: 'row-errors' },
        (errors || []).map((e) =>
          h(
            'li',
            { 'data-code': e.code, 'data-field': e.field || '' },
            h(
              'span',
              { class: 'row-error-text' },
              e.field ? [h('strong', null, fieldName(e.field)), ': '] : null,
              csvErrorText(e.code),
            ),
            e.message
              ? h('span', { class: 'server-detail', lang: 'en', dir: 'ltr' }, e.message)
              : null,
          ),
        ),
      );
    }

    function fieldName(f) {
      const code = f.startsWith('values.') ? f.slice(7) : f;
      const m = measureOf(code);
      if (m) return measureLabel(m, code);
      if (has(`outcomes.column.${code}`)) return t(`outcomes.column.${code}`);
      return ltr(f, 'mono');
    }

    function renderPreview() {
      const p = current.preview;
      const rows = p.rows || [];
      const nok = p.valid || 0;
      const nbad = p.invalid || 0;
      // The value columns: the measures the file holds, in the order of measures.json.
      const seen = new Set();
      for (const r of rows) for (const k of Object.keys(r.values || {})) seen.add(k);
      const cols = measures.filter((m) => seen.has(m.code)).map((m) => m.code);
      for (const k of seen) if (!cols.includes(k)) cols.push(k);
      const skip = h('input', { type: 'checkbox', id: 'trichoscopy-skip-invalid' });
      const commit = h(
        'button',
        { id: 'trichoscopy-commit', type: 'button', class: 'btn btn-primary' },
        icon('check'),
        h('span', null, tp('outcomes.import_commit', nok)),
      );
      const cancel = button(t('labs.import_cancel'), { id: 'trichoscopy-cancel' });
      const blockedNote = h('p', { class: 'import-blocked muted' });
      function updateCommit() {
        commit.disabled = nok === 0 || (nbad > 0 && !skip.checked);
        blockedNote.textContent =
          nok === 0
            ? t('labs.import_nothing')
            : nbad > 0 && !skip.checked
              ? t('labs.import_blocked')
              : '';
      }
      skip.addEventListener('change', updateCommit);
      cancel.addEventListener('click', () => {
        resetPreview();
        clear(importError);
        fileIn.focus();
      });
      commit.addEventListener('click', async () => {
        clear(importError);
        setBusy(commit, true);
        try {
          const res = await request('POST', `/patients/${enc(patient.id)}/measurements/import`, {
            body: requestBody(true, nbad > 0 && skip.checked),
          });
          if (!ctx.alive()) return;
          close();
          toast(tp('outcomes.import_done', res && res.sets ? res.sets.length : nok));
          await reloadAll();
        } catch (err) {
          if (!ctx.alive() || err.status === 401) return;
          replace(importError, importFailure(err));
          setBusy(commit, false);
          updateCommit();
        }
      });
      const ignored = p.ignored_columns || [];
      replace(
        previewArea,
        h(
          'div',
          {
            id: 'trichoscopy-summary',
            class: 'import-summary' + (nbad ? ' has-errors' : ''),
            role: 'status',
            'data-valid': String(nok),
            'data-invalid': String(nbad),
          },
          icon(nbad ? 'alert' : 'check'),
          h(
            'p',
            null,
            h('bdi', { class: 'import-file-name' }, current.name),
            ': ',
            tp('outcomes.import_ok', nok),
            nbad ? [t('common.list_separator'), tp('outcomes.import_failed', nbad)] : null,
          ),
        ),
        ignored.length
          ? h(
              'p',
              { class: 'muted small import-ignored' },
              t('outcomes.import_ignored'),
              ' ',
              ignored.map((c, i) => [i ? t('common.list_separator') : '', ltr(c, 'mono')]),
            )
          : null,
        h(
          'div',
          { class: 'table-wrap import-table-wrap' },
          h(
            'table',
            { id: 'trichoscopy-preview', class: 'table table-import' },
            h('caption', { class: 'sr-only' }, t('outcomes.import_preview_caption')),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, t('labs.column.row')),
                h('th', { scope: 'col' }, t('outcomes.date')),
                h('th', { scope: 'col' }, t('outcomes.area')),
                cols.map((c) => h('th', { scope: 'col' }, measureLabel(measureOf(c), c))),
                h('th', { scope: 'col' }, t('labs.import_status')),
              ),
            ),
            h(
              'tbody',
              null,
              rows.map((r) => {
                const ok = !(r.errors && r.errors.length);
                return h(
                  'tr',
                  { 'data-row': String(r.row), class: ok ? 'row-ok' : 'row-error' },
                  h('td', { class: 'mono' }, ltr(String(r.row))),
                  h('td', { class: 'nowrap' }, r.date ? fmtDate(r.date) : dash()),
                  h(
                    'td',
                    null,
                    r.area_cm2 !== null && r.area_cm2 !== undefined
                      ? ltr(`${fmtNumber(r.area_cm2)} cm²`, 'nowrap')
                      : dash(),
                  ),
                  cols.map((c) =>
                    h(
                      'td',
                      { 'data-measure': c },
                      r.values && r.values[c] !== undefined && r.values[c] !== null
                        ? valueEl(measureOf(c), r.values[c])
                        : dash(),
                    ),
                  ),
                  h(
                    'td',
                    { class: 'import-status' },
                    ok
                      ? h('span', { class: 'import-ok' }, icon('check'), t('labs.import_row_ok'))
                      : errorList(r.errors),
                  ),
                );
              }),
            ),
          ),
        ),
        h(
          'div',
          { class: 'import-actions' },
          nbad > 0 && nok > 0
            ? h(
                'label',
                { class: 'checkbox', for: 'trichoscopy-skip-invalid' },
                skip,
                h('span', null, tp('outcomes.import_skip_invalid', nok)),
              )
            : null,
          blockedNote,
          h('div', { class: 'form-actions' }, cancel, commit),
        ),
      );
      previewArea.hidden = false;
      updateCommit();
    }
  }

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'outcomes'),
    patient.deleted
      ? h(
          'div',
          { class: 'banner banner-error', role: 'status' },
          icon('alert'),
          h('p', null, t('patient.deleted_banner')),
        )
      : null,
    clinicalHeading(t('outcomes.title'), { subtitle: t('outcomes.subtitle'), actions }),
    courseCard,
    timelineError,
    chartsBox,
    setsCard,
  );
  chartsBox.append(spinner());
  setsList.append(spinner());
  updateReportLinks();
  ctx.setSaveState(() => ({ outcomes: { showVoided, courseId } }));
  await reloadAll();
}
