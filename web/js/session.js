// Who is signed in, their CSRF token and what their roles allow. The server enforces every
// permission; this only decides what to show.

import { api, setCsrfToken } from './api.js';

export const session = {
  user: null,
  permissions: null,
};

export function setSession(body) {
  session.user = body ? body.user : null;
  setCsrfToken(body ? body.csrf_token : null);
  if (!body) session.permissions = null;
}

export async function loadPermissions() {
  const body = await api.permissions();
  session.permissions = (body && body.permissions) || {};
}

export function hasRole(role) {
  return !!(session.user && (session.user.roles || []).includes(role));
}

export function can(permission) {
  if (!session.user) return false;
  const allowed = session.permissions && session.permissions[permission];
  if (!Array.isArray(allowed)) return false;
  return (session.user.roles || []).some((r) => allowed.includes(r));
}
