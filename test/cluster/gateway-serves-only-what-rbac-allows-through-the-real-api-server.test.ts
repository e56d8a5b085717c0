// The gateway with --auth, --authz and --discovery all "kubernetes", against the
// real API server, running as its own ServiceAccount bound to the ClusterRole of
// manifests/gateway/ (token from the TokenRequest API). Pods are created through
// the API server, injected by the real webhook and run on the real node (kubelet,
// containerd, runc; their sidecars enroll with the gateway). Users are the control
// plane's token users, bound with real Roles; scrapers are ServiceAccounts. One
// cluster and node for the file; needs `npm run build` and `npm run images`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { findMissed } from '../../gateway/discovery/kubernetes.ts';
import type { RunningGateway } from '../../gateway/server.ts';
import type { Target } from '../../gateway/pods/targets.ts';
import { writeKubeconfig } from '../kit/cluster/kubeconfig.ts';
import { waitFor } from '../kit/cluster/http.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { call, INJECT, pprofPath, startGatewayCluster, waitRoutable, type GatewayCluster } from '../kit/cluster/gateway-cluster.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { deploymentPod, sidecarsOf } from '../kit/cluster/webhook-cluster.ts';

const execFileP = promisify(execFile);
const A = 'team-a';
const B = 'team-b';
const C = 'team-c'; // only a pod created while the webhook was down
const MONITORING = 'monitoring';

let g: GatewayCluster;
let gw: RunningGateway;
let base: string;
let web: Target; // team-a
let api: Target; // team-b
let legacy: string; // team-b, created while the webhook was down
let orphan: string; // team-c, likewise, and the only pod there
const tokens: Record<string, string> = {};
/** Every credential this file hands out; none may appear in a log line. */
const secrets: Array<[string, string]> = [];

const json = <T>(r: Reply): T => JSON.parse(r.text) as T;
const isProfile = (r: Reply): boolean =>
  r.status === 200 && r.body[0] === 0x1f && r.body[1] === 0x8b && Profile.decode(gunzipSync(r.body)).sampleType.length > 0;

before(async () => {
  g = await startGatewayCluster();
  for (const name of [A, B, C, MONITORING]) await g.createNamespace(name);
  const users = await g.kubectl(['apply', '-k', 'manifests/users/']);
  assert.equal(users.code, 0, users.stderr);
  const rule = (resources: string[], verbs: string[]): object => ({ apiGroups: ['podprof.io'], resources, verbs });
  const roleRef = (kind: string, name: string): object => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  await g.apply([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { namespace: A, name: 'heap-only' },
      rules: [rule(['pods/heap'], ['get'])],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: A, name: 'alice-heap-only' },
      roleRef: roleRef('Role', 'heap-only'),
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: B, name: 'bob-viewer' },
      roleRef: roleRef('ClusterRole', 'podprof-viewer'),
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alloy-scraper' },
      roleRef: roleRef('ClusterRole', 'podprof-scraper'),
      subjects: [{ kind: 'ServiceAccount', name: 'alloy', namespace: MONITORING }],
    },
  ]);
  Object.assign(tokens, {
    admin: g.cp.adminToken,
    alice: g.cp.users.alice!.token,
    bob: g.cp.users.bob!.token,
    carol: g.cp.users.carol!.token,
  });
  tokens.alloy = await g.serviceAccountToken(MONITORING, 'alloy');
  tokens.nobody = await g.serviceAccountToken(MONITORING, 'nobody');
  secrets.push(...Object.entries(tokens), ['gateway ServiceAccount token', g.gatewayToken]);

  // Created while the webhook is down: stored uninjected (failurePolicy Ignore).
  await g.stopWebhook();
  try {
    const pod = await g.core.createNamespacedPod({ namespace: B, body: deploymentPod('legacy', { annotations: INJECT }) });
    assert.equal(sidecarsOf(pod).length, 0);
    legacy = pod.metadata?.name ?? '';
    orphan =
      (await g.core.createNamespacedPod({ namespace: C, body: deploymentPod('orphan', { annotations: INJECT }) })).metadata?.name ?? '';
  } finally {
    await g.startWebhook();
  }
  await waitFor(
    'the webhook to inject again',
    async () =>
      sidecarsOf(await g.core.createNamespacedPod({ namespace: B, body: deploymentPod('probe', { annotations: INJECT }), dryRun: 'All' }))
        .length === 1,
  );

  // The gateway first: the pods' sidecars enroll with it as they start.
  gw = await g.startGateway();
  base = `https://127.0.0.1:${gw.ports.main}`;
  const [a, b] = await Promise.all([g.runInjectedPod(A, 'web'), g.runInjectedPod(B, 'api')]);
  await Promise.all([a.handle.enrolled(), b.handle.enrolled()]);
  web = await waitRoutable(gw, A, a.handle.name);
  api = await waitRoutable(gw, B, b.handle.name);
});

