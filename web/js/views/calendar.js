// The clinic calendar (#/calendar?date=…&view=day|week&by=room|clinician): one column per room
// or clinician, a time axis from opening to closing time on the slot grid, appointments placed
// by the clinic's local time. Click an empty cell to book, a block to see or change it; drag a
// block (or use "move" in its dialog) to move it. Columns and the axis mirror in Arabic.

import { h, icon, clear } from '../dom.js';
import { t, fmtDate } from '../i18n.js';
import { can } from '../session.js';
import { pageHeader, button, emptyState, errorBanner, spinner } from '../ui.js';
import {
  sched,
  loadClinic,
  isDate,
  addDays,
  isoWeekday,
  weekStart,
  firstWeekdayOf,
  dayLabel,
  shortDayLabel,
  toMinutes,
  fromMinutes,
  splitLocal,
  nowLocal,
  kindLabel,
  statusLabel,
  patientName,
  patientNameEl,
} from '../schedule.js';
import { openBookDialog } from './book-dialog.js';
import { openAppointmentDialog, openMoveDialog } from './appointment-dialog.js';

// Positions and sizes go through the CSSOM: the page's content security policy refuses style
// attributes.
function hs(tag, attrs, ...children) {
  const { style, ...rest } = attrs;
  const el = h(tag, rest, ...children);
  for (const decl of String(style || '').split(';')) {
    const i = decl.indexOf(':');
    if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
  }
  return el;
}

const PX_PER_MIN = { day: 1.6, week: 1.1 };
const DEFAULT_OPEN = 9 * 60;
const DEFAULT_CLOSE = 17 * 60;
const REFRESH_MS = 60000;

function readState(query, today) {
  const date = isDate(query.get('date')) ? query.get('date') : today;
  const view = query.get('view') === 'week' ? 'week' : 'day';
  const by = query.get('by') === 'clinician' ? 'clinician' : 'room';
  return { date, view, by };
}

function writeState(state) {
  const p = new URLSearchParams({ date: state.date, view: state.view, by: state.by });
  history.replaceState(null, '', `#/calendar?${p}`);
}

