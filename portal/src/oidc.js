// Sign-in with the server's OpenID provider (Microsoft Entra ID in production; any standard OpenID provider works):
// authorization code + PKCE (S256) through @azure/msal-browser, redirect flow. The server says which provider and
// client ID (GET /config.json, from `pal serve --oidc-authority --oidc-client-id`); with `pal serve --dev-issuer` it
// names its own development token service ("/adfs", relative to this origin), signed in to the same way, whose
// sign-in page is the development principal picker. Such sessions are the "dev" provider's (labelled in the page). MSAL keeps its tokens and its
// refresh token in sessionStorage (this tab only); renewal is silent (refresh token), else the user signs in again.
// MSAL is ~300 KB (80 KB gzipped), ten times the rest of the portal: it is a chunk of its own, loaded only when the
// server has a provider, so servers without one (the dev issuer's) load what they did before.
import { registerProvider, signIn } from './auth.js';

// Entra ID's own hosts get MSAL's Entra mode; any other authority is a plain OpenID provider (MSAL's "OIDC" mode).
const MICROSOFT_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.partner.microsoftonline.cn'];

let config = { devIssuer: false, oidc: null };
let msal = null;  // the library's module, once loaded
let app = null;
let scopes = [];
let microsoft = false;  // the authority is Entra ID's
let providerKey = 'oidc';  // auth.js's provider name: 'dev' for the development authority

/** How this server signs in: {devIssuer, oidc: {authority, clientId, scopes, issuer, endSession} | null}. */
export function signInConfig() {
  return config;
}

/** A name for the provider, for the sign-in button. */
export function providerName() {
  if (!config.oidc) return '';
  if (config.oidc.development) return 'the development authority';
  const host = new URL(config.oidc.authority).host;
  return MICROSOFT_HOSTS.includes(host) ? 'Microsoft Entra ID' : host;
}

// The token the API gets: the access token of the configured API scopes, or else the ID token, whose audience is the
// client ID (the server accepts both: docs/api.md "OpenID Connect").
function tokenOf(result) {
  return scopes.length ? result.accessToken : result.idToken;
}

/**
 * Reads /config.json and, with a provider, starts MSAL and completes a sign-in coming back from the provider. Must run
 * before the router reads the URL: the provider's answer arrives in it (#code=...&state=...).
 */
export async function startSignIn() {
  try {
    const res = await fetch('/config.json', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (res.ok) config = await res.json();
  } catch {
    // An older server without /config.json: the dev picker (if any) and pasted tokens still work.
  }
  if (!config.oidc) return null;
  const { clientId } = config.oidc;
  // The development authority is named relative to this origin; MSAL needs it absolute (and without a final "/").
  const authority = new URL(config.oidc.authority, window.location.origin).href.replace(/\/$/, '');
  providerKey = config.oidc.development ? 'dev' : 'oidc';
  scopes = config.oidc.scopes || [];
  const host = new URL(authority).host;
  microsoft = MICROSOFT_HOSTS.includes(host);
  msal = await import('@azure/msal-browser');
  const { PublicClientApplication } = msal;
  app = new PublicClientApplication({
    auth: {
      clientId,
      authority,
      knownAuthorities: [host],  // no instance discovery call for a provider the server named
      redirectUri: `${window.location.origin}/`,
      postLogoutRedirectUri: `${window.location.origin}/`,
      ...(microsoft ? {} : { OIDCOptions: { responseMode: 'fragment' } }),
    },
    cache: { cacheLocation: 'sessionStorage' },
    system: { protocolMode: microsoft ? 'AAD' : 'OIDC' },
  });
  await app.initialize();
  registerProvider(providerKey, { renew, signOut: signOutAtProvider });
  let result = null;
  try {
    // Stay on "/": the router then opens the right page (MSAL would otherwise navigate back to where sign-in began).
    result = await app.handleRedirectPromise({ navigateToLoginRequestUrl: false });
  } catch (e) {
    return { error: `${e.errorCode || e.name}: ${e.errorMessage || e.message}` };
  }
  if (result) {
    app.setActiveAccount(result.account);
    signIn(tokenOf(result), providerKey, result.account?.name || result.account?.username || 'signed in');
  }
  return null;
}

/** Sends the browser to the provider's sign-in page (it comes back to "/"). */
export async function signInRedirect() {
  // OpenID Connect Core §11: a provider grants offline_access (the refresh token silent renewal needs) only with
  // prompt=consent. Entra ID issues refresh tokens to single-page apps without it, and would ask for consent each time.
  await app.loginRedirect({ scopes, ...(microsoft ? {} : { prompt: 'consent' }) });
}

// A new token without a page change, from MSAL's refresh token; throws when the user must sign in again.
async function renew() {
  const account = app.getActiveAccount() || app.getAllAccounts()[0];
  if (!account) throw new Error('no signed-in account');
  // Refresh token only: MSAL's other fallback, a hidden iframe to the provider, is what the CSP forbids (no frames).
  const result = await app.acquireTokenSilent({ scopes, account, cacheLookupPolicy: msal.CacheLookupPolicy.RefreshToken });
  return tokenOf(result);
}

// Forgets MSAL's tokens and ends the provider's session too (its end-session page returns to "/").
async function signOutAtProvider() {
  const account = app.getActiveAccount() || app.getAllAccounts()[0];
  // id_token_hint tells the provider which client asks, so that it may send the browser back to the portal (without it
  // a provider cannot check post_logout_redirect_uri and stays on its own page); MSAL 5 does not add it by itself.
  await app.logoutRedirect({ account, idTokenHint: account?.idToken, postLogoutRedirectUri: `${window.location.origin}/` });
}