after(async () => {
  await g?.close();
});

test('no token is a 401 with WWW-Authenticate (JSON on the API, text for pprof); a bad token is a 401; a user with no RBAC gets a 403 naming the rule', async () => {
  const none = await call(base, '/api/v1/pods');
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="podprof"');
  assert.equal(json<{ code: string }>(none).code, 'PODPROF_UNAUTHENTICATED');

  const pprof = await call(base, pprofPath(A, web.name, 'heap'));
  assert.equal(pprof.status, 401);
  assert.equal(pprof.headers['www-authenticate'], 'Bearer realm="podprof"');
  assert.equal(pprof.headers['x-go-pprof'], '1', 'go tool pprof shows the text');
  assert.match(pprof.text, /^PODPROF_UNAUTHENTICATED: /);

  const bad = await call(base, pprofPath(A, web.name, 'heap'), { token: `${tokens.alice}x` });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers['www-authenticate'], 'Bearer realm="podprof"');
  assert.match(bad.text, /^PODPROF_TOKEN_INVALID: /);

  const carol = await call(base, pprofPath(A, web.name, 'heap'), { token: tokens.carol });
  assert.equal(carol.status, 403, carol.text);
  assert.ok(
    carol.text.includes(
      `carol may not get pods/heap ${web.name} in namespace ${A}; a Role needs: apiGroups: ["podprof.io"], resources: ["pods/heap"], verbs: ["get"]`,
    ),
    carol.text,
  );
  const carolList = await call(base, `/api/v1/pods?namespace=${A}`, { token: tokens.carol });
  assert.equal(carolList.status, 403);
  assert.deepEqual(json(carolList), {
    code: 'PODPROF_FORBIDDEN',
    message: `carol may not list pods in namespace ${A}; a Role needs: apiGroups: ["podprof.io"], resources: ["pods"], verbs: ["list"]`,
    hint: 'ask your cluster admin for the RBAC rule named above',
  });
});

test("a token for the API server's own audience is refused with a 401 that says how to make one for podprof; the same ServiceAccount's podprof token is accepted", async () => {
  const apiServerToken = await g.serviceAccountToken(MONITORING, 'alloy', [g.cp.server]);
  secrets.push(['alloy token for the API server', apiServerToken]);
  const refused = await call(base, '/sd/targets', { token: apiServerToken });
  assert.equal(refused.status, 401, refused.text);
  assert.match(
    refused.text,
    /the token was not accepted for audience podprof \(make one with: kubectl create token NAME --audience podprof\)/,
  );
  assert.equal((await call(base, '/sd/targets', { token: tokens.alloy! })).status, 200);
});

