// Sign-in page: the dev issuer's principal picker (only when the server runs with --dev-issuer, clearly labelled)
// and, for every server, pasting a bearer token. Entra ID sign-in is a later provider (see auth.js).
import { h, replace } from './dom.js';
import { call } from './api.js';
import { signIn, takeSignOutReason, peekClaims } from './auth.js';

/** Renders the sign-in page into ctx.main. */
export async function renderSignIn(ctx) {
  const { main } = ctx;
  const reason = takeSignOutReason();
  main.append(h('h1', {}, 'Sign in'));
  if (reason) main.append(h('p', { class: 'error', role: 'alert' }, `You were signed out: ${reason}`));

  let dev = null;
  try {
    dev = await call('GET', '/openpal/v1/dev/principals', { anonymous: true });
  } catch (e) {
    if (e.status !== 404) main.append(h('p', { class: 'error', role: 'alert' }, `Development sign-in unavailable: ${e.code}: ${e.message}`));
  }
  if (!ctx.isCurrent()) return;
  if (dev) main.append(devSection(dev));
  main.append(tokenSection());
}

function devSection(dev) {
  const tenants = dev.tenants || [];
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const tenantSelect = h('select', { id: 'dev-tenant', name: 'tenant' },
    tenants.map((t) => h('option', { value: t.tenantId }, `${t.displayName || t.tenantId} (${t.tenantId})`)));
  const principalSelect = h('select', { id: 'dev-principal', name: 'principal' });
  const fillPrincipals = () => {
    const t = tenants.find((x) => x.tenantId === tenantSelect.value);
    replace(principalSelect, (t?.principals || []).map((p) =>
      h('option', { value: p.objectId }, `${p.displayName || p.objectId} · ${kindLabel(p)}`)));
  };
  tenantSelect.addEventListener('change', fillPrincipals);
  fillPrincipals();
  const submit = async (event) => {
    event.preventDefault();
    status.textContent = 'Signing in…';
    try {
      const answer = await call('POST', '/openpal/v1/dev/token', {
        anonymous: true, body: { tenantId: tenantSelect.value, objectId: principalSelect.value } });
      const label = principalSelect.selectedOptions[0]?.textContent || principalSelect.value;
      signIn(answer.accessToken, 'dev', label);
    } catch (e) {
      status.textContent = '';
      status.append(h('span', { class: 'error' }, `${e.code}: ${e.message}`));
    }
  };
  return h('section', { class: 'card dev', 'aria-labelledby': 'dev-title' },
    h('h2', { id: 'dev-title' }, 'Development sign-in ', h('span', { class: 'badge' }, 'dev only')),
    h('p', {}, 'This server runs with its development token issuer. Pick a principal of the imported directory: ' +
      'you will act as that user or service principal. Anyone who can reach this server can do the same, so ' +
      'never run a server with --dev-issuer where real partners sign in.'),
    h('form', { onsubmit: submit },
      h('div', { class: 'field' }, h('label', { for: 'dev-tenant' }, 'Tenant'), tenantSelect),
      h('div', { class: 'field' }, h('label', { for: 'dev-principal' }, 'User or service principal'), principalSelect),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in as this principal'),
      status));
}

function kindLabel(p) {
  if (p.kind === 'user') return p.userType === 'Guest' || p.userType === 'guest' ? 'guest user' : 'member user';
  if (p.kind === 'servicePrincipal') return 'service principal';
  return [p.kind, p.userType].filter(Boolean).join(', ');
}

function tokenSection() {
  const area = h('textarea', { id: 'token', name: 'token', rows: 4, spellcheck: 'false', autocomplete: 'off',
    'aria-describedby': 'token-help' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const submit = async (event) => {
    event.preventDefault();
    const token = area.value.trim().replace(/^Bearer\s+/i, '');
    const claims = peekClaims(token);
    if (!claims) { status.textContent = 'That is not a JWT (three base64url parts separated by dots).'; return; }
    status.textContent = 'Checking the token with the server…';
    try {
      const me = await call('GET', '/openpal/v1/me', { token, anonymous: false });
      signIn(token, 'token', me.displayName || claims.oid);
    } catch (e) {
      status.textContent = '';
      status.append(h('span', { class: 'error' }, `${e.code}: ${e.message}`));
    }
  };
  return h('section', { class: 'card', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, 'Sign in with an access token'),
    h('p', { id: 'token-help' }, 'Paste an Azure Resource Manager access token (for example the output of ',
      h('code', {}, 'az account get-access-token --query accessToken -o tsv'),
      ') trusted by this server. It is kept in this browser tab only. Signing in with Microsoft Entra ID directly is not available yet.'),
    h('form', { onsubmit: submit },
      h('div', { class: 'field' }, h('label', { for: 'token' }, 'Bearer token'), area),
      h('button', { type: 'submit' }, 'Sign in with this token'),
      status));
}
