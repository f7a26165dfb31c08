// Bar chart of influenced revenue per month, drawn as SVG by hand: a dozen bars need no chart library, and hand-made
// SVG needs no inline styles (the CSP forbids them) and no external fonts or scripts.
import { s, h } from './dom.js';
import { formatMoney } from './money.js';

/** Draws bars for rows [{month, value (decimal string)}] in `currency`; returns a <figure>. */
export function monthChart({ rows, currency, title }) {
  const width = 640;
  const height = 240;
  const pad = { left: 84, right: 12, top: 12, bottom: 36 };
  const values = rows.map((r) => Number(r.value) || 0);
  const max = niceMax(Math.max(0, ...values));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = rows.length ? plotW / rows.length : plotW;
  const barW = Math.max(8, Math.min(64, slot * 0.6));
  const y = (v) => pad.top + plotH - (max ? (v / max) * plotH : 0);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => f * max);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img',
    'aria-labelledby': 'chart-title chart-desc', preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: 'chart-title' }, title),
    s('desc', { id: 'chart-desc' }, rows.map((r) => `${r.month}: ${formatMoney(r.value, currency)}`).join('; ') || 'No data'),
    ticks.map((t) => s('g', { class: 'tick' },
      s('line', { x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t) }),
      s('text', { x: pad.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, compact(t)))),
    rows.map((r, i) => {
      const v = Number(r.value) || 0;
      const x = pad.left + slot * i + (slot - barW) / 2;
      return s('g', { class: 'bar' },
        s('rect', { x, y: y(v), width: barW, height: Math.max(0, pad.top + plotH - y(v)), 'data-month': r.month, 'data-value': r.value },
          s('title', {}, `${r.month}: ${formatMoney(r.value, currency)}`)),
        s('text', { x: x + barW / 2, y: height - pad.bottom + 18, 'text-anchor': 'middle' }, r.month));
    }),
    s('line', { class: 'axis', x1: pad.left, x2: width - pad.right, y1: pad.top + plotH, y2: pad.top + plotH }));
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', {}, `${title} (${currency})`));
}

function niceMax(v) {
  if (v <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function compact(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}
