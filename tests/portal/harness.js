// Shared set-up of the portal's end-to-end tests: Debian's Chromium through playwright-core, a fresh profile per
// browser, a record of every request (to prove the portal talks only to pal serve), and direct API calls.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = process.env.OPENPAL_URL;
export const ARTIFACTS = process.env.OPENPAL_ARTIFACTS || tmpdir();
if (!BASE) throw new Error('OPENPAL_URL is not set: run tests/portal/run.sh');

// The demo world (demo/README.md): tenant N is 10000000-0000-4000-8000-0000000000NN.
export const T01 = '10000000-0000-4000-8000-000000000001';  // Contoso Managed Services (partner 4100001/11/12)
export const T04 = '10000000-0000-4000-8000-000000000004';  // Alpine Ski House (customer)
export const ALICE = '30000000-0000-4000-8000-010000000001';  // Alice Ortega, member user of T01
export const ANNA = '30000000-0000-4000-8000-040000000001';   // Anna Alpine, member user of T04, not linked

/** Starts Chromium with a fresh --user-data-dir; returns {context, requests, close}. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'openpal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.OPENPAL_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,  // the test server's self-signed certificate
    viewport: { width: 1366, height: 768 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
    timeout: 60000,
  });
  const requests = [];
  const problems = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('page', (page) => watch(page, problems));
  for (const page of context.pages()) watch(page, problems);
  return {
    context, requests, problems,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

function watch(page, problems) {
  page.on('console', (m) => { if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}

/**
 * Signs in as `objectId` of `tenantId` the way a user does on a --dev-issuer server: the portal's sign-in button, the
 * development authority's sign-in page (/adfs/oauth2/authorize, the principal picker), then back to the portal.
 */
export async function devSignIn(page, tenantId, objectId) {
  await page.goto(`${BASE}/#/signin`);
  await page.getByRole('button', { name: 'Sign in with the development authority' }).click();
  await page.waitForURL((u) => u.pathname === '/adfs/oauth2/authorize', { timeout: 20000 });
  await page.locator(`button[name="principal"][value="${tenantId}/${objectId}"]`).click();
  await page.locator('#who .who-name').waitFor({ timeout: 20000 });
}

/** A dev-issuer token for a principal, straight from the API (not through the page). */
export async function devToken(tenantId, objectId) {
  const body = await api('POST', '/openpal/v1/dev/token', { body: { tenantId, objectId } });
  return body.accessToken;
}

/** Calls pal serve directly; returns the parsed body, or {status, body} when `raw`. */
export async function api(method, path, { token, body, raw = false } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (raw) return { status: res.status, body: json, headers: res.headers };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

/** Saves a full-page screenshot as a test artifact. */
export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
