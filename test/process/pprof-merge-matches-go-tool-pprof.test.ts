// mergeProfiles on real Go profiles, checked number for number against
// `go tool pprof`: the merged total per sample type is the sum of the inputs'
// totals, -tagfocus=pod=X gives back input X's totals, headers follow
// profile.Merge (durationNanos summed), and mismatched profiles are refused.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeProfile } from '../../src/profile/decode.ts';
import { encodeProfile } from '../../src/profile/encode.ts';
import { ProfileError } from '../../src/profile/error.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { sampleTypeNames, stringAt, totals } from '../../src/profile/values.ts';
import { mergeProfiles } from '../../src/profile/merge.ts';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { goPprof, rawTotals } from '../kit/product/gateway.ts';

const gunzip = nodeGunzip();

const dir = mkdtempSync(join(tmpdir(), 'podprof-merge-'));
const PODS = ['web-0', 'web-1', 'web-2'];
let apps: GoTarget[] = [];
const files: Record<'profile' | 'heap', string[]> = { profile: [], heap: [] };

async function get(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

before(async () => {
  apps = await Promise.all(PODS.map(() => startGoTarget({ args: ['-cpu-workers', '1'] })));
  const cpu = await Promise.all(apps.map((a) => get(`${a.url}/debug/pprof/profile?seconds=1`)));
  const heap = await Promise.all(apps.map((a) => get(`${a.url}/debug/pprof/heap`)));
  PODS.forEach((pod, i) => {
    files.profile.push(join(dir, `${pod}.cpu.pb.gz`));
    files.heap.push(join(dir, `${pod}.heap.pb.gz`));
    writeFileSync(files.profile[i]!, cpu[i]!);
    writeFileSync(files.heap[i]!, heap[i]!);
  });
});

after(async () => {
  await Promise.all(apps.map((a) => a.stop()));
});

async function mergeFiles(kind: 'profile' | 'heap'): Promise<string> {
  const merged = mergeProfiles(
    await Promise.all(
      files[kind].map(async (f, i) => ({ profile: await decodeProfile(readFileSync(f), gunzip, f), labels: { pod: PODS[i]! } })),
    ),
  );
  const out = join(dir, `merged.${kind}.pb.gz`);
  writeFileSync(out, encodeProfile(merged));
  return out;
}

for (const kind of ['profile', 'heap'] as const) {
  test(`merged ${kind === 'profile' ? 'CPU' : 'heap'} profiles: go tool pprof totals equal the sum of the inputs, and -tagfocus=pod=X gives back input X`, async () => {
    const merged = await mergeFiles(kind);
    const inputs = await Promise.all(files[kind].map((f) => rawTotals(f)));
    const whole = await rawTotals(merged);
    assert.deepEqual(whole.types, inputs[0]!.types);
    const sum = inputs[0]!.totals.map((_, i) => inputs.reduce((s, x) => s + x.totals[i]!, 0n));
    assert.deepEqual(whole.totals, sum, `merged ${whole.totals.join(' ')} vs inputs summed ${sum.join(' ')}`);
    assert.ok(sum[sum.length - 1]! > 0n, 'the fixtures produced non-empty profiles');
    for (const [i, pod] of PODS.entries()) {
      const one = await rawTotals(merged, [`-tagfocus=pod=^${pod}$`]);
      assert.deepEqual(one.totals, inputs[i]!.totals, `${pod}: ${one.totals.join(' ')} vs ${inputs[i]!.totals.join(' ')}`);
    }
    // go tool pprof's own merge of the same inputs agrees.
    const goMerged = join(dir, `go-merged.${kind}.pb.gz`);
    await goPprof(['-proto', '-output', goMerged, ...files[kind]]);
    assert.deepEqual((await rawTotals(goMerged)).totals, whole.totals);
    const top = await goPprof(['-top', merged]);
    assert.match(top, /Showing nodes accounting for/);
  });
}

test('the merged header follows go tool pprof: durationNanos summed, earliest time, largest period', async () => {
  const inputs = await Promise.all(files.profile.map((f) => decodeProfile(readFileSync(f), gunzip)));
  const merged = await decodeProfile(readFileSync(await mergeFiles('profile')), gunzip);
  const goMerged = join(dir, 'go-merged-header.pb.gz');
  await goPprof(['-proto', '-output', goMerged, ...files.profile]);
  const theirs = await decodeProfile(readFileSync(goMerged), gunzip);
  assert.equal(
    BigInt(merged.durationNanos),
    inputs.reduce((s, p) => s + BigInt(p.durationNanos), 0n),
  );
  assert.equal(BigInt(merged.durationNanos), BigInt(theirs.durationNanos));
  assert.equal(BigInt(merged.timeNanos), BigInt(theirs.timeNanos));
  assert.equal(Number(merged.period), Number(theirs.period));
  assert.deepEqual(sampleTypeNames(merged), sampleTypeNames(theirs));
  assert.equal(stringAt(merged, merged.periodType!.type), 'cpu');
  const seconds = Number(BigInt(merged.durationNanos) / 10_000_000n) / 100;
  const shown = /Duration: ([\d.]+)s, Total samples/.exec(await goPprof(['-top', await mergeFiles('profile')]))?.[1];
  assert.ok(seconds > 2.5 && Math.abs(Number(shown) - seconds) < 0.011, `go tool pprof shows the summed duration: ${shown} vs ${seconds}`);
});

test('go tool pprof -tags lists one pod value per input, and heap numeric labels survive', async () => {
  const tags = await goPprof(['-tags', await mergeFiles('heap')]);
  assert.match(tags, /^ ?pod: Total/m);
  for (const pod of PODS) assert.match(tags, new RegExp(`: ${pod}$`, 'm'));
  assert.match(tags, /^ ?bytes: Total/m, 'the allocation size labels of heap samples are kept');
});

test('merging profiles of different types is refused, naming the sample types', async () => {
  const cpu = await decodeProfile(readFileSync(files.profile[0]!), gunzip);
  const heap = await decodeProfile(readFileSync(files.heap[1]!), gunzip);
  assert.throws(
    () =>
      mergeProfiles([
        { profile: cpu, name: 'web-0' },
        { profile: heap, name: 'web-1' },
      ]),
    (err: Error) =>
      err instanceof ProfileError &&
      err.kind === 'incompatible' &&
      /cannot merge web-1 with web-0: sample types differ: \[alloc_objects\/count alloc_space\/bytes inuse_objects\/count inuse_space\/bytes\] vs \[samples\/count cpu\/nanoseconds\]/.test(
        err.message,
      ),
  );
  assert.deepEqual(totals(mergeProfiles([{ profile: cpu }])), totals(cpu), 'one profile merges with itself unchanged in totals');
});
