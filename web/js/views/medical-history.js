// Medical history of a patient: coded conditions, medications looked up in the drug dictionary
// as one types, allergies, pregnancy and breastfeeding, smoking, height and weight with the BMI,
// and any earlier scalp procedure; with the version history of what changed.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { api } from '../api.js';
import { t, lang, fmtDate, fmtDateTime, fmtNumber } from '../i18n.js';
import { can } from '../session.js';
import {
  pageHeader,
  field,
  clearFieldErrors,
  setFieldError,
  toast,
  setBusy,
  spinner,
  errorBanner,
  button,
} from '../ui.js';
import {
  loadCatalog,
  codeLabel,
  capital,
  todayYmd,
  radioField,
  yesNoField,
  radioValue,
  setRadio,
  boolOrNull,
  numberOrNull,
  textOrNull,
  showServerError,
  versionList,
  yesNoText,
  clinicalHeading,
  savedBy,
} from '../clinical.js';
import { displayName } from '../names.js';
import { patientStrip, patientTabs } from './patient-tabs.js';

const DEBOUNCE_MS = 200;
const SUGGEST_LIMIT = 8;
const SMOKING = ['never', 'former', 'current'];

// kg/m², one decimal, as the server computes it; null unless both measures are in range.
export function bmiOf(heightCm, weightKg) {
  if (typeof heightCm !== 'number' || typeof weightKg !== 'number') return null;
  if (heightCm < 50 || heightCm > 250 || weightKg < 2 || weightKg > 400) return null;
  const m = heightCm / 100;
  return Math.round((weightKg / (m * m)) * 10) / 10;
}

// The WHO adult categories, to read the number at a glance.
function bmiCategory(bmi) {
  if (bmi < 18.5) return 'under';
  if (bmi < 25) return 'normal';
  if (bmi < 30) return 'over';
  return 'obese';
}

// A datetime-local value (local wall time) from an ISO instant, and back.
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

function nowLocalInput() {
  return toLocalInput(new Date().toISOString());
}

function classLabel(catalog, code) {
  const entry = (catalog.medication_classes || []).find((c) => c.code === code);
  return entry ? codeLabel(entry) : code;
}

function conditionLabel(catalog, code) {
  const entry = (catalog.conditions || []).find((c) => c.code === code);
  return entry ? capital(codeLabel(entry)) : code;
}

const FIELD_KEYS = {
  conditions: 'mh.conditions',
  other_conditions: 'mh.other_conditions',
  medications: 'mh.medications',
  allergies: 'mh.allergies',
  pregnant: 'mh.pregnant',
  breastfeeding: 'mh.breastfeeding',
  smoking: 'mh.smoking',
  height_cm: 'mh.height_cm',
  weight_kg: 'mh.weight_kg',
  bmi: 'mh.bmi',
  scalp_procedure: 'mh.scalp_procedure',
  name: 'mh.med.name',
  drug: 'mh.med.drug',
  class: 'mh.med.class',
  dose: 'mh.med.dose',
  started_on: 'mh.med.started_on',
  ongoing: 'mh.med.ongoing',
  last_dose_at: 'mh.med.last_dose_at',
  substance: 'mh.allergy.substance',
  reaction: 'mh.allergy.reaction',
  code: 'mh.condition',
  active: 'mh.condition_active',
  note: 'mh.condition_note',
  had: 'mh.scalp_had',
  on: 'mh.scalp_on',
  what: 'mh.scalp_what',
};

// "medications.2.last_dose_at" → "Medications · 3 · Last dose".
export function historyFieldLabel(path) {
  if (path === 'scalp_procedure.had') return t('mh.scalp_procedure');
  return path
    .split('.')
    .map((seg) =>
      /^\d+$/.test(seg) ? String(Number(seg) + 1) : FIELD_KEYS[seg] ? t(FIELD_KEYS[seg]) : seg,
    )
    .join(' · ');
}

