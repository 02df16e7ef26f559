// The clinic's adverse events (#/adverse-events), for the clinic manager: every patient's events,
// latest onset first, filtered by severity, outcome and onset days, serious ones standing out,
// each linked to the patient's adverse events.

import { h, ltr, replace } from '../dom.js';
import { request } from '../api.js';
import { t, tp, fmtDate, errorText } from '../i18n.js';
import { pageHeader, badge, emptyState } from '../ui.js';
import { orderedScripts } from '../names.js';
import { isDate } from '../schedule.js';
import { OUTCOMES, OUTCOME_BADGE, typeText, localTimeEl, severityBadge } from './adverse-events.js';

const LIMIT = 200;
const COLUMNS = 6;
// The severity filters a manager asks for: everything, the serious, or the severe and serious.
const SEVERITY_FILTERS = ['', 'serious', 'severe,serious'];
const SEVERITY_FILTER_LABEL = {
  '': 'adverse.filter_severity_all',
  serious: 'adverse.filter_severity_serious',
  'severe,serious': 'adverse.filter_severity_severe_serious',
};

function patientCell(e) {
  const p = e.patient;
  return h(
    'div',
    { class: 'name-stack' },
    h(
      'a',
      {
        href: `#/patients/${encodeURIComponent(p.id)}/adverse-events`,
        class: 'name-stack ae-patient',
      },
      orderedScripts(p.name && p.name.en, p.name && p.name.ar, 'name'),
    ),
    ltr(p.mrn, 'mono small muted'),
  );
}

function row(e) {
  const links = [];
  if (e.procedure_id) links.push(t('adverse.linked_procedure', { id: e.procedure_id }));
  return h(
    'tr',
    {
      'data-adverse-id': String(e.id),
      'data-severity': e.severity,
      'data-outcome': e.outcome,
      class: `ae-row severity-${e.severity}`,
    },
    h('td', { class: 'nowrap' }, localTimeEl(e.onset_local, e.onset_at)),
    h('td', null, patientCell(e)),
    h(
      'td',
      null,
      h(
        'div',
        { class: 'name-stack' },
        h('bdi', { class: 'ae-type' }, typeText(e)),
        e.description
          ? h('span', { class: 'small muted ae-description' }, h('bdi', null, e.description))
          : null,
      ),
    ),
    h('td', null, severityBadge(e.severity)),
    h(
      'td',
      null,
      h(
        'div',
        { class: 'name-stack' },
        badge(t(`adverse.outcome.${e.outcome}`), OUTCOME_BADGE[e.outcome] || 'neutral'),
        e.resolved_date
          ? h('time', { class: 'small muted', datetime: e.resolved_date }, fmtDate(e.resolved_date))
          : null,
      ),
    ),
    h(
      'td',
      null,
      h(
        'div',
        { class: 'name-stack small' },
        links.map((l) => h('span', null, l)),
        e.specimen_id ? ltr(e.specimen_id, 'mono') : null,
      ),
    ),
  );
}

