// podprof as users run it, on a real one-node Kubernetes (kubelet + containerd +
// runc, test/kit/cluster/node.ts): the images `npm run images` built,
// `kubectl apply -k manifests/overlays/local`, an annotated Deployment in a
// Pod Security `restricted` namespace, the gateway reached by `kubectl
// port-forward` with users' `kubectl create token` tokens, `go tool pprof`
// through a one-time link. The tests run in order and share the cluster.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { goPprof } from '../kit/product/gateway.ts';
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

const execFileP = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const SYSTEM = 'podprof-system';
const NS = 'shop';
const SIDECAR = 'podprof-sidecar';

let cp: ControlPlane | undefined;
let k: Kubectl;
let gatewayCa: string;
let fwd: PortForward | undefined;
const tokens: Record<'viewer' | 'profiler', string> = { viewer: '', profiler: '' };
const work = mkdtempSync(join(tmpdir(), 'podprof-real-node-'));

const gw = (): string => `https://127.0.0.1:${fwd!.port}`;

async function forwardToGateway(): Promise<void> {
  fwd?.stop();
  fwd = await portForward(k, SYSTEM, 'svc/podprof-gateway', 443);
}

async function pods(namespace: string, selector: string): Promise<V1Pod[]> {
  return (await kubectlJson<V1PodList>(k, ['get', 'pods', '-n', namespace, '-l', selector])).items;
}

before(async () => {
  cp = await startControlPlane({ node: true });
  k = kubectlFor(cp.kubeconfigPath);
  const secrets = join(REPO, 'manifests/overlays/local/secrets');
  await execFileP(join(REPO, 'manifests/overlays/local/make-secrets.sh'), [secrets]);
  gatewayCa = readFileSync(join(secrets, 'gateway-ca.crt'), 'utf8');
});

after(async () => {
  fwd?.stop();
  await cp?.stop();
});

test('kubectl apply -k manifests/overlays/local runs the webhook and the gateway as pods with their ServiceAccounts, Ready', async () => {
  await k(['apply', '-k', join(REPO, 'manifests/overlays/local')]);
  await k(['-n', SYSTEM, 'wait', '--for=condition=complete', 'job/podprof-webhook-certs', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-webhook', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-gateway', '--timeout=180s']);
  for (const [name, sa, replicas] of [
    ['podprof-webhook', 'podprof-webhook', 2],
    ['podprof-gateway', 'podprof-gateway', 1],
  ] as const) {
    const ps = (await pods(SYSTEM, `app.kubernetes.io/name=${name}`)).filter((p) => p.metadata?.deletionTimestamp === undefined);
    assert.equal(ps.length, replicas, `${name}: ${replicas} pods`);
    for (const p of ps) {
      assert.equal(p.spec?.serviceAccountName, sa);
      assert.equal(p.status?.phase, 'Running');
      assert.ok(
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        `${p.metadata?.name} Ready (its readiness probe passed)`,
      );
      assert.equal(p.spec?.nodeName, cp!.node!.name);
    }
  }
});

