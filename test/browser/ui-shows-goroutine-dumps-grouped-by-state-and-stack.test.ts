// Goroutines (dump) in Chromium on the real demo app: a goroutine dump taken
// from the capture dialog opens as groups of the same state and stack, the 50
// parked goroutines one group of 50 in `chan receive` at the top, the mutex
// contenders there; the search (a regex over states and functions, kept in the
// URL) narrows the groups and a group opens to its goroutine ids. A workload's
// dump merges its pods with per-pod counts. A dump whose function names and files
// carry markup renders them as text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CaptureMeta } from '../../src/api/types.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { ensureUiBuilt, launch, login, screenshot, type Session } from '../kit/browser/browser.ts';
import { startHostileApp } from '../kit/apps/hostile-app.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';

const HOSTILE_DUMP = `goroutine 7 [chan receive, 3 minutes]:
main.<img src=x onerror="window.__pwned=1">(0x1)
\t/src/<script>window.__pwned=2</script>.go:12 +0x1d
created by main.<b>bold</b> in goroutine 1
\t/src/javascript:alert(1).go:3 +0x2

goroutine 8 [select]:
main.<img src=x onerror="window.__pwned=1">(0x1)
\t/src/<script>window.__pwned=2</script>.go:12 +0x1d
`;

// A sidecar answers debug=2 at most once every 30 s: the one-pod dumps and the workload's ask different pods.
let solo: Harness; // solo-0: the demo app; solo-1: an app whose dump carries markup
let web: Harness; // deployment/web: two demo apps
let s: Session;

before(async () => {
  ensureUiBuilt();
  [solo, web] = await Promise.all([
    startHarness({
      pods: 2,
      prefix: 'solo',
      app: (i) => (i === 0 ? startGoTarget({ args: ['-cpu-workers', '1'] }) : startHostileApp(HOSTILE_DUMP, 'text/plain; charset=utf-8')),
    }),
    startHarness({ pods: 2 }),
  ]);
  s = await launch();
});
after(async () => {
  await s?.close();
  await Promise.all([solo?.close(), web?.close()]);
});

async function until(expr: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await s.page.evaluate<boolean>(`Boolean(${expr})`))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface GroupRow {
  count: number;
  state: string;
  top: string;
  pods: string;
}

function groups(): Promise<GroupRow[]> {
  return s.page.evaluate<GroupRow[]>(`[...document.querySelectorAll('#dump-groups .dump-group')].map((e) => ({
    count: Number(e.getAttribute('data-count')),
    state: e.getAttribute('data-state') ?? '',
    top: e.querySelector('.dump-top')?.textContent ?? '',
    pods: e.querySelector('.dump-pods')?.textContent ?? '',
  }))`);
}

function stackOf(i: number): Promise<string[]> {
  return s.page.evaluate<string[]>(
    `[...document.querySelectorAll('#dump-groups .dump-group:nth-of-type(${i + 1}) .dump-stack li')].map((e) => e.textContent ?? '')`,
  );
}

async function capture(h: Harness, body: Record<string, unknown>): Promise<CaptureMeta> {
  const r = await s.page.request.post(`${h.url}/api/v1/captures`, {
    data: { namespace: 'team-a', type: 'goroutine', debug: 2, ...body },
    headers: { 'x-podprof-request': '1' },
  });
  assert.equal(r.status(), 201, await r.text());
  return (await r.json()) as CaptureMeta;
}

