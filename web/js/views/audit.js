// Audit log (admin): filter by user, action, entity and dates, page back in time with
// "load more", and check the hash chain that makes the log tamper-evident.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, tp, fmtDateTime, errorText } from '../i18n.js';
import { pageHeader, button, setBusy } from '../ui.js';

export const ACTIONS = [
  'session.login',
  'session.login_failed',
  'session.logout',
  'session.password',
  'patient.list',
  'patient.search',
  'patient.read',
  'patient.history',
  'patient.create',
  'patient.update',
  'patient.delete',
  'user.list',
  'user.create',
  'user.update',
  'user.password',
  'audit.list',
  'audit.verify',
];
// What the server records as the entity of each event (sign-ins are recorded on the user).
const ENTITIES = ['patient', 'user', 'audit'];
const PAGE = 100;

// A date picked in the filter means that whole local day; the API takes UTC times.
function dayStart(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(y, m - 1, d, 0, 0, 0, 0).toISOString();
}
function dayEnd(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59, 999).toISOString();
}

function actionKind(action) {
  if (action === 'session.login_failed') return 'warning';
  if (action.endsWith('.delete')) return 'danger';
  if (action.endsWith('.create') || action.endsWith('.update') || action.endsWith('.password'))
    return 'info';
  return 'neutral';
}

