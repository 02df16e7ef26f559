// The PRP preparation designer under the preparation record, in headless Chromium against the
// real server, in English and Arabic: a nurse opens a procedure's preparation, the panel is
// prefilled from the patient's labs, the protocol and the centrifuge with each source shown,
// predicts (figures with bands, classifications, the target, the tube after each spin drawn to
// scale), shows a field error at its field, takes the spins typed in the form above, runs the
// design, tries a proposal and writes one into the form's spins without saving it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createPatient, roleClients, show, startServer } from '../lib/server.mjs';
import { addCentrifuge, addClinician, addRoom, openEveryDay } from '../lib/calendar.mjs';

const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 20000;
const H = 3600000;
const D = 24 * H;
const iso = (ms) => new Date(ms).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

function ok(r, status = 200) {
  assert.equal(r.status, status, show(r));
  return r.body;
}

describe('PRP preparation designer', () => {
  let server;
  let c;
  let cal;
  let browser;
  let slot = 0;
  const pageErrors = [];

  before(async () => {
    server = await startServer();
    c = await roleClients(server);
    await openEveryDay(c.admin, '00:00', '24:00');
    cal = {
      room: await addRoom(c.admin, 'Designer room'),
      clinician: await addClinician(c.admin, '00:00', '24:00'),
      centrifuge: await addCentrifuge(c.admin, 'Designer centrifuge'),
    };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  // A checked-in hair session of a screened patient with a blood count on file, its procedure
  // started and nothing of the preparation recorded yet.
  async function procedureAtChair() {
    const p = await createPatient(c.doctor);
    const cur = ok(await c.doctor.get(`/api/v1/patients/${p.id}/medical-history`));
    ok(
      await c.doctor.put(`/api/v1/patients/${p.id}/medical-history`, {
        version: cur.version,
        medications: [],
        pregnant: false,
        breastfeeding: false,
        smoking: 'never',
      }),
    );
    ok(
      await c.doctor.post(`/api/v1/patients/${p.id}/assessments`, {
        visit_date: today(),
        complaint: 'hair',
        face: null,
        hair: {
          norwood: 'III', ludwig: null, sinclair: null, savin: null, salt: null,
          duration_months: 12, hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'],
        },
        consent_to_risks: true,
        acute_illness: false,
      }),
      201,
    );
    const labs = [
      { analyte: 'platelets', value: 250, unit: '10^9/L' },
      { analyte: 'haemoglobin', value: 140, unit: 'g/L', reference_low: 120, reference_high: 160 },
      { analyte: 'haematocrit', value: 0.44, unit: 'L/L' },
      { analyte: 'wbc', value: 6.5, unit: '10^9/L' },
    ];
    for (const lab of labs) {
      ok(await c.doctor.post(`/api/v1/patients/${p.id}/labs`, { ...lab, measured_at: iso(Date.now() - 10 * D) }), 201);
    }
    const screening = ok(
      await c.nurse.post(`/api/v1/patients/${p.id}/screenings`, { treatment: 'prp-hair', session_at: iso(Date.now() + H) }),
      201,
    );
    assert.ok(['eligible', 'caution'].includes(screening.outcome), JSON.stringify(screening));
    const start = `${today()}T${String(Math.floor(slot / 2)).padStart(2, '0')}:${slot % 2 ? '30' : '00'}:00Z`;
    slot += 1;
    const appt = ok(
      await c.reception.post('/api/v1/appointments', {
        patient_id: p.id, kind: 'session', start, room_id: cal.room.id,
        clinician_id: cal.clinician.id, duration_minutes: 30, prep_minutes: 0,
      }),
      201,
    );
    ok(await c.reception.post(`/api/v1/appointments/${appt.id}/status`, { status: 'checked_in', version: appt.version }));
    const proc = ok(
      await c.nurse.post(`/api/v1/appointments/${appt.id}/procedure`, { screening_id: screening.id, treatment: 'prp-hair' }),
      201,
    );
    return { patient: p, proc };
  }

  // The nurse's page in `lang` with the preparation form of `procId` drawn as the chair draws it.
  async function prepPage(lang, procId, { width = 1200 } = {}) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url + '/', { waitUntil: 'networkidle' });
    await page.evaluate(
      async ({ username, password, lang, procId }) => {
        const { api, request } = await import('/js/api.js');
        const s = await import('/js/session.js');
        s.setSession(await api.login(username, password));
        await s.loadPermissions();
        const i18n = await import('/js/i18n.js');
        await i18n.setLang(lang);
        const box = document.createElement('div');
        box.id = 'under-test';
        document.querySelector('main').replaceChildren(box);
        const { loadCatalog } = await import('/js/catalog.js');
        const [procedure, catalog, cf] = await Promise.all([
          request('GET', `/procedures/${procId}`),
          loadCatalog(),
          request('GET', '/centrifuges'),
        ]);
        const { renderPrepForm } = await import('/js/views/prep-form.js');
        window.saved = [];
        renderPrepForm(box, {
          procedure,
          catalog,
          centrifuges: cf.centrifuges,
          onSaved: (p) => window.saved.push(p),
        });
      },
      { username: c.nurse.username, password: c.nurse.password, lang, procId },
    );
    return page;
  }

  const panel = (page) => page.locator('#prp-designer');
  const control = (page, name) => page.locator(`#prp-inputs [name="${name}"]`);
  const source = (page, path) => page.locator(`#prp-inputs .prp-source[data-for="${path}"]`);

  async function openPanel(page) {
    await page.click('#prp-open');
    // The prefill is done when the haematocrit's source is known.
    await page.waitForSelector('#prp-inputs .prp-source[data-for="blood.hct"][data-source="lab"]');
  }

  // Clicks predict and returns the server's answer.
  async function predict(page) {
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/prp/simulate')),
      page.click('#prp-predict'),
    ]);
    const body = await res.json();
    if (res.status() === 200) await page.waitForSelector('#prp-result:not([hidden]) #prp-tubes svg.prp-tube');
    return { status: res.status(), body };
  }

  it('is prefilled from the labs, the protocol and the centrifuge, predicts and draws the tubes', async () => {
    const { proc } = await procedureAtChair();
    const page = await prepPage('en', proc.id);
    await panel(page).waitFor();
    assert.match(await page.textContent('#prp-designer h3'), /Preparation designer/);
    assert.match(await page.textContent('#prp-prediction-note'), /Predictions of a model, not measurements/);
    // Closed, the panel holds no controls that could be taken for the form's own spins.
    assert.equal(await page.locator('[name="spins.0.minutes"]').count(), 1);
    await openPanel(page);

    assert.equal(await control(page, 'blood.hct').inputValue(), '44');
    // The date of the lab result, as the page writes dates.
    const hctSource = await source(page, 'blood.hct').textContent();
    const measured = new Date(Date.now() - 10 * D);
    assert.match(hctSource, /^from lab of /);
    assert.ok(
      hctSource.includes(String(measured.getUTCFullYear())) && hctSource.includes(String(measured.getUTCDate())),
      hctSource,
    );
    assert.equal(await control(page, 'blood.platelets_per_ul').inputValue(), '250');
    assert.equal(await source(page, 'blood.platelets_per_ul').getAttribute('data-source'), 'lab');
    assert.equal(await control(page, 'blood.wbc_per_ul').inputValue(), '6.5');
    assert.equal(await control(page, 'blood.volume_ml').inputValue(), '8');
    assert.equal(await source(page, 'blood.volume_ml').textContent(), 'protocol');
    assert.equal(await source(page, 'blood.temperature_c').textContent(), 'default');
    assert.equal(await control(page, 'rotor.radius_mm').inputValue(), '86');
    assert.equal(await source(page, 'rotor.radius_mm').textContent(), 'from Designer centrifuge');
    assert.equal(await control(page, 'tube.shape').inputValue(), 'conical');
    // The protocol's ranges (first spin 100–300 × g for 5–10 min) give their midpoints.
    assert.equal(await control(page, 'spins.0.g').inputValue(), '200');
    assert.equal(await control(page, 'spins.0.minutes').inputValue(), '7.5');
    assert.equal(await control(page, 'spins.1.collect.fraction').inputValue(), '33.3');
    assert.equal(await control(page, 'target.platelets_per_ul_min').inputValue(), '1000');
    assert.equal(await page.locator('#prp-inputs .prp-field.is-missing').count(), 0);

    const { status, body } = await predict(page);
    assert.equal(status, 200, JSON.stringify(body));
    assert.match(
      await page.textContent('#prp-prediction-note'),
      new RegExp(`±${Math.round(body.prediction.band_relative * 100)} % band`),
    );
    // what the band does not cover is said beside it
    assert.match(await page.textContent('#prp-model-limits'), /independent one/);
    for (const key of ['recovery', 'prp_volume_ml', 'platelets_per_ul', 'concentration_factor', 'wbc_per_ul', 'rbc_per_ul', 'dose_billion']) {
      const fig = page.locator(`#prp-result [data-out="${key}"]`);
      assert.notEqual((await fig.locator('.prp-value').textContent()).trim(), '—', key);
      assert.equal(await fig.locator('.prp-band').count(), 1, `${key} has a band`);
    }
    const recBand = page.locator('#prp-result [data-out="recovery"] .prp-band');
    assert.equal(Number(await recBand.getAttribute('data-low')), body.bands.recovery.low);
    assert.equal(Number(await recBand.getAttribute('data-high')), body.bands.recovery.high);
    assert.match(
      await page.textContent('#prp-result [data-out="recovery"] .prp-value'),
      new RegExp(`${Math.round(body.recovery * 100)} %`),
    );
    const status1 = await page.getAttribute('#prp-target-status', 'data-status');
    const expected = body.platelets_per_ul < 1e6 ? 'below' : body.platelets_per_ul > 1.5e6 ? 'above' : 'within';
    assert.equal(status1, expected);
    for (const k of ['paw', 'mishra', 'dohan_ehrenfest', 'plra', 'depa']) {
      assert.equal(
        (await page.textContent(`#prp-classes [data-class="${k}"] dd`)).trim(),
        body.classifications[k].code,
        k,
      );
    }
    assert.equal(await page.locator('#prp-warnings li').count(), body.warnings.length);

    // One tube per spin, its layers to scale by the answer's volumes, the cut drawn.
    assert.equal(await page.locator('#prp-tubes svg.prp-tube').count(), body.spins.length);
    const first = body.spins[0];
    const heights = await page.$$eval('#prp-tubes svg.prp-tube[data-spin="0"] rect[data-layer]', (rs) =>
      Object.fromEntries(rs.map((r) => [r.dataset.layer, Number(r.getAttribute('height'))])),
    );
    const vol = (name) => {
      const l = first.layers.find((x) => x.layer === name);
      return l.bottom_ml - l.top_ml;
    };
    assert.ok(heights.plasma > 0 && heights.red_cells > 0, JSON.stringify(heights));
    assert.ok(
      Math.abs(heights.plasma / heights.red_cells - vol('plasma') / vol('red_cells')) < 0.01,
      `${JSON.stringify(heights)} against ${JSON.stringify(first.layers)}`,
    );
    assert.equal(await page.locator('#prp-tubes svg.prp-tube line.prp-cut').count(), body.spins.length);
    assert.ok((await page.locator('#prp-tubes svg.prp-tube[data-spin="0"] .prp-profile rect').count()) > 10);
    assert.equal(await page.getAttribute('#prp-tubes', 'dir'), 'ltr');
    assert.deepEqual(pageErrors, []);
  });

  it('shows the answers\' field errors at their controls and says what is missing', async () => {
    const { proc } = await procedureAtChair();
    const page = await prepPage('en', proc.id);
    await openPanel(page);
    // A haematocrit of 70 % is outside what the model accepts (25–60 %).
    await control(page, 'blood.hct').fill('70');
    let answer = await predict(page);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'blood.hct');
    await page.waitForFunction(() => document.querySelector('#prp-inputs [data-error-for="blood.hct"]').textContent.length > 0);
    assert.equal(await control(page, 'blood.hct').getAttribute('aria-invalid'), 'true');
    await control(page, 'blood.hct').fill('44');
    // spins[1].collect.fraction of the answer is the control spins.1.collect.fraction.
    await control(page, 'spins.1.collect.fraction').fill('150');
    answer = await predict(page);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.field, 'spins[1].collect.fraction');
    await page.waitForFunction(
      () => document.querySelector('#prp-inputs [data-error-for="spins.1.collect.fraction"]').textContent.length > 0,
    );
    assert.equal(await page.textContent('#prp-inputs [data-error-for="blood.hct"]'), '');
    // An empty required value: marked, and the button says what to enter.
    await control(page, 'rotor.radius_mm').fill('');
    assert.equal(await page.isDisabled('#prp-predict'), true);
    assert.match(await page.textContent('#prp-predict'), /Enter Rotor radius to predict/);
    assert.equal(await source(page, 'rotor.radius_mm').textContent(), 'to enter');
    await control(page, 'rotor.radius_mm').fill('86');
    assert.equal(await page.isDisabled('#prp-predict'), false);
    assert.equal(await source(page, 'rotor.radius_mm').textContent(), 'entered here');
    assert.deepEqual(pageErrors, []);
  });

  it('takes the form\'s spins, proposes protocols, tries one and writes one into the form unsaved', async () => {
    const { proc } = await procedureAtChair();
    const page = await prepPage('en', proc.id);
    await openPanel(page);
    // The form above, not saved: the centrifuge (86 mm) and a first spin in rpm.
    await page.selectOption('#prep-form [name="centrifuge_id"]', String(cal.centrifuge.id));
    await page.fill('#prep-form [name="spins.0.rpm"]', '1500');
    await page.fill('#prep-form [name="spins.0.minutes"]', '9');
    await page.click('#prp-from-form');
    // 1.118e-5 × 8.6 cm × 1500² = 216 × g.
    assert.equal(await control(page, 'spins.0.g').inputValue(), '216');
    assert.equal(await control(page, 'spins.0.minutes').inputValue(), '9');
    assert.equal(await source(page, 'spins.0.g').textContent(), 'from the form above');

    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/prp/design')),
      page.click('#prp-design'),
    ]);
    const design = await res.json();
    assert.equal(res.status(), 200, JSON.stringify(design));
    await page.waitForSelector('#prp-proposals tr[data-rank="1"]');
    assert.equal(await page.locator('#prp-proposals tbody tr').count(), design.protocols.length);
    if (design.feasible > 0) assert.equal(await page.locator('#prp-design-none').count(), 0);
    else assert.equal(await page.locator('#prp-design-none').count(), 1);
    const best = design.protocols[0];
    assert.match(
      await page.textContent('#prp-proposals tr[data-rank="1"]'),
      new RegExp(`${Math.round(best.spins[0].g)} × g`),
    );

    // Try: the proposal goes into the panel and is predicted.
    const [sim] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/prp/simulate')),
      page.click('#prp-proposals tr[data-rank="1"] [data-action="try-protocol"]'),
    ]);
    assert.equal(sim.status(), 200);
    assert.equal(await control(page, 'spins.0.g').inputValue(), String(Math.round(best.spins[0].g)));
    assert.equal(await control(page, 'spins.1.g').inputValue(), String(Math.round(best.spins[1].g)));
    assert.equal(await source(page, 'spins.0.g').textContent(), 'proposal 1');
    await page.waitForSelector('#prp-result:not([hidden]) #prp-tubes svg.prp-tube[data-spin="1"]');

    // Apply: the form's spins take the proposal as a force, not saved.
    const second = design.protocols[1] || best;
    const rank = design.protocols[1] ? 2 : 1;
    await page.click(`#prp-proposals tr[data-rank="${rank}"] [data-action="apply-protocol"]`);
    assert.equal(await page.isChecked('#prep-spin1-mode-rcf'), true);
    assert.equal(await page.inputValue('#prep-form [name="spins.0.rcf_g"]'), String(Math.round(second.spins[0].g)));
    assert.equal(await page.inputValue('#prep-form [name="spins.0.minutes"]'), String(second.spins[0].minutes));
    assert.equal(await page.inputValue('#prep-form [name="spins.1.rcf_g"]'), String(Math.round(second.spins[1].g)));
    assert.match(await page.textContent('#prp-apply-note'), new RegExp(`proposal ${rank} .*not saved until you save`));
    const stored = ok(await c.nurse.get(`/api/v1/procedures/${proc.id}`));
    assert.ok(!stored.preparation, 'nothing is saved by applying a proposal');
    assert.deepEqual(pageErrors, []);
  });

  it('works in Arabic, right to left, the tubes not mirrored, and on a narrow screen', async () => {
    const { proc } = await procedureAtChair();
    const page = await prepPage('ar', proc.id, { width: 420 });
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await openPanel(page);
    assert.match(await page.textContent('#prp-designer h3'), /مصمّم التحضير/);
    assert.match(await source(page, 'blood.hct').textContent(), /^من تحليل /);
    const { status, body } = await predict(page);
    assert.equal(status, 200);
    assert.match(
      await page.textContent('#prp-prediction-note'),
      new RegExp(`تنبؤات نموذج وليست قياسات: نطاق ±${Math.round(body.prediction.band_relative * 100)} %`),
    );
    assert.equal(await page.getAttribute('#prp-tubes', 'dir'), 'ltr');
    // The panel fits the narrow screen: nothing wider than the page.
    const overflow = await page.evaluate(() => {
      const el = document.getElementById('prp-designer');
      return el.scrollWidth - el.clientWidth;
    });
    assert.ok(overflow <= 1, `the panel overflows by ${overflow}px`);
    assert.deepEqual(pageErrors, []);
  });

  it('offers the apply button only to those who can record the preparation', async () => {
    const { proc } = await procedureAtChair();
    const page = await prepPage('en', proc.id);
    await openPanel(page);
    // Without procedure.record the same page draws the form read-only and the panel read-only too.
    await page.evaluate(async (procId) => {
      const s = await import('/js/session.js');
      delete s.session.permissions['procedure.record'];
      const { request } = await import('/js/api.js');
      const procedure = await request('GET', `/procedures/${procId}`);
      const box = document.getElementById('under-test');
      box.replaceChildren();
      const { renderPrepForm } = await import('/js/views/prep-form.js');
      renderPrepForm(box, { procedure, catalog: null, centrifuges: [] });
    }, proc.id);
    await openPanel(page);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/prp/design')),
      page.click('#prp-design'),
    ]);
    assert.equal(res.status(), 200);
    await page.waitForSelector('#prp-proposals tr[data-rank="1"]');
    assert.equal(await page.locator('#prp-proposals [data-action="try-protocol"]').first().isVisible(), true);
    assert.equal(await page.locator('#prp-proposals [data-action="apply-protocol"]:visible').count(), 0);
    // Without procedure.read there is no panel at all.
    await page.evaluate(async (procId) => {
      const s = await import('/js/session.js');
      delete s.session.permissions['procedure.read'];
      const { request } = await import('/js/api.js');
      const procedure = await request('GET', `/procedures/${procId}`);
      const box = document.getElementById('under-test');
      box.replaceChildren();
      const { renderPrepForm } = await import('/js/views/prep-form.js');
      renderPrepForm(box, { procedure, catalog: null, centrifuges: [] });
    }, proc.id);
    assert.equal(await page.locator('#prp-designer').count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});
