// Times the flame tree's build (src/analysis/tree.ts flameTable, what the UI's
// analysis worker runs before the first paint) in Node on the UI bench's
// synthetic profile (test/browser/synthetic-profile.ts, seed 42): median of
// RUNS after WARMUP runs. node --import tsx bench/ui/flame-build.ts
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { flameTable } from '../../src/analysis/tree.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { syntheticProfile } from '../../test/kit/browser/synthetic-profile.ts';
import { median, round } from '../lib/stats.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 2);

const v = prepare(fromPprof(await decodeProfile(syntheticProfile(), nodeGunzip())));
const ms: number[] = [];
let nodes = 0;
for (let i = 0; i < WARMUP + RUNS; i++) {
  const t = performance.now();
  nodes = flameTable(v).columns.size;
  if (i >= WARMUP) ms.push(performance.now() - t);
}
console.log(
  `flameTable: ${nodes} nodes, ${v.profile.samples.length} samples; ${ms.map((x) => round(x, 1)).join(', ')} ms; median ${round(median(ms), 1)} ms`,
);
