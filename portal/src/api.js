// Calls to `pal serve`: the ARM link API and /openpal/v1 (docs/openpal-api.md), with the signed-in token.
// Failures become ApiError values carrying the service's own code and message, shown to the user as worded.
import { currentToken, freshToken, signOut } from './auth.js';

export const ARM_VERSION = '2018-02-01';
const ARM_PARTNERS = '/providers/Microsoft.ManagementPartner/partners';

/** A failed call: HTTP status, the service's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Sends one request; resolves to the parsed JSON body (null when empty), rejects with ApiError. */
export async function call(method, path, { query, body, token, anonymous = false } = {}) {
  if (token === undefined) token = anonymous ? '' : await freshToken();
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = { Accept: 'application/json' };
  if (!anonymous && token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NetworkError', `The server could not be reached (${e.message}).`);
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!res.ok) {
    const err = (json && (json.error || json)) || {};
    const e = new ApiError(res.status, err.code || `HTTP${res.status}`, err.message || `${res.status} ${res.statusText}`);
    // An expired or refused session token ends the session; the sign-in page says why. (A token being tried out
    // on the sign-in page is not the session's.)
    if (res.status === 401 && !anonymous && token && token === currentToken()) signOut(`${e.code}: ${e.message}`);
    throw e;
  }
  return json;
}

/** GET /openpal/v1/... */
export const v1 = (path, query) => call('GET', `/openpal/v1${path}`, { query });

/** The caller's link (ARM "get my link"), or null when not linked. */
export async function myLink() {
  try {
    return await call('GET', ARM_PARTNERS, { query: { 'api-version': ARM_VERSION } });
  } catch (e) {
    if (e.status === 404 && e.code === 'ManagementPartnerNotFound') return null;
    throw e;
  }
}

/** PUT (create), PATCH (move) or DELETE the caller's link to `partnerId`. */
export function changeLink(method, partnerId) {
  return call(method, `${ARM_PARTNERS}/${encodeURIComponent(partnerId)}`, { query: { 'api-version': ARM_VERSION } });
}
