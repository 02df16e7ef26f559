// A patient's assessments, newest visit first: what was found at each visit at a glance, and
// the way to record a new one.

import { h, icon, ltr, replace } from '../dom.js';
import { api } from '../api.js';
import { t, fmtDate, fmtDateTime } from '../i18n.js';
import { can } from '../session.js';
import { pageHeader, spinner, errorBanner, badge, emptyState } from '../ui.js';
import { clinicalHeading } from '../clinical.js';
import { patientStrip, patientTabs } from './patient-tabs.js';
import { displayName } from '../names.js';
import { ZONES } from '../scales.js';
import { scaleGradeText } from './assessment-form.js';

// The findings of one assessment in a few words: grades, areas, skin type.
function findings(a) {
  const parts = [];
  if (a.complaint === 'hair' && a.hair) {
    for (const s of ['norwood', 'ludwig', 'sinclair', 'savin'])
      if (a.hair[s] !== null && a.hair[s] !== undefined)
        parts.push(ltr(scaleGradeText(s, a.hair[s])));
    if (a.hair.salt !== null && a.hair.salt !== undefined) parts.push(ltr(`SALT ${a.hair.salt} %`));
    const zones = ZONES.filter((z) => (a.hair.zones || []).includes(z));
    if (zones.length)
      parts.push(
        h('span', null, zones.map((z) => t(`zone.${z}`)).join(t('common.list_separator'))),
      );
  }
  if (a.complaint === 'face' && a.face) {
    const ind = a.face.indications || [];
    if (ind.length)
      parts.push(
        h('span', null, ind.map((c) => t(`indication.${c}`)).join(t('common.list_separator'))),
      );
    if (a.face.fitzpatrick) parts.push(ltr(scaleGradeText('fitzpatrick', a.face.fitzpatrick)));
    if (a.face.glogau) parts.push(ltr(scaleGradeText('glogau', a.face.glogau)));
  }
  if (!parts.length) return h('span', { class: 'muted' }, t('assessments.no_findings'));
  const out = [];
  parts.forEach((p, i) => {
    if (i) out.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '));
    out.push(p);
  });
  return h('span', { class: 'assessment-findings' }, out);
}

function item(a) {
  const href = `#/assessments/${encodeURIComponent(a.id)}`;
  const who = a.updated_by ? a.updated_by.display_name || a.updated_by.username : '';
  return h(
    'li',
    { class: 'assessment-item', 'data-assessment-id': String(a.id) },
    h(
      'a',
      { class: 'assessment-link', href },
      h(
        'span',
        { class: 'assessment-date' },
        h('time', { datetime: a.visit_date }, fmtDate(a.visit_date)),
      ),
      h(
        'span',
        { class: 'assessment-body' },
        h(
          'span',
          { class: 'assessment-head' },
          badge(t(`complaint.${a.complaint}`), a.complaint === 'hair' ? 'info' : 'warning'),
          findings(a),
        ),
        h(
          'span',
          { class: 'assessment-meta muted small' },
          t('history.version', { n: a.version }),
          ' · ',
          h('bdi', null, who),
          ' · ',
          h('time', { datetime: a.updated_at }, fmtDateTime(a.updated_at)),
        ),
      ),
      icon('chevronEnd', 'flip-rtl'),
    ),
  );
}

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page page-clinical', id: 'assessments-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let body;
  try {
    [patient, body] = await Promise.all([
      api.getPatient(params.id),
      api.listAssessments(params.id),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(page, pageHeader(t('assessments.title')), errorBanner(err));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('assessments.title')} · ${displayName(patient)}`);
  const pid = encodeURIComponent(patient.id);
  const actions = [];
  if (can('clinical.write') && !patient.deleted) {
    actions.push(
      h(
        'a',
        {
          id: 'new-assessment',
          class: 'btn btn-primary',
          href: `#/patients/${pid}/assessments/new`,
          role: 'button',
        },
        icon('plus'),
        h('span', null, t('assessments.new')),
      ),
    );
  }
  const items = (body && body.items) || [];
  const list = h('ol', { id: 'assessment-list', class: 'assessment-list' }, items.map(item));
  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'assessments'),
    clinicalHeading(t('assessments.title'), { subtitle: t('assessments.subtitle'), actions }),
    h(
      'div',
      { class: 'card card-flush' },
      items.length
        ? list
        : [
            list,
            emptyState(
              t('assessments.none'),
              can('clinical.write') ? t('assessments.none_hint') : null,
            ),
          ],
    ),
  );
}