function messageRow(...content) {
  return h('tr', { class: 'message-row' }, h('td', { colspan: String(COLUMNS) }, content));
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('adverse.clinic_title'));
  let controller = null;
  let seq = 0;

  const severitySel = h(
    'select',
    { id: 'ae-filter-severity', name: 'severity', class: 'input select' },
    SEVERITY_FILTERS.map((s) => h('option', { value: s }, t(SEVERITY_FILTER_LABEL[s]))),
  );
  const outcomeSel = h(
    'select',
    { id: 'ae-filter-outcome', name: 'outcome', class: 'input select' },
    h('option', { value: '' }, t('adverse.filter_outcome_all')),
    OUTCOMES.map((o) => h('option', { value: o }, t(`adverse.outcome.${o}`))),
  );
  const fromIn = h('input', { id: 'ae-filter-from', name: 'from', type: 'date', class: 'input' });
  const toIn = h('input', { id: 'ae-filter-to', name: 'to', type: 'date', class: 'input' });

  // The filters come from the link (#/adverse-events?severity=serious), or from before a
  // language switch redrew the page.
  const start = ctx.restored || {
    severity: ctx.query.get('severity') || '',
    outcome: ctx.query.get('outcome') || '',
    from: ctx.query.get('from') || '',
    to: ctx.query.get('to') || '',
  };
  severitySel.value = SEVERITY_FILTERS.includes(start.severity) ? start.severity : '';
  outcomeSel.value = OUTCOMES.includes(start.outcome) ? start.outcome : '';
  fromIn.value = isDate(start.from) ? start.from : '';
  toIn.value = isDate(start.to) ? start.to : '';
  ctx.setSaveState(() => ({
    severity: severitySel.value,
    outcome: outcomeSel.value,
    from: fromIn.value,
    to: toIn.value,
  }));

  const label = (forId, key) => h('label', { for: forId, class: 'field-label' }, t(key));
  const filterForm = h(
    'form',
    {
      id: 'ae-filters',
      class: 'filters filters-adverse',
      role: 'search',
      'aria-label': t('adverse.filters'),
    },
    h(
      'div',
      { class: 'field' },
      label('ae-filter-severity', 'adverse.filter_severity'),
      severitySel,
    ),
    h('div', { class: 'field' }, label('ae-filter-outcome', 'adverse.filter_outcome'), outcomeSel),
    h('div', { class: 'field' }, label('ae-filter-from', 'adverse.filter_from'), fromIn),
    h('div', { class: 'field' }, label('ae-filter-to', 'adverse.filter_to'), toIn),
  );
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'adverse-table', class: 'table table-adverse' },
    h('caption', { class: 'sr-only' }, t('adverse.clinic_title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['onset', 'patient', 'type', 'severity', 'outcome', 'procedure'].map((c) =>
          h('th', { scope: 'col' }, t(`adverse.col.${c}`)),
        ),
      ),
    ),
    tbody,
  );
  const status = h('p', { class: 'pager-status', 'aria-live': 'polite' });

  main.append(
    h(
      'section',
      { class: 'page', id: 'adverse-clinic' },
      pageHeader(t('adverse.clinic_title'), { subtitle: t('adverse.clinic_subtitle') }),
      h(
        'div',
        { class: 'card card-flush' },
        filterForm,
        h('div', { class: 'table-wrap' }, table),
        h('div', { class: 'pager' }, status),
      ),
    ),
  );

  async function load() {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++seq;
    table.setAttribute('aria-busy', 'true');
    table.classList.add('is-loading');
    if (!tbody.firstChild)
      replace(
        tbody,
        messageRow(
          h(
            'div',
            { class: 'loading' },
            h('span', { class: 'spinner', 'aria-hidden': 'true' }),
            t('common.loading'),
          ),
        ),
      );
    const query = { limit: LIMIT };
    if (severitySel.value) query.severity = severitySel.value;
    if (outcomeSel.value) query.outcome = outcomeSel.value;
    if (isDate(fromIn.value)) query.from = fromIn.value;
    if (isDate(toIn.value)) query.to = toIn.value;
    let body;
    try {
      body = await request('GET', '/adverse-events', { query, signal: controller.signal });
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq || !ctx.alive()) return;
      table.removeAttribute('aria-busy');
      table.classList.remove('is-loading');
      replace(tbody, messageRow(h('p', { class: 'form-error', role: 'alert' }, errorText(err))));
      status.textContent = '';
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    table.removeAttribute('aria-busy');
    table.classList.remove('is-loading');
    const items = (body && body.adverse_events) || [];
    const filtered = Object.keys(query).length > 1;
    if (!items.length) {
      replace(
        tbody,
        messageRow(emptyState(t(filtered ? 'adverse.none_filtered' : 'adverse.none'))),
      );
      status.textContent = '';
      return;
    }
    replace(tbody, items.map(row));
    status.textContent =
      items.length >= LIMIT
        ? t('adverse.limited', { n: LIMIT })
        : tp('adverse.shown', items.length);
  }

  for (const el of [severitySel, outcomeSel, fromIn, toIn]) el.addEventListener('change', load);
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  ctx.onCleanup(() => {
    if (controller) controller.abort();
  });
  await load();
}
