// The web UI in headless Chromium: log in, register a patient with an Arabic name, find them
// by typing the name without diacritics, open their page and switch the UI to Arabic (RTL).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { loginAdmin, show, startServer } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

// Sets one form control by its name, whatever kind of control the form uses for it.
async function setField(page, name, value) {
  const loc = page.locator(`#patient-form [name="${name}"]`);
  const n = await loc.count();
  assert.ok(n > 0, `the patient form has no control named ${name}`);
  const first = loc.first();
  const tag = await first.evaluate((el) => el.tagName.toLowerCase());
  const type = await first.evaluate((el) => (el.getAttribute('type') || '').toLowerCase());
  if (tag === 'select') await first.selectOption(value);
  else if (type === 'radio') await page.locator(`#patient-form [name="${name}"][value="${value}"]`).check();
  else await first.fill(value);
}

describe('web UI', () => {
  let server;
  let browser;
  let page;
  const pageErrors = [];
  let shot = 0;
  async function screenshot(label) {
    shot += 1;
    await page.screenshot({ path: join(OUT, `${String(shot).padStart(2, '0')}-${label}.png`), fullPage: true });
  }

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const patient = {
    given_name: 'Muhammad',
    family_name: 'Alhasan',
    given_name_ar: 'مُحَمَّد',
    family_name_ar: 'الحَسَن',
    date_of_birth: '1987-03-21',
    sex: 'male',
    phone: '+971501230987',
    email: 'm.alhasan@example.invalid',
  };
  let patientId;

  it('shows the login form in English, left to right, and refuses a wrong password', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('#login-username').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
    await page.fill('#login-username', server.admin.username);
    await page.fill('#login-password', 'not-the-password-1');
    await page.click('#login-submit');
    await page.locator('#login-error').filter({ hasText: /\S/ }).waitFor();
    await screenshot('login-refused');
  });

  it('logs in as admin and shows the admin navigation', async () => {
    await page.fill('#login-username', server.admin.username);
    await page.fill('#login-password', server.admin.password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    await page.locator('#nav-patients').waitFor();
    await page.locator('#nav-audit').waitFor();
    await page.locator('#nav-users').waitFor();
    assert.match(await page.locator('#current-user').innerText(), /\S/);
    const cookies = await page.context().cookies();
    const s = cookies.find((c) => c.name === 'autologa_session');
    assert.ok(s, 'no session cookie');
    assert.equal(s.httpOnly, true);
    assert.equal(s.sameSite, 'Strict');
    await screenshot('logged-in');
  });

  it('registers a patient with an Arabic name written with diacritics', async () => {
    await page.locator('#nav-patients').click();
    await page.locator('#new-patient').click();
    await page.locator('form#patient-form').waitFor();
    for (const [name, value] of Object.entries(patient)) await setField(page, name, value);
    await screenshot('patient-form');
    await page.click('#patient-save');
    await page.locator('#patient-view').waitFor();
    await page.waitForFunction(() => /^#\/patients\/\d+$/.test(location.hash));
    patientId = Number((await page.evaluate(() => location.hash)).split('/')[2]);
    assert.ok(patientId > 0);
    const mrn = (await page.locator('#patient-mrn').innerText()).trim();
    assert.match(mrn, /^\d{8}$/);
    await screenshot('patient-saved');

    // The record the UI sent is exactly what was typed.
    const admin = await loginAdmin(server);
    const r = await admin.get(`/api/v1/patients/${patientId}`);
    assert.equal(r.status, 200, show(r));
    for (const [k, v] of Object.entries(patient)) assert.equal(r.body[k], v, `field ${k}`);
    assert.equal(r.body.mrn, mrn);
  });

  it('finds the patient by the Arabic name typed without diacritics', async () => {
    await page.goto(`${server.url}/#/patients`);
    const search = page.locator('#patient-search');
    await search.waitFor();
    await search.click();
    await search.pressSequentially('محمد الحسن', { delay: 40 });
    const row = page.locator(`#patient-table tr[data-patient-id="${patientId}"]`);
    await row.waitFor();
    await screenshot('search-arabic');
    await search.fill('');
    await search.pressSequentially('alhas', { delay: 40 });
    await row.waitFor();
    await search.fill('');
    await search.pressSequentially('zzqx nobody', { delay: 40 });
    await row.waitFor({ state: 'detached' });
    await search.fill('');
    await search.pressSequentially('محمد', { delay: 40 });
    await row.click();
    await page.locator('#patient-view').waitFor();
    await page.waitForFunction((id) => location.hash === `#/patients/${id}`, patientId);
    const name = await page.locator('#patient-name').innerText();
    assert.ok(name.includes('Muhammad') || name.includes('مُحَمَّد'), `#patient-name shows ${name}`);
    await page.locator(`#patient-history [data-version="1"]`).waitFor();
    await screenshot('patient-page');
  });

  it('switches to Arabic: the page becomes right-to-left, the header mirrors, and it is remembered', async () => {
    const box = async (sel) => page.locator(sel).boundingBox();
    const navLtr = await box('#nav-patients');
    const logoutLtr = await box('#logout');
    assert.ok(navLtr && logoutLtr, 'header items not visible');
    assert.notEqual(Math.round(navLtr.x), Math.round(logoutLtr.x), 'header items on top of each other');

    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
    assert.equal(await page.evaluate(() => localStorage.getItem('autologa.lang')), 'ar');
    assert.equal(await page.locator('#nav-patients').evaluate((el) => getComputedStyle(el).direction), 'rtl');

    // The header lays out right to left: items swap sides, and the first item sits on the right.
    const navRtl = await box('#nav-patients');
    const logoutRtl = await box('#logout');
    assert.equal(Math.sign(navRtl.x - logoutRtl.x), -Math.sign(navLtr.x - logoutLtr.x),
      `header did not mirror: LTR nav ${navLtr.x} logout ${logoutLtr.x}; RTL nav ${navRtl.x} logout ${logoutRtl.x}`);
    const width = await page.evaluate(() => document.documentElement.clientWidth);
    const rightHalf = (b) => b.x + b.width / 2 > width / 2;
    assert.notEqual(rightHalf(navRtl), rightHalf(navLtr), 'the patients link did not move to the other half of the header');
    // Arabic text is shown: the navigation label contains Arabic letters.
    assert.match(await page.locator('#nav-patients').innerText(), /[\u0600-\u06FF]/);
    await page.locator('#patient-view').waitFor();
    await screenshot('patient-page-arabic');

    await page.reload();
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', 'the language was not remembered');
    await screenshot('patient-page-arabic-reloaded');

    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.dir === 'ltr');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  });

  it('logs out back to the login form', async () => {
    await page.locator('#logout').click();
    await page.locator('#login-username').waitFor();
    const cookies = await page.context().cookies();
    assert.ok(!cookies.some((c) => c.name === 'autologa_session' && c.value), 'the session cookie survived the logout');
    const r = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    assert.equal(r, 401);
  });

  it('raised no uncaught JavaScript errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
