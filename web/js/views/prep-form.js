// The PRP preparation record of a procedure: the draw, the tubes, the centrifuge and its spins
// (rpm or RCF, the other computed live from the rotor's radius), what was collected, the counts,
// the activation; saved step by step, with what the server computes from it (concentration
// factor, recovery, dose, the five classifications, deviations from the protocol).

import { h, icon, ltr, replace } from '../dom.js';
import { t, tNodes } from '../i18n.js';
import { localText } from '../catalog.js';
import { button } from '../ui.js';
import {
  rcfFromRpm,
  rpmFromRcf,
  num,
  toLocalInput,
  fromLocalInput,
  nowLocalInput,
  numField,
  textField,
  areaField,
  dateTimeField,
  dateField,
  selectField,
  section,
  grid,
  errorSlot,
  currentUser,
  nameOfUserId,
  sectionMode,
  recordFooter,
  makeReadOnly,
  saveSection,
  facts,
  numberOrNull,
  textOrNull,
} from './record-kit.js';
import { prpDesigner } from './prp-designer.js';

const ANTICOAGULANTS = ['acd_a', 'sodium_citrate', 'heparin', 'none', 'other'];
const BRAKES = ['on', 'low', 'off'];
const LAYERS = ['plasma', 'plasma_buffy_coat', 'buffy_coat'];
const AGENTS = ['none', 'calcium_gluconate', 'calcium_chloride', 'thrombin'];
const CLASSIFICATIONS = ['paw', 'mishra', 'dohan', 'plra', 'depa'];
// The names of the classifications: the three acronyms are the same in every language.
const CLASS_NAMES = { paw: 'PAW', plra: 'PLRA', depa: 'DEPA' };

// Counts are entered as the laboratory prints them and sent per µL.
const THOUSAND = 1e3;
const MILLION = 1e6;

function scaled(input, factor) {
  const v = numberOrNull(input);
  return typeof v === 'number' ? Math.round(v * factor) : v;
}

function unscaled(v, factor) {
  return typeof v === 'number' ? Math.round((v / factor) * 1000) / 1000 : '';
}

const opts = (codes, prefix) => codes.map((c) => [c, t(`${prefix}.${c}`)]);

// A centrifuge as a choice: its name, model, rotor type and radius.
export function centrifugeText(c) {
  const parts = [c.name];
  if (c.model) parts.push(c.model);
  if (c.rotor_type) parts.push(t(`prep.rotor.${c.rotor_type}`));
  parts.push(
    c.rotor_radius_mm > 0
      ? t('prep.radius_mm', { mm: c.rotor_radius_mm })
      : t('prep.radius_unknown_short'),
  );
  return parts.join(' · ');
}

// The devices offered: the active ones and the one the record names, even if retired since.
export function centrifugeChoices(centrifuges, saved) {
  const list = (centrifuges || []).filter((c) => c.active !== false);
  if (saved && saved.id && !list.some((c) => c.id === saved.id)) {
    const known = (centrifuges || []).find((c) => c.id === saved.id);
    list.push(known || saved);
  }
  return list;
}

