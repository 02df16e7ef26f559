// A patient's standardised photographs (#/patients/<id>/photos): upload of one or several JPEG
// or PNG files for a view and a date, a gallery with one row per view in date order, voiding
// with a reason, and comparing two dates of a view side by side, as an overlay with an opacity
// slider, or with a dragged divider. Full-size pictures are fetched only when compared or
// opened, since the server audits every picture it hands out.

import { h, icon, ltr, replace, clear } from '../dom.js';
import { request, apiUpload } from '../api.js';
import { t, tp, tNodes, lang, fmtDate, fmtDateTime, fmtNumber, errorText } from '../i18n.js';
import { can } from '../session.js';
import {
  button,
  badge,
  spinner,
  errorBanner,
  emptyState,
  openDialog,
  setBusy,
  toast,
  field,
  setFieldError,
  clearFieldErrors,
} from '../ui.js';
import { displayName } from '../names.js';
import { loadCatalog, localText } from '../catalog.js';
import { textOrNull } from '../clinical.js';
import { loadClinic } from '../schedule.js';
import { patientTabs, patientStrip } from './patient-tabs.js';

const enc = (v) => encodeURIComponent(String(v));

// What the server takes (docs/api.md, Photos); checked here first so a wrong file is named
// before anything is sent.
export const PHOTO_TYPES = ['image/jpeg', 'image/png'];
export const PHOTO_MAX_BYTES = 12 * 1024 * 1024;
export const MODES = ['side-by-side', 'overlay', 'swipe'];
const VOID_REASON_MIN = 10;
const VOID_REASON_MAX = 1000;
// Errors about the request as a whole: every other file would get the same answer.
const FORM_FIELDS = new Set(['view', 'date', 'course_id', 'notes']);

// The content type to send for a chosen file: the browser's, or read from the name when the
// browser gives none (some systems leave .jpg files untyped). Null when it is neither.
export function fileType(file) {
  if (PHOTO_TYPES.includes(file.type)) return file.type;
  if (file.type) return null;
  if (/\.jpe?g$/i.test(file.name || '')) return 'image/jpeg';
  if (/\.png$/i.test(file.name || '')) return 'image/png';
  return null;
}

// The catalogue's photo views, in its order; an empty list when the server serves none.
export function photoViews(catalog) {
  const m = catalog && catalog.measures;
  return (m && Array.isArray(m.photo_views) && m.photo_views) || [];
}

// Photos grouped by view: the catalogue's views first in its order, then any view the catalogue
// no longer lists (an older record), each group by date then id.
export function groupByView(photos, views) {
  const order = new Map(views.map((v, i) => [v.code, i]));
  const groups = new Map();
  for (const p of photos) {
    if (!groups.has(p.view)) groups.set(p.view, []);
    groups.get(p.view).push(p);
  }
  const codes = [...groups.keys()].sort((a, b) => {
    const ia = order.has(a) ? order.get(a) : Infinity;
    const ib = order.has(b) ? order.get(b) : Infinity;
    return ia === ib ? (a < b ? -1 : a > b ? 1 : 0) : ia - ib;
  });
  return codes.map((code) => ({
    view: code,
    photos: groups
      .get(code)
      .slice()
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id)),
  }));
}

// The default pair to compare: the first and the latest picture of the view.
export function defaultPair(photos) {
  if (photos.length < 2) return null;
  return [photos[0].id, photos[photos.length - 1].id];
}

function viewLabel(views, code) {
  const v = views.find((x) => x.code === code);
  return v ? localText(v.label) : code;
}

function whoName(u) {
  return u ? u.display_name || u.username : t('history.system');
}

// The words for a refused upload: the photo-specific ones where the general text would speak of
// something else (a JSON body, a form's text fields).
export function uploadErrorText(err) {
  if (err.code === 'too_big') return t('photos.file_too_big');
  if (err.code === 'unsupported_media_type') return t('photos.wrong_type');
  if (err.code === 'invalid_value' && err.field === 'content') return t('photos.type_mismatch');
  if (err.code === 'invalid_value' && err.field === 'view') return t('photos.bad_view');
  if (err.code === 'invalid_value' && err.field === 'course_id') return t('photos.bad_course');
  return errorText(err);
}

