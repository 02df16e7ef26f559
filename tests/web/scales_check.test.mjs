// Checks the grading pictures of web/img/scales/: one file per grade of web/js/scales.js and no
// other, each a small self-contained well-formed SVG without text, scripts or outside references,
// and each what scripts/draw-scales.mjs draws today. Part of make test (node --test tests/web).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'web/img/scales');
// scales.js is a browser module without imports; load it as one.
const source = fs.readFileSync(path.join(root, 'web/js/scales.js'), 'utf8');
const { SCALES, ZONES, scaleImageUrl } = await import(
  `data:text/javascript,${encodeURIComponent(source)}`
);

const expected = Object.entries(SCALES).flatMap(([scale, grades]) =>
  grades.map((grade) => path.basename(scaleImageUrl(scale, grade))),
);

// Well-formed for the subset of XML these pictures use: elements, double-quoted attributes,
// nothing but white space between tags. Returns a problem or null.
function xmlProblem(text) {
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[A-Za-z][\w:-]*="[^"<&]*")*)\s*(\/?)>/y;
  const stack = [];
  let rooted = false;
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const between = text.slice(at, lt < 0 ? text.length : lt);
    if (between.trim()) return `text outside tags: ${between.trim().slice(0, 30)}`;
    if (lt < 0) break;
    token.lastIndex = lt;
    const m = token.exec(text);
    if (!m) return `malformed tag at ${lt}: ${text.slice(lt, lt + 30)}`;
    const [, closing, name, attrs, selfClosing] = m;
    const names = [...attrs.matchAll(/([A-Za-z][\w:-]*)=/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) return `repeated attribute in <${name}>`;
    if (closing) {
      if (attrs || selfClosing) return `malformed closing tag </${name}>`;
      if (!stack.length) return `</${name}> closes nothing`;
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open}>`;
    } else {
      if (!stack.length && rooted) return 'more than one root element';
      rooted = true;
      if (!selfClosing) stack.push(name);
    }
    at = token.lastIndex;
  }
  return stack.length ? `<${stack.pop()}> is never closed` : null;
}

test('the checker itself rejects broken XML', () => {
  assert.equal(xmlProblem('<svg a="1"><path d="M0 0"/></svg>\n'), null);
  assert.match(xmlProblem('<svg><g></svg>'), /closes/);
  assert.match(xmlProblem('<svg><path d=M0/></svg>'), /malformed/);
  assert.match(xmlProblem('<svg>hello</svg>'), /text outside/);
  assert.match(xmlProblem('<svg a="1" a="2"></svg>'), /repeated/);
  assert.match(xmlProblem('<svg><g>'), /never closed/);
  assert.match(xmlProblem('<svg></svg><svg></svg>'), /root/);
  assert.match(xmlProblem('<svg></svg></g>'), /closes nothing/);
});

test('every grade has its picture and every picture is a grade', () => {
  const present = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.svg'))
    .sort();
  assert.deepEqual(present, [...expected].sort());
  assert.equal(ZONES.length, 8);
});

test('each picture is a small, self-contained, text-free SVG', () => {
  const problems = [];
  for (const name of expected) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const say = (why) => problems.push(`${name}: ${why}`);
    if (Buffer.byteLength(text) >= 4096) say(`${Buffer.byteLength(text)} bytes, more than 4 KB`);
    if (!text.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120">')) {
      say('does not open with <svg xmlns=… viewBox="0 0 120 120">');
    }
    const bad =
      /<(script|text|title|foreignObject|image|use|a|style)\b|\son[a-z]+=|href=|url\((?!#)/i.exec(
        text,
      );
    if (bad) say(`holds ${bad[0]}`);
    const xml = xmlProblem(text);
    if (xml) say(xml);
  }
  assert.deepEqual(problems, []);
});

test('the pictures are what scripts/draw-scales.mjs draws', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'autologa-scales-'));
  try {
    execFileSync(process.execPath, [path.join(root, 'scripts/draw-scales.mjs'), out]);
    const stale = expected.filter(
      (name) =>
        !fs.existsSync(path.join(out, name)) ||
        !fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(path.join(dir, name))),
    );
    assert.deepEqual(stale, [], 'run node scripts/draw-scales.mjs and commit the pictures');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
