// The web UI against a real gateway, real Go pods and real Chromium: log in,
// capture a CPU profile of one pod through the capture dialog, and check that
// Top, Flame graph, Graph, Peek and Source lines show what src/analysis
// computes on the same downloaded profile; that a focus filter changes the
// numbers as the core says; that a diff of two captures renders; and that a
// workload capture over three pods shows its per-pod breakdown.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { callGraph } from '../../src/analysis/callgraph.ts';
import { diffProfiles } from '../../src/analysis/diff.ts';
import { percentage } from '../../src/analysis/format.ts';
import type { ProfileModel } from '../../src/analysis/model.ts';
import { peek } from '../../src/analysis/peek.ts';
import { prepare, type ViewOptions } from '../../src/analysis/prepare.ts';
import { exactNameRegex } from '../../src/analysis/regex.ts';
import { sourceLines } from '../../src/analysis/lines.ts';
import { top } from '../../src/analysis/top.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import { ensureUiBuilt, launch, login, rows, screenshot, type Session } from '../kit/browser/browser.ts';
import { useHarness } from '../kit/product/gateway.ts';

const harness = useHarness({ pods: 3, appArgs: ['-cpu-workers', '2'] });
let s: Session;
let page: Page;
let first = '';
let model: ProfileModel;

before(async () => {
  ensureUiBuilt();
  s = await launch();
  page = s.page;
});
after(async () => {
  await s?.close();
});

async function download(id: string): Promise<ProfileModel> {
  const r = await page.request.get(`${harness().url}/api/v1/captures/${id}/profile.pb.gz`);
  assert.equal(r.status(), 200);
  return fromPprof(await decodeProfile(new Uint8Array(await r.body()), nodeGunzip()));
}

const captureId = (): string => /\/captures\/([^/?]+)/.exec(page.url())?.[1] ?? '';

async function topRows(): Promise<{ name: string; flat: string; cum: string }[]> {
  return (await rows(page, '#top-table tbody tr[data-name]')).map((r) => ({ name: r.key, flat: r.cells[0] ?? '', cum: r.cells[3] ?? '' }));
}

/** Until the new view's answer from the analysis worker is shown (the previous page's table stays meanwhile), at most 30 s. */
async function viewShowing(firstRow: string): Promise<void> {
  await page.waitForSelector('#top-table');
  await page
    .waitForFunction(
      `document.querySelector('#top-table tbody tr[data-name]')?.getAttribute('data-name') === ${JSON.stringify(firstRow)}`,
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => undefined);
}

function expectedTop(m: ProfileModel, o: ViewOptions = {}): { name: string; flat: string; cum: string }[] {
  return top(prepare(m, o)).rows.map((r) => ({ name: r.name, flat: r.flatText, cum: r.cumText }));
}

test('log in and capture a CPU profile of one pod through the capture dialog', async () => {
  await login(page, harness().url, harness().token);
  await page.waitForSelector('button[data-pod="web-0"]');
  assert.equal(await page.locator('button[data-pod]').count(), 3, 'the pod browser lists the three pods');
  await screenshot(page, 'pods');
  await page.click('button[data-pod="web-0"]');
  await page.fill('#cap-seconds', '2');
  await page.click('#cap-start');
  await page.waitForURL(/\/captures\/[a-z0-9]+-[a-f0-9]+/);
  await page.waitForSelector('#top-table', { timeout: 30_000 });
  first = captureId();
  model = await download(first);
  assert.ok(model.samples.length > 0, 'the pod burned CPU');
});

test('Top shows the rows the analysis core computes', async () => {
  const want = expectedTop(model);
  const got = await topRows();
  assert.ok(want.length > 0);
  assert.deepEqual(got.slice(0, 15), want.slice(0, 15));
  assert.equal(
    await page.getAttribute('#top-table', 'aria-rowcount'),
    String(want.length + 1),
    'the table has every row (the DOM only those in view)',
  );
  const legend = top(prepare(model)).legend.find((l) => l.startsWith('Showing'));
  assert.equal(await page.textContent('.legend summary'), legend);
  await screenshot(page, 'top');
});

test('Flame graph draws the flame tree and shows a frame when clicked', async () => {
  await page.click('a[data-view="flame"]');
  await page.waitForSelector('canvas[data-painted]');
  const tree = flameTree(prepare(model));
  const maxDepth = Math.max(...tree.nodes.map((n) => n.depth));
  assert.match((await page.textContent('.flame > p')) ?? '', new RegExp(`^${tree.nodes.length - 1} frames in ${maxDepth} levels`));
  // The root's heaviest child is drawn first on the second row.
  const child = tree.nodes[tree.nodes[0]!.children[0]!]!;
  await page.click('#flame-canvas', { position: { x: 5, y: 18 + 9 } });
  const panel = (await page.textContent('.flame-panel .selected-frame')) ?? '';
  assert.ok(panel.startsWith(child.name), `${panel} starts with ${child.name}`);
  assert.ok(panel.includes(`(${percentage(child.total, tree.total).trim()})`), panel);
  await page.keyboard.press('ArrowUp');
  assert.match((await page.textContent('.flame-panel .selected-frame')) ?? '', /^root .*\(100%\)/);
  await screenshot(page, 'flame');
  // Pivot: the callers of the heaviest child, as an inverted tree.
  await page.keyboard.press('ArrowDown');
  await page.click('[data-action="pivot-callers"]');
  await page.waitForURL(/pivot=.*callers=1/);
  await page.waitForSelector('canvas[data-painted]');
  const pivoted = flameTree(prepare(model), { pivot: exactNameRegex(child.name), callers: true });
  assert.match((await page.textContent('.flame > p')) ?? '', new RegExp(`^${pivoted.nodes.length - 1} frames`));
});

