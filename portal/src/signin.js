// Sign-in page: the server's OpenID provider (Microsoft Entra ID in production, oidc.js) or, only when the server runs
// with --dev-issuer, its development token service (the same code flow; the principal picker is that authority's own
// sign-in page, clearly labelled) and, for every server, pasting a bearer token.
import { h } from './dom.js';
import { call } from './api.js';
import { signIn, takeSignOutReason, peekClaims } from './auth.js';
import { signInConfig, providerName, signInRedirect } from './oidc.js';

/** Renders the sign-in page into ctx.main. */
export async function renderSignIn(ctx) {
  const { main } = ctx;
  const reason = takeSignOutReason();
  main.append(h('h1', {}, 'Sign in'));
  if (reason) main.append(h('p', { class: 'error', role: 'alert' }, `You were signed out: ${reason}`));

  const config = signInConfig();
  if (config.oidc) main.append(config.oidc.development ? devSection() : oidcSection());
  // Beside Entra ID, pasting a token is for operators (folded away); on a development server, pasting `pal token`'s
  // output is as common as the picker.
  main.append(tokenSection(Boolean(config.oidc) && !config.oidc.development));
}

// Goes to the provider's sign-in page; `status` shows progress and errors.
function redirectButton(label, status) {
  const go = async () => {
    status.textContent = `Going to ${providerName()}…`;
    try {
      await signInRedirect();
    } catch (e) {
      status.textContent = '';
      status.append(h('span', { class: 'error' }, `${e.errorCode || e.name}: ${e.errorMessage || e.message}`));
    }
  };
  return h('button', { type: 'button', class: 'primary', onclick: go }, label);
}

function devSection() {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return h('section', { class: 'card dev', 'aria-labelledby': 'dev-title' },
    h('h2', { id: 'dev-title' }, 'Development sign-in ', h('span', { class: 'badge' }, 'dev only')),
    h('p', {}, 'This server runs with its development token service (/adfs). Its sign-in page lists the principals ' +
      'of the imported directory: pick one and you act as that user or service principal. Anyone who can reach ' +
      'this server can do the same, so never run a server with --dev-issuer where real partners sign in.'),
    redirectButton('Sign in with the development authority', status),
    status);
}

function oidcSection() {
  const name = providerName();
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return h('section', { class: 'card', 'aria-labelledby': 'oidc-title' },
    h('h2', { id: 'oidc-title' }, 'Sign in with your organization'),
    h('p', {}, `Sign in with your work account at ${name}. You come back here signed in as that account; ` +
      'the partner link and reports are those of your tenant.'),
    redirectButton(`Sign in with ${name}`, status),
    status);
}

function tokenSection(secondary) {
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
  const content = [
    h('p', { id: 'token-help' }, 'Paste an Azure Resource Manager access token (for example the output of ',
      h('code', {}, 'az account get-access-token --query accessToken -o tsv'),
      ') trusted by this server. It is kept in this browser tab only.'),
    h('form', { onsubmit: submit },
      h('div', { class: 'field' }, h('label', { for: 'token' }, 'Bearer token'), area),
      h('button', { type: 'submit' }, 'Sign in with this token'),
      status)];
  // Beside a provider, pasting a token is for operators and scripts: folded away, one click to open.
  if (secondary) {
    return h('details', { class: 'card' },
      h('summary', { id: 'token-title' }, 'Sign in with an access token instead'), ...content);
  }
  return h('section', { class: 'card', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, 'Sign in with an access token'), ...content);
}
