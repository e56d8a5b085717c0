// A large, realistic CPU profile for the UI bench, synthesized with a seeded
// PRNG (same bytes every run): a Go-like merged CPU profile of 4 pods with
// 20,000 functions in 400 packages, 60,000 locations (some with inlined
// frames), 120,000 distinct stacks grown as a random recursive tree (depths
// ~10–45), and 400,000 samples drawn with a skew (a few hot stacks, a long
// tail), each labelled pod=…. Encoded with pprof-format and gzipped. The UI
// bench (bench/ui) measures it; the UI tests open it, and smaller ones.
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { prng } from '../measure/prng.ts';

export interface SyntheticOptions {
  readonly functions?: number;
  readonly locations?: number;
  readonly stacks?: number;
  readonly samples?: number;
  readonly seed?: number;
  /** More string labels per sample, as pprof.Do sets them: key → the values samples take in turn. */
  readonly labels?: Readonly<Record<string, readonly string[]>>;
}

export function syntheticProfile(o: SyntheticOptions = {}): Uint8Array {
  const rnd = prng(o.seed ?? 42);
  const nf = o.functions ?? 20_000;
  const nl = o.locations ?? 60_000;
  const ns = o.stacks ?? 120_000;
  const nsamples = o.samples ?? 400_000;
  const st = new StringTable();
  const functions: PFunction[] = [];
  for (let i = 1; i <= nf; i++) {
    const pkg = i % 400;
    const name = `github.com/acme/svc${pkg % 20}/internal/pkg${pkg}.(*Type${i % 37}).Method${i}`;
    functions.push(
      new PFunction({
        id: i,
        name: st.dedup(name),
        systemName: st.dedup(name),
        filename: st.dedup(`/src/github.com/acme/svc${pkg % 20}/internal/pkg${pkg}/file${i % 13}.go`),
        startLine: 10 + (i % 500),
      }),
    );
  }
  const locations: Location[] = [];
  for (let i = 1; i <= nl; i++) {
    const f = 1 + Math.floor(rnd() * nf);
    const lines = [new Line({ functionId: f, line: 12 + Math.floor(rnd() * 800) })];
    if (rnd() < 0.15) lines.unshift(new Line({ functionId: 1 + Math.floor(rnd() * nf), line: 5 + Math.floor(rnd() * 300) }));
    locations.push(new Location({ id: i, mappingId: 1, address: 0x400000 + i * 16, line: lines }));
  }
  // Stacks root first; each new stack extends a random earlier one by 1–3 frames.
  const stacks: number[][] = [];
  for (let r = 0; r < 40; r++) stacks.push([1 + r, 41 + r]);
  while (stacks.length < ns) {
    const parent = stacks[Math.floor(rnd() * stacks.length)]!;
    const grow = 1 + Math.floor(rnd() * 3);
    const s = parent.slice();
    for (let k = 0; k < grow; k++) s.push(1 + Math.floor(rnd() * nl));
    if (s.length <= 64) stacks.push(s);
  }
  const pods = ['web-7c9d5-x2k4p', 'web-7c9d5-m8q1z', 'web-7c9d5-b7w3n', 'web-7c9d5-r5t9v'].map((p) => st.dedup(p));
  const podKey = st.dedup('pod');
  const extra = Object.entries(o.labels ?? {}).map(([k, vs]) => [st.dedup(k), vs.map((v) => st.dedup(v))] as const);
  const samples: Sample[] = [];
  for (let i = 0; i < nsamples; i++) {
    const s = stacks[Math.floor(ns * rnd() ** 2)]!;
    const count = 1 + Math.floor(rnd() ** 4 * 20);
    samples.push(
      new Sample({
        locationId: s.slice().reverse(),
        value: [count, count * 10_000_000],
        label: [
          new Label({ key: podKey, str: pods[i % pods.length]! }),
          ...extra.map(([key, vs]) => new Label({ key, str: vs[i % vs.length]! })),
        ],
      }),
    );
  }
  const p = new Profile({
    sampleType: [
      new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }),
      new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    ],
    sample: samples,
    mapping: [
      new Mapping({
        id: 1,
        memoryStart: 0x400000,
        memoryLimit: 0x400000 + nl * 16 + 16,
        filename: st.dedup('/app/server'),
        buildId: st.dedup('synthetic'),
        hasFunctions: true,
        hasFilenames: true,
        hasLineNumbers: true,
      }),
    ],
    location: locations,
    function: functions,
    stringTable: st,
    timeNanos: 1_700_000_000_000_000_000n,
    durationNanos: 30_000_000_000,
    periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    period: 10_000_000,
  });
  return gzipSync(p.encode(), { level: 6 });
}
