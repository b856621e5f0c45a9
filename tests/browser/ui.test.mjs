// The web UI in real headless chromium against the real binary: sign-up and task creation with every field,
// validation errors at the field, two pages of one user seeing each other's changes live, keyboard-only creation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, signIn, signUp, startServer, watchErrors } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Polls `check` (page.waitForFunction evaluates strings, which the page's CSP forbids).
async function until(check, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeout} ms: ${check}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// The tasks as the API has them, fetched from inside the page with its session.
async function apiTasks(page) {
  return page.evaluate(async () => {
    const s = JSON.parse(sessionStorage.getItem('todoai.session'));
    const res = await fetch(`/api/${s.user.id}/tasks?limit=200`, { headers: { Authorization: `Bearer ${s.token}` } });
    return await res.json();
  });
}

// Creates a task through the API from inside the page (as another client would).
async function createViaApi(page, task) {
  return page.evaluate(async (task) => {
    const s = JSON.parse(sessionStorage.getItem('todoai.session'));
    const res = await fetch(`/api/${s.user.id}/tasks`, { method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(task) });
    return res.json();
  }, task);
}

describe('web UI', () => {
  test('sign up, then create a task with every field and see it listed', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    assert.equal(new URL(page.url()).search, '', 'no token in the URL');
    assert.match(await page.locator('#live-status').textContent(), /live|connecting/);

    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Water the plants');
    await dialog.getByLabel('Description').fill('The ficus and the basil');
    await dialog.getByLabel('Priority').selectOption('high');
    await dialog.getByLabel('Tags').fill('home, garden');
    await dialog.getByLabel(/^Due/).fill('2030-01-15T09:30');
    await dialog.getByLabel('Repeats').selectOption('weekly');
    await dialog.getByRole('button', { name: 'Add reminder' }).click();
    await dialog.getByLabel('How long before due').fill('30');
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'hidden' });

    const row = page.locator('.task', { hasText: 'Water the plants' });
    await row.waitFor();
    const text = await row.textContent();
    for (const part of ['The ficus and the basil', 'High', '#home', '#garden', 'weekly']) assert.ok(text.includes(part), part);

    // Local time in, UTC stored: 09:30 in Berlin in January is 08:30Z.
    const [task] = await apiTasks(page);
    assert.equal(task.title, 'Water the plants');
    assert.equal(new Date(task.due_date).toISOString(), '2030-01-15T08:30:00.000Z');
    assert.equal(task.priority, 'high');
    assert.deepEqual(task.tags, ['home', 'garden']);
    assert.equal(task.recurrence_schedule, 'weekly');
    assert.equal(task.reminders.length, 1);
    assert.equal(task.reminders[0].before_due, 'PT30M');

    // Edit shows the due date back in local time; complete, filter, reopen, delete.
    await row.getByRole('button', { name: /^Edit/ }).click();
    assert.equal(await dialog.getByLabel(/^Due/).inputValue(), '2030-01-15T09:30');
    await dialog.getByLabel('Title').fill('Water the plants twice');
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await page.locator('.task', { hasText: 'Water the plants twice' }).waitFor();

    // By the task's id, not its title: the next instance has the same title, and a retried check() (the list
    // re-renders when the live feed says the rename landed) must not complete that one too.
    const box = page.getByRole('checkbox', { name: /Complete “Water the plants twice”/ });
    assert.equal(await box.getAttribute('id'), `done-${task.id}`);
    await page.locator(`#done-${task.id}`).check();
    await page.locator(`.task.done[data-id="${task.id}"]`).waitFor();
    await page.getByRole('search').getByLabel('Status').selectOption('pending');
    // Completing a weekly task created its next instance, which is pending.
    await until(async () => (await page.locator('.task.done').count()) === 0 && (await page.locator('.task').count()) === 1);
    await page.getByRole('search').getByLabel('Status').selectOption('');
    await page.getByRole('search').getByLabel('Search').fill('nothing-matches-this');
    await page.locator('#empty').waitFor({ state: 'visible' });
    await page.getByRole('search').getByLabel('Search').fill('');
    await page.locator('.task').first().waitFor();

    const before = await page.locator('.task').count();
    await page.locator('.task').first().getByRole('button', { name: /^Delete/ }).click();
    await until(async () => (await page.locator('.task').count()) === before - 1);
    assert.deepEqual(errors, [], 'no console errors (CSP included)');
    await context.close();
  });

  test('filter by tag: typing a tag, clicking a #tag, clearing it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    await createViaApi(page, { title: 'Buy milk', tags: ['errands'] });
    await createViaApi(page, { title: 'Fix the shelf', tags: ['home'] });
    await createViaApi(page, { title: 'Post the letter', tags: ['errands', 'home'] });
    await until(async () => (await page.locator('.task').count()) === 3);
    const titles = async () => (await page.locator('.task .title').allTextContents()).sort();

    await page.getByRole('search').getByLabel('Tag', { exact: true }).fill('home');
    await until(async () => (await page.locator('.task').count()) === 2);
    assert.deepEqual(await titles(), ['Fix the shelf', 'Post the letter']);

    await page.getByRole('button', { name: 'Clear the tag filter' }).click();
    await until(async () => (await page.locator('.task').count()) === 3);
    assert.equal(await page.getByRole('search').getByLabel('Tag', { exact: true }).inputValue(), '');

    await page.locator('.task', { hasText: 'Buy milk' }).getByRole('button', { name: 'Show tasks tagged errands' }).click();
    await until(async () => (await page.locator('.task').count()) === 2);
    assert.deepEqual(await titles(), ['Buy milk', 'Post the letter']);
    assert.equal(await page.getByRole('search').getByLabel('Tag', { exact: true }).inputValue(), 'errands');
    await page.getByRole('button', { name: 'Clear the tag filter' }).press('Enter');
    await until(async () => (await page.locator('.task').count()) === 3);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an invalid field is shown next to that field', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.url);
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('x'.repeat(256));
    await dialog.getByRole('button', { name: 'Save task' }).click();
    const error = page.locator('#err-title');
    await error.waitFor({ state: 'visible' });
    assert.ok((await error.textContent()).length > 0);
    assert.equal(await dialog.getByLabel('Title').getAttribute('aria-invalid'), 'true');
    assert.ok(await dialog.isVisible(), 'the editor stays open');
    assert.equal(await page.evaluate(() => document.activeElement.id), 't-title', 'focus moves to the field');
    assert.equal((await apiTasks(page)).length, 0);

    // Fixing it clears the error and saves.
    await dialog.getByLabel('Title').fill('Short enough');
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('.task', { hasText: 'Short enough' }).waitFor();

    // A wrong password is shown, not swallowed.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.locator('#auth-submit').click();
    await page.locator('#auth-form .form-error').waitFor({ state: 'visible' });
    await context.close();
  });

  test('a change in one page appears in another page of the same user within a second', async () => {
    const a = await browser.newContext();
    const b = await browser.newContext();
    const pageA = await a.newPage();
    const pageB = await b.newPage();
    const account = await signUp(pageA, server.url);
    await signIn(pageB, server.url, account);
    await pageB.locator('#live-status[data-state="live"]').waitFor();
    await pageA.locator('#live-status[data-state="live"]').waitFor();

    await pageA.getByRole('button', { name: 'New task' }).click();
    await pageA.getByRole('dialog').getByLabel('Title').fill('Seen from afar');
    const started = Date.now();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Save task' }).click();
    await pageB.locator('.task', { hasText: 'Seen from afar' }).waitFor({ timeout: 1000 });
    assert.ok(Date.now() - started < 1000);

    // And back: completing in B shows in A.
    await pageB.getByRole('checkbox', { name: /Complete “Seen from afar”/ }).check();
    await pageA.locator('.task.done', { hasText: 'Seen from afar' }).waitFor({ timeout: 1000 });
    await a.close();
    await b.close();
  });

  test('a reminder that fires shows as an in-page notification on time', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.url);
    await page.locator('#live-status[data-state="live"]').waitFor();
    const at = new Date(Date.now() + 2000).toISOString();
    await page.evaluate(async (at) => {
      const s = JSON.parse(sessionStorage.getItem('todoai.session'));
      await fetch(`/api/${s.user.id}/tasks`, { method: 'POST',
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Call the bank', reminders: [{ at }] }) });
    }, at);
    // Made through the API, the task appears by itself; the reminder pops up at its time (within a second).
    await page.locator('.task', { hasText: 'Call the bank' }).waitFor({ timeout: 1000 });
    const toast = page.locator('.toast.reminder', { hasText: 'Call the bank' });
    await toast.waitFor({ timeout: 4000 });
    const late = Date.now() - Date.parse(at);
    assert.ok(late > -200 && late < 1000, `shown ${late} ms after its time`);
    await context.close();
  });

  test('the notifications panel lists fired reminders, unread marked, with a live count and mark read', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    await page.locator('#live-status[data-state="live"]').waitFor();
    const bell = page.locator('#notif-toggle');
    assert.equal(await page.locator('#notif-count').isVisible(), false, 'no badge before anything fired');
    await page.getByRole('button', { name: 'Notifications', exact: true }).click();
    assert.equal(await bell.getAttribute('aria-expanded'), 'true');
    const panel = page.getByRole('region', { name: 'Notifications' }).and(page.locator('#notif-panel'));
    await panel.waitFor();
    await page.locator('#notif-empty').waitFor({ state: 'visible' });

    await createViaApi(page, { title: 'Feed the cat', reminders: [{ at: new Date(Date.now() + 1500).toISOString() }] });
    // Live: the badge and the list update when the fired event arrives, without a reload.
    await page.locator('#notif-count', { hasText: '1' }).waitFor({ timeout: 5000 });
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications (1 unread)');
    const item = page.locator('.notif', { hasText: 'Feed the cat' });
    await item.waitFor();
    assert.match(await item.getAttribute('class'), /\bunread\b/);
    // Bold while unread (polled: the list may re-render the item once more while the fetch and the event settle).
    await until(async () => (await item.locator('.n-title').evaluate((n) => getComputedStyle(n).fontWeight)) === '700');
    assert.match(await item.locator('time').textContent(), /^Reminded /);

    const marked = page.waitForRequest((r) => r.method() === 'POST' && /\/notifications\/[^/]+\/read$/.test(r.url()));
    await item.getByRole('button', { name: 'Mark “Feed the cat” read' }).click();
    await marked;
    await until(async () => !/\bunread\b/.test(await item.getAttribute('class')));
    await page.locator('#notif-count').waitFor({ state: 'hidden' });
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    const unread = await page.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('todoai.session'));
      const res = await fetch(`/api/${s.user.id}/notifications?unread=true`, { headers: { Authorization: `Bearer ${s.token}` } });
      return (await res.json()).length;
    });
    assert.equal(unread, 0, 'marked read on the server');
    // The panel closes again with the same button.
    await bell.click();
    await page.locator('#notif-panel').waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a task's history from the audit trail, newest first, in local time", async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    const remindAt = '2031-03-01T00:00:00Z';  // 09:00 in Tokyo
    const task = await createViaApi(page, { title: 'Renew passport', reminders: [{ at: remindAt }] });
    const row = page.locator('.task', { hasText: 'Renew passport' });
    await row.waitFor();
    await row.getByRole('checkbox').check();
    await page.locator('.task.done', { hasText: 'Renew passport' }).waitFor();
    // The audit service sees the events asynchronously: wait until it has the completion.
    await until(async () => (await page.evaluate(async (id) => {
      const s = JSON.parse(sessionStorage.getItem('todoai.session'));
      const res = await fetch(`/api/${s.user.id}/audit?task_id=${id}`, { headers: { Authorization: `Bearer ${s.token}` } });
      return (await res.json()).map((e) => e.event_type);
    }, task.id)).includes('com.todoai.task.completed'));

    await page.locator('.task', { hasText: 'Renew passport' }).getByRole('button', { name: /^Edit/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('History').click();
    const items = dialog.getByRole('list', { name: /History of this task/ }).getByRole('listitem');
    await until(async () => (await items.count()) >= 3);
    const texts = await items.allTextContents();
    assert.match(texts[0], /^Completed — /, texts.join(' | '));
    assert.match(texts.at(-1), /^Created — /, texts.join(' | '));
    const scheduled = texts.find((t) => t.startsWith('Reminder scheduled for'));
    assert.ok(scheduled, texts.join(' | '));
    assert.match(scheduled, /2031.*9:00|9:00.*2031/, 'the reminder time in the browser time zone');
    const times = await items.locator('time').evaluateAll((ns) => ns.map((n) => Date.parse(n.getAttribute('datetime'))));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    // A new task shows no history section.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'New task' }).click();
    assert.equal(await page.locator('#history').isVisible(), false);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('delete hides the task, offers Undo for ~5 s, and sends DELETE only when that time has passed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    await createViaApi(page, { title: 'Keep me' });
    await createViaApi(page, { title: 'Drop me' });
    await until(async () => (await page.locator('.task').count()) === 2);
    const deletes = [];
    page.on('request', (r) => { if (r.method() === 'DELETE') deletes.push({ url: r.url(), at: Date.now() }); });

    const started = Date.now();
    await page.getByRole('button', { name: 'Delete “Drop me”' }).click();
    await page.getByRole('button', { name: 'Delete “Keep me”' }).click();
    await until(async () => (await page.locator('.task').count()) === 0);
    await page.locator('.toast', { hasText: '“Keep me” deleted.' }).getByRole('button', { name: 'Undo deleting “Keep me”' }).click();
    await page.locator('.task', { hasText: 'Keep me' }).waitFor();
    assert.equal(await page.locator('.task', { hasText: 'Drop me' }).count(), 0, 'still hidden');
    assert.equal((await apiTasks(page)).length, 2, 'nothing deleted on the server yet');
    assert.deepEqual(deletes, []);

    await until(async () => deletes.length === 1, 8000);
    const waited = deletes[0].at - started;
    assert.ok(waited >= 4500 && waited < 7000, `DELETE sent after ${waited} ms`);
    await until(async () => (await apiTasks(page)).length === 1);
    assert.deepEqual((await apiTasks(page)).map((t) => t.title), ['Keep me'], 'the undone task is kept, the other is gone');
    await page.locator('.toast', { hasText: 'deleted.' }).waitFor({ state: 'detached' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(deletes.length, 1, 'no DELETE for the undone task');
    assert.equal(await page.locator('.task').count(), 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a custom recurrence built in the editor is sent as an RRULE and shown back when editing', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    await page.getByRole('button', { name: 'New task' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill('Gym');
    await dialog.getByLabel(/^Due/).fill('2030-01-07T18:00');
    assert.equal(await page.locator('#rrule-builder').isVisible(), false);
    await dialog.getByLabel('Repeats').selectOption('custom');
    const builder = dialog.getByRole('group', { name: 'Custom repeat' });
    await builder.waitFor();
    await builder.getByLabel('Frequency').selectOption('WEEKLY');
    await builder.getByLabel(/^Every/).fill('2');
    await builder.getByLabel('Mon', { exact: true }).check();
    await builder.getByLabel('Wed', { exact: true }).check();
    await builder.getByLabel('Ends').selectOption('count');
    await builder.getByLabel('Times', { exact: true }).fill('5');
    assert.equal(await page.locator('#rr-preview').textContent(), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5');
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    let [task] = await apiTasks(page);
    assert.equal(task.rrule, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5');
    assert.equal(task.is_recurring, true);
    assert.equal(task.recurrence_schedule, null);

    // Editing shows the rule back in the builder; change it to monthly until a date (end of that day, Berlin time).
    await page.locator('.task', { hasText: 'Gym' }).getByRole('button', { name: /^Edit/ }).click();
    assert.equal(await dialog.getByLabel('Repeats').inputValue(), 'custom');
    assert.equal(await builder.getByLabel('Frequency').inputValue(), 'WEEKLY');
    assert.equal(await builder.getByLabel(/^Every/).inputValue(), '2');
    assert.equal(await builder.getByLabel('Mon', { exact: true }).isChecked(), true);
    assert.equal(await builder.getByLabel('Tue', { exact: true }).isChecked(), false);
    assert.equal(await builder.getByLabel('Wed', { exact: true }).isChecked(), true);
    assert.equal(await builder.getByLabel('Ends').inputValue(), 'count');
    assert.equal(await builder.getByLabel('Times', { exact: true }).inputValue(), '5');
    await builder.getByLabel('Frequency').selectOption('MONTHLY');
    assert.equal(await builder.getByLabel('Mon', { exact: true }).isVisible(), false, 'weekdays only for weekly');
    await builder.getByLabel(/^Every/).fill('1');
    await builder.getByLabel('Ends').selectOption('until');
    await builder.getByLabel('End date').fill('2030-12-31');
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await until(async () => (await apiTasks(page))[0].rrule !== 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5');
    [task] = await apiTasks(page);
    assert.equal(task.rrule, 'FREQ=MONTHLY;UNTIL=20301231T225959Z');
    await page.locator('.task', { hasText: 'Gym' }).getByRole('button', { name: /^Edit/ }).click();
    assert.equal(await builder.getByLabel('End date').inputValue(), '2030-12-31');
    assert.equal(await builder.getByLabel('Frequency').inputValue(), 'MONTHLY');
    // Back to a plain schedule clears the rule.
    await dialog.getByLabel('Repeats').selectOption('daily');
    assert.equal(await builder.isVisible(), false);
    await dialog.getByRole('button', { name: 'Save task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await until(async () => (await apiTasks(page))[0].recurrence_schedule === 'daily');
    assert.equal((await apiTasks(page))[0].rrule, null);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('browser notifications: a button asks for permission, then fired reminders use them', async () => {
    const context = await browser.newContext();
    // A stand-in for the Notification API (headless chromium has no notification UI to answer the prompt).
    await context.addInitScript(() => {
      window.__shown = [];
      window.__asked = 0;
      class FakeNotification {
        static permission = 'default';
        static async requestPermission() { window.__asked++; FakeNotification.permission = 'granted'; return 'granted'; }
        constructor(title, options = {}) { window.__shown.push({ title, body: options.body }); }
      }
      Object.defineProperty(window, 'Notification', { value: FakeNotification, configurable: true, writable: true });
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signUp(page, server.url);
    await page.locator('#live-status[data-state="live"]').waitFor();
    const allow = page.getByRole('button', { name: 'Enable browser notifications' });
    await allow.waitFor();
    await allow.focus();
    await page.keyboard.press('Enter');
    await allow.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => window.__asked), 1);
    await page.locator('.toast', { hasText: 'browser notifications' }).waitFor();

    await createViaApi(page, { title: 'Stretch', reminders: [{ at: new Date(Date.now() + 1500).toISOString() }] });
    await until(async () => (await page.evaluate(() => window.__shown.length)) === 1, 5000);
    assert.deepEqual(await page.evaluate(() => window.__shown), [{ title: 'todoai reminder', body: 'Stretch' }]);
    assert.deepEqual(errors, []);
    await context.close();

    // Already decided (granted by the browser's settings): no button.
    const granted = await browser.newContext({ permissions: ['notifications'] });
    const page2 = await granted.newPage();
    await signUp(page2, server.url);
    assert.equal(await page2.evaluate(() => Notification.permission), 'granted');
    assert.equal(await page2.locator('#allow-notifications').isVisible(), false);
    await granted.close();
  });

  test('a task can be created with the keyboard alone', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signUp(page, server.url);
    // After sign-in the focus is on "New task".
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-task');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 't-title');
    await page.keyboard.type('Typed, not clicked');
    await page.keyboard.press('Tab');          // description
    await page.keyboard.type('Only keys');
    await page.keyboard.press('Tab');          // priority
    await page.keyboard.press('ArrowDown');    // medium -> high
    await page.keyboard.press('Tab');          // status
    await page.keyboard.press('Tab');          // tags
    await page.keyboard.type('keyboard');
    await page.keyboard.press('Enter');        // submits the form
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const row = page.locator('.task', { hasText: 'Typed, not clicked' });
    await row.waitFor();
    assert.ok((await row.textContent()).includes('#keyboard'));
    assert.ok((await row.textContent()).includes('High'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-task', 'focus returns to New task');
    // Escape closes the editor without saving.
    await page.keyboard.press('Enter');
    await page.keyboard.type('Never saved');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.locator('.task', { hasText: 'Never saved' }).count(), 0);
    await context.close();
  });
});
