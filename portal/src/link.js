// "Link to a partner ID" page: the signed-in principal's current link, and linking, changing or removing it through
// the ARM link API; the ID is checked as it is typed against GET /openpal/v1/partners/{id}.
import { h, replace, debounce } from './dom.js';
import { myLink, changeLink, v1 } from './api.js';

/** Renders the link page into ctx.main. */
export async function renderLink(ctx) {
  const { main, me } = ctx;
  let link = null;
  const current = h('section', { class: 'card', 'aria-labelledby': 'current-title', id: 'current-link' });
  const outcome = h('div', { id: 'outcome', 'aria-live': 'polite' });
  const input = h('input', { id: 'partner-id', name: 'partnerId', type: 'text', inputmode: 'numeric',
    autocomplete: 'off', maxlength: 16, 'aria-describedby': 'partner-id-check partner-id-help', spellcheck: 'false' });
  const check = h('div', { id: 'partner-id-check', class: 'check', 'aria-live': 'polite' });
  const primary = h('button', { type: 'submit', class: 'primary', id: 'link-submit' }, 'Link');
  const removeArea = h('div', { class: 'remove' });

  const show = (kind, text) => replace(outcome, h('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text));

  const drawCurrent = () => {
    if (!link) {
      replace(current, h('h2', { id: 'current-title' }, 'Your current link'),
        h('p', { id: 'link-state' }, 'This account is not linked to a partner ID.'));
      primary.textContent = 'Link';
      replace(removeArea);
      return;
    }
    const p = link.properties || {};
    replace(current, h('h2', { id: 'current-title' }, 'Your current link'),
      h('dl', { class: 'facts', id: 'link-state' },
        h('dt', {}, 'Partner ID'), h('dd', { id: 'link-partner-id' }, p.partnerId),
        h('dt', {}, 'Partner'), h('dd', { id: 'link-partner-name' }, p.partnerName || '(no longer in the partner directory)'),
        h('dt', {}, 'Linked since'), h('dd', {}, h('time', { datetime: p.createdTime }, formatTime(p.createdTime))),
        h('dt', {}, 'Last changed'), h('dd', {}, h('time', { datetime: p.updatedTime }, formatTime(p.updatedTime))),
        h('dt', {}, 'Version'), h('dd', { id: 'link-version' }, String(p.version ?? link.etag)),
        h('dt', {}, 'Account'), h('dd', { class: 'mono' }, `${p.tenantId} / ${p.objectId}`)));
    primary.textContent = 'Change to this partner ID';
    replace(removeArea, h('button', { type: 'button', class: 'danger', id: 'link-remove', onclick: askRemove },
      `Remove the link to ${p.partnerId}`));
  };

  const refresh = async () => {
    link = await myLink();
    drawCurrent();
  };

  const askRemove = () => {
    const id = link?.properties?.partnerId;
    if (!id) return;
    const yes = h('button', { type: 'button', class: 'danger', id: 'link-remove-confirm', onclick: () => act('DELETE', id) },
      'Yes, remove it');
    const no = h('button', { type: 'button', onclick: drawCurrent }, 'Cancel');
    replace(removeArea, h('p', { role: 'alert' }, `Remove the link to partner ID ${id}? The partner stops being ` +
      'credited for what you manage from now on.'), yes, ' ', no);
    yes.focus();
  };

  const act = async (method, id) => {
    primary.disabled = true;
    try {
      const answer = await changeLink(method, id);
      if (method === 'DELETE') show('ok', `The link to partner ID ${id} was removed.`);
      else {
        const p = answer?.properties || {};
        show('ok', `Linked to partner ID ${p.partnerId}${p.partnerName ? ` (${p.partnerName})` : ''}, version ${p.version}.`);
      }
    } catch (e) {
      // The service's own words; on a conflict the page was out of date, so show the link as it is now.
      show('error', `${e.code}: ${e.message}`);
      if (e.code === 'PartnerIdAlreadyLinked') {
        outcome.append(h('p', { class: 'help' }, 'Your current link, as the service has it now, is shown above; ' +
          'to move it, use "Change to this partner ID".'));
      }
    } finally {
      primary.disabled = false;
    }
    await refresh();
  };

  let lookupSeq = 0;
  const lookup = debounce(async (id) => {
    const seq = ++lookupSeq;
    try {
      const p = await v1(`/partners/${encodeURIComponent(id)}`);
      if (seq !== lookupSeq) return;
      if (p.linkable) {
        replace(check, h('span', { class: 'ok' }, `✓ ${p.partnerName} (location ID${p.globalPartnerId ? ` of ${p.globalPartnerId}` : ''})`));
        return;
      }
      const offers = p.level === 'global' && p.state !== 'deleted' ? (p.locations || []) : [];
      replace(check, h('span', { class: 'error' }, `✗ ${p.partnerName ? p.partnerName + ': ' : ''}${p.reason || 'cannot be linked'}`),
        offers.length ? h('div', { class: 'offers' }, h('span', {}, 'Use one of its location IDs: '),
          offers.map((l) => h('button', { type: 'button', class: 'chip',
            onclick: () => { input.value = l.partnerId; validate(); input.focus(); } }, `${l.partnerId} · ${l.partnerName}`))) : null);
    } catch (e) {
      if (seq !== lookupSeq) return;
      replace(check, h('span', { class: 'error' }, `✗ ${e.code === 'PartnerNotFound' ? 'Unknown partner ID' : e.code}: ${e.message}`));
    }
  }, 250);

  const validate = () => {
    const id = input.value.trim();
    lookupSeq += 1;
    if (!id) { replace(check); return; }
    if (!/^\d+$/.test(id)) { replace(check, h('span', { class: 'error' }, '✗ A partner ID has digits only.')); return; }
    if (id.length < 6 || id.length > 10) {
      replace(check, h('span', { class: 'error' }, `✗ A partner ID has 6 to 10 digits (${id.length} so far).`));
      return;
    }
    replace(check, h('span', { class: 'pending' }, 'Looking up…'));
    lookup(id);
  };
  input.addEventListener('input', validate);

  const submit = (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (!id) { show('error', 'Type the partner ID (the location MPN ID) first.'); input.focus(); return; }
    act(link ? 'PATCH' : 'PUT', id);
  };

  main.append(
    h('h1', {}, 'Link to a partner ID'),
    h('p', { class: 'lead' }, `Signed in as ${me.displayName || me.objectId}. A partner you link is credited for ` +
      'the Azure consumption you manage with this account, in every customer tenant where you have access.'),
    current,
    h('section', { class: 'card', 'aria-labelledby': 'form-title' },
      h('h2', { id: 'form-title' }, 'Partner ID'),
      h('form', { onsubmit: submit, novalidate: true },
        h('div', { class: 'field' },
          h('label', { for: 'partner-id' }, 'Partner ID (location MPN ID)'),
          input,
          h('p', { id: 'partner-id-help', class: 'help' }, 'The Microsoft AI Cloud Partner Program ID of the partner location, 6 to 10 digits.'),
          check),
        primary),
      removeArea,
      outcome));
  await refresh();
}

/** "2026-01-12T09:15:27.8430000Z" -> "2026-01-12 09:15 UTC". */
export function formatTime(t) {
  if (!t) return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(t);
  return m ? `${m[1]} ${m[2]} UTC` : t;
}
