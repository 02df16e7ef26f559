// A patient's treatment courses (#/patients/<id>/courses): each course's protocol, status and
// progress, its timeline of sessions, maintenance and follow-ups with their windows and
// appointments, booking of a planned item, the doctor's prescription with a preview of the plan
// and the quote, status changes with a reason, and the quote with its PDF links.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tNodes, fmtDate, fmtDateTime, fmtNumber, errorText } from '../i18n.js';
import { can } from '../session.js';
import {
  button,
  badge,
  spinner,
  errorBanner,
  emptyState,
  openDialog,
  setBusy,
  toast,
  field,
  setFieldError,
  clearFieldErrors,
} from '../ui.js';
import { displayName } from '../names.js';
import { loadCatalog, localText, entry } from '../catalog.js';
import { planItems, planQuote, isDate } from '../course-plan.js';
import { patientTabs, patientStrip } from './patient-tabs.js';
import { quoteSection, quoteTable, moneyText } from './course-quote.js';

const enc = (v) => encodeURIComponent(String(v));

const STATUS_KIND = {
  planned: 'info',
  active: 'success',
  on_hold: 'warning',
  completed: 'neutral',
  cancelled: 'danger',
};
const ITEM_KIND = {
  planned: 'neutral',
  booked: 'info',
  done: 'success',
  cancelled: 'danger',
  missed: 'warning',
};
// The status changes offered for a course in each status, as [action, new status]; the server
// has the final word.
const ACTIONS = {
  planned: [
    ['start', 'active'],
    ['hold', 'on_hold'],
    ['cancel', 'cancelled'],
  ],
  active: [
    ['hold', 'on_hold'],
    ['complete', 'completed'],
    ['cancel', 'cancelled'],
  ],
  on_hold: [
    ['resume', 'active'],
    ['complete', 'completed'],
    ['cancel', 'cancelled'],
  ],
  completed: [],
  cancelled: [],
};
const OPEN_STATUSES = new Set(['planned', 'active']);
const BOOKABLE_ITEMS = new Set(['planned', 'missed']);
const SCREENING_CODES = new Set(['screening_required', 'screening_not_proceed']);

function todayLocal(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function dateEl(ymd) {
  return h('time', { datetime: ymd }, fmtDate(ymd));
}

// "2026-12-01T09:00" (the clinic's local time, as the API sends it) as a date and a time.
function localTimeEl(local) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(local || '');
  if (!m) return ltr(local || '');
  return h('time', { datetime: local }, fmtDate(m[1]), ' ', ltr(m[2]));
}

function windowText(item) {
  return tNodes('course.item_window', {
    from: dateEl(item.earliest_date),
    to: dateEl(item.latest_date),
  });
}

function whoName(u) {
  return u ? u.display_name || u.username : t('history.system');
}

// The catalogue's protocol document of `code`, null when the server offers none.
function protocolDoc(catalog, code) {
  return entry(catalog && catalog.protocols, code);
}

// The expectation of a follow-up's milestone ("first results expected after the 3rd session").
function expectation(catalog, course, item) {
  if (item.expect) return localText(item.expect);
  if (!item.milestone) return null;
  const proto = protocolDoc(catalog, course ? course.protocol : null);
  const f = proto && (proto.follow_ups || []).find((x) => x.code === item.milestone);
  return f && f.expect ? localText(f.expect) : null;
}

function itemLabel(item) {
  if (item.label) return localText(item.label);
  return t(`course.kind_label.${item.kind}`, { n: item.number, total: item.total });
}

