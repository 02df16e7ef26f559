// Assessment form, new and edit: the grading scales as pictures, the scalp map of the areas
// affected, contributing factors, the face section, and the version history of a saved one.
// Switching the complaint hides a section without forgetting it; only the active one is sent.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, tp, fmtDate, fmtNumber } from '../i18n.js';
import { can } from '../session.js';
import {
  pageHeader,
  field,
  clearFieldErrors,
  toast,
  setBusy,
  spinner,
  errorBanner,
  button,
} from '../ui.js';
import { SCALES, ZONES, scaleImageUrl, scalpMap } from '../scales.js';
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

export const FACTORS = [
  'genetics',
  'age',
  'diet',
  'stress',
  'illness',
  'childbirth',
  'contraception_change',
  'medicines',
  'dandruff_psoriasis',
  'heat_styling',
  'dyes',
  'tight_hairstyles',
  'thyroid_disease',
  'fungal_infection',
  'seborrhoeic_dermatitis',
  'chemotherapy',
];
export const INDICATIONS = [
  'fine_lines',
  'acne_scars',
  'uneven_tone',
  'dark_circles',
  'lips',
  'laxity',
];
const FITZPATRICK = ['I', 'II', 'III', 'IV', 'V', 'VI'];
const GLOGAU = ['I', 'II', 'III', 'IV'];
const SCALE_NAMES = ['norwood', 'ludwig', 'sinclair', 'savin'];

// Grades keep the names the scales give them in every language ("Norwood III vertex").
export function gradeText(scale, grade) {
  return String(grade).replace(/-vertex$/, ' vertex');
}

// The scales' own names, as clinicians write them in every language.
export const SCALE_SHORT = {
  norwood: 'Norwood',
  ludwig: 'Ludwig',
  sinclair: 'Sinclair',
  savin: 'Savin',
  fitzpatrick: 'Fitzpatrick',
  glogau: 'Glogau',
};

export function scaleGradeText(scale, grade) {
  return `${SCALE_SHORT[scale]} ${gradeText(scale, grade)}`;
}

// A finding's label from the catalogue where it has one, with a capital first letter.
function findingLabel(catalog, code, fallbackKey) {
  const entry = (catalog.findings || []).find((f) => f.code === code);
  return capital(entry ? codeLabel(entry) : t(fallbackKey));
}

// The label of a field path, for errors and the version list.
export function assessmentFieldLabel(path, catalog) {
  const leaf = path.replace(/^(hair|face)\./, '');
  if (SCALE_NAMES.includes(leaf) || leaf === 'fitzpatrick' || leaf === 'glogau')
    return t(`scale.${leaf}`);
  switch (path) {
    case 'hair':
    case 'face':
      return t(`complaint.${path}`);
    case 'hair.hair_present_in_area':
      return findingLabel(catalog, 'hair_present_in_area', 'assessment.hair_present_in_area');
    case 'face.high_risk_zone_planned':
      return findingLabel(
        catalog,
        'high_risk_face_zone_planned',
        'assessment.high_risk_zone_planned',
      );
    case 'consent_to_risks':
      return findingLabel(catalog, 'consent', 'assessment.consent_to_risks');
    case 'acute_illness':
      return findingLabel(catalog, 'recent_fever_or_illness', 'assessment.acute_illness');
    default:
      break;
  }
  const key = `assessment.${leaf}`;
  const text = t(key);
  return text === key ? path : text;
}

function listText(values, prefix) {
  return values.map((v) => t(`${prefix}.${v}`)).join(t('common.list_separator'));
}