test("podprof link with a ServiceAccount's kubeconfig asks the API server for a podprof token and sends the gateway only that", async () => {
  // The ServiceAccount may profile team-a and request tokens for itself (create serviceaccounts/token on its own name).
  await g.core.createNamespacedServiceAccount({ namespace: A, body: { metadata: { name: 'ci' } } });
  await g.apply([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: A, name: 'ci-profiler' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'podprof-profiler' },
      subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: A }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { namespace: A, name: 'ci-own-token' },
      rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['ci'], verbs: ['create'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { namespace: A, name: 'ci-own-token' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ci-own-token' },
      subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: A }],
    },
  ]);
  const apiToken = await g.serviceAccountToken(A, 'ci', [g.cp.server]);
  secrets.push(['ci token for the API server', apiToken]);
  const kubeconfig = join(g.tls.dir, 'ci-kubeconfig');
  writeKubeconfig(kubeconfig, { server: g.cp.server, caFile: g.cp.caFile, tokens: { ci: apiToken }, currentUser: 'ci' });
  const env = { ...process.env, KUBECONFIG: kubeconfig, PODPROF_TOKEN: '' };
  const out = await execFileP(
    NODE,
    [join(REPO, 'bin/podprof.mjs'), 'link', `${A}/${web.name}`, '--type', 'heap', '--gateway', base, '--ca-file', g.tls.caFile],
    { env, timeout: 60_000 },
  );
  assert.match(out.stdout, /^https:\/\/pprof:[^@]+@127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team-a\/pods\//);
  const created = g.logs.filter((l) => l.includes('"outcome":"link-created"'));
  assert.ok(
    created.some((l) => l.includes('"user":"system:serviceaccount:team-a:ci"')),
    'the gateway saw the ServiceAccount, with a token for audience podprof',
  );
  assert.ok(
    g.logs.every((l) => !l.includes(apiToken)),
    'the API-server token appears nowhere',
  );
});

test('alice, bound to a Role allowing only pods/heap in team-a, gets the heap profile, a 403 naming pods/profile for a CPU profile, and nothing in team-b', async () => {
  const heap = await call(base, pprofPath(A, web.name, 'heap'), { token: tokens.alice });
  assert.ok(isProfile(heap), `${heap.status} ${heap.text.slice(0, 200)}`);
  assert.deepEqual(Profile.decode(gunzipSync(heap.body)).sampleType.length, 4, 'alloc_objects, alloc_space, inuse_objects, inuse_space');

  const cpu = await call(base, pprofPath(A, web.name, 'profile', '?seconds=1'), { token: tokens.alice });
  assert.equal(cpu.status, 403);
  assert.equal(cpu.headers['x-go-pprof'], '1');
  assert.match(
    cpu.text,
    /^PODPROF_FORBIDDEN: alice may not get pods\/profile \S+ in namespace team-a; a Role needs: apiGroups: \["podprof\.io"\], resources: \["pods\/profile"\], verbs: \["get"\]\n/,
  );

  for (const type of ['goroutine', 'trace', 'cmdline']) {
    const r = await call(base, pprofPath(A, web.name, type), { token: tokens.alice });
    assert.equal(r.status, 403, `${type}: ${r.text}`);
    assert.ok(r.text.includes(`resources: ["pods/${type}"]`), r.text);
  }
  const otherNs = await call(base, pprofPath(B, api.name, 'heap'), { token: tokens.alice });
  assert.equal(otherNs.status, 403, otherNs.text);
  assert.ok(otherNs.text.includes(`alice may not get pods/heap ${api.name} in namespace ${B}`), otherNs.text);
  const list = await call(base, `/api/v1/pods?namespace=${A}`, { token: tokens.alice });
  assert.equal(list.status, 403, 'heap-only does not include listing');
});

test('bob, bound to the example podprof-viewer ClusterRole of manifests/users in team-b, gets heap and goroutine there, no CPU profile, and nothing in team-a', async () => {
  assert.ok(isProfile(await call(base, pprofPath(B, api.name, 'heap'), { token: tokens.bob })));
  assert.ok(isProfile(await call(base, pprofPath(B, api.name, 'goroutine'), { token: tokens.bob })));
  const cpu = await call(base, pprofPath(B, api.name, 'profile', '?seconds=1'), { token: tokens.bob });
  assert.equal(cpu.status, 403);
  assert.ok(cpu.text.includes('resources: ["pods/profile"]'), cpu.text);
  const otherNs = await call(base, pprofPath(A, web.name, 'heap'), { token: tokens.bob });
  assert.equal(otherNs.status, 403);
});