test('an annotated Deployment of 3 in a restricted namespace: each pod Running and Ready with podprof-sidecar as a native sidecar started before the app, read-only, its named port and downward-API identity', async () => {
  await k(['create', 'namespace', NS]);
  await k(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
  await k(['apply', '-f', '-'], JSON.stringify(demoDeployment(NS, 'web', 3)));
  await k(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const ps = await pods(NS, 'app=web');
  assert.equal(ps.length, 3);
  for (const p of ps) {
    const name = p.metadata!.name!;
    assert.ok(
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      `${name} Ready`,
    );
    const sidecar = p.spec?.initContainers?.find((c) => c.name === SIDECAR);
    assert.ok(sidecar, `${name} has ${SIDECAR} as an init container`);
    assert.equal(sidecar.restartPolicy, 'Always', 'a native sidecar');
    assert.equal(sidecar.securityContext?.readOnlyRootFilesystem, true);
    assert.ok(
      sidecar.ports?.some((port) => port.name === 'podprof'),
      'its named port',
    );
    const env = Object.fromEntries((sidecar.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    assert.equal(env.POD_NAME, 'metadata.name');
    assert.equal(env.POD_NAMESPACE, 'metadata.namespace');
    assert.equal(env.POD_UID, 'metadata.uid');
    assert.equal(p.metadata?.labels?.['podprof.io/injected'], 'true');
    const sidecarStatus = p.status?.initContainerStatuses?.find((c) => c.name === SIDECAR);
    const appStatus = p.status?.containerStatuses?.find((c) => c.name === 'app');
    assert.equal(sidecarStatus?.ready, true, `${name}: the sidecar is ready`);
    const sidecarStarted = Date.parse(String(sidecarStatus?.state?.running?.startedAt));
    const appStarted = Date.parse(String(appStatus?.state?.running?.startedAt));
    assert.ok(sidecarStarted <= appStarted, `${name}: the sidecar started (${sidecarStarted}) before the app (${appStarted})`);
  }
});

test('through kubectl port-forward svc/podprof-gateway, a podprof-viewer gets one pod’s heap profile and a 403 for its CPU profile', async () => {
  for (const [user, role] of [
    ['viewer', 'podprof-viewer'],
    ['profiler', 'podprof-profiler'],
  ] as const) {
    await k(['-n', NS, 'create', 'serviceaccount', user]);
    await k(['-n', NS, 'create', 'rolebinding', user, `--clusterrole=${role}`, `--serviceaccount=${NS}:${user}`]);
    tokens[user] = (await k(['-n', NS, 'create', 'token', user, '--audience', 'podprof'])).trim();
  }
  await forwardToGateway();
  const pod = (await pods(NS, 'app=web'))[0]!.metadata!.name!;
  const base = `${gw()}/api/v1/namespaces/${NS}/pods/${pod}/debug/pprof`;
  const heap = await eventually(
    'the gateway knows the pod',
    async () => {
      const r = await httpsCall(`${base}/heap`, { ca: gatewayCa, token: tokens.viewer });
      return r.status === 404 ? undefined : r;
    },
    60_000,
  );
  assert.equal(heap.status, 200, heap.body.toString().slice(0, 500));
  assert.deepEqual([...heap.body.subarray(0, 2)], [0x1f, 0x8b], 'a gzipped profile');
  const file = join(work, 'heap.pb.gz');
  writeFileSync(file, heap.body);
  assert.match(await goPprof(['-sample_index=inuse_space', '-top', file]), /inuse_space/);
  const cpu = await httpsCall(`${base}/profile?seconds=1`, { ca: gatewayCa, token: tokens.viewer });
  assert.equal(cpu.status, 403, cpu.body.toString());
  assert.match(cpu.body.toString(), /pods\/profile/);
});

test('a podprof-profiler’s 5 s CPU capture over deployment/web merges all 3 pods, and go tool pprof reads one pod through a one-time link', async () => {
  const created = await httpsCall(`${gw()}/api/v1/captures`, {
    ca: gatewayCa,
    token: tokens.profiler,
    json: { namespace: NS, workload: 'deployment/web', type: 'profile', seconds: 5 },
  });
  assert.equal(created.status, 201, created.body.toString());
  const meta = JSON.parse(created.body.toString()) as { id: string; status: string; pods: { pod: string; status: string }[] };
  assert.equal(meta.pods.length, 3);
  assert.ok(
    meta.pods.every((p) => p.status === 'ok'),
    JSON.stringify(meta.pods),
  );
  const merged = await httpsCall(`${gw()}/api/v1/captures/${meta.id}/profile.pb.gz`, { ca: gatewayCa, token: tokens.profiler });
  assert.equal(merged.status, 200);
  const file = join(work, 'cpu.pb.gz');
  writeFileSync(file, merged.body);
  const tags = await goPprof(['-tags', file]);
  const names = (await pods(NS, 'app=web')).map((p) => p.metadata!.name!);
  for (const n of names) assert.ok(tags.includes(n), `pod=${n} in the merged profile's tags:\n${tags}`);

  const link = await httpsCall(`${gw()}/api/v1/links`, {
    ca: gatewayCa,
    token: tokens.profiler,
    json: { namespace: NS, pod: names[0], type: 'heap' },
  });
  assert.equal(link.status, 201, link.body.toString());
  const { url } = JSON.parse(link.body.toString()) as { url: string };
  const caFile = join(work, 'gateway-ca.crt');
  writeFileSync(caFile, gatewayCa);
  const { stdout } = await execFileP('go', ['tool', 'pprof', '-top', url], {
    env: { ...process.env, SSL_CERT_FILE: caFile, PPROF_TMPDIR: work },
    maxBuffer: 16 << 20,
  });
  assert.match(stdout, /inuse_space|flat/);
  const again = await httpsCall(url, { ca: gatewayCa });
  assert.equal(again.status, 401, 'a link works once');
});

test('under the kubelet, the webhook, gateway and sidecar images run as uid 65532 on a read-only root filesystem, as their manifests say', async () => {
  const probe =
    "const fs=require('fs');let ro='no';try{fs.writeFileSync('/podprof-probe','x')}catch(e){ro=e.code}console.log(process.getuid()+' '+ro)";
  const [webhook] = await pods(SYSTEM, 'app.kubernetes.io/name=podprof-webhook');
  const [gateway] = await pods(SYSTEM, 'app.kubernetes.io/name=podprof-gateway');
  const [app] = await pods(NS, 'app=web');
  // Each image holds only its runtime (no shell): the probe runs on it — Node 24, or Bun for the sidecar (ADR 7).
  for (const [ns, pod, container, runtime] of [
    [SYSTEM, webhook, 'webhook', 'node'],
    [SYSTEM, gateway, 'gateway', 'node'],
    [NS, app, SIDECAR, 'bun'],
  ] as const) {
    const out = await k(['-n', ns, 'exec', pod!.metadata!.name!, '-c', container, '--', runtime, '-e', probe]);
    assert.equal(out.trim(), '65532 EROFS', `${container}: uid 65532, and writing to / fails with EROFS`);
  }
});

test('an injected Job completes: the native sidecar does not keep it alive', async () => {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'once', namespace: NS },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'podprof.io/inject': 'true' } },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: 'localhost/podprof-demo-app:dev',
              args: ['-exit-after=3s'],
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '150m', memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
  await k(['apply', '-f', '-'], JSON.stringify(job));
  await k(['-n', NS, 'wait', '--for=condition=complete', 'job/once', '--timeout=120s']);
  const [p] = await pods(NS, 'job-name=once');
  assert.ok(
    p?.spec?.initContainers?.some((c) => c.name === SIDECAR && c.restartPolicy === 'Always'),
    'the Job’s pod was injected',
  );
});

test('kubectl rollout restart re-injects every new pod exactly once', async () => {
  const before = new Set((await pods(NS, 'app=web')).map((p) => p.metadata!.name!));
  await k(['-n', NS, 'rollout', 'restart', 'deployment/web']);
  await k(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const now = (await pods(NS, 'app=web')).filter((p) => p.metadata?.deletionTimestamp === undefined && !before.has(p.metadata!.name!));
  assert.equal(now.length, 3);
  for (const p of now) {
    assert.equal(p.spec?.initContainers?.filter((c) => c.name === SIDECAR).length, 1, `${p.metadata?.name}: one sidecar`);
    assert.equal(p.spec?.containers.filter((c) => c.name === SIDECAR).length, 0);
  }
});

test('with the webhook scaled to 0, new pods start uninjected (failurePolicy Ignore)', async () => {
  await k(['-n', SYSTEM, 'scale', 'deployment/podprof-webhook', '--replicas=0']);
  await eventually('no webhook endpoints', async () =>
    (await pods(SYSTEM, 'app.kubernetes.io/name=podprof-webhook')).length === 0 ? true : undefined,
  );
  await k(['apply', '-f', '-'], JSON.stringify(demoDeployment(NS, 'plain', 1)));
  await k(['-n', NS, 'rollout', 'status', 'deployment/plain', '--timeout=120s']);
  const [p] = await pods(NS, 'app=plain');
  assert.equal(p?.spec?.initContainers?.some((c) => c.name === SIDECAR) ?? false, false, 'not injected');
  await k(['-n', SYSTEM, 'scale', 'deployment/podprof-webhook', '--replicas=2']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-webhook', '--timeout=180s']);
});

test('deleting the gateway pod mid-capture frees the CPU profiler for the next capture, and the new gateway lists the pod the webhook missed', async () => {
  const pod = (await pods(NS, 'app=web')).find((p) => p.metadata?.deletionTimestamp === undefined)!.metadata!.name!;
  // A 60 s capture (the pod's max-seconds): it holds the pod's CPU profiler for a minute unless the sidecar lets go.
  const longStarted = Date.now();
  const long = httpsCall(`${gw()}/api/v1/namespaces/${NS}/pods/${pod}/debug/pprof/profile?seconds=60`, {
    ca: gatewayCa,
    token: tokens.profiler,
  }).catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 3000));
  const [gatewayPod] = await pods(SYSTEM, 'app.kubernetes.io/name=podprof-gateway');
  await k(['-n', SYSTEM, 'delete', 'pod', gatewayPod!.metadata!.name!, '--wait=false']);
  await long;
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-gateway', '--timeout=180s']);
  await forwardToGateway();
  const next = await eventually(
    'a CPU capture after the restart',
    async () => {
      const r = await httpsCall(`${gw()}/api/v1/namespaces/${NS}/pods/${pod}/debug/pprof/profile?seconds=1`, {
        ca: gatewayCa,
        token: tokens.profiler,
      });
      return r.status === 404 || r.status === 503 ? undefined : r;
    },
    60_000,
  );
  assert.equal(next.status, 200, `not held by the deleted gateway's capture: ${next.body.toString().slice(0, 300)}`);
  assert.ok(Date.now() - longStarted < 55_000, 'the check ran while the deleted gateway’s 60 s capture would still have held the profiler');
  // The gateway looks for annotated pods the webhook missed at start and every --uninjected-scan-interval (5 min).
  const [plain] = await pods(NS, 'app=plain');
  const listed = await eventually(
    'the gateway lists the uninjected pod',
    async () => {
      const r = await httpsCall(`${gw()}/api/v1/pods?namespace=${NS}`, { ca: gatewayCa, token: tokens.profiler });
      const body = JSON.parse(r.body.toString()) as { items: { name: string }[]; notInjected: { namespace: string; name: string }[] };
      return body.notInjected.some((m) => m.namespace === NS && m.name === plain!.metadata!.name) ? body : undefined;
    },
    60_000,
  );
  assert.equal(listed.items.filter((t) => t.name === plain!.metadata!.name).length, 0, 'not among the profilable pods');
});
