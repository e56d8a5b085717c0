// A trace capture stored before the gateway derived anything from traces (no
// goroutines.json, no blocking profiles: trace.out alone), opened in Chromium:
// the analysis worker reads the trace itself. Against what `go tool trace`
// showed for the same recorded trace (test/fixtures/traces/golden): the task
// and region types and their counts, a type's tasks and their durations, the
// MMU curves (system and per goroutine) point for point, and the scheduler
// latency profile, which the worker computes from the trace, row for row in
// Top. Then the same trace with a function renamed to markup: its goroutine
// group, region and stacks show the name as text, nowhere as an element.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { top } from '../../src/analysis/top.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { GOLDEN_DIR, RECORDED_DIR } from '../kit/traces/goldens.ts';
import { ensureUiBuilt, launch, login, rows, screenshot, type Session } from '../kit/browser/browser.ts';
import { seedTraceCapture } from '../kit/browser/seeded-capture.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { httpsRequest } from '../kit/net/http.ts';

const NAME = 'tasks.go1.26';
const HOSTILE = '<img src=/x>';

interface Pages {
  taskTypes: { type: string; count: number }[];
  regionTypes: { type: string; func: string; pc: number; count: number }[];
  tasks: { id: number; duration: number; complete: boolean }[];
  goroutineGroups: { name: string; count: number }[];
  mmuPlots: Record<string, { curve: number[][] }>;
}

const pages = JSON.parse(readFileSync(join(GOLDEN_DIR, `${NAME}.pages.json`), 'utf8')) as Pages;
const traceBytes = readFileSync(join(RECORDED_DIR, `${NAME}.trace`));
let h: Harness;
let s: Session;
let page: Page;
let id = '';
let hostile = '';

/** The same trace with main.request (12 bytes in its string table) renamed to markup of the same length. */
function hostileTrace(): Uint8Array {
  const b = Buffer.from(traceBytes);
  const from = Buffer.from('main.request');
  for (let i = b.indexOf(from); i >= 0; i = b.indexOf(from, i + 1)) Buffer.from(HOSTILE).copy(b, i);
  return new Uint8Array(b);
}

before(async () => {
  ensureUiBuilt();
  h = await startHarness({ pods: 1 });
  id = await seedTraceCapture(h, new Uint8Array(traceBytes));
  hostile = await seedTraceCapture(h, hostileTrace());
  s = await launch();
  page = s.page;
  await login(page, h.url, h.token);
});
after(async () => {
  await s?.close();
  await h?.close();
});

function all(selector: string, name?: string): Promise<(string | null)[]> {
  const get = name === undefined ? 'e.textContent' : `e.getAttribute(${JSON.stringify(name)})`;
  return page.evaluate<(string | null)[]>(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => ${get})`);
}

test('a trace capture with nothing derived opens on the goroutine groups go tool trace shows', async () => {
  await page.goto(`${h.url}/captures/${id}`);
  await page.waitForSelector('#goroutine-groups');
  const got = (await rows(page, '#goroutine-groups tbody tr')).map((r) => r.key);
  for (const g of pages.goroutineGroups) {
    assert.ok(got.includes(g.name), `${g.name} in ${got.join(', ')}`);
    assert.equal(
      await page.getAttribute(`#goroutine-groups tr[data-name="${g.name}"] [data-count]`, 'data-count'),
      String(g.count),
      g.name,
    );
  }
  assert.equal(await page.locator('a[data-view="compare"]').count(), 0, 'no pods side by side for one pod');
  assert.match((await page.textContent('#download')) ?? '', /Download trace\.out/);
  // Its one-time link is this stored trace, for curl and go tool trace (go tool pprof cannot read a trace).
  assert.equal(await page.textContent('#make-link'), 'One-time link for go tool trace');
  await page.click('#make-link');
  const command = (await (await page.waitForSelector('#make-link + div code.command')).textContent()) ?? '';
  assert.match(command, /^curl -fsSo trace\.out .*'https:\/\/[^']+' && go tool trace trace\.out$/);
  const link = /'(https:\/\/[^']+)'/.exec(command)?.[1] ?? '';
  const first = await httpsRequest(link);
  assert.equal(first.status, 200);
  assert.ok(first.body.equals(Buffer.from(traceBytes)), 'the link gives the stored trace, byte for byte');
  assert.equal((await httpsRequest(link)).status, 401, 'once');
  await page.reload(); // no link left on the page for a screenshot
  await page.waitForSelector('#goroutine-groups');
});

