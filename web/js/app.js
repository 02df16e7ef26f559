// Entry point: loads the language and the session, draws the header and routes the hash
// (#/patients, #/patients/12, #/audit …) to the view that renders it.

import { h, icon, replace, clear } from './dom.js';
import { api, onUnauthorized } from './api.js';
import { t, lang, setLang, initLang, errorText } from './i18n.js';
import { session, setSession, loadPermissions, can } from './session.js';
import {
  openDialog,
  field,
  button,
  setFieldError,
  clearFieldErrors,
  toast,
  setBusy,
  roleBadges,
  errorBanner,
} from './ui.js';
import * as loginView from './views/login.js';
import * as patientsView from './views/patients.js';
import * as patientFormView from './views/patient-form.js';
import * as patientView from './views/patient-view.js';
import * as labsView from './views/labs.js';
import * as auditView from './views/audit.js';
import * as usersView from './views/users.js';
import * as assessmentsView from './views/assessments.js';
import * as assessmentFormView from './views/assessment-form.js';
import * as medicalHistoryView from './views/medical-history.js';
import * as coursesView from './views/courses.js';
import * as courseQuoteView from './views/course-quote.js';
import * as calendarView from './views/calendar.js';
import * as setupView from './views/setup.js';
import * as outboxView from './views/outbox.js';
import * as chairView from './views/chair.js';
import * as proceduresView from './views/procedures.js';
import * as adverseEventsView from './views/adverse-events.js';
import * as adverseListView from './views/adverse-list.js';
import * as outcomesView from './views/outcomes.js';
import * as reportOutcomesView from './views/report-outcomes.js';
import * as photosView from './views/photos.js';

