// manifests/gateway/ (part of the base): the gateway's ClusterRole grants what
// `podprof gateway` calls and nothing more; the Deployment's args are flags the
// gateway accepts and point at what the Deployment mounts; one replica, for the
// reason its comment gives; probes and Service line up with the ports, and the
// webhook's --gateway-url reaches the Service; the example user roles of
// manifests/users name only what the gateway asks RBAC about. Then a real
// kube-apiserver: server-side dry run, Pod Security "restricted", what the
// ServiceAccount may do (kubectl auth can-i), and the documented ways of storing
// the signing key survive re-applying the manifests. One cluster for the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CoreV1Api,
  KubeConfig,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1Container,
  type V1Deployment,
  type V1PersistentVolumeClaim,
  type V1PodSpec,
  type V1PolicyRule,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { API_GROUP, kubernetesAuthz, type Access } from '../../gateway/auth/authz.ts';
import { apiReason } from '../../gateway/discovery/kubernetes.ts';
import { GATEWAY_FLAGS, gatewayConfigProblems } from '../../gateway/config.ts';
import { parseFlags } from '../../src/config/flags.ts';
import { parseQuantity } from '../../src/k8s/quantity.ts';
import { PROFILE_TYPES } from '../../src/endpoints/catalog.ts';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { kubectl, renderManifests, type KubeObject, type Run } from '../kit/cluster/webhook-cluster.ts';

const NS = 'podprof-system';
const SA = `system:serviceaccount:${NS}:podprof-gateway`;
const GIB = 1024 ** 3;

const kubeconfigForRender = process.env.KUBECONFIG ?? '/dev/null';
const base = await renderManifests(kubeconfigForRender, 'manifests/');
const users = await renderManifests(kubeconfigForRender, 'manifests/users/');

function only<T>(objs: readonly KubeObject[], kind: string, name: string): T & KubeObject {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name}`);
  return found[0] as T & KubeObject;
}

const deployment = only<V1Deployment>(base, 'Deployment', 'podprof-gateway');
const spec = deployment.spec!.template.spec as V1PodSpec;
const container = spec.containers.find((c) => c.name === 'gateway') as V1Container;
const args = container.args ?? [];
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const gatewayObjects = base.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'gateway');

/** "verb group/resource" (core group: "verb resource") for every rule, sorted. */
function grants(rules: readonly V1PolicyRule[] | undefined): string[] {
  return (rules ?? [])
    .flatMap((r) =>
      (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${v} ${g === '' ? '' : `${g}/`}${res}`))),
    )
    .sort();
}

