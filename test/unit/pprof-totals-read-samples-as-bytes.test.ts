// totals (what the gateway's merge job records as a capture's totals) reads a
// decoded or merged profile's samples as bytes, building no Sample objects,
// and sums them as int64 exactly: negative delta values, values past 2^53 and
// sums past 2^53 alike, the same as from the Sample objects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Profile, Sample, StringTable } from 'pprof-format';
import { mergeProfiles } from '../../src/profile/merge.ts';
import { readProfile } from '../../src/profile/read-profile.ts';
import { encodedSamples } from '../../src/profile/samples.ts';
import { writeProfile } from '../../src/profile/write-profile.ts';
import { namedTotals, totals } from '../../src/profile/values.ts';

const BIG = 2n ** 60n;

function profile(values: Array<Array<number | bigint>>): Profile {
  const st = new StringTable();
  const d = (x: string): number => st.dedup(x);
  return new Profile({
    sampleType: [
      { type: d('alloc_space'), unit: d('bytes') },
      { type: d('inuse_space'), unit: d('bytes') },
    ],
    function: [{ id: 1, name: d('main.work') }],
    location: [{ id: 1, address: 0x1000, line: [{ functionId: 1, line: 12 }] }],
    sample: values.map((value) => new Sample({ locationId: [1], value })),
    stringTable: st,
  });
}

const VALUES = [
  [5, -3],
  [BIG, 7],
  [Number.MAX_SAFE_INTEGER, 1],
  [Number.MAX_SAFE_INTEGER, -BIG, 99],
];
const WANT = [5n + BIG + 2n * BigInt(Number.MAX_SAFE_INTEGER), -3n + 7n + 1n - BIG];

test('totals of a decoded profile sum its encoded samples exactly, building no Sample objects', () => {
  const p = readProfile(writeProfile(profile(VALUES)));
  assert.deepEqual(totals(p), WANT);
  assert.deepEqual(namedTotals(p), { 'alloc_space/bytes': String(WANT[0]), 'inuse_space/bytes': String(WANT[1]) });
  assert.ok(encodedSamples(p), 'the samples are still bytes');
  assert.equal(p.sample.length, VALUES.length);
  assert.deepEqual(totals(p), WANT, 'the same from the Sample objects');
});

test('totals of a merged profile read its encoded samples', () => {
  const inputs = ['web-0', 'web-1'].map((pod) => ({ profile: readProfile(writeProfile(profile(VALUES))), labels: { pod } }));
  const merged = mergeProfiles(inputs);
  assert.deepEqual(
    totals(merged),
    WANT.map((t) => 2n * t),
  );
  assert.ok(encodedSamples(merged), 'no Sample objects were built');
});
