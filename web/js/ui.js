// Shared pieces of the interface: form fields with their hint and error slots, dialogs,
// toasts, badges and page headers, so every screen looks and behaves the same.

import { h, icon, clear } from './dom.js';
import { t, errorText, lang } from './i18n.js';

export function pageHeader(title, { subtitle, actions, back } = {}) {
  return h(
    'div',
    { class: 'page-header' },
    h(
      'div',
      { class: 'page-heading' },
      back
        ? h(
            'a',
            { class: 'back-link', href: back.href },
            icon('chevronStart', 'flip-rtl'),
            back.label,
          )
        : null,
      h('h1', { class: 'page-title', tabindex: '-1' }, title),
      subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null,
    ),
    actions ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

export function button(label, { kind = 'secondary', iconName, type = 'button', ...attrs } = {}) {
  return h(
    'button',
    { type, class: `btn btn-${kind}`, title: attrs['aria-label'] || null, ...attrs },
    iconName ? icon(iconName, iconName.startsWith('chevron') ? 'flip-rtl' : null) : null,
    h('span', { class: 'btn-label' }, label),
  );
}

export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function roleBadges(roles) {
  return h(
    'span',
    { class: 'badges' },
    (roles || []).map((r) => badge(t(`role.${r}`), `role-${r}`)),
  );
}

export function spinner(label) {
  return h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', null, label || t('common.loading')),
  );
}

export function emptyState(title, text, action) {
  return h(
    'div',
    { class: 'empty' },
    h('p', { class: 'empty-title' }, title),
    text ? h('p', { class: 'empty-text' }, text) : null,
    action || null,
  );
}

export function errorBanner(err, { retry } = {}) {
  return h(
    'div',
    { class: 'banner banner-error', role: 'alert' },
    icon('alert'),
    h('div', { class: 'banner-body' }, h('p', null, errorText(err))),
    retry ? button(t('common.retry'), { onclick: retry, iconName: 'refresh' }) : null,
  );
}

// A labelled form field. The hint and error paragraphs are bound to the control through
// aria-describedby so a screen reader reads them with the field.
export function field({ form, name, label, control, hint, required, wide, optional, id: fixedId }) {
  const id = fixedId || `${form}-${name}`;
  control.id = id;
  if (!control.name) control.name = name;
  const hintId = hint ? `${id}-hint` : null;
  const errId = `${id}-error`;
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (required) control.setAttribute('aria-required', 'true');
  return h(
    'div',
    { class: 'field' + (wide ? ' field-wide' : '') },
    h(
      'label',
      { for: id, class: 'field-label' },
      label,
      required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
      optional ? h('span', { class: 'opt' }, ` ${t('form.optional')}`) : null,
    ),
    control,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, 'data-error-for': name, 'aria-live': 'polite' }),
  );
}

export function setFieldError(form, name, text) {
  const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (!slot) return false;
  slot.textContent = text;
  const controls = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
  controls.forEach((c) => c.setAttribute('aria-invalid', 'true'));
  slot.closest('.field')?.classList.add('has-error');
  return true;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach((slot) => {
    slot.textContent = '';
    slot.closest('.field')?.classList.remove('has-error');
  });
  form.querySelectorAll('[aria-invalid]').forEach((c) => c.removeAttribute('aria-invalid'));
}

export function focusField(form, name) {
  const c = form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (c) c.focus();
}

let toastSeq = 0;
export function toast(text, kind = 'success') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const el = h(
    'div',
    // A toast keeps the language and direction it was written in, even if the page switches
    // language while it is still showing.
    {
      class: `toast toast-${kind}`,
      'data-toast': String(++toastSeq),
      lang: lang(),
      dir: lang() === 'ar' ? 'rtl' : 'ltr',
    },
    icon(kind === 'success' ? 'check' : 'alert'),
    h('span', null, text),
  );
  region.append(el);
  setTimeout(() => el.classList.add('toast-out'), 4200);
  setTimeout(() => el.remove(), 4600);
}

// A modal dialog on the native <dialog> element: it traps focus, closes on Escape, and hands
// focus back to whatever opened it.
export function openDialog({ title, body, actions, onClose, size, id }) {
  const titleId = `dlg-title-${++toastSeq}`;
  const opener = document.activeElement;
  const closeBtn = h(
    'button',
    { type: 'button', class: 'icon-btn dialog-close', 'aria-label': t('common.close') },
    icon('close'),
  );
  const dialog = h(
    'dialog',
    {
      class: 'dialog' + (size ? ` dialog-${size}` : ''),
      'aria-labelledby': titleId,
      id: id || null,
    },
    h(
      'div',
      { class: 'dialog-header' },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      closeBtn,
    ),
    h('div', { class: 'dialog-body' }, body),
    actions ? h('div', { class: 'dialog-actions' }, actions) : null,
  );
  const close = () => {
    if (dialog.open) dialog.close();
  };
  closeBtn.addEventListener('click', close);
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) close();
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector(
    '[autofocus], input:not([type=hidden]):not([disabled]), textarea, select',
  );
  if (first) first.focus();
  return { dialog, close };
}

export function confirmDialog({ title, message, confirmLabel, danger }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = button(confirmLabel || t('common.confirm'), { kind: danger ? 'danger' : 'primary' });
    const cancel = button(t('common.cancel'));
    const { close } = openDialog({
      title,
      body: h('p', null, message),
      actions: [cancel, ok],
      onClose: () => resolve(answer),
    });
    ok.addEventListener('click', () => {
      answer = true;
      close();
    });
    cancel.addEventListener('click', close);
    ok.focus();
  });
}

export function setBusy(btn, busy) {
  btn.disabled = busy;
  btn.classList.toggle('is-busy', busy);
  if (busy) btn.setAttribute('aria-busy', 'true');
  else btn.removeAttribute('aria-busy');
}

export { clear };
