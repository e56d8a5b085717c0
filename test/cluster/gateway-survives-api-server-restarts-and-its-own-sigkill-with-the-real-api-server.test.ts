// Faults around the gateway, with the real API server and pods injected by the
// real webhook and run on the real node (kubelet, containerd, runc): the API
// server refuses the gateway's list of pods, restarts under the gateway's pod
// informer, and the gateway process itself (a host process, reaching the pods
// through the node's veth) is SIGKILLed in the middle of a CPU capture. The gateway
// runs as its ServiceAccount (ClusterRole of manifests/gateway/). One cluster and
// node for the file; needs `npm run build` and `npm run images`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningGateway } from '../../gateway/server.ts';
import { sleep, waitFor } from '../kit/cluster/http.ts';
import { kubectlFor, portForward } from '../kit/cluster/real-node.ts';
import {
  call,
  GATEWAY_NS,
  GATEWAY_SA,
  pprofPath,
  startGatewayCluster,
  waitRoutable,
  type GatewayCluster,
} from '../kit/cluster/gateway-cluster.ts';
import type { Reply } from '../kit/net/http.ts';

const NS = 'shop';
let g: GatewayCluster;

before(async () => {
  g = await startGatewayCluster();
  await g.createNamespace(NS);
});

after(async () => {
  await g?.close();
});

type Pods = { items: Array<{ namespace: string; name: string; routable: boolean }> };

async function podNames(base: string): Promise<string[]> {
  const r = await call(base, `/api/v1/pods?namespace=${NS}`, { token: g.cp.adminToken });
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as Pods).items.filter((p) => p.routable).map((p) => p.name);
}

const parse = (line: string): Record<string, unknown> => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {});
const isProfile = (r: Reply): boolean => r.status === 200 && r.body[0] === 0x1f && r.body[1] === 0x8b;

test('a gateway whose ServiceAccount may not list pods answers 503 on /readyz and logs why; once bound to the ClusterRole of manifests/gateway it lists, becomes ready and routes, without a restart', async (t) => {
  const other = 'warehouse';
  await g.createNamespace(other);
  const { handle } = await g.runInjectedPod(other, 'early');
  const sa = 'podprof-gateway-unbound';
  const gw = await g.startGateway([], g.kubeconfigFor(sa, await g.serviceAccountToken(GATEWAY_NS, sa, [])));
  const readyz = async (): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`http://127.0.0.1:${gw.ports.health}/readyz`);
    return { status: r.status, body: await r.json() };
  };
  try {
    const refused = `HTTP 403: pods is forbidden: User "system:serviceaccount:${GATEWAY_NS}:${sa}" cannot list resource "pods" in API group "" at the cluster scope`;
    const warning = await waitFor('the refused list in the log', () =>
      g.logs.map(parse).find((l) => l.msg === 'pod informer stopped; restarting' && l.err === refused),
    );
    assert.equal(typeof warning.retryMs, 'number');
    assert.deepEqual(
      g.logs.map(parse).filter((l) => l.level === 'info' && /informer/.test(String(l.msg))),
      [],
      'no line claims the informer is up',
    );
    const notReady = (await readyz()) as { status: number; body: { ready: boolean; targets: number; missing?: Record<string, string> } };
    assert.deepEqual([notReady.status, notReady.body.ready, notReady.body.targets], [503, false, 0], 'not ready: nothing was ever listed');
    assert.deepEqual(Object.keys(notReady.body.missing ?? {}), ['discovery'], 'and /readyz says what is missing');
    assert.match(notReady.body.missing!.discovery!, /API server/);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: sa },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GATEWAY_SA },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: GATEWAY_NS }],
    };
    await g.apply([binding]);
    const bound = Date.now();
    await waitRoutable(gw, other, handle.name, 40_000);
    t.diagnostic(`listed and routable ${Date.now() - bound} ms after the binding`);
    const ready = (await readyz()) as { status: number; body: { ready: boolean; targets: number; missing?: unknown } };
    assert.deepEqual([ready.status, ready.body.ready, ready.body.targets, ready.body.missing], [200, true, 1, undefined]);
    assert.ok(
      g.logs.map(parse).some((l) => l.msg === 'pod informer listed pods' && l.pods === 1),
      'the first successful list is logged',
    );
  } finally {
    await gw.close();
    await handle.stop();
  }
});

