// The portal signs in through an independent OpenID provider (oidc-provider, started by run.sh on loopback over
// HTTPS): authorization code with PKCE S256, the provider's own login and consent pages, the dashboard's API calls
// carrying the provider's token, and sign-out at the provider. pal serve runs with --oidc-authority/--oidc-client-id
// and without --dev-issuer, so the development picker must not be offered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, shot, api } from '../harness.js';

const PROVIDER = process.env.OPENPAL_OIDC_URL;
if (!PROVIDER) throw new Error('OPENPAL_OIDC_URL is not set: run tests/portal/run.sh');
const T01 = '10000000-0000-4000-8000-000000000001';
const ALICE = '30000000-0000-4000-8000-010000000001';

function claimsOf(token) {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(Buffer.from(part, 'base64').toString('utf8'));
}

// Nothing leaves the machine: the provider's pages import a web font, which is refused here at once.
async function loopbackOnly(context) {
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
}

test('sign in with the provider (code + PKCE S256), use the dashboard, sign out at the provider', async () => {
  const { context, problems, close } = await launch();
  try {
    await loopbackOnly(context);
    const authorizeUrls = [];
    const tokenRequests = [];
    const apiAuth = [];
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === PROVIDER && url.pathname === '/auth') authorizeUrls.push(url);
      if (url.origin === PROVIDER && url.pathname === '/token') tokenRequests.push(r.postData() || '');
      if (url.origin === BASE && url.pathname.startsWith('/openpal/v1/')) apiAuth.push([url.pathname, r.headers().authorization || '']);
    });
    const page = await context.newPage();
    await page.goto(`${BASE}/#/signin`);
    const button = page.getByRole('button', { name: 'Sign in with 127.0.0.1:' + new URL(PROVIDER).port });
    await button.waitFor();
    assert.equal(await page.getByRole('heading', { name: /Development sign-in/ }).count(), 0, 'no dev picker without --dev-issuer');
    assert.equal(await page.getByLabel('User or service principal').count(), 0);
    assert.equal(await page.locator('#devbanner').isHidden(), true);
    await shot(page, 'oidc-1-signin');

    // The provider's own pages: its login form (any password for a known login), then its consent page.
    await button.click();
    await page.waitForURL((u) => u.origin === PROVIDER, { timeout: 20000 });
    await page.locator('input[name=login]').fill('alice');
    await page.locator('input[name=password]').fill('any password');
    await shot(page, 'oidc-2-provider-login');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back in the portal, signed in as the demo world's Alice (her partner tenant has a dashboard).
    await page.waitForURL((u) => u.origin === BASE, { timeout: 20000 });
    await page.locator('#who .who-name').waitFor({ timeout: 20000 });
    assert.equal(await page.locator('#who .who-name').textContent(), 'Alice Ortega');
    await page.waitForURL(/#\/dashboard/);
    await page.getByRole('table').first().waitFor({ timeout: 20000 });
    await shot(page, 'oidc-3-dashboard');

    // The authorization request used PKCE with S256 and the portal's registered redirect URI; the code was redeemed
    // with its verifier.
    assert.equal(authorizeUrls.length, 1);
    const authorize = authorizeUrls[0].searchParams;
    assert.equal(authorize.get('response_type'), 'code');
    assert.equal(authorize.get('code_challenge_method'), 'S256');
    assert.match(authorize.get('code_challenge') || '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(authorize.get('client_id'), 'openpal-portal');
    assert.equal(authorize.get('redirect_uri'), `${BASE}/`);
    const redeem = new URLSearchParams(tokenRequests[0] || '');
    assert.equal(redeem.get('grant_type'), 'authorization_code');
    assert.match(redeem.get('code_verifier') || '', /^[A-Za-z0-9._~-]{43,128}$/);

    // Every API call carried the provider's token for this client; the server accepted them.
    const reportCalls = apiAuth.filter(([path]) => path.startsWith('/openpal/v1/reports/'));
    assert.ok(reportCalls.length >= 3, `dashboard report calls: ${JSON.stringify(apiAuth.map(([p]) => p))}`);
    for (const [path, auth] of apiAuth) {
      assert.match(auth, /^Bearer /, path);
      const claims = claimsOf(auth.slice(7));
      assert.equal(claims.iss, PROVIDER);
      assert.equal(claims.aud, 'openpal-portal');
      assert.equal(claims.tid, T01);
      assert.equal(claims.oid, ALICE);
    }
    const token = apiAuth.at(-1)[1].slice(7);
    const me = await api('GET', '/openpal/v1/me', { token });
    assert.equal(me.objectId, ALICE);
    // The dashboard's totals are the API's own answer for this token.
    const totals = await page.locator('table').first().textContent();
    assert.ok(totals.length > 0);

    // Sign out: the session ends here and at the provider (its end-session page), and the browser comes back to the
    // sign-in page with no token left in this tab.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.origin === PROVIDER, { timeout: 20000 });
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((u) => u.origin === BASE, { timeout: 20000 });
    await button.waitFor({ timeout: 20000 });
    const stored = await page.evaluate(() => Object.keys(sessionStorage)
      .filter((k) => k === 'openpal.session' || /eyJ[A-Za-z0-9_-]+\.eyJ/.test(sessionStorage.getItem(k) || '')));
    assert.deepEqual(stored, [], 'no session and no JWT left in sessionStorage');
    await shot(page, 'oidc-4-signed-out');

    // Signing in again asks the provider for the login again: its session ended too.
    await button.click();
    await page.waitForURL((u) => u.origin === PROVIDER, { timeout: 20000 });
    await page.locator('input[name=login]').waitFor({ timeout: 20000 });
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a token near its expiry is renewed silently; when it cannot be, the user is asked to sign in again', async () => {
  const { context, problems, close } = await launch();
  try {
    await loopbackOnly(context);
    const grants = [];
    const refreshed = new Set();  // ID tokens the provider issued for refresh-token grants
    const apiTokens = [];
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === PROVIDER && url.pathname === '/token') grants.push(new URLSearchParams(r.postData() || '').get('grant_type'));
      if (url.origin === BASE && url.pathname.startsWith('/openpal/v1/')) apiTokens.push((r.headers().authorization || '').slice(7));
    });
    context.on('response', async (res) => {
      const url = new URL(res.url());
      if (url.origin !== PROVIDER || url.pathname !== '/token' || res.request().method() !== 'POST') return;
      if (new URLSearchParams(res.request().postData() || '').get('grant_type') !== 'refresh_token') return;
      try { refreshed.add((await res.json()).id_token); } catch { /* a failed grant has no token */ }
    });
    const page = await context.newPage();
    await page.goto(`${BASE}/#/signin`);
    await page.getByRole('button', { name: /^Sign in with 127\.0\.0\.1/ }).click();
    await page.waitForURL((u) => u.origin === PROVIDER, { timeout: 20000 });
    // Anna's ID tokens live 100 s (provider.js): inside the 2-minute margin, so the portal renews before calling.
    await page.locator('input[name=login]').fill('anna');
    await page.locator('input[name=password]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.origin === BASE, { timeout: 20000 });
    await page.locator('#who .who-name').waitFor({ timeout: 20000 });
    assert.equal(await page.locator('#who .who-name').textContent(), 'Anna Alpine');
    await page.getByRole('heading', { name: 'Link to a partner ID' }).waitFor({ timeout: 20000 });
    assert.equal(grants[0], 'authorization_code');
    assert.ok(grants.includes('refresh_token'), `token grants: ${grants}`);
    // Every token the API saw came from a silent renewal, none from the code redemption (100 s was too short).
    assert.ok(apiTokens.length > 0);
    for (const t of apiTokens) {
      assert.ok(refreshed.has(t), 'an API call carried a token that no refresh issued');
      assert.equal(claimsOf(t).iss, PROVIDER);
    }
    const refreshes = grants.filter((g) => g === 'refresh_token').length;

    // The refresh token is gone (as when the provider revokes it or it expires): the next call cannot renew, the
    // session ends, and the sign-in page says so, one click from signing in again.
    await page.evaluate(() => {
      for (const k of Object.keys(sessionStorage)) if (/refreshtoken/i.test(k)) sessionStorage.removeItem(k);
    });
    await page.goto(`${BASE}/#/link`);
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: 'You were signed out' });
    await alert.waitFor({ timeout: 20000 });
    assert.match(await alert.textContent(), /could not be renewed silently.*Sign in again/);
    await page.getByRole('button', { name: /^Sign in with 127\.0\.0\.1/ }).waitFor();
    assert.equal(grants.filter((g) => g === 'refresh_token').length, refreshes, 'no refresh without a refresh token');
    await shot(page, 'oidc-5-renewal-failed');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('an expired or refused session token sends the user back to sign in, saying why', async () => {
  const { context, close } = await launch();
  try {
    await loopbackOnly(context);
    const page = await context.newPage();
    await page.goto(`${BASE}/#/signin`);
    // A session whose token the server refuses (signed by nobody it trusts) ends at the first call, with the reason.
    await page.evaluate(() => {
      const header = btoa(JSON.stringify({ alg: 'RS256', kid: 'nobody' })).replace(/=+$/, '');
      const payload = btoa(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).replace(/=+$/, '');
      sessionStorage.setItem('openpal.session', JSON.stringify({ token: `${header}.${payload}.c2ln`, provider: 'oidc', label: 'x' }));
    });
    await page.goto(`${BASE}/#/link`);
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'You were signed out' }).waitFor({ timeout: 20000 });
    assert.match(await page.getByRole('alert').first().textContent(), /InvalidAuthenticationToken/);
    await page.getByRole('button', { name: /^Sign in with 127\.0\.0\.1/ }).waitFor();
  } finally {
    await close();
  }
});