// One spin: rpm or RCF entered (a choice), the other shown as computed, minutes, and unless
// `short`, brake and temperature. radius() gives the chosen rotor's radius in mm, or null; base
// is the spin's path in the document.
export function spinBlock({ form, index, spin, radius, legend, base = `spins.${index}`, short }) {
  const idp = `${form}-spin${index + 1}`;
  const s = spin || {};
  let mode = s.rpm == null && s.rcf_g != null ? 'rcf' : 'rpm';
  const value = h('input', {
    type: 'number',
    class: 'input input-num',
    inputmode: 'decimal',
    step: 'any',
    id: `${idp}-value`,
    value: (mode === 'rpm' ? s.rpm : s.rcf_g) ?? '',
  });
  const unit = h('span', { class: 'unit', 'aria-hidden': 'true' });
  const other = h('output', {
    id: `${idp}-other`,
    class: 'spin-other',
    for: `${idp}-value`,
    'aria-live': 'polite',
  });
  const modeRadios = ['rpm', 'rcf'].map((m) =>
    h(
      'label',
      { class: 'choice-pill' },
      h('input', {
        type: 'radio',
        name: `${base}.entered`,
        value: m,
        checked: m === mode,
        id: `${idp}-mode-${m}`,
      }),
      h('span', null, t(`prep.spin_mode.${m}`)),
    ),
  );
  const valueLabel = h('label', { for: `${idp}-value`, class: 'field-label' });
  const errRpm = errorSlot(`${base}.rpm`);
  const errRcf = errorSlot(`${base}.rcf_g`);
  errRpm.id = `${idp}-rpm-error`;
  errRcf.id = `${idp}-rcf-error`;
  value.setAttribute('aria-describedby', `${idp}-other ${errRpm.id} ${errRcf.id}`);

  const update = () => {
    value.name = mode === 'rpm' ? `${base}.rpm` : `${base}.rcf_g`;
    valueLabel.textContent = t(mode === 'rpm' ? 'prep.spin_rpm' : 'prep.spin_rcf');
    replace(unit, ltr(mode === 'rpm' ? 'rpm' : '× g'));
    const v = numberOrNull(value);
    const r = radius();
    if (typeof v !== 'number' || !(v > 0)) {
      other.textContent = '';
      return;
    }
    if (!(r > 0)) {
      other.textContent = t('prep.spin_needs_radius');
      return;
    }
    const computed = mode === 'rpm' ? rcfFromRpm(v, r) : rpmFromRcf(v, r);
    other.dataset.value = String(computed);
    replace(
      other,
      mode === 'rpm'
        ? tNodes('prep.spin_is_rcf', { rcf: ltr(`${num(computed, 0)} × g`) })
        : tNodes('prep.spin_is_rpm', { rpm: ltr(`${num(computed, 0)} rpm`) }),
    );
  };
  value.addEventListener('input', update);
  for (const label of modeRadios) {
    label.querySelector('input').addEventListener('change', (e) => {
      const next = e.target.value;
      // The same setting in the other unit, so switching does not change the spin.
      const v = numberOrNull(value);
      const r = radius();
      if (typeof v === 'number' && v > 0 && r > 0) {
        const conv = next === 'rpm' ? rpmFromRcf(v, r) : rcfFromRpm(v, r);
        value.value = String(Math.round(conv));
      }
      mode = next;
      update();
    });
  }
  const minutes = numField({
    form,
    name: `${base}.minutes`,
    label: t('prep.spin_minutes'),
    unit: 'min',
    value: s.minutes,
    min: 0.5,
    max: 60,
  });
  const brake = selectField({
    form,
    name: `${base}.brake`,
    label: t('prep.spin_brake'),
    options: opts(BRAKES, 'prep.brake'),
    value: s.brake,
  });
  const temp = numField({
    form,
    name: `${base}.temperature_c`,
    label: t('prep.spin_temperature'),
    unit: '°C',
    value: s.temperature_c,
    min: 0,
    max: 40,
  });
  const el = h(
    'fieldset',
    { class: 'spin-block', 'data-spin': String(index + 1), id: idp },
    h('legend', { class: 'field-label spin-legend' }, legend),
    h(
      'div',
      { class: 'form-grid' },
      h(
        'div',
        { class: 'field' },
        h(
          'div',
          { class: 'choice-row', role: 'radiogroup', 'aria-label': t('prep.spin_mode_label') },
          modeRadios,
        ),
        valueLabel,
        h('div', { class: 'input-unit' }, value, unit),
        other,
        errRpm,
        errRcf,
      ),
      minutes.el,
      short ? null : brake.el,
      short ? null : temp.el,
    ),
    errorSlot(base),
  );
  update();
  return {
    el,
    update,
    // Puts a spin given as a force (a protocol proposed by the designer) into the controls,
    // unsaved until the form is saved.
    set(next) {
      const rcf = el.querySelector(`#${idp}-mode-rcf`);
      rcf.checked = true;
      mode = 'rcf';
      value.value = next.rcf_g == null ? '' : String(next.rcf_g);
      minutes.input.value = next.minutes == null ? '' : String(next.minutes);
      update();
    },
    collect() {
      const v = numberOrNull(value);
      const spinDoc = {
        rpm: mode === 'rpm' ? v : null,
        rcf_g: mode === 'rcf' ? v : null,
        minutes: numberOrNull(minutes.input),
      };
      if (!short) {
        spinDoc.brake = brake.input.value || null;
        spinDoc.temperature_c = numberOrNull(temp.input);
      }
      return Object.values(spinDoc).every((x) => x === null) ? null : spinDoc;
    },
  };
}

