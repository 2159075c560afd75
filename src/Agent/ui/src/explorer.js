// The label explorer: every value of one label with its total in the selection (which pod, which node spends the
// CPU); clicking a value filters every view by it.
import { formatValue, formatShare } from './units.js';

export function drawExplorer(container, body, { active, onPick }) {
  const max = Math.max(...body.values.map((v) => Math.abs(v.total)), 1);
  const title = document.createElement('div');
  title.className = 'panel-bar';
  title.textContent = `${body.key}: ${body.values.length} value(s) in the selection${body.gauge ? ' (averages over time)' : ''} — click one to filter`;
  const list = document.createElement('table');
  list.className = 'explorer';
  const rows = body.values.map((v) => {
    const tr = list.insertRow();
    tr.dataset.value = v.value ?? '';
    if (v.value !== null && v.value === active) tr.className = 'selected';
    const name = tr.insertCell();
    name.textContent = v.value ?? '(without this label)';
    const bar = tr.insertCell();
    const fillBar = document.createElement('i');
    fillBar.style.width = (100 * Math.abs(v.total) / max).toFixed(1) + '%';
    bar.className = 'bar'; bar.appendChild(fillBar);
    tr.insertCell().textContent = formatValue(v.total, body.type);
    tr.insertCell().textContent = formatShare(v.total, body.total);
    tr.insertCell().textContent = `${v.profiles} profile(s)`;
    if (v.value !== null) tr.onclick = () => onPick(v.value);
    return tr;
  });
  if (!rows.length) list.insertRow().insertCell().textContent = 'No profiles in the selection.';
  container.replaceChildren(title, list);
}
