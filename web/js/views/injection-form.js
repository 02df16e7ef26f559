// The injection record of a procedure: the zones chosen on the scalp or face map, each with its
// volume, technique, depth and needle, the anaesthesia, duration and operator, and the specimens
// injected; live totals and volume per cm², the PRP-FACE-1 marking of high-risk face zones, and
// the server's refusal of a specimen without identity check (or expired) shown as a stop.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { t, tNodes, fmtDateTime, errorText } from '../i18n.js';
import { localText } from '../catalog.js';
import { setFieldError } from '../ui.js';
import { createInjectionMap, MAP_ZONES } from './injection-map.js';
import {
  num,
  numField,
  textField,
  areaField,
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

const TECHNIQUES = ['point_by_point', 'nappage', 'depot', 'microneedling'];
const DEPTHS = ['intradermal', 'subcutaneous', 'supraperiosteal'];
const ANAESTHESIA = ['none', 'ice', 'topical', 'local_block'];
const INJECTABLE = new Set(['prp', 'fat_graft', 'cell_suspension']);
// Refusals that mean "this syringe must not go in": shown as a stop, not as a form error.
const STOP_CODES = new Set([
  'identity_check_required',
  'specimen_expired',
  'specimen_used',
  'specimen_discarded',
]);

const opts = (codes, prefix) => codes.map((c) => [c, t(`${prefix}.${c}`)]);

// The map a procedure's injection is drawn on.
export function injectionMapOf(procedure) {
  const saved = procedure.injection && procedure.injection.doc && procedure.injection.doc.map;
  if (saved) return saved;
  return procedure.treatment === 'prp-face' ? 'face' : 'scalp';
}

// Totals of the zone rows: {volume, area, perArea}; area counts a zone's measured area, else
// the catalogue's estimate; null parts when unknown.
export function injectionTotals(rows) {
  let volume = 0;
  let area = 0;
  let haveVolume = false;
  let areaKnown = true;
  for (const r of rows) {
    if (typeof r.volume_ml === 'number' && r.volume_ml > 0) {
      volume += r.volume_ml;
      haveVolume = true;
    }
    const a = typeof r.area_cm2 === 'number' && r.area_cm2 > 0 ? r.area_cm2 : r.default_area;
    if (typeof a === 'number' && a > 0) area += a;
    else areaKnown = false;
  }
  return {
    volume: haveVolume ? volume : null,
    area: rows.length && areaKnown ? area : null,
    perArea: haveVolume && rows.length && areaKnown && area > 0 ? volume / area : null,
  };
}

function computedPanel(computed, zoneLabel) {
  const c = computed || {};
  const warnings = c.warnings || [];
  const deviations = c.deviations || [];
  return h(
    'section',
    {
      id: 'injection-computed',
      class: 'record-computed',
      'aria-labelledby': 'injection-computed-title',
    },
    h(
      'h3',
      { id: 'injection-computed-title', class: 'card-title', tabindex: '-1' },
      t('prep.computed'),
    ),
    facts([
      [
        t('injection.total_volume'),
        typeof c.total_volume_ml === 'number' ? ltr(`${num(c.total_volume_ml, 2)} mL`) : null,
        { 'data-computed': 'total_volume_ml' },
      ],
      [
        t('injection.total_area'),
        typeof c.total_area_cm2 === 'number' ? ltr(`${num(c.total_area_cm2, 1)} cm²`) : null,
        { 'data-computed': 'total_area_cm2' },
      ],
      [
        t('injection.per_area'),
        typeof c.ml_per_cm2 === 'number' ? ltr(`${num(c.ml_per_cm2, 3)} mL/cm²`) : null,
        { 'data-computed': 'ml_per_cm2' },
      ],
    ]),
    warnings.length
      ? h(
          'ul',
          { id: 'injection-warnings', class: 'record-warnings', role: 'alert' },
          warnings.map((w) =>
            h(
              'li',
              { class: 'injection-warning', 'data-rule': w.rule, 'data-zone': w.zone },
              icon('alert'),
              h(
                'span',
                null,
                h('strong', null, ltr(w.rule)),
                ' · ',
                h('strong', null, zoneLabel(w.zone)),
                ': ',
                localText(w.text),
              ),
            ),
          ),
        )
      : null,
    deviations.length
      ? h(
          'ul',
          { id: 'injection-deviations', class: 'record-deviations', role: 'status' },
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
                  value: ltr(`${num(d.value, 3) ?? '—'} ${d.unit || ''}`.trim()),
                  range: ltr(
                    `${num(d.min, 3) ?? '—'}–${num(d.max, 3) ?? '—'} ${d.unit || ''}`.trim(),
                  ),
                }),
              ),
            ),
          ),
        )
      : null,
  );
}

