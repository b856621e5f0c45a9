// The MCP server with the official SDK's client as the real peer (npm @modelcontextprotocol/sdk, pinned in
// package-lock.json): streamable HTTP on POST /mcp with the user's token, and `todoai mcp` over stdio. A change made
// through a tool is the REST change: it reaches the WebSocket feed and the audit trail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { startServer, uniqueEmail } from '../browser/helpers.mjs';

const TOOLS = ['add_task', 'complete_task', 'delete_task', 'get_history', 'list_reminders', 'list_tasks',
  'search_tasks', 'update_task'];

let server;
let session;

async function signUp(url) {
  const res = await fetch(`${url}/api/auth/sign-up`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail(), password: 'correct horse battery', name: 'Ada' }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

async function connect(token) {
  const client = new Client({ name: 'todoai-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

// The live feed as a browser would open it; `next(pred)` resolves with the first event matching it.
function openFeed(token) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(token)}`);
  const events = [];
  const waiters = [];
  ws.addEventListener('message', (m) => {
    const e = JSON.parse(m.data);
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  const opened = new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  return {
    opened,
    close: () => ws.close(),
    next(pred, ms = 10000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such event in ${ms} ms; saw ${JSON.stringify(events)}`)), ms);
        waiters.push({ pred, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
  };
}

const structured = (r) => r.structuredContent ?? JSON.parse(r.content[0].text);

before(async () => {
  server = await startServer();
  session = await signUp(server.url);
});
after(async () => { await server?.stop(); });

test('tools are listed, each with a JSON Schema for its arguments', async () => {
  const client = await connect(session.token);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.ok(t.description, t.name);
    }
    assert.deepEqual(tools.find((t) => t.name === 'add_task').inputSchema.required, ['title']);
    assert.deepEqual(tools.find((t) => t.name === 'list_tasks').inputSchema.properties.status.enum,
      ['all', 'pending', 'completed']);
  } finally {
    await client.close();
  }
});

test('a task added and completed through tools is on the WebSocket feed and in its history', async () => {
  const feed = openFeed(session.token);
  await feed.opened;
  const client = await connect(session.token);
  try {
    const added = await client.callTool({ name: 'add_task', arguments: { title: 'Buy milk', priority: 'high', due_date: '2030-01-02' } });
    assert.equal(added.isError, false, JSON.stringify(added));
    const task = structured(added);
    assert.equal(task.title, 'Buy milk');
    assert.equal(task.due_date, '2030-01-02T23:59:59.000Z');
    await feed.next((e) => e.type === 'com.todoai.task.created' && e.subject === task.id);

    const done = await client.callTool({ name: 'complete_task', arguments: { task_id: task.id } });
    assert.equal(done.isError, false, JSON.stringify(done));
    assert.equal(structured(done).status, 'complete');
    await feed.next((e) => e.type === 'com.todoai.task.completed' && e.subject === task.id);
    // Completing again does not reopen it.
    assert.equal(structured(await client.callTool({ name: 'complete_task', arguments: { task_id: task.id } })).status, 'complete');

    const completed = JSON.parse((await client.callTool({ name: 'list_tasks', arguments: { status: 'completed' } })).content[0].text);
    assert.deepEqual(completed.map((t) => t.id), [task.id]);
    const pending = JSON.parse((await client.callTool({ name: 'list_tasks', arguments: { status: 'pending' } })).content[0].text);
    assert.equal(pending.length, 0);
    const found = JSON.parse((await client.callTool({ name: 'search_tasks', arguments: { query: 'MILK' } })).content[0].text);
    assert.deepEqual(found.map((t) => t.id), [task.id]);

    const updated = await client.callTool({ name: 'update_task', arguments: { task_id: task.id, title: 'Buy oat milk', reminder_time: '2030-01-02T08:00:00Z', status: 'pending' } });
    assert.equal(updated.isError, false, JSON.stringify(updated));
    assert.equal(structured(updated).title, 'Buy oat milk');
    const reminders = JSON.parse((await client.callTool({ name: 'list_reminders', arguments: {} })).content[0].text);
    assert.deepEqual(reminders.map((r) => [r.task_id, r.reminder.at]), [[task.id, '2030-01-02T08:00:00.000Z']]);

    // The audit trail is fed by the same events, a moment later (the reminder's scheduling among them).
    let changes = [];
    for (let i = 0; i < 200 && changes.length < 3; i++) {
      const h = await client.callTool({ name: 'get_history', arguments: { task_id: task.id } });
      assert.equal(h.isError, false, JSON.stringify(h));
      changes = JSON.parse(h.content[0].text).map((e) => e.event_type).filter((t) => t.startsWith('com.todoai.task.'));
      if (changes.length < 3) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(changes.reverse(), ['com.todoai.task.created', 'com.todoai.task.completed', 'com.todoai.task.updated']);

    const deleted = await client.callTool({ name: 'delete_task', arguments: { task_id: task.id } });
    assert.deepEqual(structured(deleted), { deleted: task.id });
    await feed.next((e) => e.type === 'com.todoai.task.deleted' && e.subject === task.id);
  } finally {
    await client.close();
    feed.close();
  }
});

test('bad arguments are tool errors with the REST validation, never a crash', async () => {
  const client = await connect(session.token);
  try {
    const missing = await client.callTool({ name: 'add_task', arguments: {} });
    assert.equal(missing.isError, true);
    assert.match(missing.content[0].text, /422.*title/);
    const wrongType = await client.callTool({ name: 'add_task', arguments: { title: 5, priority: 'urgent' } });
    assert.equal(wrongType.isError, true);
    assert.match(wrongType.content[0].text, /priority/);
    const unknown = await client.callTool({ name: 'complete_task', arguments: { task_id: 'no-such-task' } });
    assert.equal(unknown.isError, true);
    assert.match(unknown.content[0].text, /404/);
    const noId = await client.callTool({ name: 'delete_task', arguments: {} });
    assert.equal(noId.isError, true);
    await assert.rejects(client.callTool({ name: 'launch_rockets', arguments: {} }), /launch_rockets/);
    // Still serving after all that.
    assert.equal((await client.listTools()).tools.length, TOOLS.length);
  } finally {
    await client.close();
  }
});

test('/mcp without a valid token is 401 with WWW-Authenticate', async () => {
  const res = await fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') || '', /^Bearer/);
  await assert.rejects(connect(session.token + 'x'));
});

test('todoai mcp speaks stdio for the user of TODOAI_TOKEN', async () => {
  const binary = process.env.TODOAI_BINARY || 'build/todoai';
  const transport = new StdioClientTransport({
    command: binary,
    args: ['mcp'],
    env: { ...process.env, TODOAI_URL: server.url, TODOAI_TOKEN: session.token },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'todoai-stdio-test', version: '1.0.0' });
  await client.connect(transport);
  try {
    assert.equal((await client.listTools()).tools.length, TOOLS.length);
    const added = await client.callTool({ name: 'add_task', arguments: { title: 'Call the plumber', category: 'home' } });
    assert.equal(added.isError, false, JSON.stringify(added));
    const found = JSON.parse((await client.callTool({ name: 'search_tasks', arguments: { query: 'plumber' } })).content[0].text);
    assert.deepEqual(found.map((t) => t.category), ['home']);
  } finally {
    await client.close();
  }
});
