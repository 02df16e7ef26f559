// The clinic setup page in headless Chromium against a real server: an admin changes the
// opening hours and closes a weekday, sees the calendar follow; adds a closure over a booked
// appointment, is shown that appointment, and sees the day closed in the calendar; adds and
// deactivates rooms, adds a centrifuge and a clinician with working hours; a receptionist has
// the calendar but no setup; the Arabic page is right to left without page errors.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { createPatient, createUser, login, loginAdmin, show, startServer } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const TIMEZONE = 'Asia/Dubai';
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];

function addDays(ymd, n) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

function isoWeekday(ymd) {
  const d = new Date(`${ymd}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

describe('clinic setup page', () => {
  let server;
  let admin;
  let reception;
  let browser;
  let today;
  let day; // a day a week ahead: its weekday's hours are changed, then it is closed
  let room;
  let clinician;
  let doctor;
  let nurse;
  const pageErrors = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ extraArgs: ['--time-zone', TIMEZONE] });
    admin = await loginAdmin(server);
    await ok(
      await admin.put('/api/v1/schedule/hours', {
        opening_hours: ALL_WEEK.map((weekday) => ({ weekday, open: '09:00', close: '18:00' })),
      }),
      200,
      'opening hours',
    );
    room = await ok(await admin.post('/api/v1/rooms', { name: 'Injection room', kind: 'treatment' }), 201, 'room');
    doctor = await createUser(admin, ['doctor']);
    nurse = await createUser(admin, ['nurse']);
    clinician = await ok(
      await admin.post('/api/v1/clinicians', {
        user_id: doctor.user.id,
        hours: ALL_WEEK.map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
      }),
      201,
      'clinician',
    );
    reception = await createUser(admin, ['reception']);
    today = (await ok(await admin.get('/api/v1/clinic'), 200, 'clinic')).today;
    day = addDays(today, 7);
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

  async function openAs(user, { lang = 'en' } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: TIMEZONE, locale: 'en-GB' });
    if (lang !== 'en') await context.addInitScript((l) => localStorage.setItem('autologa.lang', l), lang);
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

  const adminUser = () => ({ username: server.admin.username, password: server.admin.password });

  async function openSetup(page) {
    await page.click('#nav-setup');
    await page.locator('#setup #hours-form .week-row[data-weekday="1"]').waitFor();
    await page.locator(`#room-list tr[data-room-id="${room.id}"]`).waitFor();
  }

  it('changes the opening hours and closes a weekday; the calendar follows', async () => {
    const page = await openAs(adminUser());
    await openSetup(page);
    const wd = isoWeekday(day);
    const row = page.locator(`#hours-form .week-row[data-weekday="${wd}"]`);
    await row.locator(`input[name="hours.${wd}.0.end"]`).fill('16:00');
    const closedDay = (wd % 7) + 1; // the day after: closed
    await page.uncheck(`#hours-form input[name="hours.${closedDay}.open_day"]`);
    assert.equal(await page.getAttribute(`#hours-form .week-row[data-weekday="${closedDay}"]`, 'data-closed'), 'true');
    // An end before the start is refused before anything is sent.
    const third = (closedDay % 7) + 1;
    await page.fill(`#hours-form input[name="hours.${third}.0.end"]`, '08:00');
    await page.click('#hours-save');
    await page.locator(`#hours-form [data-error-for="hours.${third}"]:not(:empty)`).waitFor();
    await page.fill(`#hours-form input[name="hours.${third}.0.end"]`, '18:00');
    await page.click('#hours-save');
    await page.locator('.toast').first().waitFor();
    const hours = await ok(await admin.get('/api/v1/schedule/hours'), 200, 'hours');
    const mine = hours.opening_hours.filter((o) => o.weekday === wd);
    assert.deepEqual(mine.map((o) => [o.open, o.close]), [['09:00', '16:00']]);
    assert.equal(hours.opening_hours.filter((o) => o.weekday === closedDay).length, 0);
    assert.equal(hours.opening_hours.length, 6);

    await page.click('#nav-calendar');
    await page.goto(`${server.url}/#/calendar?date=${day}&view=day&by=room`);
    const lane = page.locator(`#calendar .cal-lane[data-column-id="${room.id}"][data-date="${day}"]`);
    await lane.waitFor();
    await lane.locator('.cal-cell[data-time="15:45"]').waitFor();
    assert.equal(await lane.locator('.cal-cell[data-time="16:00"]').count(), 0, 'no cell after closing time');
    await page.goto(`${server.url}/#/calendar?date=${addDays(day, 1)}&view=day&by=room`);
    await page.locator(`#calendar[data-date="${addDays(day, 1)}"][data-closed="true"]`).waitFor();
    assert.equal(await page.locator('#calendar .cal-cell').count(), 0, 'nothing to book on a closed weekday');
    await page.context().close();
  });

  it('adds a closure, lists the appointment it falls on, and the calendar shows the day closed', async () => {
    const patient = await createPatient(admin, { given_name: 'Closurecase', family_name: 'Testpatient' });
    const appt = await ok(
      await admin.post('/api/v1/appointments', {
        patient_id: patient.id,
        kind: 'consultation',
        start: `${day}T06:00:00.000Z`, // 10:00 in Dubai
        duration_minutes: 30,
        prep_minutes: 0,
        room_id: room.id,
        clinician_id: clinician.id,
      }),
      201,
      'appointment',
    );
    const page = await openAs(adminUser());
    await openSetup(page);
    await page.fill('#closure-first_date', day);
    await page.fill('#closure-reason', 'National day (test holiday)');
    await page.click('#closure-add');
    const item = page.locator('#closure-list [data-closure-id]', { hasText: 'National day (test holiday)' });
    await item.waitFor();
    await page.locator(`#closure-affected [data-appointment-id="${appt.id}"]`).waitFor();
    assert.match(await page.locator('#closure-affected').innerText(), /Closurecase Testpatient/);
    const hours = await ok(await admin.get('/api/v1/schedule/hours'), 200, 'hours');
    const closure = hours.closures.find((c) => c.reason === 'National day (test holiday)');
    assert.equal(closure.first_date, day);
    assert.equal(closure.last_date, day);

    await page.locator(`#closure-affected [data-appointment-id="${appt.id}"] a`).click();
    await page.locator(`#calendar[data-date="${day}"][data-closed="true"]`).waitFor();
    assert.match(await page.locator('#calendar-closed').innerText(), /National day \(test holiday\)/);
    // The appointment booked before the closure is still shown, to be moved or cancelled.
    await page.locator(`#calendar .appt[data-appointment-id="${appt.id}"]`).waitFor();
    await page.screenshot({ path: join(OUT, 'calendar-closed-en.png') });

    await page.click('#nav-setup');
    await page.locator(`#closure-list [data-closure-id="${closure.id}"] [data-action="delete-closure"]`).click();
    await page.locator('dialog[open] .btn-danger').click();
    await page.locator(`#closure-list [data-closure-id="${closure.id}"]`).waitFor({ state: 'detached' });
    const left = await ok(await admin.get('/api/v1/schedule/hours'), 200, 'hours');
    assert.equal(left.closures.filter((c) => c.id === closure.id).length, 0);
    await page.context().close();
  });

  it('adds, renames and deactivates rooms, adds a centrifuge and a clinician', async () => {
    const page = await openAs(adminUser());
    await openSetup(page);
    await page.fill('#room-name', 'Harvest room');
    await page.selectOption('#room-kind', 'procedure');
    await page.click('#room-add');
    const row = page.locator('#room-list tr[data-room-id]', { hasText: 'Harvest room' });
    await row.waitFor();
    const rooms = (await ok(await admin.get('/api/v1/rooms'), 200, 'rooms')).rooms;
    const harvest = rooms.find((r) => r.name === 'Harvest room');
    assert.equal(harvest.kind, 'procedure');

    await row.locator('[data-action="edit-room"]').click();
    await page.fill('#room-edit-form input[name="name"]', 'Harvest room 1');
    await page.click('#room-edit-save');
    await page.locator(`#room-list tr[data-room-id="${harvest.id}"]`, { hasText: 'Harvest room 1' }).waitFor();
    await page.locator(`#room-list tr[data-room-id="${harvest.id}"] [data-action="toggle-room"]`).click();
    await page.locator(`#room-list tr[data-room-id="${harvest.id}"][data-active="false"]`).waitFor();
    const after = (await ok(await admin.get('/api/v1/rooms'), 200, 'rooms')).rooms.find((r) => r.id === harvest.id);
    assert.equal(after.name, 'Harvest room 1');
    assert.equal(after.active, false);

    await page.fill('#centrifuge-name', 'Bench centrifuge');
    await page.fill('#centrifuge-model', 'Model 8');
    await page.fill('#centrifuge-rotor_radius_mm', '0');
    await page.click('#centrifuge-add');
    await page.locator('#centrifuge-form [data-error-for="rotor_radius_mm"]:not(:empty)').waitFor();
    await page.fill('#centrifuge-rotor_radius_mm', '86');
    await page.selectOption('#centrifuge-rotor_type', 'swing_out');
    await page.click('#centrifuge-add');
    await page.locator('#centrifuge-list tr[data-centrifuge-id]', { hasText: 'Bench centrifuge' }).waitFor();
    const cf = (await ok(await admin.get('/api/v1/centrifuges'), 200, 'centrifuges')).centrifuges;
    assert.deepEqual(
      cf.map((c) => [c.name, c.model, c.rotor_radius_mm, c.rotor_type, c.active]),
      [['Bench centrifuge', 'Model 8', 86, 'swing_out', true]],
    );
    await page.locator('#centrifuge-list tr[data-centrifuge-id]', { hasText: 'Swing-out' }).waitFor();

    // Only doctors and nurses who are not clinicians yet are offered.
    const offered = await page.locator('#clinician-user option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered, [String(nurse.user.id)]);
    await page.selectOption('#clinician-user', String(nurse.user.id));
    // Nurse works mornings on Mondays only.
    for (const wd of ALL_WEEK) {
      const box = page.locator(`#clinician-form input[name="clinician-hours.${wd}.open_day"]`);
      if (wd === 1) await box.check();
      else await box.uncheck();
    }
    await page.fill('#clinician-form input[name="clinician-hours.1.0.start"]', '08:00');
    await page.fill('#clinician-form input[name="clinician-hours.1.0.end"]', '12:00');
    await page.click('#clinician-add');
    await page.locator(`#clinician-list tr[data-user-id="${nurse.user.id}"]`).waitFor();
    const list = (await ok(await admin.get('/api/v1/clinicians'), 200, 'clinicians')).clinicians;
    const added = list.find((c) => c.user.id === nurse.user.id);
    assert.deepEqual(added.hours.map((x) => [x.weekday, x.start, x.end]), [[1, '08:00', '12:00']]);
    assert.equal(await page.locator('#clinician-user').isDisabled(), true, 'nobody is left to add');

    await page.locator(`#clinician-list tr[data-clinician-id="${clinician.id}"] [data-action="toggle-clinician"]`).click();
    await page.locator(`#clinician-list tr[data-clinician-id="${clinician.id}"][data-active="false"]`).waitFor();
    await page.locator(`#clinician-list tr[data-clinician-id="${clinician.id}"] [data-action="toggle-clinician"]`).click();
    await page.locator(`#clinician-list tr[data-clinician-id="${clinician.id}"][data-active="true"]`).waitFor();
    await page.screenshot({ path: join(OUT, 'setup-en.png'), fullPage: true });
    await page.context().close();
  });

  it('gives a receptionist the calendar but no setup', async () => {
    const page = await openAs(reception);
    await page.locator('#nav-calendar').waitFor();
    assert.equal(await page.locator('#nav-setup').count(), 0);
    await page.goto(`${server.url}/#/setup`);
    await page.locator('.empty-title', { hasText: 'You do not have access to this page' }).waitFor();
    assert.equal(await page.locator('#setup').count(), 0);
    const api = await login(server.url, reception.username, reception.password);
    assert.equal((await api.post('/api/v1/rooms', { name: 'Not allowed', kind: 'treatment' })).status, 403);
    await page.context().close();
  });

  it('renders right to left in Arabic without page errors', async () => {
    const page = await openAs(adminUser(), { lang: 'ar' });
    await openSetup(page);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await page.locator('#setup-hours-title').innerText(), 'ساعات العمل');
    // The weekday names sit at the right edge of their rows.
    const row = await page.locator('#hours-form .week-row').first().boundingBox();
    const name = await page.locator('#hours-form .week-row .week-day').first().boundingBox();
    assert.ok(name.x + name.width > row.x + row.width - 20, 'the day name is on the right');
    await page.screenshot({ path: join(OUT, 'setup-ar.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
