// The capture dialog offers what the pods allow, and the pod list follows the cluster while it is open:
// opened from one pod of a three-pod Deployment, the dialog counts three pods; its seconds stop at the
// pod's podprof.io/max-seconds and its hint follows the seconds typed; types the pods leave out are
// greyed; out-of-range seconds are refused in the dialog, before any request. A pod that disappears
// from discovery while the list is open is marked gone (its Capture disabled) without a reload.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureUiBuilt, launch, login, screenshot, type Session, until } from '../kit/browser/browser.ts';
import { useHarness } from '../kit/product/gateway.ts';

// web-1 allows only heap and profile; every pod's max-seconds is 20 (written into the targets below).
const harness = useHarness({ pods: 3, profiles: (i) => (i === 1 ? ['heap', 'profile'] : undefined) });
let s: Session;
const requests: string[] = [];

before(async () => {
  ensureUiBuilt();
  s = await launch();
  s.page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/v1/captures')) requests.push(r.url());
  });
});
after(async () => {
  await s?.close();
});

const hint = async (): Promise<string> => (await s.page.textContent('#cap-hint')) ?? '';

test("the dialog from one pod counts the workload's pods and stops at the pod's max-seconds", async () => {
  const page = s.page;
  const file = join(harness().dir, 'targets.json');
  const targets = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
  writeFileSync(file, JSON.stringify(targets.map((t) => ({ ...t, maxSeconds: 20 }))));
  await login(page, harness().url, harness().token);
  // The gateway reloads the targets file within a second or two; then the list is opened afresh.
  for (let i = 0; ; i++) {
    const r = await page.request.get(`${harness().url}/api/v1/pods`);
    const body = (await r.json()) as { items: { maxSeconds: number }[] };
    if (body.items.length === 3 && body.items.every((p) => p.maxSeconds === 20)) break;
    assert.ok(i < 100, 'the gateway reloads its targets');
    await new Promise((res) => setTimeout(res, 100));
  }
  await page.goto(`${harness().url}/pods`);
  await page.waitForSelector('button[data-pod="web-0"]');
  await page.click('button[data-pod="web-0"]');
  await page.waitForSelector('dialog[open]');
  assert.match((await page.textContent('label:has(#scope-workload)')) ?? '', /whole deployment\/web \(3 pods,/);
  assert.equal(await page.getAttribute('#cap-seconds', 'max'), '20');
  assert.match(await hint(), /^Records for 10 s \(the pod allows up to 20 s\)/);
  await page.fill('#cap-seconds', '15');
  assert.match(await hint(), /^Records for 15 s/, 'the hint follows the seconds typed');
  await page.fill('#cap-seconds', '3600');
  await page.click('#cap-start');
  await page.waitForSelector('dialog[open] .notice');
  assert.match((await page.textContent('dialog[open] .notice')) ?? '', /Between 1 and 20/);
  assert.deepEqual(requests, [], 'nothing was sent');
  await screenshot(page, 'capture-dialog-limits');
  await page.click('dialog[open] button[value="cancel"]');
});

test('types a pod leaves out are greyed, for the pod and for the workload it belongs to', async () => {
  const page = s.page;
  await page.click('button[data-pod="web-1"]');
  await page.waitForSelector('dialog[open]');
  const disabled = (): Promise<string[]> =>
    page.evaluate<string[]>(`[...document.querySelectorAll('#cap-type option')].filter((o) => o.disabled).map((o) => o.value)`);
  assert.deepEqual(await disabled(), ['allocs', 'goroutine', 'goroutine-dump', 'block', 'mutex', 'threadcreate', 'trace']);
  await page.click('#scope-workload');
  assert.deepEqual(
    await disabled(),
    ['allocs', 'goroutine', 'goroutine-dump', 'block', 'mutex', 'threadcreate', 'trace'],
    'the workload: what every pod allows',
  );
  await page.click('dialog[open] button[value="cancel"]');
  await page.click('button[data-pod="web-0"]');
  await page.waitForSelector('dialog[open]');
  assert.deepEqual(await disabled(), [], 'web-0 alone allows every type');
  await page.click('dialog[open] button[value="cancel"]');
});

test('a pod that leaves the cluster is marked gone in the open list, its Capture disabled', async () => {
  const page = s.page;
  const file = join(harness().dir, 'targets.json');
  const targets = JSON.parse(readFileSync(file, 'utf8')) as { name: string }[];
  writeFileSync(file, JSON.stringify(targets.filter((t) => t.name !== 'web-2')));
  await until(s.page, `document.querySelector('tr.gone[data-row="web-2"]')`, 20_000);
  assert.equal(await page.isDisabled('button[data-pod="web-2"]'), true);
  assert.equal(await page.isDisabled('button[data-pod="web-0"]'), false);
  await page.click('button[data-workload="deployment/web"]');
  await page.waitForSelector('dialog[open]');
  assert.match((await page.textContent('label:has(#scope-workload)')) ?? '', /\(2 pods,/, 'the gone pod is not counted');
  await screenshot(page, 'pods-gone');
  await page.click('dialog[open] button[value="cancel"]');
});

test('nothing went wrong in the page', () => {
  assert.deepEqual(s.pageErrors, []);
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