// The pieces of the appointments in one column that overlap in time share its width.
function layoutLane(appts) {
  const sorted = [...appts].sort((a, b) => a._start - b._start || a._end - b._end);
  let cluster = [];
  let clusterEnd = -1;
  const flush = () => {
    const lanes = [];
    for (const a of cluster) {
      let i = lanes.findIndex((end) => end <= a._start);
      if (i < 0) {
        i = lanes.length;
        lanes.push(0);
      }
      lanes[i] = a._end;
      a._sub = i;
    }
    for (const a of cluster) a._subs = lanes.length;
    cluster = [];
  };
  for (const a of sorted) {
    if (cluster.length && a._start >= clusterEnd) flush();
    cluster.push(a);
    clusterEnd = Math.max(clusterEnd, a._end);
  }
  flush();
  return sorted;
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('cal.title'));
  main.append(spinner());
  const [clinic, hours, clinicians] = await Promise.all([
    loadClinic(),
    sched.hours(),
    sched.clinicians().catch(() => ({ clinicians: [] })),
  ]);
  if (!ctx.alive()) return;
  clear(main);
  const zone = clinic.time_zone;
  const slot = clinic.slot_minutes || 15;
  const firstWeekday = firstWeekdayOf(hours.opening_hours);
  const hoursOf = new Map((clinicians.clinicians || []).map((c) => [String(c.id), c.hours || []]));
  const state = readState(ctx.query, clinic.today);
  const mayBook = can('schedule.book');
  let data = null; // the days shown: [{date, open, close, closure, columns, appointments}]
  let lastJson = '';
  let controller = null;
  let dragging = null; // {appt, grabMin}
  let focusKey = null; // the cell that keeps the keyboard focus across redraws

  // ---- toolbar ----
  const dateInput = h('input', {
    id: 'calendar-date',
    type: 'date',
    class: 'input cal-date',
    dir: 'ltr',
    value: state.date,
    'aria-label': t('cal.date'),
  });
  const prev = h(
    'button',
    { id: 'calendar-prev', type: 'button', class: 'btn btn-secondary icon-only' },
    icon('chevronStart', 'flip-rtl'),
  );
  const next = h(
    'button',
    { id: 'calendar-next', type: 'button', class: 'btn btn-secondary icon-only' },
    icon('chevronEnd', 'flip-rtl'),
  );
  const todayBtn = button(t('cal.today'), { id: 'calendar-today' });
  const seg = (id, label, pressed, onclick) =>
    h(
      'button',
      { id, type: 'button', class: 'seg-btn', 'aria-pressed': String(pressed), onclick },
      label,
    );
  const viewDay = seg('calendar-view-day', t('cal.view_day'), state.view === 'day', () =>
    go({ view: 'day' }),
  );
  const viewWeek = seg('calendar-view-week', t('cal.view_week'), state.view === 'week', () =>
    go({ view: 'week' }),
  );
  const byRoom = seg('calendar-by-room', t('cal.by_room'), state.by === 'room', () =>
    go({ by: 'room' }),
  );
  const byClinician = seg(
    'calendar-by-clinician',
    t('cal.by_clinician'),
    state.by === 'clinician',
    () => go({ by: 'clinician' }),
  );
  const rangeTitle = h('h2', { id: 'calendar-range', class: 'cal-range', 'aria-live': 'polite' });
  const bookBtn = mayBook
    ? button(t('cal.book'), {
        id: 'calendar-book',
        kind: 'primary',
        iconName: 'plus',
        onclick: () => openBookDialog({ date: state.date, onBooked: onBooked }),
      })
    : null;

  prev.addEventListener('click', () =>
    go({ date: addDays(state.date, state.view === 'week' ? -7 : -1) }),
  );
  next.addEventListener('click', () =>
    go({ date: addDays(state.date, state.view === 'week' ? 7 : 1) }),
  );
  todayBtn.addEventListener('click', () => go({ date: clinic.today }));
  dateInput.addEventListener('change', () => {
    if (isDate(dateInput.value)) go({ date: dateInput.value });
  });

  const toolbar = h(
    'div',
    { class: 'cal-toolbar' },
    h(
      'div',
      { class: 'cal-nav' },
      todayBtn,
      h('div', { class: 'cal-arrows' }, prev, next),
      dateInput,
      rangeTitle,
    ),
    h(
      'div',
      { class: 'cal-switches' },
      h('div', { class: 'seg', role: 'group', 'aria-label': t('cal.view') }, viewDay, viewWeek),
      h(
        'div',
        { class: 'seg', role: 'group', 'aria-label': t('cal.columns') },
        byRoom,
        byClinician,
      ),
    ),
  );
  const status = h('div', { class: 'cal-status', role: 'status' });
  const board = h('section', {
    id: 'calendar',
    class: 'cal card card-flush',
    'aria-labelledby': 'calendar-range',
  });
  main.append(
    h(
      'section',
      { class: 'page page-wide cal-page' },
      pageHeader(t('cal.title'), { actions: bookBtn }),
      toolbar,
      status,
      board,
    ),
  );

  function syncToolbar() {
    dateInput.value = state.date;
    viewDay.setAttribute('aria-pressed', String(state.view === 'day'));
    viewWeek.setAttribute('aria-pressed', String(state.view === 'week'));
    byRoom.setAttribute('aria-pressed', String(state.by === 'room'));
    byClinician.setAttribute('aria-pressed', String(state.by === 'clinician'));
    const unit = state.view === 'week' ? 'week' : 'day';
    prev.setAttribute('aria-label', t(`cal.prev_${unit}`));
    prev.title = t(`cal.prev_${unit}`);
    next.setAttribute('aria-label', t(`cal.next_${unit}`));
    next.title = t(`cal.next_${unit}`);
    if (state.view === 'week') {
      const first = weekStart(state.date, firstWeekday);
      rangeTitle.textContent = t('cal.week_of', {
        first: fmtDate(first),
        last: fmtDate(addDays(first, 6)),
      });
    } else {
      rangeTitle.textContent = dayLabel(state.date);
    }
  }

  function go(change) {
    Object.assign(state, change);
    writeState(state);
    syncToolbar();
    load();
  }

  async function load({ quiet } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    if (!quiet) board.setAttribute('aria-busy', 'true');
    try {
      let days;
      if (state.view === 'week') {
        const body = await sched.week(weekStart(state.date, firstWeekday), state.by, signal);
        days = body.days || [];
      } else {
        days = [await sched.day(state.date, state.by, signal)];
      }
      if (!ctx.alive() || signal.aborted) return;
      const json = JSON.stringify([state, days]);
      if (quiet && json === lastJson) return;
      lastJson = json;
      data = days;
      clear(status);
      draw();
    } catch (err) {
      if ((err && err.name === 'AbortError') || !ctx.alive()) return;
      if (quiet) return;
      clear(status);
      status.append(errorBanner(err, { retry: () => load() }));
    } finally {
      if (!signal.aborted) board.removeAttribute('aria-busy');
    }
  }

  function onBooked(appt) {
    const d = splitLocal(appt.local_start).date;
    if (d !== state.date && (state.view === 'day' || !shownDates().includes(d))) go({ date: d });
    else load();
  }

  function shownDates() {
    return (data || []).map((d) => d.date);
  }

  // ---- drawing ----
  function draw() {
    const scroller = board.querySelector('.cal-scroll');
    const scroll = scroller ? { top: scroller.scrollTop, left: scroller.scrollLeft } : null;
    clear(board);
    board.dataset.view = state.view;
    board.dataset.by = state.by;
    board.dataset.date = state.date;
    delete board.dataset.closed;
    const days = data || [];
    const columns = [];
    const seen = new Set();
    for (const d of days) {
      for (const c of d.columns || []) {
        if (!seen.has(String(c.id))) {
          seen.add(String(c.id));
          columns.push(c);
        }
      }
    }
    if (!columns.length) {
      board.append(
        emptyState(
          state.by === 'room' ? t('cal.no_rooms') : t('cal.no_clinicians'),
          can('schedule.manage') ? t('cal.setup_hint') : t('cal.ask_admin'),
          can('schedule.manage')
            ? h('a', { class: 'btn btn-secondary', href: '#/setup' }, t('nav.setup'))
            : null,
        ),
      );
      return;
    }

    // The axis: from the earliest opening to the latest closing of the days shown, widened to
    // any appointment outside them, on the slot grid.
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of days) {
      const o = toMinutes(d.open);
      const c = toMinutes(d.close);
      if (o !== null && c !== null) {
        lo = Math.min(lo, o);
        hi = Math.max(hi, c);
      }
      for (const a of d.appointments || []) {
        const s = splitLocal(a.local_start);
        const e = splitLocal(a.local_end);
        a._start = s.minutes;
        a._end = e.date === s.date ? e.minutes : 24 * 60;
        lo = Math.min(lo, a._start);
        hi = Math.max(hi, a._end);
      }
    }
    // Nothing open and nothing booked (a closed day): the span of the usual week.
    if (!Number.isFinite(lo)) {
      const week = hours.opening_hours || [];
      lo = week.length ? Math.min(...week.map((o) => toMinutes(o.open))) : DEFAULT_OPEN;
      hi = week.length ? Math.max(...week.map((o) => toMinutes(o.close))) : DEFAULT_CLOSE;
    }
    lo = Math.floor(lo / slot) * slot;
    hi = Math.ceil(hi / slot) * slot;
    const ppm = PX_PER_MIN[state.view];
    const height = Math.round((hi - lo) * ppm);
    const slotPx = slot * ppm;
    const now = nowLocal(zone);

    const grid = hs('div', {
      class: 'cal-grid',
      style:
        `--cols:${columns.length * days.length};--ppm:${ppm};--slot-px:${slotPx}px;` +
        `--hour-px:${60 * ppm}px;--axis-h:${height}px;` +
        `--grid-offset:${(((60 - (lo % 60)) % 60) * ppm).toFixed(2)}px;` +
        `--slot-offset:${(((slot - (lo % slot)) % slot) * ppm).toFixed(2)}px`,
    });
    const closedDays = days.filter((d) => d.closure || d.open === null || d.open === undefined);
    if (state.view === 'day' && closedDays.length) board.dataset.closed = 'true';

    // Header rows: in the week view a row of days over a row of columns.
    const headRows = state.view === 'week' ? 2 : 1;
    grid.append(
      hs('div', {
        class: 'cal-corner',
        style: `grid-row: 1 / span ${headRows}`,
        'aria-hidden': 'true',
      }),
    );
    days.forEach((d, di) => {
      const closed = closedDays.includes(d);
      if (state.view === 'week') {
        grid.append(
          hs(
            'div',
            {
              class:
                'cal-day-head' +
                (closed ? ' is-closed' : '') +
                (d.date === now.date ? ' is-today' : ''),
              'data-date': d.date,
              'data-closed': closed ? 'true' : null,
              style: `grid-row: 1; grid-column: ${2 + di * columns.length} / span ${columns.length}`,
            },
            h(
              'a',
              {
                href: `#/calendar?${new URLSearchParams({ date: d.date, view: 'day', by: state.by })}`,
                class: 'cal-day-link',
              },
              shortDayLabel(d.date),
            ),
            closed ? h('span', { class: 'cal-closed-tag' }, closedText(d)) : null,
          ),
        );
      }
      columns.forEach((c, ci) => {
        grid.append(
          hs(
            'div',
            {
              class: 'cal-col-head',
              'data-column-id': String(c.id),
              'data-date': d.date,
              style: `grid-row: ${headRows}; grid-column: ${2 + di * columns.length + ci}`,
              title: c.name,
            },
            h('span', { class: 'cal-col-name', dir: 'auto' }, c.name),
          ),
        );
      });
    });

    // The time axis: a label at each full hour (and at the opening when it is not one).
    const axis = hs('div', {
      class: 'cal-axis',
      style: `grid-row: ${headRows + 1}; grid-column: 1`,
      'aria-hidden': 'true',
    });
    for (let m = lo; m < hi; m += slot) {
      if (m % 60 === 0 || m === lo) {
        axis.append(
          hs(
            'span',
            { class: 'cal-hour', style: `top:${((m - lo) * ppm).toFixed(1)}px`, dir: 'ltr' },
            fromMinutes(m),
          ),
        );
      }
    }
    grid.append(axis);

    days.forEach((d, di) => {
      const closed = closedDays.includes(d);
      const open = toMinutes(d.open);
      const close = toMinutes(d.close);
      const byColumn = new Map(columns.map((c) => [String(c.id), []]));
      for (const a of d.appointments || []) {
        const key = String(
          state.by === 'room' ? a.room && a.room.id : a.clinician && a.clinician.id,
        );
        if (byColumn.has(key)) byColumn.get(key).push(a);
      }
      columns.forEach((c, ci) => {
        const lane = hs('div', {
          class: 'cal-lane' + (closed ? ' is-closed' : '') + (ci === 0 ? ' is-day-start' : ''),
          'data-column-id': String(c.id),
          'data-date': d.date,
          'data-closed': closed ? 'true' : null,
          style: `grid-row: ${headRows + 1}; grid-column: ${2 + di * columns.length + ci}`,
          role: 'group',
          'aria-label': `${c.name}, ${dayLabel(d.date)}`,
        });
        // When the column is a clinician, the hours they work that weekday narrow the day.
        let spans = closed || open === null ? [] : [[open, close]];
        if (state.by === 'clinician' && hoursOf.has(String(c.id))) {
          const wd = isoWeekday(d.date);
          const mine = hoursOf
            .get(String(c.id))
            .filter((x) => x.weekday === wd)
            .map((x) => [toMinutes(x.start), toMinutes(x.end)]);
          spans = spans.flatMap(([o, e]) =>
            mine.map(([s, f]) => [Math.max(o, s), Math.min(e, f)]).filter(([s, f]) => s < f),
          );
        }
        shadeOff(lane, spans, lo, hi, ppm);
        if (mayBook) {
          for (const [s, f] of spans) {
            for (let m = Math.ceil(s / slot) * slot; m + slot <= f; m += slot) {
              lane.append(cell(c, d.date, m, lo, ppm, slotPx));
            }
          }
        }
        if (d.date === now.date && now.minutes >= lo && now.minutes <= hi) {
          lane.append(
            hs('div', {
              class: 'cal-now',
              style: `top:${((now.minutes - lo) * ppm).toFixed(1)}px`,
              'aria-hidden': 'true',
            }),
          );
        }
        for (const a of layoutLane(byColumn.get(String(c.id)))) lane.append(block(a, lo, ppm));
        wireDrop(lane, c, d.date, lo, hi, ppm);
        grid.append(lane);
      });
    });

    const scrollBox = h('div', { class: 'cal-scroll' }, grid);
    if (state.view === 'day' && closedDays.length) {
      board.append(
        h(
          'div',
          { id: 'calendar-closed', class: 'banner banner-warning cal-closed-banner' },
          icon('ban'),
          h('p', { class: 'banner-body' }, closedText(closedDays[0])),
        ),
      );
    }
    board.append(scrollBox);
    wireKeys(grid);
    if (scroll) {
      scrollBox.scrollTop = scroll.top;
      scrollBox.scrollLeft = scroll.left;
    }
    // Keep the keyboard where it was when the page redrew under it.
    if (focusKey) {
      const again = grid.querySelector(focusKey);
      if (again) {
        grid.querySelectorAll('.cal-cell[tabindex="0"]').forEach((x) => (x.tabIndex = -1));
        again.tabIndex = 0;
        again.focus({ preventScroll: true });
      }
      focusKey = null;
    }
  }

  function closedText(d) {
    if (d.closure) return t('cal.closed_reason', { reason: d.closure.reason });
    return t('cal.closed');
  }

  // Hatched bands over the parts of the axis outside the open spans.
  function shadeOff(lane, spans, lo, hi, ppm) {
    let at = lo;
    const sorted = [...spans].sort((a, b) => a[0] - b[0]);
    for (const [s, f] of [...sorted, [hi, hi]]) {
      if (s > at) {
        lane.append(
          hs('div', {
            class: 'cal-off',
            style: `top:${((at - lo) * ppm).toFixed(1)}px;height:${((s - at) * ppm).toFixed(1)}px`,
            'aria-hidden': 'true',
          }),
        );
      }
      at = Math.max(at, f);
    }
  }

  function cell(column, date, m, lo, ppm, slotPx) {
    const time = fromMinutes(m);
    return hs('button', {
      type: 'button',
      class: 'cal-cell',
      tabindex: '-1',
      'data-time': time,
      'data-date': date,
      'data-column-id': String(column.id),
      style: `top:${((m - lo) * ppm).toFixed(1)}px;height:${slotPx.toFixed(1)}px`,
      'aria-label': t('cal.book_at', { column: column.name, date: fmtDate(date), time }),
      onclick: () =>
        openBookDialog({
          date,
          time,
          roomId: state.by === 'room' ? column.id : null,
          clinicianId: state.by === 'clinician' ? column.id : null,
          onBooked,
        }),
    });
  }

  function block(a, lo, ppm) {
    const top = (a._start - lo) * ppm;
    const height = Math.max((a._end - a._start) * ppm, 18);
    const s = splitLocal(a.local_start);
    const e = splitLocal(a.local_end);
    const movable = mayBook && a.status === 'booked';
    const label = [
      `${s.time}–${e.time}`,
      patientName(a.patient),
      kindLabel(a.kind),
      statusLabel(a.status),
    ].join(', ');
    const width = 100 / (a._subs || 1);
    const el = hs(
      'button',
      {
        type: 'button',
        class: `appt appt-${a.status}` + (height < 52 ? ' is-short' : ''),
        'data-appointment-id': String(a.id),
        'data-status': a.status,
        'data-kind': a.kind,
        draggable: movable ? 'true' : null,
        'aria-label': label,
        title: label,
        style:
          `top:${top.toFixed(1)}px;height:${(height - 2).toFixed(1)}px;` +
          `inset-inline-start:calc(${(width * (a._sub || 0)).toFixed(3)}% + 2px);` +
          `inline-size:calc(${width.toFixed(3)}% - 4px)`,
        onclick: () => openAppointmentDialog(a, { onChange: () => load() }),
      },
      a.prep_minutes > 0
        ? hs('span', {
            class: 'appt-prep',
            style: `block-size:${Math.min(a.prep_minutes * ppm, height - 2).toFixed(1)}px`,
            'aria-hidden': 'true',
          })
        : null,
      h('span', { class: 'appt-time', dir: 'ltr' }, `${s.time}–${e.time}`),
      patientNameEl(a.patient, 'appt-name'),
      h('span', { class: 'appt-kind' }, kindLabel(a.kind)),
    );
    if (movable) {
      el.addEventListener('dragstart', (ev) => {
        const r = el.getBoundingClientRect();
        dragging = { appt: a, grabMin: Math.max(0, (ev.clientY - r.top) / ppm) };
        ev.dataTransfer.effectAllowed = 'move';
        ev.dataTransfer.setData('text/plain', String(a.id));
        el.classList.add('is-dragging');
      });
      el.addEventListener('dragend', () => {
        el.classList.remove('is-dragging');
        dragging = null;
        board.querySelectorAll('.cal-drop').forEach((x) => x.remove());
      });
    }
    return el;
  }

  // Dropping a block on a column opens the move dialog at the slot under the block's top.
  function wireDrop(lane, column, date, lo, hi, ppm) {
    if (!mayBook) return;
    let marker = null;
    const minuteAt = (ev) => {
      const r = lane.getBoundingClientRect();
      const raw = lo + (ev.clientY - r.top) / ppm - (dragging ? dragging.grabMin : 0);
      const snapped = Math.round(raw / slot) * slot;
      return Math.min(Math.max(snapped, lo), hi - slot);
    };
    lane.addEventListener('dragover', (ev) => {
      if (!dragging) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      const m = minuteAt(ev);
      if (!marker) {
        board.querySelectorAll('.cal-drop').forEach((x) => x.remove());
        marker = h('div', { class: 'cal-drop', 'aria-hidden': 'true' });
        lane.append(marker);
      }
      const dur = dragging.appt._end - dragging.appt._start;
      marker.style.top = `${((m - lo) * ppm).toFixed(1)}px`;
      marker.style.height = `${(dur * ppm).toFixed(1)}px`;
      marker.textContent = fromMinutes(m);
    });
    lane.addEventListener('dragleave', (ev) => {
      if (marker && !lane.contains(ev.relatedTarget)) {
        marker.remove();
        marker = null;
      }
    });
    lane.addEventListener('drop', (ev) => {
      if (!dragging) return;
      ev.preventDefault();
      const appt = dragging.appt;
      const time = fromMinutes(minuteAt(ev));
      if (marker) marker.remove();
      marker = null;
      dragging = null;
      openMoveDialog(appt, {
        target: {
          date,
          time,
          roomId: state.by === 'room' ? column.id : null,
          clinicianId: state.by === 'clinician' ? column.id : null,
        },
        onMoved: () => load(),
      });
    });
  }

  // Arrow keys move between the empty cells (up and down in time, sideways across columns, in
  // the reading direction); only one cell is in the tab order at a time.
  function wireKeys(grid) {
    const first = grid.querySelector('.cal-cell');
    if (first) first.tabIndex = 0;
    grid.addEventListener('keydown', (ev) => {
      const c = ev.target.closest && ev.target.closest('.cal-cell');
      if (!c) return;
      const rtl = document.documentElement.dir === 'rtl';
      const lanes = [...grid.querySelectorAll('.cal-lane')];
      const lane = c.parentElement;
      const cells = [...lane.querySelectorAll('.cal-cell')];
      let to = null;
      if (ev.key === 'ArrowDown') to = cells[cells.indexOf(c) + 1];
      else if (ev.key === 'ArrowUp') to = cells[cells.indexOf(c) - 1];
      else if (ev.key === 'Home') to = cells[0];
      else if (ev.key === 'End') to = cells[cells.length - 1];
      else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowRight') {
        const step = (ev.key === 'ArrowRight') !== rtl ? 1 : -1;
        for (let i = lanes.indexOf(lane) + step; i >= 0 && i < lanes.length; i += step) {
          const near = nearestCell(lanes[i], toMinutes(c.dataset.time));
          if (near) {
            to = near;
            break;
          }
        }
      } else return;
      ev.preventDefault();
      if (!to) return;
      c.tabIndex = -1;
      to.tabIndex = 0;
      to.focus();
    });
    grid.addEventListener('focusin', (ev) => {
      const c = ev.target.closest && ev.target.closest('.cal-cell');
      if (!c) return;
      grid.querySelectorAll('.cal-cell[tabindex="0"]').forEach((x) => {
        if (x !== c) x.tabIndex = -1;
      });
      c.tabIndex = 0;
      focusKey =
        `.cal-cell[data-date="${c.dataset.date}"][data-column-id="${c.dataset.columnId}"]` +
        `[data-time="${c.dataset.time}"]`;
    });
    grid.addEventListener('focusout', () => {
      if (!grid.contains(document.activeElement)) focusKey = null;
    });
  }

  function nearestCell(lane, minutes) {
    let best = null;
    let bestDist = Infinity;
    for (const x of lane.querySelectorAll('.cal-cell')) {
      const d = Math.abs(toMinutes(x.dataset.time) - minutes);
      if (d < bestDist) {
        best = x;
        bestDist = d;
      }
    }
    return best;
  }

  syncToolbar();
  writeState(state);
  await load();

  // Other desks book too: look again every minute while nothing is being edited here.
  const timer = setInterval(() => {
    if (document.hidden || dragging || document.querySelector('dialog[open]')) return;
    load({ quiet: true });
  }, REFRESH_MS);
  ctx.onCleanup(() => {
    clearInterval(timer);
    if (controller) controller.abort();
  });
}
