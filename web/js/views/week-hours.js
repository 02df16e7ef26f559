// An editor of weekly hours: one row per weekday (in the clinic's week order), each either
// closed or holding one or more spans of time. Used for the opening hours and for each
// clinician's working hours.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { weekdayName, toMinutes } from '../schedule.js';

const DEFAULT_SPAN = ['09:00', '17:00'];

// `value` is [{weekday, <startKey>, <endKey>}] as the API has it ("open"/"close" for the
// clinic, "start"/"end" for a clinician). `prefix` names the controls: `<prefix>.<weekday>.…`;
// `closedLabel` is what a day without hours says. Returns {el, read(), setError(weekday,
// text)}; read() returns the list to send, or null after marking the rows that are wrong.
export function weekHoursEditor({
  prefix,
  value,
  firstWeekday = 1,
  startKey,
  endKey,
  closedLabel,
}) {
  const rows = new Map();
  const table = h('div', { class: 'week-hours', role: 'group' });
  for (let i = 0; i < 7; i += 1) {
    const wd = ((firstWeekday - 1 + i) % 7) + 1;
    const spans = (value || [])
      .filter((v) => v.weekday === wd)
      // A time field cannot show 24:00; it shows midnight as 00:00, read back as the end.
      .map((v) => [v[startKey], v[endKey] === '24:00' ? '00:00' : v[endKey]])
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    rows.set(wd, row(wd, spans));
    table.append(rows.get(wd).el);
  }

  function timeInput(name, value, label) {
    return h('input', {
      type: 'time',
      class: 'input input-time',
      name,
      value,
      step: '300',
      dir: 'ltr',
      'aria-label': label,
      required: true,
    });
  }

  function row(wd, spans) {
    const dayName = weekdayName(wd);
    const openBox = h('input', {
      type: 'checkbox',
      name: `${prefix}.${wd}.open_day`,
      id: `${prefix}-${wd}-open`,
      checked: spans.length > 0,
    });
    const list = h('div', { class: 'week-spans' });
    const error = h('p', {
      class: 'field-error',
      'data-error-for': `${prefix}.${wd}`,
      'aria-live': 'polite',
    });
    const add = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-ghost btn-small',
        'data-action': 'add-span',
        'aria-label': t('hours.add_span_for', { day: dayName }),
      },
      icon('plus'),
      h('span', { class: 'btn-label' }, t('hours.add_span')),
    );
    const el = h(
      'div',
      { class: 'week-row', 'data-weekday': String(wd) },
      h(
        'label',
        { class: 'checkbox week-day', for: openBox.id },
        openBox,
        h('span', { class: 'week-day-name' }, dayName),
      ),
      h('div', { class: 'week-body' }, list, add, error),
    );
    function addSpan(from, to) {
      const n = list.children.length;
      const span = h(
        'div',
        { class: 'week-span' },
        timeInput(`${prefix}.${wd}.${n}.start`, from, t('hours.from_on', { day: dayName })),
        h('span', { class: 'week-dash', 'aria-hidden': 'true' }, '–'),
        timeInput(`${prefix}.${wd}.${n}.end`, to, t('hours.to_on', { day: dayName })),
        h(
          'button',
          {
            type: 'button',
            class: 'icon-btn',
            'data-action': 'remove-span',
            'aria-label': t('hours.remove_span', { day: dayName }),
            title: t('hours.remove_span', { day: dayName }),
            onclick: () => {
              span.remove();
              if (!list.children.length) openBox.checked = false;
              sync();
            },
          },
          icon('close'),
        ),
      );
      list.append(span);
    }
    function sync() {
      el.classList.toggle('is-closed', !openBox.checked);
      list.hidden = !openBox.checked;
      add.hidden = !openBox.checked;
      if (!openBox.checked) el.dataset.closed = 'true';
      else delete el.dataset.closed;
    }
    for (const [s, e] of spans) addSpan(s, e);
    openBox.addEventListener('change', () => {
      if (openBox.checked && !list.children.length) addSpan(...DEFAULT_SPAN);
      sync();
    });
    add.addEventListener('click', () => {
      const last = [...list.querySelectorAll('input[type=time]')].pop();
      const from = last && last.value ? last.value : DEFAULT_SPAN[0];
      addSpan(from, from < DEFAULT_SPAN[1] ? DEFAULT_SPAN[1] : '23:55');
      list.lastElementChild.querySelector('input').focus();
    });
    sync();
    const closedNote = h('span', { class: 'week-closed muted' }, closedLabel);
    el.querySelector('.week-body').prepend(closedNote);
    return { el, openBox, list, error };
  }

  function setError(wd, text) {
    const r = rows.get(wd);
    if (!r) return false;
    r.error.textContent = text;
    r.el.classList.add('has-error');
    return true;
  }

  function read() {
    const out = [];
    let ok = true;
    for (const [wd, r] of rows) {
      r.error.textContent = '';
      r.el.classList.remove('has-error');
      if (!r.openBox.checked) continue;
      const spans = [];
      for (const span of r.list.children) {
        const [s, e] = [...span.querySelectorAll('input[type=time]')].map((x) => x.value);
        if (!s || !e) {
          ok = setError(wd, t('hours.need_both')) && false;
          break;
        }
        const end = e === '00:00' ? '24:00' : e;
        if (toMinutes(s) >= toMinutes(end)) {
          ok = setError(wd, t('hours.end_before_start')) && false;
          break;
        }
        spans.push([s, end]);
      }
      spans.sort((a, b) => (a[0] < b[0] ? -1 : 1));
      for (let i = 1; i < spans.length; i += 1) {
        if (spans[i][0] < spans[i - 1][1]) ok = setError(wd, t('hours.overlap')) && false;
      }
      for (const [s, e] of spans) out.push({ weekday: wd, [startKey]: s, [endKey]: e });
    }
    return ok ? out : null;
  }

  return { el: table, read, setError };
}
