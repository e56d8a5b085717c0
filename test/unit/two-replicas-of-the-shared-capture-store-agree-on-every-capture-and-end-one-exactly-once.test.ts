// Two SharedCaptureStores (two replicas) on one DirObjectStore: a capture
// begun by one is listed running by the other, with its progress, and read
// whole once committed; a replica whose lease stops moving has its capture
// ended as failed by the other, and when it then commits anyway it loses the
// end.json race, adopts the failed meta and leaves none of its files behind;
// a meta.json left running beside an end.json is repaired; a delete and the
// namespace quota hold across replicas.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { endKey, metaKey } from '../../gateway/captures/object-keys.ts';
import { REPLICA_STOPPED, SharedCaptureStore } from '../../gateway/captures/shared-store.ts';
import { newCaptureId } from '../../gateway/captures/captures.ts';
import { DirObjectStore } from '../../gateway/shared/dir-store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { createLogger } from '../../src/log.ts';

const log = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const LIMITS = { maxBytes: 1e9, maxNamespaceBytes: 1e9, maxAgeMs: 86_400_000 };

async function twoReplicas(
  fn: (one: SharedCaptureStore, two: SharedCaptureStore, objects: DirObjectStore) => Promise<void>,
  limits = LIMITS,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podprof-replicas-'));
  const objects = new DirObjectStore(join(root, 'bucket'));
  const open = (name: string): Promise<SharedCaptureStore> =>
    SharedCaptureStore.open(objects, limits, log, { scratch: join(root, name), replica: name, refreshMs: 20, renewMs: 250 });
  const one = await open('one');
  const two = await open('two');
  try {
    await fn(one, two, objects);
  } finally {
    one.close();
    two.close();
    await rm(root, { recursive: true, force: true });
  }
}