function tubeRow(form, tube, onRemove) {
  const tb = tube || {};
  const cell = (control, name, label) => {
    control.name = name;
    control.setAttribute('aria-label', label);
    return h('td', null, control, errorSlot(name));
  };
  const row = h('tr', { class: 'tube-row' });
  const inputs = {
    product: h('input', {
      type: 'text',
      class: 'input',
      maxlength: '200',
      value: tb.product ?? '',
    }),
    lot: h('input', {
      type: 'text',
      class: 'input input-sm',
      maxlength: '100',
      value: tb.lot ?? '',
    }),
    expiry: h('input', { type: 'date', class: 'input', value: tb.expiry ?? '' }),
    anticoagulant: h(
      'select',
      { class: 'input select' },
      h('option', { value: '' }, t('form.choose')),
      opts(ANTICOAGULANTS, 'prep.anticoagulant').map(([v, text]) =>
        h('option', { value: v, selected: v === tb.anticoagulant }, text),
      ),
    ),
    anticoagulant_ml: h('input', {
      type: 'number',
      class: 'input input-num',
      step: 'any',
      min: '0',
      value: tb.anticoagulant_ml ?? '',
    }),
    count: h('input', {
      type: 'number',
      class: 'input input-num',
      step: '1',
      min: '1',
      value: tb.count ?? '',
    }),
  };
  const remove = button(t('prep.tube_remove'), {
    kind: 'ghost',
    iconName: 'trash',
    'data-action': 'remove-tube',
    onclick: () => onRemove(row),
  });
  row.inputs = inputs;
  row.renumber = (i) => {
    row.dataset.index = String(i);
    row.replaceChildren(
      cell(inputs.product, `tubes.${i}.product`, t('prep.tube_product')),
      cell(inputs.lot, `tubes.${i}.lot`, t('prep.tube_lot')),
      cell(inputs.expiry, `tubes.${i}.expiry`, t('prep.tube_expiry')),
      cell(inputs.anticoagulant, `tubes.${i}.anticoagulant`, t('prep.tube_anticoagulant')),
      cell(inputs.anticoagulant_ml, `tubes.${i}.anticoagulant_ml`, t('prep.tube_anticoagulant_ml')),
      cell(inputs.count, `tubes.${i}.count`, t('prep.tube_count')),
      h('td', null, remove),
    );
  };
  row.collect = () => {
    const d = {
      product: textOrNull(inputs.product),
      lot: textOrNull(inputs.lot),
      expiry: inputs.expiry.value || null,
      anticoagulant: inputs.anticoagulant.value || null,
      anticoagulant_ml: numberOrNull(inputs.anticoagulant_ml),
      count: numberOrNull(inputs.count),
    };
    return Object.values(d).every((x) => x === null) ? null : d;
  };
  return row;
}

