// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core for the
// UI tests and the UI bench, plus the UI build they need and helpers that
// log in and collect what must never happen (dialogs, page errors, CSP reports).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PODPROF_CHROMIUM ?? '/usr/bin/chromium';
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');

/** Builds gateway/ui/dist unless it is there (npm test builds it first). */
export function ensureUiBuilt(): void {
  if (existsSync(join(ROOT, 'gateway/ui/dist/index.html')) && !process.env.PODPROF_REBUILD_UI) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export interface Session {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Dialogs (alert/confirm/prompt) opened by anything but the test itself. */
  readonly dialogs: string[];
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
  close(): Promise<void>;
}

/** How Chromium fails a request when the machine's network interfaces changed under it (a test node elsewhere in the run). */
const NETWORK_CHANGED = 'net::ERR_NETWORK_CHANGED';

export async function launch(o: { colorScheme?: 'light' | 'dark' } = {}): Promise<Session> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: o.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  retryNavigationOnNetworkChange(page);
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // ERR_NETWORK_CHANGED: a test node elsewhere in the run added a network interface; not the page's doing.
    if (m.type() === 'error' && !m.text().includes(NETWORK_CHANGED)) consoleErrors.push(m.text());
  });
  return { browser, context, page, dialogs, pageErrors, consoleErrors, close: () => browser.close() };
}

/**
 * A navigation Chromium aborts with ERR_NETWORK_CHANGED is sent again (at most twice): a test node elsewhere in the
 * run added or removed a network interface, and Chromium then drops its requests in flight, loopback ones too. Seen
 * once in a CI run, on the OIDC sign-in test's first page. Navigations here are GETs, so sending one again is safe.
 */
export function retryNavigationOnNetworkChange(page: Page): void {
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await goto(url, options);
      } catch (err) {
        if (attempt >= 2 || !(err as Error).message.includes(NETWORK_CHANGED)) throw err;
      }
    }
  };
}

/** Logs in through the login form with a bearer token. */
export async function login(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.waitForURL(/\/login/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('.topbar .who');
}

/**
 * Polls an expression in the page until it is truthy, at most `timeoutMs`: the UI's CSP refuses the eval
 * behind page.waitForFunction's strings, and page.evaluate goes through the debugger protocol instead.
 */
export async function until(page: Page, expr: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface TableRow {
  /** The row's data-* attribute named in `rows()`, '' if absent. */
  readonly key: string;
  readonly cells: readonly string[];
}

/** Text of each row's cells (evaluated in the page from a string: the test code has no DOM types). */
export async function rows(page: Page, selector: string, keyAttribute = 'data-name'): Promise<TableRow[]> {
  const expr = `[...document.querySelectorAll(${JSON.stringify(selector)})].map((r) => ({ key: r.getAttribute(${JSON.stringify(keyAttribute)}) ?? '', cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? '') }))`;
  return page.evaluate<TableRow[]>(expr);
}
