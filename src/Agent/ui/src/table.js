// The function table beside the flame graph: self, total and share per function; sortable by any column, filtered
// by the search box; clicking a row focuses the function. In a comparison it shows both values and the change.
import { formatValue, formatShare } from './units.js';

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/**
 * Draws rows into container. options: { columns: [{key, label, get(row), format(v, row), numeric}], rows, sort,
 * search, onSort(key), onClick(row), selected (name) }.
 */
export function drawTable(container, { columns, rows, sort, search, onSort, onClick, selected, limit = 300 }) {
  const descending = !sort.startsWith('-');
  const key = descending ? sort : sort.slice(1);
  const column = columns.find((c) => c.key === key) ?? columns[1];
  const term = search.toLowerCase();
  const shown = rows.filter((r) => !term || r.name.toLowerCase().includes(term));
  shown.sort((a, b) => {
    const va = column.get(a), vb = column.get(b);
    const order = column.numeric ? va - vb : String(va).localeCompare(String(vb));
    return (descending && column.numeric) || (!descending && !column.numeric) ? -order : order;
  });
  const table = document.createElement('table');
  table.className = 'functions';
  const head = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.textContent = c.label + (c.key === column.key ? (descending ? ' ▾' : ' ▴') : '');
    th.dataset.key = c.key;
    th.className = c.numeric ? 'num' : '';
    th.title = 'sort by ' + c.label;
    th.onclick = () => onSort(c.key === column.key ? (descending ? '-' + c.key : c.key) : c.key);
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const r of shown.slice(0, limit)) {
    const tr = body.insertRow();
    tr.dataset.name = r.name;
    if (r.name === selected) tr.className = 'selected';
    for (const c of columns) tr.appendChild(cell(c.format ? c.format(c.get(r), r) : String(c.get(r)), (c.numeric ? 'num ' : '') + (c.className?.(r) ?? '')));
    tr.title = r.file ? `${r.name} — ${r.file}` : r.name;
    tr.onclick = () => onClick(r);
  }
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent = shown.length > limit ? `${limit} of ${shown.length} functions shown` : `${shown.length} function(s)` + (term ? ` matching “${search}”` : '');
  container.replaceChildren(table, note);
}

/** Columns of the single-profile table. */
export function singleColumns(type, total) {
  return [
    { key: 'name', label: 'Function', get: (r) => r.name, className: () => 'name' },
    { key: 'self', label: 'Self', get: (r) => r.self, format: (v) => formatValue(v, type), numeric: true },
    { key: 'selfShare', label: 'Self %', get: (r) => r.self, format: (v) => formatShare(v, total), numeric: true },
    { key: 'total', label: 'Total', get: (r) => r.total, format: (v) => formatValue(v, type), numeric: true },
    { key: 'share', label: 'Total %', get: (r) => r.total, format: (v) => formatShare(v, total), numeric: true },
  ];
}

/** Columns of the comparison table: both totals, both shares and the change of share (points). */
export function diffColumns(type, baseTotal, compTotal) {
  const change = (r) => (compTotal ? r.comparison.total / compTotal : 0) - (baseTotal ? r.baseline.total / baseTotal : 0);
  return [
    { key: 'name', label: 'Function', get: (r) => r.name, className: () => 'name' },
    { key: 'baseline', label: 'Baseline', get: (r) => r.baseline.total, format: (v) => formatValue(v, type), numeric: true },
    { key: 'baseShare', label: 'Baseline %', get: (r) => r.baseline.total, format: (v) => formatShare(v, baseTotal), numeric: true },
    { key: 'comparison', label: 'Comparison', get: (r) => r.comparison.total, format: (v) => formatValue(v, type), numeric: true },
    { key: 'compShare', label: 'Comparison %', get: (r) => r.comparison.total, format: (v) => formatShare(v, compTotal), numeric: true },
    {
      key: 'change', label: 'Change', get: (r) => change(r), numeric: true,
      format: (v) => (v > 0 ? '+' : '') + (100 * v).toFixed(2) + ' pts',
      className: (r) => (change(r) > 0.0005 ? 'up' : change(r) < -0.0005 ? 'down' : ''),
    },
  ];
}
