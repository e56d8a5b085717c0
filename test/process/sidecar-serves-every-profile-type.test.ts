// Each profile type, fetched from a real Go program through the sidecar, is what
// Go served: protobuf profiles decode and `go tool pprof -raw` accepts them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import type { ProfileType } from '../../src/endpoints/catalog.ts';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

const run = promisify(execFile);
const keys = makeKeys();
let target: GoTarget;
let sidecar: TestSidecar;
const dir = mkdtempSync(join(tmpdir(), 'podprof-profiles-'));

before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
  sidecar = await startInProcess(keys, target.url, [
    '--profiles',
    'profile,trace,heap,allocs,goroutine,block,mutex,threadcreate,cmdline,symbol',
  ]);
});
after(async () => {
  await sidecar.close();
  await target.stop();
});

const PROTO: Array<[ProfileType, string, string]> = [
  ['profile', '?seconds=1', 'cpu'],
  ['heap', '', 'inuse_space'],
  ['heap', '?gc=1', 'inuse_space'],
  ['allocs', '', 'alloc_space'],
  ['goroutine', '', 'goroutine'],
  ['block', '', 'delay'],
  ['mutex', '', 'delay'],
  ['threadcreate', '', 'threadcreate'],
  ['heap', '?seconds=1', 'inuse_space'],
];

for (const [type, query, sampleType] of PROTO) {
  test(`${type}${query} through the sidecar decodes and go tool pprof -raw accepts it`, async () => {
    const r = await httpsRequest(`${sidecar.url}/debug/pprof/${type}${query}`, { headers: bearer(mint(keys, type)) });
    assert.equal(r.status, 200, r.text);
    const profile = Profile.decode(gunzipSync(r.body));
    const types = profile.sampleType.map((st) => profile.stringTable.strings[Number(st.type)]);
    assert.ok(types.includes(sampleType), `sample types ${types.join(',')}`);
    if (type !== 'threadcreate') assert.ok(profile.sample.length > 0, 'profile has samples');
    const file = join(dir, `${type}-${Math.random().toString(36).slice(2)}.pb.gz`);
    writeFileSync(file, r.body);
    const { stdout } = await run('go', ['tool', 'pprof', '-raw', file], { maxBuffer: 64 << 20 });
    assert.match(stdout, /Samples:/);
  });
}

test('trace through the sidecar is a Go execution trace', async () => {
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/trace?seconds=0.5`, { headers: bearer(mint(keys, 'trace')) });
  assert.equal(r.status, 200, r.text);
  assert.match(r.body.subarray(0, 16).toString('latin1'), /^go 1\.\d+ trace/);
});

test('goroutine?debug=2 returns the full text dump', async () => {
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/goroutine?debug=2`, { headers: bearer(mint(keys, 'goroutine')) });
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /goroutine \d+ \[/);
});

test('cmdline, when the pod allows it, returns the process arguments', async () => {
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/cmdline`, { headers: bearer(mint(keys, 'cmdline')) });
  assert.equal(r.status, 200);
  assert.match(r.text, /-listen/);
});

test('symbol lookups pass by GET and by POST', async () => {
  const get = await httpsRequest(`${sidecar.url}/debug/pprof/symbol`, { headers: bearer(mint(keys, 'symbol', { maxSeconds: 0 })) });
  assert.equal(get.status, 200);
  assert.match(get.text, /num_symbols: 1/);
  const post = await httpsRequest(`${sidecar.url}/debug/pprof/symbol`, {
    method: 'POST',
    headers: { ...bearer(mint(keys, 'symbol')), 'content-type': 'text/plain' },
    body: '0x401000+0x402000',
  });
  assert.equal(post.status, 200, post.text);
});
