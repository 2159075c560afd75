// A small Node service profiled by the real dd-trace profiler. Its hot path has recognisable names.
// Env: DD_TRACE_AGENT_URL (the agent), APP_MS (how long to run), DD_TRACE_MODULE (dd-trace, or dd-trace-6: npm alias of version 6).
const tracer = require(process.env.DD_TRACE_MODULE || 'dd-trace').init(); // first, as -r dd-trace/init would
function flamewatchFib(n) { return n < 2 ? n : flamewatchFib(n - 1) + flamewatchFib(n - 2); }
function flamewatchHotLoop() { return flamewatchFib(24); }
const keep = [];
const end = Date.now() + Number(process.env.APP_MS || 9000);
function tick() {
  const span = tracer.startSpan('work');
  flamewatchHotLoop();
  keep.push(new Array(1000).fill(Math.random()));
  if (keep.length > 500) keep.splice(0, 250);
  span.finish();
  if (Date.now() < end) setTimeout(tick, 5);
  else setTimeout(() => process.exit(0), 2500);
}
tick();
