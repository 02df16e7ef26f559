// Translations and locale-aware formatting. Every visible string comes from i18n/<lang>.json;
// English is always loaded too so a missing Arabic key still shows words, never a key.

const STORAGE_KEY = 'autologa.lang';
export const LANGS = ['en', 'ar'];

const catalogs = {};
let current = 'en';
let dateFmt = null;
let dateTimeFmt = null;
let numberFmt = null;
let pluralRules = null;

function storedLang() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch {
    return null;
  }
}

async function fetchCatalog(lang) {
  if (catalogs[lang]) return catalogs[lang];
  const res = await fetch(`i18n/${lang}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`i18n/${lang}.json: HTTP ${res.status}`);
  catalogs[lang] = await res.json();
  return catalogs[lang];
}

// Latin digits and the Gregorian calendar in Arabic too: MRNs, phone numbers and dates of
// birth are written that way on the clinic's paper records and ID cards.
function localeFor(lang) {
  if (lang === 'ar') return 'ar-u-ca-gregory-nu-latn';
  const nav = (navigator.languages || [navigator.language || '']).find((l) => /^en\b/i.test(l));
  return nav || 'en-GB';
}

export function locale() {
  return localeFor(current);
}

export function lang() {
  return current;
}

export async function setLang(lang, persist) {
  if (!LANGS.includes(lang)) lang = 'en';
  await fetchCatalog('en');
  await fetchCatalog(lang);
  current = lang;
  const loc = localeFor(lang);
  // Month names, not numbers: 03/04 reads as March or April depending on who reads it.
  const month = lang === 'ar' ? 'long' : 'short';
  dateFmt = new Intl.DateTimeFormat(loc, {
    day: 'numeric',
    month,
    year: 'numeric',
    timeZone: 'UTC',
  });
  dateTimeFmt = new Intl.DateTimeFormat(loc, {
    day: 'numeric',
    month,
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  });
  numberFmt = new Intl.NumberFormat(loc);
  pluralRules = new Intl.PluralRules(lang);
  const root = document.documentElement;
  root.lang = lang;
  root.dir = lang === 'ar' ? 'rtl' : 'ltr';
  if (persist) {
    try {
      localStorage.setItem(STORAGE_KEY, lang);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }
}

export async function initLang() {
  await setLang(storedLang() || 'en', false);
}

function lookup(lang, key) {
  const cat = catalogs[lang];
  return cat && Object.prototype.hasOwnProperty.call(cat, key) ? cat[key] : undefined;
}

export function has(key) {
  return lookup(current, key) !== undefined || lookup('en', key) !== undefined;
}

export function t(key, vars) {
  let s = lookup(current, key);
  if (s === undefined) s = lookup('en', key);
  if (s === undefined) return key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, name) => {
      const v = vars[name];
      if (v === undefined) return m;
      return typeof v === 'number' ? fmtNumber(v) : isolate(String(v));
    });
  }
  return s;
}

const RTL_CHARS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

// Names and other typed text placed inside a sentence of the other direction are wrapped in
// first-strong isolates (U+2068 … U+2069), so "Clinic Manager (demo)" keeps its brackets in
// an Arabic sentence and an Arabic name does not pull English punctuation around.
function isolate(text) {
  const needs = current === 'ar' ? /[A-Za-z0-9]/.test(text) : RTL_CHARS.test(text);
  return needs ? `\u2068${text}\u2069` : text;
}

// Like t(), but the {name} slots may be DOM nodes (a name in a <bdi>, a <time>): returns the pieces
// to append, so a translation can put them wherever its grammar wants.
export function tNodes(key, nodes) {
  const text = t(key);
  const out = [];
  let last = 0;
  text.replace(/\{(\w+)\}/g, (m, name, at) => {
    if (at > last) out.push(text.slice(last, at));
    out.push(nodes[name] === undefined ? m : nodes[name]);
    last = at + m.length;
    return m;
  });
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Picks key.one / key.two / key.few / key.many / key.other by the language's plural rules
// (Arabic has six forms), falling back to key.other.
export function tp(key, n, vars) {
  const form = pluralRules ? pluralRules.select(n) : n === 1 ? 'one' : 'other';
  const k = has(`${key}.${form}`) ? `${key}.${form}` : `${key}.other`;
  return t(k, Object.assign({ n }, vars));
}

export function fmtNumber(n) {
  return numberFmt ? numberFmt.format(n) : String(n);
}

// A calendar date (YYYY-MM-DD) is not an instant: format it in UTC so it never shifts a day.
export function fmtDate(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return ymd || '';
  return dateFmt.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}

export function fmtDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
}

export function ageYears(ymd, today = new Date()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  if (!m) return null;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < mo || (today.getMonth() + 1 === mo && today.getDate() < d)) age -= 1;
  return age < 0 ? null : age;
}

export function ageText(ymd) {
  const age = ageYears(ymd);
  if (age === null) return '';
  return age === 0 ? t('age.under_one') : tp('age', age);
}

// The text for an API error: a field-specific translation first (error.<code>.<field>), then the
// code's, then the server's English message as the last resort.
export function errorText(err) {
  if (!err) return '';
  const code = err.code || 'internal';
  if (code === 'throttled' && err.retryAfter > 0) {
    const s = err.retryAfter;
    return s >= 90
      ? tp('error.throttled_minutes', Math.ceil(s / 60))
      : tp('error.throttled_seconds', s);
  }
  if (err.field && has(`error.${code}.${err.field}`)) return t(`error.${code}.${err.field}`);
  if (has(`error.${code}`)) return t(`error.${code}`);
  return err.message || t('error.internal');
}
