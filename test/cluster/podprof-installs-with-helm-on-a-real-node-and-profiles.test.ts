// The Helm chart as an operator installs it, on a real one-node Kubernetes
// (kubelet + containerd + runc, test/kit/cluster/node.ts): the images `npm run
// images` built, `helm install` with the keys and certificates given by
// --set-file, an annotated Deployment in a Pod Security `restricted`
// namespace, then the journey the kustomize e2e runs
// (podprof-installs-and-profiles-on-a-real-node.test.ts): a viewer's heap read
// by go tool pprof and their CPU 403, a profiler's CPU capture merged over the
// Deployment; and `helm uninstall` taking the webhook away. The tests run in
// order and share the cluster.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import {
  demoDeployment,
  eventually,
  httpsCall,
  kubectlFor,
  kubectlJson,
  portForward,
  type Kubectl,
  type PortForward,
} from '../kit/cluster/real-node.ts';
import { buildHelm, helm as runHelm, type HelmResult } from '../kit/helm/helm.ts';
import { installLocally } from '../kit/helm/install-local.ts';
import { goPprof } from '../kit/product/gateway.ts';

const execFileP = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const SYSTEM = 'podprof-system';
const NS = 'shop';
const SIDECAR = 'podprof-sidecar';

let cp: ControlPlane | undefined;
let k: Kubectl;
let fwd: PortForward | undefined;
let bin: string;
let gatewayCa: string;
const work = mkdtempSync(join(tmpdir(), 'podprof-helm-node-'));
const secrets = join(work, 'secrets');
const tokens: Record<'viewer' | 'profiler', string> = { viewer: '', profiler: '' };

const helm = (args: readonly string[]): Promise<HelmResult> =>
  runHelm(bin, args, {
    HELM_CACHE_HOME: join(work, 'helm/cache'),
    HELM_CONFIG_HOME: join(work, 'helm/config'),
    HELM_DATA_HOME: join(work, 'helm/data'),
    KUBECONFIG: cp!.kubeconfigPath,
  });
const gw = (): string => `https://127.0.0.1:${fwd!.port}`;
const pods = async (namespace: string, selector: string): Promise<V1Pod[]> =>
  (await kubectlJson<V1PodList>(k, ['get', 'pods', '-n', namespace, '-l', selector])).items.filter(
    (p) => p.metadata?.deletionTimestamp === undefined,
  );

before(async () => {
  bin = await buildHelm();
  cp = await startControlPlane({ node: true });
  k = kubectlFor(cp.kubeconfigPath);
  await execFileP(join(REPO, 'manifests/overlays/local/make-secrets.sh'), [secrets]);
  gatewayCa = readFileSync(join(secrets, 'gateway-ca.crt'), 'utf8');
});

