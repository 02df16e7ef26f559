// New and edit patient form. Checks what it can before sending (the same error codes as the
// server, so the messages match), shows the server's 400 at its field, and handles a stale edit.

import { h, icon, replace } from '../dom.js';
import { api } from '../api.js';
import { t, errorText } from '../i18n.js';
import {
  pageHeader,
  field,
  setFieldError,
  clearFieldErrors,
  focusField,
  toast,
  setBusy,
  spinner,
  errorBanner,
  button,
} from '../ui.js';
import { displayName } from '../names.js';

export const FIELDS = [
  'given_name',
  'family_name',
  'given_name_ar',
  'family_name_ar',
  'date_of_birth',
  'sex',
  'phone',
  'email',
  'preferred_language',
  'address',
  'emergency_contact_name',
  'emergency_contact_phone',
  'notes',
];

const ARABIC = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
const LATIN = /[A-Za-z\u00C0-\u024F]/;
const E164 = /^\+[0-9]{7,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function todayYmd() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// People type phone numbers with spaces, dashes, a 00 prefix or Arabic-Indic digits; the API
// wants bare E.164, so normalise before checking and sending.
export function normalizePhone(raw) {
  let s = String(raw || '')
    .replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (c) => String(c.charCodeAt(0) - 0x06f0))
    .replace(/[\s\-().\u200e\u200f\u2066-\u2069]/g, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  return s;
}

export function validate(v) {
  const errors = [];
  const add = (field, code) => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, code });
  };
  for (const f of ['given_name', 'family_name'])
    if (v[f] && ARABIC.test(v[f])) add(f, 'wrong_script');
  for (const f of ['given_name_ar', 'family_name_ar'])
    if (v[f] && LATIN.test(v[f])) add(f, 'wrong_script');
  const latinFull = v.given_name && v.family_name;
  const arabicFull = v.given_name_ar && v.family_name_ar;
  if (!latinFull && !arabicFull) {
    if (v.given_name && !v.family_name) add('family_name', 'required');
    else if (v.given_name_ar && !v.family_name_ar) add('family_name_ar', 'required');
    else if (!v.given_name && v.family_name) add('given_name', 'required');
    else if (!v.given_name_ar && v.family_name_ar) add('given_name_ar', 'required');
    else add('given_name', 'name_required');
  }
  if (!v.date_of_birth) add('date_of_birth', 'required');
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date_of_birth) || v.date_of_birth < '1900-01-01')
    add('date_of_birth', 'invalid_date');
  else if (v.date_of_birth > todayYmd()) add('date_of_birth', 'future_date');
  if (!v.sex) add('sex', 'required');
  for (const f of ['phone', 'emergency_contact_phone'])
    if (v[f] && !E164.test(v[f])) add(f, 'invalid_phone');
  if (v.email && !EMAIL.test(v.email)) add('email', 'invalid_email');
  return errors;
}

