// The screening panel of the patient page: for a planned session time, every treatment's outcome
// computed live from the current records, with each reason's rule, evidence and source and what
// is missing; results recorded for sign-off, and the doctor's sign-off with its override reason.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request } from '../api.js';
import { t, tNodes, fmtDate, fmtDateTime, fmtNumber, errorText } from '../i18n.js';
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
import { loadCatalog, localText, codeLabel } from '../catalog.js';

const OUTCOMES = ['eligible', 'caution', 'defer', 'incomplete', 'contraindicated'];
const OUTCOME_ICON = {
  eligible: 'check',
  caution: 'alert',
  defer: 'history',
  incomplete: 'alert',
  contraindicated: 'ban',
};
const EFFECT_KIND = {
  contraindicated: 'danger',
  defer: 'warning',
  caution: 'caution',
  note: 'info',
};
const DEBOUNCE_MS = 300;
const RECORDS_LIMIT = 20;

const pid = (p) => encodeURIComponent(String(p.id));

// The default planned session: tomorrow at 09:00 local time, as a datetime-local value.
export function defaultSessionValue(now = new Date()) {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0);
  return localInputValue(d);
}

function localInputValue(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}`
  );
}

// A datetime-local value is local time; the API speaks UTC. null when it is not a time.
function inputToIso(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value || '')) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function timeEl(iso) {
  return h('time', { datetime: iso }, fmtDateTime(iso));
}

// A lab result entered with a date only is stored at 00:00 UTC of that day: show the day, not
// a midnight shifted into local time.
function sampleTimeEl(iso) {
  if (/T00:00:00(\.000)?Z$/.test(iso || '')) {
    return h('time', { datetime: iso.slice(0, 10) }, fmtDate(iso.slice(0, 10)));
  }
  return timeEl(iso);
}

function sameInstant(a, b) {
  return !!a && !!b && new Date(a).getTime() === new Date(b).getTime();
}

// What a result says, reduced to what the clinician acts on: when two results of the same
// treatment and session differ here, the data they were computed from differ.
function signature(r) {
  return JSON.stringify([
    r.outcome,
    r.until ? new Date(r.until).getTime() : null,
    (r.reasons || []).map((x) => x.rule).sort(),
    (r.missing || []).map((m) => `${m.kind}:${m.code}:${m.required ? 1 : 0}`).sort(),
  ]);
}

export function outcomeBadge(result) {
  const o = OUTCOMES.includes(result.outcome) ? result.outcome : 'incomplete';
  let words;
  if (o === 'defer') {
    words = result.until
      ? tNodes('screening.outcome.defer_until', { until: timeEl(result.until) })
      : [t('screening.outcome.defer_open')];
  } else {
    words = [t(`screening.outcome.${o}`)];
  }
  return h(
    'span',
    { class: `outcome outcome-${o}`, 'data-outcome': o },
    icon(OUTCOME_ICON[o]),
    h('span', { class: 'outcome-words' }, words),
  );
}

function matchedText(m) {
  if (!m) return null;
  const parts = [h('span', { class: 'matched-label' }, localText(m.label) || m.code)];
  if (m.value !== undefined && m.value !== null) {
    parts.push(' ', ltr(`${fmtNumber(m.value)} ${m.unit || ''}`.trim(), 'matched-value'));
  }
  if (m.kind === 'medication') {
    if (m.ongoing) parts.push(' · ', t('screening.matched.ongoing'));
    else if (m.at) parts.push(' · ', tNodes('screening.matched.last_dose', { at: timeEl(m.at) }));
  } else if (m.kind === 'lab' && m.at) {
    parts.push(' · ', tNodes('screening.matched.measured', { at: sampleTimeEl(m.at) }));
  } else if (m.at) {
    parts.push(' · ', tNodes('screening.matched.on', { at: timeEl(m.at) }));
  }
  return h('p', { class: 'reason-matched' }, parts);
}

function reasonItem(r) {
  const effect = EFFECT_KIND[r.effect] ? r.effect : 'note';
  const clinician = r.text && r.text.clinician ? localText(r.text.clinician) : '';
  return h(
    'li',
    { class: `screening-reason effect-${effect}`, 'data-rule': r.rule, 'data-effect': effect },
    h(
      'div',
      { class: 'reason-head' },
      ltr(r.rule, 'mono rule-id'),
      badge(t(`screening.effect.${effect}`), EFFECT_KIND[effect]),
      h(
        'span',
        {
          class: 'tier',
          'data-tier': r.tier,
          title: t(`screening.tier.${r.tier}`),
        },
        t('screening.tier_label'),
        ' ',
        ltr(r.tier, 'tier-code'),
        h('span', { class: 'tier-name' }, ` · ${t(`screening.tier.${r.tier}`)}`),
      ),
      r.until
        ? h(
            'span',
            { class: 'reason-until' },
            tNodes('screening.reason_until', { at: timeEl(r.until) }),
          )
        : null,
    ),
    matchedText(r.matched),
    clinician ? h('p', { class: 'reason-text' }, clinician) : null,
    r.source
      ? h(
          'p',
          { class: 'reason-source' },
          h('span', { class: 'reason-source-label' }, t('screening.source')),
          ' ',
          h('span', { lang: 'en', dir: 'ltr', class: 'reason-source-text' }, r.source),
        )
      : null,
  );
}

// Findings an assessment records; every other finding comes from the medical history.
const ASSESSMENT_FINDINGS = new Set([
  'consent',
  'recent_fever_or_illness',
  'hair_present_in_area',
  'high_risk_face_zone_planned',
]);

// The patient page where a missing item is entered.
function missingTab(m) {
  if (m.kind === 'lab' || m.kind === 'reference_range') return 'labs';
  if (m.kind === 'finding' && ASSESSMENT_FINDINGS.has(m.code)) return 'assessments';
  return 'history';
}

function missingItem(m, patientId) {
  const tab = missingTab(m);
  return h(
    'li',
    {
      class: 'screening-missing' + (m.required ? ' is-required' : ''),
      'data-code': m.code,
      'data-kind': m.kind,
      'data-required': m.required ? 'true' : 'false',
    },
    icon(m.required ? 'alert' : 'plus'),
    h('span', { class: 'missing-label' }, localText(m.label) || m.code),
    badge(
      m.required ? t('screening.missing_required') : t('screening.missing_optional'),
      m.required ? 'danger' : 'neutral',
    ),
    m.rules && m.rules.length
      ? h(
          'span',
          { class: 'missing-rules' },
          t('screening.missing_for'),
          ' ',
          m.rules.map((id, i) => [i ? ', ' : '', ltr(id, 'mono')]),
        )
      : null,
    patientId !== undefined && patientId !== null
      ? h(
          'a',
          {
            class: 'missing-link',
            href: `#/patients/${encodeURIComponent(String(patientId))}/${tab}`,
          },
          t(`screening.missing_go.${tab}`),
        )
      : null,
  );
}

