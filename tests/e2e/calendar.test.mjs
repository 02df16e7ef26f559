// The calendar page in headless Chromium against a real server in Asia/Dubai: a receptionist
// books through the dialog (clicked cell, patient search) and sees the appointment by room and
// by clinician; a second booking on the same time is refused naming the resource; the block is
// dragged to another room and time and the previewed move confirmed; the keyboard reaches an
// empty cell and books it; the appointment is cancelled with a reason; the week view and its
// navigation; the Arabic page right to left without page errors.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { REPO, createPatient, createUser, login, loginAdmin, poll, show, startServer } from '../lib/server.mjs';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'output');
const CHROMIUM = process.env.AUTOLOGA_CHROMIUM || '/usr/bin/chromium';
const WAIT = 15000;
const TIMEZONE = 'Asia/Dubai';
const EN = JSON.parse(readFileSync(join(REPO, 'web/i18n/en.json'), 'utf8'));

const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];

function addDays(ymd, n) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

async function ok(r, status, what) {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  return r.body;
}

describe('calendar page', () => {
  let server;
  let admin;
  let reception; // {username, password}
  let recApi;
  let browser;
  let day; // the day the tests book on, a few days ahead of the clinic's today
  let today;
  let roomA;
  let roomB;
  let clinician;
  let patient;
  let other;
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
    roomA = await ok(await admin.post('/api/v1/rooms', { name: 'Treatment A', kind: 'treatment' }), 201, 'room A');
    roomB = await ok(await admin.post('/api/v1/rooms', { name: 'Treatment B', kind: 'treatment' }), 201, 'room B');
    await ok(
      await admin.post('/api/v1/centrifuges', { name: 'Centrifuge one', model: 'Bench 8', rotor_radius_mm: 86 }),
      201,
      'centrifuge',
    );
    const doctor = await createUser(admin, ['doctor']);
    clinician = await ok(
      await admin.post('/api/v1/clinicians', {
        user_id: doctor.user.id,
        hours: ALL_WEEK.map((weekday) => ({ weekday, start: '09:00', end: '18:00' })),
      }),
      201,
      'clinician',
    );
    reception = await createUser(admin, ['reception']);
    recApi = await login(server.url, reception.username, reception.password);
    patient = await createPatient(admin, {
      given_name: 'Calendara',
      family_name: 'Bookingtest',
      given_name_ar: 'سلمى',
      family_name_ar: 'تجريبية',
      preferred_language: 'ar',
    });
    other = await createPatient(admin, { given_name: 'Calendarb', family_name: 'Secondpatient' });
    today = (await ok(await recApi.get('/api/v1/clinic'), 200, 'clinic')).today;
    day = addDays(today, 3);
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
    // The browser runs in another zone than the clinic: the page must use the clinic's.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/London', locale: 'en-GB' });
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

  async function showDay(page, date, by = 'room', view = 'day') {
    await page.goto(`${server.url}/#/calendar?date=${date}&view=${view}&by=${by}`);
    await page.locator(`#calendar[data-date="${date}"][data-by="${by}"][data-view="${view}"] .cal-lane`).first().waitFor();
  }

  async function dayAppointments(date, by = 'room') {
    const body = await ok(await recApi.get(`/api/v1/schedule/day?date=${date}&by=${by}`), 200, 'day');
    return body.appointments;
  }

  const lane = (page, columnId, date = day) =>
    page.locator(`#calendar .cal-lane[data-column-id="${columnId}"][data-date="${date}"]`);

  let booked; // the appointment booked through the dialog

  it('books through the dialog from a clicked cell and shows it by room and by clinician', async () => {
    const page = await openAs(reception);
    await page.click('#nav-calendar');
    await page.locator('#calendar .cal-lane').first().waitFor();
    assert.equal(await page.inputValue('#calendar-date'), today, 'the calendar opens on the clinic\'s today');
    await showDay(page, day);
    assert.equal(await page.locator('#calendar .cal-col-head[data-column-id]').count(), 2);

    await lane(page, roomA.id).locator('.cal-cell[data-time="10:00"]').click();
    const dialog = page.locator('#book-dialog');
    await dialog.waitFor();
    assert.equal(await page.inputValue('#book-date'), day);
    assert.equal(await page.inputValue('#book-time'), '10:00');
    assert.equal(await page.inputValue('#book-room'), String(roomA.id));
    assert.equal(await page.inputValue('#book-clinician'), String(clinician.id), 'the clinician working then is offered');

    // Confirming without a patient says so beside the search.
    await page.click('#book-confirm');
    await dialog.locator('[data-error-for="patient_id"]:not(:empty)').waitFor();

    await page.fill('#book-patient', 'Calendara');
    await page.click(`#book-patient-results [data-patient-id="${patient.id}"]`);
    await page.locator(`#book-patient-chosen [data-patient-id="${patient.id}"]`).waitFor();
    await page.fill('#book-duration', '60');
    await page.click('#book-confirm');
    await dialog.waitFor({ state: 'detached' });

    const block = lane(page, roomA.id).locator('.appt[data-appointment-id]');
    await block.waitFor();
    const list = await dayAppointments(day);
    assert.equal(list.length, 1);
    booked = list[0];
    assert.equal(booked.local_start, `${day}T10:00`);
    assert.equal(booked.local_end, `${day}T11:00`);
    assert.equal(booked.patient.id, patient.id);
    assert.equal(booked.room.id, roomA.id);
    assert.equal(booked.status, 'booked');
    assert.equal(await block.getAttribute('data-appointment-id'), String(booked.id));
    assert.equal(await block.getAttribute('data-status'), 'booked');
    assert.match(await block.innerText(), /10:00–11:00/);
    assert.match(await block.innerText(), /Calendara Bookingtest/);

    await page.click('#calendar-by-clinician');
    await page.locator('#calendar[data-by="clinician"]').waitFor();
    await lane(page, clinician.id).locator(`.appt[data-appointment-id="${booked.id}"]`).waitFor();
    assert.match(await page.evaluate(() => location.hash), /by=clinician/);
    assert.match(await page.evaluate(() => location.hash), new RegExp(`date=${day}`));
    await page.context().close();
  });

  it('refuses a second booking at the same time, naming what is taken', async () => {
    const page = await openAs(reception);
    await showDay(page, day);
    await lane(page, roomA.id).locator('.cal-cell[data-time="12:00"]').click();
    await page.locator('#book-dialog').waitFor();
    await page.fill('#book-patient', 'Calendarb');
    await page.click(`#book-patient-results [data-patient-id="${other.id}"]`);
    await page.fill('#book-time', '10:30');
    await page.fill('#book-duration', '30');
    await page.click('#book-confirm');
    const banner = page.locator('#book-error:not(:empty)');
    await banner.waitFor();
    const text = await banner.innerText();
    const taken = ['room_id', 'clinician_id'].filter((f) => text === EN[`error.slot_taken.${f}`]);
    assert.equal(taken.length, 1, `the message names the room or the clinician: ${text}`);
    assert.equal(await page.locator(`#book-dialog [data-error-for="${taken[0]}"]`).innerText(), text);
    assert.equal((await dayAppointments(day)).length, 1, 'nothing was booked');
    await page.context().close();
  });

  it('moves the block by dragging it, after showing the server\'s preview', async () => {
    const page = await openAs(reception);
    await showDay(page, day);
    const block = page.locator(`#calendar .appt[data-appointment-id="${booked.id}"]`);
    const target = lane(page, roomB.id);
    const to = await target.locator('.cal-cell[data-time="14:00"]').boundingBox();
    const laneBox = await target.boundingBox();
    // Grab the block near its top and drop it with its top on the 14:00 cell of room B.
    await block.dragTo(target, {
      sourcePosition: { x: 12, y: 4 },
      targetPosition: { x: 12, y: to.y - laneBox.y + 4 },
    });
    const dialog = page.locator(`#move-dialog[data-appointment-id="${booked.id}"]`);
    await dialog.waitFor();
    const preview = page.locator(`#move-preview .move-to[data-local-start="${day}T14:00"]`);
    await preview.waitFor();
    assert.equal(await page.inputValue('#move-room'), String(roomB.id));
    assert.equal(await page.inputValue('#move-time'), '14:00');
    // The preview wrote nothing.
    assert.equal((await dayAppointments(day))[0].local_start, `${day}T10:00`);
    await page.screenshot({ path: join(OUT, 'calendar-move-en.png') });
    await page.click('#move-confirm');
    await dialog.waitFor({ state: 'detached' });
    await target.locator(`.appt[data-appointment-id="${booked.id}"]`).waitFor();
    const moved = (await dayAppointments(day))[0];
    assert.equal(moved.local_start, `${day}T14:00`);
    assert.equal(moved.room.id, roomB.id);
    booked = moved;

    // The keyboard way: the move action of the appointment dialog with a time field.
    await page.locator(`#calendar .appt[data-appointment-id="${booked.id}"]`).click();
    await page.locator('#appointment-dialog').waitFor();
    await page.click('#appointment-dialog [data-action="move"]');
    await page.locator('#move-dialog').waitFor();
    await page.fill('#move-time', '15:00');
    await page.dispatchEvent('#move-time', 'change');
    await page.locator(`#move-preview .move-to[data-local-start="${day}T15:00"]`).waitFor();
    await page.locator('#move-confirm:not([disabled])').click();
    await page.locator('#move-dialog').waitFor({ state: 'detached' });
    await poll(async () => (await dayAppointments(day))[0].local_start === `${day}T15:00`);
    booked = (await dayAppointments(day))[0];
    assert.equal(booked.local_start, `${day}T15:00`);
    await page.context().close();
  });

  it('reaches an empty cell with the keyboard and opens the booking dialog at its time', async () => {
    const page = await openAs(reception);
    await showDay(page, day);
    const stop = page.locator('#calendar .cal-cell[tabindex="0"]');
    assert.equal(await stop.count(), 1, 'one cell is in the tab order');
    await stop.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const at = await page.evaluate(() => ({ ...document.activeElement.dataset }));
    assert.equal(at.time, '09:30');
    assert.equal(at.columnId, String(roomB.id));
    await page.keyboard.press('Enter');
    await page.locator('#book-dialog').waitFor();
    assert.equal(await page.inputValue('#book-time'), '09:30');
    assert.equal(await page.inputValue('#book-room'), String(roomB.id));
    await page.keyboard.press('Escape');
    await page.locator('#book-dialog').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('cancels the appointment with a reason', async () => {
    const page = await openAs(reception);
    await showDay(page, day);
    await page.locator(`#calendar .appt[data-appointment-id="${booked.id}"]`).click();
    const dialog = page.locator(`#appointment-dialog[data-appointment-id="${booked.id}"]`);
    await dialog.waitFor();
    for (const action of ['check_in', 'cancel', 'no_show', 'move', 'ics']) {
      assert.equal(await dialog.locator(`[data-action="${action}"]`).count(), 1, `${action} is offered`);
    }
    assert.equal(await dialog.locator('[data-action="done"]').count(), 0);
    assert.match(
      await dialog.locator('[data-action="ics"]').getAttribute('href'),
      new RegExp(`^/api/v1/appointments/${booked.id}/ics\\?lang=ar$`),
      'the calendar file is in the patient\'s language',
    );
    await dialog.locator('[data-action="cancel"]').click();
    // A cancellation needs its reason.
    await page.click('#status-confirm');
    await dialog.locator('[data-error-for="reason"]:not(:empty)').waitFor();
    await page.fill('#status-reason', 'The patient asked to cancel by phone');
    await page.click('#status-confirm');
    await page.locator(`#appointment-dialog[data-status="cancelled"]`).waitFor();
    assert.equal(await dialog.locator('[data-action="check_in"]').count(), 0);
    await page.keyboard.press('Escape');
    await page.locator(`#calendar .appt[data-appointment-id="${booked.id}"]`).waitFor({ state: 'detached' });
    const after = await ok(await recApi.get(`/api/v1/appointments/${booked.id}`), 200, 'appointment');
    assert.equal(after.status, 'cancelled');
    assert.equal(after.status_reason, 'The patient asked to cancel by phone');
    await page.context().close();
  });

  it('shows the week and moves through weeks and back to today', async () => {
    const appt = await ok(
      await recApi.post('/api/v1/appointments', {
        patient_id: other.id,
        kind: 'consultation',
        // 09:00 in Dubai, four hours ahead of UTC all year.
        start: `${day}T05:00:00.000Z`,
        duration_minutes: 30,
        prep_minutes: 0,
        room_id: roomA.id,
        clinician_id: clinician.id,
      }),
      201,
      'booking by API',
    );
    const page = await openAs(reception);
    await showDay(page, day);
    await page.click('#calendar-view-week');
    const week = page.locator('#calendar[data-view="week"]');
    await week.locator('.cal-day-head').first().waitFor();
    assert.equal(await week.locator('.cal-day-head').count(), 7);
    assert.equal(await week.locator(`.cal-day-head[data-date="${day}"]`).count(), 1);
    await week.locator(`.cal-lane[data-date="${day}"] .appt[data-appointment-id="${appt.id}"]`).waitFor();
    assert.match(await page.evaluate(() => location.hash), /view=week/);
    await page.click('#calendar-next');
    await page.locator(`#calendar[data-date="${addDays(day, 7)}"]`).waitFor();
    assert.equal(await page.inputValue('#calendar-date'), addDays(day, 7));
    await page.click('#calendar-prev');
    await page.locator(`#calendar[data-date="${day}"]`).waitFor();
    await page.click('#calendar-today');
    await page.locator(`#calendar[data-date="${today}"]`).waitFor();
    assert.match(await page.evaluate(() => location.hash), new RegExp(`date=${today}`));
    await page.click('#calendar-view-day');
    await page.locator(`#calendar[data-view="day"][data-date="${today}"]`).waitFor();
    await page.context().close();
  });

  it('renders right to left in Arabic without page errors', async () => {
    const page = await openAs(reception, { lang: 'ar' });
    await showDay(page, day);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await page.getAttribute('html', 'lang'), 'ar');
    // The time axis is on the right, the first column right beside it.
    const axis = await page.locator('#calendar .cal-axis').boundingBox();
    const first = await page.locator('#calendar .cal-lane').first().boundingBox();
    assert.ok(axis.x > first.x, 'the axis is at the right edge');
    const block = page.locator('#calendar .appt').first();
    await block.waitFor();
    assert.equal(await block.locator('.appt-time').getAttribute('dir'), 'ltr');
    assert.equal(await page.locator('#calendar-view-week').innerText(), 'أسبوع');
    await page.screenshot({ path: join(OUT, 'calendar-ar.png') });
    await page.click('#calendar-view-week');
    await page.locator('#calendar[data-view="week"] .cal-day-head').first().waitFor();
    await block.click();
    await page.locator('#appointment-dialog').waitFor();
    assert.equal(await page.locator('#appointment-dialog [data-action="check_in"]').innerText(), 'تسجيل الوصول');
    await page.keyboard.press('Escape');
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
