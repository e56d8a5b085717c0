// S3ObjectStore against a real S3-compatible server (versitygw, posix
// backend): the same contract as the directory store — whole objects, a key
// created once of many racing writers (PutObject If-None-Match: *), listing by
// prefix across pages, a prefix under the bucket no key can leave — and every
// call failing as StoreUnavailable, quickly, while the server is stopped, then
// working again once it is back, with the same client.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { StoreUnavailable } from '../../gateway/shared/object-store.ts';
import { S3ObjectStore } from '../../gateway/shared/s3-store.ts';
import { parseStoreLocation, type StoreLocation } from '../../gateway/shared/store-url.ts';
import { startVersitygw, type Versitygw } from '../kit/objectstore/versitygw.ts';

let gw: Versitygw;
let store: S3ObjectStore;

before(async () => {
  gw = await startVersitygw();
  Object.assign(process.env, gw.env);
  const l = parseStoreLocation(gw.storeUrl('tenant-1')) as Extract<StoreLocation, { kind: 's3' }>;
  store = new S3ObjectStore(l, { connectTimeoutMs: 1000, maxAttempts: 2 });
});
after(async () => {
  store.close();
  await gw.close();
});

const text = async (key: string): Promise<string | undefined> => {
  const b = await store.get(key);
  return b === undefined ? undefined : Buffer.from(b).toString();
};

test('put, get, open and delete round-trip an object; a missing one is undefined, deleting it twice is fine', async () => {
  assert.equal(await store.get('captures/ns/a/meta.json'), undefined);
  await store.put('captures/ns/a/meta.json', '{"a":1}');
  assert.equal(await text('captures/ns/a/meta.json'), '{"a":1}');
  const o = await store.open('captures/ns/a/meta.json');
  assert.equal(o?.size, 7);
  o?.stream.destroy();
  await store.delete('captures/ns/a/meta.json');
  await store.delete('captures/ns/a/meta.json');
  assert.equal(await store.open('captures/ns/a/meta.json'), undefined);
});

test('of many racing putIfAbsent calls on one key exactly one wins, and its body is what is stored', async () => {
  const wins = await Promise.all(Array.from({ length: 12 }, (_, i) => store.putIfAbsent('leases/x/end.json', `writer ${i}`)));
  assert.equal(wins.filter(Boolean).length, 1);
  assert.equal(await text('leases/x/end.json'), `writer ${wins.indexOf(true)}`);
  assert.equal(await store.putIfAbsent('leases/x/end.json', 'late'), false);
});

test('a stream of known size and one of unknown size are stored whole; a stream past the buffer bound is refused', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  assert.equal(
    await store.putStream('captures/ns/b/profile.pb.gz', Readable.from([big.subarray(0, 1000), big.subarray(1000)]), big.length),
    big.length,
  );
  assert.ok(Buffer.from((await store.get('captures/ns/b/profile.pb.gz'))!).equals(big));
  assert.equal(await store.putStream('captures/ns/b/pods/web-0.pb.gz', Readable.from([Buffer.from('ab'), Buffer.from('c')])), 3);
  assert.equal(await text('captures/ns/b/pods/web-0.pb.gz'), 'abc');
  const small = new S3ObjectStore(store.location, { maxBufferedBytes: 10 });
  await assert.rejects(small.putStream('captures/ns/b/x', Readable.from([Buffer.alloc(11)])), /larger than the 10 bytes/);
  small.close();
});

test('list yields every key under a prefix in order, across pages, without the store prefix', async () => {
  const keys = Array.from({ length: 1005 }, (_, i) => `many/k${String(i).padStart(4, '0')}`);
  for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, 'x')));
  const listed: string[] = [];
  for await (const o of store.list('many/')) listed.push(o.key);
  assert.deepEqual(listed, keys);
  const other: string[] = [];
  for await (const o of store.list('captures/ns/b/')) other.push(o.key);
  assert.deepEqual(other, ['captures/ns/b/pods/web-0.pb.gz', 'captures/ns/b/profile.pb.gz']);
});

test('keys that could leave the prefix are refused before any request', async () => {
  for (const k of ['../tenant-2/x', 'a/../../b', '/abs', 'a//b', 'a/./b', '']) {
    await assert.rejects(store.put(k, 'x'), /not a valid store key/);
  }
  const outside = new S3ObjectStore({ ...store.location, prefix: 'tenant-2' });
  assert.equal(await outside.get('captures/ns/b/profile.pb.gz'), undefined, "another prefix does not see tenant-1's objects");
  outside.close();
});

test('while the server is stopped every call fails as StoreUnavailable, and the same client works again once it is back', async () => {
  await store.ping();
  await gw.stop();
  for (const call of [
    () => store.ping(),
    () => store.get('captures/ns/a/meta.json'),
    () => store.put('captures/ns/a/meta.json', 'x'),
    () => store.putIfAbsent('captures/ns/a/end.json', 'x'),
    async () => {
      for await (const _ of store.list('captures/')) break;
    },
  ]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailable, String(err));
      assert.match(err.message, /the object store \(s3 podprof-test\/tenant-1 at http:\/\/127\.0\.0\.1:\d+\) failed to/);
      assert.doesNotMatch(err.message, new RegExp(gw.secretKey));
      return true;
    });
  }
  await gw.restart();
  await store.ping();
  await store.put('captures/ns/a/meta.json', 'back');
  assert.equal(await text('captures/ns/a/meta.json'), 'back');
});
