// Drives the agent's UI in headless Chromium: waits for the flame graph, lists its frames, hovers one
// frame, clicks another to zoom, and saves a screenshot. Prints one JSON line with what it saw.
// Usage: node ui-check.js <page url> <frame to hover> <frame to click> <screenshot path>
const { launch } = require('./browser');

(async () => {
const [url, hoverName, clickName, screenshot] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#chart g.frame', { timeout: 30000 });
  const frameByName = (name) => page.locator('#chart g.frame').filter({ has: page.locator(`div.d3-flame-graph-label`, { hasText: name }) }).first();
  const frames = await page.$$eval('#chart g.frame', (gs) => gs.map((g) => g.__data__.data.name));
  const status = await page.textContent('#status');
  const chartWidth = await page.$eval('#chart svg', (s) => s.getBoundingClientRect().width);

  await frameByName(hoverName).hover();
  const details = await page.textContent('#details');

  await frameByName(clickName).click();
  await page.waitForTimeout(600); // the zoom transition
  const zoomedWidth = await frameByName(clickName).locator('rect').evaluate((r) => r.getBoundingClientRect().width);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ frames, status, details, chartWidth, zoomedWidth, errors }));
} finally {
  await browser.close();
}
})().catch((e) => { console.error(e); process.exit(1); });
