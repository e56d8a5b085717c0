// The Top table is virtualized: with a profile of more than 10,000 functions
// (all shown, nf=0) the DOM holds only the rows in view, scrolling to the
// bottom shows the last function, End moves the focus there, and sorting by
// name still orders every row.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { top, type TopRow } from '../../src/analysis/top.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { rows, type Session } from '../kit/browser/browser.ts';
import type { Harness } from '../kit/product/gateway.ts';
import { openSeeded } from '../kit/browser/seeded-capture.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

let h: Harness | undefined;
const harness = (): Harness => h as Harness;
const bytes = syntheticProfile({ functions: 15_000, locations: 40_000, stacks: 20_000, samples: 50_000 });
let s: Session;
let id = '';
let want: readonly TopRow[] = [];

before(async () => {
  want = top(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip()))), { nf: 0 }).rows;
  ({ h, s, id } = await openSeeded(bytes));
});
after(async () => {
  await s?.close();
  await h?.close();
});

const shown = (): Promise<{ key: string; cells: readonly string[] }[]> => rows(s.page, '#top-table tbody tr[data-name]');
const rowOf = (name: string): string => `#top-table tr[data-name=${JSON.stringify(name)}]`;

async function scrollToBottom(): Promise<void> {
  await s.page.evaluate(`(() => { const el = document.getElementById('top-scroller'); el.scrollTop = el.scrollHeight; })()`);
}

test('the DOM holds only the rows in view, and the bottom of the table shows the last function', async () => {
  assert.ok(want.length > 10_000, `${want.length} functions`);
  await s.page.goto(`${harness().url}/captures/${id}/top?nf=0`);
  await s.page.waitForSelector('#top-table tbody tr[data-name]');
  assert.equal(await s.page.getAttribute('#top-table', 'aria-rowcount'), String(want.length + 1));
  const first = await shown();
  assert.deepEqual(
    first.slice(0, 10).map((r) => r.key),
    want.slice(0, 10).map((r) => r.name),
  );
  assert.ok(first.length < want.length / 50, `${first.length} rows in the DOM for ${want.length} functions`);
  await scrollToBottom();
  const last = want[want.length - 1] as TopRow;
  await s.page.waitForSelector(rowOf(last.name));
  const bottom = await shown();
  assert.ok(bottom.length < want.length / 50, `${bottom.length} rows in the DOM after scrolling`);
  assert.deepEqual(bottom[bottom.length - 1], {
    key: last.name,
    cells: [last.flatText, last.flatPct, last.sumPct, last.cumText, last.cumPct, last.name],
  });
});

test('End moves the focus to the last row, and sorting by name orders every row', async () => {
  await s.page.goto(`${harness().url}/captures/${id}/top?nf=0`);
  await s.page.waitForSelector('#top-table tbody tr[data-name]');
  await s.page.focus('#top-table tbody tr[data-name]');
  await s.page.keyboard.press('End');
  const last = want[want.length - 1] as TopRow;
  assert.equal(await s.page.evaluate<string | undefined>(`document.activeElement?.dataset.name`), last.name);
  await s.page.click('#top-table th button:text("name")');
  await s.page.waitForURL(/sort=name/);
  await s.page.waitForSelector('#top-table tbody tr[data-name]');
  const byName = [...want].sort((a, b) => a.name.localeCompare(b.name));
  assert.equal((await shown())[0]?.key, byName[0]?.name);
  await scrollToBottom();
  await s.page.waitForSelector(rowOf((byName[byName.length - 1] as TopRow).name));
  assert.deepEqual(s.pageErrors, []);
});