// The reasons and the missing data of a result (live or stored): required missing items first,
// each with a link to where it is entered.
export function resultDetails(result) {
  const reasons = result.reasons || [];
  const missing = [...(result.missing || [])].sort(
    (a, b) => (b.required ? 1 : 0) - (a.required ? 1 : 0),
  );
  const out = [];
  if (reasons.length) {
    out.push(
      h('h4', { class: 'screening-sub' }, t('screening.reasons')),
      h('ul', { class: 'screening-reasons' }, reasons.map(reasonItem)),
    );
  }
  if (missing.length) {
    out.push(
      h('h4', { class: 'screening-sub' }, t('screening.missing')),
      h(
        'ul',
        { class: 'screening-missing-list' },
        missing.map((m) => missingItem(m, result.patient_id)),
      ),
    );
  }
  // An eligible outcome already says that nothing stands against the treatment.
  if (!reasons.length && !missing.length && result.outcome !== 'eligible') {
    out.push(h('p', { class: 'muted screening-none' }, t('screening.no_reasons')));
  }
  return out;
}

function whoName(u) {
  if (!u) return t('history.system');
  return u.display_name || u.username || '';
}

// A stored result computed from data that has changed since, and what the data says now.
function staleNotice(rec, now) {
  return h(
    'div',
    { class: 'screening-stale', role: 'status' },
    icon('alert'),
    h(
      'div',
      null,
      h(
        'p',
        { class: 'stale-title' },
        rec.signoff ? t('screening.stale_signed') : t('screening.stale'),
      ),
      h('p', { class: 'stale-now' }, t('screening.stale_now'), ' ', outcomeBadge(now)),
      rec.signoff ? null : h('p', { class: 'stale-hint' }, t('screening.stale_hint')),
    ),
  );
}