function kb(bytes) {
  return `${fmtNumber(Math.ceil(bytes / 1024))} KB`;
}

function dateEl(ymd) {
  return h('time', { datetime: ymd }, fmtDate(ymd));
}

// ---- the page ----

export async function render(main, params, ctx) {
  const page = h('section', { class: 'page', id: 'photos-page' });
  main.append(page);
  page.append(spinner());
  let patient;
  let catalog = null;
  let clinic = null;
  try {
    [patient, catalog, clinic] = await Promise.all([
      request('GET', `/patients/${enc(params.id)}`),
      loadCatalog().catch(() => null),
      loadClinic().catch(() => null),
    ]);
  } catch (err) {
    if (!ctx.alive()) return;
    replace(
      page,
      h(
        'a',
        { class: 'back-link', href: '#/patients' },
        icon('chevronStart', 'flip-rtl'),
        t('nav.patients'),
      ),
      errorBanner(err, { retry: () => ctx.navigate(location.hash) }),
    );
    return;
  }
  if (!ctx.alive()) return;
  ctx.setTitle(`${t('photos.title')} · ${displayName(patient)}`);
  const views = photoViews(catalog);
  const canRecord = can('photo.record') && !patient.deleted;
  const restored = (ctx.restored && ctx.restored.photos) || {};
  let showVoided = !!restored.showVoided;
  let photos = [];
  // The comparison shown, if any: {view, left, right, mode, opacity, swipe}.
  let compare = restored.compare || null;

  ctx.setSaveState(() => ({ photos: { showVoided, compare } }));

  function viewDialog(options) {
    const dialog = openDialog(options);
    ctx.onCleanup(dialog.close);
    return dialog;
  }

  const showVoidedBox = h('input', {
    type: 'checkbox',
    id: 'photos-show-voided',
    checked: showVoided,
  });
  showVoidedBox.addEventListener('change', () => {
    showVoided = showVoidedBox.checked;
    load();
  });
  const gallery = h('div', { id: 'photo-gallery', class: 'photo-gallery', 'aria-busy': 'true' });
  const galleryError = h('div', { class: 'error-slot' });
  const compareSlot = h('div', { class: 'photo-compare-slot' });

  // ---- the gallery ----

  function thumbCard(p) {
    const voided = !!p.voided;
    const open = h(
      'button',
      {
        type: 'button',
        class: 'photo-thumb-button',
        'data-action': 'open-photo',
        'aria-label': t('photos.open_aria', {
          view: viewLabel(views, p.view),
          date: fmtDate(p.date),
        }),
        onclick: () => openViewer(p),
      },
      h('img', {
        class: 'photo-thumb',
        'data-photo-id': String(p.id),
        src: p.thumb_url,
        width: String(p.thumb_width || 240),
        height: String(p.thumb_height || 240),
        alt: '',
        loading: 'lazy',
        decoding: 'async',
      }),
    );
    const voidBtn =
      canRecord && !voided
        ? h(
            'button',
            {
              type: 'button',
              class: 'icon-btn icon-btn-danger',
              'data-action': 'void-photo',
              'aria-label': t('photos.void_aria', {
                view: viewLabel(views, p.view),
                date: fmtDate(p.date),
              }),
              title: t('photos.void'),
              onclick: () => openVoid(p),
            },
            icon('trash'),
          )
        : null;
    return h(
      'li',
      {
        class: 'photo-card' + (voided ? ' is-voided' : ''),
        'data-photo-id': String(p.id),
        'data-date': p.date,
      },
      h(
        'figure',
        { class: 'photo-figure' },
        open,
        h(
          'figcaption',
          { class: 'photo-caption' },
          h('span', { class: 'photo-date' }, dateEl(p.date)),
          voided ? badge(t('photos.voided'), 'danger') : null,
          voidBtn,
        ),
        voided
          ? h(
              'p',
              { class: 'photo-void-note muted small' },
              t('photos.voided_by', {
                who: whoName(p.voided.by),
                at: fmtDateTime(p.voided.at),
              }),
              ' ',
              h('span', { class: 'pre-wrap photo-void-reason' }, p.voided.reason),
            )
          : null,
      ),
    );
  }

  function viewRow(group) {
    const live = group.photos.filter((p) => !p.voided);
    const titleId = `photo-view-${group.view}-title`;
    return h(
      'section',
      { class: 'card photo-view-row', 'data-view': group.view, 'aria-labelledby': titleId },
      h(
        'div',
        { class: 'photo-view-head' },
        h(
          'h3',
          { id: titleId, class: 'photo-view-title' },
          viewLabel(views, group.view),
          ' ',
          h('span', { class: 'muted small' }, tp('photos.count', live.length)),
        ),
        live.length >= 2
          ? button(t('photos.compare'), {
              kind: 'secondary',
              'data-action': 'compare',
              'aria-label': t('photos.compare_aria', { view: viewLabel(views, group.view) }),
              onclick: () => {
                const pair = defaultPair(live);
                compare = {
                  view: group.view,
                  left: pair[0],
                  right: pair[1],
                  mode: 'side-by-side',
                  opacity: 50,
                  swipe: 50,
                };
                drawCompare(true);
              },
            })
          : null,
      ),
      h('ol', { class: 'photo-strip' }, group.photos.map(thumbCard)),
    );
  }

  async function load() {
    gallery.setAttribute('aria-busy', 'true');
    let body;
    try {
      body = await request('GET', `/patients/${enc(patient.id)}/photos`, {
        query: showVoided ? { include_voided: 1 } : {},
      });
    } catch (err) {
      if (!ctx.alive() || err.status === 401) return;
      gallery.removeAttribute('aria-busy');
      clear(gallery);
      replace(galleryError, errorBanner(err, { retry: load }));
      return;
    }
    if (!ctx.alive()) return;
    clear(galleryError);
    photos = (body && body.photos) || [];
    const groups = groupByView(photos, views);
    if (!groups.length) {
      replace(gallery, emptyState(t('photos.none'), canRecord ? t('photos.none_hint') : null));
    } else {
      replace(gallery, groups.map(viewRow));
    }
    gallery.removeAttribute('aria-busy');
    drawCompare(false);
  }

  // ---- one picture at full size ----

  function openViewer(p) {
    const img = h('img', {
      class: 'photo-full',
      'data-photo-id': String(p.id),
      src: p.image_url,
      alt: t('photos.full_alt', { view: viewLabel(views, p.view), date: fmtDate(p.date) }),
      width: String(p.width),
      height: String(p.height),
    });
    const facts = h(
      'dl',
      { class: 'photo-facts' },
      h('dt', null, t('photos.view')),
      h('dd', null, viewLabel(views, p.view)),
      h('dt', null, t('photos.date')),
      h('dd', null, dateEl(p.date)),
      h('dt', null, t('photos.size')),
      h('dd', null, ltr(`${p.width} × ${p.height} px · ${kb(p.bytes)}`)),
      p.original_name
        ? [h('dt', null, t('photos.file')), h('dd', null, ltr(p.original_name))]
        : null,
      h('dt', null, t('photos.uploaded')),
      h(
        'dd',
        null,
        tNodes('photos.uploaded_by', {
          who: h('bdi', null, whoName(p.uploaded_by)),
          when: h('time', { datetime: p.uploaded_at }, fmtDateTime(p.uploaded_at)),
        }),
      ),
      p.notes
        ? [h('dt', null, t('photos.notes')), h('dd', { class: 'pre-wrap' }, p.notes)]
        : null,
    );
    viewDialog({
      title: `${viewLabel(views, p.view)} · ${fmtDate(p.date)}`,
      body: h('div', { class: 'photo-viewer' }, h('div', { class: 'photo-full-wrap' }, img), facts),
      id: 'photo-viewer',
      size: 'wide',
    });
  }

  // ---- voiding ----

  function openVoid(p) {
    const reason = h('textarea', {
      class: 'input textarea',
      rows: '3',
      maxlength: String(VOID_REASON_MAX),
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const confirm = h(
      'button',
      { id: 'photo-void-confirm', type: 'submit', class: 'btn btn-danger' },
      icon('trash'),
      h('span', null, t('photos.void_confirm')),
    );
    const cancel = button(t('common.cancel'));
    const form = h(
      'form',
      { class: 'form', novalidate: true },
      h('p', null, t('photos.void_explain')),
      h(
        'p',
        { class: 'delete-target' },
        h('strong', null, viewLabel(views, p.view)),
        ' · ',
        dateEl(p.date),
      ),
      field({
        form: 'photovoid',
        id: 'photo-void-reason',
        name: 'reason',
        label: t('photos.void_reason'),
        control: reason,
        hint: t('photos.void_reason_hint'),
        required: true,
      }),
      error,
      h('div', { class: 'dialog-actions inline' }, cancel, confirm),
    );
    const { close } = viewDialog({
      title: t('photos.void_title'),
      body: form,
      id: 'photo-void-dialog',
    });
    cancel.addEventListener('click', close);
    reason.focus();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      error.textContent = '';
      const text = reason.value.trim();
      if ([...text].length < VOID_REASON_MIN) {
        setFieldError(form, 'reason', text ? t('photos.void_reason_short') : t('error.required'));
        reason.focus();
        return;
      }
      setBusy(confirm, true);
      try {
        await request('POST', `/photos/${enc(p.id)}/void`, { body: { reason: text } });
        if (!ctx.alive()) return;
        close();
        toast(t('photos.voided_done'));
        if (compare && (compare.left === p.id || compare.right === p.id)) compare = null;
        load();
      } catch (err) {
        if (err.status === 401) {
          close();
          return;
        }
        const msg = err.code === 'too_short' ? t('photos.void_reason_short') : errorText(err);
        if (!(err.field === 'reason' && setFieldError(form, 'reason', msg)))
          error.textContent = msg;
        if (err.status === 409) load();
      } finally {
        setBusy(confirm, false);
      }
    });
  }

  // ---- comparing two dates of one view ----

  // The full pictures fetched during this visit of the page, by id, so switching mode or side
  // shows the same element again instead of asking (and auditing) anew.
  const fullImages = new Map();
  function fullImage(p) {
    let img = fullImages.get(p.id);
    if (!img) {
      img = h('img', {
        class: 'compare-image',
        'data-photo-id': String(p.id),
        src: p.image_url,
        alt: t('photos.full_alt', { view: viewLabel(views, p.view), date: fmtDate(p.date) }),
        width: String(p.width),
        height: String(p.height),
        draggable: 'false',
      });
      fullImages.set(p.id, img);
    }
    return img;
  }

  function drawCompare(focus) {
    if (!compare) {
      clear(compareSlot);
      return;
    }
    const live = photos.filter((p) => p.view === compare.view && !p.voided);
    const sorted = groupByView(live, views)[0];
    const list = sorted ? sorted.photos : [];
    if (list.length < 2) {
      compare = null;
      clear(compareSlot);
      return;
    }
    const byId = new Map(list.map((p) => [p.id, p]));
    if (!byId.has(compare.left) || !byId.has(compare.right)) {
      const pair = defaultPair(list);
      compare.left = pair[0];
      compare.right = pair[1];
    }
    // Two pictures of one date are told apart by their upload order.
    const sameDate = new Map();
    for (const p of list) sameDate.set(p.date, (sameDate.get(p.date) || 0) + 1);
    const optionText = (p) => {
      if (sameDate.get(p.date) < 2) return fmtDate(p.date);
      const index = list.filter((q) => q.date === p.date).indexOf(p) + 1;
      return t('photos.date_nth', { date: fmtDate(p.date), n: index });
    };
    const select = (id, side, label) => {
      const sel = h(
        'select',
        { class: 'input select', name: side },
        list.map((p) =>
          h('option', { value: String(p.id), selected: compare[side] === p.id }, optionText(p)),
        ),
      );
      sel.value = String(compare[side]);
      sel.addEventListener('change', () => {
        compare[side] = Number(sel.value);
        drawStage();
      });
      return field({ form: 'compare', id, name: side, label, control: sel });
    };
    const leftField = select('compare-left', 'left', t('photos.compare_left'));
    const rightField = select('compare-right', 'right', t('photos.compare_right'));
    const modeRadios = h(
      'fieldset',
      { class: 'field radio-field compare-modes' },
      h('legend', { class: 'field-label' }, t('photos.compare_mode')),
      h(
        'div',
        { class: 'choice-row' },
        MODES.map((m) =>
          h(
            'label',
            { class: 'choice-pill' },
            h('input', {
              type: 'radio',
              name: 'compare-mode',
              value: m,
              checked: compare.mode === m,
              onchange: (e) => {
                if (!e.target.checked) return;
                compare.mode = m;
                drawStage();
              },
            }),
            h('span', null, t(`photos.mode.${m}`)),
          ),
        ),
      ),
    );
    const opacity = h('input', {
      type: 'range',
      id: 'compare-opacity',
      class: 'range',
      min: '0',
      max: '100',
      step: '1',
      value: String(compare.opacity),
    });
    const opacityOut = h('output', { for: 'compare-opacity', class: 'compare-opacity-value' });
    const opacityField = h(
      'div',
      { class: 'field compare-opacity-field' },
      h('label', { for: 'compare-opacity', class: 'field-label' }, t('photos.opacity')),
      h('div', { class: 'range-row', dir: 'ltr' }, opacity, opacityOut),
    );
    opacity.addEventListener('input', () => {
      compare.opacity = Number(opacity.value);
      applyOpacity();
    });

    const leftFig = h('figure', { class: 'compare-figure compare-left-figure' });
    const rightFig = h('figure', { class: 'compare-figure compare-right-figure' });
    const divider = h(
      'div',
      {
        id: 'compare-swipe',
        class: 'compare-swipe',
        role: 'slider',
        tabindex: '0',
        'aria-label': t('photos.swipe_label'),
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-orientation': 'horizontal',
      },
      h('span', { class: 'compare-swipe-handle', 'aria-hidden': 'true' }),
    );
    // Pictures are never mirrored and the earlier one stays on the left in both languages, as
    // time runs left to right on the charts.
    const stage = h(
      'div',
      { class: 'compare-stage', dir: 'ltr', 'data-mode': compare.mode },
      leftFig,
      rightFig,
      divider,
    );

    function applyOpacity() {
      opacityOut.textContent = `${compare.opacity}%`;
      // The picture fades, not its caption.
      const img = rightFig.querySelector('img');
      if (img) img.style.opacity = compare.mode === 'overlay' ? String(compare.opacity / 100) : '';
    }
    function applySwipe() {
      const pos = Math.max(0, Math.min(100, compare.swipe));
      divider.style.left = `${pos}%`;
      divider.setAttribute('aria-valuenow', String(Math.round(pos)));
      divider.setAttribute('aria-valuetext', `${Math.round(pos)}%`);
      rightFig.style.clipPath = compare.mode === 'swipe' ? `inset(0 0 0 ${pos}%)` : '';
    }
    function caption(p, side) {
      return h(
        'figcaption',
        { class: 'compare-caption' },
        h('span', { class: 'compare-side' }, t(`photos.compare_${side}`)),
        ' ',
        h('span', { class: 'compare-date', 'data-date': p.date }, dateEl(p.date)),
      );
    }
    function drawStage() {
      const left = byId.get(compare.left);
      const right = byId.get(compare.right);
      stage.dataset.mode = compare.mode;
      const stacked = compare.mode !== 'side-by-side';
      // Stacked, the box takes the left picture's shape and both fit inside it.
      stage.style.aspectRatio = stacked ? `${left.width} / ${left.height}` : '';
      // …and no taller than most of the window, narrowing to keep that shape.
      stage.style.maxInlineSize = stacked ? `calc(75vh * ${left.width} / ${left.height})` : '';
      replace(
        leftFig,
        h('div', { class: 'compare-frame' }, fullImage(left)),
        caption(left, 'left'),
      );
      replace(
        rightFig,
        h('div', { class: 'compare-frame' }, fullImage(right)),
        caption(right, 'right'),
      );
      for (const img of [fullImage(left), fullImage(right)]) img.style.opacity = '';
      opacityField.hidden = compare.mode !== 'overlay';
      divider.hidden = compare.mode !== 'swipe';
      applyOpacity();
      applySwipe();
    }

    // Dragging the divider, or moving it with the arrow keys.
    function swipeTo(clientX) {
      const box = stage.getBoundingClientRect();
      if (!box.width) return;
      compare.swipe = ((clientX - box.left) / box.width) * 100;
      applySwipe();
    }
    divider.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      divider.setPointerCapture?.(e.pointerId);
      divider.classList.add('is-dragging');
      const move = (ev) => swipeTo(ev.clientX);
      const up = () => {
        divider.classList.remove('is-dragging');
        divider.removeEventListener('pointermove', move);
        divider.removeEventListener('pointerup', up);
        divider.removeEventListener('pointercancel', up);
      };
      divider.addEventListener('pointermove', move);
      divider.addEventListener('pointerup', up);
      divider.addEventListener('pointercancel', up);
    });
    stage.addEventListener('click', (e) => {
      if (compare.mode === 'swipe' && e.target !== divider) swipeTo(e.clientX);
    });
    divider.addEventListener('keydown', (e) => {
      const step = e.shiftKey ? 10 : 2;
      // The stage is left to right in both languages, so the arrows move the way they point.
      if (e.key === 'ArrowLeft') compare.swipe = Math.max(0, compare.swipe - step);
      else if (e.key === 'ArrowRight') compare.swipe = Math.min(100, compare.swipe + step);
      else if (e.key === 'Home') compare.swipe = 0;
      else if (e.key === 'End') compare.swipe = 100;
      else return;
      e.preventDefault();
      applySwipe();
    });

    const close = button(t('photos.compare_close'), {
      kind: 'ghost',
      iconName: 'close',
      'data-action': 'close-compare',
      onclick: () => {
        compare = null;
        clear(compareSlot);
        gallery.querySelector('[data-action="compare"]')?.focus();
      },
    });
    const title = h(
      'h2',
      { id: 'photo-compare-title', class: 'card-title', tabindex: '-1' },
      t('photos.compare_title', { view: viewLabel(views, compare.view) }),
    );
    replace(
      compareSlot,
      h(
        'section',
        {
          id: 'photo-compare',
          class: 'card photo-compare',
          'data-view': compare.view,
          'aria-labelledby': 'photo-compare-title',
        },
        h(
          'div',
          { class: 'toolbar' },
          h(
            'div',
            { class: 'toolbar-main' },
            title,
            h('p', { class: 'toolbar-hint' }, t('photos.compare_hint')),
          ),
          close,
        ),
        h(
          'div',
          { class: 'form-grid compare-controls' },
          // The left choice stands over the left picture in both languages.
          h(
            'div',
            { class: 'compare-pair field-wide', dir: 'ltr' },
            h('div', { dir: lang() === 'ar' ? 'rtl' : 'ltr' }, leftField),
            h('div', { dir: lang() === 'ar' ? 'rtl' : 'ltr' }, rightField),
          ),
          modeRadios,
          opacityField,
        ),
        stage,
      ),
    );
    drawStage();
    if (focus) {
      title.focus({ preventScroll: true });
      compareSlot.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }
  }

  // ---- uploading ----

  let coursesPromise = null;
  function courses() {
    if (!can('course.read')) return Promise.resolve([]);
    if (!coursesPromise) {
      coursesPromise = request('GET', `/patients/${enc(patient.id)}/courses`).then(
        (body) => (body && body.courses) || [],
        () => [],
      );
    }
    return coursesPromise;
  }

  async function openUpload(opener) {
    if (opener) setBusy(opener, true);
    const list = await courses();
    if (opener) setBusy(opener, false);
    if (!ctx.alive()) return;
    const today = clinic && clinic.today;
    const fileIn = h('input', {
      type: 'file',
      class: 'input input-file',
      accept: PHOTO_TYPES.join(','),
      multiple: true,
    });
    const groups = ['hair', 'face'];
    const viewSel = h(
      'select',
      { class: 'input select' },
      h('option', { value: '' }, t('form.choose')),
      groups.map((g) => {
        const inGroup = views.filter((v) => v.complaint === g);
        return inGroup.length
          ? h(
              'optgroup',
              { label: t(`photos.group.${g}`) },
              inGroup.map((v) => h('option', { value: v.code }, localText(v.label))),
            )
          : null;
      }),
      views
        .filter((v) => !groups.includes(v.complaint))
        .map((v) => h('option', { value: v.code }, localText(v.label))),
    );
    const dateIn = h('input', { type: 'date', class: 'input', max: today || null });
    dateIn.value = today || '';
    const courseSel = h(
      'select',
      { class: 'input select' },
      h('option', { value: '' }, t('photos.no_course')),
      list
        .filter((c) => c.status !== 'cancelled')
        .map((c) =>
          h(
            'option',
            { value: String(c.id) },
            [
              localText(c.label) || c.protocol,
              fmtDate(c.start_date),
              t(`course.status.${c.status}`),
            ].join(' · '),
          ),
        ),
    );
    // Pictures taken during a course belong with it: the newest active one is offered first.
    const current = list.find((c) => c.status === 'active');
    courseSel.value = current ? String(current.id) : '';
    const notesIn = h('textarea', { class: 'input textarea', rows: '2', maxlength: '4000' });
    const progress = h('ol', { id: 'photo-upload-progress', class: 'upload-progress' });
    const formError = h('div', { id: 'photo-form-error', class: 'form-error', role: 'alert' });
    const save = button(t('photos.upload_save'), {
      kind: 'primary',
      type: 'submit',
      id: 'photo-upload-save',
      iconName: 'plus',
    });
    const cancel = button(t('common.cancel'));
    const courseField = field({
      form: 'photo',
      id: 'photo-course',
      name: 'course_id',
      label: t('photos.course'),
      control: courseSel,
      optional: true,
    });
    courseField.hidden = list.length === 0;
    const form = h(
      'form',
      { id: 'photo-form', class: 'form', novalidate: true },
      h(
        'div',
        { class: 'form-grid' },
        field({
          form: 'photo',
          id: 'photo-file',
          name: 'file',
          label: t('photos.files'),
          control: fileIn,
          hint: t('photos.files_hint'),
          required: true,
          wide: true,
        }),
        field({
          form: 'photo',
          id: 'photo-view',
          name: 'view',
          label: t('photos.view'),
          control: viewSel,
          required: true,
        }),
        field({
          form: 'photo',
          id: 'photo-date',
          name: 'date',
          label: t('photos.date'),
          control: dateIn,
          required: true,
        }),
        courseField,
        field({
          form: 'photo',
          id: 'photo-notes',
          name: 'notes',
          label: t('photos.notes'),
          control: notesIn,
          optional: true,
          wide: true,
        }),
      ),
      progress,
      formError,
      h('div', { class: 'dialog-actions inline' }, cancel, save),
    );
    const { close } = viewDialog({
      title: t('photos.upload_title'),
      body: form,
      id: 'photo-upload-dialog',
      size: 'wide',
    });
    cancel.addEventListener('click', close);
    fileIn.focus();

    // One line per chosen file, with its state; a new choice starts the list again.
    let rows = [];
    function drawFiles() {
      const files = [...fileIn.files];
      rows = files.map((file, i) => {
        const status = h('span', { class: 'upload-status' }, t('photos.status.waiting'));
        const li = h(
          'li',
          { class: 'upload-row', 'data-file-index': String(i), 'data-state': 'waiting' },
          h('bdi', { class: 'upload-name' }, file.name),
          ' ',
          ltr(kb(file.size), 'muted small'),
          ' ',
          status,
          h('p', { class: 'upload-error field-error', 'aria-live': 'polite' }),
        );
        return { file, li, status, done: false };
      });
      replace(progress, rows.map((r) => r.li));
    }
    fileIn.addEventListener('change', drawFiles);

    function setState(row, state, message) {
      row.li.dataset.state = state;
      row.status.textContent = t(`photos.status.${state}`);
      row.li.querySelector('.upload-error').textContent = message || '';
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      clear(formError);
      formError.classList.remove('is-error');
      const missing = [];
      if (!rows.length) missing.push('file');
      if (!viewSel.value) missing.push('view');
      if (!dateIn.value) missing.push('date');
      if (missing.length) {
        for (const name of missing) setFieldError(form, name, t('error.required'));
        form.querySelector(`[name="${missing[0]}"]`)?.focus();
        return;
      }
      const query = {
        view: viewSel.value,
        date: dateIn.value,
        course_id: courseSel.value || null,
        notes: textOrNull(notesIn),
      };
      setBusy(save, true);
      fileIn.disabled = true;
      let failed = 0;
      let stored = 0;
      let stop = null;
      const todo = rows.filter((r) => !r.done);
      for (const [i, row] of todo.entries()) {
        const type = fileType(row.file);
        if (!type) {
          failed += 1;
          setState(row, 'failed', t('photos.wrong_type'));
          continue;
        }
        if (row.file.size > PHOTO_MAX_BYTES) {
          failed += 1;
          setState(row, 'failed', t('photos.file_too_big'));
          continue;
        }
        if (!row.file.size) {
          failed += 1;
          setState(row, 'failed', t('error.invalid_image'));
          continue;
        }
        setState(row, 'sending');
        formError.textContent = t('photos.progress', { n: i + 1, total: todo.length });
        try {
          await apiUpload(`/patients/${enc(patient.id)}/photos`, row.file, type, {
            query: { ...query, name: row.file.name },
          });
          row.done = true;
          stored += 1;
          setState(row, 'stored');
        } catch (err) {
          if (err.status === 401) {
            close();
            return;
          }
          failed += 1;
          if (err.field && FORM_FIELDS.has(err.field)) {
            setState(row, 'waiting');
            stop = err;
            break;
          }
          setState(row, 'failed', uploadErrorText(err));
        }
      }
      setBusy(save, false);
      fileIn.disabled = false;
      clear(formError);
      if (stored) {
        load();
        // What is stored stays stored: leaving the dialog no longer cancels anything.
        cancel.querySelector('.btn-label').textContent = t('common.close');
      }
      if (stop) {
        const msg = uploadErrorText(stop);
        if (!setFieldError(form, stop.field, msg)) formError.textContent = msg;
        form.querySelector(`[name="${stop.field}"]`)?.focus();
        return;
      }
      if (!failed) {
        close();
        toast(tp('photos.uploaded_done', stored));
        return;
      }
      formError.classList.add('is-error');
      replace(
        formError,
        h('p', null, t('photos.some_failed', { stored: String(stored), failed: String(failed) })),
      );
    });
  }

  const uploadBtn = canRecord
    ? button(t('photos.upload'), {
        kind: 'primary',
        iconName: 'plus',
        id: 'upload-photo',
        onclick: (e) => openUpload(e.currentTarget),
      })
    : null;

  replace(
    page,
    patientStrip(patient),
    patientTabs(patient, 'photos'),
    patient.deleted
      ? h(
          'div',
          { class: 'banner banner-error', role: 'status' },
          icon('alert'),
          h('p', null, t('patient.deleted_banner')),
        )
      : null,
    h(
      'div',
      { class: 'toolbar photos-toolbar' },
      h(
        'div',
        { class: 'toolbar-main' },
        h('h2', { class: 'card-title' }, t('photos.title')),
        h('p', { class: 'toolbar-hint' }, t('photos.hint')),
      ),
      h(
        'label',
        { class: 'checkbox', for: 'photos-show-voided' },
        showVoidedBox,
        h('span', null, t('photos.show_voided')),
      ),
      uploadBtn,
    ),
    galleryError,
    gallery,
    compareSlot,
  );
  gallery.append(spinner());
  await load();
}
