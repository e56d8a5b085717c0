// CPU profile and trace are single-flight: identical concurrent requests join
// and receive the same bytes; a different one gets 429 + Retry-After; a client
// abort frees the profiler.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { waitFor } from '../kit/cluster/http.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { mint, useTargetAndSidecar } from '../kit/product/sidecar.ts';

const env = useTargetAndSidecar();
const { keys } = env;

const cpu = (seconds: number): Promise<Awaited<ReturnType<typeof httpsRequest>>> =>
  httpsRequest(`${env.sidecar.url}/debug/pprof/profile?seconds=${seconds}`, { headers: bearer(mint(keys, 'profile')) });

test('identical concurrent CPU captures join one capture and get the same bytes', async () => {
  const first = cpu(2);
  await new Promise((r) => setTimeout(r, 300));
  const [a, b, c] = await Promise.all([first, cpu(2), cpu(2)]);
  for (const r of [a, b, c]) assert.equal(r.status, 200, r.text);
  assert.ok(a.body.equals(b.body) && b.body.equals(c.body), 'all three received identical profiles');
  const upstreamCalls = env.recorder.requests();
  assert.equal(upstreamCalls.filter((x) => x.path.endsWith('/profile')).length, 1, 'the app was asked once');
  // Audit lines are written asynchronously: wait for them rather than race the log stream.
  const joined = await waitFor('two joined audit lines', () => {
    const lines = env.sidecar.logs.filter((l) => l.includes('"outcome":"joined"'));
    return lines.length >= 2 && lines;
  });
  assert.equal(joined.length, 2);
});

test('a conflicting CPU capture gets 429 with Retry-After and says when the profiler frees up, not who holds it', async () => {
  const running = cpu(3);
  await new Promise((r) => setTimeout(r, 300));
  const other = await cpu(1);
  assert.equal(other.status, 429);
  assert.ok(Number(other.headers['retry-after']) >= 1 && Number(other.headers['retry-after']) <= 4, String(other.headers['retry-after']));
  assert.equal(other.headers['x-go-pprof'], '1');
  assert.match(other.text, /CPU profiler of this pod is busy with another 3s capture; it frees up in about \d+s/);
  assert.doesNotMatch(other.text, /alice/);
  assert.equal((await running).status, 200);
});

test('a trace and a CPU profile may run at the same time', async () => {
  const [p, t] = await Promise.all([
    cpu(1),
    httpsRequest(`${env.sidecar.url}/debug/pprof/trace?seconds=1`, { headers: bearer(mint(keys, 'trace')) }),
  ]);
  assert.equal(p.status, 200);
  assert.equal(t.status, 200);
});

/** A 20 s CPU capture whose client goes away after `ms`. */
function abortedCapture(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = request(`${env.sidecar.url}/debug/pprof/profile?seconds=20`, {
      rejectUnauthorized: false,
      headers: bearer(mint(keys, 'profile')),
    });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

test('a client that aborts mid-capture frees the CPU profiler', async () => {
  await abortedCapture(500);
  let r = await cpu(1);
  for (let i = 0; i < 20 && r.status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 100));
    r = await cpu(1);
  }
  assert.equal(r.status, 200, `the profiler was freed for the next capture: ${r.text}`);
  const goDirect = await fetch(`${env.target.url}/debug/pprof/profile?seconds=1`);
  assert.equal(goDirect.status, 200, 'Go itself reports its profiler free');
});

test('right after a client aborts, the next CPU capture gets a short 429 or runs, never the app’s 500 (Go frees its profiler only once it sees the cut)', async () => {
  const seen: number[] = [];
  for (let round = 0; round < 5; round++) {
    await abortedCapture(400);
    let r = await cpu(1);
    seen.push(r.status);
    if (r.status === 429) {
      assert.equal(r.headers['retry-after'], '1', 'the profiler is being released, not busy for the aborted 20 s');
      for (let i = 0; i < 20 && r.status === 429; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await cpu(1);
      }
    }
    assert.equal(r.status, 200, `round ${round}: ${r.status} ${r.text}`);
  }
  assert.ok(
    seen.every((s) => s === 200 || s === 429),
    `each first try: ${seen.join(', ')}`,
  );
});
