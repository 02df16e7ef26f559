// A patient's name is kept in Latin and in Arabic script; these show both, the one matching the
// interface language first, each marked with its language so it gets the right font and direction.

import { h } from './dom.js';
import { lang } from './i18n.js';

export function orderedScripts(latin, arabic, cls) {
  const parts = [
    { text: latin, script: 'latin', lang: 'en', dir: 'ltr' },
    { text: arabic, script: 'arabic', lang: 'ar', dir: 'rtl' },
  ].filter((p) => p.text);
  if (lang() === 'ar') parts.reverse();
  return parts.map((p, i) =>
    h(
      'span',
      {
        class: `${cls}-${p.script} ${cls}-${i ? 'secondary' : 'primary'}`,
        lang: p.lang,
        dir: p.dir,
      },
      p.text,
    ),
  );
}

export function latinName(p) {
  return [p.given_name, p.family_name].filter(Boolean).join(' ');
}

export function arabicName(p) {
  return [p.given_name_ar, p.family_name_ar].filter(Boolean).join(' ');
}

// The name as plain text for titles and dialogs.
export function displayName(p) {
  const l = latinName(p);
  const a = arabicName(p);
  return lang() === 'ar' ? a || l : l || a;
}

export function fullNameLines(p, cls) {
  return orderedScripts(latinName(p), arabicName(p), cls);
}
