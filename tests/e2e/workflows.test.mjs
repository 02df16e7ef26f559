// The web UI's other daily paths in headless Chromium: field errors from the server shown next
// to the field, editing with history, deletion with a reason, the audit page and chain check,
// adding a user, what a nurse does not see, and text that looks like HTML staying text.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createPatient, createUser, loginAdmin, show, startServer, strongPassword, unique } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;

async function setField(page, form, name, value) {
  const loc = page.locator(`${form} [name="${name}"]`);
  assert.ok((await loc.count()) > 0, `${form} has no control named ${name}`);
  const first = loc.first();
  const tag = await first.evaluate((el) => el.tagName.toLowerCase());
  const type = await first.evaluate((el) => (el.getAttribute('type') || '').toLowerCase());
  if (tag === 'select') await first.selectOption(value);
  else if (type === 'radio') await page.locator(`${form} [name="${name}"][value="${value}"]`).check();
  else await first.fill(value);
}

describe('web UI workflows', () => {
  let server;
  let browser;
  let api;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    api = await loginAdmin(server);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  // A fresh browser context logged in through the login form.
  async function openAs(username, password) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    return page;
  }

  it('shows the server\'s field error next to the field and saves nothing', async () => {
    const page = await openAs(server.admin.username, server.admin.password);
    const before1 = (await api.get('/api/v1/patients?limit=1')).body.total;
    await page.goto(`${server.url}/#/patients/new`);
    await page.locator('form#patient-form').waitFor();
    const fields = { given_name: 'Formerror', family_name: 'Checkfield', date_of_birth: '1991-09-09', sex: 'female', phone: '0501234' };
    for (const [k, v] of Object.entries(fields)) await setField(page, '#patient-form', k, v);
    await page.click('#patient-save');
    await page.locator('[data-error-for="phone"]').filter({ hasText: /\S/ }).waitFor();
    await page.screenshot({ path: join(OUT, 'workflow-field-error.png'), fullPage: true });
    assert.equal((await api.get('/api/v1/patients?limit=1')).body.total, before1, 'a refused form saved a patient');
    // Fixing the field saves the patient.
    await setField(page, '#patient-form', 'phone', '+971501234567');
    await page.click('#patient-save');
    await page.locator('#patient-view').waitFor();
    assert.equal((await api.get('/api/v1/patients?limit=1')).body.total, before1 + 1);
    await page.context().close();
  });

  it('edits a patient: the page shows version 2 in the history', async () => {
    const p = await createPatient(api, { given_name: 'Editme', family_name: 'Historyview' });
    const page = await openAs(server.admin.username, server.admin.password);
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#edit-patient').click();
    await page.locator('form#patient-form').waitFor();
    assert.equal(await page.locator('#patient-form [name="family_name"]').inputValue(), 'Historyview');
    await setField(page, '#patient-form', 'phone', '+971509990001');
    await page.click('#patient-save');
    await page.locator('#patient-view').waitFor();
    await page.locator('#patient-history [data-version="2"]').waitFor();
    await page.locator('#patient-history [data-version="1"]').waitFor();
    const r = await api.get(`/api/v1/patients/${p.id}`);
    assert.equal(r.body.version, 2);
    assert.equal(r.body.phone, '+971509990001');
    assert.equal(r.body.family_name, 'Historyview', 'the edit form lost a field');
    assert.equal(r.body.email, p.email, 'the edit form lost the e-mail');
    await page.screenshot({ path: join(OUT, 'workflow-history.png'), fullPage: true });
    await page.context().close();
  });

  it('a toast keeps its own language and direction when the page switches to Arabic', async () => {
    const p = await createPatient(api, { given_name: 'Toastdir', family_name: 'Switchlang' });
    const page = await openAs(server.admin.username, server.admin.password);
    await page.goto(`${server.url}/#/patients/${p.id}/edit`);
    await page.locator('form#patient-form').waitFor();
    await setField(page, '#patient-form', 'notes', 'Toast check');
    await page.click('#patient-save');
    const toastEl = page.locator('.toast').last();
    await toastEl.waitFor();
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    // The English toast written before the switch stays left to right.
    assert.equal(await toastEl.getAttribute('lang'), 'en');
    assert.equal(await toastEl.evaluate((el) => getComputedStyle(el).direction), 'ltr');
    await page.evaluate(() => localStorage.removeItem('autologa.lang'));
    await page.context().close();
  });

  it('deletes a patient with a reason; the list no longer shows them', async () => {
    const p = await createPatient(api, { given_name: 'Deleteme', family_name: 'Viaui' });
    const page = await openAs(server.admin.username, server.admin.password);
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#delete-patient').click();
    await page.locator('#delete-reason').fill('Registered twice by mistake');
    await page.locator('#delete-confirm').click();
    await page.waitForFunction(async (id) => {
      const r = await fetch(`/api/v1/patients/${id}`);
      return r.status === 200 && (await r.json()).deleted === true;
    }, p.id);
    const h = await api.get(`/api/v1/patients/${p.id}/history`);
    assert.equal(h.body.items[0].reason, 'Registered twice by mistake');
    await page.goto(`${server.url}/#/patients`);
    await page.locator('#patient-search').fill('viaui');
    await page.locator('#patient-table').waitFor();
    await page.waitForTimeout(800);
    assert.equal(await page.locator(`#patient-table tr[data-patient-id="${p.id}"]`).count(), 0);
    await page.context().close();
  });

  it('the audit page lists events, filters by action and checks the chain', async () => {
    const page = await openAs(server.admin.username, server.admin.password);
    await page.locator('#nav-audit').click();
    await page.locator('#audit-table').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr[data-audit-id]').length > 1);
    // One patient.delete happened in this file (the test before): filtering leaves one row.
    const filter = page.locator('#audit-filter-action');
    if ((await filter.evaluate((el) => el.tagName.toLowerCase())) === 'select') await filter.selectOption('patient.delete');
    else {
      await filter.fill('patient.delete');
      await filter.press('Enter');
    }
    await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr[data-audit-id]').length === 1);
    await page.locator('#audit-verify').click();
    await page.locator('#audit-verify-result').filter({ hasText: /\S/ }).waitFor();
    await page.screenshot({ path: join(OUT, 'workflow-audit.png'), fullPage: true });
    await page.context().close();
  });

  it('an admin adds a user through the form, who can then log in', async () => {
    const page = await openAs(server.admin.username, server.admin.password);
    await page.locator('#nav-users').click();
    await page.locator('#users-table').waitFor();
    await page.locator('#new-user').click();
    await page.locator('form#user-form').waitFor();
    const username = unique('uiuser');
    const password = strongPassword();
    await setField(page, 'form#user-form', 'username', username);
    await setField(page, 'form#user-form', 'display_name', 'Form Made Doctor');
    await setField(page, 'form#user-form', 'password', password);
    await page.locator('form#user-form input[name="roles"][value="doctor"]').check();
    await page.click('#user-save');
    const users = await (async () => {
      for (let i = 0; i < 50; i++) {
        const r = await api.get('/api/v1/users');
        const u = r.body.items.find((x) => x.username === username);
        if (u) return u;
        await page.waitForTimeout(100);
      }
      return null;
    })();
    assert.ok(users, 'the user form created no user');
    assert.deepEqual(users.roles, ['doctor']);
    await page.locator(`#users-table tr[data-user-id="${users.id}"]`).waitFor();
    await page.context().close();
    const other = await openAs(username, password);
    await other.context().close();
  });

  it('a nurse sees no audit, users, new-patient or delete controls', async () => {
    const u = await createUser(api, ['nurse']);
    const p = await createPatient(api, { given_name: 'Nurseview', family_name: 'Readonly' });
    const page = await openAs(u.username, u.password);
    await page.locator('#nav-patients').waitFor();
    assert.equal(await page.locator('#nav-audit:visible').count(), 0);
    assert.equal(await page.locator('#nav-users:visible').count(), 0);
    await page.goto(`${server.url}/#/patients`);
    await page.locator('#patient-table').waitFor();
    assert.equal(await page.locator('#new-patient:visible').count(), 0, 'a nurse is offered to register patients');
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#patient-view').waitFor();
    assert.equal(await page.locator('#delete-patient:visible').count(), 0);
    assert.equal(await page.locator('#edit-patient:visible').count(), 0, 'a nurse is offered to edit patients');
    await page.context().close();
  });

  it('names and notes that look like HTML are shown as text', async () => {
    const html = '<img src="x" id="injected" onerror="window.__xss = 1">';
    const notes = `<script>window.__xss = 2</script>${html}`;
    const p = await createPatient(api, { given_name: 'Html', family_name: 'Tagtext', notes, address: html, emergency_contact_name: html });
    const page = await openAs(server.admin.username, server.admin.password);
    await page.goto(`${server.url}/#/patients/${p.id}`);
    await page.locator('#patient-view').waitFor();
    await page.locator('#patient-view').filter({ hasText: '<script>window.__xss = 2</script>' }).waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'markup from a patient record became an element');
    await page.goto(`${server.url}/#/patients`);
    await page.locator('#patient-search').fill('tagtext');
    await page.locator(`#patient-table tr[data-patient-id="${p.id}"]`).waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'markup from a patient record became an element in the list');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await page.context().close();
  });

  it('raised no uncaught JavaScript errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
