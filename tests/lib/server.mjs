// Starts a real autologa server on 127.0.0.1 with a fresh database for one test file, and gives
// the tests small HTTP clients that behave like the web UI (session cookie + X-CSRF-Token).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(REPO, process.env.AUTOLOGA_BIN || 'build/autologa');
export const WEB_ROOT = resolve(REPO, process.env.AUTOLOGA_WEB_ROOT || 'web');
export const PROTOCOLS = resolve(REPO, 'protocols');
export const ROLES = ['admin', 'doctor', 'nurse', 'reception'];

// The permission table of the contract: which roles hold each permission.
export const PERMISSION_TABLE = {
  'patient.read': ['admin', 'doctor', 'nurse', 'reception'],
  'patient.create': ['admin', 'doctor', 'reception'],
  'patient.update': ['admin', 'doctor', 'reception'],
  'patient.delete': ['admin'],
  'user.manage': ['admin'],
  'audit.read': ['admin'],
  'clinical.read': ['doctor', 'nurse'],
  'clinical.write': ['doctor', 'nurse'],
  'screening.run': ['doctor', 'nurse'],
  'screening.sign': ['doctor'],
  'course.read': ['admin', 'doctor', 'nurse', 'reception'],
  'course.prescribe': ['doctor'],
  'schedule.read': ['admin', 'doctor', 'nurse', 'reception'],
  'schedule.book': ['admin', 'doctor', 'nurse', 'reception'],
  'schedule.manage': ['admin'],
  'outbox.read': ['admin', 'reception'],
  'outbox.mark': ['admin'],
  'procedure.read': ['doctor', 'nurse'],
  'procedure.record': ['doctor', 'nurse'],
  'adverse.read': ['admin', 'doctor', 'nurse'],
  'adverse.record': ['doctor', 'nurse'],
  'photo.read': ['doctor', 'nurse'],
  'photo.record': ['doctor', 'nurse'],
  'outcome.read': ['doctor', 'nurse'],
  'outcome.record': ['doctor', 'nurse'],
  'photo.read': ['doctor', 'nurse'],
  'photo.record': ['doctor', 'nurse'],
  'report.read': ['admin', 'doctor'],
};

// Sanitizer builds start and answer more slowly; one knob for every wait.
const START_TIMEOUT_MS = Number(process.env.AUTOLOGA_START_TIMEOUT_MS || 30000);
const LISTEN_RE = /^autologa: listening on (http:\/\/127\.0\.0\.1:\d+)$/;

export function strongPassword(tag = 'pw') {
  return `${tag}-${randomBytes(9).toString('base64url')}`;
}

let uniqueCounter = 0;
// A lowercase word that is unique within this process: usernames, name suffixes.
export function unique(prefix = 'u') {
  uniqueCounter += 1;
  return `${prefix}${process.pid.toString(36)}${uniqueCounter.toString(36)}${randomBytes(2).toString('hex')}`;
}

