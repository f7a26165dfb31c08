// Who is signed in: a bearer token kept for this tab (sessionStorage), obtained from one of the sign-in providers.
// Providers today: the server's dev issuer (POST /openpal/v1/dev/token) and a pasted token. An Entra ID sign-in
// (MSAL, authorization code + PKCE) is a later step: it would be one more provider returning a token here; nothing
// else in the portal reads tokens except through currentToken().

const KEY = 'openpal.session';
let listeners = [];
let lastSignOutReason = '';

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

/** Starts a session with `token`, obtained by `provider` ("dev" or "token"). */
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
