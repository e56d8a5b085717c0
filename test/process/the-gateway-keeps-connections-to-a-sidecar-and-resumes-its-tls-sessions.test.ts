// Latency to a pod's sidecar: the gateway keeps one verified keep-alive TLS
// connection per pod and, when the sidecar has closed it, resumes the TLS
// session on the next one (an abbreviated handshake) instead of a full one.
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

before(async () => {
  h = await startHarness({ pods: 1 });
  const ca = testSidecarCa().ca;
  const cert = createCertificate({
    commonName: 'counted.team-a.pod.podprof',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof test sidecar CA', key: ca.key },
  });
  server = createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
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
