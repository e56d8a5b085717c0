// Just the "busy replicas" merge of the gateway benchmark (run.ts, part 2),
// podprof against the pprof binary alone, in the same run:
//
//   node --import tsx bench/gateway/merge-only.ts [seed.pb.gz]
//
// Without an argument the seed is a fresh 6 s CPU profile of the Go fixture
// (-cpu-workers 2), as run.ts takes it. 50 replicas of it are merged by
// mergeWithPodprof and by the pprof binary `go tool pprof` runs, alternately,
// after one untimed warm-up each; prints the medians of 15, their ratio and
// the median of each adjacent pair's (steadier on a busy machine), the GC
// time of podprof's runs and whether the merged totals agree. The seed is
// kept as <dir>/seed.pb.gz, to pass again.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { startGoTarget } from '../../demo/go-target.ts';
import { killChildrenOnExit } from '../lib/children.ts';
import { median } from '../lib/stats.ts';
import { fileTotals, mergeWithGo, mergeWithPodprof, pprofBinary, replicaProfiles } from './merge.ts';

const PODS = 50;
const RUNS = 15;
const SEED_SECONDS = 6;

killChildrenOnExit();

async function freshSeed(): Promise<Buffer> {
  const target = await startGoTarget({ args: ['-cpu-workers', '2'] });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${target.url}/debug/pprof/profile?seconds=${SEED_SECONDS}`);
    if (res.status !== 200) throw new Error(`seed profile: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  } finally {
    await target.stop();
  }
}

/** Every GC of this process: start and duration, ms. */
const gcs: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
const gcWithin = ([from, to]: [number, number]): number => gcs.reduce((sum, [t, d]) => (t >= from && t < to ? sum + d : sum), 0);

const bin = pprofBinary();
if (!bin) throw new Error('no pprof binary: `go tool -n pprof` failed');
const dir = mkdtempSync(join(tmpdir(), 'podprof-merge-bench-'));
const seedPath = process.argv[2];
const seed = seedPath ? readFileSync(seedPath) : await freshSeed();
writeFileSync(join(dir, 'seed.pb.gz'), seed); // to pass again next time
const files = await replicaProfiles(seed, PODS, dir, 'busy');
const ours = join(dir, 'podprof.pb.gz');
const theirs = join(dir, 'go.pb.gz');
await mergeWithPodprof(files, ours);
await mergeWithGo([bin], files, theirs);

const podprofMs: number[] = [];
const podprofSpans: Array<[number, number]> = [];
const binaryMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const runs = [
    async (): Promise<void> => {
      const t0 = performance.now();
      podprofMs.push(await mergeWithPodprof(files, ours));
      podprofSpans.push([t0, performance.now()]);
    },
    async (): Promise<void> => void binaryMs.push(await mergeWithGo([bin], files, theirs)),
  ];
  for (const run of i % 2 === 0 ? runs : runs.reverse()) await run();
}

await new Promise((r) => setTimeout(r, 100)); // the observer reports the last GCs
const podprofGcMs = podprofSpans.map(gcWithin);
const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
const [a, b] = [await fileTotals(ours), await fileTotals(theirs)];
console.log(`merge ${PODS} busy replicas (${dir})`);
console.log(
  `  podprof       ${median(podprofMs).toFixed(1)} ms  [${fmt(podprofMs)}], GC ${median(podprofGcMs).toFixed(1)} ms [${fmt(podprofGcMs)}]`,
);
console.log(`  pprof binary  ${median(binaryMs).toFixed(1)} ms  [${fmt(binaryMs)}]`);
console.log(
  `  ratio         ${(median(podprofMs) / median(binaryMs)).toFixed(2)}×, run by run ${median(podprofMs.map((ms, i) => ms / binaryMs[i]!)).toFixed(2)}× (median of each pair's)`,
);
console.log(`  totals        ${a.join(' / ')} vs ${b.join(' / ')}: ${a.join() === b.join() ? 'equal' : 'DIFFER'}`);