export function assessmentValue(path, v, catalog) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    // A whole section (hair or face) added or removed at once.
    const entries = Object.entries(v).filter(
      ([, x]) => x !== null && !(Array.isArray(x) && !x.length),
    );
    if (!entries.length) return h('span', { class: 'muted' }, t('common.empty_value'));
    return h(
      'ul',
      { class: 'plain-list' },
      entries.map(([k, x]) =>
        h(
          'li',
          null,
          h('span', { class: 'muted' }, `${assessmentFieldLabel(`${path}.${k}`, catalog)}: `),
          assessmentValue(`${path}.${k}`, x, catalog),
        ),
      ),
    );
  }
  const leaf = path.replace(/^(hair|face)\./, '');
  if (SCALE_NAMES.includes(leaf)) return ltr(scaleGradeText(leaf, v));
  if (typeof v === 'boolean') return h('span', null, yesNoText(v));
  switch (leaf) {
    case 'visit_date':
      return h('span', null, fmtDate(v));
    case 'complaint':
      return h('span', null, t(`complaint.${v}`));
    case 'zones':
      return h('span', null, listText(v, 'zone'));
    case 'factors':
      return h('span', null, listText(v, 'factor'));
    case 'indications':
      return h('span', null, listText(v, 'indication'));
    case 'fitzpatrick':
      return h('span', null, ltr(String(v)), ' ', t(`fitzpatrick.${v}`));
    case 'glogau':
      return h('span', null, ltr(String(v)), ' ', t(`glogau.${v}`));
    case 'salt':
      return ltr(`${fmtNumber(v)} %`);
    case 'duration_months':
      return h('span', null, typeof v === 'number' ? tp('assessment.months', v) : String(v));
    default:
      break;
  }
  if (typeof v === 'number') return ltr(fmtNumber(v));
  return h('span', { class: 'pre-wrap' }, String(v));
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

