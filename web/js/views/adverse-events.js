// A patient's adverse events (#/patients/<id>/adverse-events): the list with the serious ones
// standing out, recording one (type, severity, onset, the procedure and specimen it followed,
// what was done, the outcome) and following it up as a new version with the old ones shown; and
// the red banner the patient page shows while the patient has a serious event on record.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tp, tNodes, fmtDate, fmtDateTime } from '../i18n.js';
import { can } from '../session.js';
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
import { loadCatalog, codeLabel } from '../catalog.js';
import {
  radioField,
  radioValue,
  setRadio,
  textOrNull,
  showServerError,
  versionList,
} from '../clinical.js';
import { loadClinic, localToInstant, nowLocal, isDate } from '../schedule.js';
import { patientTabs, patientStrip } from './patient-tabs.js';

const enc = (v) => encodeURIComponent(String(v));

export const TYPES = [
  'bruising',
  'bleeding',
  'pain',
  'swelling',
  'redness',
  'itching',
  'tingling_numbness',
  'headache',
  'infection',
  'haematoma',
  'shedding',
  'vision_change',
  'fainting',
  'other',
];
export const SEVERITIES = ['mild', 'moderate', 'severe', 'serious'];
export const OUTCOMES = ['ongoing', 'resolved', 'resolved_with_sequelae', 'unknown'];
const RESOLVED = new Set(['resolved', 'resolved_with_sequelae']);
export const SEVERITY_BADGE = {
  mild: 'neutral',
  moderate: 'warning',
  severe: 'danger',
  serious: 'danger',
};
export const OUTCOME_BADGE = {
  ongoing: 'warning',
  resolved: 'success',
  resolved_with_sequelae: 'info',
  unknown: 'neutral',
};
const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/;

// What the event was: the type, or the words given for "other".
export function typeText(e) {
  return e.type === 'other' && e.type_other ? e.type_other : t(`adverse.type.${e.type}`);
}

// "2026-12-01T09:00" in the clinic's time as a date and a time kept left to right.
export function localTimeEl(local, iso) {
  const m = LOCAL.exec(local || '');
  if (!m) return h('time', { datetime: iso || '' }, fmtDateTime(iso));
  return h('time', { datetime: iso || local }, fmtDate(m[1]), ' ', ltr(m[2]));
}

export function severityBadge(severity) {
  const b = badge(t(`adverse.severity.${severity}`), SEVERITY_BADGE[severity] || 'neutral');
  b.classList.add(`severity-${severity}`);
  return b;
}

function whoName(u) {
  return u ? u.display_name || u.username : t('history.system');
}

// An event still being followed: its outcome is not known to be over.
function isOpen(e) {
  return e.outcome === 'ongoing';
}

// ---- the banner of the patient page ----

// The red banner for a patient's events, or null when none is serious. The count is of the
// severe and serious events still ongoing.
export function bannerFor(patient, events) {
  const serious = events.filter((e) => e.severity === 'serious');
  if (!serious.length) return null;
  const latest = serious[0];
  const open = events.filter(
    (e) => (e.severity === 'serious' || e.severity === 'severe') && isOpen(e),
  );
  return h(
    'div',
    {
      id: 'ae-serious-banner',
      class: 'banner ae-serious-banner',
      role: 'alert',
      'data-serious-count': String(serious.length),
      'data-open-count': String(open.length),
    },
    icon('alert'),
    h(
      'div',
      { class: 'banner-body' },
      h('p', { class: 'ae-banner-title' }, h('strong', null, t('adverse.banner_title'))),
      h(
        'p',
        { class: 'ae-banner-latest' },
        tNodes('adverse.banner_latest', {
          type: h('bdi', null, typeText(latest)),
          when: localTimeEl(latest.onset_local, latest.onset_at),
          outcome: t(`adverse.outcome.${latest.outcome}`),
        }),
      ),
      h(
        'p',
        { class: 'ae-banner-open', id: 'ae-open-count' },
        open.length ? tp('adverse.banner_open', open.length) : t('adverse.banner_none_open'),
      ),
    ),
    h(
      'a',
      {
        class: 'btn ae-banner-link',
        href: `#/patients/${enc(patient.id)}/adverse-events`,
      },
      t('adverse.banner_link'),
    ),
  );
}

