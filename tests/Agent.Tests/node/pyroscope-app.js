// A small Node service profiled by the real Pyroscope client, pushing to PYRO_URL/ingest.
const Pyroscope = require('@pyroscope/nodejs').default ?? require('@pyroscope/nodejs');
Pyroscope.init({ serverAddress: process.env.PYRO_URL, appName: 'pyro-interop', tags: { env: 'test', region: 'local' }, flushIntervalMs: 3000, wall: { collectCpuTime: true } });
Pyroscope.start();
function flamewatchFib(n) { return n < 2 ? n : flamewatchFib(n - 1) + flamewatchFib(n - 2); }
const keep = [];
const end = Date.now() + Number(process.env.APP_MS || 8000);
(function tick() {
  flamewatchFib(24);
  keep.push(new Array(1000).fill(1));
  if (keep.length > 300) keep.splice(0, 100);
  if (Date.now() < end) setTimeout(tick, 5);
  else Pyroscope.stop().then(() => setTimeout(() => process.exit(0), 500));
})();
