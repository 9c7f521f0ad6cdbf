// End-to-end test of the VS Code extension in a real VS Code (code-server) driven through
// headless Chromium. Expects code-server already serving BB_URL with the .vsix installed and
// BB_WS (a copy of fixtures/showcase) as its folder; writes screenshots to BB_ART.
// Exits 0 when every check passes, 1 on a failure, 3 when the watchdog fires.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const URL = process.env.BB_URL;
const ART = process.env.BB_ART;
const WS_DIR = process.env.BB_WS;
if (!URL || !ART) {
  console.error('BB_URL and BB_ART must be set');
  process.exit(2);
}
const ROUTES_FILE = 'src/routes/admin.ts';
const ROUTE = "router.get('/stats'";
const started = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1) + 's';
const log = (m) => console.log(m);

let page;
let browser;
const watchdog = setTimeout(async () => {
  log('FAIL: watchdog: the test did not finish within 200s');
  await shot('failure-watchdog').catch(() => undefined);
  process.exit(3);
}, 200_000);

async function shot(name) {
  if (!page) return;
  await page.waitForTimeout(500);
  const file = path.join(ART, `vscode-${name}.png`);
  await page.screenshot({ path: file });
  log(`     screenshot: ${path.relative(process.cwd(), file)}`);
}

async function check(name, fn) {
  const t = Date.now();
  try {
    await fn();
  } catch (e) {
    log(`FAIL: ${name}: ${e && e.message ? e.message : e}`);
    await shot('failure').catch(() => undefined);
    await browser?.close().catch(() => undefined);
    process.exit(1);
  }
  log(`ok   ${name} (${secs(t)})`);
}

async function quickOpen(fileName, dirHint) {
  await page.locator('.monaco-editor, .editor-group-container').first().waitFor();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(fileName);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: dirHint }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await page.locator('.tab.active', { hasText: fileName }).waitFor({ timeout: 10_000 });
}

/** The `get` token of the route's line in the visible editor. */
function routeToken() {
  return page
    .locator('.editor-instance .view-line', { hasText: ROUTE })
    .locator('span > span', { hasText: /^get$/ })
    .first();
}

async function cursorLine() {
  const text = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().innerText();
  return Number(/Ln (\d+)/.exec(text)[1]);
}

