// An execution trace of a Deployment in the web UI, against a real gateway,
// real Go pods (web-1 runs three CPU burners, web-0 one) and real Chromium:
// the capture dialog traces every pod in one window; the trace opens on its
// goroutine groups with the numbers the gateway's goroutines.json has, sorts
// them, and lists a group's goroutines; a blocking profile (the gateway's
// merged trace-sync.pb.gz) opens in the flame graph and the pod breakdown as
// the analysis core draws it; the timeline zooms and pans from the keyboard,
// the wheel and a drag, and a click on a span shows the stack src/trace's
// timeline has for that span (a function of demo/go-app) and the goroutine
// that unblocked it; pods side by side shows each pod's figures and marks
// the pod that runs more CPU burners.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { percentage } from '../../src/analysis/format.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import type { GoroutineGroup } from '../../src/trace/goroutine-groups.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { stackFrames } from '../../src/trace/stack-table.ts';
import { summarize } from '../../src/trace/summary.ts';
import { G_SPAN, timeline, type Timeline } from '../../src/trace/timeline.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { ARTIFACTS, ensureUiBuilt, launch, login, rows, screenshot, type Session, until } from '../kit/browser/browser.ts';
import { useHarness } from '../kit/product/gateway.ts';

const harness = useHarness({ pods: 2, app: (i) => startGoTarget({ args: ['-cpu-workers', i === 1 ? '3' : '1'] }) });
let s: Session;
let page: Page;
let id = '';
let groups: Record<string, GoroutineGroup[]> = {};

before(async () => {
  ensureUiBuilt();
  s = await launch();
  page = s.page;
});
after(async () => {
  await s?.close();
});

async function getBytes(path: string): Promise<Buffer> {
  const r = await page.request.get(`${harness().url}${path}`);
  assert.equal(r.status(), 200, path);
  return r.body();
}