after(async () => {
  fwd?.stop();
  await cp?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('helm install with the local images, keys and certificates runs the webhook and the gateway Ready on the real node', async () => {
  // The namespace first (restricted); installLocally adds what the chart refers to but does not make.
  await k(['create', 'namespace', SYSTEM]);
  await k(['label', 'namespace', SYSTEM, 'pod-security.kubernetes.io/enforce=restricted']);
  // A one-node test cluster has no volume provisioner.
  const install = await installLocally({ k, helm, namespace: SYSTEM, secrets, set: ['gateway.store.persistence.enabled=false'] });
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /STATUS: deployed/);
  await k(['-n', SYSTEM, 'wait', '--for=condition=complete', 'job/podprof-webhook-certs', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-webhook', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-gateway', '--timeout=180s']);
  for (const [name, replicas] of [
    ['podprof-webhook', 2],
    ['podprof-gateway', 1],
  ] as const) {
    const ps = await pods(SYSTEM, `app.kubernetes.io/name=${name}`);
    assert.equal(ps.length, replicas, `${name}: ${replicas} pods`);
    for (const p of ps) {
      assert.ok(
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        `${p.metadata?.name} Ready`,
      );
      assert.equal(p.metadata?.labels?.['app.kubernetes.io/managed-by'], undefined, 'pod labels stay selector-stable');
    }
  }
});

test('an annotated Deployment of 2 in a restricted namespace is injected by the chart’s webhook with the chart’s sidecar image', async () => {
  await k(['create', 'namespace', NS]);
  await k(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
  await k(['apply', '-f', '-'], JSON.stringify(demoDeployment(NS, 'web', 2)));
  await k(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const ps = await pods(NS, 'app=web');
  assert.equal(ps.length, 2);
  for (const p of ps) {
    const sidecar = p.spec?.initContainers?.find((c) => c.name === SIDECAR);
    assert.equal(sidecar?.image, 'localhost/podprof-sidecar:dev', `${p.metadata?.name}: injected with the chart's sidecar image`);
    assert.equal(p.status?.initContainerStatuses?.find((c) => c.name === SIDECAR)?.ready, true, `${p.metadata?.name}: sidecar ready`);
  }
});

test('through the chart’s Service: a podprof-viewer’s heap is read by go tool pprof and their CPU is a 403; a podprof-profiler’s CPU capture merges both pods', async () => {
  for (const [user, role] of [
    ['viewer', 'podprof-viewer'],
    ['profiler', 'podprof-profiler'],
  ] as const) {
    await k(['-n', NS, 'create', 'serviceaccount', user]);
    await k(['-n', NS, 'create', 'rolebinding', user, `--clusterrole=${role}`, `--serviceaccount=${NS}:${user}`]);
    tokens[user] = (await k(['-n', NS, 'create', 'token', user, '--audience', 'podprof'])).trim();
  }
  fwd = await portForward(k, SYSTEM, 'svc/podprof-gateway', 443);
  const names = (await pods(NS, 'app=web')).map((p) => p.metadata!.name!);
  const base = `${gw()}/api/v1/namespaces/${NS}/pods/${names[0]}/debug/pprof`;
  const heap = await eventually(
    'the gateway knows the pod',
    async () => {
      const r = await httpsCall(`${base}/heap`, { ca: gatewayCa, token: tokens.viewer });
      return r.status === 404 ? undefined : r;
    },
    60_000,
  );
  assert.equal(heap.status, 200, heap.body.toString().slice(0, 500));
  const file = join(work, 'heap.pb.gz');
  writeFileSync(file, heap.body);
  assert.match(await goPprof(['-sample_index=inuse_space', '-top', file]), /inuse_space/);
  const denied = await httpsCall(`${base}/profile?seconds=1`, { ca: gatewayCa, token: tokens.viewer });
  assert.equal(denied.status, 403, denied.body.toString());

  const created = await httpsCall(`${gw()}/api/v1/captures`, {
    ca: gatewayCa,
    token: tokens.profiler,
    json: { namespace: NS, workload: 'deployment/web', type: 'profile', seconds: 3 },
  });
  assert.equal(created.status, 201, created.body.toString());
  const meta = JSON.parse(created.body.toString()) as { id: string; pods: { pod: string; status: string }[] };
  assert.deepEqual(meta.pods.map((p) => p.status).sort(), ['ok', 'ok'], JSON.stringify(meta.pods));
  const merged = await httpsCall(`${gw()}/api/v1/captures/${meta.id}/profile.pb.gz`, { ca: gatewayCa, token: tokens.profiler });
  assert.equal(merged.status, 200);
  writeFileSync(join(work, 'cpu.pb.gz'), merged.body);
  const tags = await goPprof(['-tags', join(work, 'cpu.pb.gz')]);
  for (const n of names) assert.ok(tags.includes(n), `pod=${n} in the merged profile's tags:\n${tags}`);
});

test('helm uninstall takes the webhook away: a new pod of the annotated Deployment starts uninjected', async () => {
  fwd?.stop();
  fwd = undefined;
  const out = await helm(['uninstall', 'podprof', '--namespace', SYSTEM, '--wait', '--timeout', '180s']);
  assert.equal(out.code, 0, out.stderr);
  const hooks = await k(['get', 'mutatingwebhookconfigurations', '-o', 'name']);
  assert.doesNotMatch(hooks, /podprof/);
  await k(['-n', NS, 'scale', 'deployment/web', '--replicas=3']);
  await k(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const ps = await pods(NS, 'app=web');
  assert.equal(ps.length, 3);
  assert.equal(ps.filter((p) => !p.spec?.initContainers?.some((c) => c.name === SIDECAR)).length, 1, 'the new pod is not injected');
});
