// Exact handling of the report's decimal strings ("1234.5678"): comparison for sorting and display with a currency,
// without going through binary floating point, so the portal shows what the API computed.

function parts(value) {
  let str = String(value ?? '0').trim();
  let negative = false;
  if (str.startsWith('-')) { negative = true; str = str.slice(1); } else if (str.startsWith('+')) str = str.slice(1);
  let [int, frac = ''] = str.split('.');
  int = int.replace(/^0+(?=\d)/, '') || '0';
  frac = frac.replace(/0+$/, '');
  if (int === '0' && frac === '') negative = false;
  return { negative, int, frac };
}

/** -1, 0 or 1 as decimal string `a` is less than, equal to or greater than `b`. */
export function compareDecimal(a, b) {
  const x = parts(a);
  const y = parts(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const sign = x.negative ? -1 : 1;
  if (x.int.length !== y.int.length) return sign * (x.int.length < y.int.length ? -1 : 1);
  if (x.int !== y.int) return sign * (x.int < y.int ? -1 : 1);
  const len = Math.max(x.frac.length, y.frac.length);
  const fx = x.frac.padEnd(len, '0');
  const fy = y.frac.padEnd(len, '0');
  if (fx === fy) return 0;
  return sign * (fx < fy ? -1 : 1);
}

/** Rounds decimal string `value` half away from zero to `digits` fraction digits, as a decimal string. */
export function roundDecimal(value, digits = 2) {
  const { negative, int, frac } = parts(value);
  const padded = frac.padEnd(digits + 1, '0');
  let kept = (int + padded.slice(0, digits)).split('').map(Number);
  if (Number(padded[digits]) >= 5) {
    let i = kept.length - 1;
    while (i >= 0) {
      if (kept[i] === 9) { kept[i] = 0; i -= 1; } else { kept[i] += 1; break; }
    }
    if (i < 0) kept = [1, ...kept];
  }
  const all = kept.join('');
  const intPart = all.slice(0, all.length - digits) || '0';
  const fracPart = digits ? '.' + all.slice(all.length - digits) : '';
  const zero = /^0*$/.test(all);
  return (negative && !zero ? '-' : '') + intPart + fracPart;
}

/** Shows decimal string `value` with 2 fraction digits, thousands separators and the currency code: "1,234.57 EUR". */
export function formatMoney(value, currency) {
  const rounded = roundDecimal(value, 2);
  const negative = rounded.startsWith('-');
  const [int, frac] = rounded.replace('-', '').split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '−' : ''}${grouped}.${frac}${currency ? ' ' + currency : ''}`;
}
