// Flamewatch agent UI: the timeline of the selection (drag to select a range), the merged flame graph beside its
// function table (sort, search that highlights frames, click to focus), the comparison of two ranges or label
// selections (side-by-side flame graphs on one scale, a diff flame graph coloured by the change of share, and a
// table of both values), the sandwich of one function (callers above, callees below), and a label explorer.
// Everything the view shows is in the URL, so links can be shared and back/forward step through selections.
//
// When the agent runs with --read-token its query API answers 401. The page then asks for the token, keeps it in
// this tab's sessionStorage (gone when the tab closes) and sends it as "Authorization: Bearer" on every API call.
// The token never goes into a URL, where it would end up in logs and browser history.
import { get, getJson, storedToken, storeToken, Unauthorized, ApiError, Unreachable } from './api.js';
import { PRESETS, readUrl, toUrl, rangeOf, selectionParams } from './state.js';
import { formatValue, formatShare, formatTime, typeLabel, isGauge } from './units.js';
import { drawTimeline, drawLegend } from './timeline.js';
import { drawFlame, focusFunction, side, diffTree, maxChange, changeColor } from './flame.js';
import { drawTable, singleColumns, diffColumns } from './table.js';
import { drawExplorer } from './explorer.js';

const $ = (id) => document.getElementById(id);
let state = readUrl();
let apps = [];
let chart = null, diffChart = null;
let functions = [];
let diffData = null;
let flameTotal = 0;
let generation = 0;

// ---- sign-in ----

function showSignIn({ error = '', info = '' } = {}) {
  apps = []; chart = null; functions = [];
  for (const id of ['chart', 'table', 'timeline', 'legend', 'explorer', 'filters', 'chart-baseline', 'chart-comparison', 'chart-diff', 'diff-table', 'chart-callers', 'chart-callees']) $(id).replaceChildren();
  $('details').textContent = '\u00a0';
  for (const id of ['controls', 'filters', 'status', 'details', 'sign-out', 'views', 'download', 'timeline-panel', 'explorer', 'flame-view', 'diff-view', 'sandwich-view']) $(id).hidden = true;
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
  for (const id of ['controls', 'filters', 'status', 'details', 'views']) $(id).hidden = false;
  $('sign-out').hidden = !storedToken();
}

function setStatus(text, kind = '', action = null) {
  const status = $('status');
  status.className = kind;
  status.replaceChildren(text);
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.onclick = action.run;
    status.append(' ', button);
  }
}

/** Runs a UI action: a 401 leads back to the sign-in form, other failures show in the status line. */
async function run(action) {
  try {
    await action();
  } catch (e) {
    if (e instanceof Unauthorized) {
      storeToken(null);
      showSignIn(e.sentToken ? { error: 'The agent no longer accepts the saved token; sign in again.' } : {});
    } else if (e instanceof Unreachable) {
      setStatus(`The agent is unreachable: ${e.message.replace(/^the agent is unreachable /, '')}. Check that it runs and this page's address reaches it.`, 'error',
        { label: 'Retry', run: () => run(apps.length ? render : boot) });
      document.body.dataset.loaded = String(Date.now());
    } else if (e instanceof ApiError) {
      setStatus(`The agent refused the query (${e.status}): ${e.message}`, 'error');
      document.body.dataset.loaded = String(Date.now());
    } else {
      setStatus('Error: ' + e.message, 'error');
    }
  }
}

// ---- state and controls ----

function currentApp() { return apps.find((a) => a.name === state.app); }

function navigate(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  const url = toUrl(state);
  if (url !== location.search) (push ? history.pushState : history.replaceState).call(history, null, '', url);
  return run(render);
}

function fill(selectEl, values, selected, label = (v) => v) {
  selectEl.replaceChildren(...values.map((v) => {
    const o = document.createElement('option');
    o.value = v; o.textContent = label(v); o.selected = v === selected;
    return o;
  }));
}

