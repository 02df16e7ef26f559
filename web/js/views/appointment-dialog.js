// One appointment in a dialog (#appointment-dialog): its details and the state changes its
// status allows; and the move dialog (#move-dialog), which shows the server's preview of the
// new time, including what it does to the windows of the course's later sessions, before the
// move is confirmed.

import { h, icon, ltr, clear } from '../dom.js';
import { t, tp, lang, fmtDate, errorText } from '../i18n.js';
import { can } from '../session.js';
import { localText } from '../catalog.js';
import {
  button,
  badge,
  openDialog,
  setBusy,
  toast,
  clearFieldErrors,
  setFieldError,
} from '../ui.js';
import {
  sched,
  splitLocal,
  localToInstant,
  kindLabel,
  statusLabel,
  patientName,
  patientNameEl,
  timeRange,
  dayLabel,
} from '../schedule.js';
import {
  loadResources,
  resourceSelect,
  roomItems,
  clinicianItems,
  centrifugeItems,
  plainField,
  startField,
  showError,
} from './schedule-ui.js';

const MIN_OVERRIDE = 10;
const PREVIEW_DEBOUNCE_MS = 250;

// The state changes each status allows (the API's transitions), in the order shown.
const ACTIONS = {
  booked: ['check_in', 'no_show', 'cancel', 'move'],
  checked_in: ['start', 'no_show', 'cancel'],
  in_progress: ['done'],
  done: [],
  cancelled: [],
  no_show: [],
};
const TARGET = {
  check_in: 'checked_in',
  start: 'in_progress',
  done: 'done',
  cancel: 'cancelled',
  no_show: 'no_show',
};
const ICONS = { check_in: 'check', start: 'chevronEnd', done: 'check', cancel: 'close' };
// The statuses in which a session is taken on at the chair: the chair's flow checks in a booked
// one first, and carries on one already in progress.
const CHAIR_STATUSES = new Set(['booked', 'checked_in', 'in_progress']);

export function statusBadge(status) {
  const kind = {
    booked: 'info',
    checked_in: 'warning',
    in_progress: 'info',
    done: 'success',
    cancelled: 'neutral',
    no_show: 'danger',
  }[status];
  const el = badge(statusLabel(status), kind || 'neutral');
  el.classList.add('appt-status', `appt-status-${status}`);
  el.dataset.status = status;
  return el;
}

// The .ics file of the appointment in the patient's language, the interface's when unknown.
function icsLink(appt) {
  const pl = appt.patient && appt.patient.preferred_language;
  const l = pl === 'ar' || pl === 'en' ? pl : lang();
  return h(
    'a',
    {
      class: 'btn btn-ghost',
      'data-action': 'ics',
      href: `/api/v1/appointments/${encodeURIComponent(appt.id)}/ics?lang=${l}`,
      download: `appointment-${appt.id}.ics`,
    },
    h('span', { class: 'btn-label' }, t('appt.ics', { lang: t(`language.${l}.name`) })),
  );
}

function details(appt) {
  const s = splitLocal(appt.local_start);
  const row = (label, value) => [h('dt', null, label), h('dd', null, value)];
  return h(
    'dl',
    { class: 'appt-details' },
    row(t('appt.date'), dayLabel(s.date)),
    row(t('appt.time'), timeRange(appt.local_start, appt.local_end)),
    row(t('appt.kind'), kindLabel(appt.kind)),
    row(t('appt.room'), appt.room ? appt.room.name : ''),
    row(t('appt.clinician'), appt.clinician ? appt.clinician.display_name : ''),
    appt.prep_minutes > 0
      ? row(
          t('appt.centrifuge'),
          t('appt.prep_with', {
            name: appt.centrifuge ? appt.centrifuge.name : t('book.no_centrifuge'),
            minutes: appt.prep_minutes,
          }),
        )
      : null,
    appt.course_id
      ? row(
          t('appt.course'),
          h(
            'a',
            {
              href: `#/patients/${encodeURIComponent(appt.patient.id)}/courses`,
              'data-course-id': String(appt.course_id),
            },
            t('appt.course_link', { id: appt.course_id }),
          ),
        )
      : null,
    appt.override_reason ? row(t('appt.override_reason'), appt.override_reason) : null,
    appt.status_reason ? row(t('appt.status_reason'), appt.status_reason) : null,
    appt.notes ? row(t('appt.notes'), h('span', { class: 'pre-wrap' }, appt.notes)) : null,
  );
}

