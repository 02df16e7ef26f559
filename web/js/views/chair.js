// The guided flow at the chair (#/chair/<appointment id>): one treatment session from check-in to
// the aftercare sheet, step by step, with the patient's identity always on top. Each step says
// whether it is done, still to do or locked, from what the server holds, so a reload (or another
// nurse's tablet) shows where the procedure stands.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tNodes, lang, fmtDate, fmtDateTime, fmtNumber, ageText, errorText } from '../i18n.js';
import { can } from '../session.js';
import {
  button,
  badge,
  spinner,
  errorBanner,
  openDialog,
  setBusy,
  toast,
  field,
  setFieldError,
  clearFieldErrors,
} from '../ui.js';
import { fullNameLines, displayName } from '../names.js';
import { loadCatalog, codeLabel, entry } from '../catalog.js';
import { splitLocal, dayLabel, timeRange } from '../schedule.js';
import { statusBadge } from './appointment-dialog.js';
import { outcomeBadge, resultDetails, openSignoffDialog } from './screening-panel.js';

const enc = (v) => encodeURIComponent(String(v));

export const STEPS = [
  'checkin',
  'screening',
  'preparation',
  'labels',
  'identity',
  'injection',
  'aftercare',
  'finish',
];

// The treatments carried out at the chair, as the screening names them.
const CHAIR_TREATMENTS = ['prp-hair', 'prp-face', 'adsc-hair'];
const PRP = new Set(['prp-hair', 'prp-face']);
const INJECTABLE = new Set(['prp', 'fat_graft', 'cell_suspension']);
const CLEARED = new Set(['eligible', 'caution']);
const STATE_ICON = { done: 'check', todo: null, locked: 'ban' };
const SPECIMEN_KIND = { active: 'success', injected: 'info', discarded: 'neutral' };
const MIN_REASON = 10;
// A re-screening older than this is not offered again: the server accepts only one computed on
// the session's day or the day before, and says so when it is stale.
const RESCREEN_MAX_AGE_MS = 2 * 86400000;

// "2026-12-01T09:00" (the clinic's local time, as the API sends it) as a date and a time.
function localTimeEl(local) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(local || '');
  if (!m) return ltr(local || '');
  return h('time', { datetime: local }, fmtDate(m[1]), ' ', ltr(m[2]));
}

function localClockEl(local) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(local || '');
  return m ? h('time', { datetime: local }, ltr(m[2])) : ltr(local || '');
}

function whoName(u) {
  return u ? u.display_name || u.username : t('history.system');
}

function whoEl(u) {
  return h('bdi', { title: u ? u.username : null }, whoName(u));
}

function timeEl(iso) {
  return h('time', { datetime: iso }, fmtDateTime(iso));
}

function mlText(v) {
  return ltr(`${fmtNumber(v)} mL`);
}