/** Fills in what the URL left out (preferred type) and shows the state in the controls. */
function syncControls() {
  const app = currentApp();
  const types = app.profileTypes;
  if (!types.includes(state.type)) {
    state.type = ['cpu-time/nanoseconds', 'cpu/nanoseconds', 'wall-time/nanoseconds', 'wall/nanoseconds'].find((t) => types.includes(t)) ?? types[0];
  }
  history.replaceState(null, '', toUrl(state));
  fill($('application'), apps.map((a) => a.name), state.app);
  fill($('type'), types, state.type, typeLabel);
  if (!PRESETS.some(([v]) => v === state.range)) state.range = '3600';
  fill($('range'), PRESETS.map(([v]) => v), state.range, (v) => PRESETS.find((p) => p[0] === v)[1]);
  const keys = Object.keys(app.labels);
  if (!keys.includes($('label-key').value)) {
    fill($('label-key'), ['', ...keys], '', (v) => v || '(none)');
    fill($('label-value'), [], '');
  }
  fill($('by'), ['', ...keys], keys.includes(state.by) ? state.by : '', (v) => v || '(nothing)');
  for (const b of document.querySelectorAll('#views .tab')) b.classList.toggle('active', b.dataset.view === state.view);
  $('filters').replaceChildren(...state.filters.map(([k, v], i) => chip(`${k} = ${v}`, () => navigate({ filters: state.filters.filter((_, j) => j !== i) }))));
  $('search').value = state.q;
  $('diff-search').value = state.q;
  $('sandwich-function').value = state.fn;
}

function chip(text, remove) {
  const c = document.createElement('span');
  c.className = 'filter'; c.title = 'remove'; c.textContent = text + ' ✕';
  c.onclick = remove;
  return c;
}

/** The axis of the timeline: the preset range, widened to show the selected ranges. */
function axisRange(app) {
  const preset = rangeOf({ ...state, from: null, to: null }, app);
  const ranges = [[state.from, state.to], [state.cfrom, state.cto]].filter(([a, b]) => a !== null && b !== null);
  if (ranges.every(([a, b]) => a >= preset[0] && b <= preset[1])) return preset;
  const lo = Math.min(...ranges.map((r) => r[0])), hi = Math.max(...ranges.map((r) => r[1]));
  const pad = (hi - lo) * 0.25;
  return [lo - pad, Math.min(hi + pad, Date.now())];
}

// ---- rendering ----

async function render() {
  const mine = ++generation;
  const stale = () => mine !== generation;
  if (!state.app) state.app = apps[0].name;
  if (!currentApp()) {
    await renderUnknownApp(stale);
    return;
  }
  syncControls();
  const app = currentApp();
  const axis = axisRange(app);
  const selection = state.from !== null ? [state.from, state.to] : axis;
  const comparison = state.cfrom !== null ? [state.cfrom, state.cto] : selection;
  document.body.dataset.view = state.view;
  for (const v of ['flame', 'diff', 'sandwich']) $(v + '-view').hidden = state.view !== v;
  $('timeline-panel').hidden = false;
  $('pick').hidden = state.view !== 'diff';
  $('clear-range').hidden = state.from === null && state.cfrom === null;
  $('selection-text').textContent = `${formatTime(selection[0])} – ${formatTime(selection[1])}`;
  $('download').hidden = false;
  setStatus('Loading…');
  delete document.body.dataset.loaded;

  const params = selectionParams(state, selection);
  const timelineParams = selectionParams(state, axis);
  if (state.by) timelineParams.set('by', state.by);
  const [timeline] = await Promise.all([
    getJson('api/timeline?' + timelineParams),
    state.by ? loadExplorer(params, stale) : Promise.resolve($('explorer').hidden = true),
  ]);
  if (stale()) return;
  $('timeline-title').textContent = `${typeLabel(state.type)} over time${timeline.gauge ? ' (average)' : ''}${state.by ? ' by ' + state.by : ''}`;
  drawTimeline($('timeline'), {
    timeline, from: axis[0], to: axis[1],
    selections: [{ from: selection[0], to: selection[1], kind: 'baseline' }, ...(state.view === 'diff' ? [{ from: comparison[0], to: comparison[1], kind: 'comparison' }] : [])],
    onSelect: (from, to) => {
      const pick = document.querySelector('input[name=pick]:checked')?.value;
      if (state.view === 'diff' && pick === 'comparison') navigate({ cfrom: from, cto: to });
      else navigate({ from, to });
    },
  });
  drawLegend($('legend'), timeline);

  if (state.view === 'flame') await renderFlame(params, app, stale);
  else if (state.view === 'diff') await renderDiff(params, comparison, app, stale);
  else await renderSandwich(params, app, stale);
  if (!stale()) document.body.dataset.loaded = String(Date.now());
}

/**
 * An application the agent does not list (a stale or mistyped link): says so with the agent's own answer (404 and its
 * message) instead of quietly showing another application, and offers the first stored one.
 */
