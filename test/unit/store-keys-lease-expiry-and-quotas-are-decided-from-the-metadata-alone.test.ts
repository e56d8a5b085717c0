// The pure parts of the replicated capture store: where a capture's objects
// live (a key never leaves captures/<namespace>/<id>/), when another replica's
// lease counts as expired (by the observer's own clock, never the owner's),
// which captures the limits delete, and what --store accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capturePrefix, endKey, fileKey, leaseKey, metaKey, parseKey } from '../../gateway/captures/object-keys.ts';
import { leaseExpired, leaseSeq, sight } from '../../gateway/captures/lease.ts';
import { evictions, storeFull } from '../../gateway/captures/store-limits.ts';
import { interrupted, REPLICA_STOPPED } from '../../gateway/captures/shared-store.ts';
import { parseStoreLocation } from '../../gateway/shared/store-url.ts';
import type { CaptureMeta } from '../../src/api/types.ts';

const ID = 'mjk3abcd-0123456789';

test('a capture’s objects are laid out by namespace, and parseKey reads the layout back', () => {
  assert.equal(metaKey('team-a', ID), `captures/team-a/${ID}/meta.json`);
  assert.equal(leaseKey('team-a', ID), `captures/team-a/${ID}/lease.json`);
  assert.equal(endKey('team-a', ID), `captures/team-a/${ID}/end.json`);
  assert.equal(fileKey('team-a', ID, 'pods/web-0.pb.gz'), `captures/team-a/${ID}/pods/web-0.pb.gz`);
  assert.deepEqual(parseKey(`captures/team-a/${ID}/pods/web-0.pb.gz`), { namespace: 'team-a', id: ID, rest: 'pods/web-0.pb.gz' });
  for (const k of ['leases/x', `captures/Team_A/${ID}/meta.json`, 'captures/team-a/not-an-id/meta.json', `captures/team-a/${ID}`])
    assert.equal(parseKey(k), undefined, k);
});

test('no namespace, id or file name can make a key outside its own capture’s prefix', () => {
  for (const ns of ['..', 'team-a/../team-b', '', 'a'.repeat(64), 'Team-A', 'team-a/'])
    assert.throws(() => capturePrefix(ns, ID), /not a namespace/, ns);
  for (const id of ['..', `${ID}/../x`, 'x']) assert.throws(() => capturePrefix('team-a', id), /not a capture id/, id);
  for (const f of ['../meta.json', 'pods/../../team-b/x.pb.gz', 'meta.json', 'lease.json', 'end.json', 'pods/a/b.pb.gz', '/etc/passwd'])
    assert.throws(() => fileKey('team-a', ID, f), /not a stored file name/, f);
});

test('a lease expires only once its counter has not moved for the bound by the observer’s clock', () => {
  let s = sight(undefined, 4, 1000);
  assert.equal(leaseExpired(s, 6999, 6000), false);
  s = sight(s, 5, 5000); // renewed: the clock starts again
  assert.equal(leaseExpired(s, 10_999, 6000), false);
  assert.equal(leaseExpired(s, 11_000, 6000), true);
  assert.equal(sight(s, 5, 20_000), s, 'the same counter read again keeps the first sighting');
  // A replica that just started cannot decide before a whole bound of its own.
  assert.equal(leaseExpired(sight(undefined, 9, 50_000), 50_001, 6000), false);
});

test('a missing or unreadable lease reads as counter -1, which expires like a stopped one', () => {
  assert.equal(leaseSeq(undefined), -1);
  assert.equal(leaseSeq(Buffer.from('{')), -1);
  assert.equal(leaseSeq(Buffer.from('{"seq":"7"}')), -1);
  assert.equal(leaseSeq(Buffer.from('{"owner":"a","seq":7,"at":"x"}')), 7);
  assert.equal(leaseExpired(sight(undefined, -1, 0), 6000, 6000), true);
});

