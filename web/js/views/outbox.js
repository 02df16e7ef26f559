// Outbox (admin, reception): the reminders, pre-session instructions and aftercare check-ins
// waiting for the SMS or e-mail gateway, and what became of them, filtered by status. Each
// message's text is shown in its own language and direction, whatever the interface's.

import { h, ltr, replace } from '../dom.js';
import { request } from '../api.js';
import { t, tp, fmtDate, fmtDateTime, errorText } from '../i18n.js';
import { pageHeader, badge, emptyState } from '../ui.js';
import { orderedScripts } from '../names.js';

const STATUSES = ['pending', 'sent', 'failed', 'cancelled'];
const BADGE = { pending: 'info', sent: 'success', failed: 'danger', cancelled: 'neutral' };
const LIMIT = 200;
// Longer texts are cut to a few lines until asked for.
const LONG_TEXT = 160;
const COLUMNS = 7;

// A time in the clinic's zone as the API gives it ("2026-11-29T09:00"): the date with its month
// name, then the time.
function fmtLocal(local, iso) {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)$/.exec(local || '');
  return m ? `${fmtDate(m[1])} ${m[2]}` : fmtDateTime(iso);
}

function patientCell(m) {
  const p = m.patient;
  if (!p) return h('span', { class: 'muted' }, `#${m.patient_id}`);
  return h(
    'div',
    { class: 'name-stack' },
    h(
      'a',
      { href: `#/patients/${encodeURIComponent(p.id)}`, class: 'name-stack outbox-patient' },
      orderedScripts(p.name && p.name.en, p.name && p.name.ar, 'name'),
    ),
    ltr(p.mrn, 'mono small muted'),
  );
}

function statusCell(m) {
  const detail =
    m.status === 'sent' && m.sent_at
      ? h(
          'span',
          { class: 'small muted' },
          h('time', { datetime: m.sent_at }, fmtLocal(m.sent_local, m.sent_at)),
        )
      : m.status === 'failed' && m.error
        ? h('span', { class: 'small outbox-error' }, h('bdi', null, m.error))
        : null;
  return h(
    'div',
    { class: 'name-stack' },
    badge(t(`outbox.status.${m.status}`), BADGE[m.status] || 'neutral'),
    detail,
  );
}

// The message as the patient reads it: its own language and direction, cut short when long.
function textCell(m) {
  const dir = m.language === 'ar' ? 'rtl' : 'ltr';
  const text = h(
    'div',
    { class: 'outbox-text', lang: m.language, dir },
    m.subject ? h('p', { class: 'outbox-subject' }, m.subject) : null,
    h('p', { class: 'outbox-body' }, m.body),
  );
  if ((m.body || '').length + (m.subject || '').length <= LONG_TEXT) return text;
  text.classList.add('is-clamped');
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost outbox-toggle',
      'aria-expanded': 'false',
    },
    t('outbox.show_all'),
  );
  toggle.addEventListener('click', () => {
    const open = text.classList.toggle('is-clamped') === false;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = t(open ? 'outbox.show_less' : 'outbox.show_all');
  });
  return h('div', null, text, toggle);
}

function row(m) {
  return h(
    'tr',
    { 'data-message-id': String(m.id), 'data-status': m.status },
    h(
      'td',
      { class: 'nowrap' },
      h('time', { datetime: m.due_at }, fmtLocal(m.due_local, m.due_at)),
    ),
    h('td', null, patientCell(m)),
    h('td', null, t(`outbox.kind.${m.kind}`)),
    h(
      'td',
      null,
      h(
        'div',
        { class: 'name-stack' },
        h('span', null, t(`outbox.channel.${m.channel}`)),
        ltr(m.recipient, 'small muted'),
      ),
    ),
    h(
      'td',
      null,
      h(
        'span',
        { lang: m.language, dir: m.language === 'ar' ? 'rtl' : 'ltr' },
        t(`language.${m.language}.native`),
      ),
    ),
    h('td', null, statusCell(m)),
    h('td', { class: 'col-outbox-text' }, textCell(m)),
  );
}

function messageRow(...content) {
  return h('tr', { class: 'message-row' }, h('td', { colspan: String(COLUMNS) }, content));
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('outbox.title'));
  let controller = null;
  let seq = 0;

  const statusSelect = h(
    'select',
    { id: 'outbox-filter-status', name: 'status', class: 'input select' },
    h('option', { value: '' }, t('outbox.status.all')),
    STATUSES.map((s) => h('option', { value: s }, t(`outbox.status.${s}`))),
  );
  const restored = ctx.restored && ctx.restored.status;
  const asked = ctx.query.get('status');
  statusSelect.value = STATUSES.includes(restored)
    ? restored
    : STATUSES.includes(asked)
      ? asked
      : '';
  ctx.setSaveState(() => ({ status: statusSelect.value }));

  const filterForm = h(
    'form',
    { class: 'filters filters-outbox', role: 'search', 'aria-label': t('outbox.filters') },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'outbox-filter-status', class: 'field-label' }, t('outbox.status_label')),
      statusSelect,
    ),
  );
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'outbox-table', class: 'table table-outbox' },
    h('caption', { class: 'sr-only' }, t('outbox.title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['due', 'patient', 'kind', 'channel', 'language', 'status', 'text'].map((c) =>
          h('th', { scope: 'col' }, t(`outbox.col.${c}`)),
        ),
      ),
    ),
    tbody,
  );
  const status = h('p', { class: 'pager-status', 'aria-live': 'polite' });

  main.append(
    h(
      'section',
      { class: 'page', id: 'outbox' },
      pageHeader(t('outbox.title'), { subtitle: t('outbox.subtitle') }),
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
    const filter = statusSelect.value;
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
    let body;
    try {
      // What waits is read in the order it will go; everything else newest first.
      body = await request('GET', '/outbox', {
        query: { status: filter, limit: LIMIT, order: filter === 'pending' ? 'asc' : 'desc' },
        signal: controller.signal,
      });
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
    const items = (body && body.messages) || [];
    table.dataset.status = filter || 'all';
    if (!items.length) {
      replace(tbody, messageRow(emptyState(t(filter ? 'outbox.none_status' : 'outbox.none'))));
      status.textContent = '';
      return;
    }
    replace(tbody, items.map(row));
    status.textContent =
      items.length >= LIMIT ? t('outbox.limited', { n: LIMIT }) : tp('outbox.shown', items.length);
  }

  statusSelect.addEventListener('change', load);
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  ctx.onCleanup(() => {
    if (controller) controller.abort();
  });
  await load();
}