// The timeline of a course or of a preview: one entry per item in order.
function timeline(items, { course, catalog, bookButton, preview } = {}) {
  return h(
    'ol',
    { class: 'course-timeline' + (preview ? ' is-preview' : '') },
    items.map((item) => {
      const status = item.status || 'planned';
      const isNext = course && course.progress && course.progress.next_item_id === item.id;
      const expect = expectation(catalog, course, item);
      const appt = item.appointment;
      return h(
        'li',
        {
          class:
            `course-item kind-${item.kind} status-${status}` +
            (isNext ? ' is-next' : '') +
            (item.outside_window ? ' is-outside' : ''),
          'data-item-id': item.id !== undefined ? String(item.id) : null,
          'data-status': status,
          'data-kind': item.kind,
          'data-seq': String(item.seq),
        },
        h('span', { class: 'course-item-marker', 'aria-hidden': 'true' }, ltr(String(item.seq))),
        h(
          'div',
          { class: 'course-item-body' },
          h(
            'div',
            { class: 'course-item-head' },
            h('span', { class: 'course-item-label' }, itemLabel(item)),
            preview ? null : badge(t(`course.item_status.${status}`), ITEM_KIND[status]),
            isNext ? badge(t('course.item_next'), 'info') : null,
            item.price && item.price.minor > 0
              ? h(
                  'span',
                  { class: 'course-item-price muted small' },
                  moneyText(item.price.minor, item.price.currency),
                )
              : null,
          ),
          h(
            'p',
            { class: 'course-item-dates' },
            h(
              'span',
              { class: 'course-item-target' },
              tNodes('course.item_target', { date: dateEl(item.target_date) }),
            ),
            h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '),
            h('span', { class: 'course-item-window' }, windowText(item)),
          ),
          expect ? h('p', { class: 'course-item-expect' }, icon('history'), expect) : null,
          appt
            ? h(
                'p',
                { class: 'course-item-appt', 'data-appointment-id': String(appt.id) },
                icon('check'),
                tNodes(`course.item_appointment.${appt.status === 'done' ? 'done' : 'booked'}`, {
                  at: localTimeEl(appt.local),
                }),
              )
            : null,
          item.outside_window
            ? h(
                'p',
                { class: 'course-item-warning', role: 'note' },
                icon('alert'),
                t('course.item_outside_window'),
              )
            : null,
        ),
        bookButton && BOOKABLE_ITEMS.has(status) ? bookButton(item) : null,
      );
    }),
  );
}

