// A 10 MB profile takes seconds to load: the page says what the analysis
// worker is doing (the bytes downloaded of the total, then decoding and
// analysing) and offers Cancel. Cancel while the worker decodes stops the
// worker and returns to the capture list, with no error left behind, and the
// capture opens again afterwards; Cancel while the profile is still
// downloading aborts the download itself (the request fails as aborted) and
// keeps the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until, type Session } from '../kit/browser/browser.ts';
import type { Harness } from '../kit/product/gateway.ts';
import { openSeeded } from '../kit/browser/seeded-capture.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

let h: Harness | undefined;
let s: Session | undefined;
let id = '';
const bytes = syntheticProfile();

/** Records every text the loading box shows (installed before the page's scripts; the page's CSP does not apply). */
const RECORD_PROGRESS = `(() => {
  const seen = [];
  window.__progress = seen;
  new MutationObserver(() => {
    const box = document.getElementById('profile-loading');
    const text = box?.firstElementChild?.textContent;
    if (text && seen[seen.length - 1] !== text) seen.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
})()`;

before(async () => {
  ({ h, s, id } = await openSeeded(bytes));
  await s.context.addInitScript(RECORD_PROGRESS);
  s.consoleErrors.length = 0; // the 401 of the whoami before logging in
});
after(async () => {
  await s?.close();
  await h?.close();
});

test('the bytes downloaded of the total, then decoding, show while a 10 MB profile loads; Cancel returns to the capture list', async () => {
  const page = s!.page;
  await page.goto(`${h!.url}/captures/${id}/flame`);
  await until(page, `['decode', 'analyse'].includes(document.getElementById('profile-loading')?.dataset.stage)`, 120_000);
  const seen = await page.evaluate<string[]>('window.__progress');
  const total = `${(bytes.length / 1024 / 1024).toFixed(1)} MiB`;
  assert.ok(
    seen.some((t) => new RegExp(`^Downloading the profile… [\\d.]+ (B|KiB|MiB) of ${total}$`).test(t)),
    `a download line with the total (${total}): ${JSON.stringify(seen)}`,
  );
  assert.ok(
    seen.some((t) => /^(Decoding|Analysing) the profile…$/.test(t)),
    `a decode or analysis line: ${JSON.stringify(seen)}`,
  );
  assert.ok(
    seen.findIndex((t) => t.startsWith('Downloading')) < seen.findIndex((t) => !t.startsWith('Downloading') && !t.startsWith('Loading')),
    `the download comes before the decode: ${JSON.stringify(seen)}`,
  );
  await page.click('#profile-loading button.cancel-load');
  await page.waitForURL(/\/captures$/);
  await page.waitForSelector(`table.captures a[href^="/captures/${id}"]`);
  assert.equal(await page.locator('#profile-loading').count(), 0, 'the loading box is gone');
  assert.equal(await page.locator('.notice.error').count(), 0, 'no error notice');
  // The page still works: the capture opens (a new worker decodes it) and its flame graph is drawn.
  await page.click(`table.captures a[href^="/captures/${id}"]`);
  await page.waitForSelector('#profile-loading');
  await page.waitForSelector('#view-top #top-table tbody tr[data-name]', { timeout: 120_000 });
  assert.deepEqual(s!.pageErrors, []);
  assert.deepEqual(s!.consoleErrors, []);
  assert.deepEqual(s!.dialogs, []);
});

test('Cancel while the profile downloads aborts the download and keeps the worker', async () => {
  const page = s!.page;
  // Hold the profile's response until Cancel (the worker's fetch goes through the page's routes).
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  let asked = 0;
  await page.route(`**/api/v1/captures/${id}/profile.pb.gz`, async (route) => {
    asked++;
    await held;
    await route.continue().catch(() => undefined);
  });
  const failed: string[] = [];
  page.on('requestfailed', (r) => {
    if (r.url().endsWith('/profile.pb.gz')) failed.push(r.failure()?.errorText ?? '?');
  });
  await page.goto(`${h!.url}/captures/${id}/top`);
  await until(page, `document.getElementById('profile-loading')`);
  for (let i = 0; i < 100 && asked === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(asked, 1, 'the worker asked for the profile');
  assert.equal(await page.getAttribute('#profile-loading', 'data-stage'), null, 'no byte has come yet');
  await page.click('#profile-loading button.cancel-load');
  await page.waitForURL(/\/captures$/);
  release();
  for (let i = 0; i < 100 && failed.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(failed, ['net::ERR_ABORTED'], 'the download was aborted');
  const analysis = (): boolean => page.workers().some((w) => /analysis-worker/.test(w.url()));
  assert.ok(analysis(), 'the analysis worker was kept');
  await page.unroute(`**/api/v1/captures/${id}/profile.pb.gz`);
  assert.equal(await page.locator('.notice.error').count(), 0);
  assert.deepEqual(s!.pageErrors, []);
  assert.deepEqual(s!.dialogs, []);
});
