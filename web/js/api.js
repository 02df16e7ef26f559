// The HTTP API client: JSON in and out, the CSRF header on every state-changing call, error
// bodies turned into ApiError objects, and one hook for "the session is gone" (401).

const BASE = '/api/v1';
const SAFE = new Set(['GET', 'HEAD']);

let csrfToken = null;
let unauthorizedHandler = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.retryAfter = null;
    this.requestId = null;
  }
}

const STATUS_CODES = {
  400: 'invalid_value',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'too_big',
  415: 'unsupported_media_type',
  429: 'throttled',
  503: 'busy',
};

function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function request(method, path, { body, query, signal, quiet401 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return send(method, path, {
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    query,
    signal,
    quiet401,
  });
}

// Sends a file as the whole request body with its own Content-Type (a photograph, not JSON),
// POSTed with the CSRF header; the answer is read like any other.
export async function apiUpload(path, blob, contentType, { query, signal } = {}) {
  const headers = { Accept: 'application/json', 'Content-Type': contentType };
  return send('POST', path, { headers, body: blob, query, signal });
}

async function send(method, path, { headers, body, query, signal, quiet401 }) {
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(BASE + path + queryString(query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', String(e && e.message));
  }
  let data = null;
  if (res.status !== 204) {
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(
      res.status,
      e.code || STATUS_CODES[res.status] || 'internal',
      e.message || res.statusText,
      e.field,
    );
    const retry = parseInt(res.headers.get('Retry-After') || '', 10);
    err.retryAfter = Number.isFinite(retry) ? retry : null;
    err.requestId = res.headers.get('X-Request-Id');
    // Some refusals carry more than the error: a failed identity check names the check stored.
    err.body = data;
    if (res.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  return data;
}

const id = (v) => encodeURIComponent(String(v));

export const api = {
  login: (username, password) =>
    request('POST', '/session', { body: { username, password }, quiet401: true }),
  session: () => request('GET', '/session', { quiet401: true }),
  logout: () => request('DELETE', '/session', { quiet401: true }),
  changePassword: (current_password, new_password) =>
    request('POST', '/session/password', { body: { current_password, new_password } }),
  permissions: () => request('GET', '/permissions'),

  listPatients: (query, signal) => request('GET', '/patients', { query, signal }),
  getPatient: (pid) => request('GET', `/patients/${id(pid)}`),
  createPatient: (fields) => request('POST', '/patients', { body: fields }),
  updatePatient: (pid, fields) => request('PUT', `/patients/${id(pid)}`, { body: fields }),
  deletePatient: (pid, reason) => request('DELETE', `/patients/${id(pid)}`, { body: { reason } }),
  patientHistory: (pid) => request('GET', `/patients/${id(pid)}/history`),

  listUsers: () => request('GET', '/users'),
  createUser: (user) => request('POST', '/users', { body: user }),
  updateUser: (uid, fields) => request('PUT', `/users/${id(uid)}`, { body: fields }),
  setUserPassword: (uid, password) =>
    request('PUT', `/users/${id(uid)}/password`, { body: { password } }),

  listAudit: (query, signal) => request('GET', '/audit', { query, signal }),
  verifyAudit: () => request('GET', '/audit/verify'),

  listAssessments: (pid) => request('GET', `/patients/${id(pid)}/assessments`),
  createAssessment: (pid, fields) =>
    request('POST', `/patients/${id(pid)}/assessments`, { body: fields }),
  getAssessment: (aid) => request('GET', `/assessments/${id(aid)}`),
  updateAssessment: (aid, fields) => request('PUT', `/assessments/${id(aid)}`, { body: fields }),
  assessmentVersions: (aid) => request('GET', `/assessments/${id(aid)}/versions`),

  getMedicalHistory: (pid) => request('GET', `/patients/${id(pid)}/medical-history`),
  saveMedicalHistory: (pid, fields) =>
    request('PUT', `/patients/${id(pid)}/medical-history`, { body: fields }),
  medicalHistoryVersions: (pid) => request('GET', `/patients/${id(pid)}/medical-history/versions`),
  searchDrugs: (q, limit, signal) => request('GET', '/drugs', { query: { q, limit }, signal }),
};
