// The booking dialog (#book-dialog): a patient, a start, a room, a clinician and, for sessions
// with preparation, a centrifuge; "find slots" lists the first free starts that satisfy them all.
//
// openBookDialog(options) → Promise<appointment | null>
//   Every option may be left out.
//   patient      the patient to book, preselected (the search stays available to change it):
//                an appointment's patient {id, mrn, name: {en, ar}} or a patient record
//                {id, mrn, given_name, family_name, given_name_ar, family_name_ar}.
//   courseItem   a course item as GET /api/v1/courses/{id} gives it ({id, label, kind,
//                duration_minutes, prep_minutes, room_kind, earliest_date, target_date,
//                latest_date}): "find slots" asks GET /schedule/slots?course_item=ID, the booking
//                sends course_item_id, and kind, duration and preparation come from the item. A
//                start outside the item's window asks for the override reason the API requires.
//   date, time   the local start to fill in, "YYYY-MM-DD" and "HH:MM" (a clicked cell).
//   roomId, clinicianId   the room and clinician to fill in (the clicked column).
//   onBooked     called with the new appointment after the server's 201.
// The promise resolves with the appointment when booked and with null when the dialog is
// closed without booking. Only users with schedule.book should be offered the dialog.

import { h, icon, ltr, clear } from '../dom.js';
import { api } from '../api.js';
import { t, fmtDate, errorText } from '../i18n.js';
import { button, openDialog, setBusy, toast, clearFieldErrors, setFieldError } from '../ui.js';
import { loadCatalog, localText } from '../catalog.js';
import {
  sched,
  KINDS,
  ROOM_KINDS,
  addDays,
  isoWeekday,
  toMinutes,
  splitLocal,
  localToInstant,
  kindLabel,
  roomKindLabel,
  patientName,
  patientNameEl,
  shortDayLabel,
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
  clinicianName,
} from './schedule-ui.js';

const SEARCH_DEBOUNCE_MS = 200;
const SLOT_DAYS = 14; // how far "find slots" looks ahead of the chosen day
const SLOT_LIMIT = 8;
const MIN_OVERRIDE = 10; // the API's minimum length of an override reason

// Both shapes of patient the dialog accepts, reduced to what it shows and sends.
function normalPatient(p) {
  if (!p) return null;
  const name = p.name || {
    en: [p.given_name, p.family_name].filter(Boolean).join(' '),
    ar: [p.given_name_ar, p.family_name_ar].filter(Boolean).join(' '),
  };
  return { id: p.id, mrn: p.mrn || '', name };
}

// The clinic's own duration and preparation time of a session in a room of `roomKind`, from the
// first protocol that uses such a room; null when the catalogue has none.
function protocolDefaults(catalog, roomKind) {
  const list = (catalog && catalog.protocols) || [];
  const p = list.find((x) => x.sessions && x.sessions.room_kind === roomKind);
  if (!p) return null;
  return { duration: p.sessions.duration_minutes, prep: p.sessions.prep_minutes || 0 };
}

function numberInput(id, name, value, step) {
  return h('input', {
    id,
    name,
    type: 'number',
    class: 'input input-num',
    dir: 'ltr',
    inputmode: 'numeric',
    min: '0',
    max: '1440',
    step: String(step),
    value: value === null || value === undefined ? '' : String(value),
  });
}

// A click in a room's column names no clinician: offer the first one who works the whole of
// that time, by their weekly hours.
function workingClinician(clinicians, options, duration) {
  if (!options.date || !options.time) return null;
  const wd = isoWeekday(options.date);
  const from = toMinutes(options.time);
  const to = from + (Number(duration) || 0);
  const c = clinicians.find(
    (x) =>
      x.active !== false &&
      (x.hours || []).some(
        (s) => s.weekday === wd && toMinutes(s.start) <= from && to <= toMinutes(s.end),
      ),
  );
  return c ? c.id : null;
}

