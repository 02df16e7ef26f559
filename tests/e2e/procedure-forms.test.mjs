// The procedure's record forms in headless Chromium against the real server, in English and
// Arabic: the preparation form (rpm converted live, counts entered per 10³/µL, the server's
// concentration factor, classifications and deviations), and the injection form on the face map
// (zones, live totals, the PRP-FACE-1 marking, a specimen refused without identity check, then
// saved after one and the server's warnings shown). The procedure is set up through the API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createPatient, roleClients, show, startServer } from '../lib/server.mjs';
import { addCentrifuge, addClinician, addRoom, openEveryDay } from '../lib/calendar.mjs';

const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const H = 3600000;
const D = 24 * H;
const iso = (ms) => new Date(ms).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

function ok(r, status = 200) {
  assert.equal(r.status, status, show(r));
  return r.body;
}

describe('procedure record forms', () => {
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
      room: await addRoom(c.admin, 'Chair room'),
      clinician: await addClinician(c.admin, '00:00', '24:00'),
      centrifuge: await addCentrifuge(c.admin, 'Chair centrifuge'),
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

  // A checked-in face (or hair) session of a screened patient, its procedure started and a PRP
  // syringe prepared from a drawn tube.
  async function procedureAtChair(treatment) {
    const session = Date.now() + H;
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
    const face = treatment === 'prp-face';
    ok(
      await c.doctor.post(`/api/v1/patients/${p.id}/assessments`, {
        visit_date: today(),
        complaint: face ? 'face' : 'hair',
        face: face
          ? { indications: ['fine_lines'], fitzpatrick: 'III', glogau: 'II', high_risk_zone_planned: true }
          : null,
        hair: face
          ? null
          : {
              norwood: 'III', ludwig: null, sinclair: null, savin: null, salt: null,
              duration_months: 12, hair_present_in_area: true, zones: ['vertex'], factors: ['genetics'],
            },
        consent_to_risks: true,
        acute_illness: false,
      }),
      201,
    );
    for (const lab of [
      { analyte: 'platelets', value: 250, unit: '10^9/L' },
      { analyte: 'haemoglobin', value: 140, unit: 'g/L', reference_low: 120, reference_high: 160 },
    ]) {
      ok(await c.doctor.post(`/api/v1/patients/${p.id}/labs`, { ...lab, measured_at: iso(Date.now() - 10 * D) }), 201);
    }
    const screening = ok(
      await c.nurse.post(`/api/v1/patients/${p.id}/screenings`, { treatment, session_at: iso(session) }),
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
      await c.nurse.post(`/api/v1/appointments/${appt.id}/procedure`, { screening_id: screening.id, treatment }),
      201,
    );
    const tube = ok(await c.nurse.post(`/api/v1/procedures/${proc.id}/specimens`, { kind: 'blood_tube' }), 201);
    const syringe = ok(
      await c.nurse.post(`/api/v1/procedures/${proc.id}/specimens`, { kind: 'prp', parent_id: tube.id, volume_ml: 4 }),
      201,
    );
    return { patient: p, proc, syringe };
  }

  // A page signed in as the nurse, in `lang`, with `render(box)` run in it: the component under
  // test loaded from the server like the app loads it.
  async function formPage(lang) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url + '/', { waitUntil: 'networkidle' });
    await page.evaluate(
      async ({ username, password, lang }) => {
        const { api } = await import('/js/api.js');
        const s = await import('/js/session.js');
        s.setSession(await api.login(username, password));
        await s.loadPermissions();
        const i18n = await import('/js/i18n.js');
        await i18n.setLang(lang);
        const box = document.createElement('div');
        box.id = 'under-test';
        document.querySelector('main').replaceChildren(box);
      },
      { username: c.nurse.username, password: c.nurse.password, lang },
    );
    return page;
  }

  async function openForm(page, kind, procId) {
    await page.evaluate(
      async ({ kind, procId }) => {
        const { request } = await import('/js/api.js');
        const { loadCatalog } = await import('/js/catalog.js');
        const [procedure, catalog, cf] = await Promise.all([
          request('GET', `/procedures/${procId}`),
          loadCatalog(),
          request('GET', '/centrifuges'),
        ]);
        const box = document.getElementById('under-test');
        window.saved = [];
        const onSaved = (p) => window.saved.push(p);
        if (kind === 'prep') {
          const { renderPrepForm } = await import('/js/views/prep-form.js');
          renderPrepForm(box, { procedure, catalog, centrifuges: cf.centrifuges, onSaved });
        } else {
          const { renderInjectionForm } = await import('/js/views/injection-form.js');
          renderInjectionForm(box, { procedure, catalog, onSaved });
        }
      },
      { kind, procId },
    );
  }

  for (const lang of ['en', 'ar']) {
    it(`fills the preparation form and shows what the server computes (${lang})`, async () => {
      const { proc } = await procedureAtChair('prp-hair');
      const page = await formPage(lang);
      await openForm(page, 'prep', proc.id);
      assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
      await page.fill('[name="draw.volume_ml"]', '18');
      await page.fill('[name="draw.site"]', 'left antecubital vein');
      await page.fill('[name="tubes.0.product"]', 'Example PRP tube');
      await page.fill('[name="tubes.0.lot"]', 'L2345');
      await page.fill('[name="tubes.0.expiry"]', '2030-05-31');
      await page.selectOption('[name="tubes.0.anticoagulant"]', 'acd_a');
      await page.fill('[name="tubes.0.anticoagulant_ml"]', '1.5');
      await page.fill('[name="tubes.0.count"]', '2');
      await page.click('#prep-add-tube');
      assert.equal(await page.locator('#prep-tubes tr').count(), 2);
      await page.click('#prep-tubes tr[data-index="1"] [data-action="remove-tube"]');
      assert.equal(await page.locator('#prep-tubes tr').count(), 1);
      await page.selectOption('[name="centrifuge_id"]', String(cal.centrifuge.id));
      // 3000 rpm at an 86 mm radius: 1.118e-5 × 8.6 × 3000² = 865 × g, above the protocol's
      // first spin (100–300 × g).
      await page.fill('[name="spins.0.rpm"]', '3000');
      await page.waitForFunction(() => /865/.test(document.querySelector('#prep-spin1-other').textContent));
      await page.fill('[name="spins.0.minutes"]', '10');
      await page.selectOption('[name="spins.0.brake"]', 'on');
      await page.fill('[name="spins.0.temperature_c"]', '22');
      // The second spin entered as a force: the speed is shown computed.
      await page.check('#prep-spin2-mode-rcf');
      await page.fill('[name="spins.1.rcf_g"]', '500');
      const rpm2 = Math.round(Math.sqrt(500 / (1.118e-5 * 8.6)));
      await page.waitForFunction(
        (n) => document.querySelector('#prep-spin2-other').textContent.replace(/\D/g, '').includes(String(n)),
        rpm2,
      );
      await page.fill('[name="spins.1.minutes"]', '10');
      await page.selectOption('[name="collected.layer"]', 'plasma_buffy_coat');
      await page.fill('[name="collected.volume_ml"]', '8');
      await page.fill('[name="final_volume_ml"]', '4');
      await page.fill('[name="counts.blood.platelets_per_ul"]', '250');
      await page.fill('[name="counts.blood.wbc_per_ul"]', '6.5');
      await page.fill('[name="counts.blood.rbc_per_ul"]', '4.7');
      await page.fill('[name="counts.blood.hct_pct"]', '42');
      await page.fill('[name="counts.prp.platelets_per_ul"]', '1100');
      await page.fill('[name="counts.prp.wbc_per_ul"]', '0.4');
      await page.fill('[name="counts.prp.rbc_per_ul"]', '0.02');
      await page.selectOption('[name="activation.agent"]', 'calcium_gluconate');
      await page.fill('[name="activation.ratio"]', '1:10');
      await page.click('#prep-ready-now');
      await page.click('#prep-save');
      await page.waitForSelector('#prep-computed');
      const saved = await page.evaluate(() => window.saved.at(-1));
      assert.equal(saved.preparation.version, 1);
      const d = saved.preparation.doc;
      assert.equal(d.counts.blood.platelets_per_ul, 250000);
      assert.equal(d.counts.blood.wbc_per_ul, 6500);
      assert.equal(d.counts.blood.rbc_per_ul, 4700000);
      assert.equal(d.counts.prp.platelets_per_ul, 1100000);
      assert.equal(d.counts.prp.rbc_per_ul, 20000);
      assert.equal(d.spins[0].rpm, 3000);
      assert.equal(d.spins[1].rcf_g, 500);
      assert.equal(d.tubes.length, 1);
      assert.equal(d.draw.by_user_id, c.nurse.account.user.id);
      const computed = saved.preparation.computed;
      const shown = await page.evaluate(() => ({
        cf: document.querySelector('[data-computed="concentration_factor"] dd').textContent,
        classes: Object.fromEntries(
          [...document.querySelectorAll('[data-classification]')].map((e) => [
            e.dataset.classification,
            e.querySelector('dd').textContent,
          ]),
        ),
        deviations: [...document.querySelectorAll('#prep-deviations .record-deviation')].map((e) => ({
          code: e.dataset.code,
          text: e.textContent,
        })),
        focused: document.activeElement.id,
      }));
      assert.match(shown.cf, /4\.4/);
      for (const k of ['paw', 'mishra', 'dohan', 'plra', 'depa']) {
        assert.equal(shown.classes[k], computed.classification[k].code, k);
      }
      assert.match(shown.classes.paw, /^P3/);
      const dev = shown.deviations.find((x) => x.code === 'spin1_force');
      assert.ok(dev, JSON.stringify(shown.deviations));
      const label = computed.deviations.find((x) => x.code === 'spin1_force').label[lang];
      assert.ok(dev.text.includes(label), dev.text);
      assert.equal(shown.focused, 'prep-computed-title');
      // The saved form shows the saved values again, the counts in the units entered.
      assert.equal(await page.inputValue('[name="counts.blood.platelets_per_ul"]'), '250');
      assert.match(await page.textContent('#prep-saved'), /1/);
      assert.deepEqual(pageErrors, []);
      await page.context().close();
    });
    it(`records the injection on the face map, stopped until the identity check (${lang})`, async () => {
      const { patient, proc, syringe } = await procedureAtChair('prp-face');
      const page = await formPage(lang);
      await openForm(page, 'injection', proc.id);
      assert.equal(await page.locator('#injection-form [data-map="face"]').count(), 1);
      assert.ok(await page.isHidden('#injection-risk'));
      await page.click('[data-zone="glabella"]');
      await page.click('[data-zone="cheek_left"]');
      await page.focus('[data-zone="nasolabial_right"]');
      await page.keyboard.press('Space');
      assert.equal(await page.getAttribute('[data-zone="nasolabial_right"]', 'aria-pressed'), 'true');
      // The high-risk marking before saving, naming the zones chosen.
      assert.ok(await page.isVisible('#injection-risk'));
      const riskText = await page.textContent('#injection-risk');
      assert.match(riskText, /PRP-FACE-1/);
      const catalog = ok(await c.nurse.get('/api/v1/catalog'));
      const faceZones = catalog.injection_maps.find((m) => m.code === 'face').zones;
      const label = (code) => faceZones.find((z) => z.code === code).label[lang];
      assert.ok(riskText.includes(label('glabella')) && riskText.includes(label('nasolabial_right')), riskText);
      assert.ok(!riskText.includes(label('cheek_left')), riskText);
      // Rows in the drawing's order: glabella, the patient's left cheek, the right nasolabial fold.
      const rows = await page.$$eval('#injection-zone-rows tr', (trs) => trs.map((tr) => tr.dataset.zone));
      assert.deepEqual(rows, ['glabella', 'cheek_left', 'nasolabial_right']);
      const volumes = [0.4, 1.2, 0.4];
      for (const [i, v] of volumes.entries()) {
        await page.fill(`[name="zones.${i}.volume_ml"]`, String(v));
        await page.selectOption(`[name="zones.${i}.technique"]`, i === 1 ? 'nappage' : 'point_by_point');
        await page.selectOption(`[name="zones.${i}.depth"]`, 'intradermal');
        await page.fill(`[name="zones.${i}.needle_gauge"]`, '30');
      }
      const liveTotal = await page.textContent('[data-total="volume"] dd');
      assert.match(liveTotal, /2/);
      const area = faceZones.filter((z) => rows.includes(z.code)).reduce((a, z) => a + z.area_cm2, 0);
      assert.match(await page.textContent('[data-total="area"] dd'), new RegExp(String(area)));
      await page.selectOption('[name="anaesthesia.kind"]', 'local_block');
      assert.ok(await page.isVisible('[name="anaesthesia.agent"]'));
      await page.selectOption('[name="anaesthesia.kind"]', 'topical');
      assert.ok(await page.isHidden('[name="anaesthesia.agent"]'));
      await page.fill('[name="duration_minutes"]', '20');
      await page.check(`#injection-specimen-${syringe.id}`);

      // No identity check yet: the server refuses, and the form says stop.
      await page.click('#injection-save');
      await page.waitForSelector('#injection-stop[data-code="identity_check_required"]');
      const stop = page.locator('#injection-stop [role="alert"]');
      assert.ok(await stop.isVisible());
      assert.ok((await stop.textContent()).includes(syringe.id));
      assert.equal(await page.evaluate(() => document.activeElement.closest('#injection-stop') !== null), true);
      assert.equal(await page.evaluate(() => window.saved.length), 0);

      const check = await c.nurse.post(`/api/v1/procedures/${proc.id}/identity-checks`, {
        patient_scan: patient.mrn,
        specimen_scan: syringe.id,
      });
      assert.equal(check.status, 201, show(check));
      await page.click('#injection-save');
      await page.waitForSelector('#injection-computed');
      assert.ok(await page.isHidden('#injection-stop'));
      const saved = await page.evaluate(() => window.saved.at(-1));
      assert.equal(saved.injection.version, 1);
      assert.deepEqual(saved.injection.doc.specimens, [syringe.id]);
      assert.deepEqual(
        saved.injection.doc.zones.map((z) => [z.zone, z.volume_ml]),
        rows.map((z, i) => [z, volumes[i]]),
      );
      const warnings = saved.injection.computed.warnings;
      assert.deepEqual(warnings.map((w) => w.zone).sort(), ['glabella', 'nasolabial_right']);
      const shown = await page.$$eval('.injection-warning', (els) =>
        els.map((e) => ({ rule: e.dataset.rule, zone: e.dataset.zone, text: e.textContent })),
      );
      assert.equal(shown.length, 2);
      for (const w of shown) {
        assert.equal(w.rule, 'PRP-FACE-1');
        assert.ok(w.text.includes(warnings.find((x) => x.zone === w.zone).text[lang]), w.text);
      }
      assert.match(await page.textContent('[data-computed="total_volume_ml"] dd'), /2/);
      // The specimen is now recorded as injected and stays in the record.
      assert.ok(await page.isChecked(`#injection-specimen-${syringe.id}`));
      assert.ok(await page.isDisabled(`#injection-specimen-${syringe.id}`));
      assert.deepEqual(pageErrors, []);
      await page.context().close();
    });
  }
});