function buildForm() {
  const input = (name, attrs = {}) => h('input', { name, class: 'input', type: 'text', ...attrs });
  const textarea = (name, attrs = {}) => h('textarea', { name, class: 'input textarea', ...attrs });
  const select = (name, options, attrs = {}) =>
    h(
      'select',
      { name, class: 'input select', ...attrs },
      options.map(([value, label]) => h('option', { value }, label)),
    );
  const F = 'pf';

  const section = (title, desc, ...fields) =>
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, title),
      desc ? h('p', { class: 'section-desc' }, desc) : null,
      h('div', { class: 'form-grid' }, fields),
    );

  const form = h(
    'form',
    { id: 'patient-form', class: 'form card', novalidate: true },
    section(
      t('form.section_name'),
      t('hint.name_required'),
      field({
        form: F,
        name: 'given_name',
        label: t('patient.given_name'),
        control: input('given_name', {
          autocomplete: 'off',
          maxlength: '100',
          dir: 'ltr',
          lang: 'en',
        }),
      }),
      field({
        form: F,
        name: 'family_name',
        label: t('patient.family_name'),
        control: input('family_name', {
          autocomplete: 'off',
          maxlength: '100',
          dir: 'ltr',
          lang: 'en',
        }),
      }),
      field({
        form: F,
        name: 'given_name_ar',
        label: t('patient.given_name_ar'),
        control: input('given_name_ar', {
          autocomplete: 'off',
          maxlength: '100',
          dir: 'rtl',
          lang: 'ar',
        }),
      }),
      field({
        form: F,
        name: 'family_name_ar',
        label: t('patient.family_name_ar'),
        control: input('family_name_ar', {
          autocomplete: 'off',
          maxlength: '100',
          dir: 'rtl',
          lang: 'ar',
        }),
      }),
    ),
    section(
      t('form.section_identity'),
      null,
      field({
        form: F,
        name: 'date_of_birth',
        label: t('patient.date_of_birth'),
        required: true,
        hint: t('hint.date_of_birth'),
        control: input('date_of_birth', { type: 'date', min: '1900-01-01', max: todayYmd() }),
      }),
      field({
        form: F,
        name: 'sex',
        label: t('patient.sex'),
        required: true,
        control: select('sex', [
          ['', t('form.choose')],
          ...['female', 'male', 'other', 'unknown'].map((s) => [s, t(`sex.${s}`)]),
        ]),
      }),
      field({
        form: F,
        name: 'preferred_language',
        label: t('patient.preferred_language'),
        hint: t('hint.preferred_language'),
        control: select('preferred_language', [
          ['en', t('language.en.name')],
          ['ar', t('language.ar.name')],
        ]),
      }),
    ),
    section(
      t('form.section_contact'),
      null,
      field({
        form: F,
        name: 'phone',
        label: t('patient.phone'),
        optional: true,
        hint: t('hint.phone'),
        control: input('phone', {
          type: 'tel',
          autocomplete: 'off',
          inputmode: 'tel',
          dir: 'ltr',
          placeholder: '+971501234567',
          maxlength: '24',
        }),
      }),
      field({
        form: F,
        name: 'email',
        label: t('patient.email'),
        optional: true,
        control: input('email', {
          type: 'email',
          autocomplete: 'off',
          dir: 'ltr',
          placeholder: 'name@example.com',
          maxlength: '254',
        }),
      }),
      field({
        form: F,
        name: 'address',
        label: t('patient.address'),
        optional: true,
        wide: true,
        control: textarea('address', { rows: '2', maxlength: '500' }),
      }),
    ),
    section(
      t('form.section_emergency'),
      null,
      field({
        form: F,
        name: 'emergency_contact_name',
        label: t('patient.emergency_contact_name'),
        optional: true,
        control: input('emergency_contact_name', { autocomplete: 'off', maxlength: '200' }),
      }),
      field({
        form: F,
        name: 'emergency_contact_phone',
        label: t('patient.emergency_contact_phone'),
        optional: true,
        hint: t('hint.phone'),
        control: input('emergency_contact_phone', {
          type: 'tel',
          autocomplete: 'off',
          inputmode: 'tel',
          dir: 'ltr',
          placeholder: '+971501234568',
          maxlength: '24',
        }),
      }),
    ),
    section(
      t('patient.notes'),
      null,
      field({
        form: F,
        name: 'notes',
        label: t('patient.notes'),
        optional: true,
        wide: true,
        hint: t('hint.notes'),
        control: textarea('notes', { rows: '4', maxlength: '4000' }),
      }),
    ),
  );
  // The notes section repeats its title as the label; keep the label for screen readers only.
  form.querySelector('label[for="pf-notes"]').classList.add('sr-only');
  return form;
}

function readValues(form) {
  const v = {};
  for (const name of FIELDS) {
    const el = form.elements[name];
    let val = el ? el.value : '';
    if (name !== 'notes' && name !== 'address') val = val.trim();
    if (name === 'phone' || name === 'emergency_contact_phone') val = normalizePhone(val);
    v[name] = val;
  }
  return v;
}

function fillValues(form, p) {
  for (const name of FIELDS) {
    const el = form.elements[name];
    if (!el) continue;
    const val = p[name];
    el.value = val === null || val === undefined ? '' : String(val);
  }
  if (!form.elements.preferred_language.value) form.elements.preferred_language.value = 'en';
}

// Empty optional fields are left out: the API treats a missing field as empty, and an empty
// string is not a valid phone or e-mail.
function payload(v) {
  const body = {};
  for (const [k, val] of Object.entries(v)) if (val !== '') body[k] = val;
  return body;
}

