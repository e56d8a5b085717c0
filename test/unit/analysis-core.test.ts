// The analysis core on untrusted and malformed input: RE2 regexes run in
// linear time, markup in names and labels passes through as plain text,
// broken profiles and incompatible diffs fail with clear errors.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { ProfileError } from '../../src/profile/error.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { streamGunzip } from '../../src/profile/stream-gunzip.ts';
import { diffProfiles } from '../../src/analysis/diff.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { exactNameRegex, RegexOptionError } from '../../src/analysis/regex.ts';
import { SampleTypeError } from '../../src/analysis/sample-type.ts';
import { top } from '../../src/analysis/top.ts';
import { traces } from '../../src/analysis/traces.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import { PROFILES_DIR } from '../kit/profiles/goldens.ts';

const LONG = 'a'.repeat(50_000) + '!';

/** One sample per name, stacked under main.main, with a label per sample. */
function profileWithNames(names: readonly string[], labels: readonly [string, string][] = []): Profile {
  const st = new StringTable();
  const fns = ['main.main', ...names].map((n, i) => new PFunction({ id: i + 1, name: st.dedup(n), filename: st.dedup(`${n}.go`) }));
  const locs = fns.map((f, i) => new Location({ id: i + 1, line: [new Line({ functionId: f.id, line: 1 })] }));
  const label = labels.map(([k, v]) => new Label({ key: st.dedup(k), str: st.dedup(v) }));
  const samples = names.map((_, i) => new Sample({ locationId: [i + 2, 1], value: [i + 1], label }));
  return new Profile({
    sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
    sample: samples,
    location: locs,
    function: fns,
    stringTable: st,
  });
}

test('a pathological regex on a long name completes (RE2: linear time, no backtracking)', () => {
  const p = fromPprof(profileWithNames([LONG, 'b']));
  const started = performance.now();
  for (const opt of ['f', 'i', 'h', 's', 'sf'] as const) prepare(p, { [opt]: '(a+)+$' });
  const r = top(prepare(p, { f: '(a|aa)*c' }));
  assert.equal(r.rows.length, 0, 'no name contains a "c" after the a-run');
  assert.ok(performance.now() - started < 10_000);
});

test('markup and javascript: URLs in names, files and labels pass through as plain strings', async () => {
  const p = fromPprof(await decodeProfile(await readFile(`${PROFILES_DIR}hostile.pb.gz`), nodeGunzip()));
  const names = top(prepare(p)).rows.map((r) => r.name);
  assert.ok(names.includes('<script>alert(1)</script>'));
  assert.ok(names.includes('javascript:alert(document.cookie)'));
  const lines = top(prepare(p, { g: 'lines' })).rows.map((r) => r.name);
  assert.ok(lines.includes('javascript:alert(document.cookie) "><img src=x onerror=alert(1)>.go:12'));
  const t = traces(prepare(p, { tagfocus: 'pod=<img' }));
  assert.deepEqual(
    t.traces.map((x) => x.labels[0]?.values[0]),
    ['<img src=x onerror=alert(1)>'],
  );
  assert.equal(flameTree(prepare(p)).nodes[1]?.name, 'main.main');
});

