// The coded lists of the clinic's protocol files (treatments, conditions, analytes …), fetched
// once per page load: they change only when the server restarts with other protocol files.

import { request } from './api.js';
import { lang } from './i18n.js';

let pending = null;

export function loadCatalog() {
  if (!pending) {
    pending = request('GET', '/catalog').catch((err) => {
      // A failed load is not remembered, so the next page asks again.
      pending = null;
      throw err;
    });
  }
  return pending;
}

// The text of a {"en","ar"} pair in the interface language, English when the other is empty.
export function localText(pair) {
  if (!pair) return '';
  if (typeof pair === 'string') return pair;
  return (lang() === 'ar' ? pair.ar : pair.en) || pair.en || pair.ar || '';
}

// The catalogue entry of `code` in `list` (an array of {code, label, …}), or null.
export function entry(list, code) {
  return (list || []).find((e) => e.code === code) || null;
}

// The label of `code` in the interface language; the code itself when the catalogue lacks it.
export function codeLabel(list, code) {
  const e = entry(list, code);
  return e ? localText(e.label) : code;
}
