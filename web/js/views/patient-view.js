// Patient page: every detail, the name in both scripts, the version history with what changed,
// and the admin-only delete that asks for a reason.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, tNodes, fmtDate, fmtDateTime, ageText, errorText } from '../i18n.js';
import { can } from '../session.js';
import {
  pageHeader,
  spinner,
  errorBanner,
  badge,
  openDialog,
  button,
  setBusy,
  toast,
  field,
  setFieldError,
  clearFieldErrors,
} from '../ui.js';
import { fullNameLines, displayName } from '../names.js';
import { patientTabs } from './patient-tabs.js';
import { screeningPanel } from './screening-panel.js';
import { seriousBanner } from './adverse-events.js';

const HIDDEN_CHANGE_KEYS = new Set(['version', 'updated_at', 'created_at', 'id', 'mrn']);
const LTR_FIELDS = new Set(['phone', 'emergency_contact_phone', 'email', 'date_of_birth']);

function empty() {
  return h('span', { class: 'muted' }, t('common.empty_value'));
}

function notRecorded() {
  return h('span', { class: 'muted' }, t('common.not_recorded'));
}

export function fieldValue(name, value) {
  if (value === null || value === undefined || value === '') return empty();
  if (name === 'date_of_birth') return h('span', null, fmtDate(value));
  if (name === 'sex') return h('span', null, t(`sex.${value}`));
  if (name === 'preferred_language') return h('span', null, t(`language.${value}.name`));
  if (name === 'deleted') return h('span', null, value ? t('common.yes') : t('common.no'));
  if (name.endsWith('_ar')) return h('span', { lang: 'ar', dir: 'rtl' }, String(value));
  if (LTR_FIELDS.has(name)) return ltr(String(value), name.includes('phone') ? 'mono' : null);
  return h('span', { class: 'pre-wrap' }, String(value));
}

function fieldLabel(name) {
  const key = `patient.${name}`;
  const label = t(key);
  return label === key ? name : label;
}

function detailList(p, names, oneColumn) {
  const blank = (v) => v === null || v === undefined || v === '';
  return h(
    'dl',
    { class: oneColumn ? 'details details-1' : 'details' },
    names.map((n) =>
      h(
        'div',
        { class: 'detail' },
        h('dt', null, fieldLabel(n)),
        h('dd', { 'data-field': n }, blank(p[n]) ? notRecorded() : fieldValue(n, p[n])),
      ),
    ),
  );
}

function historyItem(item) {
  const who = item.user ? item.user.display_name || item.user.username : t('history.system');
  const action = item.action || 'update';
  const kind = action === 'delete' ? 'danger' : action === 'create' ? 'success' : 'info';
  // A delete's "deleted: false → true" says nothing the badge does not; its reason is shown instead.
  const changes = Object.entries(item.changes || {}).filter(
    ([k]) => !HIDDEN_CHANGE_KEYS.has(k) && !(action === 'delete' && k === 'deleted'),
  );
  const body = [];
  if (changes.length) {
    body.push(
      h(
        'table',
        { class: 'changes' },
        h('caption', { class: 'sr-only' }, t('history.changes_caption', { n: item.version })),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t('history.field')),
            action === 'create' ? null : h('th', { scope: 'col' }, t('history.before')),
            h(
              'th',
              { scope: 'col' },
              action === 'create' ? t('history.value') : t('history.after'),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          changes.map(([k, c]) => {
            const from = c && typeof c === 'object' && 'from' in c ? c.from : null;
            const to = c && typeof c === 'object' && 'to' in c ? c.to : c;
            return h(
              'tr',
              { 'data-change': k },
              h('th', { scope: 'row' }, fieldLabel(k)),
              action === 'create'
                ? null
                : h(
                    'td',
                    {
                      class:
                        from === null || from === undefined || from === ''
                          ? 'change-from is-empty'
                          : 'change-from',
                    },
                    fieldValue(k, from),
                  ),
              h('td', { class: 'change-to' }, fieldValue(k, to)),
            );
          }),
        ),
      ),
    );
  }
  if (action === 'delete') {
    body.push(
      h(
        'p',
        { class: 'history-reason' },
        h('strong', null, t('history.reason')),
        ' ',
        item.reason ? h('span', { class: 'pre-wrap' }, item.reason) : empty(),
      ),
    );
  }
  return h(
    'li',
    { class: `history-item history-${action}`, 'data-version': String(item.version) },
    h('span', { class: `history-dot dot-${kind}`, 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'history-content' },
      h(
        'div',
        { class: 'history-head' },
        badge(t(`history.action.${action}`), kind),
        h('span', { class: 'history-version' }, t('history.version', { n: item.version })),
        h(
          'span',
          { class: 'history-meta' },
          h(
            'span',
            null,
            tNodes('history.by', {
              who: h('bdi', { title: item.user ? item.user.username : null }, who),
            }),
          ),
          ' · ',
          h('time', { datetime: item.at }, fmtDateTime(item.at)),
        ),
      ),
      body,
    ),
  );
}

