import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirObjectStore } from '../../gateway/shared/dir-store.ts';

async function withStore(fn: (s: DirObjectStore, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podprof-objects-'));
  try {
    await fn(new DirObjectStore(root), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('put, get, open and delete round-trip an object; a missing one is undefined', () =>
  withStore(async (s) => {
    assert.equal(await s.get('captures/ns/a/meta.json'), undefined);
    await s.put('captures/ns/a/meta.json', '{"a":1}');
    assert.equal(Buffer.from((await s.get('captures/ns/a/meta.json'))!).toString(), '{"a":1}');
    const o = await s.open('captures/ns/a/meta.json');
    assert.equal(o?.size, 7);
    o?.stream.destroy();
    await s.delete('captures/ns/a/meta.json');
    await s.delete('captures/ns/a/meta.json');
    assert.equal(await s.open('captures/ns/a/meta.json'), undefined);
  }));

test('of many racing putIfAbsent calls on one key exactly one wins, and its body is what is stored', () =>
  withStore(async (s) => {
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => s.putIfAbsent('links/spent/abc', `writer ${i}`)));
    assert.equal(wins.filter(Boolean).length, 1);
    assert.equal(Buffer.from((await s.get('links/spent/abc'))!).toString(), `writer ${wins.indexOf(true)}`);
  }));

test('a streamed object is listed only once complete, and list never shows temp files', () =>
  withStore(async (s, root) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* body(): AsyncIterable<Uint8Array> {
      yield new Uint8Array(10);
      await gate;
      yield new Uint8Array(5);
    }
    const writing = s.putStream('captures/ns/b/profile.pb.gz', body());
    await new Promise((r) => setTimeout(r, 50));
    const during = [];
    for await (const o of s.list('captures/')) during.push(o.key);
    assert.deepEqual(during, []);
    assert.equal((await readdir(join(root, 'captures/ns/b'))).length, 1, 'the temp file exists on disk meanwhile');
    release();
    assert.equal(await writing, 15);
    const after = [];
    for await (const o of s.list('captures/ns/')) after.push([o.key, o.size]);
    assert.deepEqual(after, [['captures/ns/b/profile.pb.gz', 15]]);
  }));

test('keys that could leave the root or name odd paths are refused', () =>
  withStore(async (s) => {
    for (const bad of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', 'a b', 'a\\b', ''])
      await assert.rejects(s.put(bad, 'x'), /not a valid store key/, bad);
  }));

test('list by a partial prefix returns the matching keys in order', () =>
  withStore(async (s) => {
    for (const k of ['captures/team-a/2/meta.json', 'captures/team-a/1/meta.json', 'captures/team-b/1/meta.json', 'links/x'])
      await s.put(k, 'x');
    const keys = [];
    for await (const o of s.list('captures/team-a/')) keys.push(o.key);
    assert.deepEqual(keys, ['captures/team-a/1/meta.json', 'captures/team-a/2/meta.json']);
    const team = [];
    for await (const o of s.list('captures/team')) team.push(o.key);
    assert.equal(team.length, 3);
  }));
