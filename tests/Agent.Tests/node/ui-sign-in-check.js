// Drives the agent's UI in headless Chromium against an agent that runs with --read-token: the page loads and asks
// for the token; a wrong token is refused; the right one shows the flame graph; a reload keeps the session; signing
// out returns to the form and forgets the token. Records every request the page makes. Prints one JSON line.
// Usage: UI_TOKEN=<right token> node ui-sign-in-check.js <page url> <wrong token> [screenshot of the refused sign-in]
const { launch } = require('./browser');

(async () => {
const [url, wrongToken, screenshot] = process.argv.slice(2);
const token = process.env.UI_TOKEN;
if (!token || !wrongToken) throw new Error('usage: UI_TOKEN=<token> node ui-sign-in-check.js <url> <wrong token>');
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // CSP violations and other failures the page does not handle show up as console errors; the API's expected 401s
  // are logged by Chromium as failed resources, which are kept apart.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('401')) errors.push(m.text()); });
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), authorization: r.headers()['authorization'] ?? null }));
  const responses = [];
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));

  const signInVisible = () => page.isVisible('#sign-in');
  const frames = () => page.$$eval('#chart g.frame', (gs) => gs.map((g) => g.__data__.data.name));
  const stored = () => page.evaluate(() => sessionStorage.getItem('flamewatch.token'));
  const submit = async (value) => {
    await page.fill('#token', value);
    await page.click('#sign-in-button');
  };

  const seen = {};
  await page.goto(url);
  await page.waitForSelector('#sign-in', { state: 'visible', timeout: 30000 });
  seen.prompt = { text: await page.textContent('#sign-in'), controlsHidden: await page.isHidden('#controls'), frames: (await frames()).length };

  await submit(wrongToken);
  await page.waitForFunction(() => document.getElementById('sign-in-error').textContent.length > 0, null, { timeout: 30000 });
  if (screenshot) await page.screenshot({ path: screenshot });
  seen.wrong = { error: await page.textContent('#sign-in-error'), signInVisible: await signInVisible(), stored: await stored(), frames: (await frames()).length };

  await submit(token);
  await page.waitForSelector('#chart g.frame', { timeout: 30000 });
  seen.signedIn = {
    frames: await frames(), status: await page.textContent('#status'), signInVisible: await signInVisible(),
    signOutVisible: await page.isVisible('#sign-out'), tokenFieldValue: await page.inputValue('#token'), storedMatches: (await stored()) === token,
  };

  await page.reload();
  await page.waitForSelector('#chart g.frame', { timeout: 30000 });
  seen.reloaded = { frames: await frames(), signInVisible: await signInVisible(), storedMatches: (await stored()) === token };

  await page.click('#sign-out');
  await page.waitForSelector('#sign-in', { state: 'visible', timeout: 30000 });
  seen.signedOut = {
    info: await page.textContent('#sign-in-info'), frames: (await frames()).length, stored: await stored(),
    signOutVisible: await page.isVisible('#sign-out'), controlsHidden: await page.isHidden('#controls'),
  };

  // The token is gone for good: a reload asks again.
  await page.reload();
  await page.waitForSelector('#sign-in', { state: 'visible', timeout: 30000 });
  seen.reloadedAfterSignOut = { signInVisible: await signInVisible(), frames: (await frames()).length };

  console.log(JSON.stringify({ ...seen, requests, responses, errors }));
} finally {
  await browser.close();
}
})().catch((e) => { console.error(e); process.exit(1); });
