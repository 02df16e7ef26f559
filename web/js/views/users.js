// User management (admin): list, create with roles, edit name and roles, disable or enable,
// and set a new password. The server refuses an admin locking themselves out.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, fmtDateTime, errorText } from '../i18n.js';
import { session } from '../session.js';
import {
  pageHeader,
  button,
  badge,
  roleBadges,
  openDialog,
  confirmDialog,
  field,
  setFieldError,
  clearFieldErrors,
  focusField,
  setBusy,
  toast,
  errorBanner,
} from '../ui.js';

const ROLES = ['admin', 'doctor', 'nurse', 'reception'];
const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/;

function roleBoxes(selected) {
  return h(
    'fieldset',
    { class: 'field role-field' },
    h(
      'legend',
      { class: 'field-label' },
      t('user.roles'),
      h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'),
    ),
    h(
      'div',
      { class: 'role-options' },
      ROLES.map((r) =>
        h(
          'label',
          { class: 'role-option', for: `uf-role-${r}` },
          h('input', {
            type: 'checkbox',
            name: 'roles',
            value: r,
            id: `uf-role-${r}`,
            checked: selected.includes(r),
            'aria-describedby': `uf-role-${r}-desc uf-roles-error`,
          }),
          h(
            'span',
            { class: 'role-option-text' },
            h('span', { class: 'role-option-name' }, t(`role.${r}`)),
            h('span', { class: 'role-option-desc', id: `uf-role-${r}-desc` }, t(`role.${r}.desc`)),
          ),
        ),
      ),
    ),
    h('p', {
      class: 'field-error',
      id: 'uf-roles-error',
      'data-error-for': 'roles',
      'aria-live': 'polite',
    }),
  );
}

function openUserDialog(user, onSaved) {
  const editing = !!user;
  const form = h('form', { id: 'user-form', class: 'form', novalidate: true });
  const username = h('input', {
    name: 'username',
    class: 'input',
    type: 'text',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    dir: 'ltr',
    maxlength: '32',
    value: editing ? user.username : '',
    readonly: editing,
  });
  const displayName = h('input', {
    name: 'display_name',
    class: 'input',
    type: 'text',
    autocomplete: 'off',
    maxlength: '100',
    value: editing ? user.display_name || '' : '',
  });
  const formError = h('p', { class: 'form-error', id: 'user-form-error', role: 'alert' });
  const save = h(
    'button',
    { id: 'user-save', type: 'submit', class: 'btn btn-primary' },
    icon('check'),
    h('span', null, editing ? t('form.save_changes') : t('user.create')),
  );
  const cancel = button(t('common.cancel'));
  form.append(
    field({
      form: 'uf',
      name: 'username',
      label: t('user.username'),
      control: username,
      hint: editing ? t('user.username_fixed') : t('hint.username'),
      required: !editing,
    }),
    field({
      form: 'uf',
      name: 'display_name',
      label: t('user.display_name'),
      control: displayName,
      required: true,
    }),
    editing
      ? null
      : field({
          form: 'uf',
          name: 'password',
          label: t('user.initial_password'),
          control: h('input', {
            name: 'password',
            class: 'input',
            type: 'password',
            autocomplete: 'new-password',
            dir: 'ltr',
          }),
          hint: t('hint.password'),
          required: true,
        }),
    roleBoxes(editing ? user.roles || [] : []),
    formError,
    h('div', { class: 'dialog-actions inline' }, cancel, save),
  );
  const { close } = openDialog({
    title: editing ? t('user.edit_title', { name: user.username }) : t('user.new_title'),
    body: form,
    id: 'user-dialog',
  });
  cancel.addEventListener('click', close);
  (editing ? displayName : username).focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formError.textContent = '';
    const roles = [...form.querySelectorAll('input[name="roles"]:checked')].map((c) => c.value);
    const v = { username: username.value.trim(), display_name: displayName.value.trim(), roles };
    if (!editing) v.password = form.elements.password.value;
    const problems = [];
    if (!editing && !USERNAME.test(v.username))
      problems.push({ field: 'username', code: v.username ? 'invalid_username' : 'required' });
    if (!v.display_name) problems.push({ field: 'display_name', code: 'required' });
    if (!editing && (v.password || '').length < 10)
      problems.push({ field: 'password', code: v.password ? 'weak_password' : 'required' });
    if (!roles.length) problems.push({ field: 'roles', code: 'roles_required' });
    if (problems.length) {
      problems.forEach((p) => setFieldError(form, p.field, errorText(p)));
      focusField(form, problems[0].field);
      return;
    }
    setBusy(save, true);
    try {
      let saved;
      if (editing)
        saved = await api.updateUser(user.id, {
          display_name: v.display_name,
          roles,
          disabled: !!user.disabled,
        });
      else saved = await api.createUser(v);
      close();
      toast(
        editing
          ? t('user.saved')
          : t('user.created', { name: saved ? saved.username : v.username }),
      );
      onSaved();
    } catch (err) {
      if (err.status === 401) {
        close();
        return;
      }
      const fieldName = err.code === 'conflict' && !err.field ? 'username' : err.field;
      if (fieldName && setFieldError(form, fieldName, errorText({ ...err, field: fieldName })))
        focusField(form, fieldName);
      else formError.textContent = errorText(err);
    } finally {
      setBusy(save, false);
    }
  });
}

