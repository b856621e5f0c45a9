// The live feed after a drop: the server process is stopped and started again on the same port and data dir; a
// change made through the API while the page is still disconnected appears in the page once the feed has
// reconnected by itself (no reload), and later changes keep arriving live.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { apiCreateTask as createTask, freePort, launchBrowser, signUp, startServer, watchErrors } from './helpers.mjs';

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

async function until(check, timeout = 5000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeout} ms: ${check}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the feed reconnects by itself after the server restarts and catches up with what it missed', async () => {
  const context = await browser.newContext();
  // Every page WebSocket goes through this proxy, so the test decides when the page may connect again.
  let blocked = false;
  let attempts = 0;
  await context.routeWebSocket(/\/ws/, (ws) => {
    attempts++;
    if (blocked) { ws.close({ code: 1011, reason: 'blocked by the test' }); return; }
    ws.connectToServer();
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await signUp(page, server.url);
  const status = page.locator('#live-status');
  await page.locator('#live-status[data-state="live"]').waitFor();
  const s = await page.evaluate(() => JSON.parse(sessionStorage.getItem('todoai.session')));
  await createTask(server.url, s, 'Before the drop');
  await page.locator('.task', { hasText: 'Before the drop' }).waitFor({ timeout: 1000 });

  // Drop: stop the process; the page notices and keeps trying (blocked meanwhile).
  blocked = true;
  const { port } = server;
  await server.stop({ keepData: true });
  await page.locator('#live-status[data-state="reconnecting"]').waitFor({ timeout: 5000 });
  server = await startServer({ port, dataDir });
  const tried = attempts;
  await createTask(server.url, s, 'Made while disconnected');
  await until(async () => attempts > tried, 15000);  // it retried by itself, and was turned away
  assert.equal(await page.locator('.task', { hasText: 'Made while disconnected' }).count(), 0, 'not seen while disconnected');
  assert.notEqual(await status.getAttribute('data-state'), 'live');

  // Let it through: within a few seconds it is live again and has caught up, without a reload.
  blocked = false;
  const since = Date.now();
  await page.locator('.task', { hasText: 'Made while disconnected' }).waitFor({ timeout: 12000 });
  await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 1000 });
  console.log(`caught up ${Date.now() - since} ms after the page was let through`);
  assert.equal(await page.locator('.task', { hasText: 'Before the drop' }).count(), 1);
  assert.equal(await page.getByRole('heading', { name: 'My tasks' }).isVisible(), true, 'still signed in');

  // And it is live again: the next change arrives within a second.
  await createTask(server.url, s, 'After the reconnection');
  await page.locator('.task', { hasText: 'After the reconnection' }).waitFor({ timeout: 1000 });
  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
  await context.close();
});
