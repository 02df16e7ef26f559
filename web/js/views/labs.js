// A patient's laboratory results: the table (deleted ones on request), manual entry whose unit
// list follows the analyte, deletion with a reason, and CSV import with a preview of every row's
// problems before anything is saved.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tp, tNodes, has, fmtDate, fmtDateTime, fmtNumber, errorText } from '../i18n.js';
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
import { loadCatalog, localText, entry } from '../catalog.js';
import { patientTabs, patientStrip } from './patient-tabs.js';

const MAX_FILE_BYTES = 8 << 20;
const FORM_FIELDS = [
  'analyte',
  'value',
  'unit',
  'measured_at',
  'measured_time',
  'reference_low',
  'reference_high',
];

const enc = (v) => encodeURIComponent(String(v));

function todayValue(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function dash() {
  return h('span', { class: 'muted' }, '—');
}

function numText(n) {
  return fmtNumber(n);
}

// "150–400 ×10⁹/L", "≥ 150 ×10⁹/L", "≤ 400 ×10⁹/L" or a dash.
function rangeText(low, high, unit) {
  const hasLow = low !== null && low !== undefined;
  const hasHigh = high !== null && high !== undefined;
  if (!hasLow && !hasHigh) return dash();
  let text;
  if (hasLow && hasHigh) text = `${numText(low)}–${numText(high)}`;
  else if (hasLow) text = `≥ ${numText(low)}`;
  else text = `≤ ${numText(high)}`;
  return ltr(unit ? `${text} ${unit}` : text, 'nowrap');
}

function measuredText(lab) {
  if (!lab.measured_at) return dash();
  if (lab.date_only)
    return h(
      'time',
      { datetime: lab.measured_at.slice(0, 10) },
      fmtDate(lab.measured_at.slice(0, 10)),
    );
  return h('time', { datetime: lab.measured_at }, fmtDateTime(lab.measured_at));
}

function flagBadge(flag) {
  if (flag === 'low')
    return h(
      'span',
      { class: 'badge badge-flag-low', 'data-flag': 'low' },
      '↓ ',
      t('labs.flag.low'),
    );
  if (flag === 'high')
    return h(
      'span',
      { class: 'badge badge-flag-high', 'data-flag': 'high' },
      '↑ ',
      t('labs.flag.high'),
    );
  return dash();
}

function analyteLabel(catalog, lab) {
  if (lab.label) return localText(lab.label);
  const a = entry(catalog && catalog.analytes, lab.analyte);
  return a ? localText(a.label) : lab.analyte || '';
}

function csvErrorText(code) {
  if (has(`labs.csv_error.${code}`)) return t(`labs.csv_error.${code}`);
  if (has(`error.${code}`)) return t(`error.${code}`);
  return t('labs.csv_error.other');
}

// Column names as the file must spell them, whatever the interface language.
function codeList(names) {
  return h(
    'span',
    { class: 'code-list' },
    names.map((n, i) => [i ? t('common.list_separator') : '', h('code', { dir: 'ltr' }, n)]),
  );
}

function columnText(name) {
  if (!name) return t('labs.column.row');
  return has(`labs.column.${name}`) ? t(`labs.column.${name}`) : name;
}

// The message of a failure of the whole file: the code translated, the server's English text
// as the detail that names the row and column.
function importFailure(err) {
  const text = has(`labs.import_error.${err.code}`)
    ? t(`labs.import_error.${err.code}`)
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

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'labs-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog;
  try {
    [patient, catalog] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog(),
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
  ctx.setTitle(`${t('labs.title')} · ${displayName(patient)}`);
  const canWrite = can('clinical.write') && !patient.deleted;
  const restored = ctx.restored && ctx.restored.labs;
  let showDeleted = !!(restored && restored.showDeleted);
  let labs = [];

  // ---- results table ----
  const showDeletedBox = h('input', {
    type: 'checkbox',
    id: 'lab-show-deleted',
    checked: showDeleted,
  });
  showDeletedBox.addEventListener('change', () => {
    showDeleted = showDeletedBox.checked;
    loadLabs();
  });
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'lab-table', class: 'table table-labs' },
    h('caption', { class: 'sr-only' }, t('labs.table_caption')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('labs.analyte')),
        h('th', { scope: 'col' }, t('labs.result')),
        h('th', { scope: 'col' }, t('labs.reference_range')),
        h('th', { scope: 'col' }, t('labs.flag')),
        h('th', { scope: 'col' }, t('labs.measured_at')),
        h('th', { scope: 'col' }, t('labs.entered')),
        h('th', { scope: 'col' }, t('labs.source')),
        canWrite
          ? h(
              'th',
              { scope: 'col', class: 'col-actions' },
              h('span', { class: 'sr-only' }, t('common.actions')),
            )
          : null,
      ),
    ),
    tbody,
  );
  const tableError = h('div', { class: 'error-slot' });
  const resultsCard = h(
    'section',
    { class: 'card card-flush', 'aria-labelledby': 'labs-results-title' },
    h(
      'div',
      { class: 'toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { id: 'labs-results-title', class: 'card-title' }, t('labs.results_title')),
        h('p', { class: 'toolbar-hint' }, t('labs.results_hint')),
      ),
      h(
        'label',
        { class: 'checkbox', for: 'lab-show-deleted' },
        showDeletedBox,
        h('span', null, t('labs.show_deleted')),
      ),
    ),
    tableError,
    h('div', { class: 'table-wrap' }, table),
  );

  function labRow(lab) {
    const canonical =
      lab.canonical && lab.canonical.unit && lab.canonical.unit !== lab.unit
        ? h(
            'span',
            { class: 'lab-canonical muted' },
            ltr(`= ${numText(lab.canonical.value)} ${lab.canonical.unit}`),
          )
        : null;
    const who = lab.entered_by
      ? lab.entered_by.display_name || lab.entered_by.username
      : t('history.system');
    let del = null;
    if (canWrite && !lab.deleted) {
      del = h(
        'button',
        {
          type: 'button',
          class: 'icon-btn icon-btn-danger',
          'data-action': 'delete-lab',
          'aria-label': t('labs.delete_aria', { analyte: analyteLabel(catalog, lab) }),
          title: t('labs.delete'),
        },
        icon('trash'),
      );
      del.addEventListener('click', () => openDelete(lab));
    }
    return h(
      'tr',
      {
        'data-lab-id': String(lab.id),
        'data-analyte': lab.analyte,
        class: lab.deleted ? 'is-deleted' : null,
      },
      h(
        'td',
        { class: 'lab-analyte' },
        h('span', { class: 'lab-analyte-name' }, analyteLabel(catalog, lab)),
        lab.deleted
          ? h(
              'span',
              { class: 'lab-deleted-note' },
              badge(t('labs.deleted'), 'danger'),
              ' ',
              t('labs.deleted_by', {
                who: lab.deleted_by ? lab.deleted_by.display_name || lab.deleted_by.username : '',
                at: fmtDateTime(lab.deleted_at),
              }),
              lab.delete_reason
                ? h('span', { class: 'pre-wrap lab-delete-reason' }, lab.delete_reason)
                : null,
            )
          : null,
      ),
      h(
        'td',
        { class: 'lab-value' },
        ltr(`${numText(lab.value)} ${lab.unit}`, 'strong nowrap'),
        canonical,
      ),
      h('td', null, rangeText(lab.reference_low, lab.reference_high, lab.unit)),
      h('td', null, flagBadge(lab.flag)),
      h('td', { class: 'nowrap' }, measuredText(lab)),
      h(
        'td',
        { class: 'lab-entered' },
        h('bdi', { title: lab.entered_by ? lab.entered_by.username : null }, who),
        h(
          'span',
          { class: 'muted small' },
          h('time', { datetime: lab.entered_at }, fmtDateTime(lab.entered_at)),
        ),
      ),
      h(
        'td',
        null,
        lab.source === 'import'
          ? badge(t('labs.source.import'), 'info')
          : badge(t(`labs.source.${lab.source === 'manual' ? 'manual' : 'other'}`)),
      ),
      canWrite ? h('td', { class: 'col-actions' }, del) : null,
    );
  }

  async function loadLabs() {
    table.classList.add('is-loading');
    let body;
    try {
      body = await request('GET', `/patients/${enc(patient.id)}/labs`, {
        query: showDeleted ? { include_deleted: 1 } : {},
      });
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      table.classList.remove('is-loading');
      replace(tableError, errorBanner(err, { retry: loadLabs }));
      return;
    }
    if (!ctx.alive()) return;
    table.classList.remove('is-loading');
    clear(tableError);
    labs = (body && body.items) || [];
    if (!labs.length) {
      replace(
        tbody,
        h(
          'tr',
          { class: 'message-row' },
          h(
            'td',
            { colspan: canWrite ? '8' : '7' },
            emptyState(t('labs.none'), canWrite ? t('labs.none_hint') : null),
          ),
        ),
      );
    } else {
      replace(tbody, labs.map(labRow));
    }
  }

  function openDelete(lab) {
    const reason = h('textarea', { class: 'input textarea', rows: '3', maxlength: '500' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const confirm = h(
      'button',
      { id: 'lab-delete-confirm', type: 'submit', class: 'btn btn-danger' },
      icon('trash'),
      h('span', null, t('labs.delete_confirm')),
    );
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true },
      h('p', null, t('labs.delete_explain')),
      h(
        'p',
        { class: 'delete-target' },
        h('strong', null, analyteLabel(catalog, lab)),
        ' · ',
        ltr(`${numText(lab.value)} ${lab.unit}`),
        ' · ',
        measuredText(lab),
      ),
      field({
        form: 'labdel',
        id: 'lab-delete-reason',
        name: 'reason',
        label: t('labs.delete_reason'),
        control: reason,
        hint: t('labs.delete_reason_hint'),
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, confirm),
    );
    const { close } = openDialog({
      title: t('labs.delete_title'),
      body: form,
      id: 'lab-delete-dialog',
    });
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
        await request('DELETE', `/labs/${enc(lab.id)}`, { body: { reason: text } });
        if (!ctx.alive()) return;
        close();
        toast(t('labs.deleted_done'));
        loadLabs();
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        if (!(err.field === 'reason' && setFieldError(form, 'reason', errorText(err))))
          error.textContent = errorText(err);
        if (err.code === 'conflict') loadLabs();
      } finally {
        setBusy(confirm, false);
      }
    });
  }

  // ---- manual entry ----
  let entryCard = null;
  const form = h('form', { id: 'lab-form', class: 'form', novalidate: true });
  const analytes = (catalog && catalog.analytes) || [];
  const analyteSel = h(
    'select',
    { class: 'input select' },
    h('option', { value: '' }, t('form.choose')),
    analytes.map((a) => h('option', { value: a.code }, localText(a.label))),
  );
  const unitSel = h('select', { class: 'input select', disabled: true });
  const valueIn = h('input', {
    type: 'number',
    class: 'input',
    step: 'any',
    min: '0',
    inputmode: 'decimal',
    dir: 'ltr',
  });
  const dateIn = h('input', {
    type: 'date',
    class: 'input',
    max: todayValue(),
    value: todayValue(),
  });
  const timeIn = h('input', { type: 'time', class: 'input', dir: 'ltr' });
  const lowIn = h('input', {
    type: 'number',
    class: 'input',
    step: 'any',
    min: '0',
    inputmode: 'decimal',
    dir: 'ltr',
  });
  const highIn = h('input', {
    type: 'number',
    class: 'input',
    step: 'any',
    min: '0',
    inputmode: 'decimal',
    dir: 'ltr',
  });
  const formError = h('p', { id: 'lab-form-error', class: 'form-error', role: 'alert' });
  const save = h(
    'button',
    { id: 'lab-save', type: 'submit', class: 'btn btn-primary' },
    icon('plus'),
    h('span', null, t('labs.save')),
  );

  // The unit list of the chosen analyte, its canonical unit first and chosen.
  function fillUnits(keep) {
    const a = entry(analytes, analyteSel.value);
    clear(unitSel);
    if (!a) {
      unitSel.append(h('option', { value: '' }, t('labs.unit_choose_analyte')));
      unitSel.disabled = true;
      return;
    }
    const units = [...(a.units || [])];
    units.sort((x, y) => (y === a.canonical_unit ? 1 : 0) - (x === a.canonical_unit ? 1 : 0));
    for (const u of units) unitSel.append(h('option', { value: u }, u));
    unitSel.disabled = false;
    unitSel.value = keep && units.includes(keep) ? keep : a.canonical_unit || units[0];
  }
  analyteSel.addEventListener('change', () => fillUnits(null));

  if (canWrite) {
    form.append(
      h(
        'div',
        { class: 'form-grid lab-form-grid' },
        field({
          form: 'lab',
          name: 'analyte',
          label: t('labs.analyte'),
          control: analyteSel,
          required: true,
          id: 'lab-analyte',
        }),
        field({
          form: 'lab',
          name: 'value',
          label: t('labs.value'),
          control: valueIn,
          required: true,
          id: 'lab-value',
        }),
        field({
          form: 'lab',
          name: 'unit',
          label: t('labs.unit'),
          control: unitSel,
          required: true,
          id: 'lab-unit',
        }),
        field({
          form: 'lab',
          name: 'measured_at',
          label: t('labs.measured_date'),
          control: dateIn,
          required: true,
          id: 'lab-measured-at',
        }),
        field({
          form: 'lab',
          name: 'measured_time',
          label: t('labs.measured_time'),
          control: timeIn,
          optional: true,
          hint: t('labs.measured_time_hint'),
          id: 'lab-measured-time',
        }),
        field({
          form: 'lab',
          name: 'reference_low',
          label: t('labs.reference_low'),
          control: lowIn,
          optional: true,
          id: 'lab-reference-low',
        }),
        field({
          form: 'lab',
          name: 'reference_high',
          label: t('labs.reference_high'),
          control: highIn,
          optional: true,
          hint: t('labs.reference_hint'),
          id: 'lab-reference-high',
        }),
      ),
      h('div', { class: 'form-actions' }, formError, save),
    );
    if (restored && restored.form) {
      const f = restored.form;
      analyteSel.value = f.analyte || '';
      fillUnits(f.unit);
      valueIn.value = f.value || '';
      dateIn.value = f.measured_at || todayValue();
      timeIn.value = f.measured_time || '';
      lowIn.value = f.reference_low || '';
      highIn.value = f.reference_high || '';
    } else {
      fillUnits(null);
    }
    entryCard = h(
      'section',
      { class: 'card', 'aria-labelledby': 'labs-entry-title' },
      h('h2', { id: 'labs-entry-title', class: 'card-title' }, icon('plus'), t('labs.entry_title')),
      form,
    );
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formError.textContent = '';
    let bad = false;
    const missing = (name, el) => {
      bad = setFieldError(form, name, t('error.required')) || bad;
      return el;
    };
    if (!analyteSel.value) missing('analyte');
    if (valueIn.value === '' || !Number.isFinite(valueIn.valueAsNumber)) {
      bad =
        setFieldError(
          form,
          'value',
          valueIn.value === '' && !valueIn.validity.badInput
            ? t('error.required')
            : t('labs.not_a_number'),
        ) || bad;
    }
    if (!dateIn.value) missing('measured_at');
    for (const [name, el] of [
      ['reference_low', lowIn],
      ['reference_high', highIn],
    ]) {
      if (el.validity.badInput) bad = setFieldError(form, name, t('labs.not_a_number')) || bad;
    }
    if (bad) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    let measured = dateIn.value;
    if (timeIn.value) {
      const d = new Date(`${dateIn.value}T${timeIn.value}`);
      if (Number.isNaN(d.getTime())) {
        setFieldError(form, 'measured_time', t('labs.bad_time'));
        timeIn.focus();
        return;
      }
      measured = d.toISOString();
    }
    const body = {
      analyte: analyteSel.value,
      value: valueIn.valueAsNumber,
      unit: unitSel.value,
      measured_at: measured,
    };
    if (lowIn.value !== '') body.reference_low = lowIn.valueAsNumber;
    if (highIn.value !== '') body.reference_high = highIn.valueAsNumber;
    setBusy(save, true);
    try {
      await request('POST', `/patients/${enc(patient.id)}/labs`, { body });
      if (!ctx.alive()) return;
      toast(t('labs.saved'));
      valueIn.value = '';
      lowIn.value = '';
      highIn.value = '';
      valueIn.focus();
      loadLabs();
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      // A time given in the time field is the API's measured_at as well; say it next to the date.
      const name = err.field && FORM_FIELDS.includes(err.field) ? err.field : null;
      if (!(name && setFieldError(form, name, errorText(err))))
        formError.textContent = errorText(err);
      else form.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      setBusy(save, false);
    }
  });

  // ---- CSV import ----
  let importCard = null;
  const fileIn = h('input', {
    type: 'file',
    id: 'lab-import-file',
    accept: '.csv,text/csv,text/plain',
    class: 'file-input',
  });
  const importError = h('div', { id: 'lab-import-error', class: 'import-error' });
  const previewArea = h('div', { class: 'import-preview', hidden: true });
  let current = null; // {csv, name, preview}

  if (canWrite) {
    importCard = h(
      'section',
      { class: 'card', 'aria-labelledby': 'labs-import-title' },
      h(
        'h2',
        { id: 'labs-import-title', class: 'card-title' },
        icon('refresh'),
        t('labs.import_title'),
      ),
      h(
        'p',
        { class: 'section-desc' },
        tNodes('labs.import_explain', {
          required: codeList(['date', 'analyte', 'value', 'unit']),
          optional: codeList(['reference_low', 'reference_high', 'mrn']),
        }),
      ),
      h(
        'pre',
        { class: 'csv-example', dir: 'ltr', lang: 'en', 'aria-label': t('labs.import_example') },
        'date,analyte,value,unit,reference_low,reference_high\n2026-11-20,PLT,250,10^9/L,150,400\n2026-11-20,Hb,13.5,g/dL,12,16',
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'field-label', for: 'lab-import-file' }, t('labs.import_file')),
        fileIn,
        h('p', { class: 'field-hint' }, t('labs.import_file_hint')),
      ),
      importError,
      previewArea,
    );
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
    // Choosing the same file again (after fixing it) must fire another change.
    fileIn.value = '';
    await preview();
  });

  function requestBody(commit, skip) {
    return {
      csv: current.csv,
      file_name: current.name,
      tz_offset_min: -new Date().getTimezoneOffset(),
      commit,
      skip_invalid: skip,
    };
  }

  function resetPreview() {
    current = null;
    previewArea.hidden = true;
    clear(previewArea);
  }

  async function preview() {
    replace(previewArea, spinner(t('labs.import_reading')));
    previewArea.hidden = false;
    let body;
    try {
      body = await request('POST', `/patients/${enc(patient.id)}/labs/import`, {
        body: requestBody(false, false),
      });
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      resetPreview();
      replace(importError, importFailure(err));
      return;
    }
    if (!ctx.alive()) return;
    current.preview = body;
    renderPreview();
  }

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
            h('strong', null, columnText(e.field)),
            // The header name as the file spells it, where the label does not already say it.
            e.field && columnText(e.field).toLowerCase() !== e.field.replace(/_/g, ' ')
              ? [' ', ltr(e.field, 'mono muted')]
              : null,
            ': ',
            csvErrorText(e.code),
          ),
          e.message
            ? h('span', { class: 'server-detail', lang: 'en', dir: 'ltr' }, e.message)
            : null,
        ),
      ),
    );
  }

  function renderPreview() {
    const p = current.preview;
    const rows = p.rows || [];
    const nok = p.nok || 0;
    const nfailed = p.nfailed || 0;
    const skip = h('input', { type: 'checkbox', id: 'lab-import-skip-invalid' });
    const commit = h(
      'button',
      { id: 'lab-import-commit', type: 'button', class: 'btn btn-primary' },
      icon('check'),
      h('span', null, tp('labs.import_commit', nok)),
    );
    const cancel = button(t('labs.import_cancel'), { id: 'lab-import-cancel' });
    const blockedNote = h('p', { class: 'import-blocked muted' });
    function updateCommit() {
      const blocked = nok === 0 || (nfailed > 0 && !skip.checked);
      commit.disabled = blocked;
      blockedNote.textContent =
        nok === 0
          ? t('labs.import_nothing')
          : nfailed > 0 && !skip.checked
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
        const res = await request('POST', `/patients/${enc(patient.id)}/labs/import`, {
          body: requestBody(true, nfailed > 0 && skip.checked),
        });
        if (!ctx.alive()) return;
        toast(tp('labs.import_done', res && typeof res.saved === 'number' ? res.saved : nok));
        resetPreview();
        loadLabs();
      } catch (err) {
        if (!ctx.alive() || err.status === 401) return;
        replace(importError, importFailure(err));
        setBusy(commit, false);
        updateCommit();
      }
    });

    const summary = h(
      'div',
      {
        id: 'lab-import-summary',
        class: 'import-summary' + (nfailed ? ' has-errors' : ''),
        role: 'status',
      },
      icon(nfailed ? 'alert' : 'check'),
      h(
        'p',
        null,
        h('bdi', { class: 'import-file-name' }, current.name),
        ': ',
        tp('labs.import_ok', nok),
        nfailed ? [t('common.list_separator'), tp('labs.import_failed', nfailed)] : null,
      ),
    );
    const tableEl = h(
      'table',
      { id: 'lab-import-preview', class: 'table table-import' },
      h('caption', { class: 'sr-only' }, t('labs.import_preview_caption')),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('labs.column.row')),
          h('th', { scope: 'col' }, t('labs.measured_at')),
          h('th', { scope: 'col' }, t('labs.analyte')),
          h('th', { scope: 'col' }, t('labs.result')),
          h('th', { scope: 'col' }, t('labs.reference_range')),
          h('th', { scope: 'col' }, t('labs.import_status')),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            { 'data-row': String(r.row), class: r.ok ? 'row-ok' : 'row-error' },
            h('td', { class: 'mono' }, ltr(String(r.row))),
            h('td', { class: 'nowrap' }, r.measured_at ? measuredText(r) : dash()),
            h('td', null, r.analyte ? analyteLabel(catalog, r) : dash()),
            h(
              'td',
              null,
              r.value !== null && r.value !== undefined
                ? ltr(`${numText(r.value)} ${r.unit || ''}`.trim(), 'nowrap')
                : dash(),
            ),
            h('td', null, rangeText(r.reference_low, r.reference_high, r.unit)),
            h(
              'td',
              { class: 'import-status' },
              r.ok
                ? h('span', { class: 'import-ok' }, icon('check'), t('labs.import_row_ok'))
                : errorList(r.errors),
            ),
          ),
        ),
      ),
    );
    replace(
      previewArea,
      summary,
      h('div', { class: 'table-wrap import-table-wrap' }, tableEl),
      h(
        'div',
        { class: 'import-actions' },
        nfailed > 0 && nok > 0
          ? h(
              'label',
              { class: 'checkbox', for: 'lab-import-skip-invalid' },
              skip,
              h('span', null, tp('labs.import_skip_invalid', nok)),
            )
          : null,
        blockedNote,
        h('div', { class: 'form-actions' }, cancel, commit),
      ),
    );
    previewArea.hidden = false;
    updateCommit();
  }

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'labs'),
    patient.deleted
      ? h(
          'div',
          { class: 'banner banner-error', role: 'status' },
          icon('alert'),
          h('p', null, t('patient.deleted_banner')),
        )
      : null,
    resultsCard,
    entryCard,
    importCard,
  );
  tbody.append(h('tr', { class: 'message-row' }, h('td', { colspan: '8' }, spinner())));

  ctx.setSaveState(() => ({
    labs: {
      showDeleted,
      form: {
        analyte: analyteSel.value,
        unit: unitSel.value,
        value: valueIn.value,
        measured_at: dateIn.value,
        measured_time: timeIn.value,
        reference_low: lowIn.value,
        reference_high: highIn.value,
      },
    },
  }));
  await loadLabs();
}
