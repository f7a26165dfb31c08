// Explanation of one resource at one time: GET /openpal/v1/explain, the same facts as `pal explain --output json`.
import { h } from './dom.js';
import { v1 } from './api.js';

/** Renders the explain form and, when ctx.params has resource and at, the explanation. */
export async function renderExplain(ctx) {
  const { main, params } = ctx;
  const resource = params.get('resource') || '';
  const at = params.get('at') || new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resourceInput = h('input', { id: 'x-resource', name: 'resource', type: 'text', value: resource, required: true,
    placeholder: '/subscriptions/…/resourceGroups/…', spellcheck: 'false' });
  const atInput = h('input', { id: 'x-at', name: 'at', type: 'text', value: at, required: true, spellcheck: 'false' });
  const submit = (event) => {
    event.preventDefault();
    window.location.hash = `#/explain?${new URLSearchParams({ resource: resourceInput.value.trim(), at: atInput.value.trim() })}`;
  };
  main.append(h('h1', {}, 'Why is this resource credited, or not?'),
    h('form', { class: 'card filters', onsubmit: submit },
      h('div', { class: 'field wide' }, h('label', { for: 'x-resource' }, 'Resource ID'), resourceInput),
      h('div', { class: 'field' }, h('label', { for: 'x-at' }, 'At (UTC, ISO 8601)'), atInput),
      h('button', { type: 'submit', class: 'primary' }, 'Explain')));
  if (!resource) return;
  const e = await v1('/explain', { resource, at });
  if (!ctx.isCurrent()) return;
  main.append(h('section', { class: 'card', id: 'explanation', 'aria-labelledby': 'x-title' },
    h('h2', { id: 'x-title' }, 'Explanation'),
    h('p', { class: 'summary' }, e.summary || ''),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Resource'), h('dd', { class: 'mono' }, e.resource),
      h('dt', {}, 'At'), h('dd', {}, e.at),
      h('dt', {}, 'Subscription'), h('dd', { class: 'mono' }, e.subscriptionId || ''),
      h('dt', {}, 'Customer tenant'), h('dd', { class: 'mono' }, e.customerTenantId || ''),
      h('dt', {}, 'Credited partners'), h('dd', {}, (e.creditedPartners || []).join(', ') || 'none'),
      h('dt', {}, 'Reason'), h('dd', {}, e.reason ? h('code', {}, e.reason) : '—'),
      h('dt', {}, 'Scope chain'), h('dd', { class: 'mono' }, [].concat(e.chain || []).join(' → '))),
    h('div', { class: 'table-wrap' }, h('table', { id: 'table-paths' },
      h('caption', {}, 'Access paths'),
      h('thead', {}, h('tr', {}, ['Kind', 'Scope', 'Principal', 'Via group', 'Role', 'Partner ID then', 'Qualifies', 'Why']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, (e.paths || []).length ? e.paths.map((p) => h('tr', { class: p.qualifies ? 'qualifies' : undefined },
        h('td', {}, p.kind), h('td', { class: 'mono' }, p.scope), h('td', { class: 'mono' }, `${p.tenantId}/${p.principalId}`),
        h('td', { class: 'mono' }, p.viaGroup || ''), h('td', {}, p.roleName || p.roleDefinitionId),
        h('td', {}, p.partnerIdThen || ''), h('td', {}, p.qualifies ? 'yes' : 'no'), h('td', {}, p.explanation || '')))
        : h('tr', {}, h('td', { colspan: 8, class: 'empty' }, 'No access path reaches this resource.')))))));
}