const ROUTES = [
  { re: /^\/login$/, view: loginView, public: true, nav: null },
  { re: /^\/patients$/, view: patientsView, perm: 'patient.read', nav: 'patients' },
  {
    re: /^\/patients\/new$/,
    view: patientFormView,
    perm: 'patient.create',
    nav: 'patients',
    params: () => ({ id: null }),
  },
  {
    re: /^\/patients\/([^/]+)\/edit$/,
    view: patientFormView,
    perm: 'patient.update',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/assessments$/,
    view: assessmentsView,
    perm: 'clinical.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/assessments\/new$/,
    view: assessmentFormView,
    perm: 'clinical.read',
    nav: 'patients',
    params: (m) => ({ patientId: decodeURIComponent(m[1]), aid: null }),
  },
  {
    re: /^\/assessments\/([^/]+)$/,
    view: assessmentFormView,
    perm: 'clinical.read',
    nav: 'patients',
    params: (m) => ({ aid: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/history$/,
    view: medicalHistoryView,
    perm: 'clinical.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/labs$/,
    view: labsView,
    perm: 'clinical.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/courses$/,
    view: coursesView,
    perm: 'course.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/procedures$/,
    view: proceduresView,
    perm: 'procedure.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/adverse-events$/,
    view: adverseEventsView,
    perm: 'adverse.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/outcomes$/,
    view: outcomesView,
    perm: 'outcome.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)\/photos$/,
    view: photosView,
    perm: 'photo.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/chair\/([^/]+)$/,
    view: chairView,
    perm: 'procedure.read',
    nav: 'calendar',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/courses\/([^/]+)\/quote$/,
    view: courseQuoteView,
    perm: 'course.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  {
    re: /^\/patients\/([^/]+)$/,
    view: patientView,
    perm: 'patient.read',
    nav: 'patients',
    params: (m) => ({ id: decodeURIComponent(m[1]) }),
  },
  { re: /^\/audit$/, view: auditView, perm: 'audit.read', nav: 'audit' },
  { re: /^\/outbox$/, view: outboxView, perm: 'outbox.read', nav: 'outbox' },
  { re: /^\/adverse-events$/, view: adverseListView, perm: 'adverse.read', nav: 'adverse-events' },
  { re: /^\/reports\/outcomes$/, view: reportOutcomesView, perm: 'report.read', nav: 'reports' },
  { re: /^\/users$/, view: usersView, perm: 'user.manage', nav: 'users' },
  { re: /^\/calendar$/, view: calendarView, perm: 'schedule.read', nav: 'calendar' },
  { re: /^\/setup$/, view: setupView, perm: 'schedule.manage', nav: 'setup' },
];

const header = document.getElementById('app-header');
const main = document.getElementById('main');

let renderToken = 0;
let active = null; // { cleanups: [], saveState: fn|null, route }
let returnTo = null;
let loginNotice = null; // i18n key of a message for the sign-in screen

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  return { path: path || '/', query };
}

export function navigate(hash, { replace: replaceEntry } = {}) {
  if (location.hash === hash) {
    route();
    return;
  }
  if (replaceEntry) {
    history.replaceState(null, '', hash);
    route();
  } else {
    location.hash = hash;
  }
}

function teardown() {
  if (!active) return;
  for (const fn of active.cleanups) {
    try {
      fn();
    } catch {
      /* a view's cleanup must never stop the next view from rendering */
    }
  }
  active = null;
}

function renderHeader(navKey) {
  clear(header);
  const brand = h(
    'a',
    { class: 'brand', href: session.user ? '#/patients' : '#/login' },
    h('img', { src: 'favicon.svg', alt: '', width: '28', height: '28', class: 'brand-logo' }),
    h('span', { class: 'brand-name' }, 'Autologa'),
  );
  const otherLang = lang() === 'ar' ? 'en' : 'ar';
  const langBtn = h(
    'button',
    {
      type: 'button',
      id: 'lang-switch',
      class: 'btn btn-ghost lang-switch',
      'aria-label': t('header.switch_language'),
      title: t('header.switch_language'),
      onclick: switchLanguage,
    },
    icon('globe'),
    h(
      'span',
      { lang: otherLang, dir: otherLang === 'ar' ? 'rtl' : 'ltr' },
      t(`language.${otherLang}.native`),
    ),
  );
  const left = h('div', { class: 'header-start' }, brand);
  const right = h('div', { class: 'header-end' });
  if (session.user) {
    const nav = h('nav', { class: 'main-nav', 'aria-label': t('nav.label') });
    const link = (key, href, label) =>
      h(
        'a',
        {
          id: `nav-${key}`,
          href,
          class: 'nav-link',
          'aria-current': navKey === key ? 'page' : null,
        },
        label,
      );
    if (can('patient.read')) nav.append(link('patients', '#/patients', t('nav.patients')));
    if (can('schedule.read')) nav.append(link('calendar', '#/calendar', t('nav.calendar')));
    if (can('adverse.read'))
      nav.append(link('adverse-events', '#/adverse-events', t('nav.adverse_events')));
    if (can('report.read')) nav.append(link('reports', '#/reports/outcomes', t('nav.reports')));
    if (can('schedule.manage')) nav.append(link('setup', '#/setup', t('nav.setup')));
    if (can('outbox.read')) nav.append(link('outbox', '#/outbox', t('nav.outbox')));
    if (can('audit.read')) nav.append(link('audit', '#/audit', t('nav.audit')));
    if (can('user.manage')) nav.append(link('users', '#/users', t('nav.users')));
    left.append(nav);
    // A narrow window scrolls the links (app.css): keep the current page's in sight, moving
    // the strip no more than that takes.
    requestAnimationFrame(() => {
      const current = nav.querySelector('[aria-current="page"]');
      if (!current || nav.scrollWidth <= nav.clientWidth) return;
      const strip = nav.getBoundingClientRect();
      const link = current.getBoundingClientRect();
      if (link.left < strip.left) nav.scrollLeft -= strip.left - link.left;
      else if (link.right > strip.right) nav.scrollLeft += link.right - strip.right;
    });
    const u = session.user;
    right.append(
      h(
        'button',
        {
          type: 'button',
          id: 'current-user',
          class: 'current-user',
          title: `${t('header.account')}: ${u.display_name || u.username}`,
          'aria-haspopup': 'dialog',
          onclick: openAccountDialog,
        },
        h(
          'span',
          { class: 'avatar', 'aria-hidden': 'true' },
          initials(u.display_name || u.username),
        ),
        h(
          'span',
          { class: 'current-user-text' },
          h('bdi', { class: 'current-user-name' }, u.display_name || u.username),
          h(
            'span',
            { class: 'current-user-meta' },
            h('bdi', { dir: 'ltr' }, u.username),
            ' · ',
            (u.roles || []).map((r) => t(`role.${r}`)).join(t('common.list_separator')),
          ),
        ),
      ),
      langBtn,
      h(
        'button',
        { type: 'button', id: 'logout', class: 'btn btn-ghost', onclick: logout },
        icon('logout', 'flip-rtl'),
        h('span', { class: 'hide-narrow' }, t('header.logout')),
        h('span', { class: 'sr-only show-narrow' }, t('header.logout')),
      ),
    );
  } else {
    right.append(langBtn);
  }
  header.append(h('div', { class: 'header-inner' }, left, right));
  const skip = document.querySelector('.skip-link');
  if (skip) skip.textContent = t('common.skip_to_content');
}

function initials(name) {
  // Only words that start with a letter: "Clinic Manager (demo)" gives "CM", not "C(".
  const words = String(name || '')
    .trim()
    .split(/\s+/)
    .filter((w) => /^\p{L}/u.test(w));
  if (!words.length) return '?';
  const first = [...words[0]][0];
  const last = words.length > 1 ? [...words[words.length - 1]][0] : '';
  return (first + last).toUpperCase();
}

async function switchLanguage() {
  const saved = active && active.saveState ? active.saveState() : null;
  await setLang(lang() === 'ar' ? 'en' : 'ar', true);
  await route({ restored: saved });
  document.getElementById('lang-switch')?.focus();
}

async function logout() {
  try {
    await api.logout();
  } catch {
    /* the session may already be gone; signing out locally is what matters */
  }
  setSession(null);
  returnTo = null;
  loginNotice = null;
  navigate('#/login');
}

// Setting a password ends the user's sessions on the server, this one included; when it has,
// say so on the sign-in screen instead of surprising the person at their next click.
async function afterOwnPasswordChange() {
  try {
    await api.session();
  } catch (err) {
    if (err.status === 401) {
      setSession(null);
      returnTo = location.hash;
      loginNotice = 'login.password_changed';
      navigate('#/login');
      return;
    }
  }
  toast(t('account.password_changed'));
}

function openAccountDialog() {
  const form = h('form', { id: 'password-form', class: 'form', novalidate: true });
  const mk = (name, auto) =>
    h('input', { type: 'password', name, autocomplete: auto, class: 'input' });
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const save = button(t('account.change_password'), { kind: 'primary', type: 'submit' });
  const u = session.user;
  form.append(
    h(
      'dl',
      { class: 'account-summary' },
      h('dt', null, t('user.username')),
      h('dd', null, h('bdi', { dir: 'ltr' }, u.username)),
      h('dt', null, t('user.roles')),
      h('dd', null, roleBadges(u.roles)),
    ),
    h('h3', { class: 'section-title' }, t('account.change_password')),
    field({
      form: 'pw',
      name: 'current_password',
      label: t('account.current_password'),
      control: mk('current_password', 'current-password'),
      required: true,
    }),
    field({
      form: 'pw',
      name: 'new_password',
      label: t('account.new_password'),
      control: mk('new_password', 'new-password'),
      hint: t('hint.password'),
      required: true,
    }),
    field({
      form: 'pw',
      name: 'confirm_password',
      label: t('account.confirm_password'),
      control: mk('confirm_password', 'new-password'),
      required: true,
    }),
    formError,
    h('div', { class: 'form-actions' }, save),
  );
  const { close } = openDialog({ title: t('header.account'), body: form });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formError.textContent = '';
    const cur = form.elements.current_password.value;
    const next = form.elements.new_password.value;
    let bad = false;
    if (!cur) bad = setFieldError(form, 'current_password', t('error.required'));
    if (next.length < 10) bad = setFieldError(form, 'new_password', t('error.weak_password'));
    if (next !== form.elements.confirm_password.value)
      bad = setFieldError(form, 'confirm_password', t('error.password_mismatch'));
    if (bad) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    setBusy(save, true);
    try {
      await api.changePassword(cur, next);
      close();
      await afterOwnPasswordChange();
    } catch (err) {
      const name = err.code === 'bad_credentials' ? 'current_password' : err.field;
      if (!(name && setFieldError(form, name, errorText(err))))
        formError.textContent = errorText(err);
    } finally {
      setBusy(save, false);
    }
  });
}