test('Tasks and regions lists the types and counts of go tool trace’s pages, and a type’s tasks with their durations', async () => {
  await page.click('a[data-view="tasks"]');
  await page.waitForSelector('#task-types');
  const types = await all('#task-types > tbody > tr', 'data-name');
  const counts = await all('#task-types > tbody > tr > td[data-count]', 'data-count');
  assert.deepEqual(
    types.map((t, i) => ({ type: t, count: Number(counts[i]) })),
    pages.taskTypes,
  );
  const regions = {
    type: await all('#region-types > tbody > tr', 'data-name'),
    func: await all('#region-types > tbody > tr', 'data-func'),
    count: await all('#region-types > tbody > tr > td[data-count]', 'data-count'),
  };
  assert.deepEqual(
    regions.type.map((t, i) => ({ type: t, func: regions.func[i], count: Number(regions.count[i]) })),
    pages.regionTypes.map(({ type, func, count }) => ({ type, func, count })),
  );
  await page.click('#task-types tr[data-name="request"] td.fn button');
  await page.waitForSelector('#task-list');
  const ids = (await all('#task-list tbody tr', 'data-task')).map(Number);
  assert.equal(ids.length, 12);
  const durations = (await all('#task-list tbody tr td:nth-child(4)', 'data-ns')).map(Number);
  assert.deepEqual(
    durations,
    ids.map((t) => pages.tasks.find((x) => x.id === t)!.duration),
  );
  // A bucket of the histogram lists only the tasks in it.
  await page.click('#task-types tr[data-name="request"] tr[data-bucket] button');
  await page.waitForURL(/bucket=\d+/);
  await page.waitForSelector('#task-list');
  const inBucket = (await all('#task-list tbody tr td:nth-child(4)', 'data-ns')).map(Number);
  const bucket = Number(/bucket=(\d+)/.exec(page.url())![1]);
  assert.ok(inBucket.length > 0);
  assert.deepEqual(
    inBucket,
    durations.filter((d) => Math.trunc(Math.log(d) / Math.log(Math.pow(10, 1 / 5))) === bucket),
    'Go’s buckets: five per power of ten',
  );
  await screenshot(page, 'trace-tasks');
});

test('MMU plots go tool trace’s curves, system and per goroutine, point for point', async () => {
  for (const flags of ['stw|background|assist|sweep', 'perProc|stw|background|assist|sweep']) {
    await page.goto(`${h.url}/captures/${id}/mmu?mmu=${flags.split('|').join(',')}`);
    await page.waitForSelector('#mmu-points', { state: 'attached' });
    const windows = (await all('#mmu-points tbody tr', 'data-window')).map(Number);
    const utils = (await all('#mmu-points tbody tr td[data-util]', 'data-util')).map(Number);
    const want = pages.mmuPlots[flags]!.curve;
    assert.deepEqual(
      windows.map((w, i) => [w, utils[i]]),
      want,
      flags,
    );
    assert.equal(await page.locator('#mmu-plot polyline').count(), 1);
  }
  assert.ok(await page.isChecked('#mmu-perproc'));
  // A window's worst windows, each a link to the timeline.
  await page.click('.mmu-points summary');
  await page.click('#mmu-points tbody tr:nth-child(60) button');
  await page.waitForSelector('#mmu-worst li a');
  assert.match((await page.getAttribute('#mmu-worst li a', 'href')) ?? '', /\/timeline\?t0=\d+&t1=\d+$/);
  await screenshot(page, 'trace-mmu');
});

