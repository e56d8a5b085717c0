// Latency to a pod's sidecar: the gateway keeps one verified keep-alive TLS
// connection per pod and, when the sidecar has closed it, resumes the TLS
// session on the next one (an abbreviated handshake) instead of a full one.
// A request on a kept connection that the sidecar closes as the request
// arrives (its keep-alive ran out meanwhile) is sent once more on a new one.
// A TLS server with a certificate from the sidecar CA for the pod stands at the
// pod's address and counts connections and resumed sessions.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { createCertificate } from '../../src/tls/x509.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { testSidecarCa } from '../kit/product/sidecar-ca.ts';

let h: Harness | undefined;
let server: Server;
const connections: Array<{ resumed: boolean }> = [];
/** Requests the server takes and then drops by closing their connection unanswered, as an idle timeout would. */
let drop = 0;
let requests = 0;

before(async () => {
  h = await startHarness({ pods: 1 });
  const ca = testSidecarCa().ca;
  const cert = createCertificate({
    commonName: 'counted.team-a.pod.podprof',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof test sidecar CA', key: ca.key },
  });
  server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    requests++;
    if (drop > 0) {
      drop--;
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
  });
  server.on('secureConnection', (s: TLSSocket) =>
    connections.push({
      get resumed() {
        return s.isSessionReused();
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const real = h.gateway.context.registry.get('team-a', 'web-0')!;
  h.gateway.context.registry.replaceAll([
    real,
    { ...real, name: 'counted', uid: 'counted-uid', port: (server.address() as AddressInfo).port },
  ]);
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await h?.close();
});

const heap = (): ReturnType<typeof httpsRequest> =>
  httpsRequest(`${h!.url}/api/v1/namespaces/team-a/pods/counted/debug/pprof/heap`, { headers: bearer(h!.token) });

test('five requests to one pod travel over one TLS connection', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await heap()).status, 200);
  assert.equal(connections.length, 1, 'one handshake for five requests');
});

test('after the sidecar closes the idle connection, the next one resumes the TLS session', async () => {
  server.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await heap()).status, 200);
  assert.equal(connections.length, 2, 'a new connection');
  assert.equal(connections[1]!.resumed, true, 'with the session resumed, not a full handshake');
});

test('a kept connection the sidecar closes as a request arrives: the request is sent again on a new one', async () => {
  assert.equal((await heap()).status, 200); // a kept connection to reuse
  const [c0, r0] = [connections.length, requests];
  drop = 1;
  const r = await heap();
  assert.equal(r.status, 200, r.text);
  assert.equal(requests - r0, 2, 'dropped once, answered on the second attempt');
  assert.equal(connections.length - c0, 1, 'the second attempt on a new connection');
});

test('a request dropped on a new connection too is sent no third time: the caller gets 502 with the reason', async () => {
  assert.equal((await heap()).status, 200);
  const r0 = requests;
  drop = 2;
  const r = await heap();
  assert.equal(r.status, 502, r.text);
  assert.match(r.text, /PODPROF_SIDECAR_UNREACHABLE/);
  assert.equal(requests - r0, 2, 'two attempts, no more');
  drop = 0;
});
