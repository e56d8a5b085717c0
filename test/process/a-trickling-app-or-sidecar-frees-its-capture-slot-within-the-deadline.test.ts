// Attack 8 of docs/security.md: an app (behind a real sidecar) or a sidecar
// that answers 200 and then sends one byte a second used to keep a capture
// "running" for as long as it liked, and with it a capture slot. Now every body
// has a deadline and a minimum rate, in the sidecar toward the app and in the
// real `podprof gateway` (the built bundle) toward the sidecar: the capture
// fails within the bound naming the limit, the slot is free again, and a live
// pprof stream is cut the same way. A refusal's body is read only up to 4 KiB.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { CliProcess } from '../kit/product/cli-process.ts';
import { startFaultUpstream, trickle } from '../kit/apps/fault-upstream.ts';
import { startChildGateway, startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import type { TestSidecar } from '../kit/product/sidecar.ts';

// The sidecars' rate is checked every 1 s (a quarter of 4 s), the gateway's every 2 s: the sidecar cuts an app first.
const FAST = ['--transfer-timeout', '4s', '--min-transfer-rate', '64'];
const GATEWAY_FAST = ['--transfer-timeout', '8s', '--min-transfer-rate', '64'];
let h: Harness;
let gw: CliProcess;

/** Answers 500 and then an endless body, as fast as it is read. */
function endless(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const pump = (): void => {
    while (res.write(chunk));
    res.once('drain', pump);
  };
  pump();
}

/** A "sidecar" with a certificate the gateway trusts that answers every request with 200 and a trickle, or 500 and no end. */
async function hostileSidecar(tls: { certFile: string; keyFile: string }, mode: 'trickle' | 'endless'): Promise<TestSidecar> {
  const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (_req, res) =>
    mode === 'trickle' ? trickle(res, 1000) : endless(res),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    healthUrl: '',
    logs: [],
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

before(async () => {
  h = await startHarness({
    pods: 3,
    prefix: 'slow',
    // slow-0: a real sidecar before a trickling app; slow-1 and slow-2: hostile sidecars (200 and 500, trickling).
    app: async () => {
      const up = await startFaultUpstream({ trickle: { everyMs: 1000 } });
      return { url: up.url, stop: () => up.close() };
    },
    sidecarArgs: () => FAST,
    sidecar: (i, tls) => (i === 0 ? undefined : hostileSidecar(tls, i === 1 ? 'trickle' : 'endless')),
  });
  gw = await startChildGateway(h, [...GATEWAY_FAST, '--max-captures-per-user', '1', '--max-captures-per-namespace', '1']);
});
after(async () => {
  await gw?.close();
  await h?.close();
});

const capture = async (pod: string): Promise<{ status: number; meta: CaptureMeta }> => {
  const r = await httpsRequest(`${gw.url}/api/v1/captures`, {
    method: 'POST',
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: JSON.stringify({ namespace: 'team-a', pod, type: 'heap' }),
  });
  return { status: r.status, meta: JSON.parse(r.text) as CaptureMeta };
};

test('an app trickling behind a real sidecar: the sidecar cuts it, the capture fails within the bound, and the slot is free again', async (t) => {
  const started = Date.now();
  const first = await capture('slow-0');
  const ms = Date.now() - started;
  assert.equal(first.status, 201);
  assert.equal(first.meta.status, 'failed', JSON.stringify(first.meta));
  assert.match(first.meta.pods[0]?.error ?? '', /broke off/, "the sidecar cut the app (and so the body) before the gateway's own check");
  assert.ok(
    h.pods[0]!.sidecar.logs.some((l) => l.includes('"outcome":"timeout"')),
    "the sidecar's audit line says it timed the app out",
  );
  assert.ok(ms < 20_000, `the capture ended after ${ms} ms`);
  const again = await capture('slow-0');
  assert.equal(again.status, 201, 'the slot (--max-captures-per-user 1) was freed: the next capture is admitted');
  t.diagnostic(
    `a trickling app behind a real sidecar: capture failed after ${ms} ms (${first.meta.pods[0]?.error}); the next capture was admitted`,
  );
});

test("a sidecar that trickles is cut by the gateway's own deadline; one answering 500 forever is read for 4 KiB only", async (t) => {
  let started = Date.now();
  const slow = await capture('slow-1');
  const slowMs = Date.now() - started;
  assert.equal(slow.meta.status, 'failed');
  assert.match(
    slow.meta.pods[0]?.error ?? '',
    /^the sidecar of team-a\/slow-1 sent \d+ bytes in 2s, under the 64 bytes\/s podprof waits for$/,
  );
  assert.ok(slowMs < 20_000, `ended after ${slowMs} ms`);
  started = Date.now();
  const refusing = await capture('slow-2');
  const refusingMs = Date.now() - started;
  assert.equal(refusing.meta.status, 'failed');
  assert.match(refusing.meta.pods[0]?.error ?? '', /^500: x{100,}/);
  assert.ok(refusingMs < 5000, `a refusal is not read to its end: ${refusingMs} ms`);
  t.diagnostic(`a trickling sidecar: capture failed after ${slowMs} ms; a 500 with an endless body: failed after ${refusingMs} ms`);
});

test('a live pprof stream through the gateway from a trickling sidecar is cut within the bound', async (t) => {
  const started = Date.now();
  const r = await httpsRequest(`${gw.url}/api/v1/namespaces/team-a/pods/slow-1/debug/pprof/heap`, { headers: bearer(h.token) }).catch(
    (e: Error) => ({ status: -1, text: e.message }),
  );
  const ms = Date.now() - started;
  assert.ok(ms < 20_000, `the stream ended after ${ms} ms`);
  assert.ok(r.status === -1 || r.status === 200, String(r.status));
  t.diagnostic(`a live heap request to a trickling sidecar ended after ${ms} ms (${r.status === -1 ? r.text : 'status 200, body cut'})`);
});
