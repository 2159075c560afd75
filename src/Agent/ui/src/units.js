// Readable values per profile type: times for nanoseconds, binary sizes for bytes, counted things by name.

/** What one unit of a count type counts, by type name (Datadog's .NET names and pprof's). */
const COUNTED = {
  'alloc-samples': 'allocations', alloc_objects: 'allocations', 'inuse-objects': 'objects', inuse_objects: 'objects',
  exception: 'exceptions', 'lock-count': 'lock contentions', samples: 'samples', goroutine: 'goroutines',
};

/** Readable names of the known types, for the type picker. */
const TYPE_NAMES = {
  'cpu-time/nanoseconds': 'CPU time', 'cpu/nanoseconds': 'CPU time', 'wall-time/nanoseconds': 'Wall time', 'wall/nanoseconds': 'Wall time',
  'alloc-samples/count': 'Allocations', 'alloc-size/bytes': 'Allocated bytes', 'inuse-space/bytes': 'Heap live size',
  'inuse_space/bytes': 'Heap live size', 'inuse-objects/count': 'Heap live objects', 'exception/count': 'Exceptions',
  'lock-count/count': 'Lock contentions', 'lock-time/nanoseconds': 'Lock wait time', 'space/bytes': 'Heap live size',
};

export function splitType(type) {
  const slash = type.lastIndexOf('/');
  return slash < 0 ? { name: type, unit: '' } : { name: type.slice(0, slash), unit: type.slice(slash + 1) };
}

export function typeLabel(type) {
  return TYPE_NAMES[type] ? `${TYPE_NAMES[type]} (${type})` : type;
}

/** A gauge (a snapshot, e.g. the live heap) is averaged over a range, not summed. */
export function isGauge(type) { return /^inuse/i.test(type); }

function trim(v, digits) { return Number(v.toFixed(digits)).toString(); }

/** A value in the type's unit, readable: "1.25 s", "35.2 MiB", "1,204 exceptions". */
export function formatValue(value, type) {
  const { name, unit } = splitType(type);
  const abs = Math.abs(value);
  if (unit === 'nanoseconds') {
    if (abs >= 3600e9) return trim(value / 3600e9, 2) + ' h';
    if (abs >= 60e9) return trim(value / 60e9, 2) + ' min';
    if (abs >= 1e9) return trim(value / 1e9, 2) + ' s';
    if (abs >= 1e6) return trim(value / 1e6, 1) + ' ms';
    if (abs >= 1e3) return trim(value / 1e3, 1) + ' µs';
    return Math.round(value) + ' ns';
  }
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = value, i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i ? trim(v, 1) : Math.round(v)) + ' ' + units[i];
  }
  const rounded = Math.round(value).toLocaleString('en-US');
  if (unit === 'count') return rounded + (COUNTED[name] ? ' ' + COUNTED[name] : '');
  return rounded + (unit ? ' ' + unit : '');
}

export function formatShare(value, total) {
  if (!total) return '–';
  const p = 100 * value / total;
  return (Math.abs(p) >= 10 ? p.toFixed(1) : p.toFixed(2)) + ' %';
}

export function formatTime(ms, withDate = true) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}