function openPasswordDialog(user, ctx) {
  const form = h('form', { id: 'user-password-form', class: 'form', novalidate: true });
  const pw = h('input', {
    name: 'password',
    class: 'input',
    type: 'password',
    autocomplete: 'new-password',
    dir: 'ltr',
  });
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const save = h(
    'button',
    { id: 'user-password-save', type: 'submit', class: 'btn btn-primary' },
    icon('key'),
    h('span', null, t('user.set_password')),
  );
  const cancel = button(t('common.cancel'));
  form.append(
    h('p', null, t('user.reset_explain')),
    field({
      form: 'upw',
      name: 'password',
      label: t('account.new_password'),
      control: pw,
      hint: t('hint.password'),
      required: true,
    }),
    formError,
    h('div', { class: 'dialog-actions inline' }, cancel, save),
  );
  const { close } = openDialog({
    title: t('user.reset_title', { name: user.username }),
    body: form,
  });
  cancel.addEventListener('click', close);
  pw.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formError.textContent = '';
    if (pw.value.length < 10) {
      setFieldError(form, 'password', t(pw.value ? 'error.weak_password' : 'error.required'));
      pw.focus();
      return;
    }
    setBusy(save, true);
    try {
      await api.setUserPassword(user.id, pw.value);
      close();
      if (session.user && session.user.id === user.id) await ctx.afterOwnPasswordChange();
      else toast(t('user.password_set', { name: user.username }));
    } catch (err) {
      if (err.status === 401) {
        close();
        return;
      }
      if (!(err.field && setFieldError(form, err.field, errorText(err))))
        formError.textContent = errorText(err);
    } finally {
      setBusy(save, false);
    }
  });
}

