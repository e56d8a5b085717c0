// Sidecar identity, against the real API server: a sidecar proves which pod it
// is with a projected ServiceAccount token (TokenRequest bound to its pod,
// audience podprof-sidecar) and the gateway, after a TokenReview, issues a
// certificate naming only that pod's IP. A token bound to pod A gets no
// certificate for pod B; a token for another audience, or bound to no pod, gets
// none at all. The webhook injects --enroll-url and the projected token volume,
// the real kubelet mounts the token it requests for the pod, and the pods' own
// sidecars (on the real node) enroll with the gateway's own CA and serve profiles
// through it with no other CA configured. Needs `npm run build` and `npm run images`.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { ENROLL_AUDIENCE, ENROLL_PATH } from '../../src/enrollment.ts';
import type { RunningGateway } from '../../gateway/server.ts';
import type { Target } from '../../gateway/pods/targets.ts';
import { waitFor } from '../kit/cluster/http.ts';
import { call, INJECT, pprofPath, startGatewayCluster, waitRoutable, type GatewayCluster } from '../kit/cluster/gateway-cluster.ts';
import { deploymentPod } from '../kit/cluster/webhook-cluster.ts';

const NS = 'team-e';
let g: GatewayCluster;
let gw: RunningGateway;
let base: string;
const pods: Record<'a' | 'b', { pod: V1Pod; target: Target }> = {} as never;

async function runPod(app: string): Promise<{ pod: V1Pod; target: Target }> {
  const body = deploymentPod(app, { annotations: INJECT });
  body.spec!.serviceAccountName = 'default';
  const pod = await g.core.createNamespacedPod({ namespace: NS, body });
  await g.running(NS, pod.metadata!.name!);
  return { pod, target: await waitRoutable(gw, NS, pod.metadata!.name!, 30_000) };
}

/** A TokenRequest for team-e/default with `audiences`, bound to `pod` if given. */
async function token(audiences: string[], pod?: V1Pod): Promise<string> {
  const boundObjectRef = pod ? { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! } : undefined;
  const tr = await g.core.createNamespacedServiceAccountToken({
    namespace: NS,
    name: 'default',
    body: { spec: { audiences, expirationSeconds: 600, boundObjectRef } },
  });
  return tr.status?.token ?? assert.fail('no token');
}

const publicKey = (): string =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();

function enroll(tok: string, pod: string, key = publicKey()): ReturnType<typeof call> {
  return call(base, ENROLL_PATH, { token: tok, method: 'POST', body: { namespace: NS, pod, publicKey: key } });
}

const caOf = (): X509Certificate => new X509Certificate(gw.context.identity.ca.trustPem);

before(async () => {
  g = await startGatewayCluster();
  await g.createNamespace(NS); // its "default" ServiceAccount made by the controller-manager
  gw = await g.startGateway(['--sidecar-cert-ttl', '1h']);
  base = `https://127.0.0.1:${gw.ports.main}`;
  [pods.a, pods.b] = await Promise.all([runPod('alpha'), runPod('beta')]);
});

after(async () => {
  await g?.close();
});

test("a token bound to pod A gets a certificate for A's IP only, signed by the sidecar CA, valid for --sidecar-cert-ttl", async () => {
  const a = pods.a.target;
  const r = await enroll(await token([ENROLL_AUDIENCE], pods.a.pod), a.name);
  assert.equal(r.status, 201, r.text);
  const issued = JSON.parse(r.text) as { certificate: string; ca: string; notAfter: string };
  const cert = new X509Certificate(issued.certificate);
  assert.equal(cert.subjectAltName, `IP Address:${a.ip}`);
  assert.ok(cert.verify(caOf().publicKey), "signed by the gateway's own sidecar CA");
  const hours = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
  assert.ok(hours > 0.9 && hours <= 1.01, `valid for about an hour: ${cert.validTo}`);
  assert.ok(g.logs.some((l) => l.includes('sidecar certificate issued') && l.includes(a.ip)));
});

test('a token bound to pod A gets no certificate for pod B', async () => {
  const r = await enroll(await token([ENROLL_AUDIENCE], pods.a.pod), pods.b.target.name);
  assert.equal(r.status, 403, r.text);
  assert.match(
    (JSON.parse(r.text) as { message: string }).message,
    new RegExp(`^the token is bound to pod ${NS}/${pods.a.target.name}, not ${NS}/${pods.b.target.name}$`),
  );
});

test('a token for another audience, or bound to no pod, gets no certificate', async () => {
  const apiAudience = await enroll(await token([], pods.a.pod), pods.a.target.name);
  assert.equal(apiAudience.status, 401, apiAudience.text);
  const unbound = await enroll(await token([ENROLL_AUDIENCE]), pods.a.target.name);
  assert.equal(unbound.status, 403, unbound.text);
  assert.match(unbound.text, /not bound to a pod/);
  const none = await call(base, ENROLL_PATH, { method: 'POST', body: { namespace: NS, pod: pods.a.target.name, publicKey: publicKey() } });
  assert.equal(none.status, 401);
});

test('a key that is not ECDSA P-256 is refused with a 400 naming the field', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const r = await enroll(await token([ENROLL_AUDIENCE], pods.a.pod), pods.a.target.name, rsa);
  assert.equal(r.status, 400, r.text);
  assert.match(r.text, /publicKey: want an ECDSA P-256 key/);
});

test("the pods' own sidecars enroll with the projected token the webhook mounts, and then serve profiles through the gateway", async () => {
  assert.ok(gw.context.identity.ca.source.endsWith('.sidecar-ca'), `the gateway's own CA: ${gw.context.identity.ca.source}`);
  for (const { target } of [pods.a, pods.b]) {
    const r = await waitFor(
      `${target.name} to enroll and serve`,
      async () => {
        const heap = await call(base, pprofPath(NS, target.name, 'heap'), { token: g.cp.adminToken });
        return heap.status === 200 ? heap : undefined;
      },
      30_000,
    );
    assert.equal(r.body[0], 0x1f, 'a gzipped profile');
    const served = await new Promise<X509Certificate>((resolve, reject) => {
      const s = connect({ host: target.ip, port: target.port, ca: gw.context.identity.ca.trustPem }, () => {
        resolve(new X509Certificate(s.getPeerX509Certificate()!.raw));
        s.end();
      });
      s.on('error', reject);
    });
    assert.equal(served.subjectAltName, `IP Address:${target.ip}`);
    assert.equal(served.subject, `CN=${target.name}.${NS}.pod.podprof`);
  }
  assert.ok(
    g.logs.some((l) => l.includes('sidecar certificate from the gateway in use')),
    'the sidecars say so',
  );
});
