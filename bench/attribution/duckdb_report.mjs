// DuckDB computing the same attribution report with SQL over the same usage CSV and the directory facts exported as
// tables by attribution_bench_gen. Used only by the benchmark: node duckdb_report.mjs DIR OUT.csv
// The SQL follows the contract for what the benchmark world contains (direct and one-level group assignments on
// subscriptions and resource groups, links, enabled intervals, partner validity, daily charge periods).
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, out] = process.argv.slice(2);
const started = process.hrtime.bigint();
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await db.connect();
const run = (sql) => c.run(sql);
const csv = (name, cols) => `read_csv('${dir}/${name}', header=true, delim=',', quote='"', columns=${cols})`;

await run(`CREATE TABLE placements AS SELECT * FROM ${csv('placements.csv', "{'subscription':'VARCHAR','tenant':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
await run(`CREATE TABLE enabled AS SELECT * FROM ${csv('enabled.csv', "{'tenant':'VARCHAR','object':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
await run(`CREATE TABLE memberships AS SELECT * FROM ${csv('memberships.csv', "{'tenant':'VARCHAR','grp':'VARCHAR','member':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
await run(`CREATE TABLE assignments AS SELECT * FROM ${csv('assignments.csv', "{'tenant':'VARCHAR','scope_key':'VARCHAR','principal':'VARCHAR','ptype':'VARCHAR','role_name':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
await run(`CREATE TABLE links AS SELECT * FROM ${csv('links.csv', "{'tenant':'VARCHAR','object':'VARCHAR','partner':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
await run(`CREATE TABLE partners AS SELECT * FROM ${csv('partners.csv', "{'partner':'VARCHAR','name':'VARCHAR','level':'VARCHAR','state':'VARCHAR','vfrom':'BIGINT','vto':'BIGINT'}")}`);
const directoryLoaded = process.hrtime.bigint();

// Qualifying path pieces: access (direct, or through a group while a member) ∩ link ∩ enabled ∩ partner valid.
await run(`CREATE TABLE access AS
  SELECT tenant, scope_key, principal AS object, role_name, vfrom, vto FROM assignments WHERE ptype = 'User'
  UNION ALL
  SELECT a.tenant, a.scope_key, m.member, a.role_name, greatest(a.vfrom, m.vfrom), least(a.vto, m.vto)
  FROM assignments a JOIN memberships m ON a.ptype = 'Group' AND m.tenant = a.tenant AND m.grp = a.principal
  WHERE greatest(a.vfrom, m.vfrom) < least(a.vto, m.vto)`);
await run(`CREATE TABLE q AS
  SELECT x.tenant, x.scope_key, l.partner, x.role_name,
         greatest(x.vfrom, l.vfrom, e.vfrom, p.vfrom) AS f, least(x.vto, l.vto, e.vto, p.vto) AS t
  FROM access x
  JOIN links l ON l.tenant = x.tenant AND l.object = x.object
  JOIN enabled e ON e.tenant = x.tenant AND e.object = x.object
  JOIN partners p ON p.partner = l.partner AND p.level = 'location' AND p.state = 'active'
  WHERE greatest(x.vfrom, l.vfrom, e.vfrom, p.vfrom) < least(x.vto, l.vto, e.vto, p.vto)`);

// Usage rows with their scope keys, period and customer tenant at the start.
await run(`CREATE TABLE u AS
  WITH raw AS (
    SELECT row_number() OVER () AS rid, ResourceId, SubAccountId, BillingCurrency AS currency,
           EffectiveCost AS cost,
           epoch_us(ChargePeriodStart) AS s, epoch_us(ChargePeriodEnd) AS e,
           strftime(ChargePeriodStart, '%Y-%m') AS month,
           lower(split_part(coalesce(ResourceId, SubAccountId), '/', 3)) AS sub,
           CASE WHEN ResourceId IS NULL THEN NULL
                ELSE lower('/subscriptions/' || split_part(ResourceId, '/', 3) || '/resourcegroups/' || split_part(ResourceId, '/', 5)) END AS rg_key
    FROM read_csv('${dir}/usage.csv', header=true, nullstr='NULL',
                  types={'ChargePeriodStart':'TIMESTAMP','ChargePeriodEnd':'TIMESTAMP','EffectiveCost':'DECIMAL(18,6)',
                         'BilledCost':'DECIMAL(18,6)'}))
  SELECT raw.*, '/subscriptions/' || raw.sub AS sub_key, pl.tenant
  FROM raw JOIN placements pl ON pl.subscription = raw.sub AND pl.vfrom <= raw.s AND raw.s < pl.vto`);

await run(`CREATE TABLE pieces AS
  SELECT u.rid, q.partner, q.role_name, greatest(q.f, u.s) AS f, least(q.t, u.e) AS t
    FROM u JOIN q ON q.tenant = u.tenant AND q.scope_key = u.sub_key WHERE greatest(q.f, u.s) < least(q.t, u.e)
  UNION ALL
  SELECT u.rid, q.partner, q.role_name, greatest(q.f, u.s), least(q.t, u.e)
    FROM u JOIN q ON q.tenant = u.tenant AND q.scope_key = u.rg_key WHERE greatest(q.f, u.s) < least(q.t, u.e)`);

// Union of each partner's pieces per row (gaps and islands), and the best AdminType among them.
await run(`CREATE TABLE credit AS
  WITH ordered AS (
    -- DISTINCT makes (f, t) unique per partition, so both windows below see the same total order.
    SELECT rid, partner, f, t,
           max(t) OVER (PARTITION BY rid, partner ORDER BY f, t ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
    FROM (SELECT DISTINCT rid, partner, f, t FROM pieces)),
  islands AS (
    SELECT rid, partner, f, t,
           sum(CASE WHEN prev IS NULL OR f > prev THEN 1 ELSE 0 END)
             OVER (PARTITION BY rid, partner ORDER BY f, t ROWS UNBOUNDED PRECEDING) AS island
    FROM ordered),
  covered AS (
    SELECT rid, partner, sum(hi - lo) AS covered
    FROM (SELECT rid, partner, island, min(f) AS lo, max(t) AS hi FROM islands GROUP BY rid, partner, island)
    GROUP BY rid, partner),
  admin AS (
    SELECT rid, partner,
           arg_min(role_name, CASE role_name WHEN 'Owner' THEN '0' WHEN 'Contributor' THEN '1'
                                   WHEN 'User Access Administrator' THEN '2' ELSE '3' || lower(role_name) END) AS admin
    FROM pieces GROUP BY rid, partner)
  SELECT covered.rid, covered.partner, covered.covered, admin.admin
  FROM covered JOIN admin USING (rid, partner)`);

const result = await c.runAndReadAll(`
  SELECT credit.partner AS partnerId, any_value(p.name) AS partnerName, u.tenant AS customerTenantId,
         u.sub AS subscriptionId, u.month, u.currency, credit.admin AS adminType, count(*) AS usageRows,
         sum(u.cost)::VARCHAR AS totalCost,
         round(sum(u.cost::DOUBLE * credit.covered / (u.e - u.s)), 10)::VARCHAR AS attributedCost
  FROM credit JOIN u USING (rid)
  JOIN (SELECT DISTINCT partner, name FROM partners) p ON p.partner = credit.partner
  GROUP BY credit.partner, u.tenant, u.sub, u.month, u.currency, credit.admin
  ORDER BY partnerId, customerTenantId, subscriptionId, month, currency, adminType`);
const finished = process.hrtime.bigint();

const rows = result.getRows();
const lines = ['partnerId,partnerName,customerTenantId,subscriptionId,month,currency,adminType,usageRows,totalCost,attributedCost'];
for (const r of rows) lines.push(r.map((v) => String(v)).join(','));
const fs = await import('node:fs');
fs.writeFileSync(out, lines.join('\n') + '\n');
const usageRows = (await c.runAndReadAll('SELECT count(*) FROM u')).getRows()[0][0];
console.log(JSON.stringify({
  seconds: Number(finished - started) / 1e9,
  directorySeconds: Number(directoryLoaded - started) / 1e9,
  reportRows: rows.length,
  usageRowsPlaced: Number(usageRows),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
}));