// A doctor's sign-off of a stored result: the decision, the override and the reason.
function signoffView(s) {
  const proceed = s.decision === 'proceed';
  return h(
    'div',
    {
      class: 'record-signoff',
      'data-decision': s.decision,
      'data-override': s.override ? 'true' : 'false',
    },
    h(
      'div',
      { class: 'signoff-head' },
      badge(
        proceed ? t('signoff.decision.proceed') : t('signoff.decision.do_not_proceed'),
        proceed ? 'success' : 'neutral',
      ),
      s.override ? badge(t('signoff.override'), 'warning') : null,
      h(
        'span',
        { class: 'signoff-meta' },
        tNodes('signoff.signed_by', {
          who: h('bdi', { title: s.signed_by ? s.signed_by.username : null }, whoName(s.signed_by)),
          at: timeEl(s.signed_at),
        }),
      ),
    ),
    s.reason
      ? h(
          'p',
          { class: 'signoff-reason' },
          h('strong', null, t('signoff.reason_label')),
          ' ',
          h('span', { class: 'pre-wrap' }, s.reason),
        )
      : null,
  );
}

// The doctor's sign-off dialog (#signoff-dialog) of a stored result `rec`. `onSigned` runs after
// the sign-off is stored, and when someone else signed it meanwhile.
export function openSignoffDialog(rec, { catalog, onSigned } = {}) {
  const o = OUTCOMES.includes(rec.outcome) ? rec.outcome : 'incomplete';
  const radio = (id, value) => h('input', { type: 'radio', id, name: 'decision', value });
  const proceed = radio('signoff-proceed', 'proceed');
  const decline = radio('signoff-decline', 'do_not_proceed');
  const reason = h('textarea', {
    class: 'input textarea',
    rows: '3',
    maxlength: '2000',
  });
  const reasonField = field({
    form: 'signoff',
    id: 'signoff-reason',
    name: 'reason',
    label: t('signoff.reason'),
    control: reason,
    hint: t('signoff.reason_hint'),
  });
  const reasonLabel = reasonField.querySelector('.field-label');
  const reqMark = h('span', { class: 'req', 'aria-hidden': 'true' }, ' *');
  const overrideNote = h(
    'div',
    { id: 'signoff-override-note', class: 'banner banner-warning', hidden: true, role: 'status' },
    icon('alert'),
    h('p', { class: 'banner-body' }, t(`signoff.override_note.${o}`)),
  );
  const error = h('p', { id: 'signoff-error', class: 'form-error', role: 'alert' });
  const confirm = h(
    'button',
    { id: 'signoff-confirm', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, t('signoff.confirm')),
  );
  const cancel = button(t('common.cancel'));
  const form = h(
    'form',
    { id: 'signoff-form', class: 'form', novalidate: true },
    h(
      'div',
      { class: 'signoff-summary' },
      h(
        'div',
        { class: 'record-head' },
        h('strong', null, codeLabel(catalog && catalog.treatments, rec.treatment)),
        outcomeBadge(rec),
      ),
      h(
        'p',
        { class: 'record-meta' },
        tNodes('screening.record_session', { at: timeEl(rec.session_at) }),
      ),
      (rec.reasons || []).length
        ? h(
            'ul',
            { class: 'signoff-reasons' },
            rec.reasons.map((r) =>
              h(
                'li',
                null,
                ltr(r.rule, 'mono rule-id'),
                ' ',
                badge(
                  t(`screening.effect.${EFFECT_KIND[r.effect] ? r.effect : 'note'}`),
                  EFFECT_KIND[r.effect] || 'info',
                ),
                ' ',
                r.text && r.text.clinician ? localText(r.text.clinician) : '',
              ),
            ),
          )
        : null,
      (rec.missing || []).some((m) => m.required)
        ? h(
            'p',
            { class: 'signoff-missing' },
            h('strong', null, t('screening.missing')),
            ' ',
            rec.missing
              .filter((m) => m.required)
              .map((m) => localText(m.label))
              .join(t('common.list_separator')),
          )
        : null,
    ),
    rec.stale && rec.liveNow ? staleNotice(rec, rec.liveNow) : null,
    h(
      'fieldset',
      { class: 'field signoff-decision' },
      h(
        'legend',
        { class: 'field-label' },
        t('signoff.decision'),
        h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'),
      ),
      h(
        'div',
        { class: 'choice-list' },
        h(
          'label',
          { class: 'choice', for: 'signoff-proceed' },
          proceed,
          h('span', null, t('signoff.decision.proceed')),
        ),
        h(
          'label',
          { class: 'choice', for: 'signoff-decline' },
          decline,
          h('span', null, t('signoff.decision.do_not_proceed')),
        ),
      ),
      h('p', { class: 'field-error', 'data-error-for': 'decision', 'aria-live': 'polite' }),
    ),
    overrideNote,
    reasonField,
    error,
    h('div', { class: 'dialog-actions inline' }, cancel, confirm),
  );

  const isOverride = () => proceed.checked && o !== 'eligible';
  function updateOverride() {
    const on = isOverride();
    overrideNote.hidden = !on;
    if (on) {
      reason.setAttribute('aria-required', 'true');
      if (!reqMark.isConnected) reasonLabel.append(reqMark);
    } else {
      reason.removeAttribute('aria-required');
      reqMark.remove();
    }
  }
  proceed.addEventListener('change', updateOverride);
  decline.addEventListener('change', updateOverride);

  const { close } = openDialog({
    title: t('signoff.title'),
    body: form,
    id: 'signoff-dialog',
    size: 'wide',
  });
  cancel.addEventListener('click', close);
  proceed.focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    error.textContent = '';
    const decision = proceed.checked ? 'proceed' : decline.checked ? 'do_not_proceed' : null;
    if (!decision) {
      setFieldError(form, 'decision', t('signoff.decision_required'));
      proceed.focus();
      return;
    }
    const text = reason.value.trim();
    if (isOverride() && !text) {
      setFieldError(form, 'reason', t('signoff.reason_required'));
      reason.focus();
      return;
    }
    const body = { decision };
    if (text) body.reason = text;
    setBusy(confirm, true);
    try {
      await request('POST', `/screenings/${encodeURIComponent(String(rec.id))}/signoff`, {
        body,
      });
      close();
      toast(t('signoff.done'));
      if (onSigned) await onSigned();
    } catch (err) {
      if (err.status === 401) {
        close();
        return;
      }
      const msg = errorText(err);
      if (err.field && setFieldError(form, err.field, msg)) {
        form.querySelector(`[name="${CSS.escape(err.field)}"]`)?.focus();
      } else {
        error.textContent = msg;
      }
      // Signed meanwhile by someone else: the list behind the dialog shows by whom.
      if (err.code === 'already_signed' && onSigned) onSigned();
    } finally {
      setBusy(confirm, false);
    }
  });
}

