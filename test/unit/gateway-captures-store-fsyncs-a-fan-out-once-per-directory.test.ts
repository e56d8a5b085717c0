// A fan-out capture costs the same three directory fsyncs for 1 pod or 50:
// pods/ once, after every pod's file is written (each fsynced by its writer,
// the pods in parallel), the capture's directory once before its final
// meta.json and once after — all of them but the last while meta.json on disk
// still says "running". A directory fsync failing at any of those points
// stores the capture as failed with no data; a gateway stopping at any of them
// leaves a capture the next one reports failed, or (stopped only after the
// final meta) one that is done with every file whole. Counted through the
// store's SyncDir seam.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { fsyncDir, streamDurable, type SyncDir } from '../../gateway/captures/fs-atomic.ts';
import { CRASHED } from '../../gateway/captures/recover.ts';
import { CaptureStore } from '../../gateway/captures/store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { createLogger } from '../../src/log.ts';

const log = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const LIMITS = { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: 86_400_000 };
const ID = 'aaaaaaaa-0000000001';

interface Sync {
  /** Relative to the store. */
  readonly dir: string;
  /** What meta.json on disk said when the fsync started. */
  readonly onDisk: string;
}

/** A SyncDir that records every directory fsync, then runs `then`'s (the disk's, unless a test says otherwise). */
function recording(root: string, then: (n: number) => SyncDir = () => fsyncDir): { syncDir: SyncDir; log: Sync[] } {
  const calls: Sync[] = [];
  const syncDir = (dir: string): Promise<void> => {
    const meta = join(root, ID, 'meta.json');
    const onDisk = existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as CaptureMeta).status : 'none';
    calls.push({ dir: relative(root, dir), onDisk });
    return then(calls.length - 1)(dir);
  };
  return { syncDir, log: calls };
}

const podName = (i: number): string => `web-${i}`;
const bodyOf = (i: number): Buffer => Buffer.alloc(4096 + i, i % 256);

/** A fan-out capture of `pods` pods written as fetchPods and assemble write them, then committed. */
async function fanOut(store: CaptureStore, pods: number): Promise<CaptureMeta> {
  const names = Array.from({ length: pods }, (_, i) => podName(i));
  const w = await store.begin({
    id: ID,
    user: 'alice',
    groups: [],
    createdAt: new Date().toISOString(),
    namespace: 'team-a',
    target: { workload: { kind: 'Deployment', name: 'web' } },
    type: 'heap',
    status: 'running',
    pods: names.map((pod) => ({ pod, uid: pod, status: 'running' })),
    bytes: 0,
  });
  await Promise.all(names.map((_, i) => streamDurable(join(w.tmp, `pods/${podName(i)}.pb.gz`), Readable.from([bodyOf(i)]))));
  await w.write('profile.pb.gz', Buffer.from('merged'));
  for (const [i, r] of w.meta.pods.entries()) Object.assign(r, { status: 'ok', file: `pods/${podName(i)}.pb.gz` });
  Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
  return w.commit();
}

/** begin's own directory fsyncs: the capture's (its meta.json), the store's. */
const BEGIN_SYNCS = 2;

test('a fan-out capture fsyncs pods/ once and its directory twice, for 1 pod or 50, meta.json done only at the last', async () => {
  for (const pods of [1, 5, 50]) {
    const dir = mkdtempSync(join(tmpdir(), 'podprof-syncs-'));
    const rec = recording(dir);
    const store = await CaptureStore.open(dir, LIMITS, log, rec.syncDir);
    try {
      const meta = await fanOut(store, pods);
      assert.equal(meta.status, 'done');
      assert.deepEqual(
        rec.log.map((c) => c.dir),
        [ID, '', `.tmp-${ID}/pods`, ID, ID],
        `${pods} pods: begin's two, then the commit's three`,
      );
      assert.deepEqual(
        rec.log.map((c) => c.onDisk),
        ['running', 'running', 'running', 'running', 'done'],
      );
      assert.equal(readdirSync(join(dir, ID, 'pods')).length, pods);
      for (let i = 0; i < pods; i++) assert.ok(readFileSync(join(dir, ID, 'pods', `${podName(i)}.pb.gz`)).equals(bodyOf(i)));
    } finally {
      store.close();
    }
  }
});

test('a directory fsync failing at any point of the commit stores the capture as failed, with no data, after a restart too', async () => {
  let tried = 0;
  for (let k = BEGIN_SYNCS; ; k++) {
    const dir = mkdtempSync(join(tmpdir(), 'podprof-syncs-'));
    let failed = false;
    const eio: SyncDir = () => ((failed = true), Promise.reject(new Error('EIO')));
    const store = await CaptureStore.open(dir, LIMITS, log, recording(dir, (i) => (i === k ? eio : fsyncDir)).syncDir);
    store.close(); // no periodic sweeps; the store still works
    const meta = await fanOut(store, 5);
    if (!failed) break; // the commit has fewer fsyncs than k: every one was tried
    tried++;
    assert.equal(meta.status, 'failed', `fsync ${k} failed`);
    assert.match(meta.error ?? '', /storing the capture failed: EIO/);
    assert.equal(await store.read(ID, 'profile.pb.gz'), undefined);
    assert.equal(await store.read(ID, 'pods/web-0.pb.gz'), undefined);
    assert.deepEqual(readdirSync(dir), [ID], 'the temp dir is gone');
    assert.deepEqual(readdirSync(join(dir, ID)), ['meta.json'], 'no data is kept');
    const next = await CaptureStore.open(dir, LIMITS, log);
    next.close();
    assert.deepEqual(
      next.list().map((m) => [m.status, m.file, m.bytes, m.pods.filter((p) => p.file).length]),
      [['failed', undefined, 0, 0]],
    );
  }
  assert.equal(tried, 3);
});

test('a gateway stopping at any directory fsync of the commit leaves a capture the next one reports failed, or done and whole', async () => {
  const outcomes: string[] = [];
  for (let k = BEGIN_SYNCS; ; k++) {
    const dir = mkdtempSync(join(tmpdir(), 'podprof-syncs-'));
    let stop!: () => void;
    const stopped = new Promise<'stopped'>((r) => (stop = () => r('stopped')));
    const never: SyncDir = () => (stop(), new Promise<void>(() => undefined)); // the process is gone: nothing after this runs
    const rec = recording(dir, (i) => (i === k ? never : fsyncDir));
    const store = await CaptureStore.open(dir, LIMITS, log, rec.syncDir);
    store.close();
    if ((await Promise.race([stopped, fanOut(store, 5).then(() => 'committed' as const)])) === 'committed') break; // every point was tried
    const next = await CaptureStore.open(dir, LIMITS, log);
    next.close();
    const [m] = next.list();
    outcomes.push(`${rec.log.at(-1)!.dir}: ${m!.status}`);
    if (m!.status === 'failed') {
      assert.equal(m!.error, CRASHED, `stopped at fsync ${k}`);
      assert.deepEqual(readdirSync(join(dir, ID)), ['meta.json']);
    } else {
      for (const [i, p] of m!.pods.entries()) assert.ok(readFileSync(join(dir, ID, p.file!)).equals(bodyOf(i)));
      assert.ok(readFileSync(join(dir, ID, m!.file!)).equals(Buffer.from('merged')));
    }
  }
  assert.deepEqual(outcomes, [`.tmp-${ID}/pods: failed`, `${ID}: failed`, `${ID}: done`]);
});
