// The portal signs in through openpal's own development authority (pal serve --dev-issuer, /adfs) by the code path it
// uses for Entra ID: MSAL, authorization code with PKCE S256, the authority's own sign-in page (the principal picker,
// marked as development only). Then the principal's own link is created and removed, the token is renewed silently
// with a refresh token that rotates on use, a replayed refresh token ends the session with a clear re-sign-in, and
// sign-out leaves no token behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, devToken, api, shot, BASE } from '../harness.js';

const ARM = '/providers/Microsoft.ManagementPartner/partners';
const V = 'api-version=2018-02-01';
const T06 = '10000000-0000-4000-8000-000000000006';   // Coho Winery (customer)
const CARL = '30000000-0000-4000-8000-060000000001';  // Carl Coho, member user of T06, not linked
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function claimsOf(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(Buffer.from(part, 'base64').toString('utf8'));
}

// Makes the session's token look as if it expired within the portal's renewal margin (2 minutes), so that the next
// API call renews it silently first. The token itself is not sent: the renewal replaces it.
async function ageSessionToken(page) {
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('openpal.session'));
    const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    s.token = `${b64({ alg: 'RS256' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 60 })}.c2ln`;
    sessionStorage.setItem('openpal.session', JSON.stringify(s));
  });
}

test('sign in at the development authority (code + PKCE S256), link, renew silently, sign out', async () => {
  const { context, problems } = browser;
  const authorize = [];
  const grants = [];       // token requests, as sent
  const issued = [];       // token responses
  const apiTokens = [];
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== BASE) return;
    if (url.pathname === '/adfs/oauth2/authorize' && r.method() === 'GET') authorize.push(url.searchParams);
    if (url.pathname === '/adfs/oauth2/token') grants.push(new URLSearchParams(r.postData() || ''));
    if (url.pathname.startsWith('/openpal/v1/') || url.pathname.startsWith('/providers/')) {
      apiTokens.push((r.headers().authorization || '').replace(/^Bearer /, ''));
    }
  });
  context.on('response', async (res) => {
    if (new URL(res.url()).pathname !== '/adfs/oauth2/token') return;
    try { issued.push({ status: res.status(), body: await res.json() }); } catch { /* no body */ }
  });
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${BASE}/#/signin`);
  await page.getByRole('heading', { name: /Development sign-in/ }).waitFor();
  assert.ok(await page.getByText('dev only').isVisible(), 'the dev sign-in is labelled');
  assert.equal(await page.getByLabel('User or service principal').count(), 0, 'no picker inside the portal');

  // The authority's sign-in page: marked as development only, a button per principal.
  await page.getByRole('button', { name: 'Sign in with the development authority' }).click();
  await page.waitForURL((u) => u.pathname === '/adfs/oauth2/authorize', { timeout: 20000 });
  await page.getByText('For development and tests only.').waitFor();
  await shot(page, 'dev-authority-1-picker');
  await page.locator(`button[name="principal"][value="${T06}/${CARL}"]`).click();

  // Back in the portal as Carl, on his (empty) link page, labelled as a development sign-in.
  await page.locator('#who .who-name').waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#who .who-name').textContent(), 'Carl Coho');
  await page.waitForURL(/#\/link$/);
  await page.getByText('This account is not linked to a partner ID.').waitFor();
  assert.ok(await page.locator('#devbanner').isVisible(), 'the dev session is labelled on every page');

  // The request was the code flow with PKCE S256 for the portal's registered client and redirect URI; the code was
  // redeemed with its verifier, and a refresh token came with the tokens.
  assert.equal(authorize.length, 1);
  const a = authorize[0];
  assert.equal(a.get('response_type'), 'code');
  assert.equal(a.get('code_challenge_method'), 'S256');
  assert.match(a.get('code_challenge') || '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(a.get('client_id'), 'openpal-portal');
  assert.equal(a.get('redirect_uri'), `${BASE}/`);
  assert.match(a.get('scope') || '', /https:\/\/management\.azure\.com\/\.default/);
  assert.equal(grants[0].get('grant_type'), 'authorization_code');
  assert.match(grants[0].get('code_verifier') || '', /^[A-Za-z0-9._~-]{43,128}$/);
  assert.equal(issued[0].status, 200);
  const firstRefresh = issued[0].body.refresh_token;
  assert.match(firstRefresh || '', /^[A-Za-z0-9_-]{43}$/);
  assert.ok(apiTokens.length > 0);
  for (const t of apiTokens) {
    const c = claimsOf(t);
    assert.equal(c.iss, `${BASE}/adfs`);
    assert.match(c.aud, /^https:\/\/management\.azure\.com\/?$/);
    assert.equal(c.tid, T06);
    assert.equal(c.oid, CARL);
  }

  // His own link: created in the page, seen by the API.
  const input = page.getByLabel('Partner ID (location MPN ID)');
  await input.fill('4100011');
  await page.locator('#partner-id-check').getByText('✓ Contoso Managed Services, Seattle').waitFor();
  await page.getByRole('button', { name: 'Link', exact: true }).click();
  await page.locator('#link-partner-id').getByText('4100011').waitFor();
  const token = await devToken(T06, CARL);
  assert.equal((await api('GET', `${ARM}?${V}`, { token })).properties.partnerId, '4100011');
  await shot(page, 'dev-authority-2-linked');

  // Silent renewal: a token near its expiry is replaced through the refresh token, which rotates.
  const before = grants.length;
  await ageSessionToken(page);
  const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/adfs/oauth2/token' &&
    new URLSearchParams(r.request().postData() || '').get('grant_type') === 'refresh_token', { timeout: 20000 });
  await page.reload();
  const renewed = await (await refreshed).json();
  await page.locator('#link-partner-id').getByText('4100011').waitFor({ timeout: 20000 });
  const renewals = grants.slice(before).filter((g) => g.get('grant_type') === 'refresh_token');
  assert.equal(renewals.length, 1, 'one renewal for the page\'s calls');
  assert.equal(renewals[0].get('refresh_token'), firstRefresh);
  assert.equal(renewals[0].get('client_id'), 'openpal-portal');
  assert.ok(renewed.refresh_token && renewed.refresh_token !== firstRefresh, 'the refresh token rotated');
  assert.equal(apiTokens.at(-1), renewed.access_token, 'the API got the renewed token');

  // Remove the link.
  await page.getByRole('button', { name: 'Remove the link to 4100011' }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.getByText('This account is not linked to a partner ID.').waitFor();
  assert.equal((await api('GET', `${ARM}?${V}`, { token, raw: true })).status, 404);

  // A replayed refresh token (the spent first one) is refused, and revokes its whole sign-in: the portal's next
  // renewal fails, and the user is asked, in words, to sign in again.
  const replay = await fetch(`${BASE}/adfs/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'openpal-portal', refresh_token: firstRefresh }),
  });
  assert.equal(replay.status, 400);
  assert.equal((await replay.json()).error, 'invalid_grant');
  await ageSessionToken(page);
  await page.reload();
  const alert = page.getByRole('alert').filter({ hasText: 'You were signed out' });
  await alert.waitFor({ timeout: 20000 });
  assert.match(await alert.textContent(), /could not be renewed silently.*Sign in again/);
  await shot(page, 'dev-authority-3-renewal-refused');

  // Sign in again (the authority keeps no session: its picker again), then sign out: back on the sign-in page by way
  // of the authority's end-session endpoint, and no token left in this tab.
  await page.getByRole('button', { name: 'Sign in with the development authority' }).click();
  await page.locator(`button[name="principal"][value="${T06}/${CARL}"]`).click();
  await page.locator('#who .who-name').waitFor({ timeout: 20000 });
  const toLogout = page.waitForRequest((r) => new URL(r.url()).pathname === '/adfs/oauth2/logout', { timeout: 20000 });
  await page.getByRole('button', { name: 'Sign out' }).click();
  const logout = new URL((await toLogout).url());
  assert.equal(logout.searchParams.get('post_logout_redirect_uri'), `${BASE}/`);
  await page.getByRole('button', { name: 'Sign in with the development authority' }).waitFor({ timeout: 20000 });
  const stored = await page.evaluate(() => Object.keys(sessionStorage)
    .filter((k) => k === 'openpal.session' || /eyJ[A-Za-z0-9_-]+\.eyJ/.test(sessionStorage.getItem(k) || '')));
  assert.deepEqual(stored, [], 'no session and no JWT left in sessionStorage');
  assert.deepEqual(problems, []);
  assert.ok(Date.now() - started < 90000);
  await page.close();
});