function openDeleteDialog(p, ctx) {
  const reason = h('textarea', {
    id: 'delete-reason',
    name: 'reason',
    class: 'input textarea',
    rows: '3',
    maxlength: '500',
    required: true,
  });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const confirm = h(
    'button',
    { id: 'delete-confirm', type: 'submit', class: 'btn btn-danger' },
    icon('trash'),
    h('span', null, t('delete.confirm')),
  );
  const cancel = button(t('common.cancel'));
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    h('p', null, t('delete.explain')),
    h(
      'p',
      { class: 'delete-target' },
      h('strong', null, h('bdi', null, displayName(p))),
      ' · ',
      t('patient.mrn'),
      ' ',
      ltr(p.mrn, 'mono'),
    ),
    field({
      form: 'del',
      id: 'delete-reason',
      name: 'reason',
      label: t('delete.reason'),
      control: reason,
      hint: t('delete.reason_hint'),
      required: true,
    }),
    error,
    h('div', { class: 'dialog-actions inline' }, cancel, confirm),
  );
  const { close } = openDialog({ title: t('delete.title'), body: form, id: 'delete-dialog' });
  cancel.addEventListener('click', close);
  reason.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    error.textContent = '';
    const text = reason.value.trim();
    if (!text) {
      setFieldError(form, 'reason', t('error.required'));
      reason.focus();
      return;
    }
    setBusy(confirm, true);
    try {
      await api.deletePatient(p.id, text);
      close();
      toast(t('delete.done'));
      ctx.navigate('#/patients');
    } catch (err) {
      if (err.status === 401) {
        close();
        return;
      }
      if (!(err.field === 'reason' && setFieldError(form, 'reason', errorText(err))))
        error.textContent = errorText(err);
    } finally {
      setBusy(confirm, false);
    }
  });
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'patient-page' });
  main.append(page);
  page.append(spinner());
  const back = { href: '#/patients', label: t('nav.patients') };
  let p;
  const historyPromise = api.patientHistory(params.id).then(
    (body) => ({ body }),
    (err) => ({ err }),
  );
  try {
    p = await api.getPatient(params.id);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(page, pageHeader(t('patient.title'), { back }), errorBanner(err));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(displayName(p));

  const actions = [];
  if (!p.deleted && can('patient.update')) {
    actions.push(
      h(
        'a',
        {
          id: 'edit-patient',
          class: 'btn btn-primary',
          href: `#/patients/${encodeURIComponent(p.id)}/edit`,
          role: 'button',
        },
        icon('edit'),
        h('span', null, t('patient.edit')),
      ),
    );
  }
  if (!p.deleted && can('patient.delete')) {
    actions.push(
      button(t('patient.delete'), {
        kind: 'danger-outline',
        iconName: 'trash',
        id: 'delete-patient',
        onclick: () => openDeleteDialog(p, ctx),
      }),
    );
  }

  const age = ageText(p.date_of_birth);
  const summary = h(
    'div',
    { class: 'card patient-summary' },
    h(
      'div',
      { class: 'patient-identity' },
      h('div', { class: 'patient-avatar', 'aria-hidden': 'true' }, icon('user')),
      h(
        'div',
        { class: 'patient-names' },
        h(
          'h1',
          { id: 'patient-name', class: 'patient-name page-title', tabindex: '-1' },
          fullNameLines(p, 'pname'),
        ),
        h(
          'div',
          { class: 'patient-facts' },
          h(
            'span',
            { class: 'fact' },
            h('span', { class: 'fact-label' }, t('patient.mrn')),
            ' ',
            h('bdi', { id: 'patient-mrn', dir: 'ltr', class: 'mono fact-value' }, p.mrn),
          ),
          h(
            'span',
            { class: 'fact' },
            h('span', { class: 'fact-label' }, t('patient.date_of_birth')),
            ' ',
            h('span', { class: 'fact-value' }, fmtDate(p.date_of_birth)),
            age ? h('span', { class: 'muted' }, ` (${age})`) : null,
          ),
          h(
            'span',
            { class: 'fact' },
            h('span', { class: 'fact-label' }, t('patient.sex')),
            ' ',
            h('span', { class: 'fact-value' }, p.sex ? t(`sex.${p.sex}`) : '—'),
          ),
        ),
      ),
    ),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );

  // The screening panel needs the clinical records, which a deleted patient no longer offers.
  const panel =
    !p.deleted && can('clinical.read')
      ? screeningPanel(p, ctx, { restored: ctx.restored && ctx.restored.screening })
      : null;
  if (panel) ctx.setSaveState(() => ({ screening: panel.saveState() }));

  const notes = p.notes
    ? h('p', { class: 'pre-wrap notes' }, p.notes)
    : h('p', { class: 'muted' }, t('patient.no_notes'));
  const historyList = h(
    'ol',
    { id: 'patient-history', class: 'history', 'aria-busy': 'true' },
    h('li', null, spinner()),
  );

  replace(
    page,
    h(
      'div',
      { class: 'page-heading-row' },
      h('a', { class: 'back-link', href: back.href }, icon('chevronStart', 'flip-rtl'), back.label),
    ),
    h(
      'div',
      { id: 'patient-view', 'data-patient-id': String(p.id), class: 'patient-view' },
      p.deleted
        ? h(
            'div',
            { class: 'banner banner-error', role: 'status' },
            icon('alert'),
            h('p', null, t('patient.deleted_banner')),
          )
        : null,
      summary,
      // A serious adverse event must be seen before anything else is done for the patient.
      !p.deleted && can('adverse.read') ? seriousBanner(p, ctx) : null,
      patientTabs(p, 'overview'),
      h(
        'div',
        { class: 'patient-columns' + (panel ? ' has-screening' : '') },
        h(
          'div',
          { class: 'patient-main' },
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'sec-names' },
            h('h2', { id: 'sec-names', class: 'card-title' }, t('patient.section_names')),
            detailList(p, ['given_name', 'family_name', 'given_name_ar', 'family_name_ar']),
          ),
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'sec-contact' },
            h('h2', { id: 'sec-contact', class: 'card-title' }, t('patient.section_contact')),
            detailList(p, ['phone', 'email', 'preferred_language', 'address']),
          ),
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'sec-emergency' },
            h('h2', { id: 'sec-emergency', class: 'card-title' }, t('patient.section_emergency')),
            detailList(p, ['emergency_contact_name', 'emergency_contact_phone'], true),
          ),
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'sec-notes' },
            h('h2', { id: 'sec-notes', class: 'card-title' }, t('patient.notes')),
            notes,
          ),
        ),
        h(
          'aside',
          { class: 'patient-side' },
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'sec-history' },
            h(
              'h2',
              { id: 'sec-history', class: 'card-title' },
              icon('history'),
              t('history.title'),
            ),
            historyList,
          ),
          h(
            'section',
            { class: 'card card-muted', 'aria-labelledby': 'sec-record' },
            h('h2', { id: 'sec-record', class: 'card-title' }, t('patient.section_record')),
            h(
              'dl',
              { class: 'details details-3' },
              h(
                'div',
                { class: 'detail' },
                h('dt', null, t('patient.created_at')),
                h('dd', null, h('time', { datetime: p.created_at }, fmtDateTime(p.created_at))),
              ),
              h(
                'div',
                { class: 'detail' },
                h('dt', null, t('patient.updated_at')),
                h('dd', null, h('time', { datetime: p.updated_at }, fmtDateTime(p.updated_at))),
              ),
              h(
                'div',
                { class: 'detail' },
                h('dt', null, t('patient.version')),
                h('dd', null, String(p.version)),
              ),
            ),
          ),
        ),
        panel ? panel.el : null,
      ),
    ),
  );
  if (panel) panel.start();
  // The course form links here when a prescription needs a signed screening.
  if (panel && ctx.query.get('focus') === 'screening') {
    panel.el.setAttribute('tabindex', '-1');
    panel.el.focus();
  }

  const { body, err } = await historyPromise;
  if (!ctx.alive()) return;
  historyList.removeAttribute('aria-busy');
  if (err) {
    if (err.status === 401) return;
    replace(
      historyList,
      h('li', null, h('p', { class: 'form-error', role: 'alert' }, errorText(err))),
    );
    return;
  }
  const items = (body && body.items) || [];
  if (!items.length) replace(historyList, h('li', { class: 'muted' }, t('history.none')));
  else replace(historyList, items.map(historyItem));
}
