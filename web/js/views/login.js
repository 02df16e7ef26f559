// Sign-in screen. Wrong credentials and throttling are reported in #login-error without saying
// which of username or password was wrong.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t, errorText } from '../i18n.js';
import { setBusy } from '../ui.js';

export async function render(main, _params, ctx) {
  ctx.setTitle(t('login.title'));
  const noticeKey = ctx.takeLoginNotice();
  const error = h('p', {
    id: 'login-error',
    class: 'form-error',
    role: 'alert',
    'aria-live': 'assertive',
  });
  const notice = noticeKey
    ? h('p', { id: 'login-notice', class: 'banner banner-info', role: 'status' }, t(noticeKey))
    : null;
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    class: 'input',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    dir: 'ltr',
    required: true,
  });
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    class: 'input',
    type: 'password',
    autocomplete: 'current-password',
    dir: 'ltr',
    required: true,
  });
  const submit = h(
    'button',
    { id: 'login-submit', type: 'submit', class: 'btn btn-primary btn-block' },
    t('login.submit'),
  );
  const form = h(
    'form',
    { class: 'login-form', novalidate: true, 'aria-describedby': 'login-error' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'login-username', class: 'field-label' }, t('login.username')),
      username,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'login-password', class: 'field-label' }, t('login.password')),
      password,
    ),
    error,
    submit,
  );
  const restored = ctx.restored || {};
  if (restored.username) username.value = restored.username;
  ctx.setSaveState(() => ({ username: username.value }));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    username.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    const u = username.value.trim();
    const p = password.value;
    if (!u || !p) {
      error.textContent = t('login.missing');
      (u ? password : username).setAttribute('aria-invalid', 'true');
      (u ? password : username).focus();
      return;
    }
    setBusy(submit, true);
    try {
      const body = await api.login(u, p);
      await ctx.afterLogin(body);
    } catch (err) {
      if (!ctx.alive()) return;
      error.textContent = errorText(err);
      if (err.code === 'bad_credentials') {
        password.value = '';
        password.setAttribute('aria-invalid', 'true');
        password.focus();
      }
    } finally {
      setBusy(submit, false);
    }
  });

  main.append(
    h(
      'section',
      { class: 'login-page' },
      h(
        'div',
        { class: 'login-card' },
        h(
          'div',
          { class: 'login-brand' },
          h('img', { src: 'favicon.svg', alt: '', width: '48', height: '48' }),
          h('h1', { class: 'login-title page-title', tabindex: '-1' }, 'Autologa'),
          h('p', { class: 'login-subtitle' }, t('login.subtitle')),
        ),
        notice,
        form,
      ),
      h('p', { class: 'login-footer' }, t('login.footer')),
    ),
  );
  username.focus();
}
