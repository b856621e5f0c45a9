// Takes the README's screenshots of the web UI (not part of ctest):
//   TODOAI_BINARY=build/todoai node tests/browser/screenshots.mjs
// writes docs/ui-desktop.png (1280x800) and docs/ui-phone.png (390x844), plus the editor and the notifications panel
// at both sizes.
import { launchBrowser, signUp, startServer } from './helpers.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const seed = await browser.newContext();
  const page = await seed.newPage();
  const account = await signUp(page, server.url);
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('todoai.session')));
  const day = (n, h) => { const d = new Date(); d.setDate(d.getDate() + n); d.setHours(h, 0, 0, 0); return d.toISOString(); };
  const tasks = [
    { title: 'Renew passport', description: 'Photos first, then the form online', priority: 'high', tags: ['admin'],
      due_date: day(2, 10), reminders: [{ before_due: 'P1D' }] },
    { title: 'Water the plants', priority: 'medium', tags: ['home'], due_date: day(1, 8), is_recurring: true,
      recurrence_schedule: 'weekly', reminders: [{ before_due: 'PT15M' }] },
    { title: 'Book the dentist', priority: 'low', tags: ['health'], status: 'in_progress' },
    { title: 'Read chapter 4', description: 'Distributed transactions', priority: 'medium', tags: ['study', 'books'],
      due_date: day(5, 19) },
    { title: 'Call the plumber', priority: 'medium', tags: ['home'], reminders: [{ at: new Date(Date.now() + 1500).toISOString() }] },
    { title: 'Pay the electricity bill', priority: 'high', tags: ['admin', 'money'], due_date: day(-1, 9) },
  ];
  for (const t of tasks.reverse()) {
    await page.evaluate(async ({ s, t }) => {
      await fetch(`/api/${s.user.id}/tasks`, { method: 'POST', body: JSON.stringify(t),
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' } });
    }, { s: token, t });
  }
  await seed.close();
  await new Promise((r) => setTimeout(r, 2500));  // the plumber reminder has fired: an unread notification

  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const p = await context.newPage();
    await p.goto(server.url + '/');
    await p.getByLabel('Email').fill(account.email);
    await p.getByLabel('Password').fill(account.password);
    await p.locator('#auth-submit').click();
    await p.locator('.task').nth(4).waitFor();
    await p.locator('#live-status[data-state="live"]').waitFor();
    await p.locator('#notif-count', { hasText: '1' }).waitFor();
    await p.mouse.move(0, 0);
    await p.screenshot({ path: `docs/ui-${name}.png` });
    await p.locator('.task', { hasText: 'Water the plants' }).getByRole('button', { name: /^Edit/ }).click();
    await p.getByRole('dialog').waitFor();
    await p.screenshot({ path: `docs/ui-${name}-editor.png` });
    await p.getByRole('button', { name: 'Cancel' }).click();
    await p.locator('#notif-toggle').click();
    await p.locator('.notif').first().waitFor();
    await p.mouse.move(0, 0);
    await p.screenshot({ path: `docs/ui-${name}-notifications.png` });
    await context.close();
  }
  console.log('wrote docs/ui-desktop.png, docs/ui-phone.png and the editor and notifications screenshots');
} finally {
  await browser.close();
  await server.stop();
}