function errorSlot(name) {
  return h('p', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' });
}

// One scale as a row of pictures to choose from, inside a disclosure that says what is chosen.
function scalePicker(scale, open) {
  const name = `hair.${scale}`;
  const current = h('span', { class: 'scale-current' });
  const choice = (value, content, extraClass) =>
    h(
      'label',
      { class: `scale-choice${extraClass ? ` ${extraClass}` : ''}` },
      h('input', { type: 'radio', name, value: String(value), class: 'choice-input' }),
      content,
    );
  const details = h(
    'details',
    { class: 'scale', 'data-scale': scale, open },
    h(
      'summary',
      { class: 'scale-summary' },
      h('span', { class: 'scale-name' }, t(`scale.${scale}`)),
      h('span', { class: 'scale-use muted' }, t(`scale.${scale}.use`)),
      current,
    ),
    h(
      'fieldset',
      { class: 'scale-fieldset' },
      h('legend', { class: 'sr-only' }, t(`scale.${scale}`)),
      h(
        'div',
        { class: 'scale-choices' },
        choice(
          '',
          h('span', { class: 'scale-none-box' }, t('assessment.not_assessed')),
          'scale-none',
        ),
        SCALES[scale].map((grade) =>
          choice(
            grade,
            [
              h('img', {
                src: scaleImageUrl(scale, grade),
                alt: '',
                width: '84',
                height: '84',
                decoding: 'async',
              }),
              h('span', { class: 'scale-grade', dir: 'ltr' }, gradeText(scale, grade)),
            ],
            null,
          ),
        ),
      ),
      errorSlot(name),
    ),
  );
  const refresh = () => {
    const v = details.querySelector('input:checked');
    current.textContent = v && v.value ? scaleGradeText(scale, v.value) : '';
    current.dir = 'ltr';
  };
  details.addEventListener('change', refresh);
  details.refresh = refresh;
  return details;
}

function checkboxGrid(name, codes, prefix) {
  return h(
    'div',
    { class: 'check-grid' },
    codes.map((code) =>
      h(
        'label',
        { class: 'check-option' },
        h('input', { type: 'checkbox', name, value: code }),
        h('span', null, t(`${prefix}.${code}`)),
      ),
    ),
  );
}

function checkedValues(form, name, order) {
  const on = new Set(
    [...form.querySelectorAll(`input[name="${CSS.escape(name)}"]:checked`)].map((c) => c.value),
  );
  return order.filter((c) => on.has(c));
}

function setChecked(form, name, values) {
  const on = new Set(values || []);
  for (const c of form.querySelectorAll(`input[name="${CSS.escape(name)}"]`))
    c.checked = on.has(c.value);
}

// Builds the form. Returns { form, read(), fill(doc), setComplaint() } around it.
function buildForm({ catalog, patient, readOnly }) {
  const F = 'af';
  let zones = new Set();
  const mapSlot = h('div', { class: 'scalp-map-slot' });
  const zoneList = h('p', { class: 'zone-list', 'aria-live': 'polite' });
  const showZones = () => {
    const chosen = ZONES.filter((z) => zones.has(z));
    zoneList.textContent = chosen.length
      ? `${t('assessment.zones_selected')} ${listText(chosen, 'zone')}`
      : t('assessment.zones_none');
  };
  const drawMap = () => {
    const map = scalpMap({
      selected: new Set(zones),
      label: (code) => t(`zone.${code}`),
      onToggle: (code, on) => {
        if (on) zones.add(code);
        else zones.delete(code);
        showZones();
      },
    });
    map.setAttribute('aria-label', t('assessment.zones'));
    if (readOnly) {
      map.classList.add('is-readonly');
      map.querySelectorAll('[data-zone]').forEach((z) => {
        z.removeAttribute('tabindex');
        z.setAttribute('aria-disabled', 'true');
      });
    }
    replace(mapSlot, map);
    showZones();
  };

  const sex = patient.sex;
  const openScale = (scale) =>
    sex === 'male' ? scale === 'norwood' : sex === 'female' ? scale !== 'norwood' : true;
  const pickers = SCALE_NAMES.map((s) => scalePicker(s, openScale(s)));

  const hairSection = h(
    'div',
    { class: 'complaint-section', 'data-complaint': 'hair', id: 'hair-section' },
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('assessment.section_pattern')),
      h('p', { class: 'section-desc' }, t('assessment.pattern_hint')),
      h('div', { class: 'scales' }, pickers),
    ),
    section(
      t('assessment.section_extent'),
      null,
      field({
        form: F,
        name: 'hair.duration_months',
        label: t('assessment.duration_months'),
        optional: true,
        hint: t('assessment.duration_hint'),
        control: h('input', {
          type: 'number',
          class: 'input input-num',
          min: '0',
          max: '1200',
          step: '1',
          inputmode: 'numeric',
          dir: 'ltr',
        }),
      }),
      field({
        form: F,
        name: 'hair.salt',
        label: [t('assessment.salt'), ' ', ltr('(SALT)')],
        optional: true,
        hint: t('assessment.salt_hint'),
        control: h('input', {
          type: 'number',
          class: 'input input-num',
          min: '0',
          max: '100',
          step: '0.1',
          inputmode: 'decimal',
          dir: 'ltr',
        }),
      }),
      yesNoField(
        'hair.hair_present_in_area',
        assessmentFieldLabel('hair.hair_present_in_area', catalog),
        { hint: t('assessment.hair_present_hint'), wide: true },
      ),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('assessment.zones')),
      h('p', { class: 'section-desc' }, t('assessment.zones_hint')),
      h(
        'div',
        { class: 'zones-layout' },
        h(
          'figure',
          { class: 'scalp-figure' },
          h('span', { class: 'scalp-orient scalp-orient-front' }, t('assessment.map_front')),
          mapSlot,
          h('span', { class: 'scalp-orient' }, t('assessment.map_back')),
        ),
        h('div', { class: 'zones-side' }, zoneList, errorSlot('hair.zones')),
      ),
    ),
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('assessment.factors')),
      h('p', { class: 'section-desc' }, t('assessment.factors_hint')),
      checkboxGrid('hair.factors', FACTORS, 'factor'),
      errorSlot('hair.factors'),
    ),
  );

  const scaleOptions = (codes, prefix) =>
    codes.map((c) => [
      c,
      h('span', null, h('strong', { dir: 'ltr' }, c), ' ', h('span', null, t(`${prefix}.${c}`))),
    ]);
  const faceSection = h(
    'div',
    { class: 'complaint-section', 'data-complaint': 'face', id: 'face-section' },
    h(
      'fieldset',
      { class: 'form-section' },
      h('legend', { class: 'section-title' }, t('assessment.section_face')),
      h('p', { class: 'section-desc' }, t('assessment.indications_hint')),
      checkboxGrid('face.indications', INDICATIONS, 'indication'),
      errorSlot('face.indications'),
    ),
    section(
      t('assessment.section_skin'),
      null,
      radioField({
        name: 'face.fitzpatrick',
        label: t('scale.fitzpatrick'),
        options: [['', t('assessment.not_assessed')], ...scaleOptions(FITZPATRICK, 'fitzpatrick')],
        wide: true,
        cls: 'radio-stack',
      }),
      radioField({
        name: 'face.glogau',
        label: t('scale.glogau'),
        options: [['', t('assessment.not_assessed')], ...scaleOptions(GLOGAU, 'glogau')],
        wide: true,
        cls: 'radio-stack',
      }),
      yesNoField(
        'face.high_risk_zone_planned',
        assessmentFieldLabel('face.high_risk_zone_planned', catalog),
        { hint: t('assessment.high_risk_hint'), wide: true },
      ),
    ),
  );

  const complaintField = radioField({
    name: 'complaint',
    label: t('assessment.complaint'),
    options: [
      ['hair', t('complaint.hair')],
      ['face', t('complaint.face')],
    ],
    cls: 'complaint-field',
  });

  const form = h(
    'form',
    { id: 'assessment-form', class: 'form card', novalidate: true },
    section(
      t('assessment.section_visit'),
      null,
      field({
        form: F,
        name: 'visit_date',
        label: t('assessment.visit_date'),
        required: true,
        control: h('input', { type: 'date', class: 'input', max: todayYmd(), min: '1900-01-01' }),
      }),
      complaintField,
    ),
    hairSection,
    faceSection,
    section(
      t('assessment.section_safety'),
      t('assessment.safety_hint'),
      yesNoField('consent_to_risks', assessmentFieldLabel('consent_to_risks', catalog), {
        hint: t('assessment.consent_hint'),
        wide: true,
      }),
      yesNoField('acute_illness', assessmentFieldLabel('acute_illness', catalog), {
        hint: t('assessment.acute_illness_hint'),
        wide: true,
      }),
    ),
    section(
      t('assessment.notes'),
      null,
      field({
        form: F,
        name: 'notes',
        label: t('assessment.notes'),
        optional: true,
        wide: true,
        hint: t('hint.notes'),
        control: h('textarea', {
          class: 'input textarea',
          rows: '3',
          maxlength: '4000',
          dir: 'auto',
        }),
      }),
    ),
  );
  form.querySelector('label[for="af-notes"]').classList.add('sr-only');

  const setComplaint = () => {
    const c = radioValue(form, 'complaint');
    hairSection.hidden = c !== 'hair';
    faceSection.hidden = c !== 'face';
    form.dataset.complaint = c;
  };
  complaintField.addEventListener('change', setComplaint);

  const read = () => {
    const els = form.elements;
    const complaint = radioValue(form, 'complaint') || null;
    const sinclair = radioValue(form, 'hair.sinclair');
    const hair = {
      norwood: radioValue(form, 'hair.norwood') || null,
      ludwig: radioValue(form, 'hair.ludwig') || null,
      sinclair: sinclair ? Number(sinclair) : null,
      savin: radioValue(form, 'hair.savin') || null,
      salt: numberOrNull(els['hair.salt']),
      duration_months: numberOrNull(els['hair.duration_months']),
      hair_present_in_area: boolOrNull(radioValue(form, 'hair.hair_present_in_area')),
      zones: ZONES.filter((z) => zones.has(z)),
      factors: checkedValues(form, 'hair.factors', FACTORS),
    };
    const face = {
      indications: checkedValues(form, 'face.indications', INDICATIONS),
      fitzpatrick: radioValue(form, 'face.fitzpatrick') || null,
      glogau: radioValue(form, 'face.glogau') || null,
      high_risk_zone_planned: boolOrNull(radioValue(form, 'face.high_risk_zone_planned')),
    };
    return {
      visit_date: els.visit_date.value || null,
      complaint,
      hair,
      face,
      consent_to_risks: boolOrNull(radioValue(form, 'consent_to_risks')),
      acute_illness: boolOrNull(radioValue(form, 'acute_illness')),
      notes: textOrNull(els.notes),
    };
  };

  const fill = (doc) => {
    const els = form.elements;
    els.visit_date.value = doc.visit_date || '';
    setRadio(form, 'complaint', doc.complaint);
    const hair = doc.hair || {};
    for (const s of SCALE_NAMES) setRadio(form, `hair.${s}`, hair[s]);
    els['hair.salt'].value = hair.salt === null || hair.salt === undefined ? '' : String(hair.salt);
    els['hair.duration_months'].value =
      hair.duration_months === null || hair.duration_months === undefined
        ? ''
        : String(hair.duration_months);
    setRadio(form, 'hair.hair_present_in_area', hair.hair_present_in_area);
    setChecked(form, 'hair.factors', hair.factors);
    zones = new Set(hair.zones || []);
    const face = doc.face || {};
    setChecked(form, 'face.indications', face.indications);
    setRadio(form, 'face.fitzpatrick', face.fitzpatrick);
    setRadio(form, 'face.glogau', face.glogau);
    setRadio(form, 'face.high_risk_zone_planned', face.high_risk_zone_planned);
    setRadio(form, 'consent_to_risks', doc.consent_to_risks);
    setRadio(form, 'acute_illness', doc.acute_illness);
    els.notes.value = doc.notes || '';
    for (const p of pickers) {
      p.refresh();
      if (p.querySelector('input:checked:not([value=""])')) p.open = true;
    }
    drawMap();
    setComplaint();
  };

  if (readOnly) {
    form.querySelectorAll('input, select, textarea').forEach((c) => c.setAttribute('disabled', ''));
    form.classList.add('is-readonly');
  }
  return { form, read, fill };
}

