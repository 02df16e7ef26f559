// Clinic setup (#/setup, schedule.manage): the weekly opening hours, closures (with the booked
// appointments a new closure falls on), rooms, clinicians with their working hours, and the
// centrifuges used to prepare sessions.

import { h, icon, ltr, clear } from '../dom.js';
import { api } from '../api.js';
import { t, tp, fmtDate, errorText } from '../i18n.js';
import {
  pageHeader,
  button,
  badge,
  field,
  openDialog,
  confirmDialog,
  setBusy,
  toast,
  clearFieldErrors,
  setFieldError,
  errorBanner,
  spinner,
  roleBadges,
} from '../ui.js';
import {
  sched,
  ROOM_KINDS,
  roomKindLabel,
  firstWeekdayOf,
  weekdayName,
  isDate,
  splitLocal,
  patientNameEl,
  timeRange,
} from '../schedule.js';
import { weekHoursEditor } from './week-hours.js';
import { showError, clinicianName } from './schedule-ui.js';

const CLINICAL_ROLES = ['doctor', 'nurse'];

function input(attrs) {
  return h('input', { class: 'input', type: 'text', autocomplete: 'off', ...attrs });
}

const ROTOR_TYPES = ['fixed_angle', 'swing_out'];

function kindSelect(id, value) {
  const sel = h(
    'select',
    { id, name: 'kind', class: 'input select' },
    ROOM_KINDS.map((k) => h('option', { value: k }, roomKindLabel(k))),
  );
  if (value) sel.value = value;
  return sel;
}

function activeBadge(active) {
  return active ? badge(t('setup.active'), 'success') : badge(t('setup.inactive'));
}

function section(id, title, desc, ...children) {
  return h(
    'section',
    { class: 'card setup-card', id, 'aria-labelledby': `${id}-title` },
    h('h2', { class: 'card-title', id: `${id}-title` }, title),
    desc ? h('p', { class: 'section-desc' }, desc) : null,
    children,
  );
}

// Hours as "Mon 09:00–18:00, Tue …" for a list row.
function hoursSummary(hours, startKey, endKey, firstWeekday) {
  const days = [];
  for (let i = 0; i < 7; i += 1) {
    const wd = ((firstWeekday - 1 + i) % 7) + 1;
    const spans = hours.filter((x) => x.weekday === wd);
    if (!spans.length) continue;
    days.push(
      h(
        'span',
        { class: 'hours-day' },
        h('span', { class: 'hours-day-name' }, weekdayName(wd, 'short')),
        ' ',
        ltr(spans.map((x) => `${x[startKey]}–${x[endKey]}`).join(', ')),
      ),
    );
  }
  return days.length ? h('span', { class: 'hours-summary' }, days) : t('setup.no_hours');
}

// The weekday of the interval an API error names ("opening_hours[2].close" → list[2]).
function errorWeekday(err, key, list) {
  const m = new RegExp(`^${key}(?:\\[(\\d+)\\]|\\.(\\d+))`).exec((err && err.field) || '');
  const item = m ? list[Number(m[1] || m[2])] : null;
  return item ? item.weekday : null;
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('setup.title'));
  main.append(spinner());
  let hours;
  try {
    hours = await sched.hours();
  } catch (err) {
    if (!ctx.alive()) return;
    clear(main);
    main.append(
      h('section', { class: 'page' }, errorBanner(err, { retry: () => ctx.navigate('#/setup') })),
    );
    return;
  }
  if (!ctx.alive()) return;
  clear(main);
  const firstWeekday = firstWeekdayOf(hours.opening_hours);

  const hoursCard = section('setup-hours', t('setup.hours_title'), t('setup.hours_desc'));
  const closureCard = section(
    'setup-closures',
    t('setup.closures_title'),
    t('setup.closures_desc'),
  );
  const roomCard = section('setup-rooms', t('setup.rooms_title'), t('setup.rooms_desc'));
  const clinicianCard = section(
    'setup-clinicians',
    t('setup.clinicians_title'),
    t('setup.clinicians_desc'),
  );
  const centrifugeCard = section(
    'setup-centrifuges',
    t('setup.centrifuges_title'),
    t('setup.centrifuges_desc'),
  );
  main.append(
    h(
      'section',
      { id: 'setup', class: 'page setup-page' },
      pageHeader(t('setup.title'), {
        subtitle: t('setup.subtitle'),
        actions: h('a', { class: 'btn btn-secondary', href: '#/calendar' }, t('nav.calendar')),
      }),
      h(
        'div',
        { class: 'setup-grid' },
        h('div', { class: 'setup-col' }, hoursCard, closureCard),
        h('div', { class: 'setup-col' }, roomCard, centrifugeCard),
      ),
      clinicianCard,
    ),
  );

  hoursSection(hoursCard, hours, firstWeekday);
  closureSection(closureCard, hours.closures || []);
  roomSection(roomCard);
  centrifugeSection(centrifugeCard);
  clinicianSection(clinicianCard, firstWeekday, hours.opening_hours || []);
}