function rolesText(roles) {
  const list = Array.isArray(roles)
    ? roles
    : String(roles || '')
        .split(',')
        .filter(Boolean);
  return list.map((r) => t(`role.${r.trim()}`)).join(t('common.list_separator'));
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('audit.title'));
  let nextBefore = null;
  let controller = null;
  let seq = 0;
  let timer = null;

  const userInput = h('input', {
    id: 'audit-filter-user',
    name: 'user',
    class: 'input',
    type: 'text',
    list: 'audit-user-list',
    autocomplete: 'off',
    spellcheck: 'false',
    dir: 'ltr',
  });
  const userList = h('datalist', { id: 'audit-user-list' });
  const actionSelect = h(
    'select',
    { id: 'audit-filter-action', name: 'action', class: 'input select' },
    h('option', { value: '' }, t('audit.any_action')),
    ACTIONS.map((a) => h('option', { value: a }, t(`audit.action.${a}`))),
  );
  const entitySelect = h(
    'select',
    { id: 'audit-filter-entity', name: 'entity', class: 'input select' },
    h('option', { value: '' }, t('audit.any_entity')),
    ENTITIES.map((e) => h('option', { value: e }, t(`audit.entity.${e}`))),
  );
  const fromInput = h('input', {
    id: 'audit-filter-from',
    name: 'from',
    class: 'input',
    type: 'date',
  });
  const toInput = h('input', { id: 'audit-filter-to', name: 'to', class: 'input', type: 'date' });
  const clearBtn = button(t('audit.clear_filters'), { kind: 'ghost', id: 'audit-clear' });

  const restored = (ctx.restored && ctx.restored.filters) || null;
  if (restored) {
    userInput.value = restored.user;
    actionSelect.value = restored.action;
    entitySelect.value = restored.entity;
    fromInput.value = restored.from;
    toInput.value = restored.to;
  }
  const filters = () => ({
    user: userInput.value.trim(),
    action: actionSelect.value,
    entity: entitySelect.value,
    from: fromInput.value,
    to: toInput.value,
  });
  ctx.setSaveState(() => ({ filters: filters() }));

  const filterField = (id, label, control) =>
    h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, label), control);
  const filterForm = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('audit.filters') },
    filterField('audit-filter-user', t('audit.user'), userInput),
    userList,
    filterField('audit-filter-action', t('audit.action_label'), actionSelect),
    filterField('audit-filter-entity', t('audit.entity_label'), entitySelect),
    filterField('audit-filter-from', t('audit.from'), fromInput),
    filterField('audit-filter-to', t('audit.to'), toInput),
    h('div', { class: 'filters-actions' }, clearBtn),
  );

  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'audit-table', class: 'table table-audit' },
    h('caption', { class: 'sr-only' }, t('audit.title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('audit.time')),
        h('th', { scope: 'col' }, t('audit.user')),
        h('th', { scope: 'col' }, t('audit.action_label')),
        h('th', { scope: 'col' }, t('audit.entity_label')),
        h('th', { scope: 'col', class: 'col-remote' }, t('audit.remote')),
        h('th', { scope: 'col', class: 'col-request' }, t('audit.request_id')),
      ),
    ),
    tbody,
  );
  const more = h(
    'button',
    { type: 'button', id: 'audit-more', class: 'btn btn-secondary', disabled: true },
    t('audit.load_more'),
  );
  const status = h('p', { class: 'pager-status', 'aria-live': 'polite' });
  const verifyResult = h('div', {
    id: 'audit-verify-result',
    class: 'verify-result',
    role: 'status',
    'aria-live': 'polite',
  });
  const verifyBtn = button(t('audit.verify'), {
    kind: 'secondary',
    iconName: 'shield',
    id: 'audit-verify',
  });

  main.append(
    h(
      'section',
      { class: 'page' },
      pageHeader(t('audit.title'), { subtitle: t('audit.subtitle'), actions: [verifyBtn] }),
      verifyResult,
      h(
        'div',
        { class: 'card card-flush' },
        filterForm,
        h('div', { class: 'table-wrap' }, table),
        h('div', { class: 'pager' }, status, more),
      ),
    ),
  );

  let shown = 0;
  function row(ev) {
    let entity = null;
    if (ev.entity) {
      const label = t(`audit.entity.${ev.entity}`);
      const idPart =
        ev.entity_id !== null && ev.entity_id !== undefined && ev.entity_id !== ''
          ? ltr(`#${ev.entity_id}`, 'mono')
          : null;
      entity =
        ev.entity === 'patient' && idPart
          ? h('a', { href: `#/patients/${encodeURIComponent(ev.entity_id)}` }, label, ' ', idPart)
          : h(
              'span',
              null,
              label.startsWith('audit.entity.') ? ev.entity : label,
              idPart ? ' ' : null,
              idPart,
            );
    }
    const actionLabel = t(`audit.action.${ev.action}`);
    return h(
      'tr',
      { 'data-audit-id': String(ev.id) },
      h('td', { class: 'nowrap' }, h('time', { datetime: ev.at }, fmtDateTime(ev.at))),
      h(
        'td',
        null,
        ev.username
          ? h(
              'div',
              { class: 'name-stack' },
              ltr(ev.username),
              ev.roles && rolesText(ev.roles)
                ? h('span', { class: 'muted small' }, rolesText(ev.roles))
                : null,
            )
          : h('span', { class: 'muted' }, '—'),
      ),
      h(
        'td',
        null,
        h(
          'span',
          { class: `badge badge-${actionKind(ev.action || '')}`, title: ev.action },
          actionLabel.startsWith('audit.action.') ? ev.action : actionLabel,
        ),
      ),
      h('td', null, entity || h('span', { class: 'muted' }, '—')),
      h('td', { class: 'col-remote' }, ev.remote ? ltr(ev.remote, 'mono small') : ''),
      h(
        'td',
        { class: 'col-request' },
        ev.request_id ? ltr(ev.request_id, 'mono small muted') : '',
      ),
    );
  }

  async function load(append) {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++seq;
    const f = filters();
    const query = { limit: PAGE };
    if (f.user) query.user = f.user;
    if (f.action) query.action = f.action;
    if (f.entity) query.entity = f.entity;
    if (f.from) query.from = dayStart(f.from);
    if (f.to) query.to = dayEnd(f.to);
    if (append && nextBefore !== null) query.before_id = nextBefore;
    table.setAttribute('aria-busy', 'true');
    table.classList.add('is-loading');
    if (!append) {
      shown = 0;
      if (!tbody.firstChild)
        replace(
          tbody,
          h(
            'tr',
            { class: 'message-row' },
            h(
              'td',
              { colspan: '6' },
              h(
                'div',
                { class: 'loading' },
                h('span', { class: 'spinner', 'aria-hidden': 'true' }),
                t('common.loading'),
              ),
            ),
          ),
        );
    }
    setBusy(more, true);
    let body;
    try {
      body = await api.listAudit(query, controller.signal);
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq || !ctx.alive()) return;
      table.removeAttribute('aria-busy');
      table.classList.remove('is-loading');
      setBusy(more, false);
      const msg = h(
        'tr',
        { class: 'message-row' },
        h('td', { colspan: '6' }, h('p', { class: 'form-error', role: 'alert' }, errorText(err))),
      );
      if (append) tbody.append(msg);
      else replace(tbody, msg);
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    table.removeAttribute('aria-busy');
    table.classList.remove('is-loading');
    setBusy(more, false);
    const items = (body && body.items) || [];
    if (!append) replace(tbody);
    tbody.querySelectorAll('.message-row').forEach((r) => r.remove());
    tbody.append(...items.map(row));
    shown += items.length;
    if (!shown)
      tbody.append(
        h(
          'tr',
          { class: 'message-row' },
          h(
            'td',
            { colspan: '6' },
            h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, t('audit.none'))),
          ),
        ),
      );
    nextBefore = body && body.next_before_id !== undefined ? body.next_before_id : null;
    more.disabled = nextBefore === null;
    more.textContent = nextBefore === null && shown ? t('audit.all_loaded') : t('audit.load_more');
    status.textContent = shown ? tp('audit.shown', shown) : '';
    if (append && items.length) {
      const firstNew = tbody.querySelectorAll('tr')[shown - items.length];
      if (firstNew) {
        firstNew.setAttribute('tabindex', '-1');
        firstNew.focus({ preventScroll: false });
      }
    }
  }

  const reload = () => {
    nextBefore = null;
    load(false);
  };
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    reload();
  });
  userInput.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 300);
  });
  for (const el of [actionSelect, entitySelect, fromInput, toInput])
    el.addEventListener('change', reload);
  clearBtn.addEventListener('click', () => {
    userInput.value = '';
    actionSelect.value = '';
    entitySelect.value = '';
    fromInput.value = '';
    toInput.value = '';
    reload();
    userInput.focus();
  });
  more.addEventListener('click', () => load(true));

  verifyBtn.addEventListener('click', async () => {
    setBusy(verifyBtn, true);
    verifyResult.className = 'verify-result';
    replace(
      verifyResult,
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      t('audit.verifying'),
    );
    try {
      const r = await api.verifyAudit();
      if (!ctx.alive()) return;
      if (r.ok) {
        verifyResult.className = 'verify-result banner banner-success';
        verifyResult.dataset.ok = 'true';
        replace(
          verifyResult,
          icon('check'),
          h(
            'p',
            null,
            h('strong', null, t('audit.verify_ok')),
            ' ',
            t('audit.verify_ok_detail', { n: r.events }),
          ),
        );
      } else {
        verifyResult.className = 'verify-result banner banner-error';
        verifyResult.dataset.ok = 'false';
        replace(
          verifyResult,
          icon('alert'),
          h(
            'p',
            null,
            h('strong', null, t('audit.verify_bad')),
            ' ',
            t('audit.verify_bad_detail', { n: r.events, id: r.first_bad_id }),
          ),
        );
      }
    } catch (err) {
      if (!ctx.alive()) return;
      verifyResult.className = 'verify-result banner banner-error';
      delete verifyResult.dataset.ok;
      replace(verifyResult, icon('alert'), h('p', null, errorText(err)));
    } finally {
      setBusy(verifyBtn, false);
    }
  });

  ctx.onCleanup(() => {
    clearTimeout(timer);
    if (controller) controller.abort();
  });

  api.listUsers().then(
    (body) => {
      if (!ctx.alive()) return;
      replace(
        userList,
        ((body && body.items) || []).map((u) => h('option', { value: u.username }, u.display_name)),
      );
    },
    () => {
      /* the list of names is only a typing aid; the filter works without it */
    },
  );
  await load(false);
}
