// Pieces shared by the calendar's dialogs: the clinic's resources loaded together, resource
// pickers, the start (date + time) field, and API errors put next to the field they name.

import { h } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { setFieldError } from '../ui.js';
import { sched, loadClinic, roomKindLabel } from '../schedule.js';

// Rooms, clinicians, centrifuges and the clinic settings, fetched together.
export async function loadResources() {
  const [clinic, rooms, clinicians, centrifuges] = await Promise.all([
    loadClinic(),
    sched.rooms(),
    sched.clinicians(),
    sched.centrifuges(),
  ]);
  return {
    clinic,
    rooms: rooms.rooms || [],
    clinicians: clinicians.clinicians || [],
    centrifuges: centrifuges.centrifuges || [],
  };
}

export function clinicianName(c) {
  if (!c) return '';
  if (c.user) return c.user.display_name || c.user.username;
  return c.display_name || c.name || '';
}

// A <select> of resources. `items` are {id, label}; the current value is kept as an option even
// when it is no longer in the list (a room deactivated after the booking), so nothing changes
// silently. `none` adds an empty first option with that text.
export function resourceSelect({ id, name, items, value, none }) {
  const sel = h('select', { id, name, class: 'input select' });
  if (none !== undefined) sel.append(h('option', { value: '' }, none));
  for (const it of items) {
    sel.append(h('option', { value: String(it.id), disabled: !!it.disabled }, it.label));
  }
  if (value !== null && value !== undefined && value !== '') {
    const v = String(value);
    if (![...sel.options].some((o) => o.value === v)) {
      sel.append(h('option', { value: v }, `#${v}`));
    }
    sel.value = v;
  }
  return sel;
}

export function roomItems(rooms, kind) {
  return rooms
    .filter((r) => r.active !== false && (!kind || r.kind === kind))
    .map((r) => ({ id: r.id, label: `${r.name} (${roomKindLabel(r.kind)})` }));
}

export function clinicianItems(clinicians) {
  return clinicians
    .filter((c) => c.active !== false)
    .map((c) => ({ id: c.id, label: clinicianName(c) }));
}

export function centrifugeItems(centrifuges) {
  return centrifuges
    .filter((c) => c.active !== false)
    .map((c) => ({ id: c.id, label: c.model ? `${c.name} (${c.model})` : c.name }));
}

// A field whose control is already built (a select, a group); like ui.js field() but without
// renaming the control, with the error slot named `errorFor`.
export function plainField({ label, control, errorFor, hint, required, wide }) {
  const errId = `${control.id}-error`;
  const hintId = hint ? `${control.id}-hint` : null;
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (required) control.setAttribute('aria-required', 'true');
  return h(
    'div',
    { class: 'field' + (wide ? ' field-wide' : '') },
    h(
      'label',
      { for: control.id, class: 'field-label' },
      label,
      required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
    ),
    control,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, 'data-error-for': errorFor, 'aria-live': 'polite' }),
  );
}

// The start of an appointment: a local date and a time on the clinic's slot grid, with one
// error slot named `start` (the API's field). Times stay left to right in Arabic.
export function startField({ prefix, date, time, slotMinutes }) {
  const dateInput = h('input', {
    id: `${prefix}-date`,
    name: 'start',
    type: 'date',
    class: 'input',
    dir: 'ltr',
    value: date || '',
    required: true,
  });
  const timeInput = h('input', {
    id: `${prefix}-time`,
    name: 'start',
    type: 'time',
    class: 'input',
    dir: 'ltr',
    step: String((slotMinutes || 15) * 60),
    value: time || '',
    required: true,
  });
  const errId = `${prefix}-start-error`;
  dateInput.setAttribute('aria-describedby', errId);
  timeInput.setAttribute('aria-describedby', errId);
  const el = h(
    'fieldset',
    { class: 'field start-field' },
    h('legend', { class: 'field-label' }, t('appt.start')),
    h(
      'div',
      { class: 'start-inputs' },
      h('label', { class: 'sr-only', for: dateInput.id }, t('appt.date')),
      dateInput,
      h('label', { class: 'sr-only', for: timeInput.id }, t('appt.time')),
      timeInput,
    ),
    h('p', { class: 'field-error', id: errId, 'data-error-for': 'start', 'aria-live': 'polite' }),
  );
  return { el, dateInput, timeInput };
}

// Puts an API error beside the field it names when the form has that field, and always says
// it in the form-wide message too, so a 409 on a field far up the dialog is not missed.
export function showError(form, banner, err) {
  const text = errorText(err);
  if (err.field) setFieldError(form, err.field, text);
  banner.textContent = text;
}