test('the API server restarts under the pod informer: discovery recovers, a deleted pod leaves GET /api/v1/pods, and a new injected pod appears and routes within seconds', async (t) => {
  const gw: RunningGateway = await g.startGateway();
  const base = `https://127.0.0.1:${gw.ports.main}`;
  try {
    const old = await g.runInjectedPod(NS, 'old');
    await waitRoutable(gw, NS, old.handle.name);
    assert.deepEqual(await podNames(base), [old.handle.name]);

    const restarting = Date.now();
    await g.cp.restartApiServer();
    t.diagnostic(`API server restarted in ${Date.now() - restarting} ms`);
    assert.ok(
      g.logs.some((l) => l.includes('pod informer stopped; restarting')),
      'the informer saw the API server go',
    );

    const deleting = Date.now();
    await g.core.deleteNamespacedPod({ namespace: NS, name: old.handle.name });
    await waitFor(
      'the deleted pod to leave the gateway',
      async () => !(await podNames(base)).includes(old.handle.name) && gw.context.registry.get(NS, old.handle.name) === undefined,
      30_000,
    );
    t.diagnostic(`deleted pod gone from the gateway ${Date.now() - deleting} ms after the delete`);

    const fresh = await g.runInjectedPod(NS, 'fresh');
    const running = Date.now();
    await waitFor('the new pod to appear', async () => (await podNames(base)).includes(fresh.handle.name), 10_000);
    const seenMs = Date.now() - running;
    t.diagnostic(`new pod listed ${seenMs} ms after it was Running and Ready`);
    assert.ok(seenMs < 5000, `seen within seconds (${seenMs} ms)`);
    await fresh.handle.enrolled(10_000);
    const heap = await call(base, pprofPath(NS, fresh.handle.name, 'heap'), { token: g.cp.adminToken });
    assert.ok(isProfile(heap), `routes to the new pod: ${heap.status} ${heap.text.slice(0, 200)}`);
    assert.equal((await fetch(`http://127.0.0.1:${gw.ports.health}/readyz`)).status, 200);
    await fresh.handle.stop();
  } finally {
    await gw.close();
  }
});

test('the gateway process SIGKILLed during a 20 s CPU capture: the sidecar cancels it and the Go app takes a direct CPU profile again within seconds', async (t) => {
  // The gateway first: the pod's sidecar enrolls with it as it starts.
  const gw = await g.startGatewayChild();
  const { handle } = await g.runInjectedPod(NS, 'cpu');
  await handle.enrolled();
  // The app serves pprof on the pod's loopback only: reach it directly (not through the sidecar) as a user would.
  const direct = await portForward(kubectlFor(g.cp.kubeconfigPath), NS, `pod/${handle.name}`, 6060);
  try {
    const app = `http://127.0.0.1:${direct.port}/debug/pprof`;
    const appProfile = `${app}/profile?seconds=1`;
    await waitFor('the gateway child to route to the pod', async () => (await podNames(gw.url)).includes(handle.name));

    const capture = call(gw.url, pprofPath(NS, handle.name, 'profile', '?seconds=20'), { token: g.cp.adminToken }).then(
      (r) => `answered ${r.status}`,
      (err: Error) => `failed: ${err.message}`,
    );
    // The goroutine dump shows the capture inside Go's handler without touching the profiler.
    const capturing = async (): Promise<boolean> =>
      (await (await fetch(`${app}/goroutine?debug=1`)).text()).includes('net/http/pprof.Profile');
    await waitFor('the capture to reach the app through the gateway and the sidecar', capturing);
    const busy = await fetch(appProfile);
    assert.equal(busy.status, 500, 'the profiler is held');
    t.diagnostic(`the app, directly, while the capture runs: ${busy.status} ${(await busy.text()).trim()}`);

    await sleep(1000);
    gw.child.kill('SIGKILL');
    const killed = Date.now();
    assert.match(await capture, /^failed: /, 'the capture died with the gateway');
    await waitFor('the app to leave the CPU profile handler', async () => !(await capturing()), 10_000);
    const releasedMs = Date.now() - killed;
    const profiled = await fetch(appProfile);
    const body = Buffer.from(await profiled.arrayBuffer());
    assert.equal(profiled.status, 200, body.toString());
    assert.deepEqual([...body.subarray(0, 2)], [0x1f, 0x8b], 'a CPU profile');
    const freedMs = Date.now() - killed;
    t.diagnostic(`profiler released ${releasedMs} ms after the SIGKILL; a direct 1 s CPU profile done ${freedMs} ms after it`);
    assert.ok(freedMs < 5000, `the profiler is free within a few seconds, not after the 20 s (${freedMs} ms)`);
    await waitFor(
      'the sidecar to audit the abandoned capture',
      () => handle.logs('podprof-sidecar').some((l) => l.includes('"type":"profile"') && l.includes('"outcome":"client-abort"')),
      5000,
    );
  } finally {
    direct.stop();
  }
});
