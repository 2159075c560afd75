// Flamewatch agent UI: pick an application, profile type, time range and label filters, then browse the
// merged flame graph (d3-flame-graph). Hovering a frame shows its total and self value in the type's unit;
// clicking a frame zooms to it.
import { select } from 'd3-selection';
import flamegraph from 'd3-flame-graph';

const $ = (id) => document.getElementById(id);
const state = { apps: [], filters: [] };
let chart = null;

function formatValue(value, unit) {
  const abs = Math.abs(value);
  if (unit === 'nanoseconds') {
    if (abs >= 1e9) return (value / 1e9).toFixed(2) + ' s';
    if (abs >= 1e6) return (value / 1e6).toFixed(1) + ' ms';
    if (abs >= 1e3) return (value / 1e3).toFixed(1) + ' µs';
    return value + ' ns';
  }
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = value, i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i ? v.toFixed(1) : v) + ' ' + units[i];
  }
  return value.toLocaleString('en-US') + (unit && unit !== 'count' ? ' ' + unit : '');
}

function selfOf(node) {
  const children = node.children || [];
  return node.value - children.reduce((sum, c) => sum + c.value, 0);
}

function fill(selectEl, values, selected) {
  selectEl.replaceChildren(...values.map((v) => {
    const o = document.createElement('option');
    o.value = v; o.textContent = v; o.selected = v === selected;
    return o;
  }));
}

function currentApp() { return state.apps.find((a) => a.name === $('application').value); }

function query() {
  const p = new URLSearchParams({ application: $('application').value, type: $('type').value });
  const range = $('range').value;
  const app = currentApp();
  if (range === 'all' && app) {
    p.set('from', app.from); p.set('to', new Date(Date.parse(app.to) + 1000).toISOString());
  } else {
    const now = Date.now() / 1000;
    p.set('from', String(Math.floor(now - Number(range)))); p.set('to', String(Math.ceil(now)));
  }
  for (const [k, v] of state.filters) p.append(k, v);
  return p;
}

function onApplicationChanged() {
  const app = currentApp();
  if (!app) return;
  const types = app.profileTypes;
  const preferred = ['cpu-time/nanoseconds', 'cpu/nanoseconds', 'wall-time/nanoseconds', 'wall/nanoseconds'].find((t) => types.includes(t));
  fill($('type'), types, $('type').value && types.includes($('type').value) ? $('type').value : preferred ?? types[0]);
  const keys = Object.keys(app.labels);
  fill($('label-key'), ['', ...keys], '');
  $('label-key').options[0].textContent = '(none)';
  fill($('label-value'), [], '');
  state.filters = [];
  renderFilters();
}

function renderFilters() {
  $('filters').replaceChildren(...state.filters.map(([k, v], i) => {
    const chip = document.createElement('span');
    chip.className = 'filter'; chip.title = 'remove';
    chip.textContent = `${k} = ${v} ✕`;
    chip.onclick = () => { state.filters.splice(i, 1); renderFilters(); load(); };
    return chip;
  }));
}

async function load() {
  if (!$('application').value) return;
  const [, unit] = $('type').value.split(/\/(?=[^/]*$)/);
  $('status').textContent = 'Loading…';
  const response = await fetch('api/flamegraph?' + query());
  const body = await response.json();
  if (!response.ok) { $('status').textContent = body.error || response.statusText; return; }
  const root = body.root;
  $('status').textContent = `${body.profiles} profile(s) merged · ${body.type} · total ${formatValue(root.value, unit)}`;
  $('chart').replaceChildren();
  chart = flamegraph()
    .width(Math.max(600, $('chart').clientWidth || window.innerWidth - 40))
    .cellHeight(18)
    .transitionDuration(250)
    .minFrameSize(2)
    .selfValue(false)
    .sort(true)
    .title('')
    .setLabelHandler((d) => `${d.data.name} — total ${formatValue(d.value, unit)} (${(100 * d.value / (root.value || 1)).toFixed(2)} %), self ${formatValue(selfOf(d.data), unit)}${d.data.file ? ' — ' + d.data.file : ''}`)
    .setDetailsElement($('details'));
  select('#chart').datum(root).call(chart);
  document.body.dataset.loaded = String(Date.now());
}

async function init() {
  const response = await fetch('api/applications');
  state.apps = await response.json();
  if (!state.apps.length) { $('status').textContent = 'No profiles stored yet. Point a profiler at this agent (POST /profiling/v1/input).'; return; }
  const params = new URLSearchParams(location.search);
  fill($('application'), state.apps.map((a) => a.name), params.get('application') ?? state.apps[0].name);
  onApplicationChanged();
  if (params.get('type')) $('type').value = params.get('type');
  if (params.get('range')) $('range').value = params.get('range');
  $('application').onchange = () => { onApplicationChanged(); load(); };
  $('type').onchange = load;
  $('range').onchange = load;
  $('label-key').onchange = () => {
    const app = currentApp();
    fill($('label-value'), app.labels[$('label-key').value] ?? [], '');
  };
  $('add-filter').onclick = () => {
    const k = $('label-key').value, v = $('label-value').value;
    if (!k) return;
    state.filters.push([k, v]); renderFilters(); load();
  };
  $('reset-zoom').onclick = () => chart && chart.resetZoom();
  await load();
}

init().catch((e) => { $('status').textContent = 'Error: ' + e.message; });