function progressBar(progress) {
  const done = (progress && progress.done) || 0;
  const total = (progress && progress.total) || 0;
  const pct = total > 0 ? Math.round((done * 100) / total) : 0;
  const label = t('course.progress', { done, total });
  // Set through the CSSOM: the server's Content-Security-Policy refuses style attributes.
  const fill = h('span', { class: 'progress-fill' });
  fill.style.inlineSize = `${pct}%`;
  return h(
    'div',
    { class: 'course-progress' },
    h('span', { class: 'course-progress-text' }, label),
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-valuemin': '0',
        'aria-valuemax': String(total),
        'aria-valuenow': String(done),
        'aria-valuetext': label,
        'aria-label': t('course.progress_label'),
      },
      fill,
    ),
  );
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'courses-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog;
  try {
    [patient, catalog] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog(),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(
      page,
      h(
        'a',
        { class: 'back-link', href: '#/patients' },
        icon('chevronStart', 'flip-rtl'),
        t('nav.patients'),
      ),
      errorBanner(err),
    );
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('course.title')} · ${displayName(patient)}`);
  const canPrescribe = can('course.prescribe') && !patient.deleted;
  const canBook = can('schedule.book') && !patient.deleted;
  const list = h('div', { id: 'course-list', class: 'course-list', 'aria-busy': 'true' });
  const listError = h('div', { class: 'error-slot' });

  // The dialogs of this page close when the page goes: their links (the screening panel, the
  // quote's print view) lead elsewhere, and a modal left open would cover the next page.
  function viewDialog(options) {
    const dialog = openDialog(options);
    ctx.onCleanup(dialog.close);
    return dialog;
  }

  // ---- one course ----
  function bookButton(course) {
    if (!canBook || !OPEN_STATUSES.has(course.status)) return null;
    return (item) =>
      button(t('course.book'), {
        kind: 'secondary',
        iconName: 'plus',
        'data-action': 'book',
        'aria-label': t('course.book_aria', { item: itemLabel(item) }),
        onclick: (e) => openBooking(course, item, e.currentTarget),
      });
  }

  function courseCard(course) {
    const actions = [];
    if (canPrescribe) {
      for (const [name, to] of ACTIONS[course.status] || []) {
        actions.push(
          button(t(`course.action.${name}`), {
            kind: to === 'cancelled' ? 'danger-outline' : 'secondary',
            'data-action': name,
            onclick: () => openStatus(course, name, to),
          }),
        );
      }
    }
    actions.push(
      button(t('course.show_quote'), {
        kind: 'secondary',
        'data-action': 'quote',
        onclick: () => openQuote(course),
      }),
    );
    const quote = course.quote;
    const titleId = `course-${course.id}-title`;
    return h(
      'article',
      {
        class: `card course status-${course.status}`,
        'data-course-id': String(course.id),
        'data-status': course.status,
        'data-protocol': course.protocol,
        'aria-labelledby': titleId,
      },
      h(
        'header',
        { class: 'course-head' },
        h(
          'div',
          { class: 'course-heading' },
          h(
            'h2',
            { id: titleId, class: 'course-title' },
            h('span', null, localText(course.label) || course.protocol),
            badge(t(`course.status.${course.status}`), STATUS_KIND[course.status]),
            course.package ? badge(t('course.package_badge'), 'info') : null,
          ),
          h(
            'p',
            { class: 'course-meta muted small' },
            tNodes('course.meta', {
              start: dateEl(course.start_date),
              who: h('bdi', null, whoName(course.created_by)),
              at: h('time', { datetime: course.created_at }, fmtDateTime(course.created_at)),
            }),
          ),
        ),
        h('div', { class: 'course-actions' }, actions),
      ),
      course.status_reason
        ? h(
            'p',
            { class: 'course-reason' },
            h('strong', null, t('course.status_reason')),
            ' ',
            h('span', { class: 'pre-wrap' }, course.status_reason),
          )
        : null,
      course.notes ? h('p', { class: 'course-notes pre-wrap' }, course.notes) : null,
      h(
        'div',
        { class: 'course-summary' },
        progressBar(course.progress),
        quote
          ? h(
              'p',
              { class: 'course-total' },
              h('span', { class: 'muted' }, t('course.quote_total')),
              ' ',
              moneyText(quote.total_minor, quote.currency, 'money strong'),
            )
          : null,
      ),
      h('h3', { class: 'course-section-title' }, t('course.timeline')),
      timeline(course.items || [], { course, catalog, bookButton: bookButton(course) }),
    );
  }

  async function loadCourses(focusId) {
    list.setAttribute('aria-busy', 'true');
    let full;
    try {
      const body = await request('GET', `/patients/${enc(patient.id)}/courses`);
      const summaries = (body && body.courses) || [];
      // The list leaves out the items; each course's timeline needs them.
      full = await Promise.all(summaries.map((c) => request('GET', `/courses/${enc(c.id)}`)));
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      list.removeAttribute('aria-busy');
      clear(list);
      replace(listError, errorBanner(err, { retry: () => loadCourses(focusId) }));
      return;
    }
    if (!ctx.alive()) return;
    clear(listError);
    list.removeAttribute('aria-busy');
    // The newest prescription first: it is the one being worked on.
    const courses = full.sort((a, b) => b.id - a.id);
    if (!courses.length) {
      replace(list, emptyState(t('course.none'), canPrescribe ? t('course.none_hint') : null));
      return;
    }
    replace(list, courses.map(courseCard));
    if (focusId !== undefined) {
      const el = list.querySelector(`.course[data-course-id="${CSS.escape(String(focusId))}"]`);
      if (el) {
        el.setAttribute('tabindex', '-1');
        el.focus();
      }
    }
  }

  // ---- booking an item: the calendar's booking dialog, opened for the item's window ----
  async function openBooking(course, item, opener) {
    // The calendar's dialog is loaded when first needed: most visits to this page book nothing.
    setBusy(opener, true);
    let mod;
    try {
      mod = await import('./book-dialog.js');
    } catch {
      toast(t('error.network'), 'error');
      return;
    } finally {
      setBusy(opener, false);
    }
    if (!ctx.alive()) return;
    const appointment = await mod.openBookDialog({ patient, courseItem: item });
    if (appointment && ctx.alive()) loadCourses(course.id);
  }

  // ---- status changes ----
  function openStatus(course, name, to) {
    const needsReason = to !== 'active';
    const reason = h('textarea', {
      class: 'input textarea',
      rows: '3',
      maxlength: '500',
    });
    const error = h('p', { id: 'course-status-error', class: 'form-error', role: 'alert' });
    const confirm = button(t(`course.action.${name}`), {
      kind: to === 'cancelled' ? 'danger' : 'primary',
      type: 'submit',
      id: 'course-status-confirm',
    });
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { id: 'course-status-form', class: 'form', novalidate: true, 'data-to': to },
      h('p', null, t(`course.action_explain.${name}`)),
      h(
        'p',
        { class: 'delete-target' },
        h('strong', null, localText(course.label) || course.protocol),
        ' · ',
        t(`course.status.${course.status}`),
        ' → ',
        t(`course.status.${to}`),
      ),
      field({
        form: 'course-status',
        id: 'course-status-reason',
        name: 'reason',
        label: t('course.reason'),
        control: reason,
        hint: needsReason ? t('course.reason_hint') : null,
        required: needsReason,
        optional: !needsReason,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, confirm),
    );
    const { close } = viewDialog({
      title: t(`course.action_title.${name}`),
      body: form,
      id: 'course-status-dialog',
    });
    cancel.addEventListener('click', close);
    reason.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      error.textContent = '';
      const text = reason.value.trim();
      if (needsReason && !text) {
        setFieldError(form, 'reason', t('error.required'));
        reason.focus();
        return;
      }
      setBusy(confirm, true);
      try {
        const body = { status: to, version: course.version };
        if (text) body.reason = text;
        await request('POST', `/courses/${enc(course.id)}/status`, { body });
        if (!ctx.alive()) return;
        close();
        toast(t(`course.action_done.${name}`));
        loadCourses(course.id);
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        if (!(err.field === 'reason' && setFieldError(form, 'reason', errorText(err))))
          error.textContent = errorText(err);
        // Someone changed the course meanwhile: show it as it is now behind the dialog.
        if (err.status === 409) loadCourses(course.id);
      } finally {
        setBusy(confirm, false);
      }
    });
  }

  // ---- the quote ----
  async function openQuote(course) {
    const body = h('div', { class: 'quote-dialog-body' }, spinner());
    viewDialog({
      title: t('course.quote_title'),
      body,
      id: 'quote-dialog',
      size: 'wide',
    });
    try {
      const quote = await request('GET', `/courses/${enc(course.id)}/quote`);
      if (!body.isConnected) return;
      replace(body, quoteSection(quote, { headingLevel: 'h3' }));
    } catch (err) {
      if (!body.isConnected || err.status === 401) return;
      replace(body, errorBanner(err, { retry: () => openQuote(course) }));
    }
  }

  // ---- prescribing ----
  async function openPrescribe() {
    const offered = (catalog && catalog.treatments_offered) || [];
    const protoSel = h(
      'select',
      { class: 'input select' },
      h('option', { value: '' }, t('form.choose')),
      offered.map((tr) =>
        tr.protocol && protocolDoc(catalog, tr.protocol)
          ? h('option', { value: tr.protocol }, localText(tr.label))
          : h(
              'option',
              { value: '', disabled: true, 'data-treatment': tr.code },
              `${localText(tr.label)} — ${t('course.no_protocol')}`,
            ),
      ),
    );
    const summary = h('p', { id: 'course-protocol-summary', class: 'field-hint' });
    let today = todayLocal();
    const startIn = h('input', { type: 'date', class: 'input', value: today, min: today });
    const packageBox = h('input', { type: 'checkbox', id: 'course-package', name: 'package' });
    const packageNote = h('span', { class: 'muted small', id: 'course-package-note' });
    const notesIn = h('textarea', { class: 'input textarea', rows: '3', maxlength: '2000' });
    const preview = h(
      'div',
      { id: 'course-preview', class: 'course-preview', 'aria-live': 'polite' },
      h('p', { class: 'muted' }, t('course.preview_choose')),
    );
    const formError = h('div', { id: 'course-error', class: 'form-error', role: 'alert' });
    const submit = button(t('course.submit'), {
      kind: 'primary',
      type: 'submit',
      id: 'course-submit',
    });
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { id: 'course-form', class: 'form', novalidate: true },
      h(
        'div',
        { class: 'form-grid course-form-grid' },
        h(
          'div',
          { class: 'field-wide course-protocol-field' },
          field({
            form: 'course',
            id: 'course-protocol',
            name: 'protocol',
            label: t('course.protocol'),
            control: protoSel,
            required: true,
          }),
          summary,
        ),
        field({
          form: 'course',
          id: 'course-start',
          name: 'start_date',
          label: t('course.start_date'),
          control: startIn,
          hint: t('course.start_hint'),
          required: true,
        }),
        h(
          'div',
          { class: 'field' },
          h(
            'label',
            { class: 'checkbox', for: 'course-package' },
            packageBox,
            h('span', null, t('course.package')),
          ),
          packageNote,
          h('p', { class: 'field-error', 'data-error-for': 'package', 'aria-live': 'polite' }),
        ),
        field({
          form: 'course',
          id: 'course-notes',
          name: 'notes',
          label: t('course.notes'),
          control: notesIn,
          optional: true,
          wide: true,
        }),
      ),
      h('h3', { class: 'course-section-title' }, t('course.preview_title')),
      preview,
      formError,
      h('div', { class: 'dialog-actions inline' }, cancel, submit),
    );
    const { close } = viewDialog({
      title: t('course.prescribe_title'),
      body: form,
      id: 'course-dialog',
      size: 'wide',
    });
    cancel.addEventListener('click', close);
    protoSel.setAttribute(
      'aria-describedby',
      `${protoSel.getAttribute('aria-describedby')} course-protocol-summary`,
    );
    protoSel.focus();

    function updatePreview() {
      const proto = protocolDoc(catalog, protoSel.value);
      const offer = offered.find((tr) => tr.protocol === protoSel.value);
      summary.textContent = offer ? localText(offer.summary) : '';
      const pct = proto && proto.pricing ? proto.pricing.package_discount_percent || 0 : 0;
      packageNote.textContent = pct > 0 ? t('course.package_note', { percent: pct }) : '';
      if (!proto) {
        replace(preview, h('p', { class: 'muted' }, t('course.preview_choose')));
        return;
      }
      const items = planItems(proto, startIn.value);
      if (!items) {
        replace(preview, h('p', { class: 'muted' }, t('course.preview_need_date')));
        return;
      }
      const s = proto.sessions || {};
      replace(
        preview,
        h(
          'p',
          { class: 'course-preview-facts' },
          tNodes('course.preview_sessions', {
            n: ltr(fmtNumber(s.count || 0)),
            minutes: ltr(fmtNumber(s.duration_minutes || 0)),
            prep: ltr(fmtNumber(s.prep_minutes || 0)),
          }),
        ),
        h('p', { class: 'muted small' }, t('course.preview_note')),
        h('div', { id: 'course-preview-plan' }, timeline(items, { catalog, preview: true })),
        h(
          'div',
          { id: 'course-preview-quote' },
          quoteTable(planQuote(proto, items, packageBox.checked), {
            caption: t('course.preview_quote'),
          }),
        ),
      );
    }
    protoSel.addEventListener('change', updatePreview);
    startIn.addEventListener('change', updatePreview);
    startIn.addEventListener('input', updatePreview);
    packageBox.addEventListener('change', updatePreview);

    // The clinic's calendar day, not the browser's, is the first day a course may start.
    request('GET', '/clinic').then(
      (clinic) => {
        if (!clinic || !isDate(clinic.today) || clinic.today === today) return;
        if (startIn.value === today) startIn.value = clinic.today;
        today = clinic.today;
        startIn.min = today;
        updatePreview();
      },
      () => {},
    );

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      clear(formError);
      let bad = false;
      if (!protoSel.value) bad = setFieldError(form, 'protocol', t('error.required'));
      if (!isDate(startIn.value)) bad = setFieldError(form, 'start_date', t('error.required'));
      if (bad) {
        form.querySelector('[aria-invalid="true"]')?.focus();
        return;
      }
      const body = {
        protocol: protoSel.value,
        start_date: startIn.value,
        package: packageBox.checked,
      };
      const notes = notesIn.value.trim();
      if (notes) body.notes = notes;
      setBusy(submit, true);
      try {
        const course = await request('POST', `/patients/${enc(patient.id)}/courses`, { body });
        if (!ctx.alive()) return;
        close();
        toast(t('course.prescribed'));
        await loadCourses(course.id);
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        if (SCREENING_CODES.has(err.code)) {
          replace(
            formError,
            h('p', null, errorText(err)),
            h(
              'a',
              {
                id: 'course-screening-link',
                href: `#/patients/${enc(patient.id)}?focus=screening`,
              },
              t('course.open_screening'),
            ),
          );
          formError.querySelector('a').focus();
        } else if (!(err.field && setFieldError(form, err.field, errorText(err)))) {
          replace(formError, h('p', null, errorText(err)));
        }
      } finally {
        setBusy(submit, false);
      }
    });
  }

  const prescribeBtn = canPrescribe
    ? button(t('course.prescribe'), {
        kind: 'primary',
        iconName: 'plus',
        id: 'prescribe-course',
        onclick: openPrescribe,
      })
    : null;

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'courses'),
    patient.deleted
      ? h(
          'div',
          { class: 'banner banner-error', role: 'status' },
          icon('alert'),
          h('p', null, t('patient.deleted_banner')),
        )
      : null,
    h(
      'div',
      { class: 'toolbar courses-toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { class: 'card-title courses-title' }, t('course.title')),
        h('p', { class: 'toolbar-hint' }, t('course.hint')),
      ),
      prescribeBtn,
    ),
    listError,
    list,
  );
  list.append(spinner());
  await loadCourses();
}
