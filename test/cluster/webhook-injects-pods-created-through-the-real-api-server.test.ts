// podprof's webhook behind a real kube-apiserver: the MutatingWebhookConfiguration
// of manifests/ (pointed at the webhook in this process by url + caBundle)
// decides which pods are sent, the API server applies the patch and Pod Security
// "restricted" validates the result. One cluster for the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { waitFor } from '../kit/cluster/http.ts';
import {
  assertInjected,
  assertNotInjected,
  deploymentPod,
  restrictedApp,
  sidecarsOf,
  startWebhookCluster,
  type WebhookCluster,
} from '../kit/cluster/webhook-cluster.ts';

const RESTRICTED = 'shop';
const OPTED_IN = 'opted-in';
let c: WebhookCluster;

before(async () => {
  c = await startWebhookCluster();
  await c.core.createNamespace({
    body: {
      metadata: {
        name: RESTRICTED,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    },
  });
  await c.core.createNamespace({ body: { metadata: { name: OPTED_IN, labels: { 'podprof.io/inject': 'enabled' } } } });
});

after(async () => {
  await c?.close();
});

const INJECT = { 'podprof.io/inject': 'true' };
const read = (namespace: string, name: string): Promise<V1Pod> => c.core.readNamespacedPod({ namespace, name });

async function create(namespace: string, pod: V1Pod): Promise<V1Pod> {
  const created = await c.core.createNamespacedPod({ namespace, body: pod });
  return read(namespace, created.metadata?.name ?? '');
}

function apiMessage(err: unknown): { code: number; message: string } {
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
  const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
  return { code: err.code, message: body.message ?? '' };
}

test('a Deployment-style pod created through the API client with podprof.io/inject "true" is stored with one native sidecar, the status annotation and the injected label, and passes Pod Security "restricted"', async () => {
  const pod = await create(RESTRICTED, deploymentPod('web', { annotations: INJECT }));
  assert.match(pod.metadata?.name ?? '', /^web-7d9f8b6c5d-[a-z0-9]{5}$/, 'generateName was resolved after the webhook');
  assertInjected(pod);
  assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'ReplicaSet');
  const sidecar = sidecarsOf(pod)[0];
  assert.ok(sidecar?.args?.includes('--upstream=http://127.0.0.1:6060'));
  const env = Object.fromEntries((sidecar?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
  assert.deepEqual(
    JSON.parse(env.PODPROF_JWKS ?? ''),
    JSON.parse(readFileSync(c.keys.jwksFile, 'utf8')),
    'the inline JWKS is the --jwks-file',
  );
  assert.equal(env.POD_UID, 'metadata.uid');

  // The namespace does enforce "restricted", on the injected pod: a non-compliant app is
  // refused, and the violations name only the app, never the sidecar.
  const unsafe = deploymentPod('unsafe', { annotations: INJECT, containers: [{ ...restrictedApp(), securityContext: undefined }] });
  await assert.rejects(c.core.createNamespacedPod({ namespace: RESTRICTED, body: unsafe }), (err) => {
    const { code, message } = apiMessage(err);
    assert.equal(code, 403);
    assert.match(message, /violates PodSecurity "restricted:latest"/);
    assert.match(message, /container "app"/);
    assert.doesNotMatch(message, /podprof-sidecar/);
    return true;
  });
});

test('the largest pod the API server stores is reviewed well under --max-body-bytes (4 MiB): the figure the default comes from', async (t) => {
  // etcd keeps an object of at most 1.5 MiB (--max-request-bytes); the API server takes request bodies of
  // up to 3 MiB. The biggest pod that is stored, with 1.4 MB of environment, reviewed as JSON:
  const env = Array.from({ length: 1400 }, (_, i) => ({ name: `BLOB_${i}`, value: 'x'.repeat(1000) }));
  const pod = await create(RESTRICTED, deploymentPod('huge', { annotations: INJECT, containers: [{ ...restrictedApp(), env }] }));
  assertInjected(pod);
  const line = c.reviews.find((r) => r.name === pod.metadata?.name || r.name === 'huge-7d9f8b6c5d-*');
  assert.ok(line, 'the review was logged');
  assert.ok(line.bytes > 1_400_000 && line.bytes < 4 * 1024 * 1024, `the review was ${line.bytes} bytes`);
  // A little more is refused by the API server itself (etcd's limit), before any webhook limit matters.
  const bigger = Array.from({ length: 1700 }, (_, i) => ({ name: `BLOB_${i}`, value: 'x'.repeat(1000) }));
  await assert.rejects(
    create(RESTRICTED, deploymentPod('huger', { annotations: INJECT, containers: [{ ...restrictedApp(), env: bigger }] })),
    (err) => /too large|request entity/i.test(`${apiMessage(err).code} ${apiMessage(err).message}`),
  );
  t.diagnostic(
    `a stored pod with 1.4 MB of environment was reviewed as ${line.bytes} bytes (the webhook takes up to 4 MiB); 1.7 MB was refused by the API server`,
  );
});

test('kubectl apply -f of an annotated pod stores it injected once; applying it again leaves it unchanged', async () => {
  const manifest = stringify(deploymentPod('shop', { name: 'shop-applied', annotations: INJECT }));
  const applied = await c.kubectl(['apply', '-n', RESTRICTED, '-f', '-'], manifest);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /^pod\/shop-applied created$/m);
  assertInjected(await read(RESTRICTED, 'shop-applied'));

  const again = await c.kubectl(['apply', '-n', RESTRICTED, '-f', '-'], manifest);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^pod\/shop-applied unchanged$/m);
  assertInjected(await read(RESTRICTED, 'shop-applied'));
});