// ---- opening hours ----

function hoursSection(card, hours, firstWeekday) {
  const form = h('form', { id: 'hours-form', class: 'form', novalidate: true });
  const editor = weekHoursEditor({
    prefix: 'hours',
    value: hours.opening_hours,
    firstWeekday,
    startKey: 'open',
    endKey: 'close',
    closedLabel: t('hours.closed'),
  });
  const banner = h('p', { class: 'form-error', id: 'hours-error', role: 'alert' });
  const save = h(
    'button',
    { id: 'hours-save', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, t('setup.hours_save')),
  );
  form.append(editor.el, banner, h('div', { class: 'form-actions' }, save));
  card.append(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    banner.textContent = '';
    const list = editor.read();
    if (!list) {
      banner.textContent = t('book.fix_fields');
      form.querySelector('.week-row.has-error input')?.focus();
      return;
    }
    setBusy(save, true);
    try {
      await sched.putHours(list);
      toast(t('setup.hours_saved'));
    } catch (err) {
      const wd = errorWeekday(err, 'opening_hours', list);
      if (!(wd && editor.setError(wd, errorText(err)))) banner.textContent = errorText(err);
    } finally {
      setBusy(save, false);
    }
  });
}

// ---- closures ----

function closureSection(card, closures) {
  const list = h('ul', { id: 'closure-list', class: 'setup-list' });
  const affected = h('div', { id: 'closure-affected', 'aria-live': 'polite' });
  const form = h('form', { id: 'closure-form', class: 'form', novalidate: true });
  const first = input({ type: 'date', name: 'first_date', dir: 'ltr' });
  const last = input({ type: 'date', name: 'last_date', dir: 'ltr' });
  const reason = input({ name: 'reason', maxlength: '200' });
  const banner = h('p', { class: 'form-error', id: 'closure-error', role: 'alert' });
  const add = h(
    'button',
    { id: 'closure-add', type: 'submit', class: 'btn btn-primary' },
    icon('plus'),
    h('span', null, t('setup.closure_add')),
  );
  form.append(
    h(
      'div',
      { class: 'form-grid' },
      field({
        form: 'closure',
        name: 'first_date',
        label: t('setup.first_date'),
        control: first,
        required: true,
      }),
      field({
        form: 'closure',
        name: 'last_date',
        label: t('setup.last_date'),
        control: last,
        hint: t('setup.last_date_hint'),
      }),
      field({
        form: 'closure',
        name: 'reason',
        label: t('setup.reason'),
        control: reason,
        required: true,
        wide: true,
      }),
    ),
    banner,
    h('div', { class: 'form-actions' }, add),
  );
  card.append(list, affected, form);
  first.addEventListener('change', () => {
    if (!last.value || last.value < first.value) last.value = first.value;
  });

  function draw(items) {
    clear(list);
    const sorted = [...items].sort((a, b) => (a.first_date < b.first_date ? -1 : 1));
    if (!sorted.length)
      list.append(h('li', { class: 'muted setup-empty' }, t('setup.no_closures')));
    for (const c of sorted) {
      const range =
        c.first_date === c.last_date
          ? fmtDate(c.first_date)
          : t('setup.date_range', { first: fmtDate(c.first_date), last: fmtDate(c.last_date) });
      const del = h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          'data-action': 'delete-closure',
          'aria-label': t('setup.closure_delete', { reason: c.reason }),
          title: t('setup.closure_delete', { reason: c.reason }),
        },
        icon('trash'),
      );
      del.addEventListener('click', async () => {
        const yes = await confirmDialog({
          title: t('setup.closure_delete_title'),
          message: t('setup.closure_delete_text', { range, reason: c.reason }),
          confirmLabel: t('setup.closure_delete_confirm'),
          danger: true,
        });
        if (!yes) return;
        try {
          await sched.deleteClosure(c.id);
          toast(t('setup.closure_deleted'));
          reload();
        } catch (err) {
          toast(errorText(err), 'error');
        }
      });
      list.append(
        h(
          'li',
          { class: 'setup-item', 'data-closure-id': String(c.id) },
          h(
            'span',
            { class: 'setup-item-main' },
            h('strong', null, range),
            h('span', null, c.reason),
          ),
          del,
        ),
      );
    }
  }

  async function reload() {
    try {
      const body = await sched.hours();
      draw(body.closures || []);
    } catch (err) {
      banner.textContent = errorText(err);
    }
  }

  function showAffected(appts) {
    clear(affected);
    if (!appts || !appts.length) return;
    affected.append(
      h(
        'div',
        { class: 'banner banner-warning' },
        icon('alert'),
        h(
          'div',
          { class: 'banner-body' },
          h('p', { class: 'strong' }, tp('setup.closure_affected', appts.length)),
          h(
            'ul',
            { class: 'affected-list' },
            appts.map((a) => {
              const s = splitLocal(a.local_start);
              return h(
                'li',
                { 'data-appointment-id': String(a.id) },
                h(
                  'a',
                  {
                    href: `#/calendar?${new URLSearchParams({ date: s.date, view: 'day', by: 'room' })}`,
                  },
                  fmtDate(s.date),
                  ' ',
                  timeRange(a.local_start, a.local_end),
                ),
                ' · ',
                patientNameEl(a.patient),
                a.room ? ` · ${a.room.name}` : '',
              );
            }),
          ),
        ),
      ),
    );
  }

  draw(closures);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    banner.textContent = '';
    const body = {
      first_date: first.value,
      last_date: last.value || first.value,
      reason: reason.value.trim(),
    };
    let bad = false;
    if (!isDate(body.first_date)) bad = setFieldError(form, 'first_date', t('error.required'));
    if (!body.reason) bad = setFieldError(form, 'reason', t('error.required'));
    if (isDate(body.first_date) && body.last_date < body.first_date)
      bad = setFieldError(form, 'last_date', t('setup.last_before_first'));
    if (bad) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(add, true);
    try {
      const answer = await sched.addClosure(body);
      toast(t('setup.closure_added'));
      form.reset();
      showAffected(answer && answer.affected_appointments);
      reload();
    } catch (err) {
      showError(form, banner, err);
    } finally {
      setBusy(add, false);
    }
  });
}

