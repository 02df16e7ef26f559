// The Outbox page in headless Chromium against a real server: reception sees every message with
// its patient, kind, channel, language and status, filters by status, reads a long Arabic text
// right to left (cut short until asked), and the page in Arabic keeps each English text left to
// right; a nurse has no outbox. Messages are written with SQL into the server's database (no
// endpoint makes one) and marked through the API.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, loginAdmin, show, startServer } from '../lib/server.mjs';
import { insertMessage } from '../lib/sqlfixture.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const H = 3600e3;
const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));
const AR = JSON.parse(readFileSync(join(REPO, 'web/i18n/ar.json'), 'utf8'));

const LONG_AR =
  'مرحبًا ليلى،\nقبل جلسة العلاج في العيادة يوم الثلاثاء 1 ديسمبر 2026 الساعة 09:00:\n' +
  '- يُرجى عدم تناول أي مضاد التهاب غير ستيرويدي غير انتقائي (مثل إيبوبروفين أو نابروكسين أو ' +
  'ديكلوفيناك) خلال 48 ساعة قبل الجلسة.\n' +
  'يُرجى عدم إيقاف أي دواء وصفه لك طبيب دون استشارته، وإبلاغ فريقنا بجميع أدويتك الحالية.';

describe('outbox page', () => {
  let server;
  let admin;
  let reception;
  let nurse;
  let browser;
  const ids = {};
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer();
    admin = await loginAdmin(server);
    reception = await createUser(admin, ['reception']);
    nurse = await createUser(admin, ['nurse']);
    const en = await createPatient(admin, { given_name: 'Outboxpage', family_name: 'Testpatient' });
    const ar = await createPatient(admin, {
      given_name: null, family_name: null, given_name_ar: 'ليلى', family_name_ar: 'تجريبي',
      preferred_language: 'ar', phone: null, email: 'layla.page@example.invalid',
    });
    const now = Date.now();
    const db = server.db;
    ids.reminder = insertMessage(db, {
      patientId: en.id, dueMs: now + 24 * H,
      body: 'Hello Outboxpage,\nReminder from the clinic: you have a treatment session on Tuesday 1 December 2026 at 09:00.',
    });
    ids.instructions = insertMessage(db, {
      patientId: ar.id, kind: 'instructions', channel: 'email', recipient: 'layla.page@example.invalid',
      language: 'ar', subject: 'قبل جلستك يوم الثلاثاء 1 ديسمبر 2026', dueMs: now + 2 * H, body: LONG_AR,
    });
    ids.sent = insertMessage(db, { patientId: en.id, kind: 'aftercare_day1', dueMs: now - 5 * H, body: 'How are you today?' });
    ids.failed = insertMessage(db, { patientId: en.id, kind: 'aftercare_day7', dueMs: now - 4 * H, body: 'A week since your session.' });
    ids.cancelled = insertMessage(db, { patientId: ar.id, dueMs: now - 3 * H, status: 'cancelled', language: 'ar', body: 'تذكير من العيادة' });
    let r = await admin.post(`/api/v1/outbox/${ids.sent}/sent`, { gateway_ref: 'provider-1' });
    assert.equal(r.status, 200, show(r));
    r = await admin.post(`/api/v1/outbox/${ids.failed}/failed`, { error: 'number not reachable' });
    assert.equal(r.status, 200, show(r));
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
    assert.deepEqual(pageErrors, [], 'script errors on the pages');
  });

  async function openAs(user) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${server.url}/`);
    await page.fill('#login-username', user.username);
    await page.fill('#login-password', user.password);
    await page.click('#login-submit');
    await page.locator('#current-user').waitFor();
    return page;
  }

  const row = (page, id) => page.locator(`#outbox tr[data-message-id="${id}"]`);
  const shownIds = (page) =>
    page.locator('#outbox tbody tr[data-message-id]').evaluateAll((els) => els.map((e) => Number(e.dataset.messageId)));

  it('reception sees every message with its patient, kind, channel, language and status, and filters by status', async () => {
    const page = await openAs(reception);
    await page.locator('#nav-outbox').click();
    await page.locator('#outbox #outbox-table[data-status="all"]').waitFor();
    assert.equal((await page.locator('#outbox .page-title').innerText()).trim(), EN['outbox.title']);
    // Latest due first.
    assert.deepEqual(await shownIds(page), [ids.reminder, ids.instructions, ids.cancelled, ids.failed, ids.sent]);
    for (const [key, status] of [['reminder', 'pending'], ['instructions', 'pending'], ['sent', 'sent'],
      ['failed', 'failed'], ['cancelled', 'cancelled']]) {
      assert.equal(await row(page, ids[key]).getAttribute('data-status'), status, key);
    }
    const rem = row(page, ids.reminder);
    const cells = await rem.locator('td').allInnerTexts();
    assert.match(cells[1], /Outboxpage Testpatient/);
    assert.equal(await rem.locator('td').nth(1).locator('a').getAttribute('href').then((h) => h.startsWith('#/patients/')), true);
    assert.equal(cells[2].trim(), EN['outbox.kind.reminder']);
    assert.match(cells[3], new RegExp(`^${EN['outbox.channel.sms']}`));
    assert.match(cells[3], /\+971500000001/);
    assert.equal(cells[4].trim(), EN['language.en.native']);
    assert.match(cells[5], new RegExp(EN['outbox.status.pending']));
    assert.match(cells[6], /Reminder from the clinic/);
    assert.match(await row(page, ids.failed).innerText(), /number not reachable/);
    assert.match(await row(page, ids.failed).locator('td').nth(5).innerText(), new RegExp(EN['outbox.status.failed']));

    // The Arabic message reads right to left, in an English page, and is cut short until asked.
    const text = row(page, ids.instructions).locator('.outbox-text');
    assert.equal(await text.getAttribute('lang'), 'ar');
    assert.equal(await text.evaluate((el) => getComputedStyle(el).direction), 'rtl');
    assert.equal(await text.locator('.outbox-subject').innerText(), 'قبل جلستك يوم الثلاثاء 1 ديسمبر 2026');
    const body = text.locator('.outbox-body');
    // Cut short: three lines, the rest hidden.
    const cut = await body.evaluate((el) => ({ shown: el.clientHeight, all: el.scrollHeight, overflow: getComputedStyle(el).overflow }));
    assert.equal(cut.overflow, 'hidden');
    assert.ok(cut.all > cut.shown * 1.5, `a long text is cut short: ${JSON.stringify(cut)}`);
    const toggle = row(page, ids.instructions).locator('.outbox-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal((await toggle.innerText()).trim(), EN['outbox.show_all']);
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal((await toggle.innerText()).trim(), EN['outbox.show_less']);
    const whole = await body.evaluate((el) => ({ shown: el.clientHeight, overflow: getComputedStyle(el).overflow }));
    assert.equal(whole.overflow, 'visible');
    assert.ok(whole.shown > cut.shown * 1.5 && whole.shown >= cut.all * 0.95, `the whole text shows: ${JSON.stringify(whole)}`);
    assert.equal((await body.innerText()).replace(/\s+/g, ' '), LONG_AR.replace(/\s+/g, ' '));
    await page.screenshot({ path: join(OUT, 'outbox-en.png'), fullPage: true });

    // Waiting messages in the order they will go.
    await page.selectOption('#outbox-filter-status', 'pending');
    await page.locator('#outbox-table[data-status="pending"]').waitFor();
    assert.deepEqual(await shownIds(page), [ids.instructions, ids.reminder]);
    await page.selectOption('#outbox-filter-status', 'failed');
    await page.locator('#outbox-table[data-status="failed"]').waitFor();
    assert.deepEqual(await shownIds(page), [ids.failed]);
    await page.selectOption('#outbox-filter-status', 'sent');
    await page.locator('#outbox-table[data-status="sent"]').waitFor();
    assert.deepEqual(await shownIds(page), [ids.sent]);
    await page.context().close();
  });

  it('in Arabic the page runs right to left and each English message keeps its own direction', async () => {
    const page = await openAs(reception);
    await page.goto(`${server.url}/#/outbox`);
    await page.locator('#outbox-table[data-status="all"]').waitFor();
    await page.selectOption('#outbox-filter-status', 'pending');
    await page.locator('#outbox-table[data-status="pending"]').waitFor();
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    // The chosen filter survives the switch.
    await page.locator('#outbox-table[data-status="pending"]').waitFor();
    assert.equal(await page.locator('#outbox-filter-status').inputValue(), 'pending');
    assert.equal((await page.locator('#outbox .page-title').innerText()).trim(), AR['outbox.title']);
    assert.equal((await page.locator('#nav-outbox').innerText()).trim(), AR['nav.outbox']);
    const heads = await page.locator('#outbox-table thead th').allInnerTexts();
    assert.deepEqual(heads.map((s) => s.trim()), ['due', 'patient', 'kind', 'channel', 'language', 'status', 'text']
      .map((c) => AR[`outbox.col.${c}`]));
    const rem = row(page, ids.reminder);
    assert.equal((await rem.locator('td').nth(2).innerText()).trim(), AR['outbox.kind.reminder']);
    assert.match(await rem.locator('td').nth(5).innerText(), new RegExp(AR['outbox.status.pending']));
    const english = rem.locator('.outbox-text');
    assert.equal(await english.evaluate((el) => getComputedStyle(el).direction), 'ltr');
    assert.equal(await page.locator('#outbox').evaluate((el) => getComputedStyle(el).direction), 'rtl');
    // The table starts at the right: the due column is right of the text column.
    const due = await page.locator('#outbox-table thead th').first().boundingBox();
    const last = await page.locator('#outbox-table thead th').last().boundingBox();
    assert.ok(due.x > last.x, 'the first column is on the right');
    // The patient's Arabic name comes first in Arabic.
    const ar = row(page, ids.instructions).locator('td').nth(1);
    assert.equal((await ar.locator('.name-primary').innerText()).trim(), 'ليلى تجريبي');
    await page.screenshot({ path: join(OUT, 'outbox-ar.png'), fullPage: true });
    await page.context().close();
  });

  it('a nurse has no outbox', async () => {
    const page = await openAs(nurse);
    assert.equal(await page.locator('#nav-outbox').count(), 0);
    await page.goto(`${server.url}/#/outbox`);
    await page.locator('.page-title').waitFor();
    assert.equal((await page.locator('.page-title').innerText()).trim(), EN['access.denied_title']);
    assert.equal(await page.locator('#outbox').count(), 0);
    await page.context().close();
  });
});
