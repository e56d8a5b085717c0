// Attack 4 of docs/security.md: someone else answers at a pod's address (a man in
// the middle, a process on the node, a pod that took over the IP). The gateway
// sends a token only over TLS it verified — the certificate chains to the
// sidecar CA and names the pod's IP — so an impostor with a self-signed
// certificate, or with a real certificate from the same CA for another IP,
// receives no request at all, and the user gets a 502 saying so.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createCertificate } from '../../src/tls/x509.ts';
import type { Target } from '../../gateway/pods/targets.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { testSidecarCa } from '../kit/product/sidecar-ca.ts';

let h: Harness | undefined;
const harness = (): Harness => h!;
const impostors: Array<{ server: Server; seen: string[]; port: number }> = [];

async function impostor(tls: { key: string; cert: string }): Promise<{ server: Server; seen: string[]; port: number }> {
  const seen: string[] = [];
  const server = createServer(tls, (req, res) => {
    seen.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('forged');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const i = { server, seen, port: (server.address() as AddressInfo).port };
  impostors.push(i);
  return i;
}

before(async () => {
  h = await startHarness({ pods: 1 });
  const selfSigned = createCertificate({ commonName: 'web-0', ipAddresses: ['127.0.0.1'] });
  const ca = testSidecarCa().ca;
  const otherIp = createCertificate({
    commonName: 'sidecar 127.0.0.2',
    ipAddresses: ['127.0.0.2'],
    issuer: { commonName: 'podprof test sidecar CA', key: ca.key },
  });
  const otherPod = createCertificate({
    commonName: 'web-9.team-a.pod.podprof',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof test sidecar CA', key: ca.key },
  });
  const [a, b, c] = [
    await impostor({ key: selfSigned.keyPem, cert: selfSigned.certPem }),
    await impostor({ key: otherIp.keyPem, cert: otherIp.certPem }),
    await impostor({ key: otherPod.keyPem, cert: otherPod.certPem }),
  ];
  const real = harness().gateway.context.registry.get('team-a', 'web-0')!;
  const at = (name: string, port: number): Target => ({ ...real, name, uid: `${name}-uid`, port });
  harness().gateway.context.registry.replaceAll([real, at('self-signed', a.port), at('other-ip', b.port), at('ip-reused', c.port)]);
});
after(async () => {
  for (const i of impostors) i.server.close();
  await h?.close();
});

const heap = (pod: string): ReturnType<typeof httpsRequest> =>
  httpsRequest(`${harness().url}/api/v1/namespaces/team-a/pods/${pod}/debug/pprof/heap`, { headers: bearer(harness().token) });

test('the real sidecar, with a certificate from the sidecar CA for its IP, gets the request', async () => {
  const r = await heap('web-0');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body[0], 0x1f);
});

test('an impostor with a self-signed certificate at the pod address receives nothing; the user gets a 502 saying why', async () => {
  const r = await heap('self-signed');
  assert.equal(r.status, 502, r.text);
  assert.match(
    r.text,
    /^PODPROF_SIDECAR_UNVERIFIED: 127\.0\.0\.1:\d+ did not prove it is the sidecar of team-a\/self-signed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/,
  );
  assert.match(r.text, /no token was sent/);
  assert.deepEqual(impostors[0]!.seen, [], 'no request, so no token, reached the impostor');
});

test('an impostor with a real certificate from the same CA, for another IP, receives nothing either', async () => {
  const r = await heap('other-ip');
  assert.equal(r.status, 502, r.text);
  assert.match(r.text, /^PODPROF_SIDECAR_UNVERIFIED: .*ERR_TLS_CERT_ALTNAME_INVALID/);
  assert.deepEqual(impostors[1]!.seen, []);
});

test('a certificate podprof issued to another pod that had this IP is refused: it names that pod', async () => {
  const r = await heap('ip-reused');
  assert.equal(r.status, 502, r.text);
  assert.match(r.text, /the certificate is for web-9\.team-a\.pod\.podprof, not ip-reused\.team-a/);
  assert.deepEqual(impostors[2]!.seen, []);
});

test('a capture from impostors fails per pod with the same reason and stores nothing forged', async () => {
  const r = await httpsRequest(`${harness().url}/api/v1/captures`, {
    method: 'POST',
    headers: { ...bearer(harness().token), 'content-type': 'application/json' },
    body: JSON.stringify({ namespace: 'team-a', pod: 'other-ip', type: 'heap' }),
  });
  const meta = JSON.parse(r.text) as { status: string; pods: Array<{ code?: string }> };
  assert.equal(meta.status, 'failed');
  assert.equal(meta.pods[0]!.code, 'PODPROF_SIDECAR_UNVERIFIED');
  assert.deepEqual(impostors[1]!.seen, []);
});
