// Influence dashboard for principals of a partner organisation's tenant: every figure comes from /openpal/v1
// (reports/influence, reports/unattributed, links); the page only sorts, filters through the API and draws.
import { h, replace } from './dom.js';
import { v1 } from './api.js';
import { formatMoney } from './money.js';
import { sortableTable } from './table.js';
import { monthChart } from './chart.js';
import { formatTime } from './link.js';

const MONTH = /^\d{4}-\d{2}$/;

/** Renders the dashboard into ctx.main for the partner, period and customer in ctx.params. */
export async function renderDashboard(ctx) {
  const { main, me, params } = ctx;
  main.append(h('h1', {}, 'Influenced revenue'));
  const mine = me.partners || [];
  const partner = params.get('partner') || (mine.find((p) => p.level === 'location') || mine[0])?.partnerId;
  if (!partner) {
    main.append(h('p', { class: 'error', role: 'alert', id: 'no-partner' }, 'Your account is not in a partner ' +
      "organisation's tenant, so there is no influenced revenue to show. To credit a partner, ",
    h('a', { href: '#/link' }, 'link a partner ID'), '.'));
    return;
  }
  const filter = {
    partner,
    from: MONTH.test(params.get('from') || '') ? params.get('from') : undefined,
    to: MONTH.test(params.get('to') || '') ? params.get('to') : undefined,
    customer: params.get('customer') || undefined,
  };
  const filterBox = h('div');
  const body = h('div', { id: 'dashboard', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading the reports…'));
  main.append(filterBox, body);

  const q = (extra) => ({ partner: filter.partner, from: filter.from, to: filter.to, customer: filter.customer, ...extra });
  let data;
  try {
    const [byMonth, byCustomer, bySubscription, byAdminType, unattributed, links] = await Promise.all([
      v1('/reports/influence', q({ by: 'month' })),
      v1('/reports/influence', q({ by: 'customer' })),
      v1('/reports/influence', q({ by: 'customer,subscription' })),
      v1('/reports/influence', q({ by: 'adminType' })),
      v1('/reports/unattributed', q({})),
      v1('/links', { partner: filter.partner, tenant: filter.customer }),
    ]);
    data = { byMonth, byCustomer, bySubscription, byAdminType, unattributed, links };
  } catch (e) {
    if (!ctx.isCurrent()) return;
    body.removeAttribute('aria-busy');
    replace(body, h('p', { class: 'error full', role: 'alert', id: 'dashboard-error' }, `${e.code}: ${e.message}`));
    if (mine.length) filterBox.append(filters(mine, filter, []));
    return;
  }
  if (!ctx.isCurrent()) return;
  const customers = new Map();
  for (const r of data.byCustomer.rows || []) customers.set(r.customerTenantId, r.customerName || r.customerTenantId);
  for (const l of data.links.links || []) if (!customers.has(l.tenantId)) customers.set(l.tenantId, l.tenantName || l.tenantId);
  filterBox.append(filters(mine, filter, [...customers.entries()]));
  body.removeAttribute('aria-busy');
  replace(body,
    totalsSection(data.byMonth),
    monthSection(data.byMonth),
    customerSection(data.byCustomer, filter),
    adminTypeSection(data.byAdminType),
    subscriptionSection(data.bySubscription),
    unattributedSection(data.unattributed, customers),
    linksSection(data.links, filter));
}

function filters(mine, filter, customers) {
  const partnerSelect = h('select', { id: 'f-partner', name: 'partner' }, mine.map((p) =>
    h('option', { value: p.partnerId, selected: p.partnerId === filter.partner },
      `${p.partnerId} · ${p.partnerName}${p.level === 'global' ? ' (global ID: never credited itself)' : ''}`)));
  if (!mine.some((p) => p.partnerId === filter.partner)) {
    partnerSelect.prepend(h('option', { value: filter.partner, selected: true }, filter.partner));
  }
  const from = h('input', { id: 'f-from', name: 'from', type: 'month', value: filter.from || '', placeholder: 'YYYY-MM' });
  const to = h('input', { id: 'f-to', name: 'to', type: 'month', value: filter.to || '', placeholder: 'YYYY-MM' });
  const customer = h('select', { id: 'f-customer', name: 'customer' },
    h('option', { value: '' }, 'All customers'),
    customers.sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) =>
      h('option', { value: id, selected: id === filter.customer }, name)));
  const apply = (event) => {
    event.preventDefault();
    const p = new URLSearchParams();
    p.set('partner', partnerSelect.value);
    if (from.value) p.set('from', from.value);
    if (to.value) p.set('to', to.value);
    if (customer.value) p.set('customer', customer.value);
    window.location.hash = `#/dashboard?${p}`;
  };
  return h('form', { class: 'filters card', onsubmit: apply, 'aria-label': 'Filters' },
    h('div', { class: 'field' }, h('label', { for: 'f-partner' }, 'Location ID'), partnerSelect),
    h('div', { class: 'field' }, h('label', { for: 'f-from' }, 'From month'), from),
    h('div', { class: 'field' }, h('label', { for: 'f-to' }, 'To month'), to),
    h('div', { class: 'field' }, h('label', { for: 'f-customer' }, 'Customer'), customer),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'));
}

function section(id, title, ...children) {
  return h('section', { class: 'card', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

function totalsSection(report) {
  const totals = report.totals || [];
  return section('totals', 'Totals',
    totals.length ? h('dl', { class: 'kpis' }, totals.map((t) => h('div', { class: 'kpi', 'data-currency': t.currency },
      h('dt', {}, `Influenced (${t.currency})`), h('dd', { class: 'kpi-value', title: t.attributedCost }, formatMoney(t.attributedCost, t.currency)),
      h('dt', {}, 'Of total consumption'), h('dd', {}, formatMoney(t.totalCost, t.currency)),
      h('dt', {}, 'Usage rows'), h('dd', {}, String(t.usageRows)))))
      : h('p', {}, 'No influenced revenue in this period.'),
    report.runs?.length ? h('p', { class: 'help' }, `From attribution run${report.runs.length > 1 ? 's' : ''} ${report.runs.join(', ')}.`) : null);
}

function monthSection(report) {
  const byCurrency = new Map();
  for (const r of report.rows || []) {
    if (!byCurrency.has(r.currency)) byCurrency.set(r.currency, []);
    byCurrency.get(r.currency).push({ month: r.month, value: r.attributedCost });
  }
  const charts = [...byCurrency.entries()].map(([currency, rows]) =>
    monthChart({ rows: rows.sort((a, b) => a.month.localeCompare(b.month)), currency, title: 'Influenced revenue per month' }));
  return section('per-month', 'Per month', charts.length ? charts : h('p', {}, 'No data.'),
    sortableTable({ id: 'table-month', caption: 'Influenced revenue per month', sortKey: 'month', descending: false, rows: report.rows || [],
      columns: [
        { key: 'month', label: 'Month' }, { key: 'currency', label: 'Currency' },
        { key: 'attributedCost', label: 'Influenced', type: 'money' }, { key: 'totalCost', label: 'Total consumption', type: 'money' },
        { key: 'usageRows', label: 'Usage rows', type: 'number' }] }));
}

function customerSection(report, filter) {
  return section('per-customer', 'Per customer', sortableTable({ id: 'table-customer', caption: 'Influenced revenue per customer tenant',
    sortKey: 'attributedCost', rows: report.rows || [], columns: [
      { key: 'customerName', label: 'Customer', render: (r) => h('a', {
        href: `#/dashboard?${new URLSearchParams({ partner: filter.partner, ...(filter.from ? { from: filter.from } : {}), ...(filter.to ? { to: filter.to } : {}), customer: r.customerTenantId })}`,
        title: r.customerTenantId }, r.customerName || r.customerTenantId) },
      { key: 'currency', label: 'Currency' },
      { key: 'attributedCost', label: 'Influenced', type: 'money' }, { key: 'totalCost', label: 'Total consumption', type: 'money' },
      { key: 'usageRows', label: 'Usage rows', type: 'number' }] }));
}

function subscriptionSection(report) {
  return section('per-subscription', 'Per subscription', sortableTable({ id: 'table-subscription', caption: 'Influenced revenue per subscription',
    sortKey: 'attributedCost', rows: report.rows || [], columns: [
      { key: 'subscriptionId', label: 'Subscription', render: (r) => h('span', { class: 'mono' }, r.subscriptionId) },
      { key: 'customerName', label: 'Customer', render: (r) => r.customerName || r.customerTenantId },
      { key: 'currency', label: 'Currency' },
      { key: 'attributedCost', label: 'Influenced', type: 'money' }, { key: 'totalCost', label: 'Total consumption', type: 'money' },
      { key: 'why', label: 'Why', render: (r) => explainLink(`/subscriptions/${r.subscriptionId}`, null) }] }));
}

function adminTypeSection(report) {
  return section('admin-types', 'How the access was held (AdminType)', sortableTable({ id: 'table-admintype',
    caption: 'Influenced revenue by AdminType', sortKey: 'attributedCost', rows: report.rows || [], columns: [
      { key: 'adminType', label: 'AdminType' }, { key: 'currency', label: 'Currency' },
      { key: 'attributedCost', label: 'Influenced', type: 'money' }, { key: 'usageRows', label: 'Usage rows', type: 'number' }] }));
}

// `names`: tenant ID -> name, from the influence and link answers (the unattributed rows carry IDs only).
function unattributedSection(report, names) {
  return section('unattributed', 'Cost not credited', h('p', { class: 'help' }, 'Consumption in subscriptions of your ' +
    'customers that no partner was credited for, with the reason. Follow "Explain" to see every access path.'),
  sortableTable({ id: 'table-unattributed', caption: 'Cost not credited, with its reason', sortKey: 'totalCost',
    rows: report.rows || [], empty: 'All consumption of your customers was credited.', columns: [
      { key: 'customerTenantId', label: 'Customer', render: (r) => (names.has(r.customerTenantId)
        ? h('span', { title: r.customerTenantId }, names.get(r.customerTenantId))
        : h('span', { class: 'mono' }, r.customerTenantId)) },
      { key: 'subscriptionId', label: 'Subscription', render: (r) => h('span', { class: 'mono' }, r.subscriptionId) },
      { key: 'month', label: 'Month' }, { key: 'reason', label: 'Reason', render: (r) => h('code', {}, r.reason) },
      { key: 'totalCost', label: 'Cost', type: 'money' },
      { key: 'explain', label: 'Explain', render: (r) => explainLink(`/subscriptions/${r.subscriptionId}`, r.month) }] }),
  totalsLine(report.totals));
}

function linksSection(report, filter) {
  const atRisk = new Map((report.customersAtRisk || []).map((c) => [c.tenantId, c]));
  return section('links', 'Link inventory',
    h('p', { class: 'help' }, `Principals linked to ${filter.partner}${report.at ? ` at ${formatTime(report.at)}` : ''}. `,
      'Customers whose credit depends on linked users only are ', h('strong', { class: 'risk-label' }, 'at risk'),
      ': when those users leave, the credit stops; link a service principal too.'),
    atRisk.size ? h('ul', { class: 'risks', id: 'at-risk' }, [...atRisk.values()].map((c) =>
      h('li', {}, h('strong', {}, c.tenantName || c.tenantId), `: ${c.reason}`))) : null,
    sortableTable({ id: 'table-links', caption: 'Linked principals', sortKey: 'tenantName', descending: false,
      rows: report.links || [], highlight: (r) => (atRisk.has(r.tenantId) ? 'at-risk' : undefined), columns: [
        { key: 'tenantName', label: 'Customer', render: (r) => [r.tenantName || r.tenantId,
          atRisk.has(r.tenantId) ? h('span', { class: 'badge risk' }, 'at risk') : null] },
        { key: 'displayName', label: 'Principal' }, { key: 'identityKind', label: 'Kind' },
        { key: 'partnerId', label: 'Partner ID' }, { key: 'since', label: 'Since', render: (r) => formatTime(r.since) },
        { key: 'source', label: 'Source' }] }));
}

function totalsLine(totals) {
  if (!totals?.length) return null;
  return h('p', { class: 'totals-line' }, 'Total not credited: ', totals.map((t) => formatMoney(t.totalCost, t.currency)).join(' · '));
}

function explainLink(resource, month) {
  // A month's reason is shown at the middle of that month (one instant stands for the month).
  const at = month ? `${month}-15T12:00:00Z` : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return h('a', { href: `#/explain?${new URLSearchParams({ resource, at })}` }, 'Explain');
}
