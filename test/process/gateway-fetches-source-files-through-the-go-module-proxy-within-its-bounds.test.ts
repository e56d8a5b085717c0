// GET /api/v1/captures/:id/source: the gateway reads the one file a profile names
// out of a module zip from the Go module proxy (--goproxy), and nothing else.
// The proxy here serves this machine's module download cache on loopback — the
// zips the machine's module proxy served it (`go mod download` fetches the two
// the tests read when a fresh machine lacks them) — so the requests under test
// never leave loopback; the last test asks proxy.golang.org itself when it is reachable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { seedCapture } from '../kit/browser/seeded-capture.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { inModuleCache, startModuleProxy, type ModuleProxy } from '../kit/net/module-proxy.ts';
import { jsonError, startHarness, type Harness } from '../kit/product/gateway.ts';
import { SourceFetcher } from '../../gateway/source/fetcher.ts';
import type { SourceAnswer } from '../../src/api/types.ts';

let XXHASH: string;
let TOOLCHAIN: string;
const XXHASH_FILE = '/root/go/pkg/mod/github.com/cespare/xxhash/v2@v2.3.0/xxhash.go';

let proxy: ModuleProxy;
let whole: ModuleProxy;
let h: Harness;
let id: string;

before(async () => {
  XXHASH = await inModuleCache('github.com/cespare/xxhash/v2', 'v2.3.0');
  TOOLCHAIN = await inModuleCache('golang.org/toolchain', 'v0.0.1-go1.22.12.linux-amd64');
  proxy = await startModuleProxy();
  whole = await startModuleProxy({ ranges: false });
  h = await startHarness({ pods: 1, gatewayArgs: ['--goproxy', proxy.url] });
  id = await seedCapture(h, new Uint8Array([0x1f, 0x8b]));
});
after(async () => {
  await h?.close();
  await proxy?.close();
  await whole?.close();
});

const source = (file: string, extra = '') =>
  httpsRequest(`${h.url}/api/v1/captures/${id}/source?file=${encodeURIComponent(file)}${extra}`, { headers: bearer(h.token) });

