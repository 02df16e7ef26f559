// Checks that the style sheet's blocks are whole: every rule closed, and rules nested only inside
// at-rules (@media, @supports). A rule left open swallows every rule after it without an error
// in the browser, so a page far from the change loses its layout. Part of make test.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import test from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The blocks of a style sheet, comments and strings left out: for each `{` the text before it
// (its selector or at-rule) and the line it is on. Returns the problems found.
export function cssBlockProblems(css) {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (s) => s.replace(/[^\n]/g, ' '));
  const problems = [];
  const stack = [];
  let line = 1;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (c === '{') {
      const head = text.slice(start, i).trim();
      const parent = stack[stack.length - 1];
      if (parent && !parent.head.startsWith('@'))
        problems.push(`line ${line}: "${head}" opens inside the rule "${parent.head}" of line ${parent.line}, which is not closed`);
      stack.push({ head, line });
      start = i + 1;
    } else if (c === '}') {
      if (!stack.pop()) problems.push(`line ${line}: a } closes nothing`);
      start = i + 1;
    } else if (c === ';' && stack.length && !stack[stack.length - 1].head.startsWith('@')) {
      start = i + 1;
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: "${open.head}" is never closed`);
  return problems;
}

test('the checker finds a rule left open and a stray brace', () => {
  assert.deepEqual(cssBlockProblems('a { color: red; }\n@media (x) { b { c: d; } }'), []);
  assert.equal(cssBlockProblems('a {\n b { c: d; }\n').length, 2);
  assert.equal(cssBlockProblems('a { c: d; } }').length, 1);
  assert.deepEqual(cssBlockProblems('/* { */ a { content: "}"; }'), []);
});

test('web/css/app.css has every block whole', () => {
  const css = fs.readFileSync(path.join(root, 'web/css/app.css'), 'utf8');
  assert.deepEqual(cssBlockProblems(css), []);
});
