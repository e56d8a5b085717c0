// The capture store's limits: a namespace over --store-namespace-max-bytes loses
// its own oldest captures, never another namespace's; a store at
// --store-max-bytes is full (new captures are refused) instead of evicting
// anyone; captures older than --store-max-age go at start and on the periodic
// sweep. Running captures are never swept. A store that cannot be opened does
// not stop the gateway: capture calls answer 503 saying why.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { allowAll } from '../../gateway/auth/authz.ts';
import { TargetRegistry } from '../../gateway/discovery/registry.ts';
import { Captures } from '../../gateway/captures/captures.ts';
import { CaptureStore } from '../../gateway/captures/store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { PodprofError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';

const lines: string[] = [];
const log = createLogger('test', { destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) });
const DAY = 86_400_000;

async function put(store: CaptureStore, id: string, ageMs: number, bytes: number, namespace = 'team-a'): Promise<CaptureMeta> {
  const w = await store.begin({
    id,
    user: 'alice',
    groups: [],
    createdAt: new Date(Date.now() - ageMs).toISOString(),
    namespace,
    target: { pod: 'web-0' },
    type: 'heap',
    status: 'running',
    pods: [{ pod: 'web-0', uid: 'u', status: 'ok' }],
    bytes: 0,
  });
  await w.write('profile.pb.gz', Buffer.alloc(bytes, 1));
  Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
  return w.commit();
}

const ids = (s: CaptureStore): string[] => s.list().map((m) => m.id);

test("over its quota a namespace loses its own oldest captures, never another namespace's", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-store-'));
  const store = await CaptureStore.open(dir, { maxBytes: 1e9, maxNamespaceBytes: 2500, maxAgeMs: DAY }, log);
  try {
    await put(store, 'aaaaaaaa-0000000000', 9000, 2000, 'team-b'); // the oldest of all
    assert.equal((await put(store, 'aaaaaaaa-0000000001', 3000, 1000)).bytes, 1000);
    await put(store, 'aaaaaaaa-0000000002', 2000, 1000);
    await put(store, 'aaaaaaaa-0000000003', 1000, 1000);
    assert.deepEqual(
      ids(store),
      ['aaaaaaaa-0000000003', 'aaaaaaaa-0000000002', 'aaaaaaaa-0000000000'],
      "team-a's oldest went; team-b's older capture stayed",
    );
    assert.ok(!existsSync(join(dir, 'aaaaaaaa-0000000001')));
    await put(store, 'aaaaaaaa-0000000004', 0, 2000);
    assert.deepEqual(ids(store), ['aaaaaaaa-0000000004', 'aaaaaaaa-0000000000']);
    assert.deepEqual([store.namespaceBytes('team-a'), store.namespaceBytes('team-b')], [2000, 2000]);
    assert.ok(lines.some((l) => l.includes('"reason":"namespace over --store-namespace-max-bytes"') && l.includes('"namespace":"team-a"')));
    assert.ok(!lines.some((l) => l.includes('"namespace":"team-b"') && l.includes('capture deleted')));
  } finally {
    store.close();
  }
});

test('a store at its total limit is full and deletes nothing to make room', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-store-'));
  const store = await CaptureStore.open(dir, { maxBytes: 3000, maxNamespaceBytes: 2000, maxAgeMs: DAY }, log);
  try {
    await put(store, 'cccccccc-0000000001', 2000, 1500, 'team-a');
    assert.equal(store.isFull, false);
    await put(store, 'cccccccc-0000000002', 1000, 1500, 'team-b');
    assert.equal(store.isFull, true);
    assert.deepEqual(ids(store), ['cccccccc-0000000002', 'cccccccc-0000000001'], 'both namespaces keep their captures');
    await store.delete('cccccccc-0000000001');
    assert.equal(store.isFull, false);
  } finally {
    store.close();
  }
});

test('captures older than the age limit are deleted when the store opens and by the periodic sweep', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-store-'));
  const first = await CaptureStore.open(dir, { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: 30 * DAY }, log);
  await put(first, 'bbbbbbbb-0000000001', 2 * DAY, 10);
  await put(first, 'bbbbbbbb-0000000002', 0, 10);
  first.close();
  const store = await CaptureStore.open(dir, { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: DAY }, log);
  try {
    assert.deepEqual(ids(store), ['bbbbbbbb-0000000002'], 'the 2-day-old capture went at start');
    assert.ok(!existsSync(join(dir, 'bbbbbbbb-0000000001')));
  } finally {
    store.close();
  }
  const short = await CaptureStore.open(dir, { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: 1000 }, log);
  try {
    await put(short, 'bbbbbbbb-0000000003', 0, 10);
    const running = await short.begin({
      id: 'bbbbbbbb-0000000004',
      user: 'alice',
      groups: [],
      createdAt: new Date(Date.now() - 5000).toISOString(),
      namespace: 'team-a',
      target: { pod: 'web-0' },
      type: 'heap',
      status: 'running',
      pods: [],
      bytes: 0,
    });
    assert.deepEqual(ids(short), ['bbbbbbbb-0000000003', 'bbbbbbbb-0000000002', 'bbbbbbbb-0000000004']);
    await new Promise((r) => setTimeout(r, 2300));
    assert.deepEqual(ids(short), ['bbbbbbbb-0000000004'], 'the sweep removed the expired captures, not the running one');
    await running.commit();
  } finally {
    short.close();
  }
});

test('a store directory that cannot be used makes capture calls answer 503 naming it, without stopping the gateway', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'podprof-store-')), 'a-file');
  writeFileSync(dir, 'not a directory');
  const deps = { registry: new TargetRegistry(), authorize: allowAll, sidecars: { call: () => assert.fail('no pod is asked') } };
  const captures = await Captures.open({
    dir: join(dir, 'store'),
    store: { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: DAY },
    deps,
    log,
  });
  assert.throws(
    () => captures.store,
    (e: PodprofError) =>
      e.code === 'PODPROF_STORE_UNAVAILABLE' &&
      e.status === 503 &&
      e.message.startsWith(`the capture store ${dir}/store cannot be used: ENOTDIR`),
  );
  await captures.close();
});