/** The volume mounted at the directory holding `file`, and its mount. */
function volumeFor(file: string): { readOnly: boolean; volume: NonNullable<V1PodSpec['volumes']>[number] } {
  const mount = (container.volumeMounts ?? []).find((m) => file === m.mountPath || file.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${file} is on a mounted volume`);
  assert.equal(mount.subPath, undefined, 'whole directories, so Secret updates show up');
  const volume = spec.volumes?.find((v) => v.name === mount.name);
  assert.ok(volume, `volume ${mount.name}`);
  return { readOnly: mount.readOnly === true, volume };
}

test("the gateway's ClusterRole grants exactly what it calls (pods get/list/watch, tokenreviews, subjectaccessreviews, workloads get for fan-out membership; no events) to its ServiceAccount", () => {
  const role = only<V1ClusterRole>(base, 'ClusterRole', 'podprof-gateway');
  assert.deepEqual(grants(role.rules), [
    'create authentication.k8s.io/tokenreviews',
    'create authorization.k8s.io/subjectaccessreviews',
    'get apps/daemonsets',
    'get apps/deployments',
    'get apps/replicasets',
    'get apps/statefulsets',
    'get batch/jobs',
    'get pods',
    'list apps/replicasets',
    'list pods',
    'watch pods',
  ]);
  assert.ok(
    (role.rules ?? []).every((r) => r.resourceNames === undefined && !r.verbs.includes('*') && !(r.resources ?? []).includes('*')),
    'no wildcards',
  );
  const binding = only<V1ClusterRoleBinding>(base, 'ClusterRoleBinding', 'podprof-gateway');
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'podprof-gateway' });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: spec.serviceAccountName, namespace: NS }]);
  only(base, 'ServiceAccount', spec.serviceAccountName!);
  assert.equal(spec.automountServiceAccountToken, true, 'the gateway needs its token');
});

test('one replica, replaced with Recreate, with a comment saying why: a stateless routing path but a local capture store and one-time links', () => {
  assert.equal(deployment.spec?.replicas, 1);
  assert.equal(deployment.spec?.strategy?.type, 'Recreate', 'a surge pod could not mount the ReadWriteOnce store');
  const text = readFileSync(join(REPO, 'manifests/gateway/deployment.yaml'), 'utf8');
  const comment = /# ONE replica\.[\s\S]*?\n {2}replicas: 1/.exec(text)?.[0] ?? '';
  for (const words of ['stateless', 'capture store', 'one-time links', 'shared store'])
    assert.ok(comment.includes(words), `the replicas comment mentions ${words}`);
  assert.equal(
    base.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name.includes('gateway')).length,
    0,
    'no PDB: with one replica it would block every drain',
  );
});

test('the args are flags podprof gateway accepts, in kubernetes modes, reading the key, certificate and store from what the pod mounts; only the store is writable', () => {
  assert.ok(!args.includes('gateway'), 'the image entrypoint already says gateway');
  const config = parseFlags(GATEWAY_FLAGS, args, {});
  assert.deepEqual(gatewayConfigProblems(config), []);
  assert.deepEqual([config.auth, config.authz, config.discovery], ['kubernetes', 'kubernetes', 'kubernetes']);
  assert.deepEqual(config['signing-key-file'], ['/keys/signing-key.pem']);
  assert.equal(config['store-dir'], '/var/lib/podprof');

  const keys = volumeFor('/keys/signing-key.pem');
  assert.equal(keys.readOnly, true);
  const keySecret = only<V1Secret>(base, 'Secret', keys.volume.secret?.secretName ?? '');
  assert.equal(keySecret.data, undefined, 'a placeholder without data, so re-applying never overwrites the key');
  assert.equal(keySecret.stringData, undefined);
  for (const f of [config['tls-cert-file']!, config['tls-key-file']!]) {
    const tls = volumeFor(f);
    assert.equal(tls.readOnly, true);
    assert.equal(tls.volume.secret?.secretName, 'podprof-gateway-tls');
  }
  const store = volumeFor(config['store-dir']);
  assert.equal(store.readOnly, false, 'the store is the one writable place');
  const pvc = only<V1PersistentVolumeClaim>(base, 'PersistentVolumeClaim', store.volume.persistentVolumeClaim?.claimName ?? '');
  assert.deepEqual(pvc.spec?.accessModes, ['ReadWriteOnce']);
  const size = parseQuantity(String(pvc.spec?.resources?.requests?.storage)) ?? 0;
  assert.ok(
    config['store-max-bytes'] < size,
    `--store-max-bytes ${config['store-max-bytes'] / GIB} GiB stays below the claim's ${size / GIB} GiB`,
  );
  assert.ok(
    (container.volumeMounts ?? []).filter((m) => m.readOnly !== true).every((m) => m.mountPath === '/var/lib/podprof'),
    'nothing else is writable',
  );

  const sc = container.securityContext ?? {};
  assert.deepEqual(
    [
      sc.runAsNonRoot,
      sc.runAsUser,
      sc.runAsGroup,
      sc.readOnlyRootFilesystem,
      sc.allowPrivilegeEscalation,
      sc.capabilities?.drop,
      sc.seccompProfile?.type,
    ],
    [true, 65532, 65532, true, false, ['ALL'], 'RuntimeDefault'],
  );
  assert.equal(spec.securityContext?.fsGroup, 65532, 'the store volume and the 0440 Secrets belong to the gateway group');
  assert.equal(container.image, 'ghcr.io/podprof/podprof-gateway:0.1.0');
  assert.equal(deployment.spec?.template.metadata?.annotations?.['podprof.io/inject'], 'false');
});

