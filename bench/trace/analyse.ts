// The Node side of the trace benchmark, run as its own process (bundled by
// run.ts, so no TypeScript loader is timed): reads a trace file and does what
// a podprof user asking for the trace analyses needs: parse, goroutine
// summary, the four `go tool trace -pprof` profiles encoded as pprof, and
// the goroutine groups. Prints its phase times and counts as JSON.
import { readFileSync } from 'node:fs';
import { writeProfile } from '../../src/profile/write-profile.ts';
import { goroutineGroups } from '../../src/trace/goroutine-groups.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { tracePprofs } from '../../src/trace/pprof.ts';
import { summarize } from '../../src/trace/summary.ts';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: analyse TRACE');
const t0 = performance.now();
const bytes = new Uint8Array(readFileSync(file));
const t1 = performance.now();
const t = parseTrace(bytes);
const t2 = performance.now();
const summary = summarize(t);
const t3 = performance.now();
const profiles = tracePprofs(t, summary);
let profileBytes = 0;
for (const p of Object.values(profiles)) profileBytes += writeProfile(p).length;
const t4 = performance.now();
const groups = goroutineGroups(summary);
const t5 = performance.now();
console.log(
  JSON.stringify({
    bytes: bytes.length,
    events: t.count,
    generations: t.generations.length,
    goroutines: summary.table.slots.size,
    groups: groups.length,
    profileBytes,
    phasesMs: { read: t1 - t0, parse: t2 - t1, summary: t3 - t2, profiles: t4 - t3, groups: t5 - t4 },
    totalMs: t5 - t0,
  }),
);
