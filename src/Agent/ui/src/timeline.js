// The timeline: per-period totals of the selection (stacked, one band per label value when broken down) on a time
// axis. Dragging across it selects a time range; the selected ranges are shaded (baseline blue, comparison orange).
import { formatValue, formatTime } from './units.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const TICKS = [10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * 1000);
const HEIGHT = 120, LEFT = 64, RIGHT = 8, TOP = 8, BOTTOM = 20;

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

export function seriesColor(i) { return COLORS[i % COLORS.length]; }

/**
 * Draws the timeline into container. options: { timeline, from, to, selections: [{from, to, kind}], onSelect(from, to) }.
 * from/to (ms) are the axis bounds.
 */
export function drawTimeline(container, { timeline, from, to, selections, onSelect }) {
  const width = Math.max(400, container.clientWidth || 800);
  const plot = width - LEFT - RIGHT, h = HEIGHT - TOP - BOTTOM;
  const svg = el('svg', { width, height: HEIGHT, class: 'timeline', role: 'img', 'aria-label': 'timeline of totals', 'data-from': from, 'data-to': to, 'data-left': LEFT, 'data-plot': plot });
  const x = (t) => LEFT + (t - from) / (to - from) * plot;
  const t = (px) => from + (Math.min(Math.max(px, LEFT), LEFT + plot) - LEFT) / plot * (to - from);

  const start = Date.parse(timeline.start), step = timeline.step * 1000;
  const series = timeline.series;
  const n = series.length ? series[0].values.length : 0;
  const stacked = new Array(n).fill(0);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, series.reduce((sum, s) => sum + s.values[i], 0));
  const y = (v) => TOP + h - (max ? v / max * h : 0);

  el('line', { x1: LEFT, x2: LEFT + plot, y1: TOP + h, y2: TOP + h, class: 'axis' }, svg);
  // Time ticks.
  const tick = TICKS.find((s) => (to - from) / s <= 8) ?? TICKS[TICKS.length - 1];
  const offset = new Date().getTimezoneOffset() * 60000;
  for (let tt = Math.ceil((from - offset) / tick) * tick + offset; tt <= to; tt += tick) {
    el('line', { x1: x(tt), x2: x(tt), y1: TOP + h, y2: TOP + h + 4, class: 'axis' }, svg);
    const label = el('text', { x: x(tt), y: HEIGHT - 4, 'text-anchor': 'middle', class: 'tick' }, svg);
    label.textContent = formatTime(tt, tick >= 86400000).replace(/:00$/, tick >= 86400000 ? '' : ':00').slice(0, tick >= 86400000 ? 10 : 8);
  }
  const top = el('text', { x: LEFT - 4, y: TOP + 9, 'text-anchor': 'end', class: 'tick' }, svg);
  top.textContent = formatValue(max, timeline.type);
  const zero = el('text', { x: LEFT - 4, y: TOP + h, 'text-anchor': 'end', class: 'tick' }, svg);
  zero.textContent = '0';

  // Stacked bands, first series at the bottom.
  series.forEach((s, si) => {
    const upper = [], lower = [];
    for (let i = 0; i < n; i++) {
      const b0 = Math.max(start + i * step, from), b1 = Math.min(start + (i + 1) * step, to);
      if (b1 <= b0) continue;
      const lo = stacked[i], hi = lo + s.values[i];
      stacked[i] = hi;
      upper.push(`${x(b0)},${y(hi)}`, `${x(b1)},${y(hi)}`);
      lower.unshift(`${x(b1)},${y(lo)}`, `${x(b0)},${y(lo)}`);
    }
    if (upper.length) {
      const band = el('polygon', { points: upper.concat(lower).join(' '), fill: seriesColor(si), 'fill-opacity': 0.75, class: 'band' }, svg);
      const title = el('title', {}, band);
      title.textContent = `${s.name}: ${formatValue(s.total, timeline.type)}`;
    }
  });

  for (const sel of selections) {
    if (sel.from === null || sel.to === null || sel.to <= from || sel.from >= to) continue;
    const x0 = x(Math.max(sel.from, from)), x1 = x(Math.min(sel.to, to));
    el('rect', { x: x0, y: TOP, width: Math.max(x1 - x0, 1), height: h, class: 'selection ' + sel.kind }, svg);
  }

  // Drag to select.
  const overlay = el('rect', { x: LEFT, y: TOP, width: plot, height: h, class: 'overlay' }, svg);
  let drag = null;
  overlay.addEventListener('pointerdown', (e) => {
    const box = svg.getBoundingClientRect();
    drag = { x0: e.clientX - box.left, rect: el('rect', { y: TOP, height: h, class: 'brush' }, svg) };
    overlay.setPointerCapture(e.pointerId);
  });
  overlay.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const x1 = Math.min(Math.max(e.clientX - box.left, LEFT), LEFT + plot);
    drag.rect.setAttribute('x', Math.min(drag.x0, x1));
    drag.rect.setAttribute('width', Math.abs(x1 - drag.x0));
  });
  overlay.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const x1 = e.clientX - box.left;
    const [a, b] = [t(Math.min(drag.x0, x1)), t(Math.max(drag.x0, x1))];
    drag.rect.remove();
    drag = null;
    if (b - a > (to - from) / plot * 3) onSelect(Math.floor(a), Math.ceil(b));
  });
  container.replaceChildren(svg);
}

/** The legend of a broken-down timeline: one chip per series with its total. */
export function drawLegend(container, timeline) {
  if (timeline.series.length < 2 && !timeline.series.some((s) => s.value)) { container.replaceChildren(); return; }
  container.replaceChildren(...timeline.series.map((s, i) => {
    const chip = document.createElement('span');
    chip.className = 'legend-item';
    const swatch = document.createElement('i');
    swatch.style.background = seriesColor(i);
    chip.append(swatch, `${s.name} ${formatValue(s.total, timeline.type)}`);
    return chip;
  }));
}