export function historyValue(path, v, catalog) {
  const leaf = path.split('.').pop();
  if (typeof v === 'boolean') return h('span', null, yesNoText(v));
  if (path === 'conditions' && Array.isArray(v)) {
    return h(
      'ul',
      { class: 'plain-list' },
      v.map((c) =>
        h(
          'li',
          null,
          conditionLabel(catalog, c.code),
          c.active === false ? h('span', { class: 'muted' }, ` (${t('mh.inactive')})`) : null,
          c.note ? h('span', { class: 'muted' }, ` — ${c.note}`) : null,
        ),
      ),
    );
  }
  if (path === 'medications' && Array.isArray(v)) {
    return h(
      'ul',
      { class: 'plain-list' },
      v.map((m) =>
        h(
          'li',
          null,
          h('bdi', { class: 'strong' }, m.name),
          ` · ${classLabel(catalog, m.class)}`,
          m.dose ? [' · ', h('bdi', null, m.dose)] : null,
          ' · ',
          m.ongoing
            ? t('mh.med.ongoing_short')
            : m.last_dose_at
              ? [t('mh.med.last_dose_short'), ' ', fmtDateTime(m.last_dose_at)]
              : t('mh.med.stopped_short'),
        ),
      ),
    );
  }
  if (path === 'allergies' && Array.isArray(v)) {
    return h(
      'ul',
      { class: 'plain-list' },
      v.map((a) =>
        h(
          'li',
          null,
          h('bdi', null, a.substance),
          a.reaction ? [' — ', h('bdi', null, a.reaction)] : null,
        ),
      ),
    );
  }
  if (path === 'scalp_procedure' && v && typeof v === 'object') {
    if (!v.had) return h('span', null, t('mh.scalp_none'));
    return h(
      'span',
      null,
      t('common.yes'),
      v.on ? [' · ', fmtDate(v.on)] : null,
      v.what ? [' · ', h('bdi', null, v.what)] : null,
    );
  }
  if (leaf === 'smoking') return h('span', null, t(`mh.smoking.${v}`));
  if (leaf === 'class') return h('span', null, classLabel(catalog, v));
  if (leaf === 'code') return h('span', null, conditionLabel(catalog, v));
  if (leaf === 'height_cm') return ltr(`${fmtNumber(v)} cm`);
  if (leaf === 'weight_kg') return ltr(`${fmtNumber(v)} kg`);
  if (leaf === 'bmi') return ltr(`${fmtNumber(v)} kg/m²`);
  if (leaf === 'last_dose_at') return h('span', null, fmtDateTime(v));
  if (leaf === 'started_on' || leaf === 'on') return h('span', null, fmtDate(v));
  if (typeof v === 'number') return ltr(fmtNumber(v));
  if (typeof v === 'object') return ltr(JSON.stringify(v));
  return h('span', { class: 'pre-wrap' }, String(v));
}

function emptyHistory() {
  return {
    version: 0,
    conditions: [],
    other_conditions: null,
    medications: [],
    allergies: [],
    pregnant: null,
    breastfeeding: null,
    smoking: null,
    height_cm: null,
    weight_kg: null,
    scalp_procedure: null,
  };
}