const meta = (id: string, namespace: string, bytes: number, createdAt: string, status: CaptureMeta['status'] = 'done'): CaptureMeta => ({
  id,
  user: 'alice',
  groups: [],
  createdAt,
  namespace,
  target: { pod: 'web-0' },
  type: 'heap',
  status,
  pods: [{ pod: 'web-0', uid: 'u', status: status === 'running' ? 'running' : 'ok' }],
  bytes,
});

test('the limits delete the too old, then a namespace’s own oldest until it fits, never a running capture', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const all = [
    meta('a', 'team-a', 10, '2026-11-01T00:00:00Z'), // older than the age limit
    meta('b', 'team-a', 60, '2026-12-07T10:00:00Z'),
    meta('c', 'team-a', 60, '2026-12-07T11:00:00Z'),
    meta('d', 'team-b', 500, '2026-12-07T09:00:00Z', 'running'),
    meta('e', 'team-b', 90, '2026-12-07T09:00:00Z'),
  ];
  const out = evictions(all, { maxBytes: 1e9, maxNamespaceBytes: 100, maxAgeMs: 7 * 86_400_000 }, now);
  assert.deepEqual(
    out.map((e) => [e.meta.id, e.reason]),
    [
      ['a', 'older than --store-max-age'],
      ['b', 'namespace over --store-namespace-max-bytes'],
    ],
  );
  assert.equal(storeFull(all, { maxBytes: 720, maxNamespaceBytes: 1, maxAgeMs: 1 }), true);
  assert.equal(storeFull(all, { maxBytes: 721, maxNamespaceBytes: 1, maxAgeMs: 1 }), false);
});

test('a capture whose replica stopped ends failed, its unfinished pods failed with why, no file named', () => {
  const m = { ...meta(ID, 'team-a', 0, '2026-12-07T10:00:00Z', 'running'), file: 'profile.pb.gz' };
  m.pods = [
    { pod: 'web-0', uid: 'u0', status: 'ok', file: 'pods/web-0.pb.gz' },
    { pod: 'web-1', uid: 'u1', status: 'running' },
  ];
  const f = interrupted(m);
  assert.equal(f.status, 'failed');
  assert.equal(f.error, REPLICA_STOPPED);
  assert.equal(f.file, undefined);
  assert.deepEqual(
    f.pods.map((p) => [p.pod, p.status, p.file, p.error]),
    [
      ['web-0', 'ok', undefined, undefined],
      ['web-1', 'failed', undefined, REPLICA_STOPPED],
    ],
  );
});

test('--store takes a directory or an s3:// URL with four optional parameters, and says what is wrong with a bad one', () => {
  assert.deepEqual(parseStoreLocation('/var/lib/podprof'), { kind: 'dir', dir: '/var/lib/podprof' });
  assert.deepEqual(
    parseStoreLocation(
      's3://podprof-captures/prod/eu?endpoint=https://s3.example:9000/&region=eu-west-1&forcePathStyle=true&caFile=/etc/ca.pem',
    ),
    {
      kind: 's3',
      bucket: 'podprof-captures',
      prefix: 'prod/eu',
      endpoint: 'https://s3.example:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      caFile: '/etc/ca.pem',
    },
  );
  assert.deepEqual(parseStoreLocation('s3://bucket'), { kind: 's3', bucket: 'bucket', prefix: '', forcePathStyle: false });
  const bad: [string, RegExp][] = [
    ['s3://AKIA:secret@bucket/p', /credentials do not go in the URL/],
    ['s3://b/p', /bucket name/],
    ['s3://bucket/a/../b', /prefix may hold only/],
    ['s3://bucket/p?endpoint=ftp://x', /endpoint: want http/],
    ['s3://bucket/p?endpoint=https://u:p@x', /endpoint: want http/],
    ['s3://bucket/p?forcePathStyle=yes', /forcePathStyle: want true or false/],
    ['s3://bucket/p?secretAccessKey=x', /unknown parameter secretAccessKey/],
    ['s3://bucket/p?region=../x', /region: want/],
    ['gs://bucket/p', /want a directory or an s3:\/\/ URL/],
    ['', /want a directory/],
  ];
  for (const [raw, why] of bad) assert.throws(() => parseStoreLocation(raw), why, raw);
});