export async function render(main, params, ctx) {
  const editing = params.id !== null && params.id !== undefined;
  const page = h('section', { class: 'page page-form' });
  main.append(page);
  let version = null;
  let patient = null;

  if (editing) {
    page.append(spinner());
    try {
      patient = await api.getPatient(params.id);
    } catch (err) {
      if (!ctx.alive()) return;
      replace(
        page,
        pageHeader(t('form.edit_title'), {
          back: { href: '#/patients', label: t('nav.patients') },
        }),
        errorBanner(err),
      );
      return;
    }
    if (!ctx.alive()) return;
    version = patient.version;
  }
  const backHref = editing ? `#/patients/${encodeURIComponent(params.id)}` : '#/patients';
  const title = editing
    ? t('form.edit_title_name', { name: displayName(patient) })
    : t('form.new_title');
  ctx.setTitle(editing ? t('form.edit_title') : t('form.new_title'));

  const form = buildForm();
  const formError = h('div', {
    id: 'form-error',
    class: 'form-error-box',
    role: 'alert',
    'aria-live': 'assertive',
  });
  const save = h(
    'button',
    { id: 'patient-save', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, editing ? t('form.save_changes') : t('form.create')),
  );
  const cancel = h('a', { class: 'btn btn-secondary', href: backHref }, t('common.cancel'));
  form.append(
    formError,
    h(
      'div',
      { class: 'form-actions sticky-actions' },
      h(
        'p',
        { class: 'muted small' },
        h('span', { class: 'req', 'aria-hidden': 'true' }, '*'),
        ' ',
        t('form.required_note'),
      ),
      cancel,
      save,
    ),
  );

  if (patient) fillValues(form, patient);
  else form.elements.preferred_language.value = 'en';
  const restored = ctx.restored;
  if (restored && restored.values) {
    fillValues(form, restored.values);
    if (restored.version !== undefined) version = restored.version;
  }
  ctx.setSaveState(() => ({ values: readValues(form), version }));

  replace(
    page,
    pageHeader(title, {
      back: { href: backHref, label: editing ? t('patient.back_to_patient') : t('nav.patients') },
      subtitle: editing
        ? [t('patient.mrn'), ': ', h('bdi', { dir: 'ltr', class: 'mono' }, patient.mrn)]
        : t('form.new_subtitle'),
    }),
    form,
  );
  form.elements.given_name.focus();

  const showErrors = (errors) => {
    for (const e of errors) {
      if (!setFieldError(form, e.field, errorText(e))) {
        formError.textContent = errorText(e);
      }
    }
    if (errors.length) {
      const firstField = errors.find((e) => form.elements[e.field]);
      if (!formError.textContent)
        formError.textContent =
          errors.length > 1 ? t('form.fix_fields', { n: errors.length }) : t('form.fix_field');
      if (firstField) focusField(form, firstField.field);
    }
  };

  const reloadLatest = async () => {
    try {
      const latest = await api.getPatient(params.id);
      if (!ctx.alive()) return;
      fillValues(form, latest);
      version = latest.version;
      clearFieldErrors(form);
      replace(formError, h('p', null, t('form.reloaded')));
      formError.classList.remove('is-error');
      formError.classList.add('is-info');
      form.elements.given_name.focus();
    } catch (err) {
      replace(formError, h('p', null, errorText(err)));
    }
  };

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit(save);
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    replace(formError);
    formError.className = 'form-error-box';
    const values = readValues(form);
    const problems = validate(values);
    if (problems.length) {
      formError.classList.add('is-error');
      showErrors(problems);
      return;
    }
    setBusy(save, true);
    try {
      const body = payload(values);
      let saved;
      if (editing) saved = await api.updatePatient(params.id, { ...body, version });
      else saved = await api.createPatient(body);
      if (!ctx.alive()) return;
      toast(editing ? t('form.saved') : t('form.created', { mrn: saved.mrn }));
      ctx.navigate(`#/patients/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      formError.classList.add('is-error');
      if (err.code === 'stale_version') {
        replace(
          formError,
          h('p', { class: 'form-error-title' }, t('error.stale_version')),
          h('p', null, t('form.stale_hint')),
          button(t('form.reload_latest'), {
            kind: 'secondary',
            iconName: 'refresh',
            id: 'patient-reload',
            onclick: reloadLatest,
          }),
        );
        formError.querySelector('button').focus();
      } else if (err.field && form.elements[err.field]) {
        showErrors([err]);
      } else {
        replace(formError, h('p', null, errorText(err)));
      }
    } finally {
      setBusy(save, false);
    }
  });
}