// ---- rooms ----

function roomSection(card) {
  const table = h('table', { id: 'room-list', class: 'table table-compact setup-table' });
  const form = h('form', { id: 'room-form', class: 'form setup-add', novalidate: true });
  const name = input({ name: 'name', maxlength: '100' });
  const kind = kindSelect('room-kind', 'treatment');
  const banner = h('p', { class: 'form-error', id: 'room-error', role: 'alert' });
  const add = h(
    'button',
    { id: 'room-add', type: 'submit', class: 'btn btn-primary' },
    icon('plus'),
    h('span', null, t('setup.room_add')),
  );
  form.append(
    h(
      'div',
      { class: 'form-grid' },
      field({ form: 'room', name: 'name', label: t('setup.name'), control: name, required: true }),
      field({
        form: 'room',
        name: 'kind',
        label: t('setup.room_kind'),
        control: kind,
        required: true,
      }),
    ),
    banner,
    h('div', { class: 'form-actions' }, add),
  );
  card.append(h('div', { class: 'table-wrap' }, table), form);

  async function reload() {
    try {
      const body = await sched.rooms();
      draw(body.rooms || []);
    } catch (err) {
      clear(table);
      table.append(h('caption', { class: 'form-error' }, errorText(err)));
    }
  }

  function draw(rooms) {
    clear(table);
    table.append(
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('setup.name')),
          h('th', { scope: 'col' }, t('setup.room_kind')),
          h('th', { scope: 'col' }, t('setup.state')),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
        ),
      ),
    );
    const body = h('tbody');
    if (!rooms.length)
      body.append(h('tr', null, h('td', { colspan: '4', class: 'muted' }, t('setup.no_rooms'))));
    for (const r of rooms) {
      body.append(
        h(
          'tr',
          {
            'data-room-id': String(r.id),
            'data-active': String(r.active !== false),
            class: r.active === false ? 'is-disabled' : null,
          },
          h('td', null, r.name),
          h('td', null, roomKindLabel(r.kind)),
          h('td', null, activeBadge(r.active !== false)),
          h(
            'td',
            { class: 'col-actions' },
            h(
              'div',
              { class: 'row-actions' },
              button(t('common.edit'), {
                kind: 'ghost',
                iconName: 'edit',
                'data-action': 'edit-room',
                'aria-label': t('setup.edit_named', { name: r.name }),
                onclick: () => editRoom(r),
              }),
              toggleButton(r, 'room', (active) => sched.patchRoom(r.id, { active }), reload),
            ),
          ),
        ),
      );
    }
    table.append(body);
  }

  function editRoom(r) {
    const f = h('form', { id: 'room-edit-form', class: 'form', novalidate: true });
    const n = input({ name: 'name', maxlength: '100', value: r.name });
    const k = kindSelect('room-edit-kind', r.kind);
    const err = h('p', { class: 'form-error', role: 'alert' });
    const ok = h(
      'button',
      { type: 'submit', id: 'room-edit-save', class: 'btn btn-primary' },
      t('form.save_changes'),
    );
    const cancel = button(t('common.cancel'));
    f.append(
      field({
        form: 'room-edit',
        name: 'name',
        label: t('setup.name'),
        control: n,
        required: true,
      }),
      field({ form: 'room-edit', name: 'kind', label: t('setup.room_kind'), control: k }),
      err,
      h('div', { class: 'dialog-actions inline' }, cancel, ok),
    );
    const { close } = openDialog({ title: t('setup.edit_named', { name: r.name }), body: f });
    cancel.addEventListener('click', close);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(f);
      err.textContent = '';
      if (!n.value.trim()) {
        setFieldError(f, 'name', t('error.required'));
        n.focus();
        return;
      }
      setBusy(ok, true);
      try {
        await sched.patchRoom(r.id, { name: n.value.trim(), kind: k.value });
        close();
        toast(t('setup.saved'));
        reload();
      } catch (e2) {
        showError(f, err, e2);
      } finally {
        setBusy(ok, false);
      }
    });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    banner.textContent = '';
    if (!name.value.trim()) {
      setFieldError(form, 'name', t('error.required'));
      name.focus();
      return;
    }
    setBusy(add, true);
    try {
      await sched.addRoom({ name: name.value.trim(), kind: kind.value });
      toast(t('setup.room_added', { name: name.value.trim() }));
      name.value = '';
      reload();
    } catch (err) {
      showError(form, banner, err);
    } finally {
      setBusy(add, false);
    }
  });
  reload();
}

