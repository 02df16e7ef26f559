// The tab bar of a patient's pages (overview, assessments, medical history, labs, courses,
// procedures, adverse events, outcomes) and a compact identity strip, so every one of those pages
// says whose record it shows.

import { h, icon } from '../dom.js';
import { t, fmtDate, ageText } from '../i18n.js';
import { can } from '../session.js';
import { fullNameLines } from '../names.js';

const TABS = [
  { key: 'overview', path: '', label: 'tabs.overview', perm: null },
  { key: 'assessments', path: '/assessments', label: 'tabs.assessments', perm: 'clinical.read' },
  { key: 'history', path: '/history', label: 'tabs.history', perm: 'clinical.read' },
  { key: 'labs', path: '/labs', label: 'tabs.labs', perm: 'clinical.read' },
  { key: 'courses', path: '/courses', label: 'tabs.courses', perm: 'course.read' },
  { key: 'procedures', path: '/procedures', label: 'tabs.procedures', perm: 'procedure.read' },
  {
    key: 'adverse-events',
    path: '/adverse-events',
    label: 'tabs.adverse_events',
    perm: 'adverse.read',
  },
  { key: 'outcomes', path: '/outcomes', label: 'tabs.outcomes', perm: 'outcome.read' },
  { key: 'photos', path: '/photos', label: 'tabs.photos', perm: 'photo.read' },
];

// `active` is one of overview, assessments, history, labs, courses, procedures, adverse-events,
// outcomes, photos.
// Only the tabs the user's permissions open are shown; null when that leaves the overview alone,
// since a bar with one tab says nothing.
export function patientTabs(patient, active) {
  const tabs = TABS.filter((tab) => !tab.perm || can(tab.perm));
  if (tabs.length < 2) return null;
  const base = `#/patients/${encodeURIComponent(patient.id)}`;
  return h(
    'nav',
    { id: 'patient-tabs', class: 'tabs', 'aria-label': t('tabs.label') },
    tabs.map((tab) =>
      h(
        'a',
        {
          id: `tab-${tab.key}`,
          class: 'tab' + (tab.key === active ? ' is-active' : ''),
          href: base + tab.path,
          'aria-current': tab.key === active ? 'page' : null,
        },
        t(tab.label),
      ),
    ),
  );
}

// Name in both scripts, MRN, date of birth and sex, with a way back to the patient list; the
// heading of the page is the name, so the view's focus lands on it after a navigation.
export function patientStrip(patient) {
  const age = ageText(patient.date_of_birth);
  return h(
    'div',
    { class: 'patient-strip' },
    h(
      'a',
      { class: 'back-link', href: '#/patients' },
      icon('chevronStart', 'flip-rtl'),
      t('nav.patients'),
    ),
    h(
      'div',
      { class: 'patient-strip-main' },
      h(
        'h1',
        { class: 'patient-strip-name page-title', tabindex: '-1' },
        h(
          'a',
          {
            class: 'patient-strip-link',
            href: `#/patients/${encodeURIComponent(patient.id)}`,
          },
          fullNameLines(patient, 'pname'),
        ),
      ),
      h(
        'p',
        { class: 'patient-facts' },
        h(
          'span',
          { class: 'fact' },
          h('span', { class: 'fact-label' }, t('patient.mrn')),
          ' ',
          h('bdi', { dir: 'ltr', class: 'mono fact-value' }, patient.mrn),
        ),
        h(
          'span',
          { class: 'fact' },
          h('span', { class: 'fact-label' }, t('patient.date_of_birth')),
          ' ',
          h('span', { class: 'fact-value' }, fmtDate(patient.date_of_birth)),
          age ? h('span', { class: 'muted' }, ` (${age})`) : null,
        ),
        patient.sex
          ? h(
              'span',
              { class: 'fact' },
              h('span', { class: 'fact-label' }, t('patient.sex')),
              ' ',
              h('span', { class: 'fact-value' }, t(`sex.${patient.sex}`)),
            )
          : null,
      ),
    ),
  );
}