test('the scheduler latency profile, computed in the browser from the trace, is what go tool trace -pprof=sched writes', async () => {
  await page.goto(`${h.url}/captures/${id}/top?tp=sched&nf=0`);
  await page.waitForSelector('#top-table tbody tr[data-name]');
  const golden = fromPprof(await decodeProfile(new Uint8Array(readFileSync(join(GOLDEN_DIR, `${NAME}.sched.pb.gz`))), nodeGunzip()));
  const want = top(prepare(golden), { nf: 0 }).rows.map((r) => ({ name: r.name, flat: r.flatText, cum: r.cumText }));
  const got = (await rows(page, '#top-table tbody tr[data-name]')).map((r) => ({
    name: r.key,
    flat: r.cells[0] ?? '',
    cum: r.cells[3] ?? '',
  }));
  assert.ok(want.length > 3);
  assert.deepEqual(got.slice(0, 15), want.slice(0, 15));
  assert.equal(await page.getAttribute('#top-table', 'aria-rowcount'), String(want.length + 1));
});

/** Anything in the page that markup in a trace string would have made: elements, handlers, script URLs. */
const DANGER = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) for (const a of el.attributes) if (/^on/i.test(a.name)) bad.push(el.localName + ' ' + a.name);
  return { bad, imgs: document.querySelectorAll('img, iframe, object, embed, foreignObject').length };
})()`;

test('hostile function names in a trace show as text in the goroutines, regions, timeline and stacks', async () => {
  await page.goto(`${h.url}/captures/${hostile}/goroutines`);
  await page.waitForSelector('#goroutine-groups');
  const names = (await rows(page, '#goroutine-groups tbody tr')).map((r) => r.key);
  assert.ok(names.includes(HOSTILE), names.join(' | '));
  assert.equal(await page.textContent(`#goroutine-groups tr[data-name="${HOSTILE}"] td.fn button`), HOSTILE);
  assert.deepEqual(await page.evaluate(DANGER), { bad: [], imgs: 0 });
  await page.click(`#goroutine-groups tr[data-name="${HOSTILE}"] td.fn button`);
  await page.waitForSelector('#goroutine-list tbody tr[data-goroutine]');
  assert.equal(await page.textContent('.crumbs strong'), HOSTILE);
  await page.goto(`${h.url}/captures/${hostile}/tasks`);
  await page.waitForSelector('#region-types');
  assert.ok((await all('#region-types > tbody > tr', 'data-func')).includes(HOSTILE));
  assert.deepEqual(await page.evaluate(DANGER), { bad: [], imgs: 0 });
  // The timeline of one of those goroutines: a click on its lane shows stacks naming it, as text.
  const gid = (await all('#region-types > tbody > tr', 'data-func')).length > 0 ? await firstGoroutine() : '';
  await page.goto(`${h.url}/captures/${hostile}/timeline?gid=${gid}`);
  await page.waitForSelector('#timeline-canvas[data-painted]');
  const box = (await page.locator('#timeline-canvas').boundingBox())!;
  const d = await page.evaluate<Record<string, string>>(`({ ...document.querySelector('#timeline-canvas').dataset })`);
  const y = Number(d.axis) + Number(d.fixedLanes) * Number(d.row) + Number(d.row) / 2;
  let found = false;
  for (let f = 0.05; f < 1 && !found; f += 0.05) {
    await page.mouse.click(box.x + Number(d.gutter) + (box.width - Number(d.gutter)) * f, box.y + y);
    await page.waitForSelector('#timeline-detail .span-detail, #span-none');
    found = (await all('#timeline-detail code')).some((t) => t?.includes(HOSTILE));
  }
  assert.ok(found, 'a span of the goroutine names the function');
  assert.match((await page.textContent('#timeline-detail h3')) ?? '', new RegExp(`^G${gid} <img src=/x>$`));
  assert.deepEqual(await page.evaluate(DANGER), { bad: [], imgs: 0 });
  await screenshot(page, 'trace-hostile-timeline');
});

async function firstGoroutine(): Promise<string> {
  await page.goto(`${h.url}/captures/${hostile}/goroutines?group=${encodeURIComponent(HOSTILE)}`);
  await page.waitForSelector('#goroutine-list tbody tr[data-goroutine]');
  return (await page.getAttribute('#goroutine-list tbody tr[data-goroutine]', 'data-goroutine')) ?? '';
}

test('nothing went wrong in the page', () => {
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(s.pageErrors, []);
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