async function renderUnknownApp(stale) {
  const names = apps.map((a) => a.name);
  fill($('application'), [state.app, ...names], state.app, (v) => (names.includes(v) ? v : `${v} (not stored)`));
  fill($('type'), [], '');
  $('filters').replaceChildren();
  for (const id of ['timeline-panel', 'explorer', 'flame-view', 'diff-view', 'sandwich-view', 'download']) $(id).hidden = true;
  document.body.dataset.view = 'unknown-application';
  setStatus('Loading…');
  delete document.body.dataset.loaded;
  const showFirst = { label: `Show ${names[0]}`, run: () => navigate({ app: names[0], type: '', filters: [], cfilters: [], by: '', fn: '', from: null, to: null, cfrom: null, cto: null }) };
  try {
    await getJson('api/timeline?' + new URLSearchParams({ application: state.app }));
    if (stale()) return;
    // Known to the agent but with nothing stored any more (retention deleted it).
    setStatus(`No profiles of ${state.app} are stored.`, 'empty', showFirst);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    if (stale()) return;
    setStatus(`The agent refused the query (404): ${e.message}.`, 'error', showFirst);
  }
  document.body.dataset.loaded = String(Date.now());
}

function emptyMessage(app) {
  return `No ${typeLabel(state.type)} profiles of ${state.app} in this range${state.filters.length ? ' with these filters' : ''}. `
    + `Its stored profiles span ${formatTime(Date.parse(app.from))} – ${formatTime(Date.parse(app.to))}.`;
}

const showAll = { label: 'Show everything stored', run: () => navigate({ range: 'all', from: null, to: null, cfrom: null, cto: null }) };

async function renderFlame(params, app, stale) {
  const body = await getJson('api/flamegraph?' + params);
  if (stale()) return;
  functions = body.functions;
  $('function-names').replaceChildren(...functions.slice(0, 500).map((f) => Object.assign(document.createElement('option'), { value: f.name })));
  const total = body.root.value;
  flameTotal = total;
  if (body.profiles === 0) {
    setStatus(emptyMessage(app), 'empty', showAll);
    $('chart').replaceChildren(); $('table').replaceChildren(); chart = null;
    return;
  }
  setStatus(`${body.profiles} profile(s) merged · ${typeLabel(body.type)} · ${body.gauge ? 'average over time' : 'total'} ${formatValue(total, body.type)}`);
  $('flame-title').textContent = body.gauge ? 'Average over the selected range (a gauge is not summed)' : '';
  chart = drawFlame($('chart'), body.root, {
    type: body.type, total, width: $('chart').clientWidth || 700, details: $('details'),
    onClick: (d) => { if (d.data.name !== 'root') selectFunction(d.data.name, false); },
  });
  if (state.q) chart.search(state.q);
  drawFunctionTable(body.type, total);
  if (state.fn) { $('open-sandwich').disabled = false; focusFunction(chart, $('chart'), state.fn); }
}

function drawFunctionTable(type, total) {
  drawTable($('table'), {
    columns: singleColumns(type, total), rows: functions, sort: state.sort, search: state.q, selected: state.fn,
    onSort: (sort) => { state.sort = sort; history.replaceState(null, '', toUrl(state)); drawFunctionTable(type, total); },
    onClick: (r) => selectFunction(r.name, true),
  });
}

/** Focuses a function: remembered in the URL, its row marked, and (from the table) the flame graph zoomed to it. */
function selectFunction(name, zoom) {
  state.fn = name;
  history.replaceState(null, '', toUrl(state));
  $('open-sandwich').disabled = false;
  $('open-sandwich').textContent = `Sandwich of ${name.length > 40 ? name.slice(0, 40) + '…' : name}`;
  for (const tr of document.querySelectorAll('#table tbody tr')) tr.classList.toggle('selected', tr.dataset.name === name);
  if (zoom && chart) focusFunction(chart, $('chart'), name);
}

function search(term) {
  state.q = term;
  history.replaceState(null, '', toUrl(state));
  if (state.view === 'flame' && chart) {
    if (term) chart.search(term); else chart.clear();
    drawFunctionTable(state.type, flameTotal);
  }
  if (state.view === 'diff' && diffData) {
    if (diffChart) { if (term) diffChart.search(term); else diffChart.clear(); }
    drawDiffTable();
  }
}