// What the API receives: the active complaint's section only.
function payload(doc) {
  return {
    visit_date: doc.visit_date,
    complaint: doc.complaint,
    hair: doc.complaint === 'hair' ? doc.hair : null,
    face: doc.complaint === 'face' ? doc.face : null,
    consent_to_risks: doc.consent_to_risks,
    acute_illness: doc.acute_illness,
    notes: doc.notes,
  };
}

function emptyDoc() {
  return {
    visit_date: todayYmd(),
    complaint: null,
    hair: null,
    face: null,
    consent_to_risks: null,
    acute_illness: null,
    notes: null,
  };
}

export async function render(main, params, ctx) {
  const editing = params.aid !== null && params.aid !== undefined;
  const page = h('section', { class: 'page page-clinical', id: 'assessment-page' });
  main.append(page);
  page.append(spinner());
  const readOnly = !can('clinical.write');

  let assessment = null;
  let patient;
  let catalog;
  let versionsPromise = null;
  try {
    if (editing) {
      versionsPromise = api.assessmentVersions(params.aid).then(
        (body) => ({ body }),
        (err) => ({ err }),
      );
      [assessment, catalog] = await Promise.all([api.getAssessment(params.aid), loadCatalog()]);
      patient = await api.getPatient(assessment.patient_id);
    } else {
      [patient, catalog] = await Promise.all([api.getPatient(params.patientId), loadCatalog()]);
    }
  } catch (err) {
    if (!ctx.alive()) return;
    replace(
      page,
      pageHeader(editing ? t('assessment.title') : t('assessment.new_title')),
      errorBanner(err),
    );
    return;
  }
  if (!ctx.alive()) return;
  const pid = encodeURIComponent(patient.id);
  const listHref = `#/patients/${pid}/assessments`;
  const title = editing
    ? t('assessment.edit_title', { date: fmtDate(assessment.visit_date) })
    : t('assessment.new_title');
  ctx.setTitle(`${title} · ${displayName(patient)}`);

  if (!editing && readOnly) {
    replace(
      page,
      patientStrip(patient),
      patientTabs(patient, 'assessments'),
      clinicalHeading(title),
      h(
        'div',
        { class: 'banner banner-info' },
        icon('alert'),
        h('p', null, t('clinical.read_only')),
      ),
    );
    return;
  }

  const { form, read, fill } = buildForm({ catalog, patient, readOnly });
  let version = editing ? assessment.version : null;
  const formError = h('div', {
    id: 'form-error',
    class: 'form-error-box',
    role: 'alert',
    'aria-live': 'assertive',
  });
  const save = h(
    'button',
    { id: 'assessment-save', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, editing ? t('form.save_changes') : t('assessment.create')),
  );
  form.append(
    formError,
    readOnly
      ? null
      : h(
          'div',
          { class: 'form-actions sticky-actions' },
          h(
            'p',
            { class: 'muted small' },
            h('span', { class: 'req', 'aria-hidden': 'true' }, '*'),
            ' ',
            t('form.required_note'),
          ),
          h('a', { class: 'btn btn-secondary', href: listHref }, t('common.cancel')),
          save,
        ),
  );

  fill(editing ? assessment : emptyDoc());
  const restored = ctx.restored;
  if (restored && restored.doc) {
    fill(restored.doc);
    if (restored.version !== undefined) version = restored.version;
  }
  ctx.setSaveState(() => ({ doc: read(), version }));

  const versionsBox = h('div', { class: 'versions-slot' }, spinner());
  const aside = editing
    ? h(
        'aside',
        { class: 'clinical-side' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'sec-versions' },
          h(
            'h2',
            { id: 'sec-versions', class: 'card-title' },
            icon('history'),
            t('clinical.versions'),
          ),
          versionsBox,
        ),
      )
    : null;

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'assessments'),
    clinicalHeading(title, {
      subtitle: editing ? savedBy(assessment) : t('assessment.new_subtitle'),
    }),
    readOnly
      ? h(
          'div',
          { class: 'banner banner-info' },
          icon('alert'),
          h('p', null, t('clinical.read_only')),
        )
      : null,
    h('div', { class: editing ? 'clinical-columns' : 'clinical-single' }, form, aside),
  );
  if (!editing && !restored) form.elements.visit_date.focus();

  if (versionsPromise) {
    const { body, err } = await versionsPromise;
    if (!ctx.alive()) return;
    if (err) {
      if (err.status !== 401) replace(versionsBox, errorBanner(err));
    } else {
      replace(
        versionsBox,
        versionList({
          id: 'assessment-versions',
          items: (body && body.items) || [],
          label: (path) => assessmentFieldLabel(path, catalog),
          value: (path, v) => assessmentValue(path, v, catalog),
        }),
      );
    }
  }

  form.addEventListener('keydown', (e) => {
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
    const body = payload(read());
    setBusy(save, true);
    try {
      if (editing) {
        const saved = await api.updateAssessment(assessment.id, { ...body, version });
        if (!ctx.alive()) return;
        toast(saved.version === version ? t('clinical.unchanged') : t('assessment.saved'));
        ctx.navigate(`#/assessments/${encodeURIComponent(saved.id)}`);
      } else {
        const saved = await api.createAssessment(patient.id, body);
        if (!ctx.alive()) return;
        toast(t('assessment.created'));
        ctx.navigate(`#/assessments/${encodeURIComponent(saved.id)}`);
      }
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
            id: 'assessment-reload',
            onclick: () => ctx.navigate(`#/assessments/${encodeURIComponent(assessment.id)}`),
          }),
        );
        formError.querySelector('button').focus();
        return;
      }
      const target = showServerError(form, formError, err);
      if (target && typeof target.focus === 'function') target.focus();
      else formError.scrollIntoView({ block: 'center' });
    } finally {
      setBusy(save, false);
    }
  });
}