test('in a namespace labelled podprof.io/inject=enabled a pod without the annotation is injected through /mutate/namespace; one with podprof.io/inject "false" is not even sent', async () => {
  const plain = await create(OPTED_IN, deploymentPod('plain'));
  assertInjected(plain);
  assert.deepEqual(
    c.reviews.filter((r) => r.name.startsWith('plain-')).map((r) => r.outcome),
    ['injected'],
  );

  const optedOut = await create(OPTED_IN, deploymentPod('opted-out', { annotations: { 'podprof.io/inject': 'false' } }));
  assertNotInjected(optedOut);
  assert.deepEqual(
    c.reviews.filter((r) => r.name.startsWith('opted-out-')),
    [],
    'the matchCondition kept it from the webhook',
  );
});

test('kubectl apply of a pod with podprof.io/port "abc" fails and prints the webhook message naming the key, the value and what is allowed', async () => {
  const manifest = stringify(deploymentPod('bad', { name: 'bad-port', annotations: { ...INJECT, 'podprof.io/port': 'abc' } }));
  const r = await c.kubectl(['apply', '-n', RESTRICTED, '-f', '-'], manifest);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /admission webhook "annotation\.inject\.podprof\.io" denied the request: podprof: annotation podprof\.io\/port="abc" is invalid: want a port number from 1 to 65535/,
  );
  await assert.rejects(read(RESTRICTED, 'bad-port'), (err) => apiMessage(err).code === 404);
});

test('with the webhook stopped, annotated pods are still created, uninjected (failurePolicy Ignore); once it is back they are injected again', async (t) => {
  await c.stopWebhook();
  try {
    const started = Date.now();
    const pod = await create(RESTRICTED, deploymentPod('while-down', { annotations: INJECT }));
    t.diagnostic(`created without the webhook in ${Date.now() - started} ms`);
    assertNotInjected(pod);
  } finally {
    await c.startWebhook();
  }
  await waitFor(
    'the webhook to inject again',
    async () =>
      sidecarsOf(
        await c.core.createNamespacedPod({ namespace: RESTRICTED, body: deploymentPod('probe', { annotations: INJECT }), dryRun: 'All' }),
      ).length === 1,
  );
  assertInjected(await create(RESTRICTED, deploymentPod('after-restart', { annotations: INJECT })));
});