// Deactivate or reactivate a resource; a deactivated one keeps its past appointments but is
// offered for no new booking.
function toggleButton(item, what, patch, reload) {
  const active = item.active !== false;
  const label = active ? t('setup.deactivate') : t('setup.activate');
  const b = button(label, {
    kind: active ? 'ghost-danger' : 'ghost',
    iconName: active ? 'ban' : 'unlock',
    'data-action': `toggle-${what}`,
  });
  b.addEventListener('click', async () => {
    setBusy(b, true);
    try {
      await patch(!active);
      toast(active ? t('setup.deactivated') : t('setup.activated'));
      reload();
    } catch (err) {
      toast(errorText(err), 'error');
      setBusy(b, false);
    }
  });
  return b;
}

// ---- centrifuges ----

function centrifugeFields(prefix, c) {
  const name = input({ name: 'name', maxlength: '100', value: c ? c.name : '' });
  const model = input({ name: 'model', maxlength: '100', value: c && c.model ? c.model : '' });
  const radius = input({
    type: 'number',
    name: 'rotor_radius_mm',
    dir: 'ltr',
    inputmode: 'numeric',
    min: '1',
    max: '1000',
    step: '1',
    class: 'input input-num',
    value: c && c.rotor_radius_mm ? String(c.rotor_radius_mm) : '',
  });
  // The preparation record names the rotor with its radius; unknown stays unrecorded.
  const rotor = h(
    'select',
    { name: 'rotor_type', class: 'input select' },
    h('option', { value: '' }, t('setup.rotor_unknown')),
    ROTOR_TYPES.map((k) => h('option', { value: k }, t(`setup.rotor_${k}`))),
  );
  if (c && c.rotor_type) rotor.value = c.rotor_type;
  const fields = [
    field({ form: prefix, name: 'name', label: t('setup.name'), control: name, required: true }),
    field({ form: prefix, name: 'model', label: t('setup.model'), control: model, optional: true }),
    field({
      form: prefix,
      name: 'rotor_radius_mm',
      label: t('setup.rotor_radius'),
      control: radius,
      hint: t('setup.rotor_radius_hint'),
      optional: true,
    }),
    field({
      form: prefix,
      name: 'rotor_type',
      label: t('setup.rotor_type'),
      control: rotor,
      optional: true,
    }),
  ];
  const read = (form) => {
    const out = { name: name.value.trim(), model: model.value.trim() || null };
    out.rotor_radius_mm = radius.value === '' ? null : Number(radius.value);
    out.rotor_type = rotor.value || null;
    let ok = true;
    if (!out.name) ok = !setFieldError(form, 'name', t('error.required'));
    if (
      out.rotor_radius_mm !== null &&
      !(Number.isInteger(out.rotor_radius_mm) && out.rotor_radius_mm > 0)
    )
      ok = !setFieldError(form, 'rotor_radius_mm', t('setup.radius_invalid')) && ok;
    return ok ? out : null;
  };
  return { fields, read, name };
}

