// The test control plane (kube-apiserver v1.36.3 + etcd, built from source) does
// what podprof relies on: TokenReview, SubjectAccessReview on pprof
// subresources, Pod Security admission, mutating webhooks reached by url +
// caBundle on loopback, and kubectl access. No node runs: pods stay Pending.
// (Watches with a real kubelet: a-watch-sees-the-real-kubelet-run-a-pod.test.ts.)
// One cluster for the whole file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  AdmissionregistrationV1Api,
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Container,
  type V1Pod,
} from '@kubernetes/client-node';
import { createCertificate } from '../../src/tls/x509.ts';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { waitFor } from '../kit/cluster/http.ts';

const run = promisify(execFile);
let cp: ControlPlane;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  cp = await startControlPlane();
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});

after(async () => {
  await cp?.stop();
});

const appContainer = (): V1Container => ({
  name: 'app',
  image: 'localhost/podprof-demo-app:dev',
  ports: [{ name: 'http', containerPort: 6060 }],
});

function podManifest(name: string, o: { containers: V1Container[] }): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { containers: o.containers } };
}

async function namespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
}

async function tokenReview(token: string): Promise<{ authenticated?: boolean; user?: { username?: string; groups?: string[] } }> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token } } });
  return review.status ?? {};
}

test("a TokenReview of alice's token names alice and her groups; an unknown token is not authenticated", async () => {
  const alice = await tokenReview(cp.users.alice!.token);
  assert.equal(alice.authenticated, true);
  assert.equal(alice.user?.username, 'alice');
  assert.deepEqual([...(alice.user?.groups ?? [])].sort(), ['system:authenticated', 'team-a']);

  const nobody = await tokenReview('not-a-token-of-this-cluster');
  assert.notEqual(nobody.authenticated, true);
});

test('SubjectAccessReviews follow a Role on pods/heap in podprof.io: alice (team-a) may get heap but not profile, bob (team-b) may not get heap', async () => {
  await namespace('rbac');
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: 'rbac',
    body: { metadata: { name: 'heap-reader' }, rules: [{ apiGroups: ['podprof.io'], resources: ['pods/heap'], verbs: ['get'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'rbac',
    body: {
      metadata: { name: 'team-a-heap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'heap-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team-a' }],
    },
  });
  const authz = kc.makeApiClient(AuthorizationV1Api);
  // As the gateway will: who is this token (TokenReview), may they (SAR)?
  const may = async (user: 'alice' | 'bob', subresource: string): Promise<boolean> => {
    const who = await tokenReview(cp.users[user]!.token);
    const sar = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: who.user?.username,
          groups: who.user?.groups,
          resourceAttributes: { namespace: 'rbac', group: 'podprof.io', resource: 'pods', subresource, verb: 'get', name: 'web-1' },
        },
      },
    });
    return sar.status?.allowed === true;
  };
  // RBAC roles are cached by the authorizer's informers: the new binding takes a moment.
  await waitFor('the RoleBinding to take effect', () => may('alice', 'heap'));
  assert.equal(await may('alice', 'heap'), true);
  assert.equal(await may('alice', 'profile'), false);
  assert.equal(await may('bob', 'heap'), false);
});

function apiStatus(err: unknown): { code: number; message: string } {
  assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
  const body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { message?: string };
  return { code: err.code, message: body.message ?? '' };
}

const RESTRICTED_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 65532,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

test('a namespace enforcing the restricted Pod Security level rejects a privileged pod and admits a compliant one', async () => {
  await namespace('restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const privileged = podManifest('privileged', {
    containers: [{ ...appContainer(), securityContext: { ...RESTRICTED_SECURITY, privileged: true } }],
  });
  await assert.rejects(core.createNamespacedPod({ namespace: 'restricted', body: privileged }), (err) => {
    const { code, message } = apiStatus(err);
    assert.equal(code, 403);
    assert.match(
      message,
      /violates PodSecurity "restricted:latest": privileged \(container "app" must not set securityContext.privileged=true\)/,
    );
    return true;
  });

  // Non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp.
  const compliant = podManifest('compliant', {
    containers: [{ ...appContainer(), securityContext: { ...RESTRICTED_SECURITY, allowPrivilegeEscalation: false } }],
  });
  const created = await core.createNamespacedPod({ namespace: 'restricted', body: compliant });
  assert.equal(created.metadata?.name, 'compliant');
});