test('a dependency file in the module cache’s name is read out of its zip from the proxy with byte ranges, then from memory', async () => {
  proxy.requests.length = 0;
  const r = await source(XXHASH_FILE);
  assert.equal(r.status, 200, r.text);
  const a = JSON.parse(r.text) as SourceAnswer;
  assert.equal(a.kind, 'module');
  assert.equal(a.module, 'github.com/cespare/xxhash/v2');
  assert.equal(a.version, 'v2.3.0');
  assert.equal(a.path, 'xxhash.go');
  assert.match(a.text, /^\/\/ Package xxhash implements the 64-bit variant of xxHash/);
  assert.match(a.text, /func round\(acc, input uint64\) uint64 \{/);
  // Tail, directory, local header, data: ranges of the one zip, nothing else.
  assert.ok(proxy.requests.length >= 3 && proxy.requests.every((q) => q.startsWith(`GET /${XXHASH} bytes=`)), proxy.requests.join('\n'));
  const n = proxy.requests.length;
  assert.equal((await source(XXHASH_FILE)).status, 200);
  assert.equal(proxy.requests.length, n, 'the second read comes from the cache');
  // Another file of the same zip: the directory is cached, only the entry is read.
  const other = await source('github.com/cespare/xxhash/v2@v2.3.0/xxhash_other.go');
  assert.equal(other.status, 200, other.text);
  assert.match((JSON.parse(other.text) as SourceAnswer).text, /func Sum64\(b \[\]byte\) uint64/);
  assert.equal(proxy.requests.length, n + 2);
});

test('the standard library comes out of the golang.org/toolchain zip at the Go version asked for, with ranges, not the whole zip', async () => {
  proxy.requests.length = 0;
  const unknown = await source('/usr/local/go/src/net/http/server.go');
  assert.equal(unknown.status, 404);
  assert.equal(jsonError(unknown).code, 'PODPROF_SOURCE_UNKNOWN');
  assert.match(jsonError(unknown).message, /Go version is unknown/);
  const r = await source('/usr/local/go/src/net/http/server.go', '&go=go1.22.12');
  assert.equal(r.status, 200, r.text);
  const a = JSON.parse(r.text) as SourceAnswer;
  assert.equal(a.kind, 'std');
  assert.equal(a.path, 'src/net/http/server.go');
  assert.match(a.text, /func \(srv \*Server\) ListenAndServe\(\) error/);
  assert.ok(
    proxy.requests.every((q) => q.startsWith(`GET /${TOOLCHAIN} bytes=`)),
    proxy.requests.join('\n'),
  );
});

test('hostile and unknown file names are refused from the catalog and no request reaches the proxy', async () => {
  proxy.requests.length = 0;
  for (const file of [
    '/root/go/pkg/mod/github.com/x/y@v1.0.0/../../../../etc/passwd',
    'evil.example.com:8080/x@v1.0.0/z.go',
    'github.com/x/y@v1.0.0?x=/z.go',
    '/go/pkg/mod/github.com/X/y@v1.0.0/z.go',
  ]) {
    const r = await source(file);
    assert.equal(r.status, 400, file);
    assert.equal(jsonError(r).code, 'PODPROF_SOURCE_INVALID', file);
  }
  const unknown = await source('/etc/passwd');
  assert.equal(unknown.status, 404);
  assert.equal(jsonError(unknown).code, 'PODPROF_SOURCE_UNKNOWN');
  const missing = await source('github.com/cespare/xxhash/v2@v2.3.0/nope.go');
  assert.equal(jsonError(missing).code, 'PODPROF_SOURCE_NOT_FOUND');
  const noModule = await source('github.com/podprof-test/none@v1.0.0/x.go');
  assert.equal(noModule.status, 404);
  assert.equal(jsonError(noModule).code, 'PODPROF_SOURCE_NOT_FOUND');
  // Only the two zips that exist as names reached the proxy: the hostile ones never did.
  const asked = new Set(proxy.requests.map((q) => q.split(' ')[1]));
  assert.deepEqual([...asked].sort(), [`/${XXHASH}`, '/github.com/podprof-test/none/@v/v1.0.0.zip'].filter((p) => asked.has(p)).sort());
  assert.ok(asked.has('/github.com/podprof-test/none/@v/v1.0.0.zip'));
  assert.ok(!proxy.requests.some((q) => /passwd|evil|\?x=|\/X\//.test(q)), proxy.requests.join('\n'));
  const build = await httpsRequest(`${h.url}/api/v1/captures/${id}/build`, { headers: bearer(h.token) });
  assert.equal(build.status, 200);
  assert.deepEqual(JSON.parse(build.text), {}, 'the harness pods declare no Go version or main module');
  const other = await httpsRequest(`${h.url}/api/v1/captures/nope/source?file=x`, { headers: bearer(h.token) });
  assert.equal(jsonError(other).code, 'PODPROF_CAPTURE_NOT_FOUND');
});

const limits = (goproxy: string, o: Partial<ConstructorParameters<typeof SourceFetcher>[0]> = {}) =>
  new SourceFetcher({
    goproxy,
    maxZipBytes: 128 * 1024 * 1024,
    maxFileBytes: 2 * 1024 * 1024,
    cacheBytes: 64 * 1024 * 1024,
    timeoutMs: 10_000,
    perUser: 4,
    total: 64,
    perSecond: 100,
    ...o,
  });
const xx = (file: string) => ({ kind: 'module' as const, module: 'github.com/cespare/xxhash/v2', version: 'v2.3.0', file });

test('a proxy that ignores Range gives the whole zip, read within --source-max-zip-bytes; an oversized zip is refused', async () => {
  const ok = await limits(whole.url).file('alice', xx('xxhash.go'));
  assert.match(ok.text, /func round/);
  const small = limits(whole.url, { maxZipBytes: 4096 });
  await assert.rejects(small.file('alice', xx('xxhash.go')), (e: Error & { code?: string }) => e.code === 'PODPROF_SOURCE_TOO_LARGE');
  // With ranges too: the zip's size from Content-Range is over the bound.
  await assert.rejects(limits(proxy.url, { maxZipBytes: 4096 }).file('alice', xx('xxhash.go')), /over --source-max-zip-bytes/);
  await assert.rejects(limits(proxy.url, { maxFileBytes: 1024 }).file('alice', xx('xxhash.go')), /over --source-max-file-bytes/);
});

test('the cache stays under its bound however many files are read, the oldest read out first', async () => {
  const bound = 12 * 1024;
  const f = limits(proxy.url, { cacheBytes: bound });
  for (const file of ['xxhash.go', 'xxhash_other.go', 'xxhash_test.go', 'xxhash_unsafe.go', 'README.md', 'xxhash_amd64.s', 'xxhash.go']) {
    await f.file('alice', xx(file));
    assert.ok(f.cachedBytes <= bound, `${f.cachedBytes} bytes cached, bound ${bound}`);
  }
  assert.ok(f.cachedBytes > 0);
});

test('a redirect is not followed, a slow proxy times out, and one user’s fetches at once are capped', async () => {
  const target = await startModuleProxy();
  const redirecting = await startModuleProxy({ redirectTo: `${target.url}/${XXHASH}` });
  try {
    await assert.rejects(limits(redirecting.url).file('alice', xx('xxhash.go')), /redirected .* follows no redirect/);
    assert.equal(target.requests.length, 0);
  } finally {
    await redirecting.close();
    await target.close();
  }
  const { createServer } = await import('node:http');
  const hang = createServer(() => undefined);
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hang.address() as { port: number }).port}`;
  try {
    const f = limits(url, { timeoutMs: 300, perUser: 1 });
    const first = f.file('alice', xx('xxhash.go'));
    await assert.rejects(f.file('alice', xx('README.md')), (e: Error & { code?: string }) => e.code === 'PODPROF_THROTTLED');
    await assert.rejects(first, /no answer within 300 ms/);
  } finally {
    hang.closeAllConnections();
    hang.close();
  }
});

test('proxy.golang.org itself serves the dependency file (skipped when this machine cannot reach it)', async (t) => {
  const reachable = await fetch('https://proxy.golang.org/github.com/cespare/xxhash/v2/@v/list', {
    signal: AbortSignal.timeout(5000),
  }).then(
    (r) => r.ok,
    () => false,
  );
  if (!reachable) return t.skip('proxy.golang.org is not reachable');
  const got = await limits('https://proxy.golang.org').file('alice', xx('xxhash.go'));
  assert.match(got.text, /func round\(acc, input uint64\) uint64 \{/);
});