test("bob, a heap-and-goroutine viewer allowed to read captures, cannot list, read, download or delete the admin's stored CPU profile or trace, sees the heap capture, and never the admin's groups", async () => {
  const capture = async (type: string, seconds?: number): Promise<{ id: string; status: string }> => {
    const r = await call(base, '/api/v1/captures', {
      token: tokens.admin,
      method: 'POST',
      body: { namespace: B, pod: api.name, type, ...(seconds ? { seconds } : {}) },
    });
    assert.equal(r.status, 201, r.text);
    return json(r);
  };
  const cpu = await capture('profile', 1);
  const trace = await capture('trace', 1);
  const heap = await capture('heap');
  assert.deepEqual([cpu.status, trace.status, heap.status], ['done', 'done', 'done']);

  const listed = json<{ items: Array<{ id: string; groups?: unknown }> }>(
    await call(base, `/api/v1/captures?namespace=${B}`, { token: tokens.bob }),
  );
  assert.deepEqual(
    listed.items.map((m) => m.id),
    [heap.id],
    'only the capture of a type bob may profile',
  );
  assert.equal(listed.items[0]!.groups, undefined, "the admin's groups are not shown to bob");
  const all = json<{ items: Array<{ id: string }> }>(await call(base, '/api/v1/captures', { token: tokens.bob }));
  assert.deepEqual(
    all.items.map((m) => m.id),
    [heap.id],
  );

  for (const [id, type, file] of [
    [cpu.id, 'profile', 'profile.pb.gz'],
    [trace.id, 'trace', 'trace.out'],
  ] as const) {
    for (const path of [`/api/v1/captures/${id}`, `/api/v1/captures/${id}/${file}`]) {
      const r = await call(base, path, { token: tokens.bob });
      assert.equal(r.status, 403, `${path}: ${r.text}`);
      assert.ok(r.text.includes(`bob may not get pods/${type} ${api.name} in namespace ${B}`), r.text);
    }
  }
  const del = await call(base, `/api/v1/captures/${cpu.id}`, {
    token: tokens.bob,
    method: 'DELETE',
    headers: { 'x-podprof-request': '1' },
  });
  assert.ok(del.status === 403, `${del.status} ${del.text}`);

  const mine = json<{ groups?: unknown; type: string }>(await call(base, `/api/v1/captures/${heap.id}`, { token: tokens.bob }));
  assert.deepEqual([mine.type, mine.groups], ['heap', undefined]);
  const dl = await call(base, `/api/v1/captures/${heap.id}/profile.pb.gz`, { token: tokens.bob });
  assert.ok(isProfile(dl), `${dl.status} ${dl.text.slice(0, 200)}`);
  const admins = json<{ groups?: string[] }>(await call(base, `/api/v1/captures/${cpu.id}`, { token: tokens.admin }));
  assert.ok(Array.isArray(admins.groups) && admins.groups.length > 0, 'the creator sees its own groups');
});

