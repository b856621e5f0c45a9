// The Server-Sent Events feed in a real browser: Chromium's own EventSource opens /api/events, receives each change
// as a message whose lastEventId is the CloudEvent id, and after the server restarts reconnects by itself, sending
// Last-Event-ID, and gets what was made while it was away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { apiCreateTask as createTask, apiSignUp as signUp, freePort, launchBrowser, startServer } from './helpers.mjs';

let server;
let browser;
let dataDir;

before(async () => {
  server = await startServer({ port: await freePort() });
  dataDir = server.dataDir;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Waits until the page's EventSource has received a message about `taskId`; returns that message. (Polled with
// evaluate: the page's Content-Security-Policy forbids the eval that waitForFunction needs.)
async function waitForTask(page, taskId, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const found = await page.evaluate((id) => window.received.find((m) => JSON.parse(m.data).subject === id), taskId);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no event for task ${taskId} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitForOpen(page, count, timeout = 5000) {
  const end = Date.now() + timeout;
  while ((await page.evaluate(() => window.opened)) < count) {
    if (Date.now() > end) throw new Error(`EventSource did not open (${count}) within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('EventSource gets each change with its id and resumes with Last-Event-ID after a restart', async () => {
  const s = await signUp(server.url);
  const page = await browser.newPage();
  const sentLastEventId = [];
  page.on('request', async (r) => {  // allHeaders: what the network stack really sent, Last-Event-ID included
    if (r.url().includes('/api/events')) sentLastEventId.push((await r.allHeaders())['last-event-id'] ?? null);
  });
  await page.goto(server.url + '/');
  await page.evaluate((token) => {
    window.received = [];
    window.opened = 0;
    const source = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    source.onopen = () => { window.opened++; };
    source.onmessage = (m) => { window.received.push({ data: m.data, lastEventId: m.lastEventId }); };
  }, s.token);
  await waitForOpen(page, 1);

  const first = await createTask(server.url, s, 'Seen live');
  const live = await waitForTask(page, first.id, 5000);
  const event = JSON.parse(live.data);
  assert.equal(event.type, 'com.todoai.task.created');
  assert.equal(live.lastEventId, event.id, 'the id field is the CloudEvent id');

  // The server goes away; EventSource notices and retries by itself (retry: 3000 from the stream).
  const { port } = server;
  await server.stop({ keepData: true });
  server = await startServer({ port, dataDir });
  const missed = await createTask(server.url, s, 'Made while the stream was down');
  const caught = await waitForTask(page, missed.id);
  assert.equal(JSON.parse(caught.data).type, 'com.todoai.task.created');
  assert.ok(await page.evaluate(() => window.opened) >= 2, 'it reconnected');
  assert.ok(sentLastEventId.includes(event.id), `a reconnection sent Last-Event-ID ${event.id}: ${sentLastEventId}`);

  const next = await createTask(server.url, s, 'Live again');
  await waitForTask(page, next.id, 5000);
  const ids = await page.evaluate(() => window.received.map((m) => m.lastEventId));
  assert.equal(new Set(ids).size, ids.length, 'nothing arrived twice');
  await page.close();
});
