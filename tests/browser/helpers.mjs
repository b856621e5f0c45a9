// Shared by the browser tests: start the real todoai binary on a free port with a temporary data dir, and launch
// Debian's chromium headless through playwright-core. Missing pieces are failures, never skips.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.TODOAI_CHROMIUM || '/usr/bin/chromium';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync'];

// `port` 0 picks a free one; pass `port` and `dataDir` to restart a stopped server on the same ones
// (then stop the first with { keepData: true }).
export async function startServer({ port: wanted = 0, dataDir = mkdtempSync(join(tmpdir(), 'todoai-browser-')) } = {}) {
  const binary = process.env.TODOAI_BINARY || 'build/todoai';
  if (!existsSync(binary)) throw new Error(`todoai binary not found at ${binary} (set TODOAI_BINARY)`);
  const child = spawn(binary, ['serve', 'all', '--port', String(wanted), '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TODOAI_DATA_DIR: dataDir } });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`todoai did not start in 15 s:\n${output}`)), 15000);
    child.stdout.on('data', (d) => {
      output += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`todoai exited (${code}):\n${output}`)); });
  });
  child.stdout.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// A port that was free a moment ago (for a server that must come back on the same port).
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: run scripts/install-deps.sh`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (node_modules missing): run scripts/install-deps.sh (${e.message})`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
}

let counter = 0;
export function uniqueEmail() {
  return `user${Date.now()}${++counter}${Math.floor(Math.random() * 1e6)}@example.com`;
}

// Signs up through the UI and waits for the task list.
export async function signUp(page, url, email = uniqueEmail(), password = 'correct horse battery') {
  await page.goto(url + '/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await page.getByRole('heading', { name: 'My tasks' }).waitFor();
  return { email, password };
}

export async function signIn(page, url, { email, password }) {
  await page.goto(url + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.locator('#auth-submit').click();
  await page.getByRole('heading', { name: 'My tasks' }).waitFor();
}

// Collects console errors and page errors so a test can assert there were none (CSP violations show up here).
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return errors;
}

// Through the API, not the UI: a new user ({ token, user }) and a task of theirs (the created task).
export async function apiSignUp(url) {
  const res = await fetch(`${url}/api/auth/sign-up`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail(), password: 'correct horse battery', name: 'Ada' }) });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${body}`);
  return JSON.parse(body);
}

export async function apiCreateTask(url, s, title) {
  const res = await fetch(`${url}/api/${s.user.id}/tasks`, { method: 'POST',
    headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ title }) });
  const body = await res.text();
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${body}`);
  return JSON.parse(body);
}