test('GET /api/v1/pods lists the injected pods of the namespaces the caller may list, and annotated pods created while the webhook was down under notInjected; a session cookie sees the same', async () => {
  type Pods = {
    items: Array<{
      namespace: string;
      name: string;
      uid: string;
      ip: string;
      routable: boolean;
      workload?: { kind: string; name: string };
    }>;
    notInjected: Array<{ namespace: string; name: string }>;
  };
  const bob = await call(base, '/api/v1/pods', { token: tokens.bob });
  assert.equal(bob.status, 200, bob.text);
  const seen = json<Pods>(bob);
  assert.deepEqual(
    seen.items.map((p) => [p.namespace, p.name, p.routable]),
    [[B, api.name, true]],
    'team-b only',
  );
  assert.deepEqual(seen.items[0]?.workload, { kind: 'Deployment', name: 'api' });
  assert.equal(seen.items[0]?.uid, api.uid);
  assert.deepEqual(seen.notInjected, [{ namespace: B, name: legacy }]);

  const admin = json<Pods>(await call(base, '/api/v1/pods', { token: tokens.admin }));
  assert.deepEqual(
    admin.items.map((p) => `${p.namespace}/${p.name}`),
    [`${A}/${web.name}`, `${B}/${api.name}`],
  );
  assert.ok(admin.notInjected.some((m) => m.namespace === B && m.name === legacy));
  assert.deepEqual(
    json<Pods>(await call(base, `/api/v1/pods?namespace=${A}`, { token: tokens.admin })).notInjected,
    [],
    'filtered by namespace',
  );

  const login = await call(base, '/api/v1/session', { token: tokens.bob, method: 'POST' });
  assert.equal(login.status, 201, login.text);
  const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  assert.match(cookie, /^__Host-podprof_session=[\w-]+\.[\w-]+$/);
  assert.match(String(login.headers['set-cookie']?.[0]), /HttpOnly; Secure; SameSite=Strict/);
  secrets.push(['session cookie', cookie.slice(cookie.indexOf('=') + 1)]);
  const viaCookie = await call(base, '/api/v1/pods', { headers: { cookie } });
  assert.equal(viaCookie.status, 200, viaCookie.text);
  assert.deepEqual(json(viaCookie), seen);
});

// Fails today: gateway/routes/pods.ts asks RBAC only about the namespaces that
// have injected pods, so a namespace whose pods were ALL created while the
// webhook was down (the usual case) is never reported. See the report.
test('GET /api/v1/pods reports uninjected annotated pods also in a namespace that has no injected pod', async () => {
  type Pods = { items: unknown[]; notInjected: Array<{ namespace: string; name: string }> };
  const admin = json<Pods>(await call(base, '/api/v1/pods', { token: tokens.admin }));
  assert.deepEqual(admin.notInjected, [
    { namespace: B, name: legacy },
    { namespace: C, name: orphan },
  ]);
  const inC = json<Pods>(await call(base, `/api/v1/pods?namespace=${C}`, { token: tokens.admin }));
  assert.deepEqual(inC, { items: [], notInjected: [{ namespace: C, name: orphan }] });
  const carol = await call(base, `/api/v1/pods?namespace=${C}`, { token: tokens.carol });
  assert.equal(carol.status, 403);
});