export function openBookDialog(options = {}) {
  return new Promise((resolve) => {
    let result = null;
    const form = h('form', { id: 'book-form', class: 'form book-form', novalidate: true });
    const body = h('div', { class: 'book-body' }, form);
    const banner = h('p', { id: 'book-error', class: 'form-error', role: 'alert' });
    const confirm = h(
      'button',
      { id: 'book-confirm', type: 'submit', form: 'book-form', class: 'btn btn-primary' },
      icon('check'),
      h('span', null, t('book.confirm')),
    );
    const cancel = button(t('common.cancel'));
    form.append(h('div', { class: 'loading', role: 'status' }, t('common.loading')));
    const { close } = openDialog({
      id: 'book-dialog',
      title: options.courseItem
        ? t('book.title_item', { item: localText(options.courseItem.label) })
        : t('book.title'),
      body: [body, banner],
      actions: [cancel, confirm],
      size: 'wide',
      onClose: () => resolve(result),
    });
    cancel.addEventListener('click', close);
    confirm.disabled = true;
    Promise.all([loadResources(), loadCatalog().catch(() => null)])
      .then(([res, catalog]) => {
        if (!form.isConnected) return;
        build(res, catalog);
      })
      .catch((err) => {
        clear(form);
        banner.textContent = errorText(err);
      });

    function build(res, catalog) {
      clear(form);
      confirm.disabled = false;
      const item = options.courseItem || null;
      const zone = res.clinic.time_zone;
      const slotMinutes = res.clinic.slot_minutes || 15;
      let patient = normalPatient(options.patient);
      let chosenSlot = null;

      // ---- patient ----
      const search = h('input', {
        id: 'book-patient',
        name: 'patient_id',
        type: 'search',
        class: 'input',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: t('book.patient_prompt'),
        'aria-controls': 'book-patient-results',
      });
      const results = h('ul', {
        id: 'book-patient-results',
        class: 'patient-results',
        'aria-label': t('book.patient_results'),
      });
      const chosen = h('div', { id: 'book-patient-chosen', class: 'patient-chosen' });
      const patientField = plainField({
        label: t('book.patient'),
        control: search,
        errorFor: 'patient_id',
        hint: t('book.patient_hint'),
        required: true,
        wide: true,
      });
      patientField.append(chosen, results);

      function showPatient() {
        clear(chosen);
        clear(results);
        if (patient) {
          search.closest('.field').classList.add('has-choice');
          search.hidden = true;
          chosen.append(
            h(
              'span',
              { class: 'patient-chosen-text', 'data-patient-id': String(patient.id) },
              patientNameEl(patient, 'strong'),
              patient.mrn ? [' · ', ltr(patient.mrn, 'mono')] : null,
            ),
            button(t('book.change_patient'), {
              id: 'book-patient-change',
              kind: 'ghost',
              onclick: () => {
                patient = null;
                search.value = '';
                showPatient();
                search.focus();
              },
            }),
          );
        } else {
          search.closest('.field').classList.remove('has-choice');
          search.hidden = false;
        }
      }

      let timer = null;
      let controller = null;
      async function runSearch() {
        const q = search.value.trim();
        if (controller) controller.abort();
        clear(results);
        if (!q) return;
        controller = new AbortController();
        try {
          const body = await api.listPatients({ q, limit: 8 }, controller.signal);
          clear(results);
          const items = (body && body.items) || [];
          if (!items.length) {
            results.append(h('li', { class: 'muted' }, t('book.no_patient')));
            return;
          }
          for (const p of items) {
            const np = normalPatient(p);
            results.append(
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'patient-option',
                    'data-patient-id': String(p.id),
                    onclick: () => {
                      patient = np;
                      showPatient();
                      form.querySelector('#book-find')?.focus();
                    },
                  },
                  patientNameEl(np, 'strong'),
                  ' ',
                  ltr(p.mrn || '', 'mono muted'),
                  p.date_of_birth ? [' · ', fmtDate(p.date_of_birth)] : null,
                ),
              ),
            );
          }
        } catch (err) {
          if (err && err.name === 'AbortError') return;
          clear(results);
          results.append(h('li', { class: 'form-error' }, errorText(err)));
        }
      }
      search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS);
      });
      search.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowDown') {
          const first = results.querySelector('button');
          if (first) {
            e.preventDefault();
            first.focus();
          }
        } else if (e.key === 'Enter') {
          e.preventDefault();
          clearTimeout(timer);
          runSearch();
        }
      });
      results.addEventListener('keydown', (e) => {
        if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
        const all = [...results.querySelectorAll('button')];
        const i = all.indexOf(document.activeElement);
        e.preventDefault();
        if (e.key === 'ArrowUp' && i <= 0) search.focus();
        else all[Math.min(all.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1))]?.focus();
      });

      // ---- what and when ----
      const startRoom = res.rooms.find((r) => String(r.id) === String(options.roomId));
      const initialRoomKind = item ? item.room_kind : startRoom ? startRoom.kind : ROOM_KINDS[0];
      const initialKind = item
        ? null
        : initialRoomKind === 'consultation'
          ? 'consultation'
          : 'session';
      const kind = h(
        'select',
        { id: 'book-kind', name: 'kind', class: 'input select', disabled: !!item },
        KINDS.map((k) => h('option', { value: k }, kindLabel(k))),
      );
      if (initialKind) kind.value = initialKind;
      const roomKind = h(
        'select',
        { id: 'book-room-kind', name: 'room_kind', class: 'input select', disabled: !!item },
        ROOM_KINDS.map((k) => h('option', { value: k }, roomKindLabel(k))),
      );
      roomKind.value = initialRoomKind;

      function defaultsFor(k, rk) {
        if (k === 'session') {
          const d = protocolDefaults(catalog, rk);
          if (d) return d;
        }
        return { duration: k === 'session' ? 60 : slotMinutes * 2, prep: 0 };
      }
      const initial = item
        ? { duration: item.duration_minutes, prep: item.prep_minutes }
        : defaultsFor(initialKind, initialRoomKind);
      const duration = numberInput('book-duration', 'duration_minutes', initial.duration, 5);
      const prep = numberInput('book-prep', 'prep_minutes', initial.prep, 5);
      if (item) {
        duration.readOnly = true;
        prep.readOnly = true;
      }

      const start = startField({
        prefix: 'book',
        date: options.date || (item ? item.target_date : res.clinic.today),
        time: options.time || '',
        slotMinutes,
      });
      const roomChoices = roomItems(res.rooms, initialRoomKind);
      const room = resourceSelect({
        id: 'book-room',
        name: 'room_id',
        items: roomChoices,
        // A click in a clinician's column names no room: offer the first of the kind.
        value: options.roomId || (options.time && roomChoices.length ? roomChoices[0].id : null),
        none: t('book.choose'),
      });
      const clinician = resourceSelect({
        id: 'book-clinician',
        name: 'clinician_id',
        items: clinicianItems(res.clinicians),
        value: options.clinicianId || workingClinician(res.clinicians, options, initial.duration),
        none: t('book.choose'),
      });
      const centrifuge = resourceSelect({
        id: 'book-centrifuge',
        name: 'centrifuge_id',
        items: centrifugeItems(res.centrifuges),
        value: null,
        none: t('book.no_centrifuge'),
      });
      if (Number(prep.value) > 0 && centrifuge.options.length > 1) centrifuge.selectedIndex = 1;
      const notes = h('textarea', {
        id: 'book-notes',
        name: 'notes',
        class: 'input textarea',
        rows: '2',
        maxlength: '4000',
      });
      const override = h('textarea', {
        id: 'book-override-reason',
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

      kind.addEventListener('change', () => {
        const rk = kind.value === 'session' ? 'treatment' : 'consultation';
        roomKind.value = rk;
        onRoomKind();
      });
      roomKind.addEventListener('change', onRoomKind);
      function onRoomKind() {
        const d = defaultsFor(kind.value, roomKind.value);
        duration.value = String(d.duration);
        prep.value = String(d.prep);
        const keep = room.value;
        const fresh = resourceSelect({
          id: 'book-room',
          name: 'room_id',
          items: roomItems(res.rooms, roomKind.value),
          value: null,
          none: t('book.choose'),
        });
        room.replaceChildren(...fresh.childNodes);
        if ([...room.options].some((o) => o.value === keep)) room.value = keep;
        else room.value = '';
        syncCentrifuge();
      }
      function syncCentrifuge() {
        const needs = Number(prep.value) > 0;
        if (needs && !centrifuge.value && centrifuge.options.length > 1)
          centrifuge.selectedIndex = 1;
        if (!needs) centrifuge.value = '';
      }
      prep.addEventListener('change', syncCentrifuge);

      function outsideWindow() {
        if (!item) return false;
        const d = start.dateInput.value;
        return !!d && (d < item.earliest_date || d > item.latest_date);
      }
      function syncOverride() {
        if (outsideWindow()) overrideField.hidden = false;
      }
      start.dateInput.addEventListener('change', syncOverride);
      // A start typed by hand is no longer the slot that was picked; it gets a room and a
      // clinician who works then when none is chosen yet.
      for (const el of [start.dateInput, start.timeInput, room, clinician, centrifuge]) {
        el.addEventListener('change', () => markSlot(null));
      }
      for (const el of [start.dateInput, start.timeInput]) {
        el.addEventListener('change', () => {
          if (!start.dateInput.value || !start.timeInput.value) return;
          if (!clinician.value) {
            const at = { date: start.dateInput.value, time: start.timeInput.value };
            const c = workingClinician(res.clinicians, at, duration.value);
            if (c) clinician.value = String(c);
          }
          if (!room.value && room.options.length > 1) room.selectedIndex = 1;
        });
      }

      // ---- the course item's window ----
      const windowBox = item
        ? h(
            'div',
            { id: 'book-window', class: 'banner banner-info book-window' },
            icon('history'),
            h(
              'div',
              { class: 'banner-body' },
              h('p', { class: 'strong' }, localText(item.label)),
              h(
                'p',
                null,
                t('book.window', {
                  earliest: fmtDate(item.earliest_date),
                  latest: fmtDate(item.latest_date),
                  target: fmtDate(item.target_date),
                }),
              ),
              h(
                'p',
                { class: 'muted' },
                t('book.item_needs', {
                  duration: item.duration_minutes,
                  prep: item.prep_minutes,
                  room: roomKindLabel(item.room_kind),
                }),
              ),
            ),
          )
        : null;

      // ---- free slots ----
      const find = button(t('book.find'), { id: 'book-find', iconName: 'search' });
      const slotList = h('ul', {
        id: 'book-slots',
        class: 'slot-list',
        'aria-label': t('book.slots'),
        'aria-live': 'polite',
      });
      function markSlot(slot) {
        chosenSlot = slot;
        for (const b of slotList.querySelectorAll('.slot')) {
          b.setAttribute('aria-pressed', String(!!slot && b.dataset.start === slot.start));
        }
      }
      function useSlot(slot) {
        const local = splitLocal(slot.local_start);
        start.dateInput.value = local.date;
        start.timeInput.value = local.time;
        if (slot.room) {
          if (![...room.options].some((o) => o.value === String(slot.room.id)))
            room.append(h('option', { value: String(slot.room.id) }, slot.room.name));
          room.value = String(slot.room.id);
        }
        if (slot.clinician) clinician.value = String(slot.clinician.id);
        centrifuge.value = slot.centrifuge ? String(slot.centrifuge.id) : '';
        syncOverride();
        markSlot(slot);
      }
      find.addEventListener('click', async () => {
        banner.textContent = '';
        clearFieldErrors(form);
        let query;
        if (item) {
          query = { course_item: item.id, limit: SLOT_LIMIT };
          if (clinician.value) query.clinician = clinician.value;
        } else {
          const from = start.dateInput.value || res.clinic.today;
          query = {
            from,
            to: addDays(from, SLOT_DAYS - 1),
            duration: duration.value,
            prep: prep.value || 0,
            room_kind: roomKind.value,
            clinician: clinician.value || null,
            patient: patient ? patient.id : null,
            limit: SLOT_LIMIT,
          };
        }
        setBusy(find, true);
        clear(slotList);
        try {
          const body = await sched.slots(query);
          const slots = (body && body.slots) || [];
          if (!slots.length) {
            slotList.append(
              h(
                'li',
                { class: 'muted slot-none' },
                item ? t('book.no_slot_window') : t('book.no_slot', { days: SLOT_DAYS }),
              ),
            );
            return;
          }
          for (const s of slots) {
            const local = splitLocal(s.local_start);
            slotList.append(
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'slot',
                    'data-start': s.start,
                    'aria-pressed': 'false',
                    onclick: () => useSlot(s),
                  },
                  h('span', { class: 'slot-day' }, shortDayLabel(local.date)),
                  ltr(local.time, 'slot-time'),
                  h(
                    'span',
                    { class: 'slot-where' },
                    [s.room && s.room.name, s.clinician && clinicianName(s.clinician)]
                      .filter(Boolean)
                      .join(' · '),
                    s.centrifuge ? ` · ${s.centrifuge.name}` : '',
                  ),
                ),
              ),
            );
          }
          slotList.querySelector('.slot')?.focus();
        } catch (err) {
          showError(form, banner, err);
        } finally {
          setBusy(find, false);
        }
      });

      form.append(patientField);
      if (windowBox) form.append(windowBox);
      form.append(
        h(
          'div',
          { class: 'form-grid book-grid' },
          plainField({ label: t('appt.kind'), control: kind, errorFor: 'kind' }),
          plainField({ label: t('book.room_kind'), control: roomKind, errorFor: 'room_kind' }),
          plainField({
            label: t('book.duration'),
            control: duration,
            errorFor: 'duration_minutes',
            required: true,
          }),
          plainField({
            label: t('book.prep'),
            control: prep,
            errorFor: 'prep_minutes',
            hint: t('book.prep_hint'),
          }),
          start.el,
          h('div', { class: 'field book-find-field' }, find),
          h('div', { class: 'field-wide' }, slotList),
          plainField({ label: t('appt.room'), control: room, errorFor: 'room_id', required: true }),
          plainField({
            label: t('appt.clinician'),
            control: clinician,
            errorFor: 'clinician_id',
            required: true,
          }),
          plainField({
            label: t('appt.centrifuge'),
            control: centrifuge,
            errorFor: 'centrifuge_id',
          }),
          plainField({ label: t('appt.notes'), control: notes, errorFor: 'notes' }),
          overrideField,
        ),
      );
      showPatient();
      syncOverride();
      if (!patient) search.focus();
      else find.focus();

      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        banner.textContent = '';
        const problems = [];
        if (!patient) problems.push(['patient_id', t('book.need_patient')]);
        if (!start.dateInput.value || !start.timeInput.value)
          problems.push(['start', t('error.required')]);
        if (!room.value) problems.push(['room_id', t('error.required')]);
        if (!clinician.value) problems.push(['clinician_id', t('error.required')]);
        if (!item && !(Number(duration.value) > 0))
          problems.push(['duration_minutes', t('error.required')]);
        if (Number(prep.value) > 0 && !centrifuge.value)
          problems.push(['centrifuge_id', t('book.need_centrifuge')]);
        if (!overrideField.hidden && outsideWindow() && override.value.trim().length < MIN_OVERRIDE)
          problems.push(['override_reason', t('book.override_short')]);
        if (problems.length) {
          for (const [f, msg] of problems) setFieldError(form, f, msg);
          banner.textContent = t('book.fix_fields');
          form.querySelector('[aria-invalid="true"]:not([hidden])')?.focus();
          return;
        }
        const payload = {
          patient_id: patient.id,
          start:
            chosenSlot &&
            chosenSlot.local_start === `${start.dateInput.value}T${start.timeInput.value}`
              ? chosenSlot.start
              : localToInstant(start.dateInput.value, start.timeInput.value, zone),
          room_id: Number(room.value),
          clinician_id: Number(clinician.value),
        };
        if (item) payload.course_item_id = item.id;
        else {
          payload.kind = kind.value;
          payload.duration_minutes = Number(duration.value);
          payload.prep_minutes = Number(prep.value) || 0;
        }
        if (centrifuge.value) payload.centrifuge_id = Number(centrifuge.value);
        if (notes.value.trim()) payload.notes = notes.value.trim();
        if (!overrideField.hidden && override.value.trim())
          payload.override_reason = override.value.trim();
        setBusy(confirm, true);
        try {
          const appt = await sched.book(payload);
          result = appt;
          close();
          const when = splitLocal(appt.local_start);
          toast(
            t('book.booked', {
              name: patientName(appt.patient || patient),
              when: `${fmtDate(when.date)} ${when.time}`,
            }),
          );
          if (options.onBooked) options.onBooked(appt);
        } catch (err) {
          if (err.status === 401) {
            close();
            return;
          }
          if (err.code === 'outside_window') {
            overrideField.hidden = false;
            showError(form, banner, { ...err, field: 'override_reason' });
            override.focus();
            return;
          }
          showError(form, banner, err);
          const target = err.field && form.querySelector(`[name="${CSS.escape(err.field)}"]`);
          if (target && !target.hidden) target.focus();
        } finally {
          setBusy(confirm, false);
        }
      });
    }
  });
}
