// Pieces shared by the procedure's record forms (preparation, fat harvest, injection): fields
// with units, local date-times, the save with its version and correction reason, and server
// errors placed at the field named by their document path.

import { h, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, fmtNumber, fmtDateTime, errorText } from '../i18n.js';
import { can, session } from '../session.js';
import { field, button, setBusy, clearFieldErrors, setFieldError, toast } from '../ui.js';
import { showServerError, numberOrNull, textOrNull } from '../clinical.js';

export { numberOrNull, textOrNull };

const enc = (v) => encodeURIComponent(String(v));
export const REASON_MIN = 10;

// RCF (× g) = 1.118 × 10⁻⁵ × r(cm) × rpm² (facts.md §3); null without a radius.
export function rcfFromRpm(rpm, radiusMm) {
  if (!(rpm > 0) || !(radiusMm > 0)) return null;
  return 1.118e-5 * (radiusMm / 10) * rpm * rpm;
}

export function rpmFromRcf(rcf, radiusMm) {
  if (!(rcf > 0) || !(radiusMm > 0)) return null;
  return Math.sqrt(rcf / (1.118e-5 * (radiusMm / 10)));
}

// A number for people: at most `digits` decimals, in the page's locale.
export function num(v, digits = 1) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return fmtNumber(Math.round(v * f) / f);
}

// A datetime-local value (the workstation's wall time) from an ISO instant, and back.
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  );
}

export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

export function nowLocalInput() {
  return toLocalInput(new Date().toISOString());
}

