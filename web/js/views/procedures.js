// A patient's procedures (#/patients/<id>/procedures): every treatment session recorded at the
// chair, newest first, with its status and the steps recorded; each opens the chair view of its
// appointment, where an open one is carried on.

import { h, icon, ltr, replace } from '../dom.js';
import { request } from '../api.js';
import { t, fmtDate } from '../i18n.js';
import { badge, spinner, errorBanner, emptyState } from '../ui.js';
import { displayName } from '../names.js';
import { loadCatalog, codeLabel } from '../catalog.js';
import { patientTabs, patientStrip } from './patient-tabs.js';

const enc = (v) => encodeURIComponent(String(v));

const STATUS_KIND = { open: 'info', completed: 'success', abandoned: 'danger' };
const STEP_KEYS = ['preparation', 'specimens', 'identity_check', 'injection', 'aftercare'];

function localTimeEl(local) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(local || '');
  if (!m) return ltr(local || '');
  return h('time', { datetime: local }, fmtDate(m[1]), ' ', ltr(m[2]));
}

function procedureItem(p, catalog) {
  const steps = p.steps || {};
  const appt = p.appointment || {};
  return h(
    'li',
    {
      class: `card procedure-item status-${p.status}`,
      'data-procedure-id': String(p.id),
      'data-status': p.status,
      'data-appointment-id': appt.id !== undefined ? String(appt.id) : null,
    },
    h(
      'div',
      { class: 'procedure-head' },
      h(
        'a',
        { class: 'procedure-link', href: `#/chair/${enc(appt.id)}` },
        h('strong', null, codeLabel(catalog && catalog.treatments, p.treatment)),
      ),
      badge(t(`chair.procedure_status.${p.status}`), STATUS_KIND[p.status] || 'neutral'),
    ),
    h(
      'p',
      { class: 'procedure-meta muted small' },
      t('chair.appointment'),
      ' ',
      localTimeEl(appt.local_start),
      p.started_local ? [' · ', t('procedures.started'), ' ', localTimeEl(p.started_local)] : null,
    ),
    h(
      'ul',
      { class: 'procedure-steps' },
      STEP_KEYS.map((k) =>
        h(
          'li',
          { 'data-step': k, class: steps[k] ? 'is-done' : 'is-todo' },
          icon(steps[k] ? 'check' : 'history'),
          h('span', null, t(`procedures.step.${k}`)),
        ),
      ),
    ),
    h(
      'a',
      {
        class: 'btn btn-secondary',
        'data-action': 'open-chair',
        href: `#/chair/${enc(appt.id)}`,
      },
      h(
        'span',
        { class: 'btn-label' },
        p.status === 'open' ? t('procedures.continue') : t('procedures.open'),
      ),
      icon('chevronEnd', 'flip-rtl'),
    ),
  );
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'procedures-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog;
  let list;
  try {
    [patient, catalog, list] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog(),
      request('GET', `/patients/${enc(params.id)}/procedures`),
    ]);
  } catch (err) {
    if (!ctx.alive() || err.status === 401) return;
    replace(
      page,
      h(
        'a',
        { class: 'back-link', href: '#/patients' },
        icon('chevronStart', 'flip-rtl'),
        t('nav.patients'),
      ),
      errorBanner(err, { retry: () => ctx.navigate(location.hash) }),
    );
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('procedures.title')} · ${displayName(patient)}`);
  const items = (list && list.procedures) || [];
  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'procedures'),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { class: 'card-title' }, t('procedures.title')),
        h('p', { class: 'toolbar-hint' }, t('procedures.hint')),
      ),
    ),
    items.length
      ? h(
          'ol',
          { id: 'procedure-list', class: 'procedure-list' },
          items.map((p) => procedureItem(p, catalog)),
        )
      : h(
          'div',
          { id: 'procedure-list' },
          emptyState(t('procedures.none'), t('procedures.none_hint')),
        ),
  );
}