async function renderDiff(params, comparison, app, stale) {
  renderCompareBar(app);
  const p = new URLSearchParams(params);
  p.set('compare.from', (comparison[0] / 1000).toFixed(3));
  p.set('compare.to', (comparison[1] / 1000).toFixed(3));
  for (const [k, v] of state.cfilters) p.append('compare.' + k, v);
  const body = await getJson('api/diff?' + p);
  if (stale()) return;
  diffData = body;
  const B = body.baseline.total, C = body.comparison.total;
  $('baseline-text').textContent = `${formatTime(Date.parse(p.get('from')) || Number(p.get('from')) * 1000)} · ${body.baseline.profiles} profile(s) · ${formatValue(B, body.type)}`;
  $('comparison-text').textContent = `${formatTime(comparison[0])} · ${body.comparison.profiles} profile(s) · ${formatValue(C, body.type)}`;
  for (const id of ['chart-baseline', 'chart-comparison', 'chart-diff', 'diff-table']) $(id).replaceChildren();
  diffChart = null;
  if (body.baseline.profiles === 0 || body.comparison.profiles === 0) {
    setStatus(`The ${body.baseline.profiles === 0 ? 'baseline' : 'comparison'} holds no profiles. `
      + 'Pick “comparison” above the timeline and drag over another range, or add comparison label filters.', 'empty');
    return;
  }
  setStatus(`Baseline ${formatValue(B, body.type)} (${body.baseline.profiles} profiles) · comparison ${formatValue(C, body.type)} (${body.comparison.profiles} profiles)`
    + `${body.gauge ? ' · averages over time' : ''} · colours show each frame's change of share`);
  // Side by side on one scale: the larger side spans its column, the other in proportion.
  const column = ($('diff-view').clientWidth || 1200) / 2 - 12;
  const scale = Math.max(Math.abs(B), Math.abs(C), 1);
  drawFlame($('chart-baseline'), side(body.root, 'baseline'), { type: body.type, total: B, width: column * Math.abs(B) / scale, details: $('details') });
  drawFlame($('chart-comparison'), side(body.root, 'comparison'), { type: body.type, total: C, width: column * Math.abs(C) / scale, details: $('details') });
  const tree = diffTree(body.root, B, C);
  const colourScale = maxChange(tree);
  diffChart = drawFlame($('chart-diff'), tree, {
    type: body.type, width: $('chart-diff').clientWidth || 1200, details: $('details'),
    color: (d, original) => (d.highlight ? original : changeColor(d.data.change ?? 0, colourScale)),
    label: (d) => `${d.data.name} — baseline ${formatValue(d.data.baseline, body.type)} (${formatShare(d.data.baseline, B)}), `
      + `comparison ${formatValue(d.data.comparison, body.type)} (${formatShare(d.data.comparison, C)}), change ${d.data.change >= 0 ? '+' : ''}${(100 * d.data.change).toFixed(2)} pts`,
  });
  if (state.q) diffChart.search(state.q);
  drawDiffTable();
}

function drawDiffTable() {
  const body = diffData;
  const sort = ['name', 'baseline', 'baseShare', 'comparison', 'compShare', 'change'].includes(state.sort.replace(/^-/, '')) ? state.sort : 'change';
  drawTable($('diff-table'), {
    columns: diffColumns(body.type, body.baseline.total, body.comparison.total), rows: body.functions, sort, search: state.q, selected: state.fn,
    onSort: (s) => { state.sort = s; history.replaceState(null, '', toUrl(state)); drawDiffTable(); },
    onClick: (r) => { state.fn = r.name; history.replaceState(null, '', toUrl(state)); if (diffChart) focusFunction(diffChart, $('chart-diff'), r.name); drawDiffTable(); },
  });
}

/** The comparison's label filters (a comparison of two label selections, e.g. version=1 against version=2). */
function renderCompareBar(app) {
  const bar = $('compare-bar');
  const keys = Object.keys(app.labels);
  const key = document.createElement('select');
  key.id = 'compare-key';
  fill(key, ['', ...keys], '', (v) => v || '(label)');
  const value = document.createElement('select');
  value.id = 'compare-value';
  key.onchange = () => fill(value, app.labels[key.value] ?? [], '');
  const add = document.createElement('button');
  add.type = 'button'; add.id = 'compare-add'; add.textContent = 'Add comparison filter';
  add.onclick = () => key.value && navigate({ cfilters: [...state.cfilters, [key.value, value.value]] });
  const chips = state.cfilters.map(([k, v], i) => chip(`${k} = ${v}`, () => navigate({ cfilters: state.cfilters.filter((_, j) => j !== i) })));
  const text = document.createElement('span');
  text.textContent = state.cfilters.length ? 'Comparison labels (instead of the baseline’s):' : 'Comparison labels: the baseline’s. Compare label selections:';
  bar.replaceChildren(text, ...chips, key, ' = ', value, add);
}