/** A screenshot in test-artifacts/ui (docs/screenshots keeps copies of these). */
async function docShot(name: string, fullPage = false): Promise<void> {
  if (!fullPage) {
    await screenshot(page, name);
    return;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

const attr = (selector: string, name: string): Promise<string | null> => page.getAttribute(selector, name);

/** An attribute (or, with name undefined, the text) of every element a selector matches. */
function all(selector: string, name?: string): Promise<(string | null)[]> {
  const get = name === undefined ? 'e.textContent' : `e.getAttribute(${JSON.stringify(name)})`;
  return page.evaluate<(string | null)[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => ${get})`);
}

const SPAN = `Number(document.querySelector('#timeline-canvas').dataset.t1) - Number(document.querySelector('#timeline-canvas').dataset.t0)`;

test('the capture dialog traces every pod of the Deployment in one window and opens its goroutines', async () => {
  await login(page, harness().url, harness().token);
  await page.waitForSelector('button[data-workload="deployment/web"]');
  await page.click('button[data-workload="deployment/web"]');
  await page.selectOption('#cap-type', 'trace');
  assert.equal(await page.isDisabled('#scope-workload'), false, 'a workload can be traced');
  await page.fill('#cap-seconds', '2');
  await page.click('#cap-start');
  await page.waitForURL(/\/captures\/[a-z0-9]+-[a-f0-9]+/);
  await page.waitForSelector('#goroutine-groups', { timeout: 60_000 });
  id = /\/captures\/([^/?]+)/.exec(page.url())![1]!;
  const meta = JSON.parse((await getBytes(`/api/v1/captures/${id}`)).toString()) as CaptureMeta;
  assert.deepEqual(
    meta.pods.map((p) => [p.pod, p.status, p.file]),
    [
      ['web-0', 'ok', 'pods/web-0.trace.out'],
      ['web-1', 'ok', 'pods/web-1.trace.out'],
    ],
  );
  groups = (JSON.parse((await getBytes(`/api/v1/captures/${id}/derived/goroutines.json`)).toString()) as { pods: typeof groups }).pods;
  assert.ok(!(await page.textContent('main'))?.includes('Traces are read with go tool trace'));
  // A workload's trace is one file per pod: a download each, and no single one-time link (a stored
  // single-pod trace's link, for curl and go tool trace, is checked in ui-analyses-any-stored-trace).
  assert.equal(await page.locator('#make-link').count(), 0);
  assert.equal(await page.locator('.pod-downloads a').count(), 2, 'a download per pod');
});

test("the goroutine groups are web-0's groups of goroutines.json, number for number", async () => {
  const want = groups['web-0']!;
  assert.ok(want.some((g) => g.name === 'main.cpuBurner'));
  const got = await page.evaluate<{ name: string; count: number; ns: number[]; heads: string[] }[]>(`
    [...document.querySelectorAll('#goroutine-groups tbody tr')].map((tr) => ({
      name: tr.dataset.name,
      count: Number(tr.querySelector('[data-count]').dataset.count),
      ns: [...tr.querySelectorAll('[data-ns]')].map((td) => Number(td.dataset.ns)),
      heads: [...document.querySelectorAll('#goroutine-groups thead th[data-sort]')].map((th) => th.dataset.sort),
    }))`);
  assert.deepEqual(got.map((g) => g.name).sort(), want.map((g) => g.name).sort(), 'the same groups');
  const heads = got[0]!.heads.slice(2); // name, count, then exec, sched, syscall, block:<reason>…
  for (const row of got) {
    const g = want.find((x) => x.name === row.name)!;
    const expected = heads.map((k) => {
      if (k === 'exec') return g.execution_ns;
      if (k === 'sched') return g.sched_wait_ns;
      if (k === 'syscall') return g.syscall_ns;
      return g.block_ns[k.slice('block:'.length)] ?? 0;
    });
    assert.equal(row.count, g.count, row.name);
    assert.deepEqual(row.ns, expected, row.name);
  }
  const byExec = [...want].sort((a, b) => b.execution_ns - a.execution_ns || (a.name < b.name ? -1 : 1)).map((g) => g.name);
  assert.deepEqual(
    got.map((g) => g.name),
    byExec,
    'most execution first',
  );
  await docShot('ui-trace-goroutines');
});

test('a click on a column sorts the groups; a group lists its goroutines, which add up to it', async () => {
  await page.click('#goroutine-groups th[data-sort="sched"] button');
  await page.waitForURL(/sort=sched/);
  await page.waitForSelector('#goroutine-groups th[data-sort="sched"][aria-sort="descending"]');
  const want = [...groups['web-0']!].sort((a, b) => b.sched_wait_ns - a.sched_wait_ns || (a.name < b.name ? -1 : 1)).map((g) => g.name);
  assert.deepEqual(
    (await rows(page, '#goroutine-groups tbody tr')).map((r) => r.key),
    want,
  );
  const group = groups['web-0']!.find((g) => g.name === 'main.mutexContender')!;
  await page.click('#goroutine-groups tr[data-name="main.mutexContender"] button.link');
  await page.waitForSelector('#goroutine-list tbody tr[data-goroutine]');
  assert.equal(await attr('#goroutine-list', 'aria-rowcount'), String(group.count + 1));
  const exec = await page.evaluate<number[]>(
    `[...document.querySelectorAll('#goroutine-list tbody tr[data-goroutine]')].map((tr) => Number(tr.querySelectorAll('td')[2].dataset.ns))`,
  );
  assert.equal(exec.length, group.count);
  assert.equal(
    exec.reduce((a, b) => a + b, 0),
    group.execution_ns,
    'the goroutines’ execution adds up to the group’s',
  );
  // A goroutine links to its lane in the timeline.
  const first = await attr('#goroutine-list tbody tr[data-goroutine]', 'data-goroutine');
  await page.click('#goroutine-list tbody tr[data-goroutine] a');
  await page.waitForURL(new RegExp(`/timeline\\?.*gid=${first}`));
  await page.waitForSelector('#timeline-canvas[data-painted]', { timeout: 60_000 });
  assert.equal(await attr('#timeline-canvas', 'data-lanes'), '1', 'one goroutine lane');
  assert.match((await page.textContent('.chips')) ?? '', new RegExp(`goroutine=G${first}`));
});

test('a blocking profile opens in the flame graph and the pod breakdown, as the core draws the merged profile', async () => {
  await page.goto(`${harness().url}/captures/${id}/goroutines`);
  await page.click('a[data-view="blocking"]');
  await page.click('a[data-kind="sync"]');
  await page.click('a[data-view="flame"]');
  await page.waitForURL(/\/flame\?tp=sync/);
  await page.waitForSelector('canvas[data-painted]', { timeout: 30_000 });
  const model = fromPprof(
    await decodeProfile(new Uint8Array(await getBytes(`/api/v1/captures/${id}/derived/trace-sync.pb.gz`)), nodeGunzip()),
  );
  const tree = flameTree(prepare(model));
  const maxDepth = Math.max(...tree.nodes.map((n) => n.depth));
  assert.match((await page.textContent('.flame > p')) ?? '', new RegExp(`^${tree.nodes.length - 1} frames in ${maxDepth} levels`));
  const child = tree.nodes[tree.nodes[0]!.children[0]!]!;
  await page.click('#flame-canvas', { position: { x: 5, y: 18 + 9 } });
  const panel = (await page.textContent('.flame-panel .selected-frame')) ?? '';
  assert.ok(panel.startsWith(child.name), `${panel} starts with ${child.name}`);
  assert.ok(panel.includes(`(${percentage(child.total, tree.total).trim()})`), panel);
  await docShot('ui-trace-blocking-flame');
  await page.click('a[data-view="pods"]');
  await page.waitForSelector('#pods-table');
  const p = prepare(model);
  const pods = (await rows(page, '#pods-table tbody tr', 'data-pod')).map((r) => r.key).sort();
  assert.deepEqual(pods, ['web-0', 'web-1'], 'the merged profile labels each pod’s samples');
  assert.ok(p.total > 0);
});

/** Waiting spans of the goroutine with `name` ("chan send" from main.chanSender), from src/trace's own timeline. */
function waits(tl: Timeline, g: number, reason: string): number[] {
  const k = [...tl.goroutineIds].indexOf(g);
  const out: number[] = [];
  for (let i = tl.goroutineFirst[k]!; i < tl.goroutineFirst[k + 1]!; i++) {
    const sp = tl.goroutineSpans[i]!;
    if (tl.goroutines.kind[sp] === G_SPAN.Waiting && tl.strings[tl.goroutines.reason[sp]!] === reason) out.push(sp);
  }
  return out;
}

async function shown(): Promise<[number, number]> {
  const d = await page.evaluate<{ t0: string; t1: string }>(`({ ...document.querySelector('#timeline-canvas').dataset })`);
  return [Number(d.t0), Number(d.t1)];
}

test('the timeline zooms and pans, and a click on a span shows its stack and who unblocked it', async () => {
  const trace = parseTrace(new Uint8Array(await getBytes(`/api/v1/captures/${id}/pods/web-0`)));
  const summary = summarize(trace);
  const tl = timeline(trace);
  const sender = [...summary.goroutines.values()].find((g) => g.name === 'main.chanSender')!;
  await page.goto(`${harness().url}/captures/${id}/timeline?pod=web-0&group=main.chanSender`);
  await page.waitForSelector('#timeline-canvas[data-painted]', { timeout: 60_000 });
  await page.waitForSelector('#timeline-canvas[data-t0]');
  const d = await page.evaluate<Record<string, string>>(`({ ...document.querySelector('#timeline-canvas').dataset })`);
  assert.equal(d.lanes, '1');
  assert.equal(Number(d.start), tl.start);
  assert.equal(Number(d.end), tl.end);
  const [a0, a1] = await shown();
  assert.deepEqual([a0, a1], [tl.start, tl.end], 'the whole trace at first');

  // Keyboard: W zooms in at the pointer (here, the middle).
  await page.focus('#timeline-canvas');
  for (let i = 0; i < 10; i++) await page.keyboard.press('w');
  await until(page, `${SPAN} < ${(a1 - a0) * 0.11}`);
  const [b0, b1] = await shown();
  assert.ok(Math.abs(b1 - b0 - (a1 - a0) * 0.8 ** 10) < 1, `ten steps of 0.8: ${b1 - b0}`);
  // Ctrl + wheel zooms at the pointer too.
  const box = (await page.locator('#timeline-canvas').boundingBox())!;
  const gutter = Number(d.gutter);
  await page.mouse.move(box.x + gutter + (box.width - gutter) / 2, box.y + 60);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -300);
  await page.keyboard.up('Control');
  await until(page, `${SPAN} < ${(b1 - b0) * 0.9}`);
  const [c0, c1] = await shown();
  // A drag to the left moves the window later by as much time as the pixels dragged.
  const plot = box.width - gutter;
  await page.mouse.move(box.x + gutter + plot * 0.6, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + gutter + plot * 0.5, box.y + 60, { steps: 5 });
  await page.mouse.up();
  await until(page, `Number(document.querySelector('#timeline-canvas').dataset.t0) !== ${c0}`);
  const [d0, d1] = await shown();
  assert.ok(Math.abs(d0 - c0 - (c1 - c0) * 0.1) < (c1 - c0) * 0.01, `panned by a tenth: ${d0 - c0} of ${c1 - c0}`);
  assert.ok(Math.abs(d1 - d0 - (c1 - c0)) < 1, 'a pan keeps the zoom');

  // A wait of main.chanSender on its unbuffered channel, well inside the window.
  const spans = waits(tl, sender.id, 'chan send').filter((sp) => {
    const [x0, x1] = [tl.goroutines.start[sp]!, tl.goroutines.end[sp]!];
    return x0 > d0 && x1 < d1 && ((x1 - x0) / (d1 - d0)) * plot > 8;
  });
  assert.ok(spans.length > 0, 'a chan send wait in view');
  const sp = spans[Math.floor(spans.length / 2)]!;
  const mid = (tl.goroutines.start[sp]! + tl.goroutines.end[sp]!) / 2;
  const laneTop = Number(d.axis) + Number(d.fixedLanes) * Number(d.row);
  /** Clicks the span, in the window t0..t1, on a lane `down` pixels below the first goroutine lane's top. */
  const clickSpan = async (t0: number, t1: number, down = 0): Promise<void> => {
    const at = (await page.locator('#timeline-canvas').boundingBox())!;
    await page.mouse.click(at.x + gutter + ((mid - t0) / (t1 - t0)) * plot, at.y + laneTop + down + Number(d.row) / 2);
    await page.waitForSelector('#timeline-detail .span-detail');
  };
  await clickSpan(d0, d1);
  assert.equal(await page.textContent('#span-state'), 'waiting (chan send)');
  const want = stackFrames(tl.stacks, tl.goroutines.stack[sp]!).map((f) => f.func);
  assert.ok(want.includes('main.chanSender'), want.join(' '));
  const stack = await all('#span-stack li code');
  assert.deepEqual(stack, want, 'the stack of the block, frame for frame');
  const by = tl.goroutines.unblockedBy[sp]!;
  const receiver = summary.goroutines.get(by)!;
  assert.equal(receiver.name, 'main.chanReceiver');
  assert.equal(await attr('#timeline-detail h4 a.goroutine', 'data-goroutine'), String(by));
  const unblock = (await all('#span-unblock-stack li code')) as string[];
  assert.deepEqual(
    unblock,
    stackFrames(tl.stacks, tl.goroutines.unblockStack[sp]!).map((f) => f.func),
  );
  assert.ok(unblock.includes('main.chanReceiver'), unblock.join(' '));

  // The window is in the URL: the link shows the same stretch, here with every goroutine's lane; scrolled to
  // main.chanSender's, the same span is there.
  await until(page, `location.search.includes('t0=${Math.floor(d0)}&t1=${Math.ceil(d1)}')`);
  const [u0, u1] = [/t0=(\d+)/.exec(page.url())![1]!, /t1=(\d+)/.exec(page.url())![1]!].map(Number) as [number, number];
  assert.ok(u0 <= d0 && d0 - u0 < 1 && u1 >= d1 && u1 - d1 < 1, `${u0}..${u1} is ${d0}..${d1}`);
  await page.setViewportSize({ width: 1280, height: 1150 });
  await page.goto(`${harness().url}/captures/${id}/timeline?pod=web-0&t0=${u0}&t1=${u1}`);
  await page.waitForSelector('#timeline-canvas[data-painted]', { timeout: 60_000 });
  await page.waitForSelector('#timeline-canvas[data-t0]');
  assert.deepEqual(await shown(), [u0, u1]);
  const lanes = [...tl.goroutineIds].filter((_, k) => tl.goroutineFirst[k] !== tl.goroutineFirst[k + 1]);
  const lane = lanes.indexOf(sender.id);
  assert.equal(await attr('#timeline-canvas', 'data-lanes'), String(lanes.length), 'a lane per goroutine with spans');
  const top = await page.evaluate<number>(
    `(() => { const s = document.querySelector('#timeline-scroller'); s.scrollTop = ${lane * Number(d.row)}; return s.scrollTop; })()`,
  );
  await page.waitForSelector(`#timeline-canvas[data-scroll-top="${top}"]`);
  await clickSpan(u0, u1, lane * Number(d.row) - top);
  assert.equal(await page.textContent('#span-state'), 'waiting (chan send)');
  assert.equal(await page.textContent('#timeline-detail h3'), `G${sender.id} main.chanSender`);
  await page.waitForTimeout(300);
  await docShot('ui-trace-timeline', true);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('pods side by side shows each pod’s figures from goroutines.json and marks the pod with more CPU burners', async () => {
  await page.goto(`${harness().url}/captures/${id}/compare`);
  await page.waitForSelector('#compare-totals');
  const pods = (await all('#compare-totals thead th[data-pod]', 'data-pod')) as string[];
  assert.deepEqual(pods, ['web-0', 'web-1']);
  const exec = (await all('#compare-totals tr[data-key="exec"] td', 'data-ns')).map(Number);
  assert.deepEqual(
    exec,
    pods.map((p) => groups[p]!.reduce((a, g) => a + g.execution_ns, 0)),
  );
  const burnerExec = (await all('#compare-groups tr[data-name="main.cpuBurner"] td', 'data-ns')).map(Number);
  assert.deepEqual(
    burnerExec,
    pods.map((p) => groups[p]!.find((g) => g.name === 'main.cpuBurner')!.execution_ns),
  );
  await page.selectOption('#compare-metric', 'count');
  await page.waitForSelector('#compare-groups[data-metric="count"]');
  const cells = '#compare-groups tr[data-name="main.cpuBurner"] td';
  const burners = [await all(cells, 'data-count'), await all(cells, 'data-outlier')];
  assert.deepEqual(burners, [
    ['1', '3'],
    [null, '1'],
  ]);
  await page.selectOption('#compare-metric', 'sched');
  await page.waitForSelector('#compare-groups[data-metric="sched"]');
  await docShot('ui-trace-pods-side-by-side');
});

test('nothing went wrong in the page', () => {
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(s.pageErrors, []);
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
