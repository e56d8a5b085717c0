// Attack 10 of docs/security.md against the real `podprof webhook` (the built
// bundle): its port is reachable from pods, and 24 clients each sending
// 16 MiB − 1 byte and then stopping took it past its memory limit, so new pods
// started without the sidecar (failurePolicy: Ignore). Now a body over
// --max-body-bytes is refused from its Content-Length, the bytes held at once
// are capped in all and per source address, silent connections are closed
// after --header-timeout, and a review from another address is answered
// throughout. The figures go to the diagnostics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { rssMiB } from '../kit/measure/rss.ts';
import { REPO } from '../kit/product/sidecar.ts';
import { allClosedWithin, closeAll, openSilent } from '../kit/net/silent-connections.ts';
import { reviewFor, startChildWebhook, type ChildWebhook } from '../kit/product/webhook.ts';
import { httpsRequest } from '../kit/net/http.ts';
import type { Pod } from '../../src/k8s/types.ts';

const LIMIT_MIB = Number(
  /limits:\s*\n\s*memory:\s*(\d+)Mi/.exec(readFileSync(join(REPO, 'manifests/webhook/deployment.yaml'), 'utf8'))?.[1],
);
let w: ChildWebhook;

before(async () => {
  w = await startChildWebhook(['--header-timeout', '2s']);
});
after(async () => {
  await w?.close();
});

const POD: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'team-a', annotations: { 'podprof.io/inject': 'true' } },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
};
const review = (from = '127.0.0.1'): ReturnType<typeof httpsRequest> =>
  httpsRequest(`${w.url}/mutate`, {
    method: 'POST',
    localAddress: from,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reviewFor(POD, { uid: `u-${from}` })),
  });

/** Announces `declared` bytes, sends `sent` of them, then goes silent; resolves with the status line it got (or '' if none). */
function stall(declared: number, sent: number): { done: Promise<string>; close: () => void } {
  const socket = connect({ host: '127.0.0.1', port: w.port, rejectUnauthorized: false });
  let got = '';
  socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
  socket.on('error', () => undefined);
  socket.once('secureConnect', () => {
    socket.write(`POST /mutate HTTP/1.1\r\nhost: webhook\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
    socket.write(Buffer.alloc(sent, 0x20));
  });
  const done = new Promise<string>((resolve) => socket.once('close', () => resolve(got.split('\r\n')[0] ?? '')));
  return { done, close: () => socket.destroy() };
}

test('a 16 MiB body is refused from its Content-Length, before it is read', async () => {
  const s = stall(16 * 1024 * 1024 - 1, 64 * 1024);
  assert.match(await s.done, /^HTTP\/1\.1 413 /);
});

test('24 clients each announcing 4 MiB and stalling hold bounded bytes; another address is answered meanwhile', async (t) => {
  const base = rssMiB(w.child.pid!);
  const stalled = Array.from({ length: 24 }, () => stall(4 * 1024 * 1024 - 1, 1024 * 1024));
  const refusals = await Promise.race([
    Promise.all(stalled.map((s) => s.done)).then(() => 'all closed'),
    new Promise((r) => setTimeout(r, 1500)).then(() => 'some held'),
  ]);
  const peakDuring = rssMiB(w.child.pid!);
  const other = await review('127.0.0.3');
  assert.equal(other.status, 200, `a review from another address: ${other.text.slice(0, 200)}`);
  stalled.forEach((s) => s.close());
  const statuses = await Promise.all(stalled.map((s) => s.done));
  const throttled = statuses.filter((s) => / 429 /.test(s)).length;
  assert.ok(throttled >= 20, `${throttled} of 24 were refused at once (429): one address holds a quarter of --max-inflight-bytes`);
  assert.ok(peakDuring < LIMIT_MIB, `RSS ${peakDuring.toFixed(0)} MiB under the manifest's ${LIMIT_MIB}Mi`);
  assert.ok(w.alive());
  t.diagnostic(
    `24 stalled 4 MiB bodies: ${throttled} answered 429 at once (${refusals}); RSS ${base.toFixed(0)} → ${peakDuring.toFixed(0)} MiB (limit ${LIMIT_MIB}Mi); a review from 127.0.0.3 answered 200`,
  );
});

test('silent TCP and TLS connections to the webhook and its health port are closed after the header timeout', async (t) => {
  const started = Date.now();
  const healthPort = Number(new URL(w.healthUrl).port);
  const silent = [
    ...(await openSilent(w.port, 20, { tls: false })),
    ...(await openSilent(w.port, 20, { tls: true })),
    ...(await openSilent(healthPort, 20, { tls: false })),
  ];
  try {
    assert.ok(await allClosedWithin(silent, 10_000), 'every silent connection was closed');
  } finally {
    closeAll(silent);
  }
  t.diagnostic(`60 silent connections to the webhook (TCP, TLS, health) closed within ${Date.now() - started} ms`);
});
