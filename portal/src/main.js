// The portal's entry: a hash router over three pages (sign in, link, influence dashboard) and an explanation view.
import './style.css';
import { h, replace } from './dom.js';
import { session, signOut, signOutEverywhere, onSessionChange } from './auth.js';
import { startSignIn } from './oidc.js';
import { v1 } from './api.js';
import { renderSignIn } from './signin.js';
import { renderLink } from './link.js';
import { renderDashboard } from './dashboard.js';
import { renderExplain } from './explain.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;       // GET /openpal/v1/me of the signed-in principal
let renderSeq = 0;   // a newer navigation wins over a slower older one
let started = false; // the provider's answer (in the URL) is read before the router

/** The current route: page name and query parameters of the hash ("#/dashboard?partner=4100011"). */
function route() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [page, qs = ''] = hash.split('?');
  return { page: page || '', params: new URLSearchParams(qs) };
}

function drawChrome(page) {
  const s = session();
  document.getElementById('devbanner').hidden = !(s && s.provider === 'dev');
  const links = [];
  if (s) {
    links.push(['link', 'Link to a partner ID']);
    // Reports and explanations are partner data: offered only to principals of a partner organisation's tenant.
    if (me && me.partners && me.partners.length) links.push(['dashboard', 'Influence'], ['explain', 'Explain a resource']);
  } else {
    links.push(['signin', 'Sign in']);
  }
  replace(nav, h('ul', {}, links.map(([id, label]) =>
    h('li', {}, h('a', { href: `#/${id}`, 'aria-current': page === id ? 'page' : undefined }, label)))));
  if (s && me) {
    replace(who,
      h('span', { class: 'who-name', title: `${me.tenantId}/${me.objectId}` }, me.displayName || me.objectId),
      h('span', { class: 'who-kind' }, ` (${me.principalKind || ''}${s.provider === 'dev' ? ', dev sign-in' : ''})`),
      h('button', { type: 'button', class: 'link-button', onclick: () => { signOutEverywhere(); } }, 'Sign out'));
  } else {
    replace(who);
  }
}

async function render() {
  if (!started) return;
  const seq = ++renderSeq;
  const { page, params } = route();
  const s = session();
  if (!s) {
    me = null;
    if (page !== 'signin') { window.location.hash = '#/signin'; return; }
  } else if (!me) {
    try {
      me = await v1('/me');
    } catch (e) {
      if (seq !== renderSeq) return;
      if (e.status !== 401) signOut(`${e.code}: ${e.message}`);
      return;
    }
  }
  if (seq !== renderSeq) return;
  const target = s ? (page === 'signin' || page === '' ? (me.partners?.length ? 'dashboard' : 'link') : page) : 'signin';
  if (target !== page) { window.location.hash = `#/${target}`; return; }
  drawChrome(page);
  replace(main);
  const ctx = { main, me, params, isCurrent: () => seq === renderSeq };
  try {
    if (page === 'signin') await renderSignIn(ctx);
    else if (page === 'link') await renderLink(ctx);
    else if (page === 'dashboard') await renderDashboard(ctx);
    else if (page === 'explain') await renderExplain(ctx);
    else replace(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. ', h('a', { href: '#/link' }, 'Go to your link.')));
  } catch (e) {
    if (seq === renderSeq) main.append(h('p', { class: 'error', role: 'alert' }, `${e.code || 'Error'}: ${e.message}`));
  }
  if (seq === renderSeq) {
    const heading = main.querySelector('h1');
    document.title = `${heading ? heading.textContent + ' · ' : ''}openpal`;
  }
}

onSessionChange(() => { me = null; render(); });
window.addEventListener('hashchange', render);
startSignIn().then((outcome) => {
  started = true;
  if (outcome?.error) signOut(`the sign-in did not complete: ${outcome.error}`);
  render();
});