test('a dump from the capture dialog shows the 50 parked goroutines as one group of 50 in chan receive, and the search narrows', async () => {
  const page = s.page;
  await login(page, solo.url, solo.token);
  await page.goto(`${solo.url}/pods`);
  await page.click('button[data-pod="solo-0"]');
  await page.waitForSelector('dialog[open]');
  await page.selectOption('#cap-type', 'goroutine-dump');
  assert.equal(await page.isDisabled('#cap-seconds'), true, 'a dump takes no seconds');
  assert.match((await page.textContent('#cap-hint')) ?? '', /state, wait and stack/);
  await page.click('#cap-start');
  await page.waitForURL(/\/captures\/[^/]+$/);
  await page.waitForSelector('#dump-groups .dump-group', { timeout: 60_000 });
  assert.match((await page.textContent('h1')) ?? '', /^goroutine dump · /);

  const all = await groups();
  assert.deepEqual([all[0]!.count, all[0]!.state, all[0]!.top], [50, 'chan receive', 'main.parkedWaiter']);
  assert.ok(
    all.some((g) => g.top === 'main.mutexContender'),
    'a group shows its first frame outside the standard library',
  );
  assert.ok(
    (await stackOf(0)).some((l) => /^created by main\.startWorkload .*workload\.go:\d+$/.test(l)),
    String(await stackOf(0)),
  );
  await page.selectOption('#dump-sort', 'wait');
  await until(`new URLSearchParams(location.search).get('sort') === 'wait'`);
  await page.selectOption('#dump-sort', 'count');
  await screenshot(page, 'goroutine-dump');

  await page.fill('#dump-search', 'mutexContender');
  await until(`new URLSearchParams(location.search).get('q') === 'mutexContender'`);
  const narrowed = await groups();
  assert.ok(narrowed.length >= 1 && narrowed.length < all.length, `${narrowed.length} of ${all.length}`);
  assert.equal(
    narrowed.reduce((n, g) => n + g.count, 0),
    4,
    'the 4 mutex contenders, in whatever state each was',
  );
  for (let i = 0; i < narrowed.length; i++) assert.ok((await stackOf(i)).some((l) => l.startsWith('main.mutexContender ')));
  await page.fill('#dump-search', '^chan receive$');
  await until(`document.querySelectorAll('#dump-groups .dump-group').length === ${all.filter((g) => g.state === 'chan receive').length}`);
  await page.fill('#dump-search', '(unclosed');
  await until(`document.querySelector('#dump-groups .notice.error') !== null`);
  await page.fill('#dump-search', 'parkedWaiter');
  await until(`document.querySelectorAll('#dump-groups .dump-group').length === 1`);
  await page.click('#dump-groups .dump-group summary');
  const ids = (await page.textContent('#dump-groups .dump-group .dump-ids')) ?? '';
  assert.equal([...ids.matchAll(/#\d+/g)].length, 50, ids);

  await page.reload();
  await page.waitForSelector('#dump-groups .dump-group');
  assert.equal(await page.inputValue('#dump-search'), 'parkedWaiter', 'the search is in the URL');
  assert.equal((await groups()).length, 1);
});

test("a workload's dump merges its pods: one group of 100 parked goroutines, 50 per pod", async () => {
  const page = s.page;
  await login(page, web.url, web.token);
  const meta = await capture(web, { workload: 'deployment/web' });
  assert.equal(meta.status, 'done', JSON.stringify(meta));
  await page.goto(`${web.url}/captures/${meta.id}`);
  await page.waitForSelector('#dump-groups .dump-group');
  const [top] = await groups();
  assert.deepEqual([top!.count, top!.state, top!.top, top!.pods], [100, 'chan receive', 'main.parkedWaiter', 'web-0 50 · web-1 50']);
  assert.match((await page.textContent('.dump-head')) ?? '', /over 2 pods: web-0 \d+ · web-1 \d+/);
  assert.equal(await page.locator('#download a').count(), 2, "each pod's dump to download");
  await page.click('#dump-groups .dump-group summary');
  await screenshot(page, 'goroutine-dump-workload');
});

test('function names and files with markup render as text', async () => {
  const page = s.page;
  await login(page, solo.url, solo.token);
  const meta = await capture(solo, { pod: 'solo-1' });
  assert.equal(meta.status, 'done', JSON.stringify(meta));
  await page.goto(`${solo.url}/captures/${meta.id}`);
  await page.waitForSelector('#dump-groups .dump-group');
  await page.click('#dump-groups .dump-group summary');
  const g = await groups();
  assert.deepEqual(
    g.map((x) => [x.count, x.state, x.top]),
    [
      [1, 'chan receive', 'main.<img src=x onerror="window.__pwned=1">'],
      [1, 'select', 'main.<img src=x onerror="window.__pwned=1">'],
    ],
  );
  const stack = await stackOf(0);
  assert.ok(stack.includes('main.<img src=x onerror="window.__pwned=1"> /src/<script>window.__pwned=2</script>.go:12'), String(stack));
  assert.ok(stack.includes('created by main.<b>bold</b> /src/javascript:alert(1).go:3'), String(stack));
  assert.equal(await page.locator('#dump-groups img, #dump-groups script, #dump-groups b').count(), 0);
  assert.equal(await page.evaluate('window.__pwned === undefined'), true);
  assert.deepEqual(s.pageErrors, []);
});