/** The workspace's warning count, from the status bar's problems item. */
async function warnings() {
  const item = page.locator('#status\\.problems').first();
  const label = (await item.getAttribute('aria-label')) || '';
  const m = /(\d+)\s+warnings?/i.exec(label);
  if (m) return Number(m[1]);
  const numbers = (await item.innerText()).match(/\d+/g) || [];
  if (numbers.length < 2) throw new Error(`cannot read the problems item: ${label}`);
  return Number(numbers[1]);
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-chromium-'));
  process.on('exit', () => fs.rmSync(profile, { recursive: true, force: true }));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.BB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = browser.pages()[0] || (await browser.newPage());
  page.setDefaultTimeout(30_000);

  await check('code-server loads the workspace', async () => {
    await page.goto(URL);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar .action-item[aria-label^="Backend Brain"], .activitybar a[aria-label^="Backend Brain"]').first()
      .waitFor({ timeout: 60_000 });
  });

  await check(`open ${ROUTES_FILE}; the server indexes the backend (status bar)`, async () => {
    await quickOpen('admin.ts', 'src/routes');
    const status = page.locator('.statusbar-item', { hasText: /[1-9]\d* routes/ }).first();
    await status.waitFor({ timeout: 60_000 });
    log(`     status bar: ${(await status.innerText()).replace(/\s+/g, ' ')}`);
    await page.locator('.editor-instance .squiggly-warning').first().waitFor({ timeout: 30_000 });
  });

  await check('the Backend Brain view lists the routes', async () => {
    await page.locator('.activitybar .action-item[aria-label^="Backend Brain"], .activitybar a[aria-label^="Backend Brain"]').first().click();
    const row = page.locator('.monaco-list-row', { hasText: 'GET /api/v1/admin/stats' }).first();
    await row.waitFor({ timeout: 30_000 });
    // A wider side bar shows whole paths and handlers (for the screenshot).
    const sidebar = await page.locator('.part.sidebar').boundingBox();
    if (sidebar) {
      const x = sidebar.x + sidebar.width;
      await page.mouse.move(x + 1, sidebar.y + sidebar.height / 2);
      await page.mouse.down();
      await page.mouse.move(x + 160, sidebar.y + sidebar.height / 2, { steps: 8 });
      await page.mouse.up();
    }
    const rows = await page.locator('.pane-body .monaco-list-row').allInnerTexts();
    log(`     ${rows.length} visible rows, e.g. ${rows.slice(0, 4).map((r) => r.replace(/\s+/g, ' ')).join(' | ')}`);
    if (!(await page.locator('.monaco-list-row', { hasText: 'undocumented' }).count())) {
      throw new Error('no route is marked undocumented in the view');
    }
  });

  await check('hover over a route shows the inventory hover', async () => {
    await page.locator('.tab', { hasText: 'admin.ts' }).first().click();
    const token = routeToken();
    await token.waitFor();
    // The hover also holds the diagnostic's message: look for the inventory card itself.
    const hover = page.locator('.monaco-hover-content', { hasText: 'getDashboardStats' });
    for (let i = 0; i < 10 && !(await hover.count()); i++) {
      await page.mouse.move(0, 0);
      await token.hover();
      await hover.first().waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    if (!(await hover.count())) throw new Error('no hover with the route card appeared');
    const text = await hover.first().innerText();
    if (!text.includes('/api/v1/admin/stats') || !text.includes('Handler')) {
      throw new Error(`the hover lacks the route's path or handler: ${text}`);
    }
    log(`     hover: ${text.split('\n').filter((l) => /GET|Handler|Auth/.test(l)).join(' | ')}`);
    // Let the TypeScript server finish loading so the screenshot shows a settled hover.
    await page.locator('.monaco-hover-content', { hasText: 'Loading...' }).waitFor({ state: 'detached', timeout: 8_000 })
      .catch(() => undefined);
    await shot('hover-and-view');
  });

  await check('clicking a route in the view opens its handler', async () => {
    await page.keyboard.press('Escape');
    await page.locator('.monaco-list-row', { hasText: 'GET /api/v1/admin/stats' }).first().click();
    await page.locator('.tab.active', { hasText: 'admin.controller.ts' }).waitFor({ timeout: 10_000 });
    let line = 0;
    for (let i = 0; i < 20 && line !== 9; i++) {
      line = await cursorLine();
      if (line !== 9) await page.waitForTimeout(100);
    }
    if (line !== 9) throw new Error(`the cursor is on line ${line}, not on the handler's line 9`);
    await shot('handler');
  });

  await check('the quick fix inserts the doc stub; the warning clears once it has a summary', async () => {
    await page.locator('.tab', { hasText: 'admin.ts' }).first().click();
    await routeToken().click();
    const before = await warnings();
    const item = page.locator('.action-widget .monaco-list-row', {
      hasText: 'Add a JSDoc stub for GET /api/v1/admin/stats',
    }).first();
    // The light bulb shows once the code actions at the cursor are known.
    await page.locator('.lightBulbWidget, .codicon-light-bulb, .codicon-lightbulb-autofix').first()
      .waitFor({ timeout: 15_000 }).catch(() => log('     (no light bulb seen)'));
    for (let i = 0; i < 5 && !(await item.count()); i++) {
      await page.keyboard.press('Escape');
      await routeToken().click();
      await page.keyboard.press('Control+.');
      await item.waitFor({ timeout: 3_000 }).catch(async () => {
        const shown = await page.locator('.action-widget .monaco-list-row').allInnerTexts();
        log(`     attempt ${i + 1}: quick fix menu: ${JSON.stringify(shown)}`);
      });
    }
    await item.waitFor({ timeout: 1_000 });
    await shot('quick-fix-menu');
    // The menu is keyboard-driven (a pointer block covers it right after it opens).
    for (let i = 0; i < 10; i++) {
      const focused = await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label');
      if (focused && focused.includes('Add a JSDoc stub for GET /api/v1/admin/stats')) break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    const todo = page.locator('.editor-instance .view-line', { hasText: 'TODO: summary.' }).first();
    await todo.waitFor({ timeout: 10_000 });
    await page.locator('.editor-instance .view-line', { hasText: '* GET /api/v1/admin/stats' }).first().waitFor();
    log(`     stub inserted; ${before} warnings in the workspace`);
    // The stub's first line is a TODO; replace it with a summary, as a user would.
    await todo.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('* Dashboard counters.');
    let after = before;
    for (let i = 0; i < 100 && after !== before - 1; i++) {
      await page.waitForTimeout(100);
      after = await warnings();
    }
    if (after !== before - 1) throw new Error(`${after} warnings after the summary was written (was ${before})`);
    log(`     ${after} warnings after the summary was written`);
    await shot('quick-fix-applied');
  });

  await check('"Backend Brain: Document All Routes in This File" adds the other stubs', async () => {
    await page.keyboard.press('Control+End');
    await page.waitForTimeout(300);
    const before = await cursorLine();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Backend Brain: Document All Routes in This File');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Document All Routes in This File' }).first()
      .waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    let after = before;
    for (let i = 0; i < 50 && after < before + 30; i++) {
      await page.waitForTimeout(100);
      await page.keyboard.press('Control+End');
      after = await cursorLine();
    }
    // Six more routes, a stub of five or six lines each.
    if (after < before + 30) throw new Error(`the file grew from ${before} to ${after} lines only`);
    log(`     ${before} -> ${after} lines`);
  });

  /** Runs a command from the command palette. */
  async function palette(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>' + title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
  }

  await check('"Backend Brain: Show Route for URL…" opens the handler of GET /api/v1/orders/:id', async () => {
    await palette('Backend Brain: Show Route for URL');
    const box = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'optionally after a method' }).first()
      .waitFor({ timeout: 10_000 });
    await box.fill('/api/v1/orders/42');
    await page.keyboard.press('Enter');
    // One route serves it: its handler, OrderController.get, opens at once.
    await page.locator('.tab.active', { hasText: 'order.controller.ts' }).waitFor({ timeout: 15_000 });
    let line = 0;
    for (let i = 0; i < 50 && line !== 23; i++) {
      line = await cursorLine();
      if (line !== 23) await page.waitForTimeout(100);
    }
    if (line !== 23) throw new Error(`the cursor is on line ${line} of order.controller.ts, not 23`);
    await shot('find-route');
  });

  await check('"Backend Brain: Generate BACKEND_BRAIN.md" writes the document', async () => {
    const doc = path.join(WS_DIR, 'BACKEND_BRAIN.md');
    fs.rmSync(doc, { force: true });
    await palette('Backend Brain: Generate BACKEND_BRAIN.md');
    // The result's notification has an Open button (the progress notification has none).
    const toast = page.locator('.notification-toast', { hasText: 'BACKEND_BRAIN.md' })
      .filter({ has: page.locator('.monaco-button', { hasText: 'Open' }) }).first();
    await toast.waitFor({ timeout: 30_000 });
    if (!fs.existsSync(doc)) throw new Error(`no ${doc}`);
    if (!fs.readFileSync(doc, 'utf8').includes('/api/v1/orders/:id')) throw new Error('the document lacks /api/v1/orders/:id');
    log(`     ${(await toast.innerText()).replace(/\s+/g, ' ').slice(0, 120)}`);
    await page.keyboard.press('Escape');
  });

  await check('a missing binary gets a clear error with the fix', async () => {
    // Through the Settings editor, as a user would.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Preferences: Open User Settings');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Open User Settings$/ }).first()
      .click({ timeout: 10_000 });
    const search = page.locator('.settings-editor .suggest-input-container .monaco-editor textarea').first();
    await search.waitFor({ timeout: 15_000 });
    await search.fill('backendBrain.serverPath');
    // code-server is a remote window: machine-scoped settings live in the Remote tab.
    await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: 'Remote' }).first().click();
    const box = page.locator('.settings-editor .setting-item-contents input[aria-label="backendBrain.serverPath"]').first();
    await box.waitFor({ timeout: 10_000 });
    await box.fill('/nonexistent/backend-brain');
    await box.press('Tab');
    const toast = page.locator('.notification-toast', { hasText: 'cannot find the backend-brain binary' }).first();
    await toast.waitFor({ timeout: 20_000 });
    const text = (await toast.innerText()).replace(/\s+/g, ' ');
    if (!text.includes('backendBrain.serverPath') || !text.includes('Open Settings')) {
      throw new Error(`the error does not say how to fix it: ${text}`);
    }
    log(`     ${text.slice(0, 160)}...`);
    await shot('missing-binary');
  });

  log(`all VS Code checks passed in ${secs(started)}`);
  clearTimeout(watchdog);
  await browser.close();
  process.exit(0);
})().catch(async (e) => {
  log(`FAIL: ${e && e.stack ? e.stack : e}`);
  await shot('failure').catch(() => undefined);
  process.exit(1);
});