onUnauthorized(() => {
  if (session.user) loginNotice = 'login.session_ended';
  setSession(null);
  const here = location.hash;
  if (!here.startsWith('#/login')) returnTo = here;
  navigate('#/login');
});

function noAccess() {
  return h(
    'section',
    { class: 'page narrow' },
    h(
      'div',
      { class: 'empty' },
      h('h1', { class: 'empty-title page-title', tabindex: '-1' }, t('access.denied_title')),
      h('p', { class: 'empty-text' }, t('access.denied_text')),
      h('a', { class: 'btn btn-secondary', href: '#/patients' }, t('nav.patients')),
    ),
  );
}

function notFound() {
  return h(
    'section',
    { class: 'page narrow' },
    h(
      'div',
      { class: 'empty' },
      h('h1', { class: 'empty-title page-title', tabindex: '-1' }, t('notfound.title')),
      h('p', { class: 'empty-text' }, t('notfound.text')),
      h('a', { class: 'btn btn-secondary', href: '#/patients' }, t('nav.patients')),
    ),
  );
}

export async function route({ restored } = {}) {
  const token = ++renderToken;
  teardown();
  const { path, query } = parseHash();
  if (path === '/' || path === '') {
    history.replaceState(null, '', session.user ? '#/patients' : '#/login');
    return route();
  }
  let match = null;
  let found = null;
  for (const r of ROUTES) {
    match = r.re.exec(path);
    if (match) {
      found = r;
      break;
    }
  }
  if (found && !found.public && !session.user) {
    returnTo = location.hash;
    history.replaceState(null, '', '#/login');
    return route();
  }
  if (found && found.public && session.user) {
    history.replaceState(null, '', '#/patients');
    return route();
  }
  renderHeader(found ? found.nav : null);
  const state = { cleanups: [], saveState: null, route: found };
  active = state;
  const ctx = {
    query,
    restored: restored || null,
    alive: () => token === renderToken,
    onCleanup: (fn) => state.cleanups.push(fn),
    setSaveState: (fn) => {
      state.saveState = fn;
    },
    navigate,
    setTitle: (title) => {
      document.title = title ? `${title} · Autologa` : 'Autologa';
    },
    afterOwnPasswordChange,
    takeLoginNotice: () => {
      const n = loginNotice;
      loginNotice = null;
      return n;
    },
    afterLogin: async (body) => {
      setSession(body);
      await loadPermissions();
      const dest = returnTo && !returnTo.startsWith('#/login') ? returnTo : '#/patients';
      returnTo = null;
      navigate(dest, { replace: true });
    },
  };
  ctx.setTitle(null);
  clear(main);
  if (!found) {
    main.append(notFound());
    return;
  }
  if (found.perm && !can(found.perm)) {
    main.append(noAccess());
    return;
  }
  const params = found.params ? found.params(match) : {};
  try {
    await found.view.render(main, params, ctx);
    // After a navigation, put keyboard and screen-reader focus on the new page's heading
    // unless the view chose a field to focus itself.
    const focused = document.activeElement;
    if (
      ctx.alive() &&
      !restored &&
      (!focused || focused === document.body || !focused.isConnected)
    ) {
      main.querySelector('.page-title')?.focus({ preventScroll: true });
    }
  } catch (err) {
    if (!ctx.alive() || (err && err.status === 401)) return;
    replace(main, h('section', { class: 'page' }, errorBanner(err, { retry: () => route() })));
  }
}

function isTyping(el) {
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

document.addEventListener('keydown', (e) => {
  if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(document.activeElement)) {
    if (document.querySelector('dialog[open]')) return;
    const search = document.getElementById('patient-search');
    if (search) {
      e.preventDefault();
      search.focus();
      search.select();
    } else if (session.user && can('patient.read')) {
      e.preventDefault();
      navigate('#/patients?focus=search');
    }
  }
});

window.addEventListener('hashchange', () => route());

async function boot() {
  try {
    await initLang();
  } catch (err) {
    replace(
      main,
      h('p', { class: 'noscript' }, 'Autologa could not load its language files. Reload the page.'),
    );
    return;
  }
  try {
    const body = await api.session();
    setSession(body);
    await loadPermissions();
  } catch (err) {
    setSession(null);
    if (err.status !== 401) {
      renderHeader(null);
      replace(
        main,
        h(
          'section',
          { class: 'page narrow' },
          errorBanner(err, { retry: () => location.reload() }),
        ),
      );
      return;
    }
  }
  await route();
}

boot();
