// The portal's files as pal serve sends them: types, caching and a strict Content-Security-Policy (issue 6, "Build").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE } from '../harness.js';

test('index.html is HTML, revalidated on every load, under a CSP without unsafe-inline', async () => {
  for (const path of ['/', '/index.html']) {
    const res = await fetch(`${BASE}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style=/, 'no inline style');
    assert.doesNotMatch(html, /https?:\/\//, 'no external URL');
  }
});

test('hashed assets are typed and cached as immutable; index.html revalidates with its ETag', async () => {
  const html = await (await fetch(`${BASE}/`)).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join());
  for (const path of assets) {
    const res = await fetch(`${BASE}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok((await res.text()).length > 100);
  }
  const first = await fetch(`${BASE}/index.html`);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${BASE}/index.html`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const missing = await fetch(`${BASE}/assets/nothing-here.js`);
  assert.equal(missing.status, 404);
  const post = await fetch(`${BASE}/index.html`, { method: 'POST' });
  assert.equal(post.status, 405);
});

test('the portal does not shadow the APIs', async () => {
  const res = await fetch(`${BASE}/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01`);
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, 'AuthenticationFailed');
});
