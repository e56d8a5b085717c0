// The UI decodes and analyses a profile in a Web Worker, so a large profile
// never blocks the page: while the 10 MB synthetic profile of the UI bench
// (test/browser/synthetic-profile.ts) loads, a click on the page is handled; the
// page runs an analysis worker; and the flame graph it draws is the flame
// tree the analysis core computes for that profile.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import type { Session } from '../kit/browser/browser.ts';
import type { Harness } from '../kit/product/gateway.ts';
import { openSeeded } from '../kit/browser/seeded-capture.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

let h: Harness | undefined;
const harness = (): Harness => h as Harness;
const bytes = syntheticProfile();
let s: Session;
let id = '';

before(async () => {
  ({ h, s, id } = await openSeeded(bytes));
});
after(async () => {
  await s?.close();
  await h?.close();
});

test('a click is handled while a 10 MB profile loads, and the flame graph comes from the analysis worker', async () => {
  const page = s.page;
  await page.goto(`${harness().url}/captures/${id}/flame`);
  await page.waitForSelector('#profile-loading');
  const copy = page.locator('.command-box button');
  await copy.click();
  await page.waitForFunction(`document.querySelector('.command-box button')?.textContent !== 'Copy'`);
  assert.equal(await page.locator('#profile-loading').count(), 1, 'the click was handled before the profile finished loading');
  assert.ok(
    page.workers().some((w) => /analysis-worker/.test(w.url())),
    `an analysis worker runs: ${page
      .workers()
      .map((w) => w.url())
      .join(', ')}`,
  );
  await page.waitForSelector('canvas[data-painted]', { timeout: 120_000 });
  const tree = flameTree(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip()))));
  const maxDepth = tree.nodes.reduce((m, n) => Math.max(m, n.depth), 0);
  assert.match((await page.textContent('.flame > p')) ?? '', new RegExp(`^${tree.nodes.length - 1} frames in ${maxDepth} levels`));
  assert.deepEqual(s.pageErrors, []);
});
