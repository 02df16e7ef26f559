// The fat-derived cells record of an adsc-hair procedure: the harvest, the processing method
// and device, the centrifugation if any, the final volume, cell count and viability when
// measured, and the clinic's regulatory basis for the product.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import {
  toLocalInput,
  fromLocalInput,
  nowLocalInput,
  numField,
  textField,
  areaField,
  dateTimeField,
  selectField,
  section,
  grid,
  sectionMode,
  recordFooter,
  makeReadOnly,
  saveSection,
  numberOrNull,
  textOrNull,
} from './record-kit.js';
import { spinBlock, centrifugeChoices, centrifugeText } from './prep-form.js';

const SITES = ['abdomen', 'flank', 'thigh', 'other'];
const METHODS = ['mechanical', 'enzymatic'];

const opts = (codes, prefix) => codes.map((c) => [c, t(`${prefix}.${c}`)]);

// Renders the fat record form into `container`; the same options as renderPrepForm.
export function renderFatForm(
  container,
  { procedure, catalog, centrifuges = [], onSaved = () => {} },
) {
  const F = 'fat';
  const rec = procedure.fat || null;
  const doc = (rec && rec.doc) || {};
  const mode = sectionMode(procedure);
  const form = h('form', { id: 'fat-form', class: 'form card record-form', novalidate: true });

  const harvest = doc.harvest || {};
  const site = selectField({
    form: F,
    name: 'harvest.site',
    label: t('fat.site'),
    options: opts(SITES, 'fat.site'),
    value: harvest.site,
  });
  const siteOther = textField({
    form: F,
    name: 'harvest.site_other',
    label: t('fat.site_other'),
    value: harvest.site_other,
  });
  const showOther = () => {
    siteOther.el.hidden = site.input.value !== 'other';
  };
  site.input.addEventListener('change', showOther);
  showOther();
  const at = dateTimeField({
    form: F,
    name: 'harvest.at',
    label: t('fat.at'),
    value: harvest.at ? toLocalInput(harvest.at) : nowLocalInput(),
  });
  const tumescent = numField({
    form: F,
    name: 'harvest.tumescent_ml',
    label: t('fat.tumescent'),
    unit: 'mL',
    value: harvest.tumescent_ml,
    min: 0,
    max: 500,
  });
  const aspirate = numField({
    form: F,
    name: 'harvest.aspirate_ml',
    label: t('fat.aspirate'),
    unit: 'mL',
    value: harvest.aspirate_ml,
    min: 0,
    max: 500,
  });
  const anaesthetic = textField({
    form: F,
    name: 'harvest.anaesthetic',
    label: t('fat.anaesthetic'),
    value: harvest.anaesthetic,
    hint: t('fat.anaesthetic_hint'),
    optional: true,
  });

  const processing = doc.processing || {};
  const method = selectField({
    form: F,
    name: 'processing.method',
    label: t('fat.method'),
    options: opts(METHODS, 'fat.method'),
    value: processing.method,
    hint: t('fat.method_hint'),
  });
  const device = textField({
    form: F,
    name: 'processing.device',
    label: t('fat.device'),
    value: processing.device,
  });

  // Centrifugation is optional; when done it is one spin on one of the clinic's devices.
  const cent = doc.centrifugation || null;
  const centOn = h('input', { type: 'checkbox', id: 'fat-centrifuged', checked: !!cent });
  const saved =
    cent && cent.centrifuge_id ? { id: cent.centrifuge_id, ...(cent.centrifuge || {}) } : null;
  const devices = centrifugeChoices(centrifuges, saved);
  const cfSel = selectField({
    form: F,
    name: 'centrifugation.centrifuge_id',
    label: t('prep.centrifuge'),
    options: devices.map((c) => [c.id, centrifugeText(c)]),
    value: cent ? cent.centrifuge_id : null,
  });
  const radius = () => {
    const id = Number(cfSel.input.value);
    const c = devices.find((d) => d.id === id);
    return c && c.rotor_radius_mm > 0 ? c.rotor_radius_mm : null;
  };
  const spin = spinBlock({
    form: F,
    index: 0,
    base: 'centrifugation',
    spin: cent,
    radius,
    legend: t('fat.spin'),
    short: true,
  });
  const centBox = h(
    'div',
    { id: 'fat-centrifugation', class: 'record-sub' },
    grid(cfSel.el),
    spin.el,
  );
  const showCent = () => {
    centBox.hidden = !centOn.checked;
  };
  centOn.addEventListener('change', showCent);
  showCent();
  cfSel.input.addEventListener('change', () => spin.update());

  const finalVol = numField({
    form: F,
    name: 'final_volume_ml',
    label: t('fat.final_volume'),
    unit: 'mL',
    value: doc.final_volume_ml,
    min: 0,
    max: 500,
  });
  const cells = numField({
    form: F,
    name: 'cell_count_million',
    label: t('fat.cell_count'),
    unit: '× 10⁶',
    value: doc.cell_count_million,
    min: 0,
    optional: true,
  });
  const viability = numField({
    form: F,
    name: 'viability_pct',
    label: t('fat.viability'),
    unit: '%',
    value: doc.viability_pct,
    min: 0,
    max: 100,
    optional: true,
  });
  const basis = areaField({
    form: F,
    name: 'regulatory_basis',
    label: t('fat.regulatory_basis'),
    value: doc.regulatory_basis,
    hint: t('fat.regulatory_basis_hint'),
  });
  const notes = areaField({
    form: F,
    name: 'notes',
    label: t('prep.notes'),
    value: doc.notes,
    optional: true,
  });
  const footer = recordFooter({ form, prefix: F, mode, record: rec });

  form.append(
    h('h2', { class: 'card-title record-title' }, t('fat.title')),
    section(
      t('fat.section_harvest'),
      grid(site.el, siteOther.el, at.el, tumescent.el, aspirate.el, anaesthetic.el),
    ),
    section(
      t('fat.section_processing'),
      grid(method.el, device.el),
      h(
        'label',
        { class: 'checkbox', for: 'fat-centrifuged' },
        centOn,
        h('span', null, t('fat.centrifuged')),
      ),
      centBox,
    ),
    section(
      t('fat.section_product'),
      grid(finalVol.el, cells.el, viability.el, basis.el, notes.el),
    ),
    footer.el,
  );

  function collect() {
    let centrifugation = null;
    if (centOn.checked) {
      const s = spin.collect() || {};
      centrifugation = {
        centrifuge_id: cfSel.input.value ? Number(cfSel.input.value) : null,
        rpm: s.rpm ?? null,
        rcf_g: s.rcf_g ?? null,
        minutes: s.minutes ?? null,
      };
    }
    return {
      harvest: {
        site: site.input.value || null,
        site_other: site.input.value === 'other' ? textOrNull(siteOther.input) : null,
        at: fromLocalInput(at.input.value),
        tumescent_ml: numberOrNull(tumescent.input),
        aspirate_ml: numberOrNull(aspirate.input),
        anaesthetic: textOrNull(anaesthetic.input),
      },
      processing: {
        method: method.input.value || null,
        device: textOrNull(device.input),
      },
      centrifugation,
      final_volume_ml: numberOrNull(finalVol.input),
      cell_count_million: numberOrNull(cells.input),
      viability_pct: numberOrNull(viability.input),
      regulatory_basis: textOrNull(basis.input),
      notes: textOrNull(notes.input),
    };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (mode === 'read') return;
    const answer = await saveSection({
      form,
      procedure,
      sectionName: 'fat',
      doc: collect(),
      version: rec ? rec.version : 0,
      footer,
    });
    if (!answer) return;
    renderFatForm(container, { procedure: answer, catalog, centrifuges, onSaved });
    container.querySelector('#fat-save')?.focus();
    onSaved(answer);
  });

  replace(container, form);
  if (mode === 'read') makeReadOnly(form);
  return form;
}
