// Two stored captures' flame graphs side by side (before and after): the
// second is chosen from the capture list as the diff chooses its base; a
// zoom on either side zooms the other to the same path of functions (what
// src/analysis/flame-path.ts finds in the trees the analysis core builds);
// the search highlights on both; the URL keeps it all, so a reload (a link)
// shows the same.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { matchFrame } from '../../src/analysis/flame-path.ts';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { flameTable, type FlameTable } from '../../src/analysis/tree.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { ensureUiBuilt, launch, login, screenshot, until, type Session } from '../kit/browser/browser.ts';
import { seedCapture } from '../kit/browser/seeded-capture.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';

// The same program before and after: the same functions and stacks, the samples drawn apart (other weights, other node numbers).
const shape = { functions: 300, locations: 700, stacks: 1200, seed: 3 };
const beforeBytes = syntheticProfile({ ...shape, samples: 6000 });
const afterBytes = syntheticProfile({ ...shape, samples: 2500 });
let h: Harness | undefined;
let s: Session;
let page: Page;
let older = '';
let newer = '';
let trees: { a: FlameTable; b: FlameTable };

const table = async (bytes: Uint8Array): Promise<FlameTable> => flameTable(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip()))));
const nameOf = (t: FlameTable, n: number): string => (n === 0 ? '' : (t.names[(t.columns.key[n] ?? 0) >> 1] ?? ''));

before(async () => {
  ensureUiBuilt();
  h = await startHarness({ pods: 1 });
  older = await seedCapture(h, beforeBytes);
  newer = await seedCapture(h, afterBytes);
  trees = { a: await table(afterBytes), b: await table(beforeBytes) };
  s = await launch();
  page = s.page;
  await login(page, h.url, h.token);
});
after(async () => {
  await s?.close();
  await h?.close();
});

const url = (): URL => new URL(page.url());
/** The frame a side shows as zoomed (selected), by name. */
async function zoomedName(side: 'a' | 'b'): Promise<string> {
  const text = (await page.textContent(`[data-side="${side}"] .selected-frame`)) ?? '';
  return text.split(' · ')[0]!.replace(/ \(inline\)$/, '');
}
async function bothPainted(): Promise<void> {
  await page.waitForSelector('#flame-canvas-a[data-painted]', { timeout: 60_000 });
  await page.waitForSelector('#flame-canvas-b[data-painted]', { timeout: 60_000 });
}
/** Clicks the frame at this depth at x pixels from the left of a side's canvas. */
async function clickFrame(side: 'a' | 'b', depth: number, x: number): Promise<void> {
  await page.locator(`#flame-canvas-${side}`).click({ position: { x, y: depth * 18 + 9 } });
}

test('the other capture is chosen from the capture list; both flame graphs are drawn', async () => {
  await page.goto(`${h!.url}/captures/${newer}/flame`);
  await page.waitForSelector('canvas[data-painted]');
  await page.click('a[data-view="side"]');
  await page.waitForURL(/\/side$/);
  await page.waitForSelector('.notice.empty');
  assert.match((await page.textContent('.notice.empty')) ?? '', /Choose a capture to compare/);
  await until(page, `document.querySelector('#with option[value="${older}"]')`);
  await page.selectOption('#with', older);
  await page.waitForURL((u) => u.searchParams.get('with') === older);
  await bothPainted();
  assert.match((await page.textContent('[data-side="a"] .side-caption')) ?? '', new RegExp(`This capture.*${newer}`, 's'));
  await until(page, `document.querySelector('[data-side="b"] .side-caption')?.textContent.includes('team-a deployment/web')`);
  assert.deepEqual(s.pageErrors, []);
});

test('a zoom on the left zooms the right to the same path of functions, and the URL records it', async () => {
  await clickFrame('a', 3, 4);
  await until(page, `new URL(location.href).searchParams.get('zoom')`);
  const n = Number(url().searchParams.get('zoom'));
  assert.equal(url().searchParams.get('zs'), null);
  const m = matchFrame(trees.a, n, trees.b);
  assert.ok(m.exact, 'the heaviest path of the newer capture is in the older one');
  assert.equal(await zoomedName('a'), nameOf(trees.a, n));
  await until(page, `document.querySelector('[data-side="b"] .selected-frame')`);
  assert.equal(await zoomedName('b'), nameOf(trees.b, m.node));
  assert.equal(await zoomedName('b'), await zoomedName('a'));
});

test('a reload of the URL shows both zoomed the same; a zoom on the right zooms the left', async () => {
  const before = [await zoomedName('a'), await zoomedName('b')];
  await page.reload();
  await bothPainted();
  await until(page, `document.querySelector('[data-side="b"] .selected-frame')`);
  assert.deepEqual([await zoomedName('a'), await zoomedName('b')], before);
  // Zoomed, a side's canvas shows the zoomed frame's subtree across its width: a frame two rows down.
  const depth = (trees.b.columns.depth[matchFrame(trees.a, Number(url().searchParams.get('zoom')), trees.b).node] ?? 0) + 2;
  await clickFrame('b', depth, 4);
  await until(page, `new URL(location.href).searchParams.get('zs') === 'b'`);
  const n = Number(url().searchParams.get('zoom'));
  const m = matchFrame(trees.b, n, trees.a);
  assert.equal(await zoomedName('b'), nameOf(trees.b, n));
  assert.equal(await zoomedName('a'), nameOf(trees.a, m.node));
  if (m.exact) assert.equal(await zoomedName('a'), await zoomedName('b'));
});

test('the search highlights on both sides and keeps the zoom; one scale for both is an option in the URL', async () => {
  const zoomed = await zoomedName('b');
  const fn = zoomed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.fill('#q', fn);
  await page.click('button:text-is("Search")');
  await page.waitForURL((u) => u.searchParams.get('q') === fn);
  await bothPainted();
  for (const side of ['a', 'b'])
    assert.match((await page.textContent(`[data-side="${side}"] .flame > p`)) ?? '', /search matches/, `side ${side} highlights`);
  assert.equal(await zoomedName('b'), zoomed, 'the search kept the zoom');
  await page.selectOption('#side-scale', 'shared');
  await page.waitForURL((u) => u.searchParams.get('scale') === 'shared');
  await bothPainted();
  assert.equal(url().searchParams.get('with'), older);
  await screenshot(page, 'compare-side-by-side');
  assert.deepEqual(s.pageErrors, []);
});
