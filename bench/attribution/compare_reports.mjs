// Compares two attribution reports (CSV): same rows, same keys and counts, totalCost equal, attributedCost within
// 1e-9 relative (DuckDB sums credits in binary floating point; pal in exact fixed point).
// node compare_reports.mjs A.csv B.csv  -> prints a JSON verdict, exit 1 when they differ.
import fs from 'node:fs';

function parse(path) {
  const lines = fs.readFileSync(path, 'utf8').split('\n').filter((l) => l.length);
  lines.shift();
  // Names in the benchmark world have no commas, so a plain split is exact here.
  return lines.map((l) => l.split(','));
}
const [a, b] = process.argv.slice(2).map(parse);
let problems = [];
if (a.length !== b.length) problems.push(`row counts differ: ${a.length} vs ${b.length}`);
let maxRel = 0;
for (let i = 0; i < Math.min(a.length, b.length) && problems.length < 10; ++i) {
  const x = a[i], y = b[i];
  if (x.slice(0, 8).join(',') !== y.slice(0, 8).join(',')) { problems.push(`row ${i + 2}: ${x.join(',')} vs ${y.join(',')}`); continue; }
  if (Math.abs(Number(x[8]) - Number(y[8])) > 1e-9 * Math.max(1, Math.abs(Number(x[8])))) problems.push(`row ${i + 2}: totalCost ${x[8]} vs ${y[8]}`);
  const ax = Number(x[9]), ay = Number(y[9]);
  const rel = Math.abs(ax - ay) / Math.max(1e-9, Math.abs(ax));
  maxRel = Math.max(maxRel, rel);
  if (rel > 1e-9 && Math.abs(ax - ay) > 1e-9) problems.push(`row ${i + 2}: attributedCost ${x[9]} vs ${y[9]}`);
}
console.log(JSON.stringify({ identical: problems.length === 0, rows: a.length, maxRelativeDifference: maxRel, problems }));
process.exit(problems.length ? 1 : 0);