// "doc.spins[1].rpm" (or "doc.spins.1.rpm") → "spins.1.rpm", the name of the form's control.
export function docPath(field) {
  return String(field || '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^doc\./, '');
}

const idOf = (form, name) => `${form}-${name.replace(/[^\w-]/g, '-')}`;

// A labelled number input with its unit after it; returns {el, input}.
export function numField({
  form,
  name,
  label,
  unit,
  value,
  step = 'any',
  min,
  max,
  hint,
  required,
  optional,
  wide,
}) {
  const input = h('input', {
    type: 'number',
    class: 'input input-num',
    inputmode: 'decimal',
    step,
    min: min ?? null,
    max: max ?? null,
    value: value ?? '',
  });
  const el = field({
    form,
    id: idOf(form, name),
    name,
    label,
    control: input,
    hint,
    required,
    optional,
    wide,
  });
  if (unit) {
    const wrap = h('div', { class: 'input-unit' });
    input.replaceWith(wrap);
    wrap.append(input, h('span', { class: 'unit', 'aria-hidden': 'true' }, ltr(unit)));
  }
  return { el, input };
}

export function textField({
  form,
  name,
  label,
  value,
  hint,
  required,
  optional,
  wide,
  maxlength = 200,
}) {
  const input = h('input', { type: 'text', class: 'input', maxlength, value: value ?? '' });
  const el = field({
    form,
    id: idOf(form, name),
    name,
    label,
    control: input,
    hint,
    required,
    optional,
    wide,
  });
  return { el, input };
}

export function areaField({ form, name, label, value, hint, optional, wide = true }) {
  const input = h('textarea', { class: 'input textarea', rows: '3', maxlength: '4000' });
  input.value = value ?? '';
  const el = field({
    form,
    id: idOf(form, name),
    name,
    label,
    control: input,
    hint,
    optional,
    wide,
  });
  return { el, input };
}

export function dateTimeField({ form, name, label, value, hint, required, optional }) {
  const input = h('input', { type: 'datetime-local', class: 'input', value: value ?? '' });
  const el = field({
    form,
    id: idOf(form, name),
    name,
    label,
    control: input,
    hint,
    required,
    optional,
  });
  return { el, input };
}

export function dateField({ form, name, label, value, optional }) {
  const input = h('input', { type: 'date', class: 'input', value: value ?? '' });
  const el = field({ form, id: idOf(form, name), name, label, control: input, optional });
  return { el, input };
}

// options: [[value, text]]; an empty first choice unless `noBlank`.
export function selectField({
  form,
  name,
  label,
  options,
  value,
  hint,
  required,
  optional,
  noBlank,
  wide,
}) {
  const input = h(
    'select',
    { class: 'input select' },
    noBlank ? null : h('option', { value: '' }, t('form.choose')),
    options.map(([v, text]) =>
      h('option', { value: String(v), selected: String(v) === String(value ?? '') }, text),
    ),
  );
  const el = field({
    form,
    id: idOf(form, name),
    name,
    label,
    control: input,
    hint,
    required,
    optional,
    wide,
  });
  return { el, input };
}

export function section(title, ...children) {
  return h(
    'fieldset',
    { class: 'form-section' },
    h('legend', { class: 'section-title' }, title),
    children,
  );
}

export function grid(...children) {
  return h('div', { class: 'form-grid' }, children);
}

// An error slot for a path that has no control of its own (a list, a spin as a whole).
export function errorSlot(name) {
  return h('p', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' });
}

export function userName(u) {
  if (!u) return '';
  return u.display_name || u.username || '';
}

// The signed-in user as the record's default "by" and operator.
export function currentUser() {
  return session.user || null;
}

// Who a stored user id is, as far as this page knows: the signed-in user or the record's author.
export function nameOfUserId(id, record) {
  const me = currentUser();
  if (me && me.id === id) return userName(me);
  if (record && record.by && record.by.id === id) return userName(record.by);
  return id ? t('prep.user_id', { id: String(id) }) : '';
}

// What the procedure's state allows for a section: 'edit', 'correct' (completed: a reason is
// needed) or 'read'.
export function sectionMode(procedure) {
  if (!can('procedure.record')) return 'read';
  if (procedure.status === 'open') return 'edit';
  if (procedure.status === 'completed') return 'correct';
  return 'read';
}

// The footer of a record form: the correction reason when needed, the save button, the
// form-wide error box and a line on the saved version. Returns {el, reasonInput, saveBtn,
// errorBox, setSaved(record)}.
export function recordFooter({ form, prefix, mode, record }) {
  const errorBox = h('div', { id: `${prefix}-error`, class: 'form-error-box', role: 'alert' });
  const saved = h('p', { id: `${prefix}-saved`, class: 'muted small record-saved' });
  const saveBtn = button(t('prep.save'), { kind: 'primary', type: 'submit', id: `${prefix}-save` });
  let reasonInput = null;
  let reasonEl = null;
  if (mode === 'correct') {
    reasonInput = h('textarea', { class: 'input textarea', rows: '2', maxlength: '500' });
    reasonEl = field({
      form: prefix,
      id: `${prefix}-reason`,
      name: 'reason',
      label: t('prep.reason'),
      control: reasonInput,
      hint: t('prep.reason_hint', { n: REASON_MIN }),
      required: true,
      wide: true,
    });
  }
  const setSaved = (rec) => {
    if (!rec) {
      saved.textContent = t('prep.not_saved');
      return;
    }
    replace(
      saved,
      t('prep.saved_line', {
        version: rec.version,
        who: userName(rec.by),
        at: fmtDateTime(rec.at),
      }),
    );
  };
  setSaved(record);
  const el = h(
    'div',
    { class: 'record-footer' },
    mode === 'read'
      ? h('p', { class: 'banner banner-info', role: 'status' }, t('prep.read_only'))
      : null,
    reasonEl,
    errorBox,
    h('div', { class: 'form-actions' }, saved, mode === 'read' ? null : saveBtn),
  );
  form.addEventListener('input', () => clear(errorBox));
  return { el, reasonInput, saveBtn, errorBox, setSaved };
}

// Disables every control of a form shown only to read.
export function makeReadOnly(form) {
  form.querySelectorAll('input, select, textarea, button').forEach((c) => {
    c.disabled = true;
  });
}

// PUTs a section (preparation, fat, injection) and handles the answer: the procedure on
// success, null after an error shown in the form (returns the error too, for special cases).
export async function saveSection({ form, procedure, sectionName, doc, version, footer, onError }) {
  clearFieldErrors(form);
  clear(footer.errorBox);
  footer.errorBox.classList.remove('is-error');
  const body = { doc, version };
  if (footer.reasonInput) {
    const reason = footer.reasonInput.value.trim();
    if (reason.length < REASON_MIN) {
      setFieldError(form, 'reason', t('prep.reason_hint', { n: REASON_MIN }));
      footer.reasonInput.focus();
      return null;
    }
    body.reason = reason;
  }
  setBusy(footer.saveBtn, true);
  try {
    const answer = await request('PUT', `/procedures/${enc(procedure.id)}/${sectionName}`, {
      body,
    });
    toast(t('prep.saved_toast'));
    return answer;
  } catch (err) {
    if (err.status === 401) return null;
    if (onError && onError(err)) return null;
    if (err.code === 'stale_version') {
      footer.errorBox.classList.add('is-error');
      replace(
        footer.errorBox,
        h('p', { class: 'form-error-title' }, t('error.stale_version')),
        h('p', null, t('prep.stale_hint')),
      );
      return null;
    }
    const target = showServerError(form, footer.errorBox, err, docPath);
    if (target && typeof target.focus === 'function') target.focus();
    return null;
  } finally {
    setBusy(footer.saveBtn, false);
  }
}

// A definition list of label → value pairs (values may be nodes); null values show "—".
export function facts(rows, cls) {
  return h(
    'dl',
    { class: `record-facts ${cls || ''}` },
    rows.map(([label, value, attrs]) =>
      h(
        'div',
        { class: 'record-fact', ...(attrs || {}) },
        h('dt', null, label),
        h('dd', null, value === null || value === undefined || value === '' ? '—' : value),
      ),
    ),
  );
}

export { errorText };