export function screeningPanel(patient, ctx, { restored } = {}) {
  const canRun = can('screening.run');
  const canSign = can('screening.sign');
  let catalog = null;
  let live = []; // results of the last live computation
  let liveSession = null; // the ISO time they were computed for
  let records = [];
  let controller = null;
  let timer = null;
  let seq = 0;
  // Live results of stored records' own sessions, keyed treatment|session: a promise each.
  // Emptied at every live computation, which is when the panel reads the records afresh.
  const checks = new Map();
  let liveDone = Promise.resolve();

  const sessionInput = h('input', {
    type: 'datetime-local',
    class: 'input',
    step: '60',
    value: (restored && restored.session) || defaultSessionValue(),
  });
  const sessionField = field({
    form: 'screening',
    id: 'screening-session-at',
    name: 'session_at',
    label: t('screening.session_at'),
    control: sessionInput,
    hint: t('screening.session_hint'),
  });
  const status = h('p', {
    id: 'screening-status',
    class: 'screening-status',
    'aria-live': 'polite',
  });
  const cards = h('div', { id: 'screening-cards', class: 'screening-cards', 'aria-busy': 'true' });
  cards.append(spinner());
  const recordList = h('ol', { id: 'screening-records', class: 'screening-records' });
  const recordsError = h('div', { class: 'records-error' });

  const el = h(
    'aside',
    {
      id: 'screening-panel',
      class: 'card screening-panel',
      'aria-labelledby': 'screening-title',
    },
    h(
      'div',
      { class: 'screening-head' },
      h('h2', { id: 'screening-title', class: 'card-title' }, icon('shield'), t('screening.title')),
      h('p', { class: 'screening-intro' }, t('screening.intro')),
    ),
    h('div', { class: 'screening-session' }, sessionField),
    status,
    cards,
    h(
      'section',
      { class: 'screening-records-section', 'aria-labelledby': 'screening-records-title' },
      h(
        'h3',
        { id: 'screening-records-title', class: 'screening-section-title' },
        t('screening.records_title'),
      ),
      h('p', { class: 'screening-intro' }, t('screening.records_intro')),
      recordsError,
      recordList,
    ),
  );

  function scheduleRefresh() {
    clearTimeout(timer);
    timer = setTimeout(refreshLive, DEBOUNCE_MS);
  }
  sessionInput.addEventListener('input', scheduleRefresh);
  sessionInput.addEventListener('change', () => {
    clearTimeout(timer);
    refreshLive();
  });
  ctx.onCleanup(() => {
    clearTimeout(timer);
    if (controller) controller.abort();
  });

  function refreshLive() {
    liveDone = computeLive();
    return liveDone;
  }

  async function computeLive() {
    const my = ++seq;
    clearFieldErrors(sessionField);
    const iso = inputToIso(sessionInput.value);
    if (!iso) {
      setFieldError(sessionField, 'session_at', t('screening.session_invalid'));
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    checks.clear();
    cards.setAttribute('aria-busy', 'true');
    cards.classList.add('is-loading');
    status.textContent = t('screening.computing');
    let body;
    try {
      [catalog, body] = await Promise.all([
        loadCatalog(),
        request('GET', `/patients/${pid(patient)}/screening`, {
          query: { session_at: iso },
          signal: controller.signal,
        }),
      ]);
    } catch (err) {
      if ((err && err.name === 'AbortError') || my !== seq || !ctx.alive()) return;
      cards.removeAttribute('aria-busy');
      cards.classList.remove('is-loading');
      status.textContent = '';
      if (err.status === 401) return;
      if (err.field === 'session_at') setFieldError(sessionField, 'session_at', errorText(err));
      replace(cards, errorBanner(err, { retry: refreshLive }));
      return;
    }
    if (my !== seq || !ctx.alive()) return;
    live = (body && body.items) || [];
    liveSession = iso;
    cards.removeAttribute('aria-busy');
    cards.classList.remove('is-loading');
    status.textContent = t('screening.computed_for', { at: fmtDateTime(iso) });
    replace(cards, live.map(card));
    // Which session the cards are for, in the API's form: tests and tools wait on it.
    cards.dataset.sessionAt = iso;
    updateRecordedLines();
    checkStale();
  }

  function card(result) {
    const tr = result.treatment;
    const o = OUTCOMES.includes(result.outcome) ? result.outcome : 'incomplete';
    const recordBtn = canRun
      ? button(t('screening.record'), {
          kind: 'secondary',
          iconName: 'check',
          'data-action': 'record-screening',
        })
      : null;
    if (recordBtn) recordBtn.addEventListener('click', () => recordResult(result, recordBtn));
    return h(
      'article',
      {
        class: `screening-card card-outcome-${o}`,
        'data-treatment': tr,
        'data-outcome': o,
        'aria-labelledby': `screening-card-${tr}`,
      },
      h(
        'header',
        { class: 'screening-card-head' },
        h(
          'h3',
          { id: `screening-card-${tr}`, class: 'screening-card-title' },
          codeLabel(catalog && catalog.treatments, tr),
        ),
        outcomeBadge(result),
      ),
      h('p', { class: 'screening-explain' }, t(`screening.explain.${o}`)),
      resultDetails(result),
      h(
        'div',
        { class: 'screening-card-foot' },
        h('p', { class: 'screening-recorded', 'data-recorded-for': tr }),
        recordBtn,
      ),
    );
  }

  async function recordResult(result, btn) {
    const iso = liveSession;
    clearFieldErrors(sessionField);
    setBusy(btn, true);
    try {
      const stored = await request('POST', `/patients/${pid(patient)}/screenings`, {
        body: { treatment: result.treatment, session_at: iso },
      });
      if (!ctx.alive()) return;
      toast(t('screening.recorded'));
      checks.set(checkKey(stored), Promise.resolve(stored));
      await loadRecords();
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      if (err.field === 'session_at' && setFieldError(sessionField, 'session_at', errorText(err))) {
        sessionInput.focus();
      } else {
        toast(errorText(err), 'error');
      }
    } finally {
      setBusy(btn, false);
    }
  }

  function checkKey(r) {
    return `${r.treatment}|${new Date(r.session_at).getTime()}`;
  }

  // The live result for a stored record's treatment and session, to tell whether the data
  // changed since it was recorded. Uses the panel's own computation when the session matches.
  function liveFor(rec) {
    if (liveSession && sameInstant(rec.session_at, liveSession)) {
      const r = live.find((x) => x.treatment === rec.treatment);
      if (r) return Promise.resolve(r);
    }
    const key = checkKey(rec);
    if (!checks.has(key)) {
      checks.set(
        key,
        request('GET', `/patients/${pid(patient)}/screening`, {
          query: { session_at: rec.session_at, treatment: rec.treatment },
        }).then(
          (body) => ((body && body.items) || [])[0] || null,
          () => null,
        ),
      );
    }
    return checks.get(key);
  }

  async function loadRecords() {
    let body;
    try {
      [catalog, body] = await Promise.all([
        loadCatalog(),
        request('GET', `/patients/${pid(patient)}/screenings`, { query: { limit: RECORDS_LIMIT } }),
      ]);
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      replace(recordsError, errorBanner(err, { retry: loadRecords }));
      return;
    }
    if (!ctx.alive()) return;
    clear(recordsError);
    records = (body && body.items) || [];
    if (!records.length) {
      replace(
        recordList,
        h('li', { class: 'muted screening-records-empty' }, t('screening.records_none')),
      );
    } else {
      replace(recordList, records.map(recordItem));
    }
    updateRecordedLines();
    checkStale();
  }

  // Which stored results are worth comparing with the data now: those awaiting sign-off and
  // the newest of each treatment. Each comparison is one more read of the patient's records.
  function recordsToCheck() {
    const seen = new Set();
    return records.filter((r) => {
      const newest = !seen.has(r.treatment);
      seen.add(r.treatment);
      return newest || !r.signoff;
    });
  }

  async function checkStale() {
    // Records of the session on screen compare with the cards: wait for them rather than
    // asking the server a second time.
    await liveDone;
    if (!ctx.alive()) return;
    const list = recordsToCheck();
    await Promise.all(
      list.map(async (rec) => {
        const now = await liveFor(rec);
        if (!ctx.alive() || !now) return;
        const li = recordList.querySelector(`[data-screening-id="${CSS.escape(String(rec.id))}"]`);
        if (!li) return;
        const slot = li.querySelector('.record-state');
        const changed = signature(now) !== signature(rec);
        li.dataset.stale = changed ? 'true' : 'false';
        rec.stale = changed;
        rec.liveNow = now;
        replace(slot, changed ? staleNotice(rec, now) : upToDate());
      }),
    );
  }

  function upToDate() {
    return h('p', { class: 'screening-current' }, icon('check'), t('screening.current'));
  }

  // On each live card: the newest stored result of that treatment for the same session, and
  // whether it still says what the data says now.
  function updateRecordedLines() {
    for (const slot of cards.querySelectorAll('[data-recorded-for]')) {
      const tr = slot.dataset.recordedFor;
      const rec = records.find((r) => r.treatment === tr && sameInstant(r.session_at, liveSession));
      const now = live.find((r) => r.treatment === tr);
      if (!rec || !now) {
        replace(slot);
        slot.className = 'screening-recorded';
        continue;
      }
      const same = signature(rec) === signature(now);
      slot.className = 'screening-recorded ' + (same ? 'is-current' : 'is-stale');
      replace(
        slot,
        icon(same ? 'check' : 'alert'),
        h(
          'span',
          null,
          tNodes(same ? 'screening.recorded_current' : 'screening.recorded_stale', {
            at: timeEl(rec.computed_at),
            outcome: outcomeBadge(rec),
          }),
        ),
      );
    }
  }

  function recordItem(rec) {
    const o = OUTCOMES.includes(rec.outcome) ? rec.outcome : 'incomplete';
    const state = h('div', { class: 'record-state' });
    const signBtn =
      !rec.signoff && canSign
        ? button(t('signoff.open'), {
            kind: 'primary',
            iconName: 'edit',
            'data-action': 'signoff',
          })
        : null;
    if (signBtn)
      signBtn.addEventListener('click', () =>
        openSignoffDialog(rec, { catalog, onSigned: loadRecords }),
      );
    return h(
      'li',
      {
        class: `screening-record card-outcome-${o}`,
        'data-screening-id': String(rec.id),
        'data-record-treatment': rec.treatment,
        'data-outcome': o,
        'data-signed': rec.signoff ? 'true' : 'false',
      },
      h(
        'div',
        { class: 'record-head' },
        h(
          'span',
          { class: 'record-treatment' },
          codeLabel(catalog && catalog.treatments, rec.treatment),
        ),
        outcomeBadge(rec),
      ),
      h(
        'p',
        { class: 'record-meta' },
        tNodes('screening.record_session', { at: timeEl(rec.session_at) }),
        ' · ',
        tNodes('screening.record_by', {
          who: h(
            'bdi',
            { title: rec.computed_by ? rec.computed_by.username : null },
            whoName(rec.computed_by),
          ),
          at: timeEl(rec.computed_at),
        }),
      ),
      state,
      rec.signoff
        ? signoffView(rec.signoff)
        : h(
            'div',
            { class: 'record-unsigned' },
            h('span', { class: 'record-awaiting' }, icon('history'), t('signoff.awaiting')),
            signBtn,
          ),
      recordDetails(rec),
    );
  }

  // The reasons of a stored result, and on opening, the data it was computed from (the stored
  // inputs, read only when someone asks: each read is audited).
  function recordDetails(rec) {
    const inputs = h('div', { class: 'record-inputs', 'aria-live': 'polite' });
    const details = h(
      'details',
      { class: 'record-details' },
      h('summary', null, t('screening.record_details')),
      h('div', { class: 'record-details-body' }, resultDetails(rec), inputs),
    );
    let loaded = false;
    details.addEventListener('toggle', async () => {
      if (!details.open || loaded) return;
      loaded = true;
      replace(inputs, spinner());
      try {
        const full = await request('GET', `/screenings/${encodeURIComponent(String(rec.id))}`);
        if (!ctx.alive()) return;
        replace(inputs, inputsView(full.inputs || {}));
      } catch (err) {
        loaded = false;
        if (!ctx.alive() || err.status === 401) return;
        replace(inputs, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
      }
    });
    return details;
  }

  function inputsView(inp) {
    const labs = inp.labs || [];
    const a = inp.assessment;
    const item = (label, value) =>
      h('div', { class: 'detail' }, h('dt', null, label), h('dd', null, value));
    return [
      h('h4', { class: 'screening-sub' }, t('screening.inputs_title')),
      h(
        'dl',
        { class: 'details details-1 record-inputs-list' },
        item(
          t('tabs.history'),
          inp.medical_history_version
            ? t('screening.inputs.history_version', { n: inp.medical_history_version })
            : h('span', { class: 'muted' }, t('screening.inputs.none')),
        ),
        item(
          t('tabs.assessments'),
          a
            ? tNodes('screening.inputs.assessment', {
                date: h('time', { datetime: a.visit_date }, fmtDate(a.visit_date)),
                n: String(a.version),
              })
            : h('span', { class: 'muted' }, t('screening.inputs.none')),
        ),
        item(
          t('tabs.labs'),
          labs.length
            ? h(
                'ul',
                { class: 'record-input-labs' },
                labs.map((l) =>
                  h(
                    'li',
                    { 'data-lab-id': String(l.id) },
                    h('span', null, codeLabel(catalog && catalog.analytes, l.analyte)),
                    ' ',
                    ltr(`${fmtNumber(l.value)} ${l.unit}`, 'strong'),
                    ' · ',
                    sampleTimeEl(l.measured_at),
                  ),
                ),
              )
            : h('span', { class: 'muted' }, t('screening.inputs.none')),
        ),
      ),
    ];
  }

  function start() {
    refreshLive();
    loadRecords();
  }

  return {
    el,
    start,
    saveState: () => ({ session: sessionInput.value }),
  };
}
