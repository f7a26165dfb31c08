// A sortable data table: column headers are buttons (keyboard-operable), aria-sort says the order, amounts sort
// exactly as decimals.
import { h, replace } from './dom.js';
import { compareDecimal, formatMoney } from './money.js';

/**
 * Renders rows into a <table>; columns: [{key, label, type: 'text'|'money'|'number', render?(row), currencyKey?}].
 * Returns the wrapper element. `highlight(row)` may return a CSS class for a row.
 */
export function sortableTable({ id, caption, columns, rows, sortKey, descending = true, highlight, empty }) {
  const wrap = h('div', { class: 'table-wrap' });
  let key = sortKey || columns[0].key;
  let desc = descending;
  const compare = (a, b, col) => {
    if (col.type === 'money' || col.type === 'number') return compareDecimal(a[col.key] ?? '0', b[col.key] ?? '0');
    return String(a[col.key] ?? '').localeCompare(String(b[col.key] ?? ''));
  };
  const draw = () => {
    const col = columns.find((c) => c.key === key) || columns[0];
    const sorted = [...rows].sort((a, b) => (desc ? -1 : 1) * compare(a, b, col));
    const head = h('tr', {}, columns.map((c) => {
      const sortedHere = c.key === key;
      return h('th', { scope: 'col', class: c.type === 'money' || c.type === 'number' ? 'num' : undefined,
        'aria-sort': sortedHere ? (desc ? 'descending' : 'ascending') : 'none' },
        h('button', { type: 'button', class: 'sort', onclick: () => {
          if (key === c.key) desc = !desc; else { key = c.key; desc = c.type === 'money' || c.type === 'number'; }
          draw();
          wrap.querySelector(`th[aria-sort]:not([aria-sort="none"]) button`)?.focus();
        } }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, sortedHere ? (desc ? ' ▼' : ' ▲') : '')));
    }));
    const body = sorted.length
      ? sorted.map((row) => h('tr', { class: highlight ? highlight(row) : undefined },
        columns.map((c) => {
          const value = c.render ? c.render(row) : c.type === 'money' ? formatMoney(row[c.key], row[c.currencyKey || 'currency']) : row[c.key] ?? '';
          return h('td', { class: c.type === 'money' || c.type === 'number' ? 'num' : undefined,
            title: c.type === 'money' ? `${row[c.key]} ${row[c.currencyKey || 'currency'] || ''}` : undefined }, value);
        })))
      : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty || 'Nothing to show.'))];
    replace(wrap, h('table', { id }, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, body)));
  };
  draw();
  return wrap;
}
