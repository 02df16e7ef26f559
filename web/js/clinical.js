// Pieces shared by the clinical pages (assessments, medical history): the catalogue of coded
// lists, yes/no/unknown radios, server errors placed at their field path, and version lists.

import { h, ltr, replace } from './dom.js';
import { t, tNodes, fmtDateTime, errorText } from './i18n.js';
import { badge, setFieldError } from './ui.js';
import { loadCatalog, localText } from './catalog.js';

export { loadCatalog };

// An entry's label in the page's language, English when the catalogue lacks that language.
export function codeLabel(entry) {
  if (!entry) return '';
  return localText(entry.label) || entry.code;
}

// The heading of a clinical page under the patient's strip and tabs (the strip holds the h1).
export function clinicalHeading(title, { subtitle, actions } = {}) {
  return h(
    'div',
    { class: 'page-header clinical-heading' },
    h(
      'div',
      { class: 'page-heading' },
      h('h2', { class: 'clinical-title' }, title),
      subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null,
    ),
    actions && actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

// The catalogue writes labels in lower case so they fit inside sentences; a list item or a
// label starts with a capital (Arabic has none, and is left as it is).
export function capital(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export function todayYmd() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// A group of radio buttons as one labelled field. options: [[value, label], ...]; the values
// are strings ('' for "unknown"), so the checked one can be read back with radioValue().
export function radioField({ name, label, options, hint, wide, cls }) {
  const errId = `err-${name.replace(/\W/g, '-')}`;
  const hintId = hint ? `hint-${name.replace(/\W/g, '-')}` : null;
  return h(
    'fieldset',
    {
      class: 'field radio-field' + (wide ? ' field-wide' : '') + (cls ? ` ${cls}` : ''),
      'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    },
    h('legend', { class: 'field-label' }, label),
    h(
      'div',
      { class: 'choice-row' },
      options.map(([value, text]) =>
        h(
          'label',
          { class: 'choice-pill' },
          h('input', { type: 'radio', name, value }),
          h('span', null, text),
        ),
      ),
    ),
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, 'data-error-for': name, 'aria-live': 'polite' }),
  );
}

// Yes / no / not known for a boolean-or-null field.
export function yesNoField(name, label, extra = {}) {
  return radioField({
    name,
    label,
    options: [
      ['true', t('common.yes')],
      ['false', t('common.no')],
      ['', t('clinical.unknown')],
    ],
    ...extra,
  });
}

export function radioValue(form, name) {
  const checked = form.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`);
  return checked ? checked.value : '';
}

export function setRadio(form, name, value) {
  const v = value === null || value === undefined ? '' : String(value);
  for (const r of form.querySelectorAll(`input[type=radio][name="${CSS.escape(name)}"]`))
    r.checked = r.value === v;
}

export function boolOrNull(s) {
  return s === 'true' ? true : s === 'false' ? false : null;
}

// A number typed in a number field: null when empty; text the browser could not read as a
// number is sent as it is, so the server names the field in its answer.
export function numberOrNull(input) {
  const raw = input.value.trim();
  if (raw === '') {
    return input.validity && input.validity.badInput ? String(input.value) : null;
  }
  const n = Number(raw);
  return Number.isFinite(n) ? n : raw;
}

export function textOrNull(input) {
  const v = input.value.trim();
  return v === '' ? null : v;
}

// Shows a server error at its field when the form has a slot for it (the path is mapped first,
// e.g. by index → code), else in the form-wide box. Returns the element to focus, if any.
export function showServerError(form, box, err, mapPath = (p) => p) {
  const path = err.field ? mapPath(err.field) : null;
  // A path like medications.2.last_dose_at may have no slot of its own in an older row layout;
  // walk up to the nearest parent that has one.
  let p = path;
  while (p) {
    if (setFieldError(form, p, errorText(err))) {
      box.classList.add('is-error');
      replace(box, h('p', null, t('form.fix_field')));
      const control = form.querySelector(`[name="${CSS.escape(p)}"]`);
      const slot = form.querySelector(`[data-error-for="${CSS.escape(p)}"]`);
      const target = control || slot;
      const details = target && target.closest('details');
      if (details) details.open = true;
      return control || slot;
    }
    const dot = p.lastIndexOf('.');
    p = dot > 0 ? p.slice(0, dot) : null;
  }
  box.classList.add('is-error');
  replace(box, h('p', null, errorText(err)));
  return null;
}

// The version list of a versioned record: newest first, each with who, when and what changed.
// label(path) names a field; value(path, v) renders one value (a node or text).
export function versionList({ id, items, label, value }) {
  const list = h('ol', { id, class: 'history version-list' });
  if (!items.length) {
    list.append(h('li', { class: 'muted' }, t('history.none')));
    return list;
  }
  for (const item of items) {
    const first = item.version === 1;
    const kind = first ? 'success' : 'info';
    const who = item.user ? item.user.display_name || item.user.username : t('history.system');
    const changes = Object.entries(item.changes || {});
    const rows = changes.map(([path, c]) => {
      const from = c && typeof c === 'object' && 'from' in c ? c.from : null;
      const to = c && typeof c === 'object' && 'to' in c ? c.to : c;
      return h(
        'tr',
        { 'data-change': path },
        h('th', { scope: 'row' }, label(path)),
        first
          ? null
          : h(
              'td',
              { class: isBlank(from) ? 'change-from is-empty' : 'change-from' },
              show(path, from),
            ),
        h('td', { class: 'change-to' }, show(path, to)),
      );
    });
    list.append(
      h(
        'li',
        {
          class: `history-item history-${first ? 'create' : 'update'}`,
          'data-version': String(item.version),
        },
        h('span', { class: `history-dot dot-${kind}`, 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'history-content' },
          h(
            'div',
            { class: 'history-head' },
            badge(first ? t('clinical.version_first') : t('history.action.update'), kind),
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
          rows.length
            ? h(
                'table',
                { class: 'changes' },
                h(
                  'caption',
                  { class: 'sr-only' },
                  t('history.changes_caption', { n: item.version }),
                ),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'col' }, t('history.field')),
                    first ? null : h('th', { scope: 'col' }, t('history.before')),
                    h('th', { scope: 'col' }, first ? t('history.value') : t('history.after')),
                  ),
                ),
                h('tbody', null, rows),
              )
            : null,
        ),
      ),
    );
  }
  return list;

  function show(path, v) {
    if (isBlank(v)) return h('span', { class: 'muted' }, t('common.empty_value'));
    return value(path, v);
  }
}

function isBlank(v) {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

export function yesNoText(v) {
  return v === true ? t('common.yes') : v === false ? t('common.no') : t('clinical.unknown');
}

// Codes, numbers and dates stay left to right inside Arabic text.
export function codeText(v) {
  return ltr(String(v));
}

// The person and time of the last save, for the top of a form.
export function savedBy(record) {
  if (!record || !record.updated_at) return null;
  const u = record.updated_by;
  const who = u ? u.display_name || u.username : t('history.system');
  return h(
    'span',
    { class: 'muted small saved-by' },
    tNodes('clinical.saved_by', {
      who: h('bdi', null, who),
      when: h('time', { datetime: record.updated_at }, fmtDateTime(record.updated_at)),
    }),
  );
}

export { errorText };