// A place on the patient page that fills with the banner once the patient's events are read;
// it stays empty when they cannot be (the page has its own errors to show).
export function seriousBanner(patient, ctx) {
  const slot = h('div', { id: 'ae-serious-slot', class: 'ae-serious-slot' });
  request('GET', `/patients/${enc(patient.id)}/adverse-events`).then(
    (body) => {
      if (!ctx.alive() || !slot.isConnected) return;
      const banner = bannerFor(patient, (body && body.adverse_events) || []);
      if (banner) replace(slot, banner);
    },
    () => {},
  );
  return slot;
}

// ---- the patient's procedures, when the server keeps them ----

// The patient's procedures with their specimens, or null when the server has no such list (the
// choice is then left out of the form).
async function loadProcedures(patientId) {
  try {
    const body = await request('GET', `/patients/${enc(patientId)}/procedures`);
    const list = Array.isArray(body) ? body : (body && (body.procedures || body.items)) || null;
    return Array.isArray(list) ? list : null;
  } catch {
    return null;
  }
}

function procedureLabel(proc, catalog) {
  const local = proc.started_local || '';
  const m = LOCAL.exec(local);
  const when = m ? `${fmtDate(m[1])} ${m[2]}` : fmtDateTime(proc.started_at);
  const treatment = codeLabel(catalog && catalog.treatments_offered, proc.treatment);
  return t('adverse.procedure_option', { id: proc.id, when, treatment: treatment || '' });
}

// ---- the form ----