test('Graph lays out the pruned call graph in a worker as sanitized SVG', async () => {
  await page.goto(`${harness().url}/captures/${first}/graph`);
  await page.waitForSelector('#graph-svg[data-rendered]', { timeout: 30_000 });
  const g = callGraph(prepare(model));
  assert.equal(await page.locator('#graph-svg g.node').count(), g.nodes.length + 1, 'one node per call-graph node, plus the legend');
  assert.equal(await page.locator('#graph-svg g.edge').count(), g.edges.length);
  assert.equal(await page.locator('#graph-svg a').count(), 0);
  await screenshot(page, 'graph');
});

test('Peek lists the callers and callees of the heaviest function', async () => {
  const p = prepare(model);
  const heaviest = top(p).rows[0]!.name;
  await page.goto(`${harness().url}/captures/${first}/peek?q=${encodeURIComponent(exactNameRegex(heaviest))}`);
  await page.waitForSelector('#peek-table');
  const want = peek(p, exactNameRegex(heaviest)).entries[0]!;
  assert.equal(await page.locator('#peek-table tr.caller').count(), want.callers.length);
  assert.equal(await page.locator('#peek-table tr.callee').count(), want.callees.length);
  assert.equal(await page.textContent('#peek-table tr.peeked td.fn'), heaviest);
  await screenshot(page, 'peek');
});

test('Source lines lists flat and cum per file:line', async () => {
  // Opened without the peek's ?q=, which the source view keeps as its file search.
  await page.goto(`${harness().url}/captures/${first}/source`);
  await page.waitForSelector('#source-list');
  const want = sourceLines(prepare(model));
  assert.equal(await page.textContent('#source-list .source-file summary code'), want[0]!.file);
  assert.equal(await page.locator('#source-list .source-file').first().locator('tbody tr').count(), want[0]!.lines.length);
  await screenshot(page, 'source');
});

test('a focus filter from the refine menu changes the numbers as the core says', async () => {
  await page.click('a[data-view="top"]');
  await page.waitForSelector('#top-table');
  await page.fill('#q', 'burnSHA256');
  await page.click('[data-refine="f"]');
  await page.waitForURL(/[?&]f=burnSHA256/);
  const want = expectedTop(model, { f: 'burnSHA256' });
  assert.notDeepEqual(want, expectedTop(model));
  await viewShowing(want[0]!.name);
  assert.deepEqual((await topRows()).slice(0, 15), want.slice(0, 15));
  // The URL carries pprof's parameter: reloading reproduces the view.
  await page.reload();
  await viewShowing(want[0]!.name);
  assert.deepEqual((await topRows()).slice(0, 15), want.slice(0, 15));
});

test('a diff of two captures shows source minus base, and the flame graph colours it', async () => {
  const r = await page.request.post(`${harness().url}/api/v1/captures`, {
    headers: { 'x-podprof-request': '1' },
    data: { namespace: 'team-a', pod: 'web-1', type: 'profile', seconds: 2 },
  });
  assert.equal(r.status(), 201);
  const second = ((await r.json()) as { id: string }).id;
  const base = await download(second);
  await page.goto(`${harness().url}/captures/${first}/top?base=${second}`);
  await page.waitForSelector('#top-table');
  const want = expectedTop(diffProfiles(model, base));
  assert.deepEqual((await topRows()).slice(0, 15), want.slice(0, 15));
  await screenshot(page, 'diff-top');
  await page.click('a[data-view="flame"]');
  await page.waitForSelector('canvas[data-painted]');
  assert.match((await page.textContent('.flame > p')) ?? '', /red grew, green shrank/);
  await screenshot(page, 'diff-flame');
});

test('a workload capture over three pods shows the per-pod breakdown and tag-focuses on a pod', async () => {
  await page.goto(`${harness().url}/pods`);
  await page.click('button[data-workload="deployment/web"]');
  await page.fill('#cap-seconds', '2');
  await page.click('#cap-start');
  await page.waitForURL(/\/captures\/[a-z0-9]+-[a-f0-9]+/);
  await page.waitForSelector('#top-table', { timeout: 30_000 });
  const merged = await download(captureId());
  await page.click('a[data-view="pods"]');
  await page.waitForSelector('#pods-table');
  const p = prepare(merged);
  const totals = new Map<string, number>();
  for (const smp of merged.samples)
    for (const pod of smp.labels.get('pod') ?? []) totals.set(pod, (totals.get(pod) ?? 0) + smp.values[p.valueIndex]!);
  const want = [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([pod, v]) => ({ pod, pct: percentage(v, p.total) }));
  assert.equal(want.length, 3, 'every pod contributed samples');
  const got = (await rows(page, '#pods-table tbody tr', 'data-pod')).map((r) => ({ pod: r.key, pct: r.cells[2] ?? '' }));
  assert.deepEqual(got, want);
  await screenshot(page, 'pods-breakdown');
  await page.click(`#pods-table tr[data-pod="${want[0]!.pod}"] button`);
  await page.waitForURL(/tagfocus=pod/);
  // The table is there before the worker's answer fills it: wait for its rows.
  await page.waitForSelector('#top-table tbody tr[data-name]');
  assert.deepEqual((await topRows()).slice(0, 10), expectedTop(merged, { tagfocus: `pod=${exactNameRegex(want[0]!.pod)}` }).slice(0, 10));
});

test('nothing went wrong in the page', () => {
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(s.pageErrors, []);
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