test('probes hit /readyz and /healthz on the health port --health-listen names; the Service sends 443, and the port of the webhook --gateway-url, to the https port', () => {
  const port = (name: string | number | undefined): number => {
    const p = container.ports?.find((x) => x.name === name || x.containerPort === name);
    assert.ok(p, `port ${String(name)}`);
    return p.containerPort;
  };
  assert.equal(port('health'), 8081);
  assert.equal(Number(/:(\d+)$/.exec(flag('health-listen') ?? '')?.[1]), 8081);
  assert.equal(port('https'), 8443);
  assert.equal(Number(/:(\d+)$/.exec(flag('listen') ?? '')?.[1]), 8443);
  assert.deepEqual([container.readinessProbe?.httpGet?.path, port(container.readinessProbe?.httpGet?.port)], ['/readyz', 8081]);
  assert.deepEqual([container.livenessProbe?.httpGet?.path, port(container.livenessProbe?.httpGet?.port)], ['/healthz', 8081]);

  const svc = only<V1Service>(base, 'Service', 'podprof-gateway');
  const labels = deployment.spec?.template.metadata?.labels ?? {};
  assert.ok(
    Object.entries(svc.spec?.selector ?? { none: 'x' }).every(([k, v]) => labels[k] === v),
    'the Service selects the gateway pods',
  );
  assert.ok(Object.entries(deployment.spec?.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
  const toHttps = (p: number): boolean => (svc.spec?.ports ?? []).some((x) => x.port === p && port(x.targetPort) === 8443);
  assert.ok(toHttps(443), '443 → https');
  const webhook = only<V1Deployment>(base, 'Deployment', 'podprof-webhook').spec!.template.spec!.containers[0]!;
  const gatewayUrl = new URL(webhook.args!.find((a) => a.startsWith('--gateway-url='))!.slice('--gateway-url='.length));
  assert.equal(gatewayUrl.hostname, `${svc.metadata.name}.${svc.metadata.namespace}.svc`, "the webhook's --gateway-url names this Service");
  assert.ok(toHttps(Number(gatewayUrl.port || 443)), `the Service serves the webhook's --gateway-url port ${gatewayUrl.port}`);
});

test('the example user ClusterRoles of manifests/users name only what the gateway asks RBAC about: pods/<profile type> get, pods list, captures, captures/upload create, targets list', () => {
  const allowed = new Set<string>([
    ...PROFILE_TYPES.map((t) => `get pods/${t}`),
    'list pods',
    'list targets',
    ...(['get', 'list', 'create', 'delete'] satisfies Array<Access['verb']>).map((v) => `${v} captures`),
    'create captures/upload',
  ]);
  const roles = users.filter((o) => o.kind === 'ClusterRole') as Array<V1ClusterRole & KubeObject>;
  assert.ok(roles.length >= 2);
  for (const role of roles) {
    for (const rule of role.rules ?? [])
      assert.deepEqual(rule.apiGroups, [API_GROUP], `${role.metadata.name}: group ${API_GROUP}, as the SubjectAccessReview asks`);
    for (const g of grants(role.rules))
      assert.ok(allowed.has(g.replace(`${API_GROUP}/`, '')), `${role.metadata.name}: "${g}" is nothing the gateway asks about`);
  }
});

// ---------------------------------------------------------------------------
// Against a real kube-apiserver.

let cp: ControlPlane;
let core: CoreV1Api;
const k = (a: readonly string[], stdin?: string): Promise<Run> => kubectl(cp.kubeconfigPath, a, stdin);

before(async () => {
  cp = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  const ns = await k(['apply', '-f', 'manifests/base/namespace.yaml']);
  assert.equal(ns.code, 0, ns.stderr);
});

after(async () => {
  await cp?.stop();
});

test('kubectl apply --dry-run=server accepts every gateway object without a Pod Security warning, and the gateway pod is admitted under restricted Pod Security', async () => {
  const r = await k(['apply', '--dry-run=server', '-k', 'manifests/']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(gatewayObjects.length >= 7, gatewayObjects.map((o) => o.kind).join(', '));
  for (const o of gatewayObjects)
    assert.match(
      r.stdout,
      new RegExp(`^${o.kind.toLowerCase()}(\\.[a-z0-9.]+)?/${o.metadata.name} (created|configured|unchanged) \\(server dry run\\)$`, 'm'),
      `${o.kind} ${o.metadata.name}`,
    );
  assert.doesNotMatch(r.stderr, /PodSecurity|violate/i);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...deployment.spec!.template.metadata, name: 'podprof-gateway-pod' }, spec };
  const created = await core.createNamespacedPod({ namespace: NS, body: pod, dryRun: 'All' });
  assert.equal(created.metadata?.name, 'podprof-gateway-pod');
  const escalating = structuredClone(pod);
  escalating.spec.containers[0]!.securityContext = { ...escalating.spec.containers[0]!.securityContext, allowPrivilegeEscalation: true };
  await assert.rejects(core.createNamespacedPod({ namespace: NS, body: escalating, dryRun: 'All' }), (err) =>
    /violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/.test(apiReason(err)),
  );
});

test("an upload's SubjectAccessReview, as the gateway asks it: create captures/upload is granted by the example podprof-profiler role, not by podprof-viewer's create captures, and only in the bound namespace", async () => {
  const r = await k(['apply', '-k', 'manifests/users/']);
  assert.equal(r.code, 0, r.stderr);
  const ns = await k(['create', 'namespace', 'team-up']);
  assert.equal(ns.code, 0, ns.stderr);
  for (const [user, role] of [
    ['uploader', 'podprof-profiler'],
    ['looker', 'podprof-viewer'],
  ]) {
    const b = await k(['-n', 'team-up', 'create', 'rolebinding', `${user}-b`, `--clusterrole=${role}`, `--user=${user}`]);
    assert.equal(b.code, 0, b.stderr);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const authorize = kubernetesAuthz(kc);
  const upload = (namespace: string): Access => ({ verb: 'create', resource: 'captures', subresource: 'upload', namespace });
  const as = (name: string) => ({ name, groups: ['devs'], via: 'token' as const });
  assert.equal((await authorize(as('uploader'), upload('team-up'))).allowed, true, 'the profiler role uploads');
  assert.equal((await authorize(as('uploader'), upload('default'))).allowed, false, 'only where it is bound');
  assert.equal(
    (await authorize(as('looker'), { verb: 'create', resource: 'captures', namespace: 'team-up' })).allowed,
    true,
    'the viewer creates captures (of pods)',
  );
  assert.equal((await authorize(as('looker'), upload('team-up'))).allowed, false, 'but uploads nothing');
});

test('applied for real, the ServiceAccount may do what the gateway does and no more (kubectl auth can-i)', async () => {
  const r = await k(['apply', '-k', 'manifests/']);
  assert.equal(r.code, 0, r.stderr);
  const can = async (...a: string[]): Promise<string> => (await k(['auth', 'can-i', ...a, `--as=${SA}`])).stdout.trim();
  for (const a of [
    ['list', 'pods', '-A'],
    ['watch', 'pods', '-A'],
    ['get', 'pods', '-n', 'team-x'],
    ['create', 'tokenreviews.authentication.k8s.io'],
    ['create', 'subjectaccessreviews.authorization.k8s.io'],
    ['get', 'deployments.apps', '-n', 'team-x'],
    ['list', 'replicasets.apps', '-n', 'team-x'],
    ['get', 'jobs.batch', '-n', 'team-x'],
  ]) {
    assert.equal(await can(...a), 'yes', a.join(' '));
  }
  for (const a of [
    ['create', 'events', '-n', 'team-x'],
    ['get', 'secrets', '-n', NS],
    ['list', 'secrets', '-A'],
    ['create', 'pods/exec', '-n', 'team-x'],
    ['create', 'pods/portforward', '-n', 'team-x'],
    ['update', 'pods', '-n', 'team-x'],
    ['update', 'configmaps', '-n', NS],
    ['get', 'pods.podprof.io', '--subresource=heap', '-n', 'team-x'],
    ['update', 'deployments.apps', '-n', 'team-x'],
    ['list', 'deployments.apps', '-A'],
  ]) {
    assert.equal(await can(...a), 'no', a.join(' '));
  }
});

test('the signing key stored as secret-keys.yaml documents survives re-applying the manifests, both when created first and when replacing the placeholder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-gateway-keys-'));
  try {
    const gen = spawnSync(NODE, [join(REPO, 'bin/podprof.mjs'), 'keys', 'generate', '--out-dir', dir], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const pem = readFileSync(join(dir, 'signing-key.pem'), 'utf8');
    const stored = async (): Promise<string> =>
      Buffer.from(
        (await core.readNamespacedSecret({ namespace: NS, name: 'podprof-gateway-keys' })).data?.['signing-key.pem'] ?? '',
        'base64',
      ).toString('utf8');
    const fromFile = [
      '-n',
      NS,
      'create',
      'secret',
      'generic',
      'podprof-gateway-keys',
      `--from-file=signing-key.pem=${join(dir, 'signing-key.pem')}`,
    ];
    // Re-applying the manifests, twice (the second apply is where a three-way merge would drop data), for this one object.
    const placeholder = JSON.stringify(only(base, 'Secret', 'podprof-gateway-keys'));
    const reapplyPlaceholder = async (): Promise<void> => {
      for (let i = 0; i < 2; i++) {
        const r = await k(['apply', '-f', '-'], placeholder);
        assert.equal(r.code, 0, r.stderr);
      }
    };

    // The placeholder exists (applied above): replace it, then apply the manifests again, twice.
    const rendered = await k([...fromFile, '--dry-run=client', '-o', 'yaml']);
    assert.equal(rendered.code, 0, rendered.stderr);
    const replaced = await k(['replace', '-f', '-'], rendered.stdout);
    assert.equal(replaced.code, 0, replaced.stderr);
    await reapplyPlaceholder();
    assert.equal(await stored(), pem, 'replace, then apply: the key stays');

    // A fresh install: the Secret created before the manifests are applied.
    await core.deleteNamespacedSecret({ namespace: NS, name: 'podprof-gateway-keys' });
    const created = await k(fromFile);
    assert.equal(created.code, 0, created.stderr);
    await reapplyPlaceholder();
    assert.equal(await stored(), pem, 'create, then apply: the key stays');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with the Deployment's own args and no key mounted yet, podprof gateway exits at start naming the missing key file", () => {
  const r = spawnSync(
    NODE,
    [
      join(REPO, 'bin/podprof.mjs'),
      'gateway',
      ...args.map((a) => (a.startsWith('--listen=') || a.startsWith('--health-listen=') ? a.replace(/=:/, '=127.0.0.1:') : a)),
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', KUBECONFIG: cp.kubeconfigPath },
      timeout: 20_000,
    },
  );
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^podprof gateway: ENOENT: no such file or directory, open '\/keys\/signing-key\.pem'/);
});
