// How the binary serves the web UI: content types, ETag + 304, no-cache, and the Content-Security-Policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('GET / is the page, with CSP, ETag and no-cache; 304 on a matching If-None-Match', async () => {
  const res = await fetch(server.url + '/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self' ws: wss:/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  assert.match(await res.text(), /<script type="module" src="\/web\/app.js">/);

  const again = await fetch(server.url + '/', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  const other = await fetch(server.url + '/', { headers: { 'If-None-Match': '"0000000000000000"' } });
  assert.equal(other.status, 200);
});

test('assets have their content types; unknown files are 404 problems', async () => {
  for (const [file, type] of [['app.js', /^text\/javascript/], ['api.js', /^text\/javascript/],
    ['feed.js', /^text\/javascript/], ['views.js', /^text\/javascript/], ['styles.css', /^text\/css/]]) {
    const res = await fetch(`${server.url}/web/${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type'), type, file);
    assert.ok(res.headers.get('etag'), file);
    assert.ok((await res.text()).length > 100, file);
  }
  const missing = await fetch(`${server.url}/web/nope.js`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type'), /problem\+json/);
});
