// mergeProfiles on small hand-built profiles: existing labels are kept (a
// same-named one is replaced), negative delta values sum as int64, identical
// stacks from different processes share functions and locations even when ASLR
// moved the binary, and a period-type mismatch is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Profile, StringTable } from 'pprof-format';
import { decodeProfile } from '../../src/profile/decode.ts';
import { encodeProfile } from '../../src/profile/encode.ts';
import { ProfileError } from '../../src/profile/error.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { stringAt, totals } from '../../src/profile/values.ts';
import { mergeProfiles } from '../../src/profile/merge.ts';

const gunzip = nodeGunzip();

interface Spec {
  start: number;
  values: Array<[number | bigint, number | bigint]>;
  labels?: Array<[string, string]>;
  periodType?: [string, string];
}

/** One binary mapped at `start`; every sample is main.work ← main.main at fixed offsets. */
function build(s: Spec): Profile {
  const st = new StringTable();
  const d = (x: string): number => st.dedup(x);
  const [ptype, punit] = s.periodType ?? ['space', 'bytes'];
  return new Profile({
    sampleType: [
      { type: d('alloc_space'), unit: d('bytes') },
      { type: d('inuse_space'), unit: d('bytes') },
    ],
    periodType: { type: d(ptype), unit: d(punit) },
    period: 524288,
    durationNanos: 1_000_000_000,
    timeNanos: 1_700_000_000_000_000_000n,
    mapping: [
      {
        id: 1,
        memoryStart: s.start,
        memoryLimit: s.start + 0x200000,
        filename: d('/app/server'),
        buildId: d('abc123'),
        hasFunctions: true,
      },
    ],
    function: [
      { id: 1, name: d('main.work'), systemName: d('main.work'), filename: d('main.go'), startLine: 10 },
      { id: 2, name: d('main.main'), systemName: d('main.main'), filename: d('main.go'), startLine: 3 },
    ],
    location: [
      { id: 1, mappingId: 1, address: s.start + 0x1234, line: [{ functionId: 1, line: 12 }] },
      { id: 2, mappingId: 1, address: s.start + 0x5678, line: [{ functionId: 2, line: 5 }] },
    ],
    sample: s.values.map((v) => ({ locationId: [1, 2], value: v, label: (s.labels ?? []).map(([k, x]) => ({ key: d(k), str: d(x) })) })),
    stringTable: st,
  });
}

function labelsOf(p: Profile): string[][] {
  return p.sample.map((s) => s.label.map((l) => `${stringAt(p, l.key)}=${stringAt(p, l.str)}`).sort());
}

test('existing labels are kept, a same-named pod label is replaced, and each input gets its own pod', async () => {
  const a = build({
    start: 0x400000,
    values: [[100, 10]],
    labels: [
      ['handler', '/api'],
      ['pod', 'stale'],
    ],
  });
  const b = build({ start: 0x400000, values: [[200, 20]], labels: [['handler', '/api']] });
  const merged = await decodeProfile(
    encodeProfile(
      mergeProfiles([
        { profile: a, labels: { pod: 'web-0' } },
        { profile: b, labels: { pod: 'web-1' } },
      ]),
    ),
    gunzip,
  );
  assert.deepEqual(labelsOf(merged).sort(), [
    ['handler=/api', 'pod=web-0'],
    ['handler=/api', 'pod=web-1'],
  ]);
  assert.deepEqual(totals(merged), [300n, 30n]);
});

test('the same stack in two processes shares its functions and locations, even when ASLR moved the binary', () => {
  const a = build({ start: 0x400000, values: [[100, 10]] });
  const b = build({ start: 0x7f0000000000, values: [[200, 20]] });
  const merged = mergeProfiles([
    { profile: a, labels: { pod: 'a' } },
    { profile: b, labels: { pod: 'b' } },
  ]);
  assert.equal(merged.mapping.length, 1);
  assert.equal(merged.function.length, 2);
  assert.equal(merged.location.length, 2);
  assert.equal(merged.sample.length, 2, 'different pod labels keep the samples apart');
  const same = mergeProfiles([{ profile: a }, { profile: b }]);
  assert.equal(same.sample.length, 1, 'without labels, identical stacks are summed into one sample');
  assert.deepEqual(totals(same), [300n, 30n]);
});

test('negative delta values sum as int64 and survive encoding; all-zero samples are dropped', async () => {
  const a = build({
    start: 0x400000,
    values: [
      [100, -40],
      [0, 0],
    ],
  });
  const b = build({ start: 0x400000, values: [[5, -(2n ** 40n)]] });
  const merged = await decodeProfile(encodeProfile(mergeProfiles([{ profile: a }, { profile: b }])), gunzip);
  assert.deepEqual(totals(merged), [105n, -40n - 2n ** 40n]);
  assert.equal(merged.sample.length, 1);
  assert.equal(BigInt(merged.durationNanos), 2_000_000_000n, 'durationNanos is the sum of the inputs, as go tool pprof does');
});

test('a different period type is refused, naming both', () => {
  const a = build({ start: 0x400000, values: [[1, 1]] });
  const b = build({ start: 0x400000, values: [[1, 1]], periodType: ['cpu', 'nanoseconds'] });
  assert.throws(
    () =>
      mergeProfiles([
        { profile: a, name: 'team-a/web-0' },
        { profile: b, name: 'team-a/web-1' },
      ]),
    (e: Error) =>
      e instanceof ProfileError &&
      e.kind === 'incompatible' &&
      e.message === 'cannot merge team-a/web-1 with team-a/web-0: period types differ: cpu/nanoseconds vs space/bytes',
  );
  assert.throws(() => mergeProfiles([]), /no profiles to merge/);
});
