// Flamewatch agent UI: pick an application, profile type, time range and label filters, then browse the
// merged flame graph (d3-flame-graph). Hovering a frame shows its total and self value in the type's unit;
// clicking a frame zooms to it.
//
// When the agent runs with --read-token its query API answers 401. The page then asks for the token, keeps it in
// this tab's sessionStorage (gone when the tab closes) and sends it as "Authorization: Bearer" on every API call.
// The token never goes into a URL, where it would end up in logs and browser history.
import { select } from 'd3-selection';
import flamegraph from 'd3-flame-graph';

const $ = (id) => document.getElementById(id);
const state = { apps: [], filters: [] };
let chart = null;

const TOKEN_KEY = 'flamewatch.token';

/** The query API answered 401: no token was sent, or the one sent was rejected. */
class Unauthorized extends Error {
  constructor(sentToken) {
    super('the agent requires a valid token');
    this.sentToken = sentToken;
  }
}

function storedToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lasts until the page is left */ }
}

/** GET an API path with the token (the stored one unless given) in the Authorization header; throws Unauthorized on 401. */
async function api(path, token = storedToken()) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (response.status === 401) throw new Unauthorized(Boolean(token));
  return response;
}

async function errorOf(response) {
  try { return (await response.json()).error || response.statusText; } catch { return response.statusText; }
}

function showSignIn({ error = '', info = '' } = {}) {
  state.apps = []; state.filters = [];
  chart = null;
  $('chart').replaceChildren();
  $('details').textContent = '\u00a0';
  $('filters').replaceChildren();
  for (const id of ['controls', 'filters', 'status', 'details', 'sign-out']) $(id).hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = error;
  $('sign-in-info').textContent = info;
  $('token').value = '';
  $('token').focus();
  delete document.body.dataset.loaded;
  document.body.dataset.view = 'sign-in';
}

function showProfiles() {
  $('sign-in').hidden = true;
  for (const id of ['controls', 'filters', 'status', 'details']) $(id).hidden = false;
  $('sign-out').hidden = !storedToken();
  document.body.dataset.view = 'profiles';
}

/** Runs a UI action: a 401 leads back to the sign-in form, other failures show in the status line. */
async function run(action) {
  try {
    await action();
  } catch (e) {
    if (e instanceof Unauthorized) {
      const rejected = e.sentToken;
      storeToken(null);
      showSignIn(rejected ? { error: 'The agent no longer accepts the saved token; sign in again.' } : {});
    } else {
      $('status').textContent = 'Error: ' + e.message;
    }
  }
}

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
    chip.onclick = () => { state.filters.splice(i, 1); renderFilters(); run(load); };
    return chip;
  }));
}

async function load() {
  if (!$('application').value) return;
  const [, unit] = $('type').value.split(/\/(?=[^/]*$)/);
  $('status').textContent = 'Loading…';
  const response = await api('api/flamegraph?' + query());
  if (!response.ok) { $('status').textContent = await errorOf(response); return; }
  const body = await response.json();
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

/** Shows the applications the API listed and the flame graph of the one chosen (by ?application= or the first). */
async function start(apps) {
  showProfiles();
  state.apps = apps; state.filters = [];
  renderFilters();
  if (!state.apps.length) { $('status').textContent = 'No profiles stored yet. Point a profiler at this agent (POST /profiling/v1/input).'; return; }
  const params = new URLSearchParams(location.search);
  fill($('application'), state.apps.map((a) => a.name), params.get('application') ?? state.apps[0].name);
  onApplicationChanged();
  if (params.get('type')) $('type').value = params.get('type');
  if (params.get('range')) $('range').value = params.get('range');
  await load();
}

async function boot() {
  const response = await api('api/applications');
  if (!response.ok) throw new Error(await errorOf(response));
  await start(await response.json());
}

$('application').onchange = () => run(async () => { onApplicationChanged(); await load(); });
$('type').onchange = () => run(load);
$('range').onchange = () => run(load);
$('label-key').onchange = () => {
  const app = currentApp();
  fill($('label-value'), app.labels[$('label-key').value] ?? [], '');
};
$('add-filter').onclick = () => {
  const k = $('label-key').value, v = $('label-value').value;
  if (!k) return;
  state.filters.push([k, v]); renderFilters(); run(load);
};
$('reset-zoom').onclick = () => chart && chart.resetZoom();

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  $('sign-in-info').textContent = '';
  $('sign-in-error').textContent = '';
  if (!token) { $('sign-in-error').textContent = 'Enter the token.'; return; }
  if (/[^\x21-\x7e]/.test(token)) {
    // Browsers (and the agent) carry only printable ASCII in a header; no valid token has anything else.
    $('sign-in-error').textContent = 'Wrong token: a token is printable ASCII without spaces.';
    return;
  }
  $('sign-in-button').disabled = true;
  $('sign-in-error').textContent = '';
  $('sign-in-info').textContent = 'Checking…';
  try {
    const response = await api('api/applications', token);
    if (!response.ok) throw new Error(await errorOf(response));
    const apps = await response.json();
    storeToken(token);
    $('token').value = '';
    await run(() => start(apps));
  } catch (e) {
    $('sign-in-info').textContent = '';
    $('sign-in-error').textContent = e instanceof Unauthorized
      ? 'Wrong token: the agent rejected it.'
      : 'Could not sign in: ' + e.message;
    $('token').select();
  } finally {
    $('sign-in-button').disabled = false;
  }
});

$('sign-out').onclick = () => {
  storeToken(null);
  showSignIn({ info: 'Signed out.' });
};

run(boot);