test("a workload's fan-out takes only the pods the workload owns: a forged ownerReference (the ReplicaSet's name, another uid) or labels its selector does not select are refused", async () => {
  const ns = A;
  const apps = g.kc.makeApiClient(AppsV1Api);
  const selector = { matchLabels: { app: 'shop' } };
  const template = { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'app', image: 'registry.example.com/shop:1' }] } };
  const deploy = await apps.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name: 'shop' }, spec: { selector, template } },
  });
  // The Deployment and ReplicaSet controllers are off (gateway-cluster.ts): make the ReplicaSet the Deployment controller would.
  const rs = await apps.createNamespacedReplicaSet({
    namespace: ns,
    body: {
      metadata: {
        name: 'shop-7d9f8b6c5d',
        labels: { app: 'shop', 'pod-template-hash': '7d9f8b6c5d' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop', uid: deploy.metadata!.uid!, controller: true }],
      },
      spec: { selector, template },
    },
  });
  const podOf = (name: string, ownerUid: string, app = 'shop'): V1Pod => {
    const body = deploymentPod('shop', { annotations: INJECT, name, labels: { app } });
    body.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'shop-7d9f8b6c5d', uid: ownerUid, controller: true, blockOwnerDeletion: true },
    ];
    return body;
  };
  await g.core.createNamespacedPod({ namespace: ns, body: podOf('shop-real', rs.metadata!.uid!) });
  await g.core.createNamespacedPod({ namespace: ns, body: podOf('shop-forged', '00000000-0000-4000-8000-00000000dead') });
  await g.core.createNamespacedPod({ namespace: ns, body: podOf('shop-relabelled', rs.metadata!.uid!, 'other') });
  // All three run on the node: the forged two are reachable pods too, and are still refused.
  const running = await Promise.all(['shop-real', 'shop-forged', 'shop-relabelled'].map((name) => g.running(ns, name)));
  await running[0]!.enrolled();
  await waitRoutable(gw, ns, 'shop-real', 30_000);
  await waitFor(
    'the gateway to see the other two',
    () => ['shop-forged', 'shop-relabelled'].every((n) => gw.context.registry.get(ns, n)) || undefined,
  );
  // shop-relabelled has app=other: the registry's workload comes from its owner name, so it claims deployment/shop too.
  const r = await call(base, '/api/v1/captures', {
    token: tokens.admin,
    method: 'POST',
    body: { namespace: ns, workload: 'deployment/shop', type: 'heap' },
  });
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as { pods: Array<{ pod: string; status: string; error?: string }> };
  const by = Object.fromEntries(meta.pods.map((p) => [p.pod, p]));
  assert.equal(by['shop-real']?.status, 'ok', JSON.stringify(by['shop-real']));
  assert.equal(by['shop-forged']?.status, 'forbidden');
  assert.match(
    by['shop-forged']?.error ?? '',
    /^not a pod of deployment\/shop: its controller ReplicaSet\/shop-7d9f8b6c5d \(uid 00000000-0000-4000-8000-00000000dead\) is not deployment\/shop's$/,
  );
  assert.equal(by['shop-relabelled']?.status, 'forbidden');
  assert.match(by['shop-relabelled']?.error ?? '', /selector does not select its labels/);
  await Promise.all(running.map((p) => p.stop()));
});

test('the scan for uninjected pods lists page by page: every annotated pod the webhook missed is found with pages of 2', async () => {
  await g.stopWebhook();
  const more: string[] = [];
  try {
    for (let i = 0; i < 4; i++)
      more.push(
        (await g.core.createNamespacedPod({ namespace: C, body: deploymentPod(`late${i}`, { annotations: INJECT }) })).metadata?.name ?? '',
      );
  } finally {
    await g.startWebhook();
  }
  const core = g.kc.makeApiClient(CoreV1Api);
  const inC = [...(await findMissed(core, [C], 2)).values()].map((m) => m.name).sort();
  assert.deepEqual(inC, [orphan, ...more].sort());
  const everywhere = [...(await findMissed(core, [], 2)).values()].map((m) => `${m.namespace}/${m.name}`);
  assert.ok(everywhere.includes(`${B}/${legacy}`) && more.every((n) => everywhere.includes(`${C}/${n}`)), everywhere.join(', '));
  for (const name of more) await g.core.deleteNamespacedPod({ namespace: C, name });
});

test("a sidecar token the gateway mints for pod X is refused by pod Y's sidecar, and is good for X once", async () => {
  const token = gw.context.keyring.mint('alice', web, 'heap', 30);
  secrets.push(['sidecar token', token]);
  const atY = await httpsRequest(`https://${api.ip}:${api.port}${api.path}/heap`, { headers: bearer(token) });
  assert.equal(atY.status, 403, atY.text);
  assert.match(atY.text, /^PODPROF_TOKEN_WRONG_POD: /);
  const atX = await httpsRequest(`https://${web.ip}:${web.port}${web.path}/heap`, { headers: bearer(token) });
  assert.ok(isProfile(atX), `the same token is good for X: ${atX.status} ${atX.text.slice(0, 200)}`);
  const again = await httpsRequest(`https://${web.ip}:${web.port}${web.path}/heap`, { headers: bearer(token) });
  assert.equal(again.status, 401);
  assert.match(again.text, /^PODPROF_TOKEN_REPLAYED: /);
});