function errorSlot(name) {
  return h('p', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' });
}

function section(title, desc, ...children) {
  return h(
    'fieldset',
    { class: 'form-section' },
    h('legend', { class: 'section-title' }, title),
    desc ? h('p', { class: 'section-desc' }, desc) : null,
    h('div', { class: 'form-grid' }, children),
  );
}

// The drug search under a medication's name field: one list for the whole page, moved to the
// row being typed in. Keyboard: arrows move, Enter chooses, Escape closes.
function drugSearch(onChoose) {
  const list = h('ul', {
    id: 'drug-suggestions',
    class: 'suggestions',
    role: 'listbox',
    hidden: true,
  });
  let input = null;
  let items = [];
  let activeIndex = -1;
  let timer = null;
  let controller = null;
  let seq = 0;

  const close = () => {
    list.hidden = true;
    clear(list);
    items = [];
    activeIndex = -1;
    if (input) {
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }
  };
  const setActive = (i) => {
    activeIndex = i;
    [...list.children].forEach((li, j) =>
      li.setAttribute('aria-selected', j === i ? 'true' : 'false'),
    );
    const li = list.children[i];
    if (li && input) {
      input.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
  };
  const choose = (i) => {
    const item = items[i];
    const target = input;
    close();
    if (item && target) onChoose(target, item);
  };
  const show = (found) => {
    clear(list);
    items = found;
    activeIndex = -1;
    if (!found.length) {
      list.append(
        h('li', { class: 'suggestion-empty', role: 'presentation' }, t('mh.drug_no_match')),
      );
    }
    found.forEach((d, i) => {
      const generic = lang() === 'ar' ? d.name_ar || d.name_en : d.name_en || d.name_ar;
      const cls = d.class_label ? d.class_label[lang()] || d.class_label.en : d.class;
      const li = h(
        'li',
        {
          id: `drug-option-${i}`,
          class: 'suggestion',
          role: 'option',
          'aria-selected': 'false',
          'data-drug': d.drug,
        },
        h(
          'span',
          { class: 'suggestion-main' },
          h('bdi', { class: 'suggestion-name' }, d.name),
          h('span', { class: 'badge' }, t(`mh.drug_kind.${d.kind}`)),
        ),
        h(
          'span',
          { class: 'suggestion-sub' },
          h('bdi', null, generic),
          h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '),
          h('span', null, cls),
        ),
      );
      // Keep the focus in the name field while the mouse chooses.
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => choose(i));
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const search = async (q) => {
    const mine = ++seq;
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const body = await api.searchDrugs(q, SUGGEST_LIMIT, controller.signal);
      if (mine !== seq || document.activeElement !== input) return;
      show((body && body.items) || []);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      if (mine === seq) close();
    }
  };

  // Wires one name input to the search.
  const attach = (el) => {
    el.setAttribute('role', 'combobox');
    el.setAttribute('aria-autocomplete', 'list');
    el.setAttribute('aria-controls', 'drug-suggestions');
    el.setAttribute('aria-expanded', 'false');
    el.addEventListener('input', () => {
      if (input !== el) {
        close();
        input = el;
        el.closest('.med-name-cell').append(list);
      }
      clearTimeout(timer);
      const q = el.value.trim();
      if (!q) {
        seq += 1;
        close();
        return;
      }
      timer = setTimeout(() => search(q), DEBOUNCE_MS);
    });
    el.addEventListener('keydown', (e) => {
      if (list.hidden || input !== el) return;
      if (e.key === 'ArrowDown' && items.length) {
        e.preventDefault();
        setActive((activeIndex + 1) % items.length);
      } else if (e.key === 'ArrowUp' && items.length) {
        e.preventDefault();
        setActive(activeIndex <= 0 ? items.length - 1 : activeIndex - 1);
      } else if (e.key === 'Enter' && activeIndex >= 0) {
        e.preventDefault();
        choose(activeIndex);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    });
    el.addEventListener('blur', () => {
      clearTimeout(timer);
      seq += 1;
      if (input === el) close();
    });
  };
  return { attach, close };
}

function buildForm({ catalog, patient, readOnly }) {
  const F = 'mh';
  const male = patient.sex === 'male';
  const classes = catalog.medication_classes || [];
  const conditionCodes = (catalog.conditions || []).map((c) => c.code);

  // ---- conditions
  const conditionRow = (code, label) => {
    const box = h('input', { type: 'checkbox', name: 'conditions', value: code });
    const active = h('input', {
      type: 'checkbox',
      name: `conditions.${code}.active`,
      checked: true,
    });
    const note = h('input', {
      type: 'text',
      class: 'input input-sm',
      name: `conditions.${code}.note`,
      dir: 'auto',
      maxlength: '500',
      'aria-label': `${label}: ${t('mh.condition_note')}`,
      placeholder: t('mh.condition_note'),
    });
    const extra = h(
      'div',
      { class: 'condition-extra', hidden: true },
      h('label', { class: 'checkbox' }, active, h('span', null, t('mh.condition_active'))),
      note,
    );
    const row = h(
      'div',
      { class: 'condition', 'data-condition': code },
      h('label', { class: 'checkbox condition-name' }, box, h('span', null, label)),
      extra,
      errorSlot(`conditions.${code}`),
      errorSlot(`conditions.${code}.note`),
    );
    const sync = () => {
      extra.hidden = !box.checked;
      row.classList.toggle('is-on', box.checked);
    };
    box.addEventListener('change', () => {
      if (box.checked) active.checked = true;
      sync();
    });
    row.sync = sync;
    return row;
  };
  const conditionGrid = h(
    'div',
    { class: 'condition-grid' },
    (catalog.conditions || []).map((c) => conditionRow(c.code, capital(codeLabel(c)))),
  );

  // ---- medications
  const medBody = h('tbody');
  const medTable = h(
    'table',
    { id: 'medication-list', class: 'table table-edit' },
    h('caption', { class: 'sr-only' }, t('mh.medications')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'col-med-name' }, t('mh.med.name')),
        h('th', { scope: 'col', class: 'col-med-class' }, t('mh.med.class')),
        h('th', { scope: 'col' }, t('mh.med.dose')),
        h('th', { scope: 'col' }, t('mh.med.started_on')),
        h('th', { scope: 'col' }, t('mh.med.ongoing')),
        h('th', { scope: 'col' }, t('mh.med.last_dose_at')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
      ),
    ),
    medBody,
  );
  const medEmpty = h('p', { class: 'muted table-empty' }, t('mh.no_medications'));

  const drugs = drugSearch((input, d) => {
    const row = input.closest('tr');
    input.value = d.name;
    row.dataset.drug = d.drug;
    row.drugName = lang() === 'ar' ? d.name_ar || d.name_en : d.name_en || d.name_ar;
    row.querySelector('select').value = d.class;
    showLink(row);
    input.focus();
  });

  const showLink = (row) => {
    const slot = row.querySelector('.drug-link');
    clear(slot);
    if (!row.dataset.drug) return;
    slot.append(
      icon('check'),
      h(
        'span',
        null,
        t('mh.drug_linked'),
        ' ',
        h('bdi', { class: 'strong' }, row.drugName || row.dataset.drug),
      ),
      readOnly
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'link-btn',
              onclick: () => {
                row.dataset.drug = '';
                row.drugName = null;
                showLink(row);
              },
            },
            t('mh.drug_unlink'),
          ),
    );
  };

  const renumber = (tbody, prefix, rowClass) => {
    [...tbody.querySelectorAll(`tr.${rowClass}`)].forEach((tr, i) => {
      tr.dataset.index = String(i);
      tr.querySelectorAll('[data-part]').forEach((el) => {
        const part = el.dataset.part;
        if (el.matches('[data-error-for]'))
          el.setAttribute('data-error-for', `${prefix}.${i}.${part}`);
        else el.name = `${prefix}.${i}.${part}`;
      });
      tr.querySelectorAll('[data-row-error]').forEach((el) =>
        el.setAttribute('data-error-for', `${prefix}.${i}`),
      );
    });
  };

  const medRow = (m = {}) => {
    const name = h('input', {
      type: 'text',
      class: 'input input-sm',
      'data-part': 'name',
      dir: 'auto',
      maxlength: '200',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': t('mh.med.name'),
      placeholder: t('mh.med.name_hint'),
      value: m.name || '',
    });
    const cls = h(
      'select',
      { class: 'input input-sm select', 'data-part': 'class', 'aria-label': t('mh.med.class') },
      h('option', { value: '' }, t('form.choose')),
      classes.map((c) => h('option', { value: c.code }, codeLabel(c))),
    );
    cls.value = m.class || '';
    const dose = h('input', {
      type: 'text',
      class: 'input input-sm',
      'data-part': 'dose',
      dir: 'auto',
      maxlength: '200',
      'aria-label': t('mh.med.dose'),
      value: m.dose || '',
    });
    const started = h('input', {
      type: 'date',
      class: 'input input-sm',
      'data-part': 'started_on',
      max: todayYmd(),
      'aria-label': t('mh.med.started_on'),
      value: m.started_on || '',
    });
    const ongoing = h('input', {
      type: 'checkbox',
      'data-part': 'ongoing',
      'aria-label': t('mh.med.ongoing'),
      checked: m.ongoing === undefined ? true : !!m.ongoing,
    });
    const last = h('input', {
      type: 'datetime-local',
      class: 'input input-sm',
      'data-part': 'last_dose_at',
      max: nowLocalInput(),
      'aria-label': t('mh.med.last_dose_at'),
      value: toLocalInput(m.last_dose_at),
    });
    const remove = readOnly
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            'data-action': 'remove-medication',
            'aria-label': t('mh.med.remove'),
            title: t('mh.med.remove'),
          },
          icon('trash'),
        );
    const err = (part) =>
      h('p', {
        class: 'field-error',
        'data-part': part,
        'data-error-for': '',
        'aria-live': 'polite',
      });
    const tr = h(
      'tr',
      { class: 'medication-row', 'data-drug': m.drug || '' },
      h(
        'td',
        { class: 'med-name-cell', 'data-label': t('mh.med.name') },
        name,
        h('p', { class: 'drug-link small' }),
        err('name'),
        err('drug'),
        h('p', { class: 'field-error', 'data-row-error': '', 'aria-live': 'polite' }),
      ),
      h('td', { 'data-label': t('mh.med.class') }, cls, err('class')),
      h('td', { 'data-label': t('mh.med.dose') }, dose, err('dose')),
      h('td', { 'data-label': t('mh.med.started_on') }, started, err('started_on')),
      h('td', { class: 'col-center', 'data-label': t('mh.med.ongoing') }, ongoing, err('ongoing')),
      h(
        'td',
        { 'data-label': t('mh.med.last_dose_at') },
        last,
        h('p', { class: 'field-hint small last-dose-hint' }, t('mh.med.last_dose_hint')),
        err('last_dose_at'),
      ),
      h('td', { class: 'col-actions' }, remove),
    );
    const syncOngoing = () => tr.classList.toggle('is-stopped', !ongoing.checked);
    ongoing.addEventListener('change', syncOngoing);
    syncOngoing();
    if (!readOnly) drugs.attach(name);
    name.addEventListener('input', () => {
      if (!name.value.trim() && tr.dataset.drug) {
        tr.dataset.drug = '';
        tr.drugName = null;
        showLink(tr);
      }
    });
    if (remove)
      remove.addEventListener('click', () => {
        const next = tr.nextElementSibling || tr.previousElementSibling;
        tr.remove();
        renumber(medBody, 'medications', 'medication-row');
        medEmpty.hidden = medBody.children.length > 0;
        (next ? next.querySelector('input') : addMed).focus();
      });
    showLink(tr);
    return tr;
  };
  const addMedRow = (m) => {
    medBody.append(medRow(m));
    renumber(medBody, 'medications', 'medication-row');
    medEmpty.hidden = true;
  };
  const addMed = button(t('mh.add_medication'), { iconName: 'plus', id: 'add-medication' });
  addMed.addEventListener('click', () => {
    addMedRow({});
    medBody.lastElementChild.querySelector('input').focus();
  });

  // ---- allergies
  const allergyBody = h('tbody');
  const allergyTable = h(
    'table',
    { id: 'allergy-list', class: 'table table-edit' },
    h('caption', { class: 'sr-only' }, t('mh.allergies')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('mh.allergy.substance')),
        h('th', { scope: 'col' }, t('mh.allergy.reaction')),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
      ),
    ),
    allergyBody,
  );
  const allergyEmpty = h('p', { class: 'muted table-empty' }, t('mh.no_allergies'));
  const allergyRow = (a = {}) => {
    const substance = h('input', {
      type: 'text',
      class: 'input input-sm',
      'data-part': 'substance',
      dir: 'auto',
      maxlength: '200',
      'aria-label': t('mh.allergy.substance'),
      value: a.substance || '',
    });
    const reaction = h('input', {
      type: 'text',
      class: 'input input-sm',
      'data-part': 'reaction',
      dir: 'auto',
      maxlength: '200',
      'aria-label': t('mh.allergy.reaction'),
      value: a.reaction || '',
    });
    const err = (part) =>
      h('p', {
        class: 'field-error',
        'data-part': part,
        'data-error-for': '',
        'aria-live': 'polite',
      });
    const remove = readOnly
      ? null
      : h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            'data-action': 'remove-allergy',
            'aria-label': t('mh.allergy.remove'),
            title: t('mh.allergy.remove'),
          },
          icon('trash'),
        );
    const tr = h(
      'tr',
      { class: 'allergy-row' },
      h(
        'td',
        { 'data-label': t('mh.allergy.substance') },
        substance,
        err('substance'),
        h('p', { class: 'field-error', 'data-row-error': '' }),
      ),
      h('td', { 'data-label': t('mh.allergy.reaction') }, reaction, err('reaction')),
      h('td', { class: 'col-actions' }, remove),
    );
    if (remove)
      remove.addEventListener('click', () => {
        const next = tr.nextElementSibling || tr.previousElementSibling;
        tr.remove();
        renumber(allergyBody, 'allergies', 'allergy-row');
        allergyEmpty.hidden = allergyBody.children.length > 0;
        (next ? next.querySelector('input') : addAllergy).focus();
      });
    return tr;
  };
  const addAllergyRow = (a) => {
    allergyBody.append(allergyRow(a));
    renumber(allergyBody, 'allergies', 'allergy-row');
    allergyEmpty.hidden = true;
  };
  const addAllergy = button(t('mh.add_allergy'), { iconName: 'plus', id: 'add-allergy' });
  addAllergy.addEventListener('click', () => {
    addAllergyRow({});
    allergyBody.lastElementChild.querySelector('input').focus();
  });

  // ---- body measures
  const height = h('input', {
    type: 'number',
    class: 'input input-num',
    min: '50',
    max: '250',
    step: '0.1',
    inputmode: 'decimal',
    dir: 'ltr',
  });
  const weight = h('input', {
    type: 'number',
    class: 'input input-num',
    min: '2',
    max: '400',
    step: '0.1',
    inputmode: 'decimal',
    dir: 'ltr',
  });
  const bmiValue = h('output', { id: 'bmi-value', class: 'bmi-value', dir: 'ltr' });
  const bmiCat = h('span', { class: 'bmi-category' });
  const updateBmi = () => {
    const b = bmiOf(numberOrNull(height), numberOrNull(weight));
    bmiValue.textContent = b === null ? '—' : fmtNumber(b);
    bmiCat.textContent = b === null ? t('mh.bmi_needs') : t(`mh.bmi_cat.${bmiCategory(b)}`);
    bmiCat.className = `bmi-category${b === null ? ' muted' : ` bmi-${bmiCategory(b)}`}`;
  };
  height.addEventListener('input', updateBmi);
  weight.addEventListener('input', updateBmi);

  // ---- scalp procedure
  const scalpOn = h('input', { type: 'date', class: 'input', max: todayYmd() });
  const scalpWhat = h('input', { type: 'text', class: 'input', maxlength: '200', dir: 'auto' });
  const scalpDetails = h(
    'div',
    { class: 'form-grid scalp-details', hidden: true },
    field({
      form: F,
      name: 'scalp_procedure.on',
      label: t('mh.scalp_on'),
      optional: true,
      control: scalpOn,
    }),
    field({
      form: F,
      name: 'scalp_procedure.what',
      label: t('mh.scalp_what'),
      optional: true,
      hint: t('mh.scalp_what_hint'),
      control: scalpWhat,
    }),
  );
  const scalpHad = radioField({
    name: 'scalp_procedure.had',
    label: t('mh.scalp_had'),
    options: [
      ['true', t('common.yes')],
      ['false', t('common.no')],
      ['', t('mh.not_asked')],
    ],
    wide: true,
  });

  const pregnancy = male
    ? null
    : h(
        'div',
        { id: 'pregnancy-fields', class: 'form-grid form-grid-nested field-wide' },
        yesNoField('pregnant', t('mh.pregnant')),
        yesNoField('breastfeeding', t('mh.breastfeeding')),
      );

  const form = h(
    'form',
    { id: 'history-form', class: 'form card', novalidate: true },
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('mh.conditions')),
      h('p', { class: 'section-desc' }, t('mh.conditions_hint')),
      conditionGrid,
      errorSlot('conditions'),
      h(
        'div',
        { class: 'form-grid conditions-other' },
        field({
          form: F,
          name: 'other_conditions',
          label: t('mh.other_conditions'),
          optional: true,
          wide: true,
          hint: t('mh.other_conditions_hint'),
          control: h('textarea', {
            class: 'input textarea',
            rows: '2',
            maxlength: '4000',
            dir: 'auto',
          }),
        }),
      ),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('mh.medications')),
      h('p', { class: 'section-desc' }, t('mh.medications_hint')),
      h('div', { class: 'table-wrap table-edit-wrap' }, medTable),
      medEmpty,
      errorSlot('medications'),
      readOnly ? null : h('div', { class: 'row-add' }, addMed),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('mh.allergies')),
      h('div', { class: 'table-wrap table-edit-wrap' }, allergyTable),
      allergyEmpty,
      errorSlot('allergies'),
      readOnly ? null : h('div', { class: 'row-add' }, addAllergy),
    ),
    section(
      male ? t('mh.smoking') : t('mh.section_general'),
      null,
      pregnancy,
      radioField({
        name: 'smoking',
        label: t('mh.smoking'),
        options: [...SMOKING.map((s) => [s, t(`mh.smoking.${s}`)]), ['', t('clinical.unknown')]],
        wide: true,
        // Alone in its section, the question repeats the section's title: say it once.
        cls: male ? 'legend-hidden' : null,
      }),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('mh.section_body')),
      h(
        'div',
        { class: 'form-grid form-grid-3' },
        field({
          form: F,
          name: 'height_cm',
          label: [t('mh.height_cm'), ' ', ltr('(cm)')],
          optional: true,
          control: height,
        }),
        field({
          form: F,
          name: 'weight_kg',
          label: [t('mh.weight_kg'), ' ', ltr('(kg)')],
          optional: true,
          control: weight,
        }),
        h(
          'div',
          { class: 'field bmi-field' },
          h('span', { class: 'field-label', id: 'bmi-label' }, t('mh.bmi'), ' ', ltr('(kg/m²)')),
          h('p', { class: 'bmi', 'aria-labelledby': 'bmi-label' }, bmiValue, bmiCat),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('mh.scalp_procedure')),
      h('div', { class: 'form-grid' }, scalpHad),
      scalpDetails,
    ),
  );

  const syncScalp = () => {
    scalpDetails.hidden = radioValue(form, 'scalp_procedure.had') !== 'true';
  };
  scalpHad.addEventListener('change', syncScalp);

  const rows = (tbody, cls) => [...tbody.querySelectorAll(`tr.${cls}`)];
  const part = (tr, p) => tr.querySelector(`[data-part="${p}"]:not([data-error-for])`);

  // Reads the whole page; `sent` remembers which row each sent item came from so the
  // server's error paths (by index of what was sent) find their row.
  const read = () => {
    const els = form.elements;
    const conditions = [];
    for (const box of form.querySelectorAll('input[name="conditions"]:checked')) {
      const code = box.value;
      const active = form.elements[`conditions.${code}.active`];
      const note = form.elements[`conditions.${code}.note`];
      conditions.push({ code, active: !!active.checked, note: textOrNull(note) });
    }
    const medications = [];
    const medRows = [];
    for (const tr of rows(medBody, 'medication-row')) {
      const m = {
        drug: tr.dataset.drug || null,
        name: textOrNull(part(tr, 'name')),
        class: part(tr, 'class').value || null,
        dose: textOrNull(part(tr, 'dose')),
        started_on: part(tr, 'started_on').value || null,
        ongoing: part(tr, 'ongoing').checked,
        last_dose_at: fromLocalInput(part(tr, 'last_dose_at').value),
      };
      const blank = !m.name && !m.class && !m.dose && !m.started_on && !m.last_dose_at;
      if (blank) continue;
      medications.push(m);
      medRows.push(Number(tr.dataset.index));
    }
    const allergies = [];
    const allergyRows = [];
    for (const tr of rows(allergyBody, 'allergy-row')) {
      const a = {
        substance: textOrNull(part(tr, 'substance')),
        reaction: textOrNull(part(tr, 'reaction')),
      };
      if (!a.substance && !a.reaction) continue;
      allergies.push(a);
      allergyRows.push(Number(tr.dataset.index));
    }
    const had = radioValue(form, 'scalp_procedure.had');
    const heightCm = numberOrNull(height);
    const weightKg = numberOrNull(weight);
    return {
      doc: {
        conditions,
        other_conditions: textOrNull(els.other_conditions),
        medications,
        allergies,
        pregnant: male ? null : boolOrNull(radioValue(form, 'pregnant')),
        breastfeeding: male ? null : boolOrNull(radioValue(form, 'breastfeeding')),
        smoking: radioValue(form, 'smoking') || null,
        height_cm: heightCm,
        weight_kg: weightKg,
        scalp_procedure:
          had === 'true'
            ? { had: true, on: scalpOn.value || null, what: textOrNull(scalpWhat) }
            : had === 'false'
              ? { had: false }
              : null,
      },
      sent: {
        conditions: conditions.map((c) => c.code),
        medications: medRows,
        allergies: allergyRows,
      },
      drugNames: rows(medBody, 'medication-row').map((tr) => tr.drugName || null),
    };
  };

  const fill = (doc, drugNames = []) => {
    const on = new Map((doc.conditions || []).map((c) => [c.code, c]));
    // A condition no longer in the catalogue still shows, so a save does not drop it silently.
    for (const code of on.keys()) {
      if (
        !conditionCodes.includes(code) &&
        !conditionGrid.querySelector(`[data-condition="${CSS.escape(code)}"]`)
      )
        conditionGrid.append(conditionRow(code, code));
    }
    for (const row of conditionGrid.querySelectorAll('.condition')) {
      const code = row.dataset.condition;
      const c = on.get(code);
      form.querySelector(`input[name="conditions"][value="${CSS.escape(code)}"]`).checked = !!c;
      form.elements[`conditions.${code}.active`].checked = c ? c.active !== false : true;
      form.elements[`conditions.${code}.note`].value = (c && c.note) || '';
      row.sync();
    }
    form.elements.other_conditions.value = doc.other_conditions || '';
    clear(medBody);
    (doc.medications || []).forEach((m) => addMedRow(m));
    rows(medBody, 'medication-row').forEach((tr, i) => {
      if (drugNames[i]) {
        tr.drugName = drugNames[i];
        showLink(tr);
      }
    });
    medEmpty.hidden = medBody.children.length > 0;
    clear(allergyBody);
    (doc.allergies || []).forEach((a) => addAllergyRow(a));
    allergyEmpty.hidden = allergyBody.children.length > 0;
    if (!male) {
      setRadio(form, 'pregnant', doc.pregnant);
      setRadio(form, 'breastfeeding', doc.breastfeeding);
    }
    setRadio(form, 'smoking', doc.smoking);
    height.value =
      doc.height_cm === null || doc.height_cm === undefined ? '' : String(doc.height_cm);
    weight.value =
      doc.weight_kg === null || doc.weight_kg === undefined ? '' : String(doc.weight_kg);
    updateBmi();
    const sp = doc.scalp_procedure;
    setRadio(form, 'scalp_procedure.had', sp ? String(!!sp.had) : '');
    scalpOn.value = (sp && sp.on) || '';
    scalpWhat.value = (sp && sp.what) || '';
    syncScalp();
    if (readOnly)
      form
        .querySelectorAll('input, select, textarea')
        .forEach((c) => c.setAttribute('disabled', ''));
  };

  // Checks what the server would refuse for want of a choice, so the message comes at once.
  const check = (doc, sent) => {
    const problems = [];
    doc.medications.forEach((m, i) => {
      const at = `medications.${sent.medications[i]}`;
      if (!m.name) problems.push({ field: `${at}.name`, code: 'required' });
      if (!m.class)
        problems.push({
          field: `${at}.class`,
          code: 'required',
          key: m.drug ? null : 'mh.med.class_needed',
        });
    });
    doc.allergies.forEach((a, i) => {
      if (!a.substance)
        problems.push({ field: `allergies.${sent.allergies[i]}.substance`, code: 'required' });
    });
    return problems;
  };

  form.addEventListener('change', (e) => {
    if (e.target.name === 'conditions')
      e.target.closest('.condition').classList.toggle('is-on', e.target.checked);
  });

  return { form, read, fill, check, closeSuggestions: drugs.close };
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page page-clinical', id: 'history-page' });
  main.append(page);
  page.append(spinner());
  const readOnly = !can('clinical.write');
  let patient;
  let catalog;
  let record;
  const versionsPromise = api.medicalHistoryVersions(params.id).then(
    (body) => ({ body }),
    (err) => ({ err }),
  );
  try {
    [patient, catalog, record] = await Promise.all([
      api.getPatient(params.id),
      loadCatalog(),
      api.getMedicalHistory(params.id),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(page, pageHeader(t('mh.title')), errorBanner(err));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('mh.title')} · ${displayName(patient)}`);
  record = { ...emptyHistory(), ...record };
  let version = record.version || 0;

  const { form, read, fill, check } = buildForm({ catalog, patient, readOnly });
  const formError = h('div', {
    id: 'form-error',
    class: 'form-error-box',
    role: 'alert',
    'aria-live': 'assertive',
  });
  const save = h(
    'button',
    { id: 'history-save', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, t('form.save_changes')),
  );
  form.append(
    formError,
    readOnly
      ? null
      : h(
          'div',
          { class: 'form-actions sticky-actions' },
          h(
            'a',
            { class: 'btn btn-secondary', href: `#/patients/${encodeURIComponent(patient.id)}` },
            t('common.cancel'),
          ),
          save,
        ),
  );
  fill(record);
  const restored = ctx.restored;
  if (restored && restored.doc) {
    fill(restored.doc, restored.drugNames);
    if (restored.version !== undefined) version = restored.version;
  }
  ctx.setSaveState(() => {
    const r = read();
    return { doc: r.doc, drugNames: r.drugNames, version };
  });

  const versionsBox = h('div', { class: 'versions-slot' }, spinner());
  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'history'),
    clinicalHeading(t('mh.title'), {
      subtitle: version ? savedBy(record) : t('mh.never_saved'),
    }),
    readOnly
      ? h(
          'div',
          { class: 'banner banner-info' },
          icon('alert'),
          h('p', null, t('clinical.read_only')),
        )
      : null,
    form,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'sec-versions' },
      h('h2', { id: 'sec-versions', class: 'card-title' }, icon('history'), t('clinical.versions')),
      versionsBox,
    ),
  );

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT' && e.target.type !== 'submit') {
      // Enter in a row chooses a drug or does nothing; saving is the button's (or Ctrl+Enter).
      if (!(e.ctrlKey || e.metaKey)) e.preventDefault();
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit(save);
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (readOnly) return;
    clearFieldErrors(form);
    replace(formError);
    formError.className = 'form-error-box';
    const { doc, sent } = read();
    const problems = check(doc, sent);
    if (problems.length) {
      for (const p of problems)
        setFieldError(form, p.field, p.key ? t(p.key) : t(`error.${p.code}`));
      formError.classList.add('is-error');
      replace(
        formError,
        h(
          'p',
          null,
          problems.length > 1 ? t('form.fix_fields', { n: problems.length }) : t('form.fix_field'),
        ),
      );
      form.querySelector(`[name="${CSS.escape(problems[0].field)}"]`)?.focus();
      return;
    }
    // The server names rows by their index in what was sent; the page by the row's index.
    const mapPath = (path) => {
      const m = /^(conditions|medications|allergies)\.(\d+)(\..*)?$/.exec(path);
      if (!m) return path;
      const at = sent[m[1]][Number(m[2])];
      return at === undefined ? m[1] : `${m[1]}.${at}${m[3] || ''}`;
    };
    setBusy(save, true);
    try {
      const saved = await api.saveMedicalHistory(patient.id, { ...doc, version });
      if (!ctx.alive()) return;
      toast(saved.version === version ? t('clinical.unchanged') : t('mh.saved'));
      ctx.navigate(`#/patients/${encodeURIComponent(patient.id)}/history`);
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      if (err.code === 'stale_version') {
        formError.classList.add('is-error');
        replace(
          formError,
          h('p', { class: 'form-error-title' }, t('error.stale_version')),
          h('p', null, t('form.stale_hint')),
          button(t('form.reload_latest'), {
            kind: 'secondary',
            iconName: 'refresh',
            id: 'history-reload',
            onclick: () => ctx.navigate(`#/patients/${encodeURIComponent(patient.id)}/history`),
          }),
        );
        formError.querySelector('button').focus();
        return;
      }
      const target = showServerError(form, formError, err, mapPath);
      if (target && typeof target.focus === 'function') target.focus();
      else formError.scrollIntoView({ block: 'center' });
    } finally {
      setBusy(save, false);
    }
  });

  const { body, err } = await versionsPromise;
  if (!ctx.alive()) return;
  if (err) {
    if (err.status !== 401) replace(versionsBox, errorBanner(err));
    return;
  }
  replace(
    versionsBox,
    versionList({
      id: 'history-versions',
      items: (body && body.items) || [],
      label: historyFieldLabel,
      value: (path, v) => historyValue(path, v, catalog),
    }),
  );
}