test('a label key "__proto__" is a plain key', () => {
  const p = fromPprof(
    profileWithNames(
      ['x'],
      [
        ['__proto__', 'polluted'],
        ['pod', 'web-1'],
      ],
    ),
  );
  assert.deepEqual(p.samples[0]?.labels.get('__proto__'), ['polluted']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(top(prepare(p, { tagfocus: '__proto__=poll' })).shownTotal, 1);
});

test('bad regexes are reported as pprof words them', () => {
  const p = fromPprof(profileWithNames(['x']));
  assert.throws(
    () => prepare(p, { f: '(' }),
    (e: unknown) => e instanceof RegexOptionError && /^parsing focus regexp: /.test(e.message),
  );
  assert.throws(() => prepare(p, { tagfocus: 'pod=[' }), RegexOptionError);
  assert.throws(
    () => prepare(p, { si: 'nope' }),
    (e: unknown) => e instanceof SampleTypeError && e.message.includes('[samples]'),
  );
});

test('garbage, truncated and oversized inputs fail with ProfileError', async () => {
  const gz = nodeGunzip();
  await assert.rejects(
    decodeProfile(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), gz),
    (e: unknown) => e instanceof ProfileError && e.kind === 'gzip',
  );
  await assert.rejects(
    decodeProfile(new TextEncoder().encode('<html>not a profile</html>'), gz),
    (e: unknown) => e instanceof ProfileError && e.kind === 'protobuf',
  );
  const bomb = gzipSync(new Uint8Array(4 * 1024 * 1024));
  await assert.rejects(
    decodeProfile(bomb, streamGunzip(1024 * 1024)),
    (e: unknown) =>
      e instanceof ProfileError && e.kind === 'too-large' && /is too large: it decompresses to more than 1 MiB$/.test(e.message),
  );
  await assert.rejects(decodeProfile(bomb, nodeGunzip(1024 * 1024)), (e: unknown) => e instanceof ProfileError && e.kind === 'too-large');
  const dangling = profileWithNames(['x']);
  dangling.sample[0]!.locationId = [99];
  assert.throws(
    () => fromPprof(dangling),
    (e: unknown) => e instanceof ProfileError && e.kind === 'malformed' && /location id 99/.test(e.message),
  );
});

test('streamGunzip (browser path) decodes what nodeGunzip decodes', async () => {
  const bytes = await readFile(`${PROFILES_DIR}cpu.pb.gz`);
  const a = fromPprof(await decodeProfile(bytes, streamGunzip()));
  const b = fromPprof(await decodeProfile(bytes, nodeGunzip()));
  assert.deepEqual(a, b);
});

test('a diff of profiles with different sample types is refused clearly', async () => {
  const cpu = fromPprof(await decodeProfile(await readFile(`${PROFILES_DIR}cpu.pb.gz`), nodeGunzip()));
  const heap = fromPprof(await decodeProfile(await readFile(`${PROFILES_DIR}heap.pb.gz`), nodeGunzip()));
  assert.throws(
    () => diffProfiles(cpu, heap),
    (e: unknown) => e instanceof ProfileError && e.kind === 'incompatible' && /incompatible (period|sample) types/.test(e.message),
  );
});

test('the pod label of a merged capture drives tag filters and per-pod traces', async () => {
  const merged = fromPprof(await decodeProfile(await readFile(`${PROFILES_DIR}merged-cpu.pb.gz`), nodeGunzip()));
  const all = top(prepare(merged), { nf: 0 }).shownTotal;
  const web1 = top(prepare(merged, { tagfocus: 'pod=web-1' }), { nf: 0 }).shownTotal;
  const web2 = top(prepare(merged, { tagignore: 'pod=web-1' }), { nf: 0 }).shownTotal;
  assert.ok(web1 > 0 && web2 > 0);
  assert.equal(web1 + web2, all);
  assert.deepEqual(
    new Set(traces(prepare(merged)).traces.flatMap((t) => t.labels.map((l) => `${l.key}=${l.values.join()}`))),
    new Set(['pod=web-1', 'pod=web-2']),
  );
});

test('a clicked node name becomes an exact, escaped regex', async () => {
  const p = fromPprof(await decodeProfile(await readFile(`${PROFILES_DIR}hostile.pb.gz`), nodeGunzip()));
  const name = 'main.(*T).Method<svg/onload=alert(1)>';
  assert.equal(exactNameRegex(name), '^main\\.\\(\\*T\\)\\.Method<svg/onload=alert\\(1\\)>$');
  const rows = top(prepare(p, { s: exactNameRegex(name) }), { nf: 0 }).rows;
  assert.deepEqual(
    rows.map((r) => r.name),
    [name],
  );
});
