// A busy profiler, as a user meets it: web-0's CPU profiler is held by a 4 s capture when the user
// starts another through the capture dialog. The failed capture's page says why once, counts down to
// when the profiler frees up (the sidecar's Retry-After, carried by the gateway as retryAt), and offers
// Retry only then; Retry starts the same capture, which succeeds. The failed capture offers no
// one-time link and is dismissed from its page, leaving the capture list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureUiBuilt, launch, login, screenshot, type Session } from '../kit/browser/browser.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { useHarness } from '../kit/product/gateway.ts';

const harness = useHarness({ pods: 1 });
let s: Session;
let failed = '';

before(async () => {
  ensureUiBuilt();
  s = await launch();
});
after(async () => {
  await s?.close();
});

async function until(expr: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await s.page.evaluate<boolean>(`Boolean(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const captureId = (): string => /\/captures\/([^/?]+)/.exec(s.page.url())?.[1] ?? '';

test('a capture refused as busy says why once and counts down to a Retry that starts it again', async () => {
  const page = s.page;
  const h = harness();
  await login(page, h.url, h.token);
  const hold = await httpsRequest(`${h.url}/api/v1/captures?async=true`, {
    method: 'POST',
    headers: { ...bearer(h.token), 'content-type': 'application/json', 'x-podprof-request': '1' },
    body: JSON.stringify({ namespace: 'team-a', pod: 'web-0', type: 'profile', seconds: 4 }),
  });
  assert.equal(hold.status, 202, hold.text);
  await page.goto(`${h.url}/pods`);
  await page.click('button[data-pod="web-0"]');
  await page.fill('#cap-seconds', '1');
  await page.click('#cap-start');
  await page.waitForURL(/\/captures\/[a-z0-9]+-[a-f0-9]+/);
  failed = captureId();
  await page.waitForSelector('#capture-failure', { timeout: 30_000 });
  const text = (await page.textContent('main')) ?? '';
  assert.equal(text.split('PODPROF_PROFILER_BUSY').length - 1, 1, 'the reason is said once');
  assert.match((await page.textContent('#busy-countdown')) ?? '', /^It frees up in [1-6] s\.$/);
  assert.equal(await page.isDisabled('#busy-retry'), true, 'no Retry while the profiler is held');
  assert.equal(await page.locator('#make-link').count(), 0, 'a failed capture has nothing to link to');
  await screenshot(page, 'busy-countdown');
  await until(
    `document.querySelector('#busy-countdown')?.textContent === 'It is free now.' && !document.querySelector('#busy-retry').disabled`,
    15_000,
  );
  await page.click('#busy-retry');
  await page.waitForURL((u) => /\/captures\/[a-z0-9]+-[a-f0-9]+/.test(u.pathname) && !u.pathname.includes(failed));
  const retried = captureId();
  assert.notEqual(retried, failed);
  await page.waitForSelector('#top-table', { timeout: 30_000 });
  const meta = JSON.parse((await httpsRequest(`${h.url}/api/v1/captures/${retried}`, { headers: bearer(h.token) })).text) as {
    status: string;
    target: { pod?: string };
    seconds?: number;
    type: string;
  };
  assert.deepEqual([meta.status, meta.target.pod, meta.type, meta.seconds], ['done', 'web-0', 'profile', 1], 'the same capture, done');
});

test('a failed capture is dismissed from its page and leaves the list', async () => {
  const page = s.page;
  await page.goto(`${harness().url}/captures/${failed}`);
  await page.click('#dismiss-capture');
  await page.waitForURL(/\/captures$/);
  await page.waitForSelector('table.captures');
  assert.equal(await page.locator(`tr[data-capture="${failed}"]`).count(), 0);
  assert.ok((await page.locator('tr[data-capture]').count()) >= 1, 'the others stay');
});

test('nothing went wrong in the page', () => {
  assert.deepEqual(s.pageErrors, []);
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