// Opens the dialog of `appt` (an appointment object). `onChange(appt)` runs after each state
// change and after a move, with the appointment as the server now has it.
export function openAppointmentDialog(appt, { onChange } = {}) {
  const content = h('div', { class: 'appt-dialog-body' });
  const banner = h('p', { id: 'appointment-error', class: 'form-error', role: 'alert' });
  const actions = h('div', { class: 'appt-actions', id: 'appointment-actions' });
  const { dialog, close } = openDialog({
    id: 'appointment-dialog',
    title: t('appt.title'),
    body: [content, banner],
    actions,
    size: 'wide',
  });
  let current = appt;
  render();

  function render() {
    const a = current;
    dialog.dataset.appointmentId = String(a.id);
    dialog.dataset.status = a.status;
    clear(content);
    clear(actions);
    banner.textContent = '';
    content.append(
      h(
        'div',
        { class: 'appt-head' },
        h(
          'div',
          { class: 'appt-who' },
          h(
            'a',
            { class: 'appt-patient', href: `#/patients/${encodeURIComponent(a.patient.id)}` },
            patientNameEl(a.patient, 'strong'),
          ),
          a.patient.mrn ? ltr(a.patient.mrn, 'mono muted') : null,
        ),
        statusBadge(a.status),
      ),
      details(a),
    );
    if (can('schedule.book')) {
      for (const action of ACTIONS[a.status] || []) {
        // A session starts at the chair, where its procedure is recorded from the re-screening
        // on; starting it here would leave it without one.
        if (action === 'start' && a.kind === 'session' && can('procedure.read')) continue;
        const b = button(t(`appt.action.${action}`), {
          kind:
            action === 'cancel' || action === 'no_show'
              ? 'danger-outline'
              : action === 'move'
                ? 'secondary'
                : 'primary',
          iconName: ICONS[action] || null,
          'data-action': action,
        });
        b.addEventListener('click', () => onAction(action, b));
        actions.append(b);
      }
    }
    if (a.kind === 'session' && CHAIR_STATUSES.has(a.status) && can('procedure.read')) {
      actions.prepend(
        button(t(a.status === 'in_progress' ? 'appt.chair_continue' : 'appt.chair'), {
          kind: 'primary',
          iconName: 'chevronEnd',
          id: 'appt-chair',
          onclick: () => {
            close();
            location.hash = `#/chair/${encodeURIComponent(a.id)}`;
          },
        }),
      );
    }
    actions.append(icsLink(a));
  }

  async function setStatus(status, reason, btn) {
    setBusy(btn, true);
    banner.textContent = '';
    try {
      const body = { status, version: current.version };
      if (reason) body.reason = reason;
      const answer = await sched.setStatus(current.id, body);
      current = (answer && answer.appointment) || answer;
      toast(t('appt.status_changed', { status: statusLabel(current.status) }));
      render();
      actions.querySelector('[data-action]')?.focus();
      if (onChange) onChange(current);
      return true;
    } catch (err) {
      if (err.status === 401) {
        close();
        return false;
      }
      banner.textContent = errorText(err);
      return false;
    } finally {
      if (btn.isConnected) setBusy(btn, false);
    }
  }

  function onAction(action, btn) {
    if (action === 'move') {
      close();
      openMoveDialog(current, { onMoved: onChange });
      return;
    }
    if (action === 'cancel' || action === 'no_show') {
      askReason(action);
      return;
    }
    setStatus(TARGET[action], null, btn);
  }

  // Cancelling needs a reason; a no-show may have one. Asked for inside this dialog.
  function askReason(action) {
    const required = action === 'cancel';
    const form = h('form', { id: 'status-form', class: 'form status-form', novalidate: true });
    const reason = h('textarea', {
      id: 'status-reason',
      name: 'reason',
      class: 'input textarea',
      rows: '2',
      maxlength: '1000',
    });
    const ok = h(
      'button',
      { id: 'status-confirm', type: 'submit', class: `btn btn-danger` },
      h('span', null, t(`appt.confirm.${action}`)),
    );
    const back = button(t('common.cancel'), { onclick: () => render() });
    form.append(
      plainField({
        label: required ? t('appt.cancel_reason') : t('appt.no_show_reason'),
        control: reason,
        errorFor: 'reason',
        required,
        wide: true,
      }),
      h('div', { class: 'dialog-actions inline' }, back, ok),
    );
    clear(actions);
    content.append(form);
    reason.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const text = reason.value.trim();
      if (required && !text) {
        setFieldError(form, 'reason', t('appt.cancel_reason_needed'));
        reason.focus();
        return;
      }
      await setStatus(TARGET[action], text || null, ok);
    });
  }
  return { close };
}

