/**
 * The browser playground, in a real browser: the built site (vite build) served by a plain static
 * server on a loopback port, driven by playwright-core in the machine's Debian chromium. Each
 * scenario saves screenshots to test-artifacts/playground/.
 *
 * Scenarios: an error typed shows its marker and message; a completion for an order field;
 * a quick fix; format; a simulation of the example shop with a customer's timeline; a shared URL
 * (and local storage). Also: the compiler's bundle for the browser has no Node-only module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import LZString from 'lz-string';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactsDir, buildSite, launchChromium, nodeOnlyModules, REPO, serveStatic, type BuildReport, type StaticServer } from './harness.js';

let report: BuildReport;
let server: StaticServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const SHOTS = artifactsDir();

beforeAll(async () => {
  // Launch first: without a browser there is nothing to test, and the message says why.
  browser = await launchChromium();
  report = await buildSite(join(REPO, 'dist', 'playground-test'));
  server = await serveStatic(report.outDir);
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.close();
});

interface Marker {
  code: string;
  message: string;
  severity: number;
  startLineNumber: number;
  startColumn: number;
}

/** A fresh page (its own local storage) on the playground, ready to type. */
async function open(hash = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + hash);
  await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
  await waitChecked(page);
  expect(errors).toEqual([]);
  return page;
}

async function waitChecked(page: Page): Promise<void> {
  await page.waitForFunction('document.getElementById("status").textContent.includes("checked in")', null, { timeout: 20_000 });
}

/** Runs `body` in the page with `p` = the playground's test hook. */
function inPage<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(`(async () => { const p = window.__playground; ${body} })()`) as Promise<T>;
}

function markers(page: Page, path: string): Promise<Marker[]> {
  return inPage(page, `const m = p.editor.model(${JSON.stringify(path)}); return p.monaco.editor.getModelMarkers({ owner: 'runnel', resource: m.uri }).map((x) => ({ code: String(x.code), message: x.message, severity: x.severity, startLineNumber: x.startLineNumber, startColumn: x.startColumn }));`);
}

