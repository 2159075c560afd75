// Flame graphs (d3-flame-graph): the merged profile, one side of a comparison, the diff (coloured by the change of
// each frame's share), and the two halves of a sandwich. Search highlights every frame whose name contains the text.
import { select } from 'd3-selection';
import flamegraph from 'd3-flame-graph';
import { formatValue, formatShare } from './units.js';

function selfOf(node) {
  return node.value - (node.children || []).reduce((sum, c) => sum + c.value, 0);
}

const contains = (d, term) => Boolean(term) && (d.data.name || '').toLowerCase().includes(term.toLowerCase());

/**
 * Draws a tree ({name, file, value, children}) into container. options: { type, total (share base), width, inverted,
 * details (element for hover text), onClick(node), label(d) }. Returns the chart.
 */
export function drawFlame(container, root, { type, total = root.value, width, inverted = false, details, onClick, label, color } = {}) {
  container.replaceChildren();
  const chart = flamegraph()
    .width(Math.max(200, Math.round(width)))
    .cellHeight(18)
    .transitionDuration(200)
    .minFrameSize(1)
    .selfValue(false)
    .sort((a, b) => b.value - a.value)
    .inverted(inverted)
    .title('')
    .setSearchMatch(contains)
    .setSearchHandler(() => {})
    .setLabelHandler(label ?? ((d) => `${d.data.name} — total ${formatValue(d.value, type)} (${formatShare(d.value, total)}), self ${formatValue(selfOf(d.data), type)}${d.data.file ? ' — ' + d.data.file : ''}`));
  if (details) chart.setDetailsElement(details);
  if (onClick) chart.onClick(onClick);
  if (color) chart.setColorMapper(color);
  select(container).datum(root).call(chart);
  return chart;
}

/** Finds the largest node of a function in a drawn chart and zooms to it. */
export function focusFunction(chart, container, name) {
  let best = null;
  select(container).selectAll('g.frame').each((d) => {
    if (d.data.name === name && (!best || d.value > best.value)) best = d;
  });
  if (best) chart.zoomTo(best);
  return Boolean(best);
}

/** A diff tree as one side's tree: that side's values, frames without a value on it left out. */
export function side(node, key) {
  const children = (node.children || []).filter((c) => c[key] > 0).map((c) => side(c, key));
  return { name: node.name, file: node.file, value: node[key], children };
}

/**
 * The diff tree drawn with width = baseline share + comparison share, each frame carrying its change of share
 * (comparison share − baseline share, in points of the whole).
 */
export function diffTree(node, baseTotal, compTotal) {
  const b = baseTotal ? node.baseline / baseTotal : 0, c = compTotal ? node.comparison / compTotal : 0;
  return {
    name: node.name, file: node.file, value: Math.round((b + c) * 1e9), baseline: node.baseline, comparison: node.comparison,
    change: c - b, baseShare: b, compShare: c,
    children: (node.children || []).map((k) => diffTree(k, baseTotal, compTotal)).filter((k) => k.value > 0),
  };
}

/** The largest |change| in a diff tree (below the root), the scale of the colours. */
export function maxChange(node) {
  return (node.children || []).reduce((m, c) => Math.max(m, Math.abs(c.change), maxChange(c)), 0);
}

/** Red for a frame whose share grew, blue for one that shrank, grey for none; saturation by |change| / scale. */
export function changeColor(change, scale) {
  const k = scale > 0 ? Math.min(1, Math.abs(change) / scale) : 0;
  if (k < 0.02) return 'rgb(215,215,215)';
  const mix = (a, b) => Math.round(a + (b - a) * (0.25 + 0.75 * k));
  return change > 0 ? `rgb(${mix(235, 220)},${mix(215, 40)},${mix(215, 40)})` : `rgb(${mix(215, 40)},${mix(215, 100)},${mix(235, 215)})`;
}