function newMeta(namespace = 'team-a'): CaptureMeta {
  return {
    id: newCaptureId(),
    user: 'alice',
    groups: [],
    createdAt: new Date().toISOString(),
    namespace,
    target: { workload: { kind: 'Deployment', name: 'web' } },
    type: 'heap',
    status: 'running',
    pods: [
      { pod: 'web-0', uid: 'u0', status: 'running' },
      { pod: 'web-1', uid: 'u1', status: 'running' },
    ],
    bytes: 0,
  };
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stored = async (objects: DirObjectStore, key: string): Promise<CaptureMeta> =>
  JSON.parse(Buffer.from((await objects.get(key))!).toString()) as CaptureMeta;

const text = async (s: SharedCaptureStore, id: string, file: string): Promise<string> => {
  const found = await s.read(id, file);
  assert.ok(found, `${file} readable`);
  const chunks: Buffer[] = [];
  for await (const c of found.stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};

test('a capture begun on one replica is listed running on the other with its progress, and read whole once committed', () =>
  twoReplicas(async (one, two) => {
    const w = await one.begin(newMeta());
    const { id } = w.meta;
    assert.equal((await two.lookup(id))?.status, 'running', 'a miss reads through');
    assert.equal(two.isRunning(id), true);
    assert.equal(await two.delete(id), false, 'a capture running on another replica cannot be deleted');
    w.meta.pods[0]!.status = 'ok';
    await until(() => (two.get(id)?.pods[0]?.status === 'ok' ? true : undefined), 'progress seen on two');
    assert.equal(await two.read(id, 'profile.pb.gz'), undefined, 'nothing is served while it runs');
    await w.write('pods/web-0.pb.gz', Buffer.from('zero'));
    await w.write('pods/web-1.pb.gz', Buffer.from('one'));
    await w.write('profile.pb.gz', Buffer.from('merged'));
    Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
    w.meta.pods[0]!.file = 'pods/web-0.pb.gz';
    Object.assign(w.meta.pods[1]!, { status: 'ok', file: 'pods/web-1.pb.gz' });
    const done = await w.commit();
    assert.equal(done.bytes, 13);
    const seen = await until(() => (two.get(id)?.status === 'done' ? two.get(id) : undefined), 'done on two');
    assert.deepEqual(seen, done);
    assert.equal(await text(two, id, 'profile.pb.gz'), 'merged');
    assert.equal(await text(two, id, 'pods/web-1.pb.gz'), 'one');
    assert.equal(await two.read(id, 'lease.json'), undefined, 'only files the meta names are served');
  }));

test('a replica whose lease stops has its capture ended once by the other; committing late, it loses and leaves no file', () =>
  twoReplicas(async (one, two, objects) => {
    const w = await one.begin(newMeta());
    const { id, namespace } = w.meta;
    await until(() => two.get(id), 'listed on two');
    one.close(); // its renewals stop, as if its process had died
    const ended = await until(() => (two.get(id)?.status === 'failed' ? two.get(id) : undefined), 'ended by two');
    assert.equal(ended.error, REPLICA_STOPPED);
    assert.deepEqual(
      ended.pods.map((p) => [p.status, p.error]),
      [
        ['failed', REPLICA_STOPPED],
        ['failed', REPLICA_STOPPED],
      ],
    );
    await w.write('profile.pb.gz', Buffer.from('too late'));
    Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
    const committed = await w.commit();
    assert.equal(committed.error, REPLICA_STOPPED, 'the owner adopts what end.json says');
    const keys: string[] = [];
    for await (const o of objects.list(`captures/${namespace}/${id}/`)) keys.push(o.key.split('/').slice(3).join('/'));
    assert.deepEqual(keys, ['end.json', 'meta.json']);
    assert.equal((await stored(objects, metaKey(namespace, id))).error, REPLICA_STOPPED);
  }));

test('a meta.json left running beside an end.json (its owner stopped between the two writes) is repaired from end.json', () =>
  twoReplicas(async (_one, two, objects) => {
    const m = newMeta();
    await objects.put(metaKey(m.namespace, m.id), JSON.stringify(m));
    await objects.put(endKey(m.namespace, m.id), JSON.stringify({ ...m, status: 'done', bytes: 0 }));
    const fixed = await until(() => (two.get(m.id)?.status === 'done' ? two.get(m.id) : undefined), 'repaired');
    assert.equal(fixed.id, m.id);
    assert.equal((await stored(objects, metaKey(m.namespace, m.id))).status, 'done');
  }));

test('a delete on one replica is seen by the other, and a namespace quota is enforced on captures another replica made', () =>
  twoReplicas(
    async (one, two, objects) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const w = await one.begin(newMeta());
        await w.write('profile.pb.gz', Buffer.alloc(40));
        Object.assign(w.meta, { status: 'done', file: 'profile.pb.gz' });
        ids.push((await w.commit()).id);
        await new Promise((r) => setTimeout(r, 5)); // distinct createdAt
      }
      // 3 × 40 bytes in a namespace allowed 100: the oldest goes, whoever sweeps first.
      await until(() => (one.get(ids[0]!) === undefined && two.get(ids[0]!) === undefined ? true : undefined), 'oldest evicted');
      assert.deepEqual(
        two
          .list()
          .map((m) => m.id)
          .sort(),
        ids.slice(1).sort(),
      );
      assert.equal(await two.delete(ids[1]!), true);
      await until(() => (one.get(ids[1]!) === undefined ? true : undefined), 'delete seen on one');
      const left: string[] = [];
      for await (const o of objects.list(`captures/team-a/${ids[1]}/`)) left.push(o.key);
      assert.deepEqual(left, []);
    },
    { ...LIMITS, maxNamespaceBytes: 100 },
  ));

test('objects outside the layout, and a capture whose meta.json is not its own, are not listed', () =>
  twoReplicas(async (_one, two, objects) => {
    const m = newMeta();
    await objects.put('captures/team-a/not-an-id/meta.json', '{}');
    await objects.put(metaKey('team-b', m.id), JSON.stringify(m)); // says team-a, filed under team-b
    await writeFile(join(objects.root, 'stray'), 'x');
    await two.refresh();
    assert.deepEqual(two.list(), []);
  }));