async function waitMarkers(page: Page, path: string, test: (ms: Marker[]) => boolean, what: string): Promise<Marker[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ms = await markers(page, path);
    if (test(ms)) return ms;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; markers: ${JSON.stringify(ms)}`);
    await page.waitForTimeout(50);
  }
}

function text(page: Page, path: string): Promise<string> {
  return inPage(page, `return p.editor.model(${JSON.stringify(path)}).getValue();`);
}

/** Puts the cursor just after the first match of `find` (plus `shift` characters) in `path`. */
async function cursorAfter(page: Page, path: string, find: string, shift = 0): Promise<void> {
  await page.locator(`#tabs button[data-path="${path}"]`).click();
  await inPage(
    page,
    `const m = p.editor.model(${JSON.stringify(path)}); const i = m.getValue().indexOf(${JSON.stringify(find)});
     if (i < 0) throw new Error('not found: ' + ${JSON.stringify(find)});
     const pos = m.getPositionAt(i + ${find.length + shift}); p.editor.editor.setPosition(pos); p.editor.editor.revealPositionInCenter(pos); p.editor.editor.focus();`,
  );
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

describe('playground in the browser', () => {
  it('builds a compiler bundle with no Node-only module', () => {
    expect(report.modules.worker.some((id) => id.endsWith('compiler/project.ts'))).toBe(true);
    expect(report.modules.worker.some((id) => id.endsWith('runtime/engine/simulate.ts'))).toBe(true);
    expect(nodeOnlyModules(report.modules.worker)).toEqual([]);
    expect(nodeOnlyModules(report.modules.main)).toEqual([]);
    // And the files themselves: no import of a Node built-in survived into the output.
    const assets = join(report.outDir, 'assets');
    for (const f of readdirSync(assets).filter((f) => f.endsWith('.js'))) {
      const js = readFileSync(join(assets, f), 'utf8');
      expect(js, f).not.toMatch(/from\s*["']node:|__vite-browser-external|require\(["'](fs|path|os|child_process)["']\)/);
    }
  }, 60_000);

  it('shows the marker and message of an error as it is typed, and applies the quick fix', async () => {
    const page = await open();
    const path = 'flows/abandoned_cart.flow';
    await cursorAfter(page, path, 'send email "cart-reminder', 0);
    expect(await markers(page, path)).toEqual([]);
    await page.keyboard.type('x');
    const ms = await waitMarkers(page, path, (ms) => ms.length > 0, 'a marker for the typo');
    expect(ms).toHaveLength(1);
    expect(ms[0]!.severity).toBe(8); // error
    expect(ms[0]!.code).toMatch(/^RN\d{4}$/);
    expect(ms[0]!.message).toContain('cart-reminderx');
    expect(ms[0]!.message).toMatch(/did you mean/i);
    // The problems list and the tab say it too.
    await expect.poll(() => page.textContent('#problems')).toContain('cart-reminderx');
    await expect.poll(() => page.textContent(`#tabs button[data-path="${path}"] .badge`)).toBe('1');
    // The marker's message in the editor, as F8 (go to the next problem) shows it.
    await page.keyboard.press('F8');
    await page.waitForSelector('.marker-widget', { timeout: 5000 });
    await expect.poll(() => page.textContent('.marker-widget')).toContain('cart-reminderx');
    await shot(page, '1-error-marker');

    // Quick fix: Ctrl+. (the light bulb's menu) offers "did you mean"; Enter applies it.
    await page.keyboard.press('Escape');
    await cursorAfter(page, path, 'cart-reminderx', -3);
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget:not(.action-list-submenu-panel)');
    await menu.waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => menu.textContent()).toContain('cart-reminder');
    await shot(page, '3-quick-fix-menu');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, path)).toContain('send email "cart-reminder"\n');
    expect(await text(page, path)).not.toContain('cart-reminderx');
    await waitMarkers(page, path, (ms) => ms.length === 0, 'the marker to go');
    await shot(page, '3-quick-fix-applied');
  }, 60_000);

  it('completes an order field, typed by the trigger and the manifest', async () => {
    const page = await open();
    const path = 'flows/vip/vip_big_order.flow';
    await cursorAfter(page, path, 'total: order.total,');
    await page.keyboard.press('Enter');
    await page.keyboard.type('currency: order.');
    const suggest = page.locator('.suggest-widget');
    await suggest.waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => suggest.textContent()).toContain('total');
    expect(await suggest.textContent()).toContain('items');
    await page.keyboard.type('cur');
    await expect.poll(() => page.locator('.suggest-widget .monaco-list-row.focused').textContent()).toContain('currency');
    await shot(page, '2-completion-order-field');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, path)).toContain('currency: order.currency');
    // The manifest's custom fields of orders, after `order.fields.`.
    await page.keyboard.type(',');
    await page.keyboard.press('Enter');
    await page.keyboard.type('wrap: order.fields.');
    await suggest.waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => suggest.textContent()).toContain('giftWrap');
    expect(await suggest.textContent()).toContain('salesChannel');
    await page.keyboard.type('gift');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, path)).toContain('wrap: order.fields.giftWrap');
    await waitMarkers(page, path, (ms) => ms.length === 0, 'no marker after completing');
    await shot(page, '2-completion-accepted');

    // Hover: the type and documentation of a field.
    await page.keyboard.press('Escape');
    const at = (await inPage(
      page,
      `const m = p.editor.model(${JSON.stringify(path)}); const e = p.editor.editor;
       const pos = m.getPositionAt(m.getValue().indexOf('order.total >= 500') + 'order.to'.length);
       e.revealPositionInCenter(pos); const v = e.getScrolledVisiblePosition(pos); const r = e.getDomNode().getBoundingClientRect();
       return { x: r.left + v.left, y: r.top + v.top + v.height / 2 };`,
    )) as { x: number; y: number };
    await page.mouse.move(at.x, at.y);
    const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: 'total' });
    await hover.first().waitFor({ state: 'visible', timeout: 8000 });
    expect(await hover.first().textContent()).toMatch(/number/);
    await shot(page, '2-hover-field');
  }, 60_000);

  it('formats a document with the project formatter', async () => {
    const page = await open();
    const path = 'flows/welcome.flow';
    const original = await text(page, path);
    // The same flow, badly laid out: indentation gone, braces pushed away, no spaces around `=`.
    const messy = original
      .split('\n')
      .map((l) => l.trim().replace(/ \{$/, '   {').replace(/ = /g, '='))
      .join('\n');
    await page.locator(`#tabs button[data-path="${path}"]`).click();
    await inPage(page, `p.editor.model(${JSON.stringify(path)}).setValue(${JSON.stringify(messy)});`);
    expect(await text(page, path)).not.toEqual(original);
    await shot(page, '4-format-before');
    await page.locator('#format').click();
    await expect.poll(() => text(page, path)).toEqual(original);
    await shot(page, '4-format-after');
  }, 60_000);

  it('simulates the example shop and shows a customer timeline, with counters on the graph', async () => {
    const page = await open();
    // The graph follows the cursor: the block under it is highlighted.
    await cursorAfter(page, 'flows/abandoned_cart.flow', 'send email "cart-last-call"');
    await expect.poll(() => page.locator('#graph g.runnel-node.current').getAttribute('data-block'), { timeout: 10_000 }).toBe('last_call');

    await page.locator('.side-tabs button[data-panel="simulate"]').click();
    await expect.poll(() => inPage<number>(page, 'return p.simulator.events.getModel().getLineCount();')).toBeGreaterThan(3);
    await expect.poll(() => page.textContent('#events-status')).toMatch(/^\d+ lines$/);
    await page.locator('#run').click();
    const ben = page.locator('.customer[data-customer="c2"]');
    await ben.waitFor({ timeout: 15_000 });
    const inst = ben.locator('.instance[data-flow="abandoned_cart"]');
    expect(await inst.getAttribute('data-status')).toBe('completed');
    expect(await inst.getAttribute('data-reason')).toBe('all_steps_done');
    expect(await inst.textContent()).toContain('Completed');
    const benText = await ben.textContent();
    expect(benText).toContain('template=cart-reminder');
    expect(benText).toContain('template=cart-last-call');
    // Clara's email is invalid and she has no web push: she does not enter, and the reason says so.
    const clara = await page.locator('.customer[data-customer="c3"]').textContent();
    expect(clara).toContain('did not enter');
    expect(clara).toContain('Did not meet the launch conditions');
    await ben.scrollIntoViewIfNeeded();
    await shot(page, '5-simulation-timeline');

    // The events editor checks each line against the event schema.
    await inPage(page, `const m = p.simulator.events.getModel(); m.applyEdits([{ range: m.getFullModelRange().collapseToEnd(), text: '{"id":"e-9","type":"NewOrder","customer":"c1"}\\n' }]);`);
    await expect.poll(() => page.textContent('#events-status')).toMatch(/1 not valid/);
    const schemaMarkers = await inPage<string[]>(page, `return p.monaco.editor.getModelMarkers({ owner: 'runnel-schema' }).map((m) => m.startLineNumber + ': ' + m.message);`);
    expect(schemaMarkers.length).toBeGreaterThan(0);
    expect(schemaMarkers.every((m) => m.startsWith('6: '))).toBe(true);
    await shot(page, '5-events-schema-marker');
    await inPage(page, `const m = p.simulator.events.getModel(); m.setValue(m.getValue().replace(/.*"e-9".*\\n/, ''));`);
    await expect.poll(() => page.textContent('#events-status')).toMatch(/^\d+ lines$/);

    // Back on the graph: how many customers reached each block.
    await page.locator('.side-tabs button[data-panel="graph"]').click();
    const counter = page.locator('#graph g.runnel-node[data-block="for_order"] g.runnel-counter');
    expect(await counter.getAttribute('data-count')).toBe('2');
    await shot(page, '5-simulation-counters');

    // The clock: an hour after Ben left, he is still waiting for an order.
    await page.locator('.side-tabs button[data-panel="simulate"]').click();
    await page.fill('#until', '2026-11-24T10:30');
    await page.locator('#until').dispatchEvent('change');
    await page.locator('#run').click();
    await expect.poll(() => ben.locator('.instance[data-flow="abandoned_cart"]').getAttribute('data-status')).toBe('in_progress');
    expect(await ben.locator('.instance[data-flow="abandoned_cart"]').getAttribute('data-reason')).toBe('waiting');

    // Generated data: a day of the shop.
    await page.fill('#gen-count', '20');
    await page.locator('#generate').click();
    await expect.poll(() => page.textContent('#sim-summary'), { timeout: 10_000 }).toContain('Generated');
    await page.locator('#run').click();
    await expect.poll(async () => page.locator('.customer').count(), { timeout: 20_000 }).toBeGreaterThan(5);
    await shot(page, '5-simulation-generated');
  }, 60_000);

  it('opens a shared URL, and keeps the project in local storage', async () => {
    const manifest = JSON.stringify({ name: 'shared', templates: { email: ['hello'] }, segments: ['fans'] }, null, 2) + '\n';
    const flow = 'flow hello {\n  on CustomerRegistered\n\n  steps greet {\n    send email "helo"\n    add to segment "fans"\n  }\n}\n';
    const state = { v: 1, name: 'shared', files: [{ path: 'runnel.json', text: manifest }, { path: 'hello.flow', text: flow }], active: 'hello.flow', events: '', customers: '', until: '' };
    const hash = `#p=${LZString.compressToEncodedURIComponent(JSON.stringify(state))}`;
    const page = await open(hash);
    expect(await page.locator('#tabs button[data-path]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-path')))).toEqual(['runnel.json', 'hello.flow']);
    expect(await text(page, 'hello.flow')).toBe(flow);
    const ms = await waitMarkers(page, 'hello.flow', (ms) => ms.length > 0, 'the shared flow\'s typo');
    expect(ms[0]!.message).toContain('helo');
    await shot(page, '6-shared-url');

    // An edit goes to local storage and to the URL: a reload without the hash keeps it.
    await cursorAfter(page, 'hello.flow', 'send email "hel');
    await page.keyboard.type('l');
    await waitMarkers(page, 'hello.flow', (ms) => ms.length === 0, 'the fixed typo');
    // Without errors the flow is drawn.
    await expect.poll(() => page.locator('#graph g.runnel-node[data-block="greet"]').count()).toBe(1);
    await expect.poll(() => page.evaluate('location.hash')).not.toBe(hash);
    const saved = await page.evaluate('location.hash');
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready]');
    await waitChecked(page);
    expect(await text(page, 'hello.flow')).toContain('send email "hello"');
    // And the new URL opens the edited project elsewhere.
    const other = await open(String(saved));
    expect(await text(other, 'hello.flow')).toContain('send email "hello"');
    await shot(other, '6-shared-url-after-edit');
  }, 60_000);
});
