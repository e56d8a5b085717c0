// The store's write path of one fan-out capture, alone (issue 13): 50 pods'
// bodies streamed into the capture's temp dir and fsynced, --fanout-concurrency
// at a time, plus the merged profile, then committed — the store as it is
// (pods/ fsynced once and moved as one rename), next to the previous commit
// rebuilt here from the same fs calls (each file renamed into place on its
// own, a mkdir each), in the same run:
//
//   node --import tsx bench/gateway/store-write.ts
//
// Alternating runs after one untimed warm-up each; prints the median and the
// fastest of RUNS of the whole path and of the commit alone, per concurrency.
// On the disk of os.tmpdir().
import { mkdtempSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { filesUnder, fsyncDir, streamDurable, writeAtomic, writeDurable } from '../../gateway/captures/fs-atomic.ts';
import { CaptureStore } from '../../gateway/captures/store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { createLogger } from '../../src/log.ts';
import { median } from '../lib/stats.ts';

const PODS = 50;
const CHUNKS = 4;
const CHUNK = Buffer.alloc(8 * 1024, 7); // 32 KiB a pod
const MERGED = Buffer.alloc(256 * 1024, 9);
const RUNS = 25;
const CONCURRENCY = [16, 50]; // the default --fanout-concurrency, and bench:gateway's

const root = mkdtempSync(join(tmpdir(), 'podprof-store-write-'));
const log = createLogger('bench', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const store = await CaptureStore.open(join(root, 'store'), { maxBytes: 1e12, maxNamespaceBytes: 1e12, maxAgeMs: 86_400_000 }, log);
store.close();

let seq = 0;
function meta(): CaptureMeta {
  const pods = Array.from({ length: PODS }, (_, i) => ({
    pod: `web-${i}`,
    uid: `u${i}`,
    status: 'ok' as const,
    file: `pods/web-${i}.pb.gz`,
  }));
  return {
    id: `bench000-${String(seq++).padStart(10, '0')}`,
    user: 'bench',
    createdAt: new Date().toISOString(),
    namespace: 'team-a',
    target: { workload: { kind: 'Deployment', name: 'web' } },
    type: 'profile',
    status: 'running',
    pods,
    bytes: 0,
  };
}

const body = (): Readable => Readable.from(Array.from({ length: CHUNKS }, () => CHUNK));

/** Runs `each` for every pod, `concurrency` at a time, as fetchPods does. */
async function perPod(concurrency: number, each: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < PODS; i = next++) await each(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, PODS) }, worker));
}

/** The store as it is: begin, stream every pod's body, write the merged profile, commit; returns when the commit started. */
async function current(concurrency: number): Promise<number> {
  const w = await store.begin(meta());
  await perPod(concurrency, (i) => streamDurable(join(w.tmp, `pods/web-${i}.pb.gz`), body()));
  await w.write('profile.pb.gz', MERGED);
  Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
  const commit = performance.now();
  await w.commit();
  return commit;
}

/** The previous commit, from the same calls: begin as the store does, the same writes, each file renamed on its own; returns when the commit started. */
async function previous(concurrency: number): Promise<number> {
  const m = meta();
  const dir = join(store.dir, m.id);
  const tmp = join(store.dir, `.tmp-${m.id}`);
  await mkdir(dir, { mode: 0o700 });
  await writeAtomic(join(dir, 'meta.json'), JSON.stringify(m, null, 2));
  await fsyncDir(store.dir);
  await mkdir(tmp, { mode: 0o700 });
  await perPod(concurrency, (i) => streamDurable(join(tmp, `pods/web-${i}.pb.gz`), body()));
  await writeDurable(join(tmp, 'profile.pb.gz'), MERGED);
  const commit = performance.now();
  const files = await filesUnder(tmp);
  for (const f of files) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await rename(join(tmp, f), join(dir, f));
  }
  for (const d of new Set(files.map((f) => dirname(join(dir, f))))) await fsyncDir(d);
  await writeAtomic(join(dir, 'meta.json'), JSON.stringify({ ...m, status: 'done' }, null, 2));
  await rm(tmp, { recursive: true, force: true });
  return commit;
}

interface Times {
  readonly total: number[];
  readonly commit: number[];
}

/** Runs `run` once: into `into` the whole path's ms and the commit's. */
async function timed(run: () => Promise<number>, into?: Times): Promise<void> {
  const t0 = performance.now();
  const commit = await run();
  const end = performance.now();
  into?.total.push(end - t0);
  into?.commit.push(end - commit);
  await writeDurable(join(root, 'sync'), ''); // nothing dirty carried into the next run
}

const fmt = (xs: readonly number[]): string => `${median(xs).toFixed(1)} ms (fastest ${Math.min(...xs).toFixed(1)})`;
const ratio = (a: readonly number[], b: readonly number[]): string => `${(median(a) / median(b)).toFixed(2)}×`;
console.log(
  `store write path: ${PODS} pods × ${(CHUNKS * CHUNK.length) / 1024} KiB + a ${MERGED.length / 1024} KiB merged profile, begin → commit, median of ${RUNS} (${root})`,
);
for (const c of CONCURRENCY) {
  const now: Times = { total: [], commit: [] };
  const before: Times = { total: [], commit: [] };
  await timed(() => current(c));
  await timed(() => previous(c));
  for (let i = 0; i < RUNS; i++) {
    const runs = [() => timed(() => current(c), now), () => timed(() => previous(c), before)];
    for (const run of i % 2 === 0 ? runs : runs.reverse()) await run();
  }
  console.log(
    `  concurrency ${c}: whole path: previous ${fmt(before.total)}, now ${fmt(now.total)}, ${ratio(now.total, before.total)}; commit alone: previous ${fmt(before.commit)}, now ${fmt(now.commit)}, ${ratio(now.commit, before.commit)}`,
  );
}
await rm(root, { recursive: true, force: true });
