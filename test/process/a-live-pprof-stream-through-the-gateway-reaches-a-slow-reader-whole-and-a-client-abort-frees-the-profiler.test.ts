// The gateway relays a pod's pprof answer as it streams (gateway/routes/pprof.ts): a client that reads slowly
// still gets every byte (the relay waits for it, it does not buffer or drop), and a client that goes away
// mid-capture cancels the sidecar call, so the app's CPU profiler is free for the next capture at once and the
// audit line says the answer broke off. A real Go app and sidecar behind a real gateway.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { waitFor } from '../kit/cluster/http.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { useHarness } from '../kit/product/gateway.ts';

const harness = useHarness({ pods: 1 });
const url = (type: string): string => `${harness().url}/api/v1/namespaces/team-a/pods/${harness().pods[0]!.name}/debug/pprof/${type}`;

test('a reader that stops for a while still gets the whole answer, and the audit counts what it got', async () => {
  const h = harness();
  const { body, paused } = await new Promise<{ body: Buffer; paused: number }>((resolve, reject) => {
    const req = request(url('goroutine?debug=2'), { rejectUnauthorized: false, headers: bearer(h.token) }, (res) => {
      const parts: Buffer[] = [];
      let paused = 0;
      res.on('data', (c: Buffer) => {
        parts.push(c);
        if (paused === 0) {
          paused = 1;
          res.pause();
          setTimeout(() => res.resume(), 1500);
        }
      });
      res.on('end', () => resolve({ body: Buffer.concat(parts), paused }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(paused, 1);
  assert.match(body.toString('utf8'), /^goroutine \d+ \[/, 'a goroutine dump, from its first line');
  assert.match(body.toString('utf8'), /\n$/, 'to its last');
  const line = await waitFor('the audit line', () => h.logs.find((l) => l.includes('"type":"goroutine"') && l.includes('"outcome":"ok"')));
  assert.equal((JSON.parse(line) as { audit: { bytes: number } }).audit.bytes, body.length);
  const heap = await httpsRequest(url('heap'), { headers: bearer(h.token) });
  assert.equal(heap.status, 200);
  assert.ok(gunzipSync(heap.body).length > 0, 'a whole gzip stream');
});

test('a client that goes away mid-capture frees the app’s CPU profiler for the next capture, and the audit says it broke off', async () => {
  const h = harness();
  await new Promise<void>((resolve) => {
    const req = request(url('profile?seconds=20'), { rejectUnauthorized: false, headers: bearer(h.token) });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, 1000);
  });
  const t0 = Date.now();
  let r = await httpsRequest(url('profile?seconds=1'), { headers: bearer(h.token) });
  while (r.status === 429 && Date.now() - t0 < 10_000) {
    await new Promise((res) => setTimeout(res, 200));
    r = await httpsRequest(url('profile?seconds=1'), { headers: bearer(h.token) });
  }
  assert.equal(r.status, 200, `the next capture ran, not after the 20 s the first asked for: ${r.text}`);
  assert.ok(Date.now() - t0 < 10_000);
  await waitFor('the broken-off audit line', () => h.logs.find((l) => l.includes('"type":"profile"') && l.includes('"outcome":"broken"')));
});
