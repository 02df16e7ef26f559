// Patient list: search as you type (debounced), sortable columns and paging. The list state
// lives in the hash (#/patients?q=…&sort=…) so Back returns to the same page of results.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, fmtDate, ageText, errorText } from '../i18n.js';
import { can, hasRole } from '../session.js';
import { pageHeader, badge } from '../ui.js';
import { orderedScripts } from '../names.js';

const PAGE_SIZE = 25;
const DEBOUNCE_MS = 200;
const SORTS = ['mrn', 'family_name', 'given_name', 'date_of_birth', 'created_at', 'updated_at'];

function readState(query) {
  const sort = SORTS.includes(query.get('sort')) ? query.get('sort') : 'family_name';
  const order = query.get('order') === 'desc' ? 'desc' : 'asc';
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  return { q: query.get('q') || '', sort, order, offset, deleted: query.get('deleted') === '1' };
}

function writeState(state) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.sort !== 'family_name') p.set('sort', state.sort);
  if (state.order !== 'asc') p.set('order', state.order);
  if (state.offset) p.set('offset', String(state.offset));
  if (state.deleted) p.set('deleted', '1');
  const s = p.toString();
  history.replaceState(null, '', s ? `#/patients?${s}` : '#/patients');
}

// The server returns search results in its own order whatever `sort` asks for. When the whole
// result fits on one page, order it here so the column headers tell the truth.
function orderSearchPage(items, state, body) {
  if (!state.q.trim() || body.has_more || state.offset !== 0) return items;
  const dir = state.order === 'desc' ? -1 : 1;
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  const value = (p) => {
    if (state.sort === 'family_name') return p.family_name || p.family_name_ar || '';
    if (state.sort === 'given_name') return p.given_name || p.given_name_ar || '';
    return p[state.sort] || '';
  };
  return [...items].sort((x, y) => dir * collator.compare(value(x), value(y)) || x.id - y.id);
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('patients.title'));
  const state = readState(ctx.query);
  let controller = null;
  let timer = null;
  let seq = 0;

  const search = h('input', {
    id: 'patient-search',
    class: 'input search-input',
    type: 'search',
    value: state.q,
    placeholder: t('patients.search_prompt'),
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'patient-search-hint',
    'aria-controls': 'patient-table',
  });
  const searchBox = h(
    'div',
    { class: 'search-box' },
    h('label', { for: 'patient-search', class: 'sr-only' }, t('patients.search_label')),
    icon('search', 'search-icon'),
    search,
    h('kbd', { class: 'kbd', 'aria-hidden': 'true', title: t('patients.search_shortcut') }, '/'),
  );
  const hint = h(
    'p',
    { id: 'patient-search-hint', class: 'toolbar-hint' },
    t('patients.search_hint'),
  );

  let deletedToggle = null;
  if (hasRole('admin')) {
    const cb = h('input', { type: 'checkbox', id: 'patient-show-deleted', checked: state.deleted });
    cb.addEventListener('change', () => {
      state.deleted = cb.checked;
      state.offset = 0;
      load();
    });
    deletedToggle = h(
      'label',
      { class: 'checkbox', for: 'patient-show-deleted' },
      cb,
      h('span', null, t('patients.show_deleted')),
    );
  }

  const thead = h('thead');
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'patient-table', class: 'table table-patients', 'aria-describedby': 'patient-count' },
    h('caption', { class: 'sr-only' }, t('patients.table_caption')),
    thead,
    tbody,
  );
  const status = h('p', { id: 'patient-count', class: 'pager-status', 'aria-live': 'polite' });
  const prev = h(
    'button',
    { type: 'button', id: 'page-prev', class: 'btn btn-secondary', disabled: true },
    icon('chevronStart', 'flip-rtl'),
    h('span', null, t('common.previous')),
  );
  const next = h(
    'button',
    { type: 'button', id: 'page-next', class: 'btn btn-secondary', disabled: true },
    h('span', null, t('common.next')),
    icon('chevronEnd', 'flip-rtl'),
  );
  const errorSlot = h('div', { class: 'error-slot' });

  const actions = [];
  if (can('patient.create')) {
    actions.push(
      h(
        'a',
        { id: 'new-patient', class: 'btn btn-primary', href: '#/patients/new', role: 'button' },
        icon('plus'),
        h('span', null, t('patients.new')),
      ),
    );
  }

  main.append(
    h(
      'section',
      { class: 'page' },
      pageHeader(t('patients.title'), { actions }),
      h(
        'div',
        { class: 'card card-flush' },
        h(
          'div',
          { class: 'toolbar' },
          h('div', { class: 'toolbar-main' }, searchBox, hint),
          deletedToggle,
        ),
        errorSlot,
        h('div', { class: 'table-wrap' }, table),
        h('div', { class: 'pager' }, status, h('div', { class: 'pager-buttons' }, prev, next)),
      ),
    ),
  );

  function sortHeader(key, label, cls) {
    const active = state.sort === key;
    const btn = h(
      'button',
      { type: 'button', class: 'sort-btn' },
      h('span', null, label),
      h(
        'span',
        { class: 'sort-arrow', 'aria-hidden': 'true' },
        active ? (state.order === 'asc' ? '▲' : '▼') : '↕',
      ),
    );
    btn.addEventListener('click', () => {
      if (state.sort === key) state.order = state.order === 'asc' ? 'desc' : 'asc';
      else {
        state.sort = key;
        state.order = 'asc';
      }
      state.offset = 0;
      load();
    });
    return h(
      'th',
      {
        scope: 'col',
        'data-sort': key,
        class: cls || null,
        'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none',
      },
      btn,
    );
  }

  function renderHead() {
    replace(
      thead,
      h(
        'tr',
        null,
        sortHeader('mrn', t('patient.mrn'), 'col-mrn'),
        sortHeader('family_name', t('patient.family_name')),
        sortHeader('given_name', t('patient.given_name')),
        sortHeader('date_of_birth', t('patient.date_of_birth'), 'col-dob'),
        h('th', { scope: 'col', class: 'col-sex' }, t('patient.sex')),
        h('th', { scope: 'col', class: 'col-phone' }, t('patient.phone')),
      ),
    );
  }

  function scriptCell(latin, arabic) {
    return h('div', { class: 'name-stack' }, orderedScripts(latin, arabic, 'name'));
  }

  function row(p) {
    const href = `#/patients/${encodeURIComponent(p.id)}`;
    const tr = h(
      'tr',
      { 'data-patient-id': String(p.id), class: p.deleted ? 'is-deleted' : null },
      h(
        'td',
        { class: 'col-mrn' },
        h(
          'a',
          { href, class: 'row-link mono', 'aria-label': t('patients.open', { mrn: p.mrn }) },
          ltr(p.mrn),
        ),
        p.deleted ? badge(t('patient.deleted_badge'), 'danger') : null,
      ),
      h('td', null, scriptCell(p.family_name, p.family_name_ar)),
      h('td', null, scriptCell(p.given_name, p.given_name_ar)),
      h(
        'td',
        { class: 'col-dob' },
        h(
          'div',
          { class: 'name-stack' },
          h('span', null, fmtDate(p.date_of_birth)),
          h('span', { class: 'muted small' }, ageText(p.date_of_birth)),
        ),
      ),
      h('td', { class: 'col-sex' }, p.sex ? t(`sex.${p.sex}`) : ''),
      h(
        'td',
        { class: 'col-phone' },
        p.phone ? ltr(p.phone, 'mono') : h('span', { class: 'muted' }, '—'),
      ),
    );
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button')) return;
      if (String(window.getSelection() || '')) return;
      ctx.navigate(href);
    });
    return tr;
  }

  function messageRow(content) {
    return h('tr', { class: 'message-row' }, h('td', { colspan: '6' }, content));
  }

  async function load() {
    writeState(state);
    renderHead();
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++seq;
    table.setAttribute('aria-busy', 'true');
    table.classList.add('is-loading');
    if (!tbody.firstChild) {
      tbody.append(
        messageRow(
          h(
            'div',
            { class: 'loading' },
            h('span', { class: 'spinner', 'aria-hidden': 'true' }),
            t('common.loading'),
          ),
        ),
      );
    }
    replace(errorSlot);
    const query = { offset: state.offset, limit: PAGE_SIZE, sort: state.sort, order: state.order };
    const q = state.q.trim();
    if (q) query.q = q;
    if (state.deleted) query.include_deleted = 1;
    let body;
    try {
      body = await api.listPatients(query, controller.signal);
    } catch (err) {
      if (err.name === 'AbortError' || mine !== seq || !ctx.alive()) return;
      table.removeAttribute('aria-busy');
      table.classList.remove('is-loading');
      replace(tbody, messageRow(h('p', { class: 'form-error', role: 'alert' }, errorText(err))));
      status.textContent = '';
      prev.disabled = state.offset === 0;
      next.disabled = true;
      return;
    }
    if (mine !== seq || !ctx.alive()) return;
    table.removeAttribute('aria-busy');
    table.classList.remove('is-loading');
    const items = body.items || [];
    if (!items.length && state.offset > 0) {
      // The page emptied under us (records deleted meanwhile): step back to the last full page.
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      load();
      return;
    }
    if (!items.length) {
      replace(
        tbody,
        messageRow(
          h(
            'div',
            { class: 'empty' },
            h(
              'p',
              { class: 'empty-title' },
              q ? t('patients.none_found', { q }) : t('patients.none_yet'),
            ),
            h(
              'p',
              { class: 'empty-text' },
              q
                ? t('patients.none_found_hint')
                : can('patient.create')
                  ? t('patients.none_yet_hint')
                  : '',
            ),
          ),
        ),
      );
    } else {
      replace(tbody, orderSearchPage(items, state, body).map(row));
    }
    const from = items.length ? state.offset + 1 : 0;
    const to = state.offset + items.length;
    if (typeof body.total === 'number' && !q) {
      status.textContent = t('patients.range_total', { from, to, total: body.total });
    } else if (items.length) {
      status.textContent = t('patients.range', { from, to });
    } else {
      status.textContent = '';
    }
    prev.disabled = state.offset === 0;
    next.disabled = !body.has_more;
  }

  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (state.q === search.value) return;
      state.q = search.value;
      state.offset = 0;
      load();
    }, DEBOUNCE_MS);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      state.q = search.value;
      state.offset = 0;
      load();
    } else if (e.key === 'Escape' && search.value) {
      e.preventDefault();
      search.value = '';
      search.dispatchEvent(new Event('input'));
    } else if (e.key === 'ArrowDown') {
      const first = tbody.querySelector('a.row-link');
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  // Up and down arrows move between patients once a row has focus.
  tbody.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const links = [...tbody.querySelectorAll('a.row-link')];
    const i = links.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    if (e.key === 'ArrowUp' && i === 0) search.focus();
    else
      links[Math.max(0, Math.min(links.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))].focus();
  });
  prev.addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    load();
  });
  next.addEventListener('click', () => {
    state.offset += PAGE_SIZE;
    load();
  });
  ctx.onCleanup(() => {
    clearTimeout(timer);
    if (controller) controller.abort();
  });
  ctx.setSaveState(() => ({ focusSearch: document.activeElement === search }));

  if (ctx.query.get('focus') === 'search' || (ctx.restored && ctx.restored.focusSearch)) {
    ctx.query.delete('focus');
    search.focus();
  }
  await load();
}