test("a sidecar token for pod X's namespace and name but another uid (a pod of that name deleted and made again) is refused by X's sidecar, which has its uid from the downward API", async () => {
  const token = gw.context.keyring.mint('alice', { ...web, uid: randomUUID() }, 'heap', 30);
  secrets.push(['sidecar token for another uid', token]);
  const r = await httpsRequest(`https://${web.ip}:${web.port}${web.path}/heap`, { headers: bearer(token) });
  assert.equal(r.status, 403, r.text);
  assert.match(r.text, /^PODPROF_TOKEN_WRONG_POD: /);
});

test('go tool pprof -raw fetches a heap profile through a one-time link from POST /api/v1/links; the second use of the link is refused with 401', async () => {
  const made = await call(base, '/api/v1/links', {
    token: tokens.alice,
    method: 'POST',
    body: { namespace: A, pod: web.name, type: 'heap' },
  });
  assert.equal(made.status, 201, made.text);
  const { url, command } = json<{ url: string; command: string; expiresAt: string }>(made);
  const link = new URL(url);
  assert.equal(link.username, 'pprof');
  assert.equal(`${link.origin}${link.pathname}`, `${base}${pprofPath(A, web.name, 'heap')}`);
  assert.equal(command, `go tool pprof -http=: '${url}'`);
  secrets.push(['link secret', decodeURIComponent(link.password)]);
  const cpuLink = await call(base, '/api/v1/links', {
    token: tokens.alice,
    method: 'POST',
    body: { namespace: A, pod: web.name, type: 'profile' },
  });
  assert.equal(cpuLink.status, 403, 'a link needs the same RBAC as the profile');

  const dir = mkdtempSync(join(tmpdir(), 'podprof-pprof-'));
  const env = { ...process.env, SSL_CERT_FILE: g.tls.caFile, PPROF_TMPDIR: dir };
  try {
    const first = await execFileP('go', ['tool', 'pprof', '-raw', url], { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    assert.match(first.stdout, /^PeriodType: space bytes$/m);
    assert.match(
      first.stdout,
      /^Samples:\n(alloc_objects\/count alloc_space\/bytes inuse_objects\/count inuse_space\/bytes|.*inuse_space\/bytes)/m,
    );
    const second = await execFileP('go', ['tool', 'pprof', '-raw', url], { env, timeout: 60_000 }).then(
      () => assert.fail('the second use succeeded'),
      (err: { code?: number; stderr?: string }) => err,
    );
    assert.notEqual(second.code, 0);
    assert.match(second.stderr ?? '', /401 Unauthorized/);
    assert.match(second.stderr ?? '', /PODPROF_LINK_INVALID: this link was already used or has expired/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const third = await httpsRequest(url);
  assert.equal(third.status, 401);
  assert.equal(third.headers['www-authenticate'], 'Bearer realm="podprof"');
});

test("GET /sd/targets gives a scraper's ServiceAccount every injected, ready pod once per profile type with the labels of docs/design.md §2.7; without a role it is a 403", async () => {
  type Group = { targets: string[]; labels: Record<string, string> };
  const r = await call(base, '/sd/targets', { token: tokens.alloy });
  assert.equal(r.status, 200, r.text);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const groups = json<Group[]>(r);
  const names: Record<string, string> = { profile: 'process_cpu', heap: 'memory', goroutine: 'goroutine', block: 'block', mutex: 'mutex' };
  const expected = [web, api].flatMap((t) =>
    Object.entries(names).map(([type, name]) => ({
      targets: [`127.0.0.1:${gw.ports.main}`],
      labels: {
        __scheme__: 'https',
        __profile_path_prefix__: `/api/v1/namespaces/${t.namespace}/pods/${t.name}`,
        __profile_path__: `/debug/pprof/${type}`,
        __metrics_path__: pprofPath(t.namespace, t.name, type),
        __name__: name,
        __meta_podprof_profile: name,
        __meta_podprof_workload_kind: 'Deployment',
        __meta_podprof_workload_name: t.namespace === A ? 'web' : 'api',
        service_name: `${t.namespace}/${t.namespace === A ? 'web' : 'api'}`,
        namespace: t.namespace,
        pod: t.name,
        container: 'app',
        node: g.node.name,
      },
    })),
  );
  const key = (x: Group): string => `${x.labels.pod} ${x.labels.__name__}`;
  for (const g of groups) assert.equal(g.labels.__meta_podprof_pod_labelpresent_app, 'true', 'the pod labels are there to relabel on');
  const withoutPodLabels = (g: Group): Group => ({
    ...g,
    labels: Object.fromEntries(Object.entries(g.labels).filter(([k]) => !k.startsWith('__meta_podprof_pod_label'))),
  });
  assert.deepEqual(
    groups.map(withoutPodLabels).sort((x, y) => key(x).localeCompare(key(y))),
    expected.sort((x, y) => key(x).localeCompare(key(y))),
  );
  assert.equal(new Set(groups.map(key)).size, groups.length, 'once per pod and type');
  assert.ok(!groups.some((x) => x.labels.pod === legacy), 'the uninjected pod is no target');

  const heap = groups.find((x) => x.labels.pod === api.name && x.labels.__name__ === 'memory')!;
  const scraped = await call(`${heap.labels.__scheme__}://${heap.targets[0]}`, heap.labels.__metrics_path__!, { token: tokens.alloy });
  assert.ok(isProfile(scraped), 'the scraper fetches the target it was given');

  const filtered = json<Group[]>(await call(base, `/sd/targets?types=heap&namespace=${B}`, { token: tokens.alloy }));
  assert.deepEqual(filtered.map(key), [`${api.name} memory`]);
  const empty = await call(base, `/sd/targets?namespace=${MONITORING}`, { token: tokens.alloy });
  assert.deepEqual([empty.status, empty.text], [200, '[]']);

  const nobody = await call(base, '/sd/targets', { token: tokens.nobody });
  assert.equal(nobody.status, 403);
  assert.equal(
    json<{ message: string }>(nobody).message,
    `system:serviceaccount:${MONITORING}:nobody may not list targets cluster-wide; a Role needs: apiGroups: ["podprof.io"], resources: ["targets"], verbs: ["list"]`,
  );
});

test('no token, session cookie, link secret or sidecar token used in this file appears in any log line of the gateway, the sidecars or the kubelet', () => {
  assert.ok(secrets.length >= 10, `the earlier tests handed out the secrets: ${secrets.map(([n]) => n).join(', ')}`);
  const gatewayAudit = g.logs.filter((l) => l.includes('"audit"'));
  assert.ok(
    gatewayAudit.some((l) => l.includes('"user":"alice"') && l.includes('"decision":"denied"')),
    'the gateway audited the requests',
  );
  assert.ok(
    gatewayAudit.some((l) => l.includes('"via":"link"')),
    'the link use was audited',
  );
  assert.ok(
    g.logs.some((l) => l.includes('/podprof-sidecar] ')),
    'the sidecars logged',
  );
  for (const [what, secret] of secrets) {
    assert.ok(secret.length >= 16, what);
    const hit = g.logs.find((l) => l.includes(secret));
    assert.equal(hit, undefined, `${what} leaked into: ${hit?.slice(0, 300)}`);
  }
  const jwt = g.logs.find((l) => /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/.test(l));
  assert.equal(jwt, undefined, `a JWT in a log line: ${jwt?.slice(0, 300)}`);
  const basic = g.logs.find((l) => /\b(Bearer|Basic) [\w+/=.-]{12,}/i.test(l));
  assert.equal(basic, undefined, `a credential in a log line: ${basic?.slice(0, 300)}`);
});