// The server's figures for the saved record.
export function computedPanel(computed, { prefix = 'prep' } = {}) {
  const c = computed || {};
  const spins = (c.spins || []).map((s, i) =>
    h(
      'li',
      { 'data-spin': String(i + 1) },
      t('prep.spin_n', { n: i + 1 }),
      ': ',
      ltr(`${num(s.rpm, 0) ?? '—'} rpm = ${num(s.rcf_g, 0) ?? '—'} × g`),
    ),
  );
  const classes = c.classification || {};
  const dose =
    typeof c.platelets_injected_billion === 'number'
      ? h(
          'span',
          null,
          ltr(`${num(c.platelets_injected_billion, 2)} × 10⁹`),
          c.dose_basis ? ` (${t(`prep.dose_basis.${c.dose_basis}`)})` : null,
        )
      : null;
  const deviations = c.deviations || [];
  return h(
    'section',
    {
      id: `${prefix}-computed`,
      class: 'record-computed',
      'aria-labelledby': `${prefix}-computed-title`,
    },
    h(
      'h3',
      { id: `${prefix}-computed-title`, class: 'card-title', tabindex: '-1' },
      t('prep.computed'),
    ),
    facts([
      [
        t('prep.concentration_factor'),
        typeof c.concentration_factor === 'number'
          ? ltr(`× ${num(c.concentration_factor, 2)}`)
          : null,
        { 'data-computed': 'concentration_factor' },
      ],
      [
        t('prep.recovery'),
        typeof c.recovery_pct === 'number' ? ltr(`${num(c.recovery_pct, 1)} %`) : null,
        { 'data-computed': 'recovery_pct' },
      ],
      [t('prep.platelets_injected'), dose, { 'data-computed': 'platelets_injected_billion' }],
    ]),
    spins.length ? h('ul', { class: 'record-spins' }, spins) : null,
    h('h4', { class: 'record-subtitle' }, t('prep.classifications')),
    facts(
      CLASSIFICATIONS.map((k) => [
        CLASS_NAMES[k] ? ltr(CLASS_NAMES[k]) : t(`prep.class_name.${k}`),
        classes[k] && classes[k].code ? ltr(classes[k].code, 'code') : null,
        { 'data-classification': k },
      ]),
      'record-classes',
    ),
    deviations.length
      ? h(
          'ul',
          { id: `${prefix}-deviations`, class: 'record-deviations', role: 'status' },
          deviations.map((d) =>
            h(
              'li',
              { class: 'record-deviation', 'data-code': d.code },
              icon('alert'),
              h(
                'span',
                null,
                tNodes('prep.deviation', {
                  what: h('strong', null, localText(d.label) || d.code),
                  value: ltr(`${num(d.value, 2) ?? '—'} ${d.unit || ''}`.trim()),
                  range: ltr(
                    `${num(d.min, 2) ?? '—'}–${num(d.max, 2) ?? '—'} ${d.unit || ''}`.trim(),
                  ),
                }),
              ),
            ),
          ),
        )
      : h('p', { id: `${prefix}-deviations`, class: 'muted small' }, t('prep.no_deviations')),
  );
}