// Runs a command-line subcommand of the binary synchronously; returns {status, stdout, stderr}.
export function runCli(args, env = {}) {
  const r = spawnSync(BIN, args, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: START_TIMEOUT_MS,
  });
  if (r.error) throw new Error(`cannot run ${BIN} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// Creates a database with an admin and starts `autologa serve` on a free port.
// Returns {url, dir, db, admin: {username, password}, stop(), cleanup(), logs(), exitCode()}.
// stop() ends the server (SIGTERM) and resolves to its exit status; cleanup() also removes the
// temporary directory. Call cleanup() in after().
// With `reuse` (a server returned earlier, now stopped), serves that server's database again
// instead of creating a new one.
// `config` is the text of an INI file given to the server with --config.
// `timeZone` is the clinic's time zone (--time-zone); without it the server keeps its default,
// UTC, so that every other test's dates are the same in UTC and in the clinic.
// `specimenHours` is how long a specimen may be injected after the draw (--specimen-hours).
export async function startServer({
  adminUser = 'admin', extraArgs = [], reuse = null, config = null, timeZone = null,
  specimenHours = null,
} = {}) {
  let dir;
  let db;
  let adminPassword;
  if (reuse) {
    ({ dir, db } = reuse);
    adminUser = reuse.admin.username;
    adminPassword = reuse.admin.password;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'autologa-test-'));
    db = join(dir, 't.db');
    adminPassword = strongPassword('admin');
    const init = runCli(['init', '--db', db, '--admin-user', adminUser, '--admin-name', 'Test Admin'], {
      AUTOLOGA_ADMIN_PASSWORD: adminPassword,
    });
    if (init.status !== 0) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`autologa init failed (exit ${init.status}):\n${init.stdout}${init.stderr}`);
    }
  }
  const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web-root', WEB_ROOT];
  // A test may name its own protocols directory (a broken file must stop the start).
  if (!extraArgs.includes('--protocols')) args.push('--protocols', PROTOCOLS);
  if (timeZone !== null) args.push('--time-zone', timeZone);
  if (specimenHours !== null) args.push('--specimen-hours', String(specimenHours));
  args.push(...extraArgs);
  if (config !== null) {
    const file = join(dir, 'autologa.ini');
    await writeFile(file, config);
    args.push('--config', file);
  }
  const child = spawn(
    BIN,
    args,
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  const stderrLines = [];
  let stderrRest = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    const parts = (stderrRest + chunk).split('\n');
    stderrRest = parts.pop();
    for (const line of parts) {
      stderrLines.push(line);
      if (stderrLines.length > 2000) stderrLines.shift();
    }
  });
  let exitStatus = null;
  const exited = new Promise((res) => {
    child.on('exit', (code, signal) => {
      exitStatus = { code, signal };
      res(exitStatus);
    });
  });
  const url = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`server did not announce its port within ${START_TIMEOUT_MS} ms\n${stderrLines.join('\n')}`));
    }, START_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (const line of out.split('\n')) {
        const m = LISTEN_RE.exec(line.trim());
        if (m) {
          clearTimeout(timer);
          res(m[1]);
          return;
        }
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    exited.then((s) => {
      clearTimeout(timer);
      rej(new Error(`server exited (${JSON.stringify(s)}) before listening\n${out}${stderrLines.join('\n')}`));
    });
  });
  // Keep draining stdout so the server never blocks on a full pipe.
  child.stdout.resume();

  async function stop() {
    if (exitStatus) return exitStatus;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const s = await exited;
    clearTimeout(timer);
    return s;
  }
  async function cleanup() {
    await stop();
    if (!process.env.AUTOLOGA_KEEP_TMP) await rm(dir, { recursive: true, force: true });
  }
  // Kills the server without warning, as a power cut or a crash would.
  async function kill() {
    if (exitStatus) return exitStatus;
    child.kill('SIGKILL');
    return exited;
  }
  return {
    url,
    dir,
    db,
    admin: { username: adminUser, password: adminPassword },
    stop,
    kill,
    cleanup,
    logs: () => stderrLines.join('\n'),
    exitStatus: () => exitStatus,
  };
}

function parseCookies(headers) {
  let list = [];
  if (typeof headers.getSetCookie === 'function') list = headers.getSetCookie();
  else if (headers.get('set-cookie')) list = [headers.get('set-cookie')];
  return list;
}

// One HTTP client: keeps the session cookie and CSRF token the way the browser and UI do.
export class Client {
  constructor(url) {
    this.url = url;
    this.cookies = new Map();
    this.csrf = null;
    this.user = null;
  }

  // Sends one request. opts: json (a value to send as JSON), body (a string or Buffer sent as is),
  // headers, csrf (default true: send the token when there is one), contentType.
  // Returns {status, headers, text, body (parsed JSON or null), setCookies}.
  async req(method, path, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    let body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['Content-Type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = opts.body;
      headers['Content-Type'] = opts.contentType || 'application/json';
    }
    if (this.cookies.size > 0) {
      headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const stateChanging = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (stateChanging && opts.csrf !== false && this.csrf && !('X-CSRF-Token' in headers)) {
      headers['X-CSRF-Token'] = this.csrf;
    }
    const res = await fetch(this.url + path, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeout || 30000),
    });
    const setCookies = parseCookies(res.headers);
    for (const c of setCookies) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = value === '' || attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires\s*=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    // A binary body (a PDF) is kept as bytes; its text is then the bytes as latin1.
    const bytes = opts.binary ? Buffer.from(await res.arrayBuffer()) : null;
    const text = bytes ? bytes.toString('latin1') : await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, headers: res.headers, text, bytes, body: parsed, setCookies };
  }

  get(path, opts) {
    return this.req('GET', path, opts);
  }
  post(path, json, opts = {}) {
    return this.req('POST', path, { ...opts, json });
  }
  put(path, json, opts = {}) {
    return this.req('PUT', path, { ...opts, json });
  }
  del(path, json, opts = {}) {
    return this.req('DELETE', path, json === undefined ? opts : { ...opts, json });
  }

  // Logs in; on success keeps the cookie and token. Returns the raw response.
  async login(username, password) {
    const r = await this.req('POST', '/api/v1/session', { json: { username, password }, csrf: false });
    if (r.status === 200 && r.body) {
      this.csrf = r.body.csrf_token;
      this.user = r.body.user;
    }
    return r;
  }
}

// A description of a failed response for assertion messages.
export function show(r) {
  return `${r.status} ${r.text.slice(0, 500)}`;
}

// Logs in and returns the client; throws when the login does not succeed.
export async function login(url, username, password) {
  const c = new Client(url);
  const r = await c.login(username, password);
  if (r.status !== 200) throw new Error(`login of ${username} failed: ${show(r)}`);
  if (!c.cookies.has('autologa_session')) throw new Error(`login of ${username} set no autologa_session cookie`);
  c.username = username;
  c.password = password;
  return c;
}

export function loginAdmin(server) {
  return login(server.url, server.admin.username, server.admin.password);
}

// Creates a user through the API as `admin` (a logged-in admin client). Returns
// {user, username, password}.
export async function createUser(admin, roles, { username = unique(roles[0] || 'u'), password = strongPassword() } = {}) {
  const r = await admin.post('/api/v1/users', {
    username,
    display_name: `Test ${roles.join(' ')} ${username}`,
    password,
    roles,
  });
  if (r.status !== 201) throw new Error(`cannot create user ${username}: ${show(r)}`);
  return { user: r.body, username, password };
}

// Creates a user of the given roles and returns a logged-in client for them.
export async function userClient(server, admin, roles) {
  const u = await createUser(admin, roles);
  const c = await login(server.url, u.username, u.password);
  c.account = u;
  return c;
}

// Logged-in clients for one fresh user of each role (plus the initial admin as `admin`).
export async function roleClients(server) {
  const admin = await loginAdmin(server);
  const out = { admin };
  for (const role of ROLES.filter((r) => r !== 'admin')) out[role] = await userClient(server, admin, [role]);
  return out;
}

// Valid, clearly invented patient fields; overrides replace or add fields.
export function patientInput(overrides = {}) {
  return {
    given_name: 'Sample',
    family_name: 'Testpatient',
    given_name_ar: 'سامي',
    family_name_ar: 'تجريبي',
    date_of_birth: '1985-06-15',
    sex: 'female',
    phone: '+971500000001',
    email: 'sample.patient@example.invalid',
    preferred_language: 'en',
    address: 'Building 1, Example Street',
    emergency_contact_name: 'Sample Contact',
    emergency_contact_phone: '+971500000002',
    notes: '',
    ...overrides,
  };
}

// Creates a patient through the API; throws unless 201. Returns the patient.
export async function createPatient(client, overrides = {}) {
  const r = await client.post('/api/v1/patients', patientInput(overrides));
  if (r.status !== 201) throw new Error(`cannot create patient: ${show(r)}`);
  return r.body;
}

// The editable fields of a patient plus its version: a valid PUT body.
export function editable(p) {
  const keys = ['given_name', 'family_name', 'given_name_ar', 'family_name_ar', 'date_of_birth', 'sex',
    'phone', 'email', 'preferred_language', 'address', 'emergency_contact_name',
    'emergency_contact_phone', 'notes'];
  const out = { version: p.version };
  for (const k of keys) if (p[k] !== null && p[k] !== undefined) out[k] = p[k];
  return out;
}

// Resolves when fn() returns a truthy value, polling every `every` ms; returns that value, or
// the last value after `ms` milliseconds.
export async function poll(fn, ms = 3000, every = 100) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() >= end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}

// Damm check digit: the quasigroup of order 10 from H. Michael Damm's 2004 thesis.
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

export function dammInterim(digits) {
  let i = 0;
  for (const ch of digits) i = DAMM[i][ch.charCodeAt(0) - 48];
  return i;
}

export function dammValid(digits) {
  return /^[0-9]+$/.test(digits) && dammInterim(digits) === 0;
}

export function dammCheckDigit(digits) {
  return String(dammInterim(digits));
}