interface AdmissionReview {
  request?: { uid: string; kind: { kind: string }; operation: string; namespace?: string; object: V1Pod; userInfo: { username: string } };
}

function startWebhook(certPem: string, keyPem: string, seen: AdmissionReview[]): Promise<Server> {
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
      seen.push(review);
      const labels = review.request?.object.metadata?.labels;
      const patch = labels
        ? [{ op: 'add', path: '/metadata/labels/podprof.io~1mutated', value: 'true' }]
        : [{ op: 'add', path: '/metadata/labels', value: { 'podprof.io/mutated': 'true' } }];
      const response = {
        uid: review.request?.uid,
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

test('a mutating webhook on loopback, reached by url and trusted through its caBundle, labels the pods created in its namespaces', async () => {
  const ca = createCertificate({ commonName: 'podprof test webhook CA', isCA: true });
  const leaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof test webhook CA', key: ca.key },
  });
  const seen: AdmissionReview[] = [];
  const server = await startWebhook(leaf.certPem, leaf.keyPem, seen);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  await namespace('mutated', { 'podprof.test/webhook': 'on' });
  await admission.createMutatingWebhookConfiguration({
    body: {
      metadata: { name: 'podprof-test-labeler' },
      webhooks: [
        {
          name: 'labeler.podprof.test',
          clientConfig: {
            url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/mutate`,
            caBundle: Buffer.from(ca.certPem).toString('base64'),
          },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'podprof.test/webhook': 'on' } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    },
  });
  try {
    // The apiserver picks up new webhook configurations asynchronously: probe with dry runs.
    let n = 0;
    await waitFor('the webhook to be called', async () => {
      const probe = await core.createNamespacedPod({
        namespace: 'mutated',
        body: podManifest(`probe-${n++}`, { containers: [appContainer()] }),
        dryRun: 'All',
      });
      return probe.metadata?.labels?.['podprof.io/mutated'] === 'true';
    });
    const pod = await core.createNamespacedPod({ namespace: 'mutated', body: podManifest('web', { containers: [appContainer()] }) });
    assert.equal(pod.metadata?.labels?.['podprof.io/mutated'], 'true');
    assert.equal(pod.metadata?.labels?.app, 'web');
    const stored = await core.readNamespacedPod({ namespace: 'mutated', name: 'web' });
    assert.equal(stored.metadata?.labels?.['podprof.io/mutated'], 'true');
    const request = seen.at(-1)?.request;
    assert.equal(request?.kind.kind, 'Pod');
    assert.equal(request?.operation, 'CREATE');
    assert.equal(request?.namespace, 'mutated');
    assert.equal(request?.userInfo.username, 'admin');

    // Outside the selected namespaces nothing is sent to the webhook.
    const before = seen.length;
    const other = await core.createNamespacedPod({
      namespace: 'default',
      body: podManifest('unlabelled', { containers: [appContainer()] }),
    });
    assert.equal(other.metadata?.labels?.['podprof.io/mutated'], undefined);
    assert.equal(seen.length, before);
  } finally {
    await admission.deleteMutatingWebhookConfiguration({ name: 'podprof-test-labeler' });
    server.closeAllConnections();
    server.close();
  }
});

test('kubectl v1.32 lists pods in all namespaces through the generated kubeconfig, as admin and as a test user', async () => {
  await namespace('kubectl');
  await core.createNamespacedPod({ namespace: 'kubectl', body: podManifest('listed', { containers: [appContainer()] }) });
  const { stdout } = await run('kubectl', ['--kubeconfig', cp.kubeconfigPath, 'get', 'pods', '-A', '-o', 'json']);
  const list = JSON.parse(stdout) as { items: V1Pod[] };
  assert.ok(list.items.some((p) => p.metadata?.namespace === 'kubectl' && p.metadata.name === 'listed'));

  const table = await run('kubectl', ['--kubeconfig', cp.kubeconfigPath, 'get', 'pods', '-A']);
  assert.match(table.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS/);
  assert.match(table.stdout, /^kubectl\s+listed\s+0\/1\s+Pending/m);

  // carol has no RBAC grants: the same command is forbidden for her.
  await assert.rejects(
    run('kubectl', ['--kubeconfig', cp.kubeconfigPath, '--context', 'carol', 'get', 'pods', '-A']),
    (err: Error & { stderr?: string }) => {
      assert.match(err.stderr ?? '', /forbidden: User "carol" cannot list resource "pods"/);
      return true;
    },
  );
});