function centrifugeSection(card) {
  const table = h('table', { id: 'centrifuge-list', class: 'table table-compact setup-table' });
  const form = h('form', { id: 'centrifuge-form', class: 'form setup-add', novalidate: true });
  const parts = centrifugeFields('centrifuge', null);
  const banner = h('p', { class: 'form-error', id: 'centrifuge-error', role: 'alert' });
  const add = h(
    'button',
    { id: 'centrifuge-add', type: 'submit', class: 'btn btn-primary' },
    icon('plus'),
    h('span', null, t('setup.centrifuge_add')),
  );
  form.append(
    h('div', { class: 'form-grid' }, parts.fields),
    banner,
    h('div', { class: 'form-actions' }, add),
  );
  card.append(h('div', { class: 'table-wrap' }, table), form);

  async function reload() {
    try {
      const body = await sched.centrifuges();
      draw(body.centrifuges || []);
    } catch (err) {
      clear(table);
      table.append(h('caption', { class: 'form-error' }, errorText(err)));
    }
  }

  function draw(items) {
    clear(table);
    table.append(
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('setup.name')),
          h('th', { scope: 'col' }, t('setup.model')),
          h('th', { scope: 'col' }, t('setup.rotor_radius')),
          h('th', { scope: 'col' }, t('setup.rotor_type')),
          h('th', { scope: 'col' }, t('setup.state')),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
        ),
      ),
    );
    const body = h('tbody');
    if (!items.length)
      body.append(
        h('tr', null, h('td', { colspan: '6', class: 'muted' }, t('setup.no_centrifuges'))),
      );
    for (const c of items) {
      body.append(
        h(
          'tr',
          {
            'data-centrifuge-id': String(c.id),
            'data-active': String(c.active !== false),
            class: c.active === false ? 'is-disabled' : null,
          },
          h('td', null, c.name),
          h('td', null, c.model || '—'),
          h(
            'td',
            { class: 'nowrap' },
            c.rotor_radius_mm ? t('setup.mm', { n: c.rotor_radius_mm }) : '—',
          ),
          h('td', null, c.rotor_type ? t(`setup.rotor_${c.rotor_type}`) : '—'),
          h('td', null, activeBadge(c.active !== false)),
          h(
            'td',
            { class: 'col-actions' },
            h(
              'div',
              { class: 'row-actions' },
              button(t('common.edit'), {
                kind: 'ghost',
                iconName: 'edit',
                'data-action': 'edit-centrifuge',
                'aria-label': t('setup.edit_named', { name: c.name }),
                onclick: () => edit(c),
              }),
              toggleButton(
                c,
                'centrifuge',
                (active) => sched.patchCentrifuge(c.id, { active }),
                reload,
              ),
            ),
          ),
        ),
      );
    }
    table.append(body);
  }

  function edit(c) {
    const f = h('form', { id: 'centrifuge-edit-form', class: 'form', novalidate: true });
    const p = centrifugeFields('centrifuge-edit', c);
    const err = h('p', { class: 'form-error', role: 'alert' });
    const ok = h(
      'button',
      { type: 'submit', id: 'centrifuge-edit-save', class: 'btn btn-primary' },
      t('form.save_changes'),
    );
    const cancel = button(t('common.cancel'));
    f.append(p.fields, err, h('div', { class: 'dialog-actions inline' }, cancel, ok));
    const { close } = openDialog({ title: t('setup.edit_named', { name: c.name }), body: f });
    cancel.addEventListener('click', close);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(f);
      err.textContent = '';
      const v = p.read(f);
      if (!v) return;
      setBusy(ok, true);
      try {
        await sched.patchCentrifuge(c.id, v);
        close();
        toast(t('setup.saved'));
        reload();
      } catch (e2) {
        showError(f, err, e2);
      } finally {
        setBusy(ok, false);
      }
    });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    banner.textContent = '';
    const v = parts.read(form);
    if (!v) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(add, true);
    try {
      const body = { name: v.name };
      if (v.model) body.model = v.model;
      if (v.rotor_radius_mm !== null) body.rotor_radius_mm = v.rotor_radius_mm;
      if (v.rotor_type !== null) body.rotor_type = v.rotor_type;
      await sched.addCentrifuge(body);
      toast(t('setup.centrifuge_added', { name: v.name }));
      form.reset();
      reload();
    } catch (err) {
      showError(form, banner, err);
    } finally {
      setBusy(add, false);
    }
  });
  reload();
}

