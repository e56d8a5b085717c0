// --header-timeout bounds the TLS handshake and the first request's headers,
// not a connection's life: a kept-alive connection the sidecar has served
// carries a CPU capture that starts after that deadline to its end. On Bun
// (the image's runtime, ADR 7) the handshake deadline was never cleared — the
// TLS socket emits no 'secure' to its listener once the HTTP server has it —
// and cut every connection header-timeout after its accept: the gateway's
// pooled connection to a sidecar failed mid-capture with ECONNRESET (found by
// test/cluster/three-gateway-replicas-…-while-one-is-deleted.test.ts, Alloy
// scraping every 5 s). `npm run test:sidecar-on-bun` runs this file on Bun.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { test } from 'node:test';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { mint, useTargetAndSidecar } from '../kit/product/sidecar.ts';

const HEADER_TIMEOUT_MS = 1000;
const env = useTargetAndSidecar(['--header-timeout', `${HEADER_TIMEOUT_MS}ms`]);

test('a served connection outlives --header-timeout: a CPU capture started after it ends with a 200 on the same connection', async () => {
  // One connection, kept alive: every request below goes over it.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  try {
    const sockets = new Set<unknown>();
    const get = async (path: string, type: Parameters<typeof mint>[1]): Promise<Awaited<ReturnType<typeof httpsRequest>>> => {
      const r = await httpsRequest(`${env.sidecar.url}${path}`, { agent, headers: bearer(mint(env.keys, type)) });
      sockets.add(agent.freeSockets[Object.keys(agent.freeSockets)[0]!]?.[0]);
      return r;
    };
    assert.equal((await get('/debug/pprof/goroutine', 'goroutine')).status, 200);
    await new Promise((r) => setTimeout(r, HEADER_TIMEOUT_MS / 2));
    const cpu = await get('/debug/pprof/profile?seconds=2', 'profile');
    assert.equal(cpu.status, 200, cpu.text);
    assert.equal(sockets.size, 1, 'both requests went over one connection');
  } finally {
    agent.destroy();
  }
});
