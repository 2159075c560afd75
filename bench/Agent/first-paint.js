// Opens the UI in headless Chromium (cold, new context each run) and prints the median time to first contentful
// paint and to the first complete view (timeline, flame graph and table of the last hour of 100 pods).
// Usage: NODE_PATH=tools/node_modules node first-paint.js <page url>
const { chromium } = require('playwright-core');

(async () => {
  const url = process.argv[2];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const paints = [], views = [];
  try {
    for (let run = 0; run < 5; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const t0 = Date.now();
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.loaded && document.querySelector('#chart g.frame'), null, { timeout: 60000 });
      views.push(Date.now() - t0);
      paints.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`first paint of the UI: median ${median(paints).toFixed(0)} ms to first contentful paint, ${median(views)} ms to the complete first view `
    + `(timeline + flame graph + table of 1 h x 100 pods; min ${Math.min(...views)}, max ${Math.max(...views)} ms, cold page each run)`);
})().catch((e) => { console.error(e); process.exit(1); });