// Renders the injection form into `container`. procedure: the server's procedure; catalog:
// GET /catalog (its injection_maps); onSaved(procedure) after each save.
export function renderInjectionForm(container, { procedure, catalog, onSaved = () => {} }) {
  const F = 'injection';
  const rec = procedure.injection || null;
  const doc = (rec && rec.doc) || {};
  const mode = sectionMode(procedure);
  const mapCode = injectionMapOf(procedure);
  const mapDef = ((catalog && catalog.injection_maps) || []).find((m) => m.code === mapCode);
  const zoneDefs = new Map(((mapDef && mapDef.zones) || []).map((z) => [z.code, z]));
  const form = h('form', {
    id: 'injection-form',
    class: 'form card record-form',
    novalidate: true,
  });

  // ---- zones: the map and one row per chosen zone, in the drawing's order ----
  const state = new Map();
  for (const z of doc.zones || []) state.set(z.zone, { ...z });
  const order = (MAP_ZONES[mapCode] || []).filter((c) => zoneDefs.has(c));
  const chosen = () => order.filter((c) => state.has(c));
  const rowsBody = h('tbody', { id: 'injection-zone-rows' });
  const emptyRow = h(
    'p',
    { id: 'injection-zones-empty', class: 'muted' },
    t('injection.zones_empty'),
  );
  const totals = h('div', {
    id: 'injection-totals',
    class: 'injection-totals',
    'aria-live': 'polite',
  });
  const risk = h('div', {
    id: 'injection-risk',
    class: 'banner banner-warning injection-risk',
    role: 'alert',
  });

  const zoneName = (code) => localText(zoneDefs.get(code)?.label) || code;

  function rowFor(code, i) {
    const z = state.get(code);
    const def = zoneDefs.get(code);
    const base = `zones.${i}`;
    const control = (el, name, label) => {
      el.name = name;
      el.id = `injection-${code}-${name.split('.').pop()}`;
      el.setAttribute('aria-label', `${label} — ${zoneName(code)}`);
      return h('td', null, el, errorSlot(name));
    };
    const numIn = (value, attrs) =>
      h('input', {
        type: 'number',
        class: 'input input-num',
        step: 'any',
        value: value ?? '',
        ...attrs,
      });
    const sel = (codes, prefix, value) =>
      h(
        'select',
        { class: 'input select' },
        h('option', { value: '' }, t('form.choose')),
        opts(codes, prefix).map(([v, text]) =>
          h('option', { value: v, selected: v === value }, text),
        ),
      );
    const volume = numIn(z.volume_ml, { min: '0', max: '20', inputmode: 'decimal' });
    const technique = sel(TECHNIQUES, 'injection.technique', z.technique);
    const depth = sel(DEPTHS, 'injection.depth', z.depth);
    const gauge = numIn(z.needle_gauge, { min: '18', max: '34', step: '1' });
    const area = numIn(z.area_cm2, {
      min: '0',
      placeholder: def && def.area_cm2 ? String(def.area_cm2) : '',
    });
    const perArea = h('output', { class: 'zone-per-area', 'data-zone': code });
    const sync = () => {
      z.volume_ml = numberOrNull(volume);
      z.technique = technique.value || null;
      z.depth = depth.value || null;
      z.needle_gauge = numberOrNull(gauge);
      z.area_cm2 = numberOrNull(area);
      const a = typeof z.area_cm2 === 'number' && z.area_cm2 > 0 ? z.area_cm2 : def && def.area_cm2;
      perArea.textContent =
        typeof z.volume_ml === 'number' && a > 0 ? `${num(z.volume_ml / a, 3)} mL/cm²` : '';
      updateTotals();
    };
    for (const el of [volume, technique, depth, gauge, area]) {
      el.addEventListener('input', sync);
      el.addEventListener('change', sync);
    }
    const row = h(
      'tr',
      {
        'data-zone': code,
        'data-index': String(i),
        class: def && def.high_risk ? 'is-high-risk' : null,
      },
      h(
        'th',
        { scope: 'row' },
        zoneName(code),
        def && def.high_risk
          ? h('span', { class: 'badge badge-warning zone-risk-badge' }, t('injmap.high_risk'))
          : null,
        errorSlot(base),
      ),
      control(volume, `${base}.volume_ml`, t('injection.volume')),
      control(technique, `${base}.technique`, t('injection.technique_label')),
      control(depth, `${base}.depth`, t('injection.depth_label')),
      control(gauge, `${base}.needle_gauge`, t('injection.needle_gauge')),
      control(area, `${base}.area_cm2`, t('injection.area')),
      h('td', { dir: 'ltr' }, perArea),
    );
    sync();
    return row;
  }

  function renderRows() {
    const codes = chosen();
    replace(
      rowsBody,
      codes.map((c, i) => rowFor(c, i)),
    );
    emptyRow.hidden = codes.length > 0;
    rowsTable.hidden = codes.length === 0;
    updateTotals();
    updateRisk();
  }

  function updateTotals() {
    const rows = chosen().map((c) => ({
      ...state.get(c),
      default_area: zoneDefs.get(c)?.area_cm2,
    }));
    const tot = injectionTotals(rows);
    replace(
      totals,
      facts(
        [
          [
            t('injection.total_volume'),
            tot.volume !== null ? ltr(`${num(tot.volume, 2)} mL`) : null,
            { 'data-total': 'volume' },
          ],
          [
            t('injection.total_area'),
            tot.area !== null ? ltr(`${num(tot.area, 1)} cm²`) : null,
            { 'data-total': 'area' },
          ],
          [
            t('injection.per_area'),
            tot.perArea !== null ? ltr(`${num(tot.perArea, 3)} mL/cm²`) : null,
            { 'data-total': 'per_area' },
          ],
        ],
        'injection-live-totals',
      ),
      h('p', { class: 'muted small' }, t('injection.area_basis')),
    );
  }

  function updateRisk() {
    const high = chosen().filter((c) => zoneDefs.get(c)?.high_risk);
    risk.hidden = high.length === 0;
    if (!high.length) {
      clear(risk);
      return;
    }
    replace(
      risk,
      icon('alert'),
      h(
        'div',
        { class: 'banner-body' },
        h(
          'p',
          null,
          h('strong', null, t('injection.risk_title', { rule: 'PRP-FACE-1' })),
          ' ',
          t('injection.risk_zones', { zones: high.map(zoneName).join(t('common.list_separator')) }),
        ),
        h('p', null, t('injection.risk_text')),
      ),
    );
  }

  const map = mapDef
    ? createInjectionMap({
        map: mapCode,
        zones: mapDef.zones,
        selected: [...state.keys()],
        onToggle: (code, on) => {
          if (on) state.set(code, { zone: code });
          else state.delete(code);
          renderRows();
        },
      })
    : h('p', { class: 'banner banner-error', role: 'alert' }, t('injection.no_map'));
  const rowsTable = h(
    'div',
    { class: 'table-edit-wrap' },
    h(
      'table',
      { class: 'table table-edit table-zones', id: 'injection-zones' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'zone',
            'volume',
            'technique_label',
            'depth_label',
            'needle_gauge',
            'area',
            'per_area',
          ].map((k) => h('th', { scope: 'col' }, t(`injection.${k}`))),
        ),
      ),
      rowsBody,
    ),
  );

  // ---- anaesthesia, duration, operator ----
  const an = doc.anaesthesia || {};
  const anKind = selectField({
    form: F,
    name: 'anaesthesia.kind',
    label: t('injection.anaesthesia'),
    options: opts(ANAESTHESIA, 'injection.anaesthesia_kind'),
    value: an.kind,
  });
  const anAgent = textField({
    form: F,
    name: 'anaesthesia.agent',
    label: t('injection.anaesthesia_agent'),
    value: an.agent,
    hint: t('injection.anaesthesia_agent_hint'),
    required: true,
  });
  const anDose = textField({
    form: F,
    name: 'anaesthesia.dose',
    label: t('injection.anaesthesia_dose'),
    value: an.dose,
    hint: t('injection.anaesthesia_dose_hint'),
    required: true,
  });
  const showBlock = () => {
    const block = anKind.input.value === 'local_block';
    anAgent.el.hidden = !block;
    anDose.el.hidden = !block;
  };
  anKind.input.addEventListener('change', showBlock);
  showBlock();
  const duration = numField({
    form: F,
    name: 'duration_minutes',
    label: t('injection.duration'),
    unit: 'min',
    value: doc.duration_minutes,
    min: 1,
    step: '1',
  });
  const me = currentUser();
  const operatorId = doc.operator_user_id ?? (me ? me.id : null);
  const operator = textField({
    form: F,
    name: 'operator_user_id',
    label: t('injection.operator'),
    value: nameOfUserId(operatorId, rec),
  });
  operator.input.readOnly = true;

  // ---- specimens: the procedure's injectable ones still usable, and those already recorded ----
  const recorded = new Set(doc.specimens || []);
  const specimens = (procedure.specimens || []).filter(
    (s) => INJECTABLE.has(s.kind) && (s.status === 'active' || recorded.has(s.id)),
  );
  const specimenBoxes = specimens.map((s) => {
    const locked = s.status !== 'active';
    const unusable = s.status === 'active' && s.expired;
    const box = h('input', {
      type: 'checkbox',
      name: 'specimens',
      value: s.id,
      id: `injection-specimen-${s.id}`,
      checked: recorded.has(s.id),
      disabled: locked || unusable,
    });
    return {
      s,
      box,
      el: h(
        'div',
        { class: 'specimen-choice', 'data-specimen-id': s.id },
        h(
          'label',
          { class: 'checkbox', for: box.id },
          box,
          h('span', null, ltr(s.id, 'code'), ' ', s.label || ''),
          s.status === 'injected'
            ? h('span', { class: 'badge badge-success' }, t('injection.specimen_injected'))
            : null,
          unusable
            ? h('span', { class: 'badge badge-danger' }, t('injection.specimen_expired'))
            : null,
        ),
        s.expires_at && s.status === 'active'
          ? h(
              'span',
              { class: 'muted small' },
              t('injection.specimen_until', { at: fmtDateTime(s.expires_at) }),
            )
          : null,
        h('p', {
          class: 'field-error',
          'data-error-for': `specimen:${s.id}`,
          'aria-live': 'polite',
        }),
      ),
    };
  });
  const idCheck = procedure.identity_check;
  const identityLine = idCheck
    ? h(
        'p',
        { id: 'injection-identity', class: 'identity-ok', 'data-passed': 'true' },
        icon('check'),
        tNodes('injection.identity_passed', {
          id: ltr(idCheck.specimen_id, 'code'),
          at: fmtDateTime(idCheck.at),
        }),
      )
    : h(
        'p',
        { id: 'injection-identity', class: 'banner banner-warning', 'data-passed': 'false' },
        icon('alert'),
        t('injection.identity_missing'),
      );
  const stop = h('div', { id: 'injection-stop', class: 'injection-stop', hidden: true });

  const notes = areaField({
    form: F,
    name: 'notes',
    label: t('prep.notes'),
    value: doc.notes,
    optional: true,
  });
  const footer = recordFooter({ form, prefix: F, mode, record: rec });

  form.append(
    h('h2', { class: 'card-title record-title' }, t('injection.title')),
    stop,
    section(
      t('injection.section_zones'),
      h('p', { class: 'section-desc' }, t('injection.zones_hint')),
      h(
        'div',
        { class: 'injection-layout' },
        h('div', { class: 'injection-map-slot' }, map),
        h(
          'div',
          { class: 'injection-zones-side' },
          risk,
          emptyRow,
          rowsTable,
          errorSlot('zones'),
          totals,
        ),
      ),
    ),
    section(
      t('injection.section_specimens'),
      identityLine,
      specimenBoxes.length
        ? h(
            'div',
            { id: 'injection-specimens', class: 'specimen-list' },
            specimenBoxes.map((x) => x.el),
          )
        : h('p', { id: 'injection-specimens', class: 'muted' }, t('injection.no_specimens')),
      errorSlot('specimens'),
    ),
    section(
      t('injection.section_details'),
      grid(anKind.el, h('div'), anAgent.el, anDose.el, duration.el, operator.el, notes.el),
    ),
    footer.el,
  );
  renderRows();

  let sentSpecimens = [];
  function collect() {
    sentSpecimens = specimenBoxes.filter((x) => x.box.checked).map((x) => x.s.id);
    return {
      map: mapCode,
      zones: chosen().map((code) => {
        const z = state.get(code);
        return {
          zone: code,
          volume_ml: z.volume_ml ?? null,
          technique: z.technique ?? null,
          depth: z.depth ?? null,
          needle_gauge: z.needle_gauge ?? null,
          area_cm2: z.area_cm2 ?? null,
        };
      }),
      anaesthesia: {
        kind: anKind.input.value || null,
        agent: anKind.input.value === 'local_block' ? textOrNull(anAgent.input) : null,
        dose: anKind.input.value === 'local_block' ? textOrNull(anDose.input) : null,
      },
      duration_minutes: numberOrNull(duration.input),
      operator_user_id: operatorId,
      specimens: sentSpecimens,
      notes: textOrNull(notes.input),
    };
  }

  // A specimen refused at the save: a stop across the form, the specimen marked in its list.
  function showStop(err) {
    const m = /^doc\.specimens(?:\[(\d+)\]|\.(\d+))$/.exec(err.field || '');
    const sid = m ? sentSpecimens[Number(m[1] ?? m[2])] : null;
    stop.hidden = false;
    stop.dataset.code = err.code;
    replace(
      stop,
      h(
        'div',
        { class: 'injection-stop-box', role: 'alert' },
        icon('ban'),
        h(
          'div',
          null,
          h('p', { class: 'injection-stop-title' }, t(`injection.stop.${err.code}`)),
          sid ? h('p', null, tNodes('injection.stop_specimen', { id: ltr(sid, 'code') })) : null,
          h('p', null, t(`injection.stop_hint.${err.code}`)),
        ),
      ),
    );
    if (sid) setFieldError(form, `specimen:${sid}`, errorText(err));
    stop.scrollIntoView({ block: 'center' });
    stop.querySelector('[role=alert]').setAttribute('tabindex', '-1');
    stop.querySelector('[role=alert]').focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (mode === 'read') return;
    stop.hidden = true;
    clear(stop);
    const answer = await saveSection({
      form,
      procedure,
      sectionName: 'injection',
      doc: collect(),
      version: rec ? rec.version : 0,
      footer,
      onError: (err) => {
        if (err.status !== 409 || !STOP_CODES.has(err.code)) return false;
        showStop(err);
        return true;
      },
    });
    if (!answer) return;
    renderInjectionForm(container, { procedure: answer, catalog, onSaved });
    container.querySelector('#injection-computed-title')?.focus();
    onSaved(answer);
  });

  const computedSlot = h(
    'div',
    { class: 'record-computed-slot' },
    rec ? computedPanel(rec.computed, zoneName) : null,
  );
  replace(container, form, computedSlot);
  if (mode === 'read') makeReadOnly(form);
  return form;
}