// The move dialog. `target` fills in the new place: {date, time, roomId, clinicianId} (a drop
// on the calendar); without it the appointment's own values are shown to be changed by hand.
export function openMoveDialog(appt, { target = {}, onMoved } = {}) {
  const form = h('form', { id: 'move-form', class: 'form move-form', novalidate: true });
  const banner = h('p', { id: 'move-error', class: 'form-error', role: 'alert' });
  const confirm = h(
    'button',
    { id: 'move-confirm', type: 'submit', form: 'move-form', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, t('move.confirm')),
  );
  const cancel = button(t('common.cancel'));
  confirm.disabled = true;
  form.append(h('div', { class: 'loading', role: 'status' }, t('common.loading')));
  const { dialog, close } = openDialog({
    id: 'move-dialog',
    title: t('move.title', { name: patientName(appt.patient) }),
    body: [form, banner],
    actions: [cancel, confirm],
    size: 'wide',
  });
  dialog.dataset.appointmentId = String(appt.id);
  cancel.addEventListener('click', close);
  loadResources()
    .then((res) => {
      if (form.isConnected) build(res);
    })
    .catch((err) => {
      clear(form);
      banner.textContent = errorText(err);
    });

  function build(res) {
    clear(form);
    const zone = res.clinic.time_zone;
    const from = splitLocal(appt.local_start);
    let version = appt.version;
    let lastOk = null; // the body of the last preview the server accepted
    let seq = 0;
    let timer = null;

    const start = startField({
      prefix: 'move',
      date: target.date || from.date,
      time: target.time || from.time,
      slotMinutes: res.clinic.slot_minutes,
    });
    // Rooms of the kind the appointment is in, and the room it was dropped on whatever its kind
    // (the server says whether that kind will do).
    const roomKind = (res.rooms.find((r) => appt.room && r.id === appt.room.id) || {}).kind;
    const dropped = String(target.roomId || '');
    const room = resourceSelect({
      id: 'move-room',
      name: 'room_id',
      items: roomItems(
        res.rooms.filter((r) => r.kind === roomKind || String(r.id) === dropped),
        null,
      ),
      value: target.roomId || (appt.room && appt.room.id),
    });
    const clinician = resourceSelect({
      id: 'move-clinician',
      name: 'clinician_id',
      items: clinicianItems(res.clinicians),
      value: target.clinicianId || (appt.clinician && appt.clinician.id),
    });
    const centrifuge =
      appt.prep_minutes > 0
        ? resourceSelect({
            id: 'move-centrifuge',
            name: 'centrifuge_id',
            items: centrifugeItems(res.centrifuges),
            value: appt.centrifuge && appt.centrifuge.id,
          })
        : null;
    const override = h('textarea', {
      id: 'move-override-reason',
      name: 'override_reason',
      class: 'input textarea',
      rows: '2',
      maxlength: '1000',
    });
    const overrideField = plainField({
      label: t('book.override_reason'),
      control: override,
      errorFor: 'override_reason',
      hint: t('book.override_hint'),
      wide: true,
    });
    overrideField.hidden = true;
    const preview = h('div', { id: 'move-preview', class: 'move-preview', 'aria-live': 'polite' });

    form.append(
      h(
        'p',
        { class: 'move-from' },
        t('move.from'),
        ' ',
        h('strong', null, dayLabel(from.date)),
        ' ',
        timeRange(appt.local_start, appt.local_end),
        appt.room ? ` · ${appt.room.name}` : '',
        appt.clinician ? ` · ${appt.clinician.display_name}` : '',
      ),
      h(
        'div',
        { class: 'form-grid' },
        start.el,
        plainField({ label: t('appt.room'), control: room, errorFor: 'room_id' }),
        plainField({ label: t('appt.clinician'), control: clinician, errorFor: 'clinician_id' }),
        centrifuge
          ? plainField({
              label: t('appt.centrifuge'),
              control: centrifuge,
              errorFor: 'centrifuge_id',
            })
          : null,
        overrideField,
      ),
      preview,
    );

    function payload(previewOnly) {
      const body = {
        start: localToInstant(start.dateInput.value, start.timeInput.value, zone),
        room_id: Number(room.value),
        clinician_id: Number(clinician.value),
        version,
      };
      if (centrifuge && centrifuge.value) body.centrifuge_id = Number(centrifuge.value);
      if (!overrideField.hidden && override.value.trim())
        body.override_reason = override.value.trim();
      if (previewOnly) body.preview = true;
      return body;
    }

    function onError(err) {
      if (err.code === 'outside_window') {
        const first = overrideField.hidden;
        overrideField.hidden = false;
        showError(form, banner, { ...err, field: 'override_reason' });
        if (first) override.focus();
        return;
      }
      showError(form, banner, err);
      if (err.code === 'stale_version') {
        banner.append(
          ' ',
          button(t('move.reload'), {
            id: 'move-reload',
            iconName: 'refresh',
            onclick: async () => {
              try {
                const fresh = await sched.appointment(appt.id);
                version = fresh.version;
                runPreview();
              } catch (e) {
                banner.textContent = errorText(e);
              }
            },
          }),
        );
      }
    }

    async function runPreview() {
      const my = ++seq;
      lastOk = null;
      confirm.disabled = true;
      clearFieldErrors(form);
      banner.textContent = '';
      if (!start.dateInput.value || !start.timeInput.value) {
        setFieldError(form, 'start', t('error.required'));
        clear(preview);
        return;
      }
      const body = payload(true);
      preview.classList.add('is-loading');
      try {
        const answer = await sched.move(appt.id, body);
        if (my !== seq) return;
        lastOk = body;
        await showPreview(answer);
        confirm.disabled = false;
      } catch (err) {
        if (my !== seq) return;
        clear(preview);
        if (err.status === 401) {
          close();
          return;
        }
        onError(err);
      } finally {
        if (my === seq) preview.classList.remove('is-loading');
      }
    }

    async function showPreview(answer) {
      const a = answer.appointment;
      const s = splitLocal(a.local_start);
      const to = h(
        'p',
        { class: 'move-to', 'data-local-start': a.local_start },
        t('move.to'),
        ' ',
        h('strong', null, dayLabel(s.date)),
        ' ',
        timeRange(a.local_start, a.local_end),
        a.room ? ` · ${a.room.name}` : '',
        a.clinician ? ` · ${a.clinician.display_name}` : '',
      );
      const effects = answer.course_effects;
      const parts = [to];
      if (effects && effects.items && effects.items.length) {
        parts.push(await effectsTable(a, effects));
      } else if (a.course_id) {
        parts.push(h('p', { class: 'muted' }, t('move.no_effects')));
      }
      clear(preview);
      preview.append(...parts);
    }

    async function effectsTable(a, effects) {
      let labels = new Map();
      try {
        const course = await sched.course(a.course_id);
        labels = new Map((course.items || []).map((i) => [i.id, localText(i.label)]));
      } catch {
        /* without course.read the items are named by their number */
      }
      const outside = effects.items.filter((i) => i.outside_window).length;
      return h(
        'div',
        { class: 'move-effects-wrap' },
        h('h3', { class: 'section-title' }, t('move.effects_title')),
        outside
          ? h(
              'p',
              { class: 'banner banner-warning', id: 'move-outside' },
              icon('alert'),
              h('span', null, tp('move.effects_outside', outside)),
            )
          : null,
        h(
          'table',
          { id: 'move-effects', class: 'table table-compact' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, t('move.effect_item')),
              h('th', { scope: 'col' }, t('move.effect_window')),
              h('th', { scope: 'col' }, t('move.effect_booked')),
            ),
          ),
          h(
            'tbody',
            null,
            effects.items.map((i) =>
              h(
                'tr',
                {
                  'data-item-id': String(i.id),
                  class: i.outside_window ? 'is-outside' : null,
                  'data-outside': i.outside_window ? 'true' : 'false',
                },
                h('td', null, labels.get(i.id) || t('move.item_n', { n: i.seq })),
                h(
                  'td',
                  null,
                  t('move.window', {
                    earliest: fmtDate(i.earliest_date),
                    latest: fmtDate(i.latest_date),
                  }),
                ),
                h(
                  'td',
                  null,
                  i.appointment_local
                    ? [
                        fmtDate(splitLocal(i.appointment_local).date),
                        ' ',
                        ltr(splitLocal(i.appointment_local).time),
                      ]
                    : t('move.not_booked'),
                  i.outside_window ? [' ', badge(t('move.outside'), 'danger')] : null,
                ),
              ),
            ),
          ),
        ),
      );
    }

    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(runPreview, PREVIEW_DEBOUNCE_MS);
    };
    for (const el of [start.dateInput, start.timeInput, room, clinician, centrifuge, override]) {
      if (el) el.addEventListener(el === override ? 'input' : 'change', schedule);
    }
    runPreview();
    start.timeInput.focus();

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!overrideField.hidden && override.value.trim().length < MIN_OVERRIDE) {
        setFieldError(form, 'override_reason', t('book.override_short'));
        override.focus();
        return;
      }
      if (!lastOk) {
        runPreview();
        return;
      }
      const body = { ...lastOk };
      delete body.preview;
      setBusy(confirm, true);
      try {
        const answer = await sched.move(appt.id, body);
        const moved = answer.appointment || answer;
        close();
        const s = splitLocal(moved.local_start);
        toast(t('move.done', { when: `${fmtDate(s.date)} ${s.time}` }));
        if (onMoved) onMoved(moved);
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        onError(err);
      } finally {
        setBusy(confirm, false);
      }
    });
  }
  return { close };
}
