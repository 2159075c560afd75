// The view's state lives in the URL: a link shows the same view, and back/forward step through selections.

export const PRESETS = [
  ['900', 'last 15 minutes'], ['3600', 'last hour'], ['21600', 'last 6 hours'], ['86400', 'last day'],
  ['604800', 'last 7 days'], ['all', 'everything stored'],
];

export function defaultState() {
  return {
    app: '', type: '', range: '3600', from: null, to: null, filters: [], view: 'flame', by: '', q: '', sort: 'total',
    fn: '', cfrom: null, cto: null, cfilters: [],
  };
}

function pairs(params, name) {
  return params.getAll(name).map((f) => { const i = f.indexOf('='); return i < 0 ? null : [f.slice(0, i), f.slice(i + 1)]; }).filter(Boolean);
}

function ms(value) {
  if (value === null || value === '') return null;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
}

export function readUrl(search = location.search) {
  const p = new URLSearchParams(search);
  const s = defaultState();
  s.app = p.get('application') ?? '';
  s.type = p.get('type') ?? '';
  s.range = p.get('range') ?? s.range;
  s.from = ms(p.get('from'));
  s.to = ms(p.get('to'));
  if (!(s.from !== null && s.to !== null && s.from < s.to)) { s.from = null; s.to = null; }
  s.filters = pairs(p, 'filter');
  s.view = ['flame', 'diff', 'sandwich'].includes(p.get('view')) ? p.get('view') : 'flame';
  s.by = p.get('by') ?? '';
  s.q = p.get('q') ?? '';
  s.sort = p.get('sort') ?? 'total';
  s.fn = p.get('fn') ?? '';
  s.cfrom = ms(p.get('cfrom'));
  s.cto = ms(p.get('cto'));
  s.cfilters = pairs(p, 'cfilter');
  return s;
}

export function toUrl(s) {
  const p = new URLSearchParams();
  if (s.app) p.set('application', s.app);
  if (s.type) p.set('type', s.type);
  p.set('range', s.range);
  if (s.from !== null && s.to !== null) { p.set('from', String(s.from)); p.set('to', String(s.to)); }
  for (const [k, v] of s.filters) p.append('filter', `${k}=${v}`);
  if (s.view !== 'flame') p.set('view', s.view);
  if (s.by) p.set('by', s.by);
  if (s.q) p.set('q', s.q);
  if (s.sort !== 'total') p.set('sort', s.sort);
  if (s.fn) p.set('fn', s.fn);
  if (s.cfrom !== null && s.cto !== null) { p.set('cfrom', String(s.cfrom)); p.set('cto', String(s.cto)); }
  for (const [k, v] of s.cfilters) p.append('cfilter', `${k}=${v}`);
  return '?' + p.toString();
}

/** The [from, to] (ms) the state selects; presets count back from now, "all" spans the application's stored profiles. */
export function rangeOf(s, app, now = Date.now()) {
  if (s.from !== null && s.to !== null) return [s.from, s.to];
  if (s.range === 'all' && app) return [Date.parse(app.from), Date.parse(app.to) + 1000];
  const seconds = Number(s.range) || 3600;
  return [now - seconds * 1000, now];
}

/** Query parameters of the API for a selection (application, type, range in unix seconds, label equalities). */
export function selectionParams(s, [from, to], filters = s.filters) {
  const p = new URLSearchParams({ application: s.app, type: s.type, from: (from / 1000).toFixed(3), to: (to / 1000).toFixed(3) });
  for (const [k, v] of filters) p.append(k, v);
  return p;
}
