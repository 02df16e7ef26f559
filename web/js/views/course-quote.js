// A course's quote: its lines, subtotal, package discount and total in the course's currency,
// the links to the printed PDF in English and Arabic, and the page #/courses/<id>/quote that
// shows the quote alone, laid out to print on paper.

import { h, icon, ltr, replace } from '../dom.js';
import { request } from '../api.js';
import { t, fmtDate, fmtNumber, locale } from '../i18n.js';
import { spinner, errorBanner, button } from '../ui.js';
import { localText } from '../catalog.js';
import { formatMinor } from '../money.js';
import { orderedScripts } from '../names.js';

const enc = (v) => encodeURIComponent(String(v));

// An amount of the quote's currency, kept left to right inside Arabic text.
export function moneyText(minor, currency, cls) {
  return ltr(`${currency} ${formatMinor(minor, currency, locale())}`, cls || 'money');
}

function lineLabel(line) {
  if (line.label) return localText(line.label);
  return t(`course.quote_line.${line.kind}`);
}

// The table of a quote ({currency, lines, subtotal_minor, discount_percent, discount_minor,
// total_minor}); lines carry a {en,ar} label (the server's quote) or a kind (the preview).
export function quoteTable(quote, { caption } = {}) {
  const cur = quote.currency;
  const row = (label, amount, cls) =>
    h(
      'tr',
      { class: cls },
      h('th', { scope: 'row', colspan: '3' }, label),
      h('td', { class: 'num' }, amount),
    );
  return h(
    'table',
    { class: 'table quote-table' },
    h('caption', { class: 'sr-only' }, caption || t('course.quote_title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, t('course.quote_item')),
        h('th', { scope: 'col', class: 'num' }, t('course.quote_quantity')),
        h('th', { scope: 'col', class: 'num' }, t('course.quote_unit_price')),
        h('th', { scope: 'col', class: 'num' }, t('course.quote_amount')),
      ),
    ),
    h(
      'tbody',
      null,
      (quote.lines || []).map((line) =>
        h(
          'tr',
          { class: 'quote-line' },
          h('td', null, lineLabel(line)),
          h('td', { class: 'num' }, ltr(fmtNumber(line.quantity))),
          h('td', { class: 'num' }, moneyText(line.unit_minor, cur)),
          h('td', { class: 'num' }, moneyText(line.total_minor, cur)),
        ),
      ),
    ),
    h(
      'tfoot',
      null,
      row(t('course.quote_subtotal'), moneyText(quote.subtotal_minor, cur), 'quote-subtotal'),
      quote.discount_minor > 0
        ? row(
            t('course.quote_discount', { percent: quote.discount_percent }),
            ltr(`− ${cur} ${formatMinor(quote.discount_minor, cur, locale())}`, 'money'),
            'quote-discount',
          )
        : null,
      row(
        t('course.quote_total'),
        moneyText(quote.total_minor, cur, 'money quote-total-amount'),
        'quote-total',
      ),
    ),
  );
}

// The PDF links of course `id`, one per language, named in their own language.
export function quoteLinks(id, { print = true } = {}) {
  const pdf = (lang) =>
    h(
      'a',
      {
        id: `quote-pdf-${lang}`,
        class: 'btn btn-secondary',
        href: `/api/v1/courses/${enc(id)}/quote.pdf?lang=${lang}`,
        download: `quote-${id}-${lang}.pdf`,
        hreflang: lang,
        type: 'application/pdf',
      },
      h('span', null, t(`course.quote_pdf_${lang}`)),
    );
  return h(
    'div',
    { class: 'quote-links' },
    pdf('en'),
    pdf('ar'),
    print
      ? h(
          'a',
          {
            id: 'quote-print',
            class: 'btn btn-ghost',
            href: `#/courses/${enc(id)}/quote`,
          },
          t('course.quote_print_view'),
        )
      : null,
  );
}

// The whole quote of GET /courses/{id}/quote as a section #course-quote.
export function quoteSection(quote, { print = true, headingLevel = 'h2', titleId } = {}) {
  const p = quote.patient || {};
  const name = p.name || {};
  return h(
    'section',
    {
      id: 'course-quote',
      class: 'quote',
      'data-course-id': String(quote.course_id),
      'aria-labelledby': titleId || 'course-quote-title',
    },
    h(
      'div',
      { class: 'quote-head' },
      h(
        headingLevel,
        {
          id: titleId || 'course-quote-title',
          class: headingLevel === 'h1' ? 'quote-title page-title' : 'quote-title',
          tabindex: headingLevel === 'h1' ? '-1' : null,
        },
        t('course.quote_title'),
        ' · ',
        localText(quote.protocol_label),
      ),
      h(
        'dl',
        { class: 'quote-facts' },
        h(
          'div',
          null,
          h('dt', null, t('course.quote_patient')),
          h('dd', null, orderedScripts(name.en, name.ar, 'pname')),
        ),
        h('div', null, h('dt', null, t('patient.mrn')), h('dd', null, ltr(p.mrn || '', 'mono'))),
        h(
          'div',
          null,
          h('dt', null, t('course.quote_issued')),
          h('dd', null, h('time', { datetime: quote.issued }, fmtDate(quote.issued))),
        ),
        h(
          'div',
          null,
          h('dt', null, t('course.quote_valid_until')),
          h('dd', null, h('time', { datetime: quote.valid_until }, fmtDate(quote.valid_until))),
        ),
      ),
    ),
    quoteTable(quote),
    h(
      'p',
      { class: 'quote-currency muted small' },
      t('course.quote_currency', { currency: quote.currency }),
    ),
    quoteLinks(quote.course_id, { print }),
  );
}

// #/courses/<id>/quote: the quote alone, with a print button; the stylesheet's print rules
// leave out the header, the links and the buttons on paper.
export async function render(main, params, ctx) {
  const page = h('section', { class: 'page quote-page', id: 'quote-page' });
  main.append(page);
  page.append(spinner());
  let quote;
  let course;
  try {
    [quote, course] = await Promise.all([
      request('GET', `/courses/${enc(params.id)}/quote`),
      request('GET', `/courses/${enc(params.id)}`),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(page, errorBanner(err, { retry: () => ctx.navigate(location.hash) }));
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('course.quote_title')} · ${localText(quote.protocol_label)}`);
  const printBtn = button(t('course.quote_print'), { kind: 'primary', id: 'quote-print-now' });
  printBtn.addEventListener('click', () => window.print());
  replace(
    page,
    h(
      'div',
      { class: 'page-heading-row no-print' },
      h(
        'a',
        {
          class: 'back-link',
          href: `#/patients/${enc(course.patient_id)}/courses`,
        },
        icon('chevronStart', 'flip-rtl'),
        t('course.back_to_courses'),
      ),
    ),
    h(
      'div',
      { class: 'card quote-sheet' },
      h('p', { class: 'quote-brand' }, 'Autologa'),
      quoteSection(quote, { print: false, headingLevel: 'h1' }),
    ),
    h('div', { class: 'form-actions no-print' }, printBtn),
  );
}