// Opens the dialog recording an event (`event` null) or following one up. `onSaved(event)` is
// called with the server's answer.
async function openForm({ patient, event, catalog, procedures, viewDialog, onSaved }) {
  let clinic = null;
  try {
    clinic = await loadClinic();
  } catch {
    clinic = null;
  }
  const zone = (clinic && clinic.time_zone) || 'UTC';
  const now = nowLocal(zone);
  const nowValue = `${now.date}T${String(Math.floor(now.minutes / 60)).padStart(2, '0')}:${String(now.minutes % 60).padStart(2, '0')}`;

  const typeSel = h(
    'select',
    { class: 'input select', name: 'type' },
    h('option', { value: '' }, t('form.choose')),
    TYPES.map((c) => h('option', { value: c }, t(`adverse.type.${c}`))),
  );
  const typeOther = h('input', {
    type: 'text',
    class: 'input',
    name: 'type_other',
    maxlength: '200',
  });
  const typeOtherField = field({
    form: 'adverse',
    name: 'type_other',
    label: t('adverse.type_other'),
    control: typeOther,
    hint: t('adverse.type_other_hint'),
    required: true,
  });
  const severityField = radioField({
    name: 'severity',
    label: t('adverse.severity'),
    options: SEVERITIES.map((s) => [s, t(`adverse.severity.${s}`)]),
    cls: 'ae-severity-field',
  });
  const onsetIn = h('input', {
    type: 'datetime-local',
    class: 'input',
    name: 'onset_at',
    max: nowValue,
  });
  const procSel = h('select', { class: 'input select', name: 'procedure_id' });
  const specSel = h('select', { class: 'input select', name: 'specimen_id' });
  const procField = field({
    form: 'adverse',
    name: 'procedure_id',
    label: t('adverse.procedure'),
    control: procSel,
    optional: true,
  });
  const specField = field({
    form: 'adverse',
    name: 'specimen_id',
    label: t('adverse.specimen'),
    control: specSel,
    optional: true,
  });
  const descIn = h('textarea', {
    class: 'input textarea',
    name: 'description',
    rows: '3',
    maxlength: '4000',
  });
  const actionsIn = h('textarea', {
    class: 'input textarea',
    name: 'actions',
    rows: '3',
    maxlength: '4000',
  });
  const outcomeSel = h(
    'select',
    { class: 'input select', name: 'outcome' },
    OUTCOMES.map((o) => h('option', { value: o }, t(`adverse.outcome.${o}`))),
  );
  const resolvedIn = h('input', {
    type: 'date',
    class: 'input',
    name: 'resolved_date',
    max: now.date,
  });
  const resolvedField = field({
    form: 'adverse',
    name: 'resolved_date',
    label: t('adverse.resolved_date'),
    control: resolvedIn,
    required: true,
  });
  const formError = h('div', { id: 'adverse-form-error', class: 'form-error', role: 'alert' });
  const save = button(t('adverse.save'), { kind: 'primary', type: 'submit', id: 'adverse-save' });
  const cancel = button(t('common.cancel'));
  const versions = h('div', { class: 'ae-versions' });

  const form = h(
    'form',
    {
      id: 'adverse-form',
      class: 'form',
      novalidate: true,
      'data-adverse-id': event ? String(event.id) : null,
    },
    h(
      'div',
      { class: 'form-grid ae-form-grid' },
      field({
        form: 'adverse',
        name: 'type',
        label: t('adverse.type'),
        control: typeSel,
        required: true,
      }),
      typeOtherField,
      h('div', { class: 'field-wide' }, severityField),
      field({
        form: 'adverse',
        name: 'onset_at',
        label: t('adverse.onset'),
        control: onsetIn,
        hint: t('adverse.onset_hint'),
        required: true,
      }),
      procField,
      specField,
      field({
        form: 'adverse',
        name: 'description',
        label: t('adverse.description'),
        control: descIn,
        optional: true,
        wide: true,
      }),
      field({
        form: 'adverse',
        name: 'actions',
        label: t('adverse.actions'),
        control: actionsIn,
        optional: true,
        wide: true,
      }),
      field({ form: 'adverse', name: 'outcome', label: t('adverse.outcome'), control: outcomeSel }),
      resolvedField,
    ),
    formError,
    h('div', { class: 'dialog-actions inline' }, cancel, save),
    event ? versions : null,
  );

  // The procedure and specimen choices: the patient's procedures when there are any (or the
  // event is linked to one); otherwise the event keeps the links it has.
  const procs = procedures || [];
  const choose = procedures !== null && (procs.length > 0 || Boolean(event && event.procedure_id));
  // A procedure's specimens, read when it is chosen (the patient's list carries none).
  async function specimensOf(proc) {
    if (!proc) return [];
    if (!proc.specimens) {
      try {
        const body = await request('GET', `/procedures/${enc(proc.id)}/specimens`);
        proc.specimens = (body && body.specimens) || [];
      } catch {
        proc.specimens = [];
      }
    }
    return proc.specimens;
  }
  async function fillSpecimens(selected) {
    const proc = procs.find((p) => String(p.id) === procSel.value);
    const specimens = await specimensOf(proc);
    replace(
      specSel,
      h('option', { value: '' }, t('adverse.specimen_none')),
      specimens.map((s) =>
        h(
          'option',
          { value: s.id },
          `${s.id} · ${s.label || t(`adverse.specimen_kind.${s.kind}`)}`,
        ),
      ),
    );
    if (selected && !specimens.some((s) => s.id === selected))
      specSel.append(h('option', { value: selected }, selected));
    specSel.value = selected || '';
    specField.hidden = !specimens.length && !selected;
  }
  if (choose) {
    replace(
      procSel,
      h('option', { value: '' }, t('adverse.procedure_none')),
      procs.map((p) => h('option', { value: String(p.id) }, procedureLabel(p, catalog))),
    );
    const current = event && event.procedure_id ? String(event.procedure_id) : '';
    if (current && !procs.some((p) => String(p.id) === current))
      procSel.append(
        h('option', { value: current }, t('adverse.linked_procedure', { id: current })),
      );
    procSel.value = current;
    fillSpecimens(event ? event.specimen_id : null);
    procSel.addEventListener('change', () => fillSpecimens(null));
  } else {
    procField.hidden = true;
    specField.hidden = true;
  }

  function syncType() {
    typeOtherField.hidden = typeSel.value !== 'other';
  }
  function syncOutcome() {
    const resolved = RESOLVED.has(outcomeSel.value);
    resolvedField.hidden = !resolved;
    if (resolved && !resolvedIn.value) resolvedIn.value = now.date;
  }
  typeSel.addEventListener('change', syncType);
  outcomeSel.addEventListener('change', syncOutcome);

  if (event) {
    typeSel.value = event.type;
    typeOther.value = event.type_other || '';
    setRadio(form, 'severity', event.severity);
    onsetIn.value = event.onset_local || '';
    descIn.value = event.description || '';
    actionsIn.value = event.actions || '';
    outcomeSel.value = event.outcome;
    resolvedIn.value = event.resolved_date || '';
  } else {
    onsetIn.value = nowValue;
    outcomeSel.value = 'ongoing';
  }
  syncType();
  syncOutcome();

  const { close } = viewDialog({
    title: event ? t('adverse.update_title') : t('adverse.record_title'),
    body: form,
    id: 'adverse-dialog',
    size: 'wide',
  });
  cancel.addEventListener('click', close);
  typeSel.focus();

  if (event) {
    replace(
      versions,
      h('h3', { class: 'course-section-title' }, t('adverse.versions_title')),
      spinner(),
    );
    request('GET', `/adverse-events/${enc(event.id)}/versions`).then(
      (body) => {
        if (!versions.isConnected) return;
        replace(
          versions,
          h('h3', { class: 'course-section-title' }, t('adverse.versions_title')),
          versionList({
            id: 'adverse-versions',
            items: ((body && body.versions) || []).map((v) => ({ ...v, user: v.by })),
            label: fieldLabel,
            value: fieldValue,
          }),
        );
      },
      (err) => {
        if (versions.isConnected) replace(versions, errorBanner(err));
      },
    );
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    clear(formError);
    formError.classList.remove('is-error');
    const required = [];
    if (!typeSel.value) required.push('type');
    if (typeSel.value === 'other' && !typeOther.value.trim()) required.push('type_other');
    if (!radioValue(form, 'severity')) required.push('severity');
    if (!LOCAL.test(onsetIn.value)) required.push('onset_at');
    if (RESOLVED.has(outcomeSel.value) && !isDate(resolvedIn.value)) required.push('resolved_date');
    if (required.length) {
      for (const name of required) setFieldError(form, name, t('error.required'));
      form.querySelector(`[name="${required[0]}"]`)?.focus();
      return;
    }
    const [date, time] = onsetIn.value.split('T');
    const body = {
      type: typeSel.value,
      type_other: typeSel.value === 'other' ? typeOther.value.trim() : null,
      severity: radioValue(form, 'severity'),
      onset_at: localToInstant(date, time, zone),
      description: textOrNull(descIn),
      actions: textOrNull(actionsIn),
      outcome: outcomeSel.value,
      resolved_date: RESOLVED.has(outcomeSel.value) ? resolvedIn.value : null,
    };
    if (choose) {
      body.procedure_id = procSel.value ? Number(procSel.value) : null;
      body.specimen_id = specSel.value || null;
    } else {
      body.procedure_id = event ? event.procedure_id : null;
      body.specimen_id = event ? event.specimen_id : null;
    }
    if (event) body.version = event.version;
    setBusy(save, true);
    try {
      const saved = event
        ? await request('PUT', `/adverse-events/${enc(event.id)}`, { body })
        : await request('POST', `/patients/${enc(patient.id)}/adverse-events`, { body });
      close();
      if (!event) toast(t('adverse.saved'));
      else toast(saved.version === event.version ? t('adverse.unchanged') : t('adverse.updated'));
      onSaved(saved);
    } catch (err) {
      if (err.status === 401) {
        close();
        return;
      }
      const target = showServerError(form, formError, err);
      if (target) target.focus();
    } finally {
      setBusy(save, false);
    }
  });
}

