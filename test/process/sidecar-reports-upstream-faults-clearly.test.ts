// Upstream down, resetting, too slow, too large: each a clear pprof-style error,
// and Go's own error responses pass through unchanged.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startGoTarget } from '../../demo/go-target.ts';
import { startFaultUpstream } from '../kit/apps/fault-upstream.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

const keys = makeKeys();
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 50 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cond(), what);
}

async function sidecarFor(upstream: string, extra: string[] = []): Promise<TestSidecar> {
  const s = await startInProcess(keys, upstream, extra);
  cleanup.push(() => s.close());
  return s;
}

test('upstream down: 502 that says the app refused the connection', async () => {
  const s = await sidecarFor('http://127.0.0.1:1');
  const r = await httpsRequest(`${s.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) });
  assert.equal(r.status, 502);
  assert.equal(r.headers['x-go-pprof'], '1');
  assert.match(r.text, /PODPROF_UPSTREAM_UNAVAILABLE: the app refused the connection/);
  const cpu = await httpsRequest(`${s.url}/debug/pprof/profile?seconds=1`, { headers: bearer(mint(keys, 'profile')) });
  assert.equal(cpu.status, 502);
  assert.match(cpu.text, /PODPROF_UPSTREAM_UNAVAILABLE/);
});

test('upstream resetting mid-body: the client sees a broken transfer, not a complete profile', async () => {
  const up = await startFaultUpstream('reset-mid-body');
  cleanup.push(() => up.close());
  const s = await sidecarFor(up.url);
  await assert.rejects(
    httpsRequest(`${s.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) }),
    /aborted|ECONNRESET|socket hang up/,
  );
  await waitFor(() => s.logs.some((l) => l.includes('"outcome":"upstream-error"')), 'the audit line records the upstream failure');
});

test('upstream slower than the deadline: 504 after seconds + margin', async () => {
  const up = await startFaultUpstream('hang');
  cleanup.push(() => up.close());
  const s = await sidecarFor(up.url, ['--upstream-margin', '500ms', '--snapshot-timeout', '1s']);
  const snap = await httpsRequest(`${s.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) });
  assert.equal(snap.status, 504);
  assert.match(snap.text, /PODPROF_UPSTREAM_TIMEOUT/);
  const cpu = await httpsRequest(`${s.url}/debug/pprof/profile?seconds=1`, { headers: bearer(mint(keys, 'profile')) });
  assert.equal(cpu.status, 504);
  assert.match(cpu.text, /the app \(profile capture\) did not answer within 1\.5s/);
});

test('a response over --max-response-bytes is cut and audited as too large', async () => {
  const up = await startFaultUpstream({ bytes: 5 * 1024 * 1024 });
  cleanup.push(() => up.close());
  const s = await sidecarFor(up.url, ['--max-response-bytes', '1MiB']);
  await assert.rejects(httpsRequest(`${s.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) }));
  await waitFor(() => s.logs.some((l) => l.includes('"outcome":"too-large"')), 'audited as too-large');
});

test("Go's own error responses pass through unchanged", async () => {
  const go = await startGoTarget({ listen: '127.0.0.1:0' });
  cleanup.push(() => go.stop());
  const s = await sidecarFor(go.url);
  const hold = fetch(`${go.url}/debug/pprof/profile?seconds=2`);
  await new Promise((r) => setTimeout(r, 300));
  const r = await httpsRequest(`${s.url}/debug/pprof/profile?seconds=1`, { headers: bearer(mint(keys, 'profile')) });
  assert.equal(r.status, 500);
  assert.match(r.text, /Could not enable CPU profiling: cpu profiling already in use/);
  assert.equal(r.headers['x-go-pprof'], '1');
  await (await hold).arrayBuffer();
});

test('a slow reader of a large body gets every byte: the deadline bounds only the wait for the app', async () => {
  const up = await startFaultUpstream({ bytes: 20 * 1024 * 1024 });
  cleanup.push(() => up.close());
  const s = await sidecarFor(up.url, ['--snapshot-timeout', '500ms']);
  const { request } = await import('node:https');
  const received = await new Promise<number>((resolve, reject) => {
    request(`${s.url}/debug/pprof/heap`, { rejectUnauthorized: false, headers: bearer(mint(keys, 'heap')) }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        res.pause();
        setTimeout(() => res.resume(), 2);
      });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(received, 20 * 1024 * 1024);
  await waitFor(
    () => s.logs.some((l) => l.includes('"outcome":"ok"') && /"durationMs":(\d{4,})/.test(l)),
    'audited ok after more than the deadline',
  );
});
