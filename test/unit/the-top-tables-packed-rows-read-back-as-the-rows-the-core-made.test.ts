// The worker packs the Top table's rows into one string and their field
// starts (gateway/ui/src/analysis/top-rows.ts) so the page is not handed tens
// of thousands of objects to clone: every field of every row reads back as
// the analysis core made it, names with any characters included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { top, type TopRow } from '../../src/analysis/top.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { packTopRows, topRowAt } from '../../gateway/ui/src/analysis/top-rows.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

const shown = (r: TopRow): Omit<TopRow, 'flat' | 'cum' | 'sum'> => {
  const { flat: _f, cum: _c, sum: _s, ...rest } = r;
  return rest;
};

test("every field of every row of a profile's Top reads back as the core made it", async () => {
  const bytes = syntheticProfile({ functions: 300, locations: 900, stacks: 2000, samples: 5000 });
  const rows = top(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip()))), { nf: 0 }).rows;
  assert.ok(rows.length > 100);
  const packed = packTopRows(rows);
  assert.equal(packed.count, rows.length);
  for (let i = 0; i < rows.length; i++) assert.deepEqual(topRowAt(packed, i), shown(rows[i]!));
});

test('names with separators, newlines, NULs and astral characters, and empty fields, read back whole', () => {
  const row = (name: string, inline: TopRow['inline']): TopRow => ({
    name,
    inline,
    flat: 1,
    cum: 2,
    sum: 1,
    flatText: '1ms',
    cumText: '',
    flatPct: '50.00%',
    sumPct: '50.00%',
    cumPct: '100%',
  });
  const rows = [row('a\u0000b\nc', ''), row('', 'inline'), row('😀 main.(*T).M', 'partial-inline'), row('x'.repeat(10_000), '')];
  const packed = packTopRows(rows);
  rows.forEach((r, i) => assert.deepEqual(topRowAt(packed, i), shown(r)));
  assert.equal(packTopRows([]).count, 0);
});