// Field names and values of the version list.
function fieldLabel(path) {
  const key = {
    procedure_id: 'adverse.procedure',
    specimen_id: 'adverse.specimen',
    type: 'adverse.type',
    type_other: 'adverse.type_other',
    severity: 'adverse.severity',
    onset_at: 'adverse.onset',
    onset_local: 'adverse.onset',
    description: 'adverse.description',
    actions: 'adverse.actions',
    outcome: 'adverse.outcome',
    resolved_date: 'adverse.resolved_date',
  }[path];
  return key ? t(key) : path;
}

function fieldValue(path, v) {
  if (path === 'type') return t(`adverse.type.${v}`);
  if (path === 'severity') return t(`adverse.severity.${v}`);
  if (path === 'outcome') return t(`adverse.outcome.${v}`);
  if (path === 'onset_at') return h('time', { datetime: v }, fmtDateTime(v));
  if (path === 'resolved_date') return h('time', { datetime: v }, fmtDate(v));
  if (path === 'procedure_id' || path === 'specimen_id') return ltr(String(v), 'mono');
  return h('span', { class: 'pre-wrap' }, String(v));
}

// ---- one event ----

function eventCard(e, { onUpdate }) {
  const titleId = `adverse-${e.id}-title`;
  const links = [];
  if (e.procedure_id)
    links.push(h('span', null, t('adverse.linked_procedure', { id: e.procedure_id })));
  if (e.specimen_id)
    links.push(
      h('span', null, tNodes('adverse.linked_specimen', { id: ltr(e.specimen_id, 'mono') })),
    );
  return h(
    'article',
    {
      class: `card ae-card severity-${e.severity} outcome-${e.outcome}`,
      'data-adverse-id': String(e.id),
      'data-severity': e.severity,
      'data-outcome': e.outcome,
      'aria-labelledby': titleId,
    },
    h(
      'header',
      { class: 'ae-card-head' },
      h(
        'div',
        { class: 'ae-card-heading' },
        h(
          'h3',
          { id: titleId, class: 'ae-card-title' },
          h('bdi', null, typeText(e)),
          severityBadge(e.severity),
          badge(t(`adverse.outcome.${e.outcome}`), OUTCOME_BADGE[e.outcome] || 'neutral'),
        ),
        h(
          'p',
          { class: 'ae-card-meta muted small' },
          tNodes('adverse.onset_at', { when: localTimeEl(e.onset_local, e.onset_at) }),
          e.resolved_date
            ? h(
                'span',
                { class: 'ae-resolved' },
                ' · ',
                tNodes('adverse.resolved_on', {
                  date: h('time', { datetime: e.resolved_date }, fmtDate(e.resolved_date)),
                }),
              )
            : null,
          links.length
            ? h(
                'span',
                { class: 'ae-links' },
                ' · ',
                ...links.flatMap((l, i) => (i ? [' · ', l] : [l])),
              )
            : null,
        ),
      ),
      onUpdate
        ? button(t('adverse.update'), {
            kind: 'secondary',
            iconName: 'edit',
            'data-action': 'update-adverse',
            onclick: () => onUpdate(e),
          })
        : null,
    ),
    e.description
      ? h(
          'div',
          { class: 'ae-text' },
          h('h4', null, t('adverse.description')),
          h('p', { class: 'pre-wrap' }, e.description),
        )
      : null,
    e.actions
      ? h(
          'div',
          { class: 'ae-text' },
          h('h4', null, t('adverse.actions')),
          h('p', { class: 'pre-wrap' }, e.actions),
        )
      : null,
    h(
      'p',
      { class: 'ae-card-foot muted small' },
      tNodes('adverse.recorded_by', {
        who: h('bdi', null, whoName(e.created_by)),
        when: h('time', { datetime: e.created_at }, fmtDateTime(e.created_at)),
      }),
      e.version > 1
        ? h(
            'span',
            null,
            ' · ',
            tNodes('adverse.updated_by', {
              n: ltr(String(e.version)),
              who: h('bdi', null, whoName(e.updated_by)),
              when: h('time', { datetime: e.updated_at }, fmtDateTime(e.updated_at)),
            }),
          )
        : null,
    ),
  );
}