export async function render(main, _params, ctx) {
  ctx.setTitle(t('users.title'));
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'users-table', class: 'table table-users' },
    h('caption', { class: 'sr-only' }, t('users.title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('user.display_name')),
        h('th', { scope: 'col' }, t('user.username')),
        h('th', { scope: 'col' }, t('user.roles')),
        h('th', { scope: 'col' }, t('user.status')),
        h('th', { scope: 'col', class: 'col-created' }, t('user.created_at')),
        h(
          'th',
          { scope: 'col', class: 'col-actions' },
          h('span', { class: 'sr-only' }, t('common.actions')),
        ),
      ),
    ),
    tbody,
  );
  const errorSlot = h('div');
  const newBtn = button(t('users.new'), { kind: 'primary', iconName: 'plus', id: 'new-user' });
  main.append(
    h(
      'section',
      { class: 'page' },
      pageHeader(t('users.title'), { subtitle: t('users.subtitle'), actions: [newBtn] }),
      errorSlot,
      h('div', { class: 'card card-flush' }, h('div', { class: 'table-wrap' }, table)),
    ),
  );

  async function toggleDisabled(u) {
    const disabling = !u.disabled;
    if (disabling) {
      const ok = await confirmDialog({
        title: t('user.disable_title', { name: u.username }),
        message: t('user.disable_explain'),
        confirmLabel: t('user.disable'),
        danger: true,
      });
      if (!ok) return;
    }
    try {
      await api.updateUser(u.id, {
        display_name: u.display_name,
        roles: u.roles,
        disabled: disabling,
      });
      toast(
        disabling
          ? t('user.disabled_done', { name: u.username })
          : t('user.enabled_done', { name: u.username }),
      );
      await load();
    } catch (err) {
      if (err.status === 401) return;
      replace(errorSlot, errorBanner(err));
    }
  }

  function row(u) {
    const self = session.user && session.user.id === u.id;
    const actions = h(
      'div',
      { class: 'row-actions' },
      button(t('common.edit'), {
        kind: 'ghost',
        iconName: 'edit',
        'data-action': 'edit',
        'aria-label': t('user.edit_aria', { name: u.username }),
        onclick: () => openUserDialog(u, load),
      }),
      button(t('user.reset_password'), {
        kind: 'ghost',
        iconName: 'key',
        'data-action': 'password',
        'aria-label': t('user.reset_aria', { name: u.username }),
        onclick: () => openPasswordDialog(u, ctx),
      }),
      self
        ? null
        : button(u.disabled ? t('user.enable') : t('user.disable'), {
            kind: u.disabled ? 'ghost' : 'ghost-danger',
            iconName: u.disabled ? 'unlock' : 'ban',
            'data-action': u.disabled ? 'enable' : 'disable',
            'aria-label': t(u.disabled ? 'user.enable_aria' : 'user.disable_aria', {
              name: u.username,
            }),
            onclick: () => toggleDisabled(u),
          }),
    );
    return h(
      'tr',
      { 'data-user-id': String(u.id), class: u.disabled ? 'is-disabled' : null },
      h(
        'td',
        null,
        h('bdi', { class: 'strong' }, u.display_name || '—'),
        self ? [' ', badge(t('users.you'), 'neutral')] : null,
      ),
      h('td', null, ltr(u.username, 'mono')),
      h('td', null, roleBadges(u.roles)),
      h(
        'td',
        null,
        u.disabled ? badge(t('user.disabled'), 'danger') : badge(t('user.active'), 'success'),
      ),
      h(
        'td',
        { class: 'col-created nowrap' },
        u.created_at ? h('time', { datetime: u.created_at }, fmtDateTime(u.created_at)) : '',
      ),
      h('td', { class: 'col-actions' }, actions),
    );
  }

  async function load() {
    let body;
    try {
      body = await api.listUsers();
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      replace(errorSlot, errorBanner(err, { retry: load }));
      return;
    }
    if (!ctx.alive()) return;
    replace(errorSlot);
    const items = (body && body.items) || [];
    items.sort(
      (a, b) =>
        Number(!!a.disabled) - Number(!!b.disabled) ||
        String(a.username).localeCompare(String(b.username)),
    );
    replace(
      tbody,
      items.length
        ? items.map(row)
        : h(
            'tr',
            { class: 'message-row' },
            h(
              'td',
              { colspan: '6' },
              h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, t('users.none'))),
            ),
          ),
    );
  }

  newBtn.addEventListener('click', () => openUserDialog(null, load));
  replace(
    tbody,
    h(
      'tr',
      { class: 'message-row' },
      h(
        'td',
        { colspan: '6' },
        h(
          'div',
          { class: 'loading' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          t('common.loading'),
        ),
      ),
    ),
  );
  await load();
}
