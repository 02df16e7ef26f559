// Checks the web UI's translation catalogues: English and Arabic hold the same keys (Arabic may
// add plural forms), every error code listed in docs/api.md has a translation, and every key the
// scripts ask for with a literal t('…') exists. Part of make test (node --test tests/web).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p) => fs.readFileSync(path.join(root, p), 'utf8');
const en = JSON.parse(read('web/i18n/en.json'));
const ar = JSON.parse(read('web/i18n/ar.json'));
const problems = [];
// JSON.parse keeps the last of two equal keys without a word: a key written twice (two
// branches adding the same message) would silently lose one text.
for (const lang of ['en', 'ar']) {
  const seen = new Set();
  for (const m of read(`web/i18n/${lang}.json`).matchAll(/^\s*"((?:[^"\\]|\\.)*)"\s*:/gm)) {
    if (seen.has(m[1])) problems.push(`${lang}.json: ${m[1]} is written twice`);
    seen.add(m[1]);
  }
}
const PLURAL = /\.(zero|one|two|few|many|other)$/;

for (const k of Object.keys(en)) {
  // Plural forms differ by language; only the .other form is required in both.
  const base = k.replace(PLURAL, '');
  const need = base !== k ? `${base}.other` : k;
  if (!(need in ar)) problems.push(`ar.json lacks ${need}`);
}
for (const k of Object.keys(ar)) {
  if (k in en) continue;
  const base = k.replace(PLURAL, '');
  if (base === k || !(`${base}.other` in en))
    problems.push(`ar.json has ${k}, which en.json does not`);
}
for (const [lang, cat] of [
  ['en', en],
  ['ar', ar],
]) {
  for (const [k, v] of Object.entries(cat)) {
    if (typeof v !== 'string' || !v.trim()) problems.push(`${lang}.json: ${k} is empty`);
    if (
      lang === 'ar' &&
      typeof v === 'string' &&
      /[A-Za-z]{4,}/.test(v.replace(/\{\w+\}|English|[\w.+-]+@[\w.-]+|\+\d+/g, ''))
    ) {
      problems.push(`ar.json: ${k} still holds English words: ${v}`);
    }
  }
}

// Every error code of the API contract (the table rows under "Errors").
const api = read('docs/api.md');
const codes = new Set();
for (const line of api.split('\n')) {
  const m = /^\s*\|\s*\d{3}(?:\/\d{3})?\s*\|(.*)\|\s*$/.exec(line);
  if (m) for (const c of m[1].matchAll(/`([a-z_]+)`/g)) codes.add(c[1]);
}
if (codes.size < 20) problems.push(`found only ${codes.size} error codes in docs/api.md`);
for (const c of codes) {
  const has = (cat) => `error.${c}` in cat || `error.${c}.other` in cat;
  if (!has(en)) problems.push(`en.json lacks error.${c}`);
  if (!has(ar)) problems.push(`ar.json lacks error.${c}`);
}

// Literal keys used by the scripts.
const walk = (dir) =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((d) =>
      d.isDirectory()
        ? walk(path.join(dir, d.name))
        : d.name.endsWith('.js')
          ? [path.join(dir, d.name)]
          : [],
    );
for (const file of walk('web/js')) {
  const src = read(file);
  for (const m of src.matchAll(/\bt(p|Nodes)?\('([a-z_.]+)'/g)) {
    const key = m[2];
    const ok = m[1] === 'p' ? `${key}.other` in en : key in en;
    if (!ok) problems.push(`${file}: key ${key} is missing from en.json`);
  }
}

test('the translation catalogues agree with each other, the API and the scripts', () => {
  assert.deepEqual(problems, []);
});
