// The API server may call podprof's webhook more than once for one pod: when it
// is registered twice, and again after a later webhook changed the pod
// (reinvocationPolicy IfNeeded in manifests/). Every call after the first must
// leave the pod as it is: one sidecar. One cluster for the file.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { createCertificate } from '../../src/tls/x509.ts';
import { waitFor } from '../kit/cluster/http.ts';
import { assertInjected, deploymentPod, startWebhookCluster, type WebhookCluster } from '../kit/cluster/webhook-cluster.ts';

const NS = 'shop';
const INJECT = { 'podprof.io/inject': 'true' };
let c: WebhookCluster;

before(async () => {
  c = await startWebhookCluster();
  await c.core.createNamespace({ body: { metadata: { name: NS } } });
});

after(async () => {
  await c?.close();
});

async function create(namespace: string, pod: V1Pod): Promise<V1Pod> {
  const created = await c.core.createNamespacedPod({ namespace, body: pod });
  return c.core.readNamespacedPod({ namespace, name: created.metadata?.name ?? '' });
}

test('registered twice, the webhook injects once: the second call finds the status annotation and leaves the pod as it is', async () => {
  const ours = await c.admission.readMutatingWebhookConfiguration({ name: 'podprof-webhook' });
  await c.admission.createMutatingWebhookConfiguration({ body: { metadata: { name: 'podprof-webhook-again' }, webhooks: ours.webhooks } });
  try {
    await waitFor('the second configuration to take effect', async () => {
      const before = c.reviews.length;
      await c.core.createNamespacedPod({ namespace: NS, body: deploymentPod('probe-twice', { annotations: INJECT }), dryRun: 'All' });
      return c.reviews.length - before >= 2;
    });
    assertInjected(await create(NS, deploymentPod('twice', { annotations: INJECT })));
    assert.deepEqual(
      c.reviews.filter((r) => r.name.startsWith('twice-')).map((r) => r.rule),
      ['injected', 'already-injected'],
    );
  } finally {
    await c.admission.deleteMutatingWebhookConfiguration({ name: 'podprof-webhook-again' });
  }
});

/** A webhook that adds a log-shipper container, as a service mesh or log agent injector would. */
function startAdder(certPem: string, keyPem: string): Promise<Server> {
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string; object: V1Pod } };
      const has = review.request.object.spec?.containers.some((x) => x.name === 'log-shipper') === true;
      const patch = has
        ? []
        : [
            {
              op: 'add',
              path: '/spec/containers/-',
              value: { name: 'log-shipper', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
            },
          ];
      const response = {
        uid: review.request.uid,
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
      };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('a later webhook that adds a container makes the API server call podprof again (reinvocationPolicy IfNeeded), and the pod keeps one sidecar', async () => {
  await c.core.createNamespace({ body: { metadata: { name: 'reinvoked' } } });
  const ca = createCertificate({ commonName: 'adder CA', isCA: true });
  const leaf = createCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], issuer: { commonName: 'adder CA', key: ca.key } });
  const adder = await startAdder(leaf.certPem, leaf.keyPem);
  await c.admission.createMutatingWebhookConfiguration({
    body: {
      // Named after podprof-webhook: configurations are called in name order.
      metadata: { name: 'zz-log-shipper' },
      webhooks: [
        {
          name: 'log-shipper.example.com',
          clientConfig: {
            url: `https://127.0.0.1:${(adder.address() as AddressInfo).port}/`,
            caBundle: Buffer.from(ca.certPem).toString('base64'),
          },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'reinvoked' } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    },
  });
  try {
    await waitFor('the log-shipper webhook to take effect', async () => {
      const probe = await c.core.createNamespacedPod({
        namespace: 'reinvoked',
        body: deploymentPod('probe-adder', { annotations: INJECT }),
        dryRun: 'All',
      });
      return probe.spec?.containers.some((x) => x.name === 'log-shipper');
    });
    const pod = await create('reinvoked', deploymentPod('reinvoked', { annotations: INJECT }));
    assertInjected(pod, ['app', 'log-shipper']);
    assert.deepEqual(
      c.reviews.filter((r) => r.name.startsWith('reinvoked-')).map((r) => r.rule),
      ['injected', 'already-injected'],
      'called twice: injected, then reinvoked',
    );
  } finally {
    await c.admission.deleteMutatingWebhookConfiguration({ name: 'zz-log-shipper' });
    adder.closeAllConnections();
    adder.close();
  }
});