async function renderSandwich(params, app, stale) {
  for (const id of ['chart-callers', 'chart-callees']) $(id).replaceChildren();
  if (!state.fn) {
    setStatus('Pick a function: click a row of the flame graph’s table, or type its name above.', 'empty');
    return;
  }
  params.set('function', state.fn);
  const body = await getJson('api/sandwich?' + params);
  if (stale()) return;
  const f = body.callees;
  setStatus(`${body.function}: total ${formatValue(f.value, body.type)} (${formatShare(f.value, body.total)}), self ${formatValue(f.self, body.type)} · ${body.profiles} profile(s)`);
  $('sandwich-text').textContent = '';
  const width = $('sandwich-view').clientWidth || 1200;
  drawFlame($('chart-callers'), body.callers, { type: body.type, total: body.total, width, details: $('details') });
  drawFlame($('chart-callees'), body.callees, { type: body.type, total: body.total, width, inverted: true, details: $('details') });
}

async function loadExplorer(params, stale) {
  const p = new URLSearchParams(params);
  p.set('key', state.by);
  const body = await getJson('api/labels?' + p);
  if (stale()) return;
  $('explorer').hidden = false;
  drawExplorer($('explorer'), body, {
    active: state.filters.find(([k]) => k === state.by)?.[1],
    onPick: (value) => navigate({ filters: [...state.filters.filter(([k]) => k !== state.by), [state.by, value]] }),
  });
}

async function download() {
  const app = currentApp();
  const selection = state.from !== null ? [state.from, state.to] : axisRange(app);
  const response = await get('api/profile?' + selectionParams(state, selection));
  const blob = await response.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${state.app}-${state.type.replace(/[^\w.-]/g, '_')}.pb.gz`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// ---- start ----

/** Shows the applications the API listed and the view the URL describes. */
async function start(list) {
  showProfiles();
  apps = list;
  if (!apps.length) {
    setStatus('No profiles stored yet. Point a profiler at this agent (POST /profiling/v1/input).', 'empty');
    document.body.dataset.loaded = String(Date.now());
    return;
  }
  await render();
}

async function boot() {
  setStatus('Loading…');
  await start(await getJson('api/applications'));
}

$('application').onchange = () => navigate({ app: $('application').value, type: '', filters: [], cfilters: [], by: '', fn: '' });
$('type').onchange = () => navigate({ type: $('type').value });
$('range').onchange = () => navigate({ range: $('range').value, from: null, to: null, cfrom: null, cto: null });
$('by').onchange = () => navigate({ by: $('by').value });
$('label-key').onchange = () => fill($('label-value'), currentApp()?.labels[$('label-key').value] ?? [], '');
$('add-filter').onclick = () => {
  const k = $('label-key').value, v = $('label-value').value;
  if (k) navigate({ filters: [...state.filters.filter(([fk]) => fk !== k), [k, v]] });
};
$('clear-range').onclick = () => navigate({ from: null, to: null, cfrom: null, cto: null });
$('reset-zoom').onclick = () => chart && chart.resetZoom();
$('open-sandwich').onclick = () => state.fn && navigate({ view: 'sandwich' });
$('sandwich-function').onchange = () => navigate({ fn: $('sandwich-function').value.trim() });
for (const b of document.querySelectorAll('#views .tab')) b.onclick = () => navigate({ view: b.dataset.view });
let searchTimer = 0;
for (const id of ['search', 'diff-search']) $(id).oninput = () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => search($(id).value), 150); };
$('download').onclick = (e) => { e.preventDefault(); run(download); };
window.addEventListener('popstate', () => { state = readUrl(); if (apps.length) run(render); });

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
  $('sign-in-info').textContent = 'Checking…';
  try {
    const list = await getJson('api/applications', token);
    storeToken(token);
    $('token').value = '';
    await run(() => start(list));
  } catch (e) {
    $('sign-in-info').textContent = '';
    $('sign-in-error').textContent = e instanceof Unauthorized ? 'Wrong token: the agent rejected it.' : 'Could not sign in: ' + e.message;
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
