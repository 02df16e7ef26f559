// Reads the two descriptions of the API (docs/api.md and docs/openapi.json) into comparable sets
// of "METHOD /path" operations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './server.mjs';

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

// "METHOD /path" for every endpoint named in docs/api.md (lines such as "- `GET /api/v1/x?q=`").
export function endpointsOfApiMd() {
  const text = readFileSync(join(REPO, 'docs', 'api.md'), 'utf8');
  const set = new Set();
  for (const m of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/g)) set.add(`${m[1]} ${m[2]}`);
  return set;
}

export function endpointsOfOpenApi(doc) {
  const set = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) if (item[m]) set.add(`${m.toUpperCase()} ${path}`);
  }
  return set;
}

export function repoOpenApi() {
  return JSON.parse(readFileSync(join(REPO, 'docs', 'openapi.json'), 'utf8'));
}

// [{method, path, key: "METHOD /path", permission}] for every operation of a document.
export function operations(doc) {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (!item[m]) continue;
      const method = m.toUpperCase();
      out.push({ method, path, key: `${method} ${path}`, permission: item[m]['x-permission'] });
    }
  }
  return out;
}