// ---- the page ----

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'adverse-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog = null;
  try {
    [patient, catalog] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog().catch(() => null),
    ]);
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
  ctx.setTitle(`${t('adverse.title')} · ${displayName(patient)}`);
  const canRecord = can('adverse.record') && !patient.deleted;
  const bannerSlot = h('div', { id: 'ae-serious-slot', class: 'ae-serious-slot' });
  const list = h('div', { id: 'adverse-list', class: 'ae-list', 'aria-busy': 'true' });
  const listError = h('div', { class: 'error-slot' });
  // Read once, when the form first needs it: the endpoint may not exist on this server.
  let proceduresPromise = null;
  const procedures = () => {
    if (!proceduresPromise) proceduresPromise = loadProcedures(patient.id);
    return proceduresPromise;
  };

  function viewDialog(options) {
    const dialog = openDialog(options);
    ctx.onCleanup(dialog.close);
    return dialog;
  }

  async function open(event, opener) {
    if (opener) setBusy(opener, true);
    const procs = await procedures();
    if (opener) setBusy(opener, false);
    if (!ctx.alive()) return;
    await openForm({
      patient,
      event,
      catalog,
      procedures: procs,
      viewDialog,
      onSaved: (saved) => load(saved.id),
    });
  }

  async function load(focusId) {
    list.setAttribute('aria-busy', 'true');
    let body;
    try {
      body = await request('GET', `/patients/${enc(patient.id)}/adverse-events`);
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      list.removeAttribute('aria-busy');
      clear(list);
      replace(listError, errorBanner(err, { retry: () => load(focusId) }));
      return;
    }
    if (!ctx.alive()) return;
    clear(listError);
    list.removeAttribute('aria-busy');
    const events = (body && body.adverse_events) || [];
    const banner = bannerFor(patient, events);
    if (banner) {
      // On its own tab the banner need not link to where the reader already is.
      banner.querySelector('.ae-banner-link')?.remove();
      replace(bannerSlot, banner);
    } else clear(bannerSlot);
    if (!events.length) {
      replace(list, emptyState(t('adverse.none'), canRecord ? t('adverse.none_hint') : null));
      return;
    }
    const onUpdate = canRecord
      ? (e) =>
          open(e, list.querySelector(`[data-adverse-id="${e.id}"] [data-action="update-adverse"]`))
      : null;
    replace(
      list,
      events.map((e) => eventCard(e, { onUpdate })),
    );
    if (focusId !== undefined) {
      const el = list.querySelector(`[data-adverse-id="${CSS.escape(String(focusId))}"]`);
      if (el) {
        el.setAttribute('tabindex', '-1');
        el.focus();
      }
    }
  }

  const recordBtn = canRecord
    ? button(t('adverse.record'), {
        kind: 'primary',
        iconName: 'plus',
        id: 'new-adverse-event',
        onclick: (e) => open(null, e.currentTarget),
      })
    : null;

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'adverse-events'),
    patient.deleted
      ? h(
          'div',
          { class: 'banner banner-error', role: 'status' },
          icon('alert'),
          h('p', null, t('patient.deleted_banner')),
        )
      : null,
    bannerSlot,
    h(
      'div',
      { class: 'toolbar ae-toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { class: 'card-title' }, t('adverse.title')),
        h('p', { class: 'toolbar-hint' }, t('adverse.hint')),
      ),
      recordBtn,
    ),
    listError,
    list,
  );
  list.append(spinner());
  await load();
}