function isPrp(treatment) {
  return PRP.has(treatment);
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page chair-page', id: 'chair-page' });
  main.append(page);
  page.append(spinner());

  const canRecord = can('procedure.record');
  const st = {
    appt: null,
    patient: null,
    catalog: null,
    course: null,
    procedure: null,
    specimens: [],
    checks: [],
    screening: null, // the re-screening shown before the procedure starts
    treatment: (ctx.restored && ctx.restored.treatment) || '',
    current: (ctx.restored && ctx.restored.step) || ctx.query.get('step') || null,
    lastResult: null, // the answer of the identity check made on this page
    centrifuges: null,
  };
  ctx.setSaveState(() => ({ treatment: st.treatment, step: st.current }));

  try {
    st.appt = await request('GET', `/appointments/${enc(params.id)}`);
    [st.patient, st.catalog] = await Promise.all([
      request('GET', `/patients/${enc(st.appt.patient.id)}`),
      loadCatalog(),
    ]);
    if (st.appt.course_id) {
      st.course = await request('GET', `/courses/${enc(st.appt.course_id)}`).catch(() => null);
    }
    await loadProcedure();
    if (!st.procedure) await loadScreening();
  } catch (err) {
    if (!ctx.alive() || err.status === 401) return;
    replace(page, backLink(), errorBanner(err, { retry: () => ctx.navigate(location.hash) }));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('chair.title')} · ${displayName(st.patient)}`);

  const banner = h('header', { id: 'chair-patient', class: 'chair-patient' });
  const stepper = h('ol', { id: 'chair-steps', class: 'chair-steps' });
  const panel = h('section', { id: 'chair-panel', class: 'card chair-panel', tabindex: '-1' });
  replace(
    page,
    backLink(),
    banner,
    h(
      'div',
      { class: 'chair-layout' },
      h('nav', { class: 'chair-nav', 'aria-label': t('chair.steps_label') }, stepper),
      panel,
    ),
  );
  renderBanner();
  if (!st.current || !STEPS.includes(st.current)) st.current = firstOpenStep();
  renderSteps();
  renderPanel();

  // ---------------------------------------------------------------- loading

  function backLink() {
    const p = st.patient || (st.appt && st.appt.patient);
    return h(
      'a',
      {
        class: 'back-link',
        href: p ? `#/patients/${enc(p.id)}/procedures` : '#/calendar',
      },
      icon('chevronStart', 'flip-rtl'),
      p ? t('chair.back_to_patient') : t('nav.calendar'),
    );
  }

  async function loadProcedure() {
    try {
      st.procedure = await request('GET', `/appointments/${enc(st.appt.id)}/procedure`);
    } catch (err) {
      if (err.status !== 404) throw err;
      st.procedure = null;
    }
    if (st.procedure) {
      st.treatment = st.procedure.treatment;
      await loadChain();
    } else {
      st.specimens = [];
      st.checks = [];
      const fromCourse = courseTreatment();
      if (fromCourse) st.treatment = fromCourse;
    }
  }

  // The specimens with their events and the identity checks of the procedure.
  async function loadChain() {
    const pid = enc(st.procedure.id);
    const [sp, ch] = await Promise.all([
      request('GET', `/procedures/${pid}/specimens`),
      request('GET', `/procedures/${pid}/identity-checks`),
    ]);
    st.specimens = (sp && sp.specimens) || [];
    st.checks = (ch && ch.checks) || [];
  }

  // The screening treatment of the course's protocol when the appointment is a course session.
  function courseTreatment() {
    if (!st.course) return null;
    const proto = entry(st.catalog && st.catalog.protocols, st.course.protocol);
    return (proto && proto.screening_treatment) || null;
  }

  // The newest stored screening of the treatment recent enough to start with, if any. Without a
  // treatment chosen yet, the newest recent re-screening of a chair treatment says which one the
  // nurse was working on (a reload, another tablet).
  async function loadScreening() {
    st.screening = null;
    if (!can('clinical.read')) return;
    const body = await request('GET', `/patients/${enc(st.patient.id)}/screenings`, {
      query: { limit: 20 },
    });
    const since = Date.now() - RESCREEN_MAX_AGE_MS;
    const recent = ((body && body.items) || []).filter(
      (r) => CHAIR_TREATMENTS.includes(r.treatment) && Date.parse(r.computed_at) >= since,
    );
    if (!st.treatment && recent.length) st.treatment = recent[0].treatment;
    st.screening = recent.find((r) => r.treatment === st.treatment) || null;
  }

  async function refresh({ step, focus } = {}) {
    try {
      st.appt = await request('GET', `/appointments/${enc(st.appt.id)}`);
      await loadProcedure();
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      toast(errorText(err), 'error');
      return;
    }
    if (!ctx.alive()) return;
    renderBanner();
    if (step) st.current = step;
    renderSteps();
    renderPanel({ focus });
  }

  // A procedure answer from the server (a form's save, aftercare, completion) without a reload.
  async function procedureChanged(procedure, { step, focus } = {}) {
    st.procedure = procedure;
    try {
      st.appt = await request('GET', `/appointments/${enc(st.appt.id)}`);
      await loadChain();
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      toast(errorText(err), 'error');
    }
    if (!ctx.alive()) return;
    renderBanner();
    renderSteps();
    if (step) {
      st.current = step;
      renderSteps();
      renderPanel({ focus });
    }
  }

  // ---------------------------------------------------------------- the steps' states

  function injectables() {
    return st.specimens.filter((s) => INJECTABLE.has(s.kind) && s.status === 'active');
  }

  function identityPassed() {
    return !!(st.checks[0] && st.checks[0].passed);
  }

  function hasLabel(s) {
    return (s.events || []).some((e) => e.event === 'label_printed');
  }

  function prepRecorded(p) {
    return !!(isPrp(p.treatment) ? p.preparation : p.fat);
  }

  // {state: 'done'|'todo'|'locked', why: i18n key of the lock's reason}
  function states() {
    const a = st.appt;
    const p = st.procedure;
    const s = {};
    const ended = a.status === 'cancelled' || a.status === 'no_show';
    const arrived = ['checked_in', 'in_progress', 'done'].includes(a.status);
    const done = { state: 'done' };
    const todo = { state: 'todo' };
    const locked = (why) => ({ state: 'locked', why });
    if (a.kind !== 'session') {
      for (const k of STEPS) s[k] = locked('chair.lock.not_session');
      return s;
    }
    s.checkin = arrived ? done : ended ? locked('chair.lock.ended') : todo;
    if (p) s.screening = done;
    else if (a.status === 'checked_in') s.screening = todo;
    else if (ended) s.screening = locked('chair.lock.ended');
    else if (arrived) s.screening = locked('chair.lock.started_elsewhere');
    else s.screening = locked('chair.lock.checkin');
    if (!p) {
      for (const k of STEPS.slice(2))
        s[k] = s.screening.state === 'locked' ? s.screening : locked('chair.lock.start');
      return s;
    }
    const closed = p.status === 'abandoned';
    const gone = locked('chair.lock.abandoned');
    s.preparation =
      prepRecorded(p) && st.specimens.some((x) => INJECTABLE.has(x.kind))
        ? done
        : closed
          ? gone
          : todo;
    const active = st.specimens.filter((x) => x.status === 'active');
    if (!st.specimens.length) s.labels = closed ? gone : locked('chair.lock.specimens');
    else s.labels = active.every(hasLabel) ? done : closed ? gone : todo;
    if (p.injection || identityPassed()) s.identity = done;
    else if (closed) s.identity = gone;
    else if (!injectables().length) s.identity = locked('chair.lock.product');
    else s.identity = todo;
    if (p.injection) s.injection = done;
    else if (closed) s.injection = gone;
    else s.injection = identityPassed() ? todo : locked('chair.lock.identity');
    if (p.aftercare) s.aftercare = done;
    else if (closed) s.aftercare = gone;
    else s.aftercare = p.injection ? todo : locked('chair.lock.injection');
    s.finish = p.status === 'open' ? todo : done;
    return s;
  }

  function firstOpenStep() {
    const s = states();
    return STEPS.find((k) => s[k].state === 'todo') || 'finish';
  }

  function nextStep(step) {
    const s = states();
    const after = STEPS.slice(STEPS.indexOf(step) + 1);
    return after.find((k) => s[k].state === 'todo') || after[0] || null;
  }

  function stepName(step) {
    if (step === 'preparation' && st.treatment && !isPrp(st.treatment)) return t('chair.step.fat');
    return t(`chair.step.${step}`);
  }

  // ---------------------------------------------------------------- banner and stepper

  function renderBanner() {
    const p = st.patient;
    const a = st.appt;
    const age = ageText(p.date_of_birth);
    const s = splitLocal(a.local_start);
    const fact = (cls, label, value) =>
      h('div', { class: `chair-fact ${cls}` }, h('dt', null, label), h('dd', null, value));
    replace(
      banner,
      h(
        'div',
        { class: 'chair-who' },
        h('h1', { class: 'chair-name page-title', tabindex: '-1' }, fullNameLines(p, 'pname')),
        h(
          'dl',
          { class: 'chair-facts' },
          fact('chair-mrn', t('patient.mrn'), ltr(p.mrn, 'mono strong')),
          fact('chair-dob', t('patient.date_of_birth'), [
            h('time', { datetime: p.date_of_birth }, fmtDate(p.date_of_birth)),
            age ? h('span', { class: 'muted' }, ` (${age})`) : null,
          ]),
          fact(
            'chair-treatment',
            t('chair.treatment'),
            st.treatment
              ? codeLabel(st.catalog && st.catalog.treatments, st.treatment)
              : h('span', { class: 'muted' }, t('chair.treatment_unknown')),
          ),
          fact('chair-time', t('chair.appointment'), [
            dayLabel(s.date),
            ' ',
            timeRange(a.local_start, a.local_end),
          ]),
        ),
      ),
      h(
        'div',
        { class: 'chair-status' },
        statusBadge(a.status),
        st.procedure
          ? badge(
              t(`chair.procedure_status.${st.procedure.status}`),
              st.procedure.status === 'open'
                ? 'info'
                : st.procedure.status === 'completed'
                  ? 'success'
                  : 'danger',
            )
          : null,
      ),
    );
    banner.dataset.patientId = String(p.id);
  }

  function renderSteps() {
    const s = states();
    clear(stepper);
    STEPS.forEach((step, i) => {
      const { state, why } = s[step];
      const isCurrent = step === st.current;
      const btn = h(
        'button',
        {
          type: 'button',
          class: 'chair-step-btn',
          'aria-current': isCurrent ? 'step' : null,
          'aria-describedby': `chair-step-${step}-state`,
          onclick: () => {
            st.current = step;
            renderSteps();
            renderPanel({ focus: true });
          },
        },
        h(
          'span',
          { class: 'chair-step-mark', 'aria-hidden': 'true' },
          STATE_ICON[state] ? icon(STATE_ICON[state]) : ltr(String(i + 1)),
        ),
        h('span', { class: 'chair-step-name' }, stepName(step)),
        h(
          'span',
          { class: 'chair-step-state', id: `chair-step-${step}-state` },
          t(`chair.state.${state}`),
        ),
      );
      if (why) btn.title = t(why);
      stepper.append(
        h(
          'li',
          {
            class: `chair-step is-${state}` + (isCurrent ? ' is-current' : ''),
            'data-step': step,
            'data-state': state,
          },
          btn,
        ),
      );
    });
  }

  function renderPanel({ focus } = {}) {
    const step = st.current;
    const { state, why } = states()[step];
    clear(panel);
    panel.dataset.panel = step;
    panel.dataset.state = state;
    const titleId = 'chair-panel-title';
    panel.setAttribute('aria-labelledby', titleId);
    panel.append(
      h(
        'div',
        { class: 'chair-panel-head' },
        h('h2', { id: titleId, class: 'card-title chair-panel-title' }, stepName(step)),
        badge(
          t(`chair.state.${state}`),
          state === 'done' ? 'success' : state === 'locked' ? 'neutral' : 'info',
        ),
      ),
    );
    if (st.procedure && st.procedure.status === 'abandoned') {
      panel.append(
        h(
          'div',
          { class: 'banner banner-error', id: 'chair-abandoned', role: 'status' },
          icon('ban'),
          h(
            'div',
            { class: 'banner-body' },
            h('p', null, t('chair.abandoned')),
            st.procedure.status_reason
              ? h('p', { class: 'pre-wrap' }, st.procedure.status_reason)
              : null,
          ),
        ),
      );
    }
    if (state === 'locked' && step !== 'checkin' && !(step === 'screening' && st.procedure)) {
      panel.append(
        h(
          'div',
          { class: 'chair-locked', role: 'note' },
          icon('ban'),
          h('p', null, t(why || 'chair.lock.start')),
        ),
      );
    } else {
      const body = h('div', { class: 'chair-panel-body' });
      panel.append(body);
      panelOf(step)(body, state);
    }
    if (state === 'done') {
      const next = nextStep(step);
      if (next) {
        panel.append(
          h(
            'div',
            { class: 'chair-next' },
            button(t('chair.next', { step: stepName(next) }), {
              kind: 'primary',
              iconName: 'chevronEnd',
              id: 'chair-next',
              onclick: () => {
                st.current = next;
                renderSteps();
                renderPanel({ focus: true });
              },
            }),
          ),
        );
      }
    }
    if (focus) {
      const auto = panel.querySelector('[data-autofocus]');
      (auto || panel).focus({ preventScroll: false });
    }
  }

  function panelOf(step) {
    return {
      checkin: checkinPanel,
      screening: screeningPanelStep,
      preparation: preparationPanel,
      labels: labelsPanel,
      identity: identityPanel,
      injection: injectionPanel,
      aftercare: aftercarePanel,
      finish: finishPanel,
    }[step];
  }

  function panelError(el) {
    return h('p', { class: 'form-error chair-error', role: 'alert', 'data-error-for': el });
  }

  // ---------------------------------------------------------------- check-in

  function checkinPanel(body, state) {
    const a = st.appt;
    body.append(
      h('p', { class: 'chair-line' }, t('chair.checkin.status'), ' ', statusBadge(a.status)),
    );
    if (a.kind !== 'session') {
      body.append(h('p', { class: 'chair-locked', role: 'note' }, t('chair.lock.not_session')));
      return;
    }
    if (state === 'locked') {
      body.append(h('p', { class: 'chair-locked', role: 'note' }, t('chair.lock.ended')));
      return;
    }
    if (state === 'done') {
      body.append(h('p', { class: 'chair-ok' }, icon('check'), t('chair.checkin.done')));
      return;
    }
    body.append(h('p', null, t('chair.checkin.hint')));
    if (!can('schedule.book')) return;
    const error = panelError('checkin');
    const go = button(t('chair.checkin.action'), {
      kind: 'primary',
      iconName: 'check',
      id: 'chair-checkin',
      'data-autofocus': true,
    });
    go.addEventListener('click', async () => {
      error.textContent = '';
      setBusy(go, true);
      try {
        await request('POST', `/appointments/${enc(a.id)}/status`, {
          body: { status: 'checked_in', version: a.version },
        });
        if (!ctx.alive()) return;
        toast(t('chair.checkin.toast'));
        await refresh({ step: 'screening', focus: true });
      } catch (err) {
        if (err.status === 401) return;
        error.textContent = errorText(err);
        if (err.status === 409) refresh();
      } finally {
        setBusy(go, false);
      }
    });
    body.append(h('div', { class: 'chair-actions' }, go), error);
  }

  // ---------------------------------------------------------------- re-screening and start

  function screeningPanelStep(body) {
    const p = st.procedure;
    if (p) {
      const s = p.screening || {};
      body.append(
        h(
          'div',
          { id: 'chair-screening', class: 'chair-screening', 'data-outcome': s.outcome || '' },
          h('p', { class: 'chair-line' }, outcomeBadge(s)),
          s.computed_at
            ? h(
                'p',
                { class: 'muted small' },
                tNodes('chair.screening.computed', { at: timeEl(s.computed_at) }),
              )
            : null,
          s.signoff ? signoffLine(s.signoff) : null,
        ),
        h(
          'p',
          { class: 'chair-ok', id: 'chair-started' },
          icon('check'),
          tNodes('chair.screening.started', {
            at: localTimeEl(p.started_local),
            who: whoEl(p.started_by),
          }),
        ),
      );
      return;
    }
    const fromCourse = courseTreatment();
    if (!fromCourse) {
      const sel = h(
        'select',
        { class: 'input select input-lg', 'data-autofocus': !st.treatment || null },
        h('option', { value: '' }, t('form.choose')),
        CHAIR_TREATMENTS.map((code) =>
          h(
            'option',
            { value: code, selected: code === st.treatment },
            codeLabel(st.catalog && st.catalog.treatments, code),
          ),
        ),
      );
      sel.addEventListener('change', async () => {
        st.treatment = sel.value;
        renderBanner();
        try {
          await loadScreening();
        } catch (err) {
          if (err.status === 401) return;
          toast(errorText(err), 'error');
        }
        if (!ctx.alive()) return;
        renderPanel();
        panel.querySelector('#chair-treatment')?.focus();
      });
      body.append(
        field({
          form: 'chair',
          id: 'chair-treatment',
          name: 'treatment',
          label: t('chair.treatment'),
          control: sel,
          hint: t('chair.screening.treatment_hint'),
          required: true,
        }),
      );
    } else {
      body.append(h('p', { class: 'muted' }, t('chair.screening.from_course')));
    }
    if (!st.treatment) return;

    const error = panelError('screening');
    const r = st.screening;
    const runBtn = can('screening.run')
      ? button(r ? t('chair.screening.again') : t('chair.screening.run'), {
          kind: r ? 'secondary' : 'primary',
          iconName: 'refresh',
          id: 'chair-rescreen',
          'data-autofocus': r ? null : true,
        })
      : null;
    if (runBtn) {
      runBtn.addEventListener('click', async () => {
        error.textContent = '';
        setBusy(runBtn, true);
        try {
          st.screening = await request('POST', `/patients/${enc(st.patient.id)}/screenings`, {
            body: { treatment: st.treatment, session_at: new Date().toISOString() },
          });
          if (!ctx.alive()) return;
          renderPanel();
          (panel.querySelector('#chair-start:not([disabled])') || panel).focus();
        } catch (err) {
          if (err.status === 401) return;
          error.textContent = errorText(err);
        } finally {
          if (runBtn.isConnected) setBusy(runBtn, false);
        }
      });
    }
    if (!r) {
      body.append(
        h('p', null, t('chair.screening.hint')),
        h('div', { class: 'chair-actions' }, runBtn),
        error,
      );
      return;
    }
    const signed = r.signoff;
    const cleared = CLEARED.has(r.outcome) || (signed && signed.decision === 'proceed');
    const o = r.outcome;
    body.append(
      h(
        'article',
        {
          id: 'chair-screening',
          class: `chair-screening card-outcome-${o}`,
          'data-outcome': o,
          'data-screening-id': String(r.id),
          'data-cleared': cleared ? 'true' : 'false',
        },
        h(
          'header',
          { class: 'screening-card-head' },
          h(
            'h3',
            { class: 'screening-card-title' },
            codeLabel(st.catalog && st.catalog.treatments, r.treatment),
          ),
          outcomeBadge(r),
        ),
        h(
          'p',
          { class: 'muted small' },
          tNodes('chair.screening.computed', { at: timeEl(r.computed_at) }),
        ),
        h('p', { class: 'screening-explain' }, t(`screening.explain.${o}`)),
        resultDetails(r),
        signed ? signoffLine(signed) : null,
      ),
    );
    const startBtn = canRecord
      ? button(t('chair.screening.start'), {
          kind: 'primary',
          iconName: 'chevronEnd',
          id: 'chair-start',
          disabled: !cleared,
          'data-autofocus': cleared || null,
        })
      : null;
    if (!cleared) {
      const declined = signed && signed.decision !== 'proceed';
      body.append(
        h(
          'div',
          {
            id: 'chair-signoff-needed',
            class: 'banner banner-warning',
            role: 'status',
          },
          icon('alert'),
          h(
            'div',
            { class: 'banner-body' },
            h(
              'p',
              null,
              declined ? t('chair.screening.declined') : t('chair.screening.needs_doctor'),
            ),
            declined ? null : h('p', { class: 'small' }, t('chair.screening.needs_doctor_how')),
          ),
          !declined && can('screening.sign')
            ? button(t('signoff.open'), {
                kind: 'primary',
                iconName: 'edit',
                'data-action': 'signoff',
                onclick: () =>
                  openSignoffDialog(r, {
                    catalog: st.catalog,
                    onSigned: async () => {
                      await loadScreening();
                      if (ctx.alive()) renderPanel({ focus: true });
                    },
                  }),
              })
            : null,
        ),
      );
    }
    if (startBtn) {
      startBtn.addEventListener('click', async () => {
        error.textContent = '';
        setBusy(startBtn, true);
        try {
          const reqBody = { screening_id: r.id };
          if (!courseTreatment()) reqBody.treatment = st.treatment;
          const proc = await request('POST', `/appointments/${enc(st.appt.id)}/procedure`, {
            body: reqBody,
          });
          if (!ctx.alive()) return;
          toast(t('chair.screening.started_toast'));
          await procedureChanged(proc, { step: 'preparation', focus: true });
        } catch (err) {
          if (err.status === 401) return;
          error.textContent = errorText(err);
          if (err.code === 'procedure_exists' || err.code === 'invalid_transition') refresh();
        } finally {
          if (startBtn.isConnected) setBusy(startBtn, false);
        }
      });
    }
    body.append(h('div', { class: 'chair-actions' }, startBtn, runBtn), error);
  }

  function signoffLine(s) {
    const proceed = s.decision === 'proceed';
    return h(
      'p',
      {
        class: 'chair-signoff',
        'data-decision': s.decision,
      },
      badge(
        proceed ? t('signoff.decision.proceed') : t('signoff.decision.do_not_proceed'),
        proceed ? 'success' : 'neutral',
      ),
      s.override ? [' ', badge(t('signoff.override'), 'warning')] : null,
      ' ',
      tNodes('signoff.signed_by', { who: whoEl(s.signed_by), at: timeEl(s.signed_at) }),
      s.reason ? [' · ', h('span', { class: 'pre-wrap' }, s.reason)] : null,
    );
  }

  // ---------------------------------------------------------------- preparation and specimens

  async function centrifuges() {
    if (!st.centrifuges) {
      const body = await request('GET', '/centrifuges');
      st.centrifuges = (body && body.centrifuges) || [];
    }
    return st.centrifuges;
  }

  function preparationPanel(body) {
    const p = st.procedure;
    const prp = isPrp(p.treatment);
    const formSlot = h('div', {
      id: prp ? 'chair-prep-form' : 'chair-fat-form',
      class: 'chair-form-slot',
    });
    formSlot.append(spinner());
    const specimens = h('section', {
      id: 'chair-specimens',
      class: 'chair-specimens',
      'aria-labelledby': 'chair-specimens-title',
    });
    body.append(formSlot, specimens);
    renderSpecimens(specimens);
    loadForm(formSlot, prp ? './prep-form.js' : './fat-form.js', (mod, opts) =>
      prp ? mod.renderPrepForm(formSlot, opts) : mod.renderFatForm(formSlot, opts),
    );
  }

  // Loads a step form's module when the step is opened and hands it the procedure.
  async function loadForm(slot, path, draw) {
    let mod;
    let devices = [];
    try {
      [mod, devices] = await Promise.all([import(path), centrifuges().catch(() => [])]);
    } catch (err) {
      if (!slot.isConnected) return;
      replace(slot, errorBanner(err && err.status !== undefined ? err : { code: 'network' }));
      return;
    }
    if (!slot.isConnected || !ctx.alive()) return;
    clear(slot);
    draw(mod, {
      procedure: st.procedure,
      catalog: st.catalog,
      centrifuges: devices,
      onSaved: (procedure) => {
        if (!ctx.alive()) return;
        const before = states();
        procedureChanged(procedure).then(() => {
          if (!ctx.alive()) return;
          const now = states();
          if (st.current === 'injection' && now.injection.state === 'done') {
            toast(t('chair.injection.saved'));
            st.current = nextStep('injection') || 'aftercare';
            renderSteps();
            renderPanel({ focus: true });
          } else if (before.preparation.state !== now.preparation.state) {
            renderPanel();
          } else {
            const spec = panel.querySelector('#chair-specimens');
            if (spec) renderSpecimens(spec);
          }
        });
      },
    });
  }

  function spinsRecorded() {
    const p = st.procedure;
    const spins = p.preparation && p.preparation.doc && p.preparation.doc.spins;
    return (
      (Array.isArray(spins) && spins.length > 0) ||
      st.specimens.some((s) => (s.events || []).some((e) => e.event === 'spun'))
    );
  }

  function specimenKindLabel(kind) {
    return t(`chair.kind.${kind}`);
  }

  function expiryEl(s) {
    return h(
      'span',
      { class: 'specimen-expiry' + (s.expired ? ' is-expired' : '') },
      tNodes('chair.specimen.use_before', { at: localClockEl(s.expires_local) }),
      s.expired ? [' ', badge(t('chair.specimen.expired'), 'danger')] : null,
    );
  }

  function specimenRow(s, { actions = true } = {}) {
    const open = st.procedure.status === 'open' && canRecord && actions;
    const spun = (s.events || []).some((e) => e.event === 'spun');
    const drawn = s.kind === 'blood_tube' || s.kind === 'fat_aspirate';
    return h(
      'li',
      {
        class: `specimen status-${s.status}`,
        'data-specimen-id': s.id,
        'data-kind': s.kind,
        'data-status': s.status,
      },
      h(
        'div',
        { class: 'specimen-head' },
        ltr(s.id, 'mono strong specimen-id'),
        h('span', { class: 'specimen-label' }, s.label),
        h('span', { class: 'muted' }, specimenKindLabel(s.kind)),
        s.volume_ml ? mlText(s.volume_ml) : null,
        badge(t(`chair.specimen_status.${s.status}`), SPECIMEN_KIND[s.status] || 'neutral'),
        s.parent_id
          ? h(
              'span',
              { class: 'muted small' },
              tNodes('chair.specimen.from', { id: ltr(s.parent_id, 'mono') }),
            )
          : null,
      ),
      h(
        'p',
        { class: 'specimen-times small' },
        tNodes('chair.specimen.collected', { at: localClockEl(s.collected_local) }),
        ' · ',
        s.status === 'active' ? expiryEl(s) : null,
      ),
      open && s.status === 'active'
        ? h(
            'div',
            { class: 'specimen-actions' },
            drawn && !spun
              ? button(t('chair.specimen.spun'), {
                  kind: 'secondary',
                  'data-action': 'spun',
                  onclick: (e) => specimenEvent(s, 'spun', null, e.currentTarget),
                })
              : null,
            button(t('chair.specimen.discard'), {
              kind: 'danger-outline',
              'data-action': 'discard',
              onclick: () => openDiscard(s),
            }),
          )
        : null,
    );
  }

  function renderSpecimens(section) {
    const p = st.procedure;
    const prp = isPrp(p.treatment);
    const open = p.status === 'open' && canRecord;
    const error = panelError('specimens');
    clear(section);
    section.append(
      h('h3', { id: 'chair-specimens-title', class: 'chair-subtitle' }, t('chair.specimens.title')),
      st.specimens.length
        ? h(
            'ul',
            { id: 'specimen-list', class: 'specimen-list' },
            st.specimens.map((s) => specimenRow(s)),
          )
        : h('p', { class: 'muted', id: 'specimen-list-empty' }, t('chair.specimens.none')),
    );
    if (!open) return;
    const drawnKind = prp ? 'blood_tube' : 'fat_aspirate';
    const addDrawn = button(t(prp ? 'chair.specimens.add_tube' : 'chair.specimens.add_aspirate'), {
      kind: 'secondary',
      iconName: 'plus',
      id: prp ? 'add-blood-tube' : 'add-fat-aspirate',
    });
    addDrawn.addEventListener('click', () => addSpecimen({ kind: drawnKind }, addDrawn, error));
    const parents = st.specimens.filter((s) => s.kind === drawnKind && s.status === 'active');
    const derived = h('div', { class: 'chair-derived' });
    if (parents.length) {
      const parentSel = h(
        'select',
        { class: 'input select' },
        parents.map((s) => h('option', { value: s.id }, `${s.id} · ${s.label}`)),
      );
      const volume = h('input', {
        type: 'number',
        class: 'input input-num',
        min: '0',
        step: '0.1',
        inputmode: 'decimal',
      });
      const ready = prp ? spinsRecorded() : true;
      const kinds = prp ? ['prp'] : ['fat_graft', 'cell_suspension'];
      derived.append(
        h(
          'div',
          { class: 'form-grid chair-derived-grid' },
          field({
            form: 'chair',
            id: 'specimen-parent',
            name: 'parent_id',
            label: t('chair.specimens.parent'),
            control: parentSel,
          }),
          field({
            form: 'chair',
            id: 'specimen-volume',
            name: 'volume_ml',
            label: t('chair.specimens.volume'),
            control: volume,
            optional: true,
          }),
        ),
        h(
          'div',
          { class: 'chair-actions' },
          kinds.map((kind) => {
            const b = button(t(`chair.specimens.add.${kind}`), {
              kind: 'primary',
              iconName: 'plus',
              id: `add-${kind.replace('_', '-')}${kind === 'prp' ? '-syringe' : ''}`,
              disabled: !ready,
            });
            b.addEventListener('click', () => {
              const body = { kind, parent_id: parentSel.value };
              const v = parseFloat(volume.value);
              if (volume.value.trim() && Number.isFinite(v)) body.volume_ml = v;
              addSpecimen(body, b, error);
            });
            return b;
          }),
        ),
        ready
          ? null
          : h(
              'p',
              { class: 'field-hint', id: 'prp-needs-spins' },
              t('chair.specimens.after_spins'),
            ),
      );
    }
    section.append(h('div', { class: 'chair-actions' }, addDrawn), derived, error);
  }

  async function addSpecimen(body, btn, error) {
    error.textContent = '';
    setBusy(btn, true);
    try {
      const s = await request('POST', `/procedures/${enc(st.procedure.id)}/specimens`, { body });
      if (!ctx.alive()) return;
      toast(t('chair.specimens.added', { id: s.id, label: s.label }));
      await afterSpecimenChange();
      panel
        .querySelector(`[data-specimen-id="${CSS.escape(s.id)}"]`)
        ?.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      if (err.status === 401) return;
      error.textContent = errorText(err);
    } finally {
      if (btn.isConnected) setBusy(btn, false);
    }
  }

  async function afterSpecimenChange() {
    try {
      st.procedure = await request('GET', `/procedures/${enc(st.procedure.id)}`);
      await loadChain();
    } catch (err) {
      if (err.status === 401) return;
      toast(errorText(err), 'error');
    }
    if (!ctx.alive()) return;
    renderSteps();
    const spec = panel.querySelector('#chair-specimens');
    if (spec) renderSpecimens(spec);
    const labels = panel.querySelector('#chair-labels');
    if (labels) renderLabels(labels);
  }

  async function specimenEvent(s, event, note, btn) {
    if (btn) setBusy(btn, true);
    try {
      const body = { event };
      if (note) body.note = note;
      await request('POST', `/specimens/${enc(s.id)}/events`, { body });
      if (!ctx.alive()) return false;
      await afterSpecimenChange();
      return true;
    } catch (err) {
      if (err.status === 401) return false;
      toast(errorText(err), 'error');
      return false;
    } finally {
      if (btn && btn.isConnected) setBusy(btn, false);
    }
  }

  function openDiscard(s) {
    const note = h('textarea', { class: 'input textarea', rows: '2', maxlength: '500' });
    const error = h('p', { class: 'form-error', role: 'alert', id: 'discard-error' });
    const ok = button(t('chair.specimen.discard'), {
      kind: 'danger',
      type: 'submit',
      id: 'discard-confirm',
    });
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true, id: 'discard-form' },
      h('p', null, ltr(s.id, 'mono strong'), ' · ', s.label),
      field({
        form: 'discard',
        id: 'discard-note',
        name: 'note',
        label: t('chair.specimen.discard_note'),
        control: note,
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, ok),
    );
    const { close } = openDialog({ title: t('chair.specimen.discard_title'), body: form });
    ctx.onCleanup(close);
    cancel.addEventListener('click', close);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const text = note.value.trim();
      if (text.length < 3) {
        setFieldError(form, 'note', t('chair.specimen.discard_note_short'));
        note.focus();
        return;
      }
      if (await specimenEvent(s, 'discarded', text, ok)) close();
    });
  }

  // ---------------------------------------------------------------- labels

  function labelsPanel(body) {
    const section = h('div', { id: 'chair-labels' });
    body.append(section);
    renderLabels(section);
  }

  function renderLabels(section) {
    const p = st.procedure;
    const pid = enc(p.id);
    // Printing adds a label_printed event to each specimen: read them again when the nurse
    // comes back from the PDF.
    const reread = () => {
      setTimeout(() => {
        if (ctx.alive()) afterSpecimenChange();
      }, 1200);
    };
    const pdfLink = (attrs, label, iconName) =>
      h(
        'a',
        {
          class: 'btn btn-secondary btn-lg',
          target: '_blank',
          rel: 'noopener',
          onclick: reread,
          ...attrs,
        },
        iconName ? icon(iconName) : null,
        h('span', { class: 'btn-label' }, label),
      );
    const active = st.specimens.filter((s) => s.status === 'active');
    replace(
      section,
      h('p', null, t('chair.labels.hint')),
      h(
        'div',
        { class: 'chair-actions' },
        active.length
          ? pdfLink(
              {
                id: 'print-labels',
                href: `/api/v1/procedures/${pid}/labels.pdf`,
                class: 'btn btn-primary btn-lg',
              },
              t('chair.labels.print_all'),
              'check',
            )
          : null,
        pdfLink(
          { id: 'print-wristband', href: `/api/v1/patients/${enc(st.patient.id)}/wristband.pdf` },
          t('chair.labels.wristband'),
        ),
      ),
      h(
        'ul',
        { id: 'label-list', class: 'specimen-list' },
        st.specimens.map((s) =>
          h(
            'li',
            {
              class: `specimen status-${s.status}`,
              'data-specimen-id': s.id,
              'data-labelled': hasLabel(s) ? 'true' : 'false',
            },
            h(
              'div',
              { class: 'specimen-head' },
              ltr(s.id, 'mono strong specimen-id'),
              h('span', { class: 'specimen-label' }, s.label),
              badge(t(`chair.specimen_status.${s.status}`), SPECIMEN_KIND[s.status] || 'neutral'),
              hasLabel(s)
                ? badge(t('chair.labels.printed'), 'success')
                : badge(t('chair.labels.not_printed'), 'warning'),
              s.status === 'active'
                ? h(
                    'a',
                    {
                      class: 'btn btn-ghost',
                      'data-action': 'label',
                      href: `/api/v1/specimens/${enc(s.id)}/label.pdf`,
                      target: '_blank',
                      rel: 'noopener',
                      onclick: reread,
                    },
                    h('span', { class: 'btn-label' }, t('chair.labels.print_one')),
                  )
                : null,
            ),
            h(
              'details',
              { class: 'specimen-events-details' },
              h('summary', null, t('chair.labels.events')),
              h(
                'ol',
                { class: 'specimen-events' },
                (s.events || []).map((e) =>
                  h(
                    'li',
                    { 'data-event': e.event },
                    h('strong', null, t(`chair.event.${e.event}`)),
                    ' · ',
                    localTimeEl(e.local),
                    ' · ',
                    whoEl(e.by),
                    e.note ? [' · ', h('span', { class: 'pre-wrap' }, e.note)] : null,
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- identity check

  function identityPanel(body) {
    const p = st.procedure;
    const result = h('div', { id: 'identity-result-slot' });
    const list = h('ol', { id: 'identity-checks', class: 'identity-checks' });
    const open = p.status === 'open' && canRecord;
    let form = null;
    if (open) {
      const scanPatient = h('input', {
        type: 'text',
        class: 'input input-scan',
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        dir: 'ltr',
        'data-autofocus': true,
      });
      const scanSpecimen = h('input', {
        type: 'text',
        class: 'input input-scan',
        autocomplete: 'off',
        autocapitalize: 'characters',
        spellcheck: 'false',
        dir: 'ltr',
      });
      const submit = button(t('chair.identity.check'), {
        kind: 'primary',
        type: 'submit',
        iconName: 'shield',
        id: 'identity-submit',
      });
      form = h(
        'form',
        { id: 'identity-form', class: 'form chair-identity-form', novalidate: true },
        h('p', null, t('chair.identity.hint')),
        h(
          'div',
          { class: 'form-grid' },
          field({
            form: 'identity',
            id: 'scan-patient',
            name: 'patient_scan',
            label: t('chair.identity.patient'),
            control: scanPatient,
            hint: t('chair.identity.patient_hint'),
            required: true,
          }),
          field({
            form: 'identity',
            id: 'scan-specimen',
            name: 'specimen_scan',
            label: t('chair.identity.specimen'),
            control: scanSpecimen,
            hint: t('chair.identity.specimen_hint'),
            required: true,
          }),
        ),
        h('div', { class: 'chair-actions' }, submit),
      );
      // A keyboard-wedge scanner types the code and presses Enter: the first scan moves on to
      // the second field, the second sends the check.
      scanPatient.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter') return;
        e.preventDefault();
        if (scanPatient.value.trim()) scanSpecimen.focus();
      });
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        const patientScan = scanPatient.value.trim();
        const specimenScan = scanSpecimen.value.trim();
        if (!patientScan) {
          setFieldError(form, 'patient_scan', t('error.required'));
          scanPatient.focus();
          return;
        }
        if (!specimenScan) {
          setFieldError(form, 'specimen_scan', t('error.required'));
          scanSpecimen.focus();
          return;
        }
        setBusy(submit, true);
        let answer = null;
        try {
          answer = await request('POST', `/procedures/${enc(p.id)}/identity-checks`, {
            body: { patient_scan: patientScan, specimen_scan: specimenScan },
          });
          st.lastResult = { passed: true, check: answer.check, specimen: answer.specimen };
        } catch (err) {
          if (err.status === 401) return;
          const check = err.body && err.body.check;
          st.lastResult = { passed: false, check: check || null, err };
        } finally {
          if (submit.isConnected) setBusy(submit, false);
        }
        if (!ctx.alive()) return;
        try {
          await loadChain();
          st.procedure = await request('GET', `/procedures/${enc(p.id)}`);
        } catch (err) {
          if (err.status === 401) return;
        }
        if (!ctx.alive()) return;
        renderSteps();
        renderPanel();
        if (st.lastResult.passed) {
          panel.querySelector('#identity-continue')?.focus();
        } else {
          // The scans are cleared so the next attempt starts from the wristband again.
          panel.querySelector('#scan-patient')?.focus();
        }
      });
    }
    body.append(result);
    if (form) body.append(form);
    body.append(h('h3', { class: 'chair-subtitle' }, t('chair.identity.checks')), list);
    renderResult(result);
    if (!st.checks.length) {
      list.append(h('li', { class: 'muted' }, t('chair.identity.none')));
    }
    for (const c of st.checks) {
      list.append(
        h(
          'li',
          {
            class: `identity-check ${c.passed ? 'is-pass' : 'is-fail'}`,
            'data-check-id': String(c.id),
            'data-passed': c.passed ? 'true' : 'false',
          },
          badge(
            c.passed ? t('chair.identity.passed') : t('chair.identity.failed'),
            c.passed ? 'success' : 'danger',
          ),
          ' ',
          localTimeEl(c.local),
          ' · ',
          whoEl(c.by),
          ' · ',
          ltr(`${c.patient_scan} / ${c.specimen_scan}`, 'mono small'),
          c.passed
            ? null
            : [' · ', h('span', { class: 'identity-failure' }, failureText(c.failure))],
        ),
      );
    }
  }

  function failureText(code) {
    return code ? t(`chair.identity_fail.${code}`) : t('chair.identity.failed');
  }

  // The answer of the last check: the one just made here, else the newest stored one.
  function renderResult(slot) {
    let r = st.lastResult;
    if (!r && st.checks[0]) r = { passed: st.checks[0].passed, check: st.checks[0] };
    if (!r) return;
    if (r.passed) {
      const sid = (r.check && r.check.specimen_id) || (r.specimen && r.specimen.id);
      const spec = r.specimen || st.specimens.find((s) => s.id === sid);
      slot.append(
        h(
          'div',
          { id: 'identity-result', class: 'identity-result pass', role: 'status' },
          icon('check'),
          h(
            'div',
            { class: 'identity-result-body' },
            h('p', { class: 'identity-result-title' }, t('chair.identity.pass_title')),
            h(
              'p',
              null,
              tNodes('chair.identity.pass_text', {
                id: ltr(sid || '', 'mono strong'),
                label: h('bdi', null, spec ? spec.label : ''),
                name: h('bdi', null, displayName(st.patient)),
              }),
            ),
          ),
          st.procedure.injection
            ? null
            : button(t('chair.next', { step: stepName('injection') }), {
                kind: 'primary',
                iconName: 'chevronEnd',
                id: 'identity-continue',
                onclick: () => {
                  st.current = 'injection';
                  renderSteps();
                  renderPanel({ focus: true });
                },
              }),
        ),
      );
      return;
    }
    const code = (r.check && r.check.failure) || (r.err && r.err.code);
    const server = r.err ? r.err.message : null;
    const own = code && t(`chair.identity_fail.${code}`) !== `chair.identity_fail.${code}`;
    slot.append(
      h(
        'div',
        {
          id: 'identity-result',
          class: 'identity-result fail',
          role: 'alert',
          'data-failure': code || '',
        },
        icon('ban'),
        h(
          'div',
          { class: 'identity-result-body' },
          h('p', { class: 'identity-result-title' }, t('chair.identity.stop')),
          // The server's words are the check's own message; the interface's words follow the
          // interface language, so an Arabic screen shows both.
          server && lang() === 'en'
            ? h('p', { class: 'identity-result-text' }, server)
            : h(
                'p',
                { class: 'identity-result-text' },
                own
                  ? t(`chair.identity_fail.${code}`)
                  : r.err
                    ? errorText(r.err)
                    : failureText(code),
              ),
          server && lang() !== 'en'
            ? h('p', { class: 'identity-result-server small', lang: 'en', dir: 'ltr' }, server)
            : null,
          h('p', { class: 'identity-result-hint' }, t('chair.identity.stop_hint')),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- injection

  function injectionPanel(body) {
    const slot = h('div', { id: 'chair-injection-form', class: 'chair-form-slot' });
    slot.append(spinner());
    const passed = st.checks.find((c) => c.passed);
    if (passed && !st.procedure.injection) {
      body.append(
        h(
          'p',
          { class: 'chair-ok' },
          icon('shield'),
          tNodes('chair.injection.checked', { id: ltr(passed.specimen_id, 'mono strong') }),
        ),
      );
    }
    body.append(slot);
    loadForm(slot, './injection-form.js', (mod, opts) => mod.renderInjectionForm(slot, opts));
  }

  // ---------------------------------------------------------------- aftercare

  function patientLang() {
    const pl =
      st.patient.preferred_language || (st.appt.patient && st.appt.patient.preferred_language);
    return pl === 'ar' || pl === 'en' ? pl : lang();
  }

  function aftercarePanel(body) {
    const p = st.procedure;
    const first = patientLang();
    const langs = [first, first === 'ar' ? 'en' : 'ar'];
    const pdf = (l) =>
      h(
        'a',
        {
          id: `aftercare-pdf-${l}`,
          class: 'btn btn-lg ' + (l === first ? 'btn-primary' : 'btn-secondary'),
          href: `/api/v1/procedures/${enc(p.id)}/aftercare.pdf?lang=${l}`,
          target: '_blank',
          rel: 'noopener',
          lang: l,
        },
        h(
          'span',
          { class: 'btn-label' },
          t('chair.aftercare.pdf', { lang: t(`language.${l}.name`) }),
        ),
      );
    body.append(
      h('p', null, t('chair.aftercare.hint')),
      h('div', { class: 'chair-actions' }, langs.map(pdf)),
    );
    const status = h('div', { id: 'aftercare-status' });
    if (p.aftercare) {
      status.append(
        h(
          'p',
          { class: 'chair-ok', 'data-lang': p.aftercare.lang },
          icon('check'),
          tNodes('chair.aftercare.given', {
            lang: t(`language.${p.aftercare.lang}.name`),
            at: localTimeEl(p.aftercare.given_local),
            who: whoEl(p.aftercare.given_by),
          }),
        ),
      );
    }
    body.append(status);
    if (p.status !== 'abandoned' && canRecord) {
      const error = panelError('aftercare');
      const radios = langs.map((l) =>
        h(
          'label',
          { class: 'choice', for: `aftercare-lang-${l}` },
          h('input', {
            type: 'radio',
            id: `aftercare-lang-${l}`,
            name: 'aftercare-lang',
            value: l,
            checked: l === ((p.aftercare && p.aftercare.lang) || first),
          }),
          h('span', null, t(`language.${l}.name`)),
        ),
      );
      const given = button(t('chair.aftercare.give'), {
        kind: p.aftercare ? 'secondary' : 'primary',
        iconName: 'check',
        id: 'aftercare-given',
        'data-autofocus': p.aftercare ? null : true,
      });
      given.addEventListener('click', async () => {
        const chosen = body.querySelector('input[name="aftercare-lang"]:checked');
        error.textContent = '';
        setBusy(given, true);
        try {
          const proc = await request('POST', `/procedures/${enc(p.id)}/aftercare`, {
            body: { lang: chosen ? chosen.value : first },
          });
          if (!ctx.alive()) return;
          toast(t('chair.aftercare.toast'));
          await procedureChanged(proc, { step: 'finish', focus: true });
        } catch (err) {
          if (err.status === 401) return;
          error.textContent = errorText(err);
        } finally {
          if (given.isConnected) setBusy(given, false);
        }
      });
      body.append(
        h(
          'fieldset',
          { class: 'field' },
          h('legend', { class: 'field-label' }, t('chair.aftercare.lang')),
          h('div', { class: 'choice-list' }, radios),
        ),
        h('div', { class: 'chair-actions' }, given),
        error,
      );
    }
    body.append(checkinsNote());
  }

  // The day-1 and day-7 check-ins: queued when the session is done; listed from the outbox for
  // those who may read it.
  function checkinsNote() {
    const done = st.appt.status === 'done';
    const box = h(
      'div',
      { id: 'aftercare-checkins', class: 'chair-checkins', 'data-queued': done ? 'true' : 'false' },
      h(
        'p',
        { class: 'muted' },
        icon('history'),
        done ? t('chair.aftercare.checkins_queued') : t('chair.aftercare.checkins_later'),
      ),
    );
    if (done && can('outbox.read')) {
      const list = h('ul', { class: 'chair-checkin-list', 'aria-busy': 'true' });
      box.append(list);
      request('GET', '/outbox', { query: { limit: 500, order: 'desc' } }).then(
        (body) => {
          list.removeAttribute('aria-busy');
          const mine = ((body && body.messages) || []).filter(
            (m) => m.appointment_id === st.appt.id && /^aftercare_day/.test(m.kind),
          );
          replace(
            list,
            mine.map((m) =>
              h(
                'li',
                { 'data-message-id': String(m.id), 'data-kind': m.kind },
                h('strong', null, t(`chair.aftercare.kind.${m.kind}`)),
                ' · ',
                localTimeEl(m.due_local),
                ' · ',
                t(`outbox.status.${m.status}`),
              ),
            ),
          );
        },
        () => list.removeAttribute('aria-busy'),
      );
    }
    return box;
  }

  // ---------------------------------------------------------------- finish

  function finishPanel(body) {
    const p = st.procedure;
    const prp = isPrp(p.treatment);
    const items = [
      [prp ? 'preparation' : 'fat', prepRecorded(p)],
      ['identity', !!p.identity_check || st.checks.some((c) => c.passed)],
      ['injection', !!p.injection],
      ['aftercare', !!p.aftercare],
    ];
    body.append(
      h(
        'ul',
        { id: 'finish-checklist', class: 'finish-checklist' },
        items.map(([key, ok]) =>
          h(
            'li',
            {
              'data-item': key,
              'data-ok': ok ? 'true' : 'false',
              class: ok ? 'is-ok' : 'is-missing',
            },
            icon(ok ? 'check' : 'alert'),
            h('span', null, t(`chair.finish.item.${key}`)),
            ok ? null : h('span', { class: 'muted small' }, ` — ${t('chair.finish.missing')}`),
          ),
        ),
      ),
    );
    if (p.status === 'completed') {
      body.append(
        h(
          'div',
          { id: 'chair-done', class: 'banner banner-success', role: 'status' },
          icon('check'),
          h(
            'div',
            { class: 'banner-body' },
            h('p', null, t('chair.finish.completed')),
            h(
              'p',
              { class: 'small' },
              tNodes('chair.finish.completed_by', {
                at: timeEl(p.completed_at),
                who: whoEl(p.completed_by),
              }),
            ),
          ),
        ),
        checkinsNote(),
      );
    }
    if (can('adverse.record') || can('adverse.read')) {
      body.append(
        h(
          'p',
          { class: 'chair-adverse' },
          h(
            'a',
            {
              id: 'chair-adverse-link',
              class: 'btn btn-ghost',
              href: `#/patients/${enc(st.patient.id)}/adverse-events`,
            },
            icon('alert'),
            h('span', { class: 'btn-label' }, t('chair.finish.adverse')),
          ),
        ),
      );
    }
    if (p.status !== 'open' || !canRecord) return;
    const ready = items.slice(0, 3).every(([, ok]) => ok);
    const error = panelError('finish');
    const complete = button(t('chair.finish.complete'), {
      kind: 'primary',
      iconName: 'check',
      id: 'chair-complete',
      disabled: !ready,
      'data-autofocus': ready || null,
    });
    complete.addEventListener('click', async () => {
      error.textContent = '';
      setBusy(complete, true);
      try {
        const proc = await request('POST', `/procedures/${enc(p.id)}/complete`, {
          body: { version: p.version },
        });
        if (!ctx.alive()) return;
        toast(t('chair.finish.toast'));
        await procedureChanged(proc, { step: 'finish', focus: true });
      } catch (err) {
        if (err.status === 401) return;
        error.textContent = errorText(err);
        if (err.code === 'stale_version') refresh({ step: 'finish' });
      } finally {
        if (complete.isConnected) setBusy(complete, false);
      }
    });
    const abandon = button(t('chair.finish.abandon'), {
      kind: 'danger-outline',
      iconName: 'close',
      id: 'chair-abandon',
      onclick: openAbandon,
    });
    body.append(
      ready ? null : h('p', { class: 'field-hint' }, t('chair.finish.not_ready')),
      h('div', { class: 'chair-actions' }, complete, abandon),
      error,
    );
  }

  function openAbandon() {
    const p = st.procedure;
    const reason = h('textarea', { class: 'input textarea', rows: '3', maxlength: '1000' });
    const error = h('p', { class: 'form-error', role: 'alert', id: 'abandon-error' });
    const ok = button(t('chair.finish.abandon_confirm'), {
      kind: 'danger',
      type: 'submit',
      id: 'abandon-confirm',
    });
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true, id: 'abandon-form' },
      h('p', null, t('chair.finish.abandon_explain')),
      field({
        form: 'abandon',
        id: 'abandon-reason',
        name: 'reason',
        label: t('chair.finish.abandon_reason'),
        control: reason,
        hint: t('chair.finish.abandon_hint'),
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, ok),
    );
    const { close } = openDialog({
      title: t('chair.finish.abandon_title'),
      body: form,
      id: 'abandon-dialog',
    });
    ctx.onCleanup(close);
    cancel.addEventListener('click', close);
    reason.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      error.textContent = '';
      const text = reason.value.trim();
      if (text.length < MIN_REASON) {
        setFieldError(form, 'reason', t('chair.finish.abandon_short'));
        reason.focus();
        return;
      }
      setBusy(ok, true);
      try {
        const proc = await request('POST', `/procedures/${enc(p.id)}/abandon`, {
          body: { reason: text, version: p.version },
        });
        if (!ctx.alive()) return;
        close();
        toast(t('chair.finish.abandoned_toast'));
        await procedureChanged(proc, { step: 'finish', focus: true });
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        if (!(err.field === 'reason' && setFieldError(form, 'reason', errorText(err))))
          error.textContent = errorText(err);
      } finally {
        if (ok.isConnected) setBusy(ok, false);
      }
    });
  }
}
