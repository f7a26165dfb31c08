// Who is signed in: a bearer token kept for this tab (sessionStorage), obtained from one of the sign-in providers:
// the server's OpenID provider ("oidc", Entra ID in production: oidc.js), its dev issuer ("dev", only with
// --dev-issuer) or a pasted token ("token"). Nothing else in the portal reads tokens except through currentToken()
// and freshToken().

const KEY = 'openpal.session';
let listeners = [];
let lastSignOutReason = '';
const providers = {};  // name -> {renew: async () => token, signOut: async () => void}
const RENEW_BEFORE_MS = 2 * 60 * 1000;
let renewing = null;   // the renewal in flight, shared by concurrent callers

/** The current session {token, provider, label} or null. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

/** The bearer token of the current session, or "". */
export function currentToken() {
  return session()?.token || '';
}

/** Starts a session with `token`, obtained by `provider` ("oidc", "dev" or "token"). */
export function signIn(token, provider, label) {
  sessionStorage.setItem(KEY, JSON.stringify({ token, provider, label }));
  listeners.forEach((fn) => fn());
}

/** Ends the session; `reason` is shown on the sign-in page. */
export function signOut(reason = '') {
  lastSignOutReason = reason;
  sessionStorage.removeItem(KEY);
  listeners.forEach((fn) => fn());
}

/** Lets `provider` renew its sessions' tokens and end its sessions at the provider too. */
export function registerProvider(name, hooks) {
  providers[name] = hooks;
}

/**
 * The session's token, renewed first (silently) when it expires within two minutes and its provider can renew it;
 * when it cannot, the session ends and the sign-in page says to sign in again. "" without a session.
 */
export async function freshToken() {
  const s = session();
  if (!s) return '';
  const renew = providers[s.provider]?.renew;
  const exp = peekClaims(s.token)?.exp;
  if (!renew || !exp || exp * 1000 - Date.now() > RENEW_BEFORE_MS) return s.token;
  // The dashboard asks for several reports at once: one renewal serves them all (a refresh token used twice at once
  // may be taken by the provider for a stolen one).
  renewing ||= renew().then((token) => {
    if (session()?.token === s.token) sessionStorage.setItem(KEY, JSON.stringify({ ...s, token }));
    return token;
  }, (e) => {
    signOut(`your sign-in expired and could not be renewed silently (${e.errorCode || e.message}). Sign in again.`);
    return '';
  }).finally(() => { renewing = null; });
  return renewing;
}

/** Signs out here and, for a provider that has a session of its own (the OpenID provider), there too. */
export async function signOutEverywhere() {
  const s = session();
  signOut('');
  const end = s && providers[s.provider]?.signOut;
  if (end) await end();
}

/** Why the last session ended, once. */
export function takeSignOutReason() {
  const r = lastSignOutReason;
  lastSignOutReason = '';
  return r;
}

/** Calls `fn` whenever the session starts or ends. */
export function onSessionChange(fn) {
  listeners.push(fn);
}

/** Reads the claims of a JWT without verifying them (display only: the server verifies). */
export function peekClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}