// Renders the preparation form into `container` (replacing what it holds). procedure: the
// server's procedure; catalog: GET /catalog; centrifuges: GET /centrifuges's list;
// onSaved(procedure) after each save with the server's answer.
export function renderPrepForm(
  container,
  { procedure, catalog, centrifuges = [], onSaved = () => {} },
) {
  const F = 'prep';
  const rec = procedure.preparation || null;
  const doc = (rec && rec.doc) || {};
  const mode = sectionMode(procedure);
  const form = h('form', { id: 'prep-form', class: 'form card record-form', novalidate: true });

  // ---- the draw ----
  const draw = doc.draw || {};
  const drawVolume = numField({
    form: F,
    name: 'draw.volume_ml',
    label: t('prep.draw_volume'),
    unit: 'mL',
    value: draw.volume_ml,
    min: 0,
    max: 500,
    required: true,
  });
  const drawAt = dateTimeField({
    form: F,
    name: 'draw.at',
    label: t('prep.draw_at'),
    value: draw.at ? toLocalInput(draw.at) : nowLocalInput(),
    required: true,
  });
  const me = currentUser();
  const byId = draw.by_user_id ?? (me ? me.id : null);
  const drawBy = h('input', {
    type: 'text',
    class: 'input',
    readonly: true,
    value: nameOfUserId(byId, rec),
  });
  const drawByField = textField({
    form: F,
    name: 'draw.by_user_id',
    label: t('prep.draw_by'),
    value: '',
  });
  drawByField.input.replaceWith(drawBy);
  drawBy.id = `${F}-draw-by`;
  drawBy.name = 'draw.by_user_id';
  drawByField.el.querySelector('label').setAttribute('for', drawBy.id);
  const drawSite = textField({
    form: F,
    name: 'draw.site',
    label: t('prep.draw_site'),
    value: draw.site,
    hint: t('prep.draw_site_hint'),
    optional: true,
  });

  // ---- tubes ----
  const tubeBody = h('tbody', { id: 'prep-tubes' });
  const renumber = () => [...tubeBody.children].forEach((r, i) => r.renumber(i));
  const removeTube = (row) => {
    row.remove();
    renumber();
    addTube.focus();
  };
  const appendTube = (tube) => {
    const row = tubeRow(F, tube, removeTube);
    tubeBody.append(row);
    renumber();
    return row;
  };
  const addTube = button(t('prep.tube_add'), {
    kind: 'secondary',
    iconName: 'plus',
    id: 'prep-add-tube',
    onclick: () => appendTube(null).inputs.product.focus(),
  });
  for (const tube of doc.tubes || []) appendTube(tube);
  if (!tubeBody.children.length) appendTube(null);
  const tubeTable = h(
    'div',
    { class: 'table-edit-wrap' },
    h(
      'table',
      { class: 'table table-edit table-tubes' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'tube_product',
            'tube_lot',
            'tube_expiry',
            'tube_anticoagulant',
            'tube_anticoagulant_ml',
            'tube_count',
          ].map((k) => h('th', { scope: 'col' }, t(`prep.${k}`))),
          h('th', null, h('span', { class: 'sr-only' }, t('common.actions'))),
        ),
      ),
      tubeBody,
    ),
  );

  // ---- centrifuge and spins ----
  const saved = doc.centrifuge || (doc.centrifuge_id ? { id: doc.centrifuge_id } : null);
  const devices = centrifugeChoices(centrifuges, saved);
  const cfSel = selectField({
    form: F,
    name: 'centrifuge_id',
    label: t('prep.centrifuge'),
    options: devices.map((c) => [c.id, centrifugeText(c)]),
    value: doc.centrifuge_id,
    hint: t('prep.centrifuge_hint'),
  });
  const radius = () => {
    const id = Number(cfSel.input.value);
    const c = devices.find((d) => d.id === id);
    return c && c.rotor_radius_mm > 0 ? c.rotor_radius_mm : null;
  };
  const spinsDoc = doc.spins || [];
  const spin1 = spinBlock({
    form: F,
    index: 0,
    spin: spinsDoc[0],
    radius,
    legend: t('prep.spin_n', { n: 1 }),
  });
  const spin2 = spinBlock({
    form: F,
    index: 1,
    spin: spinsDoc[1],
    radius,
    legend: t('prep.spin_n', { n: 2 }),
  });
  const spin2On = h('input', {
    type: 'checkbox',
    id: 'prep-spin2-on',
    checked: rec ? spinsDoc.length > 1 : true,
  });
  const showSpin2 = () => {
    spin2.el.hidden = !spin2On.checked;
  };
  spin2On.addEventListener('change', showSpin2);
  showSpin2();
  cfSel.input.addEventListener('change', () => {
    spin1.update();
    spin2.update();
  });

  // ---- collected, final volume ----
  const collected = doc.collected || {};
  const layer = selectField({
    form: F,
    name: 'collected.layer',
    label: t('prep.collected_layer'),
    options: opts(LAYERS, 'prep.layer'),
    value: collected.layer,
  });
  const collectedVol = numField({
    form: F,
    name: 'collected.volume_ml',
    label: t('prep.collected_volume'),
    unit: 'mL',
    value: collected.volume_ml,
    min: 0,
    max: 500,
  });
  const finalVol = numField({
    form: F,
    name: 'final_volume_ml',
    label: t('prep.final_volume'),
    unit: 'mL',
    value: doc.final_volume_ml,
    min: 0,
    max: 500,
  });

  // ---- counts ----
  const counts = doc.counts || {};
  const blood = counts.blood || {};
  const prp = counts.prp || {};
  const countField = (group, key, label, unit, factor, value) =>
    numField({
      form: F,
      name: `counts.${group}.${key}`,
      label,
      unit,
      value: factor ? unscaled(value, factor) : (value ?? ''),
      min: 0,
      optional: true,
    });
  const c = {
    bPlt: countField(
      'blood',
      'platelets_per_ul',
      t('prep.count_platelets'),
      '× 10³/µL',
      THOUSAND,
      blood.platelets_per_ul,
    ),
    bWbc: countField(
      'blood',
      'wbc_per_ul',
      t('prep.count_wbc'),
      '× 10³/µL',
      THOUSAND,
      blood.wbc_per_ul,
    ),
    bRbc: countField(
      'blood',
      'rbc_per_ul',
      t('prep.count_rbc'),
      '× 10⁶/µL',
      MILLION,
      blood.rbc_per_ul,
    ),
    bHct: countField('blood', 'hct_pct', t('prep.count_hct'), '%', null, blood.hct_pct),
    pPlt: countField(
      'prp',
      'platelets_per_ul',
      t('prep.count_platelets'),
      '× 10³/µL',
      THOUSAND,
      prp.platelets_per_ul,
    ),
    pWbc: countField(
      'prp',
      'wbc_per_ul',
      t('prep.count_wbc'),
      '× 10³/µL',
      THOUSAND,
      prp.wbc_per_ul,
    ),
    pRbc: countField('prp', 'rbc_per_ul', t('prep.count_rbc'), '× 10⁶/µL', MILLION, prp.rbc_per_ul),
  };
  c.bHct.input.max = '100';

  // ---- activation, ready, notes ----
  const activation = doc.activation || {};
  const agent = selectField({
    form: F,
    name: 'activation.agent',
    label: t('prep.activation_agent'),
    options: opts(AGENTS, 'prep.agent'),
    value: activation.agent,
  });
  const ratio = textField({
    form: F,
    name: 'activation.ratio',
    label: t('prep.activation_ratio'),
    value: activation.ratio,
    hint: t('prep.activation_ratio_hint'),
    maxlength: 20,
  });
  const showRatio = () => {
    const needed = agent.input.value && agent.input.value !== 'none';
    ratio.el.hidden = !needed;
  };
  agent.input.addEventListener('change', showRatio);
  showRatio();
  const readyAt = dateTimeField({
    form: F,
    name: 'ready_at',
    label: t('prep.ready_at'),
    value: doc.ready_at ? toLocalInput(doc.ready_at) : '',
    optional: true,
  });
  const readyNow = button(t('prep.now'), {
    kind: 'ghost',
    id: 'prep-ready-now',
    onclick: () => {
      readyAt.input.value = nowLocalInput();
    },
  });
  readyAt.el.append(readyNow);
  const notes = areaField({
    form: F,
    name: 'notes',
    label: t('prep.notes'),
    value: doc.notes,
    optional: true,
  });

  const footer = recordFooter({ form, prefix: F, mode, record: rec });
  const computedSlot = h(
    'div',
    { class: 'record-computed-slot' },
    rec ? computedPanel(rec.computed) : null,
  );

  form.append(
    h('h2', { class: 'card-title record-title' }, t('prep.title')),
    section(t('prep.section_draw'), grid(drawVolume.el, drawAt.el, drawByField.el, drawSite.el)),
    section(
      t('prep.section_tubes'),
      h('div', { class: 'record-table' }, tubeTable, errorSlot('tubes'), addTube),
    ),
    section(
      t('prep.section_spins'),
      grid(cfSel.el),
      errorSlot('spins'),
      spin1.el,
      h(
        'label',
        { class: 'checkbox spin2-toggle', for: 'prep-spin2-on' },
        spin2On,
        h('span', null, t('prep.spin2_on')),
      ),
      spin2.el,
    ),
    section(t('prep.section_collected'), grid(layer.el, collectedVol.el, finalVol.el)),
    section(
      t('prep.section_counts'),
      h('p', { class: 'section-desc' }, t('prep.counts_hint')),
      h('h3', { class: 'record-subtitle' }, t('prep.counts_blood')),
      h('div', { class: 'form-grid form-grid-3' }, c.bPlt.el, c.bWbc.el, c.bRbc.el, c.bHct.el),
      h('h3', { class: 'record-subtitle' }, t('prep.counts_prp')),
      h('div', { class: 'form-grid form-grid-3' }, c.pPlt.el, c.pWbc.el, c.pRbc.el),
    ),
    section(t('prep.section_activation'), grid(agent.el, ratio.el, readyAt.el, notes.el)),
    footer.el,
  );

  function collect() {
    const spins = [spin1.collect()];
    if (spin2On.checked) spins.push(spin2.collect());
    const spinList = spins.every((s) => s === null) ? null : spins.map((s) => s || {});
    const tubes = [...tubeBody.children].map((r) => r.collect());
    const cfId = cfSel.input.value ? Number(cfSel.input.value) : null;
    return {
      draw: {
        volume_ml: numberOrNull(drawVolume.input),
        at: fromLocalInput(drawAt.input.value),
        by_user_id: byId,
        site: textOrNull(drawSite.input),
      },
      tubes: tubes.some(Boolean) ? tubes.map((x) => x || {}) : null,
      centrifuge_id: cfId,
      spins: spinList,
      collected: {
        layer: layer.input.value || null,
        volume_ml: numberOrNull(collectedVol.input),
      },
      final_volume_ml: numberOrNull(finalVol.input),
      counts: {
        blood: {
          platelets_per_ul: scaled(c.bPlt.input, THOUSAND),
          wbc_per_ul: scaled(c.bWbc.input, THOUSAND),
          rbc_per_ul: scaled(c.bRbc.input, MILLION),
          hct_pct: numberOrNull(c.bHct.input),
        },
        prp: {
          platelets_per_ul: scaled(c.pPlt.input, THOUSAND),
          wbc_per_ul: scaled(c.pWbc.input, THOUSAND),
          rbc_per_ul: scaled(c.pRbc.input, MILLION),
        },
      },
      activation: {
        agent: agent.input.value || null,
        ratio: agent.input.value && agent.input.value !== 'none' ? textOrNull(ratio.input) : null,
      },
      ready_at: fromLocalInput(readyAt.input.value),
      notes: textOrNull(notes.input),
    };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (mode === 'read') return;
    const answer = await saveSection({
      form,
      procedure,
      sectionName: 'preparation',
      doc: collect(),
      version: rec ? rec.version : 0,
      footer,
    });
    if (!answer) return;
    renderPrepForm(container, { procedure: answer, catalog, centrifuges, onSaved });
    container.querySelector('#prep-computed-title')?.focus();
    onSaved(answer);
  });

  // What the preparation designer below reads from the form, and writes back into it.
  const designerForm = {
    editable: mode !== 'read',
    readSpins: () => ({
      spins: [spin1, ...(spin2On.checked ? [spin2] : [])].map((b) => b.collect() || {}),
      radius_mm: radius(),
      layer: layer.input.value || null,
      collected_ml: numberOrNull(collectedVol.input),
      final_volume_ml: numberOrNull(finalVol.input),
    }),
    applySpins(spins) {
      spin1.set(spins[0] || {});
      spin2On.checked = spins.length > 1;
      showSpin2();
      if (spins.length > 1) spin2.set(spins[1]);
    },
  };
  // A designer already open for this procedure keeps its values when the form is drawn again.
  const previous = container.querySelector('#prp-designer');
  let designer = null;
  if (previous && previous.dataset.procedureId === String(procedure.id)) {
    designer = previous;
    designer.setPrepForm(designerForm);
  } else {
    designer = prpDesigner({ procedure, prepForm: designerForm });
  }

  replace(container, form, computedSlot, designer);
  if (mode === 'read') makeReadOnly(form);
  return form;
}