// ---- clinicians ----

function clinicianSection(card, firstWeekday, openingHours) {
  const table = h('table', { id: 'clinician-list', class: 'table table-compact setup-table' });
  const form = h('form', { id: 'clinician-form', class: 'form setup-add', novalidate: true });
  const user = h('select', { id: 'clinician-user', name: 'user_id', class: 'input select' });
  const editor = weekHoursEditor({
    prefix: 'clinician-hours',
    // A new clinician most often works when the clinic is open.
    value: openingHours.map((o) => ({ weekday: o.weekday, start: o.open, end: o.close })),
    firstWeekday,
    startKey: 'start',
    endKey: 'end',
    closedLabel: t('hours.not_working'),
  });
  const banner = h('p', { class: 'form-error', id: 'clinician-error', role: 'alert' });
  const add = h(
    'button',
    { id: 'clinician-add', type: 'submit', class: 'btn btn-primary' },
    icon('plus'),
    h('span', null, t('setup.clinician_add')),
  );
  form.append(
    h('h3', { class: 'section-title' }, t('setup.clinician_new')),
    field({
      form: 'clinician',
      name: 'user_id',
      label: t('setup.clinician_user'),
      control: user,
      hint: t('setup.clinician_user_hint'),
      required: true,
      id: 'clinician-user',
    }),
    h(
      'fieldset',
      { class: 'field' },
      h('legend', { class: 'field-label' }, t('setup.working_hours')),
      editor.el,
    ),
    banner,
    h('div', { class: 'form-actions' }, add),
  );
  card.append(h('div', { class: 'table-wrap' }, table), form);
  let users = [];

  async function reload() {
    try {
      const [body, u] = await Promise.all([sched.clinicians(), api.listUsers()]);
      users = (u && u.items) || [];
      draw(body.clinicians || []);
    } catch (err) {
      clear(table);
      table.append(h('caption', { class: 'form-error' }, errorText(err)));
    }
  }

  function draw(list) {
    clear(table);
    table.append(
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('setup.name')),
          h('th', { scope: 'col' }, t('user.roles')),
          h('th', { scope: 'col' }, t('setup.working_hours')),
          h('th', { scope: 'col' }, t('setup.state')),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
        ),
      ),
    );
    const body = h('tbody');
    if (!list.length)
      body.append(
        h('tr', null, h('td', { colspan: '5', class: 'muted' }, t('setup.no_clinicians'))),
      );
    for (const c of list) {
      body.append(
        h(
          'tr',
          {
            'data-clinician-id': String(c.id),
            'data-user-id': String(c.user.id),
            'data-active': String(c.active !== false),
            class: c.active === false ? 'is-disabled' : null,
          },
          h('td', null, h('bdi', null, clinicianName(c)), ' ', ltr(c.user.username, 'muted small')),
          h('td', null, roleBadges((c.user.roles || []).filter((r) => CLINICAL_ROLES.includes(r)))),
          h('td', null, hoursSummary(c.hours || [], 'start', 'end', firstWeekday)),
          h('td', null, activeBadge(c.active !== false)),
          h(
            'td',
            { class: 'col-actions' },
            h(
              'div',
              { class: 'row-actions' },
              button(t('setup.edit_hours'), {
                kind: 'ghost',
                iconName: 'edit',
                'data-action': 'edit-clinician',
                'aria-label': t('setup.edit_hours_of', { name: clinicianName(c) }),
                onclick: () => editHours(c),
              }),
              toggleButton(
                c,
                'clinician',
                (active) => sched.patchClinician(c.id, { active }),
                reload,
              ),
            ),
          ),
        ),
      );
    }
    table.append(body);
    // Only doctors and nurses who are not clinicians yet can be added.
    const taken = new Set(list.map((c) => c.user.id));
    const keep = user.value;
    clear(user);
    user.append(h('option', { value: '' }, t('book.choose')));
    for (const u of users) {
      if (u.disabled || taken.has(u.id)) continue;
      if (!(u.roles || []).some((r) => CLINICAL_ROLES.includes(r))) continue;
      user.append(
        h(
          'option',
          { value: String(u.id) },
          `${u.display_name || u.username} (${(u.roles || [])
            .filter((r) => CLINICAL_ROLES.includes(r))
            .map((r) => t(`role.${r}`))
            .join(t('common.list_separator'))})`,
        ),
      );
    }
    if ([...user.options].some((o) => o.value === keep)) user.value = keep;
    add.disabled = user.options.length <= 1;
    user.disabled = user.options.length <= 1;
    if (user.options.length <= 1) user.options[0].textContent = t('setup.no_clinician_users');
  }

  function editHours(c) {
    const f = h('form', { id: 'clinician-edit-form', class: 'form', novalidate: true });
    const ed = weekHoursEditor({
      prefix: 'clinician-edit-hours',
      value: c.hours || [],
      firstWeekday,
      startKey: 'start',
      endKey: 'end',
      closedLabel: t('hours.not_working'),
    });
    const err = h('p', { class: 'form-error', role: 'alert' });
    const ok = h(
      'button',
      { type: 'submit', id: 'clinician-edit-save', class: 'btn btn-primary' },
      t('form.save_changes'),
    );
    const cancel = button(t('common.cancel'));
    f.append(ed.el, err, h('div', { class: 'dialog-actions inline' }, cancel, ok));
    const { close } = openDialog({
      title: t('setup.edit_hours_of', { name: clinicianName(c) }),
      body: f,
      size: 'wide',
    });
    cancel.addEventListener('click', close);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const hours = ed.read();
      if (!hours) {
        err.textContent = t('book.fix_fields');
        return;
      }
      setBusy(ok, true);
      try {
        await sched.patchClinician(c.id, { hours });
        close();
        toast(t('setup.saved'));
        reload();
      } catch (e2) {
        const wd = errorWeekday(e2, 'hours', hours);
        if (!(wd && ed.setError(wd, errorText(e2)))) err.textContent = errorText(e2);
      } finally {
        setBusy(ok, false);
      }
    });
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    banner.textContent = '';
    const hours = editor.read();
    if (!user.value) {
      setFieldError(form, 'user_id', t('error.required'));
      user.focus();
      return;
    }
    if (!hours) {
      banner.textContent = t('book.fix_fields');
      return;
    }
    setBusy(add, true);
    try {
      await sched.addClinician({ user_id: Number(user.value), hours });
      toast(t('setup.clinician_added'));
      reload();
    } catch (err) {
      const wd = errorWeekday(err, 'hours', hours);
      if (wd && editor.setError(wd, errorText(err))) banner.textContent = errorText(err);
      else showError(form, banner, err);
    } finally {
      setBusy(add, false);
    }
  });
  reload();
}
