// Drives every view of the agent's UI in headless Chromium over profiles of two phases of a real target app: selects
// the first phase on the timeline, sorts and searches the function table, opens the sandwich of a function, compares
// the two phases (diff flame graph colours), explores a label, steps back through the history, compares two label
// selections, and opens a link to an application the agent does not have. Saves a
// screenshot of each view into the given directory. Prints one JSON line with what it saw.
// Usage: node ui-views-check.js <page url> <phase 1 from ms> <phase 1 to ms> <phase 2 from ms> <phase 2 to ms> <screenshot dir>
const path = require('path');
const { launch } = require('./browser');

(async () => {
const [url, p1from, p1to, p2from, p2to, shots] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  let expect404 = false; // the browser logs the 404 the unknown-application step asks for
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expect404 && m.text().includes('status of 404'))) errors.push(m.text());
  });
  const seen = { screenshots: [] };
  const shot = async (name) => {
    const file = path.join(shots, name + '.png');
    await page.waitForTimeout(700); // the flame graphs' transitions
    await page.screenshot({ path: file, fullPage: true });
    seen.screenshots.push(file);
  };
  let lastLoaded = null;
  const loaded = async () => {
    await page.waitForFunction((prev) => document.body.dataset.loaded && document.body.dataset.loaded !== prev, lastLoaded, { timeout: 30000 });
    lastLoaded = await page.evaluate(() => document.body.dataset.loaded);
  };
  const frames = (chart) => page.$$eval(`#${chart} g.frame`, (gs) => gs.map((g) => g.__data__.data.name));
  const status = () => page.textContent('#status');
  /** Drags across the timeline from one time to another (ms). */
  const dragTimeline = async (from, to) => {
    const svg = await page.$('#timeline svg');
    const box = await svg.boundingBox();
    const a = await svg.evaluate((s) => ({ from: +s.dataset.from, to: +s.dataset.to, left: +s.dataset.left, plot: +s.dataset.plot }));
    const x = (t) => box.x + a.left + (t - a.from) / (a.to - a.from) * a.plot;
    const y = box.y + 50;
    await page.mouse.move(x(from), y);
    await page.mouse.down();
    await page.mouse.move((x(from) + x(to)) / 2, y, { steps: 4 });
    await page.mouse.move(x(to), y, { steps: 4 });
    await page.mouse.up();
  };

  // Everything stored: both phases.
  await page.goto(url);
  await loaded();
  seen.all = { status: await status(), frames: await frames('chart'), bands: await page.$$eval('#timeline polygon.band', (p) => p.length) };
  await shot('1-everything');

  // Select the first phase on the timeline: every view follows.
  await dragTimeline(+p1from, +p1to);
  await loaded();
  seen.selected = { status: await status(), frames: await frames('chart'), url: page.url(), selectionText: await page.textContent('#selection-text') };
  await shot('2-timeline-selection');

  // Sort the table by self value, then search: rows filtered, matching frames highlighted.
  await page.click('#table th[data-key="self"]');
  const selfColumn = () => page.$$eval('#table tbody tr', (rows) => rows.map((r) => ({ name: r.dataset.name, self: r.children[1].textContent })));
  seen.sortedBySelf = await selfColumn();
  seen.sortedBySelfValues = await page.evaluate(() => [...document.querySelectorAll('#table tbody tr')].map((r) => r.dataset.name));
  await page.fill('#search', 'HotB');
  await page.waitForFunction(() => [...document.querySelectorAll('#table tbody tr')].every((r) => r.dataset.name.includes('HotB')), null, { timeout: 10000 });
  seen.search = {
    rows: await page.$$eval('#table tbody tr', (rows) => rows.map((r) => r.dataset.name)),
    highlighted: await page.$$eval('#chart g.frame', (gs) => gs.filter((g) => g.__data__.highlight).map((g) => g.__data__.data.name)),
    highlightFill: await page.$$eval('#chart g.frame', (gs) => gs.filter((g) => g.__data__.highlight).map((g) => g.querySelector('rect').getAttribute('fill'))),
    url: page.url(),
  };
  await shot('3-search');

  // Click a row: the function is focused (zoomed); then its sandwich.
  const hotA = await page.$$eval('#table tbody tr', (rows) => rows.length);
  await page.fill('#search', '');
  await page.waitForFunction(() => document.querySelectorAll('#table tbody tr').length > 2, null, { timeout: 10000 });
  const target = await page.$$eval('#table tbody tr', (rows) => rows.map((r) => r.dataset.name).find((n) => n.endsWith('.HotA')));
  await page.click(`#table tbody tr[data-name="${target}"]`);
  await page.waitForTimeout(400);
  seen.focus = {
    function: target, rows: hotA,
    zoomedWidth: await page.$$eval('#chart g.frame', (gs, name) => Math.max(...gs.filter((g) => g.__data__.data.name === name).map((g) => g.querySelector('rect').getBoundingClientRect().width)), target),
    chartWidth: await page.$eval('#chart svg', (s) => s.getBoundingClientRect().width),
  };
  await page.click('#open-sandwich');
  await loaded();
  seen.sandwich = { status: await status(), callers: await frames('chart-callers'), callees: await frames('chart-callees'), url: page.url() };
  await shot('4-sandwich');

  // Compare: the first phase (still selected) against the second, picked on the timeline.
  await page.click('#views .tab[data-view="diff"]');
  await loaded();
  await page.check('input[name=pick][value=comparison]');
  await dragTimeline(+p2from, +p2to);
  await loaded();
  const fills = await page.$$eval('#chart-diff g.frame', (gs) => gs.map((g) => ({
    name: g.__data__.data.name, change: g.__data__.data.change, fill: g.querySelector('rect').getAttribute('fill'),
    width: g.querySelector('rect').getBoundingClientRect().width,
  })));
  seen.diff = {
    status: await status(), url: page.url(), fills,
    baseline: await frames('chart-baseline'), comparison: await frames('chart-comparison'),
    baselineWidth: await page.$eval('#chart-baseline svg', (s) => s.getBoundingClientRect().width),
    comparisonWidth: await page.$eval('#chart-comparison svg', (s) => s.getBoundingClientRect().width),
    table: await page.$$eval('#diff-table tbody tr', (rows) => rows.map((r) => ({ name: r.dataset.name, cells: [...r.children].map((c) => c.textContent), change: r.lastChild.className }))),
  };
  await shot('5-diff');

  // Label explorer over everything stored: break down by version, click one value to filter.
  await page.click('#views .tab[data-view="flame"]');
  await loaded();
  await page.click('#clear-range');
  await loaded();
  await page.selectOption('#by', 'version');
  await loaded();
  seen.explorer = { values: await page.$$eval('#explorer tr[data-value]', (rows) => rows.map((r) => r.dataset.value)), legend: await page.textContent('#legend') };
  await page.click('#explorer tr[data-value="2"]');
  await loaded();
  seen.filtered = { filters: await page.textContent('#filters'), url: page.url() };
  await shot('6-label-explorer');

  // Back steps through the selections: the filter goes, then the breakdown.
  await page.goBack();
  await loaded();
  seen.back = { filters: await page.textContent('#filters'), url: page.url(), view: await page.evaluate(() => document.body.dataset.view) };

  // Compare two label selections over everything stored: version=1 (baseline filter) against version=2 (comparison filter).
  await page.click('#views .tab[data-view="diff"]');
  await loaded();
  await page.selectOption('#label-key', 'version');
  await page.selectOption('#label-value', '1');
  await page.click('#add-filter');
  await loaded();
  await page.selectOption('#compare-key', 'version');
  await page.selectOption('#compare-value', '2');
  await page.click('#compare-add');
  await loaded();
  seen.labelDiff = {
    status: await status(), url: page.url(), filters: await page.textContent('#filters'), compareBar: await page.textContent('#compare-bar'),
    fills: await page.$$eval('#chart-diff g.frame', (gs) => gs.map((g) => ({
      name: g.__data__.data.name, change: g.__data__.data.change, fill: g.querySelector('rect').getAttribute('fill'),
      width: g.querySelector('rect').getBoundingClientRect().width,
    }))),
    baseline: await frames('chart-baseline'), comparison: await frames('chart-comparison'),
  };
  await shot('7-label-diff');

  // A link to an application the agent does not have: the agent's 404 message, not another application.
  const unknown = new URL(url);
  unknown.searchParams.set('application', 'no-such-app');
  expect404 = true;
  await page.goto(unknown.toString());
  await loaded();
  seen.unknownApp = {
    status: await status(), statusClass: await page.getAttribute('#status', 'class'), url: page.url(),
    application: await page.$eval('#application', (s) => s.value),
    hidden: await page.evaluate(() => ['timeline-panel', 'flame-view', 'diff-view', 'sandwich-view'].every((id) => document.getElementById(id).hidden)),
    frames: await page.$$eval('g.frame', (gs) => gs.length),
    button: await page.textContent('#status button'),
  };
  await shot('8-unknown-application');

  console.log(JSON.stringify({ ...seen, errors }));
} finally {
  await browser.close();
}
})().catch((e) => { console.error(e); process.exit(1); });
