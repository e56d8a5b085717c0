// charts/podprof against manifests/ and the real Helm (v4, built from the Go
// module proxy into the cache: test/kit/helm/helm.ts).
//
// One source of truth for two installers: with default values the chart
// renders the same objects as the kustomize base plus the certs Job, field by
// field (Helm's own labels aside); with certificates.mode=cert-manager the
// base plus manifests/cert-manager/; userRoles, the sidecar NetworkPolicy and
// webhookFrom the same as manifests/users/, networkpolicy-sidecar/ and
// webhook-from-apiserver/. So manifests-keep-their-invariants.test.ts covers
// the chart's defaults too; every value toggled here is checked for the same
// invariants (restricted containers, failurePolicy Ignore, system namespaces
// excluded, the same RBAC rules), against values.schema.json (bad values
// refused with the schema's message) and by a real kube-apiserver: server-side
// dry run without a Pod Security warning, then `helm install`, `upgrade` and
// `uninstall` for real (no node: the pods stay Pending).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { buildHelm, helm as runHelm, HELM_VERSION, type HelmResult } from '../kit/helm/helm.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHART = join(REPO, 'charts/podprof');
const MANIFESTS = join(REPO, 'manifests');
const NS = 'podprof-system';
const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/instance'];
const WORKLOADS = new Set(['Deployment', 'Job']);
const CERT_MANAGER_KINDS = new Set(['Issuer', 'Certificate']);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  args?: string[];
  resources?: unknown;
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
  securityContext?: Record<string, unknown>;
}
interface Hook {
  name: string;
  failurePolicy: string;
  timeoutSeconds: number;
  sideEffects: string;
  clientConfig: { service: { namespace: string; name: string; path: string }; caBundle?: string };
  namespaceSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> };
}

let bin: string;
let helmHome: string;
const helm = (args: readonly string[], kubeconfig?: string): Promise<HelmResult> =>
  runHelm(bin, args, {
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }),
  });

function run(cmd: string, args: readonly string[], input = '', env: NodeJS.ProcessEnv = process.env): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

function parse(text: string, what: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => {
      assert.deepEqual(doc.errors, [], `${what} renders valid YAML`);
      return doc.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
}

/** `helm template podprof charts/podprof -n NS` with --set / --set-file pairs, parsed. */
async function template(set: readonly string[] = [], ns = NS): Promise<Obj[]> {
  const out = await helm(['template', 'podprof', CHART, '--namespace', ns, ...set]);
  assert.equal(out.code, 0, `helm template ${set.join(' ')}:\n${out.stderr}`);
  return parse(out.stdout, `helm template ${set.join(' ')}`);
}

async function kustomize(dirs: readonly string[]): Promise<Obj[]> {
  const objs: Obj[] = [];
  for (const dir of dirs) {
    const out = await run('kubectl', ['kustomize', join(MANIFESTS, dir)]);
    assert.equal(out.code, 0, out.stderr);
    objs.push(...parse(out.stdout, `manifests/${dir}`));
  }
  return objs;
}

/** Helm's bookkeeping removed: its labels and helm.sh/ annotations. */
function normalize(o: Obj): Obj {
  const c = structuredClone(o);
  for (const l of HELM_LABELS) delete c.metadata.labels?.[l];
  for (const a of Object.keys(c.metadata.annotations ?? {})) if (a.startsWith('helm.sh/')) delete c.metadata.annotations![a];
  if (c.metadata.annotations !== undefined && Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  return c;
}

const key = (o: Obj): string => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

function assertSameObjects(chart: readonly Obj[], manifests: readonly Obj[], what: string): void {
  const a = new Map(chart.map((o) => [key(o), normalize(o)]));
  const b = new Map(manifests.map((o) => [key(o), o]));
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: the same objects`);
  for (const [k, o] of a) assert.deepEqual(o, b.get(k), `${what}: ${k}`);
}

function only(objs: readonly Obj[], kind: string, name: string): Obj {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name}`);
  return found[0]!;
}
const podSpec = (o: Obj): PodSpec => (o as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const container = (objs: readonly Obj[], name: string): Container => podSpec(only(objs, 'Deployment', name)).containers[0]!;
const hooks = (objs: readonly Obj[]): Hook[] =>
  (only(objs, 'MutatingWebhookConfiguration', 'podprof-webhook') as unknown as { webhooks: Hook[] }).webhooks;
const rules = (objs: readonly Obj[], kind: string, name: string): unknown =>
  (only(objs, kind, name) as unknown as { rules: unknown }).rules;

/** What must hold however the chart is configured. */
function assertInvariants(objs: readonly Obj[], ns: string, manifests: readonly Obj[], what: string): void {
  for (const o of objs.filter((x) => WORKLOADS.has(x.kind))) {
    const spec = podSpec(o);
    assert.equal(spec.securityContext?.runAsNonRoot, true, `${what}: ${key(o)} pod runs non-root`);
    assert.deepEqual(spec.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    for (const c of spec.containers) {
      const s = c.securityContext ?? {};
      assert.equal(s.runAsNonRoot, true, `${what}: ${key(o)}/${c.name} non-root`);
      assert.equal(s.readOnlyRootFilesystem, true, `${what}: ${key(o)}/${c.name} readOnlyRootFilesystem`);
      assert.equal(s.allowPrivilegeEscalation, false, `${what}: ${key(o)}/${c.name} no privilege escalation`);
      assert.deepEqual(s.capabilities?.drop, ['ALL'], `${what}: ${key(o)}/${c.name} drops all capabilities`);
    }
  }
  const excluded = ['kube-system', 'kube-node-lease', ns];
  for (const h of hooks(objs)) {
    assert.equal(h.failurePolicy, 'Ignore', `${what}: ${h.name} never blocks pod creation`);
    assert.ok(h.timeoutSeconds >= 1 && h.timeoutSeconds <= 5, `${what}: ${h.name} timeout`);
    assert.equal(h.sideEffects, 'None');
    assert.equal(h.clientConfig.caBundle, undefined, `${what}: an upgrade must not wipe the caBundle`);
    assert.equal(h.clientConfig.service.namespace, ns);
    const byName = h.namespaceSelector.matchExpressions.find((e) => e.key === 'kubernetes.io/metadata.name');
    assert.equal(byName?.operator, 'NotIn');
    for (const n of excluded) assert.ok(byName.values.includes(n), `${what}: ${h.name} never sees ${n}`);
  }
  // RBAC: exactly the rules manifests/ grants, whatever the values.
  for (const o of objs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
    assert.deepEqual(rules(objs, o.kind, o.metadata.name), rules(manifests, o.kind, o.metadata.name), `${what}: ${key(o)} rules`);
  }
  for (const o of objs.filter((x) => x.kind.endsWith('Binding'))) {
    for (const s of (o as unknown as { subjects: Array<{ kind: string; namespace: string }> }).subjects)
      assert.equal(s.namespace, ns, `${what}: ${key(o)} binds the release's ServiceAccount`);
  }
  for (const o of objs) {
    if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'].includes(o.kind) && o.kind !== 'NetworkPolicy')
      assert.equal(o.metadata.namespace, ns, `${what}: ${key(o)} in the release namespace`);
  }
}

let manifests: Obj[];
let all: Obj[];

before(async () => {
  helmHome = mkdtempSync(join(tmpdir(), 'podprof-helm-'));
  bin = await buildHelm();
  manifests = await kustomize(['', 'certs-job']);
  all = [...manifests, ...(await kustomize(['cert-manager', 'users', 'networkpolicy-sidecar']))];
});

after(() => {
  rmSync(helmHome, { recursive: true, force: true });
  rmSync(FILES, { recursive: true, force: true });
});

test(`the real Helm ${HELM_VERSION} is the one built from the Go module proxy, and helm lint --strict passes with the defaults and every mode`, async () => {
  const v = await helm(['version', '--short']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, new RegExp(`^${HELM_VERSION.replace(/\./g, '\\.')}\\b`));
  for (const set of [
    [],
    ['--set', 'certificates.mode=cert-manager'],
    ['--set', 'certificates.mode=none,networkPolicies.enabled=false,userRoles.create=true,namespace.create=true'],
    ['--set', 'gateway.auth.mode=proxy,gateway.auth.trustedProxyCIDRs={10.0.0.0/8}'],
  ]) {
    const out = await helm(['lint', '--strict', CHART, '--namespace', NS, ...set]);
    assert.equal(out.code, 0, `helm lint ${set.join(' ')}:\n${out.stdout}${out.stderr}`);
    assert.match(out.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  }
});

test('with default values the chart renders exactly the kustomize base plus the certs Job; with certificates.mode the cert-manager objects or neither', async () => {
  // Without namespace.create the Namespace is yours (kubectl create namespace, README) or Helm's.
  assertSameObjects(
    await template(),
    manifests.filter((o) => o.kind !== 'Namespace'),
    'defaults',
  );
  assertSameObjects(await template(['--set', 'namespace.create=true']), manifests, 'defaults with the Namespace');
  // Not vacuous: one value away from the manifests is a difference.
  for (const set of ['webhook.replicas=3', 'gateway.store.maxBytes=9GiB', 'userRoles.create=true', 'networkPolicies.enabled=false']) {
    const other = await template(['--set', set]);
    assert.throws(
      () =>
        assertSameObjects(
          other,
          manifests.filter((o) => o.kind !== 'Namespace'),
          set,
        ),
      assert.AssertionError,
      set,
    );
  }
  const base = await kustomize(['']);
  assertSameObjects(
    await template(['--set', 'certificates.mode=cert-manager,namespace.create=true']),
    [...base, ...(await kustomize(['cert-manager']))],
    'cert-manager',
  );
  assertSameObjects(await template(['--set', 'certificates.mode=none,namespace.create=true']), base, 'none');
  assert.equal((await template()).filter((o) => o.kind === 'Namespace').length, 0);
});

test('userRoles, the sidecar NetworkPolicy per namespace and webhookFrom render what manifests/users, networkpolicy-sidecar and webhook-from-apiserver do', async () => {
  const roles = (await template(['--set', 'userRoles.create=true'])).filter((o) =>
    o.metadata.name.match(/^podprof-(viewer|profiler|scraper)$/),
  );
  assertSameObjects(roles, await kustomize(['users']), 'userRoles');

  const sidecar = (await template(['--set', 'networkPolicies.sidecarNamespaces={team-a,team-b}'])).filter(
    (o) => o.metadata.name === 'podprof-sidecar',
  );
  assert.deepEqual(sidecar.map((o) => o.metadata.namespace).sort(), ['team-a', 'team-b']);
  const [policy] = await kustomize(['networkpolicy-sidecar']);
  for (const o of sidecar) {
    const n = normalize(o);
    delete n.metadata.namespace;
    assert.deepEqual(n, policy);
  }

  const dir = mkdtempSync(join(MANIFESTS, '..', '.tmp-overlay-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../manifests/base]\ncomponents: [../manifests/webhook-from-apiserver]\n',
    );
    const out = await run('kubectl', ['kustomize', dir]);
    assert.equal(out.code, 0, out.stderr);
    const expected = only(parse(out.stdout, 'webhook-from-apiserver'), 'NetworkPolicy', 'podprof-webhook');
    const chart = only(await template(['--set', 'networkPolicies.webhookFrom={192.0.2.10/32}']), 'NetworkPolicy', 'podprof-webhook');
    assert.deepEqual(normalize(chart), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with replicas on a bucket the chart renders what manifests/gateway-replicated does: three replicas rolled one at a time, spread, a PodDisruptionBudget, the store Secret as environment, one sidecar CA, no volume claim', async () => {
  const dir = mkdtempSync(join(MANIFESTS, '..', '.tmp-overlay-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../manifests/base]\ncomponents: [../manifests/gateway-replicated]\n',
    );
    const out = await run('kubectl', ['kustomize', dir]);
    assert.equal(out.code, 0, out.stderr);
    const manifests = parse(out.stdout, 'gateway-replicated');
    const chart = (
      await template([
        '--set',
        'gateway.replicas=3,gateway.store.objectStoreSecret=podprof-store,gateway.sidecarCASecret=podprof-sidecar-ca',
      ])
    ).map(normalize);
    for (const [what, objs] of [
      ['manifests', manifests],
      ['chart', chart],
    ] as const) {
      const deployment = only(objs, 'Deployment', 'podprof-gateway') as unknown as { spec: { replicas: number; strategy: unknown } };
      assert.equal(deployment.spec.replicas, 3, what);
      assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, what);
      assert.equal(objs.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0, `${what}: no volume claim`);
    }
    const gw = (objs: readonly Obj[]): PodSpec => podSpec(only(objs, 'Deployment', 'podprof-gateway'));
    const byName = <T extends { name: string }>(xs: readonly T[]): Record<string, T> => Object.fromEntries(xs.map((x) => [x.name, x]));
    const m = gw(manifests) as PodSpec & Record<string, unknown>;
    const c = gw(chart) as PodSpec & Record<string, unknown>;
    assert.deepEqual(c.topologySpreadConstraints, m.topologySpreadConstraints);
    assert.deepEqual(c.containers[0]!.args, m.containers[0]!.args);
    assert.ok(m.containers[0]!.args!.includes('--sidecar-ca-file=/sidecar-ca/ca.crt'));
    assert.deepEqual((c.containers[0] as unknown as { envFrom: unknown }).envFrom, [{ secretRef: { name: 'podprof-store' } }]);
    assert.deepEqual(
      (c.containers[0] as unknown as { envFrom: unknown }).envFrom,
      (m.containers[0] as unknown as { envFrom: unknown }).envFrom,
    );
    assert.deepEqual(byName(c.volumes as { name: string }[]), byName(m.volumes as { name: string }[]));
    assert.deepEqual(only(chart, 'PodDisruptionBudget', 'podprof-gateway'), only(manifests, 'PodDisruptionBudget', 'podprof-gateway'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Files for --set-file, as an operator passes keys and certificates. */
const FILES = mkdtempSync(join(tmpdir(), 'podprof-helm-files-'));
function file(name: string, content: string): string {
  writeFileSync(join(FILES, name), content);
  return join(FILES, name);
}

/** Each option toggled: what it must change, checked on the render; the invariants hold for all. */
const TOGGLES: ReadonlyArray<{ says: string; set: string[]; ns?: string; check: (objs: Obj[]) => void }> = [
  {
    says: 'gateway replicas on a bucket: three, a PodDisruptionBudget of two, the store Secret as environment, no volume claim',
    set: [
      '--set',
      'gateway.replicas=3,gateway.minAvailable=2,gateway.store.objectStoreSecret=podprof-store,gateway.sidecarCASecret=podprof-sidecar-ca',
    ],
    check: (objs) => {
      assert.equal((only(objs, 'Deployment', 'podprof-gateway') as unknown as { spec: { replicas: number } }).spec.replicas, 3);
      assert.equal(
        (only(objs, 'PodDisruptionBudget', 'podprof-gateway') as unknown as { spec: { minAvailable: number } }).spec.minAvailable,
        2,
      );
      assert.equal(objs.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0);
    },
  },
  {
    says: 'images: repositories, tags and pull policy of the webhook, the gateway, the certs Job and the injected sidecar',
    set: [
      '--set',
      'webhook.image.repository=registry.example/pp-webhook,webhook.image.tag=1.2.3,webhook.image.pullPolicy=Always',
      '--set',
      'gateway.image.repository=registry.example/pp-gateway,gateway.image.tag=1.2.4,gateway.image.pullPolicy=Never',
      '--set',
      'sidecar.image.repository=registry.example/pp-sidecar,sidecar.image.tag=1.2.5',
    ],
    check: (objs) => {
      const w = container(objs, 'podprof-webhook');
      assert.equal(w.image, 'registry.example/pp-webhook:1.2.3');
      assert.equal(w.imagePullPolicy, 'Always');
      assert.ok(w.args?.includes('--sidecar-image=registry.example/pp-sidecar:1.2.5'));
      const g = container(objs, 'podprof-gateway');
      assert.equal(g.image, 'registry.example/pp-gateway:1.2.4');
      assert.equal(g.imagePullPolicy, 'Never');
      assert.equal(podSpec(only(objs, 'Job', 'podprof-webhook-certs')).containers[0]!.image, 'registry.example/pp-webhook:1.2.3');
    },
  },
  {
    says: 'webhook replicas, its PodDisruptionBudget, timeout, excluded namespaces, gateway CA and native sidecars',
    set: [
      '--set',
      'webhook.replicas=3,webhook.minAvailable=2,webhook.timeoutSeconds=3,webhook.excludeNamespaces={batch},webhook.gatewayCAConfigMap=podprof-gateway-ca,sidecar.nativeSidecars=false',
    ],
    check: (objs) => {
      assert.equal((only(objs, 'Deployment', 'podprof-webhook') as unknown as { spec: { replicas: number } }).spec.replicas, 3);
      assert.equal(
        (only(objs, 'PodDisruptionBudget', 'podprof-webhook') as unknown as { spec: { minAvailable: number } }).spec.minAvailable,
        2,
      );
      for (const h of hooks(objs)) {
        assert.equal(h.timeoutSeconds, 3);
        assert.ok(h.namespaceSelector.matchExpressions[0]!.values.includes('batch'));
      }
      const w = container(objs, 'podprof-webhook');
      assert.ok(w.args?.includes('--gateway-ca-file=/gateway-ca/ca.crt') && w.args.includes('--native-sidecars=false'));
      assert.ok(w.volumeMounts?.some((m) => m.mountPath === '/gateway-ca'));
    },
  },
  {
    says: 'resources of the webhook and the gateway',
    set: ['--set', 'webhook.resources.requests.cpu=100m,gateway.resources.limits.memory=2Gi,gateway.resources.requests.cpu=1'],
    check: (objs) => {
      assert.deepEqual(container(objs, 'podprof-webhook').resources, {
        requests: { cpu: '100m', memory: '96Mi' },
        limits: { memory: '384Mi' },
      });
      assert.deepEqual(container(objs, 'podprof-gateway').resources, { requests: { cpu: 1, memory: '256Mi' }, limits: { memory: '2Gi' } });
    },
  },
  {
    says: 'the store on a PersistentVolumeClaim of another size and StorageClass, kept on uninstall',
    set: ['--set', 'gateway.store.persistence.size=50Gi,gateway.store.persistence.storageClass=fast,gateway.store.maxBytes=45GiB'],
    check: (objs) => {
      const pvc = only(objs, 'PersistentVolumeClaim', 'podprof-gateway-store') as unknown as Obj & {
        spec: { storageClassName: string; resources: { requests: { storage: string } } };
      };
      assert.equal(pvc.spec.storageClassName, 'fast');
      assert.equal(pvc.spec.resources.requests.storage, '50Gi');
      assert.equal(pvc.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      assert.ok(container(objs, 'podprof-gateway').args?.includes('--store-max-bytes=45GiB'));
    },
  },
  {
    says: 'the store on an emptyDir (no PersistentVolumeClaim), or on an existing claim',
    set: ['--set', 'gateway.store.persistence.enabled=false,gateway.store.emptyDirSizeLimit=3Gi'],
    check: (objs) => {
      assert.equal(objs.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0);
      const store = podSpec(only(objs, 'Deployment', 'podprof-gateway')).volumes?.find((v) => v.name === 'store');
      assert.deepEqual(store, { name: 'store', emptyDir: { sizeLimit: '3Gi' } });
    },
  },
  {
    says: 'the store on an existing claim',
    set: ['--set', 'gateway.store.persistence.existingClaim=captures'],
    check: (objs) => {
      assert.equal(objs.filter((o) => o.kind === 'PersistentVolumeClaim').length, 0);
      const store = podSpec(only(objs, 'Deployment', 'podprof-gateway')).volumes?.find((v) => v.name === 'store');
      assert.deepEqual(store, { name: 'store', persistentVolumeClaim: { claimName: 'captures' } });
    },
  },
  {
    says: 'auth through an authenticating proxy trusted by address',
    set: ['--set', 'gateway.auth.mode=proxy,gateway.auth.trustedProxyCIDRs={10.0.0.0/8,192.168.1.5/32}'],
    check: (objs) => {
      const args = container(objs, 'podprof-gateway').args ?? [];
      assert.ok(args.includes('--auth=proxy') && args.includes('--trusted-proxy-cidrs=10.0.0.0/8,192.168.1.5/32'), args.join(' '));
    },
  },
  {
    says: 'auth with a tokens file from a Secret',
    set: ['--set', 'gateway.auth.mode=static,gateway.auth.tokensSecret=podprof-tokens'],
    check: (objs) => {
      const g = container(objs, 'podprof-gateway');
      assert.ok(g.args?.includes('--auth=static') && g.args.includes('--tokens-file=/auth/tokens.csv'));
      const vol = podSpec(only(objs, 'Deployment', 'podprof-gateway')).volumes?.find((v) => v.name === 'auth');
      assert.equal((vol?.secret as { secretName: string }).secretName, 'podprof-tokens');
    },
  },
  {
    says: 'Kubernetes tokens for another audience, watched namespaces, the public URL, the sidecar CA and the session key from Secrets and extra flags',
    set: [
      '--set',
      'gateway.auth.tokenAudience=profiles,gateway.namespaces={shop,team-a},gateway.publicURL=https://podprof.example.com,gateway.sidecarCASecret=podprof-sidecar-ca,gateway.sessionKeySecret=podprof-session-key',
      '--set',
      'gateway.extraArgs={--store-max-age=720h},webhook.extraArgs={--max-body-bytes=8MiB}',
    ],
    check: (objs) => {
      const args = container(objs, 'podprof-gateway').args ?? [];
      for (const a of [
        '--token-audience=profiles',
        '--namespaces=shop,team-a',
        '--public-url=https://podprof.example.com',
        '--sidecar-ca-file=/sidecar-ca/ca.crt',
        '--sidecar-ca-key-file=/sidecar-ca/ca.key',
        '--session-key-file=/session-key/session-key',
        '--store-max-age=720h',
      ])
        assert.ok(args.includes(a), `${a} in ${args.join(' ')}`);
      const vol = podSpec(only(objs, 'Deployment', 'podprof-gateway')).volumes?.find((v) => v.name === 'session-key');
      assert.equal((vol?.secret as { secretName: string }).secretName, 'podprof-session-key');
      assert.ok(container(objs, 'podprof-webhook').args?.includes('--max-body-bytes=8MiB'));
    },
  },
  {
    says: 'no NetworkPolicies',
    set: ['--set', 'networkPolicies.enabled=false'],
    check: (objs) => assert.equal(objs.filter((o) => o.kind === 'NetworkPolicy').length, 0),
  },
  {
    says: 'the signing key, JWKS and serving certificate given as files',
    set: [
      '--set-file',
      `gateway.signingKey.pem=${file('signing-key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')}`,
      '--set-file',
      `gateway.jwks=${file('jwks.json', '{"keys":[{"kty":"EC"}]}\n')}`,
      '--set-file',
      `gateway.tls.cert=${file('tls.crt', 'CERT')},gateway.tls.key=${file('tls.key', 'KEY')}`,
    ],
    check: (objs) => {
      const keys = only(objs, 'Secret', 'podprof-gateway-keys') as unknown as { data: Record<string, string> };
      assert.match(Buffer.from(keys.data['signing-key.pem']!, 'base64').toString(), /^-----BEGIN PRIVATE KEY-----/);
      const jwks = only(objs, 'ConfigMap', 'podprof-jwks') as unknown as { data: Record<string, string> };
      assert.deepEqual(JSON.parse(jwks.data['jwks.json']!), { keys: [{ kty: 'EC' }] });
      const tls = only(objs, 'Secret', 'podprof-gateway-tls') as unknown as { type: string; data: Record<string, string> };
      assert.equal(tls.type, 'kubernetes.io/tls');
      assert.equal(Buffer.from(tls.data['tls.key']!, 'base64').toString(), 'KEY');
    },
  },
  {
    says: 'an existing signing-key Secret: the chart makes none and mounts it',
    set: ['--set', 'gateway.signingKey.existingSecret=my-keys'],
    check: (objs) => {
      assert.equal(objs.filter((o) => o.kind === 'Secret').length, 0);
      const keys = podSpec(only(objs, 'Deployment', 'podprof-gateway')).volumes?.find((v) => v.name === 'keys');
      assert.equal((keys?.secret as { secretName: string }).secretName, 'my-keys');
    },
  },
  {
    says: 'another namespace: every string that names it follows (the cert-manager annotation, both NotIn lists, dnsNames, the certs Job, --gateway-url, bindings)',
    set: ['--set', 'certificates.mode=cert-manager,namespace.create=true'],
    ns: 'profiling',
    check: (objs) => {
      const text = JSON.stringify(objs);
      assert.doesNotMatch(text, /podprof-system/);
      assert.equal(
        only(objs, 'MutatingWebhookConfiguration', 'podprof-webhook').metadata.annotations?.['cert-manager.io/inject-ca-from'],
        'profiling/podprof-webhook',
      );
      assert.ok(container(objs, 'podprof-webhook').args?.includes('--gateway-url=https://podprof-gateway.profiling.svc:8443'));
      const cert = only(objs, 'Certificate', 'podprof-webhook') as unknown as { spec: { dnsNames: string[] } };
      assert.deepEqual(cert.spec.dnsNames, ['podprof-webhook.profiling.svc', 'podprof-webhook.profiling.svc.cluster.local']);
      assert.equal(only(objs, 'Namespace', 'profiling').metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    },
  },
  {
    says: 'networkPolicies.gatewayEgressPorts: the gateway may also reach those TCP ports (an in-cluster object store, an identity provider), nothing else changes',
    set: ['--set', 'networkPolicies.gatewayEgressPorts={9000,7070}'],
    check: (objs) => {
      const egress = (only(objs, 'NetworkPolicy', 'podprof-gateway').spec as { egress: { to?: unknown; ports: unknown[] }[] }).egress;
      assert.deepEqual(egress.at(-1), {
        ports: [
          { protocol: 'TCP', port: 9000 },
          { protocol: 'TCP', port: 7070 },
        ],
      });
      assert.equal(egress.length, 4, 'the three rules of the default, and this one');
    },
  },
  {
    says: 'the certs Job in another namespace',
    set: [],
    ns: 'profiling',
    check: (objs) => {
      assert.equal(podSpec(only(objs, 'Job', 'podprof-webhook-certs')).containers[0]!.args?.[1], '--namespace=profiling');
    },
  },
];

const rendered = new Map<string, Obj[]>();

test('every option toggled changes what it says, and the invariants of manifests/ hold for each (non-root, read-only root, no escalation, failurePolicy Ignore, system namespaces excluded, the same RBAC rules)', async () => {
  for (const t of TOGGLES) {
    const objs = await template(t.set, t.ns);
    t.check(objs);
    assertInvariants(objs, t.ns ?? NS, all, t.says);
    rendered.set(t.says, objs);
  }
  // The invariant check is not vacuous: a render broken each way fails it.
  const objs = await template();
  const breaks: Record<string, (o: Obj[]) => void> = {
    'root filesystem writable': (o: Obj[]) => void (container(o, 'podprof-gateway').securityContext!.readOnlyRootFilesystem = false),
    'failurePolicy Fail': (o: Obj[]) => void (hooks(o)[0]!.failurePolicy = 'Fail'),
    'own namespace injected': (o: Obj[]) => void hooks(o)[1]!.namespaceSelector.matchExpressions[0]!.values.pop(),
    'gateway reads secrets': (o: Obj[]) =>
      void (rules(o, 'ClusterRole', 'podprof-gateway') as unknown[]).push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }),
  };
  for (const [how, breakIt] of Object.entries(breaks)) {
    const broken = structuredClone(objs);
    breakIt(broken);
    assert.throws(() => assertInvariants(broken, NS, all, how), assert.AssertionError, `the check does not notice: ${how}`);
  }
});

test('values.schema.json refuses bad values with its message, naming the value', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--set', 'gateway.replicas=3'], /objectStoreSecret.*minLength|sidecarCASecret.*minLength/s],
    [['--set', 'webhook.timeoutSeconds=10'], /webhook\/timeoutSeconds|timeoutSeconds/],
    [['--set', 'gateway.auth.mode=oidc'], /gateway\/auth\/mode|auth.*mode/],
    [['--set', 'gateway.auth.mode=proxy'], /trustedProxyCIDRs/],
    [['--set', 'gateway.auth.mode=static'], /tokensSecret/],
    [['--set', 'certificates.mode=self-signed'], /certificates\/mode|mode/],
    [['--set', 'gateway.store.persistence.size=12GB'], /persistence\/size|size/],
    [['--set', 'webhook.image.pullPolicy=Sometimes'], /pullPolicy/],
    [['--set', 'networkPolicies.webhookFrom={10.0.0.1}'], /webhookFrom/],
    [['--set', 'networkPolicies.gatewayEgressPorts={70000}'], /gatewayEgressPorts/],
    [['--set', 'gateway.extraArgs={store-max-age=1h}'], /extraArgs/],
    [['--set', 'gateway.storageClass=fast'], /additional properties|storageClass/i],
  ];
  for (const [set, message] of cases) {
    const out = await helm(['template', 'podprof', CHART, '--namespace', NS, ...set]);
    assert.notEqual(out.code, 0, `${set.join(' ')} is refused`);
    assert.match(out.stderr, /values don't meet the specifications of the schema/, out.stderr);
    assert.match(out.stderr, message, `${set.join(' ')}: ${out.stderr}`);
  }
});

// ---------------------------------------------------------------------------
// The real kube-apiserver.

let cp: ControlPlane;
let kubeEnv: NodeJS.ProcessEnv;
const kubectl = (args: readonly string[], input = ''): Promise<HelmResult> => run('kubectl', args, input, kubeEnv);

test('on the real API server: every toggled render passes kubectl apply --dry-run=server without a Pod Security warning; cert-manager kinds only with cert-manager', async () => {
  cp = await startControlPlane();
  kubeEnv = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
  // The namespaces, for real (a dry run does not create them), restricted as the chart makes them.
  for (const ns of [NS, 'profiling', 'team-a', 'team-b']) {
    const nsObj = only(await template(['--set', 'namespace.create=true'], ns), 'Namespace', ns);
    const r = await kubectl(['apply', '-f', '-'], JSON.stringify(nsObj));
    assert.equal(r.code, 0, r.stderr);
  }
  for (const [says, objs] of [['defaults', await template()] as const, ...rendered]) {
    const applicable = objs.filter((o) => !CERT_MANAGER_KINDS.has(o.kind) && o.kind !== 'Namespace');
    const out = await kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: applicable }),
    );
    assert.equal(out.code, 0, `${says}:\n${out.stderr}`);
    assert.equal(out.stdout.trim().split('\n').length, applicable.length, `${says}: one line per object:\n${out.stdout}`);
    assert.doesNotMatch(out.stderr, /PodSecurity|violate/i, `${says}: restricted Pod Security`);
    const cm = objs.filter((o) => CERT_MANAGER_KINDS.has(o.kind));
    if (cm.length > 0) {
      const refused = await kubectl(
        ['apply', '--dry-run=server', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: cm }),
      );
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /no matches for kind "(Issuer|Certificate)" in version "cert-manager.io\/v1"/);
    }
  }
});

test('helm install, upgrade and uninstall on the real API server: the objects land, NOTES tell the next commands, an upgrade keeps the caBundle the certs Job set, the store claim outlives the uninstall', async () => {
  const install = await helm(['install', 'podprof', CHART, '--namespace', NS, '--set', 'userRoles.create=true'], cp.kubeconfigPath);
  assert.equal(install.code, 0, install.stderr);
  assert.match(install.stdout, /STATUS: deployed/);
  for (const next of [
    /podprof keys generate --out-dir/,
    /--set-file gateway\.signingKey\.pem=/,
    /kubectl -n podprof-system create secret tls podprof-gateway-tls/,
    /kubectl -n podprof-system wait --for=condition=complete job\/podprof-webhook-certs/,
    /podprof\.io\/inject":"true"/,
    /kubectl label namespace NAMESPACE podprof\.io\/inject=enabled/,
    /kubectl -n podprof-system port-forward service\/podprof-gateway 8443:443/,
    /kubectl create token YOUR_SERVICE_ACCOUNT --audience podprof/,
  ])
    assert.match(install.stdout, next);

  const expected = (await template(['--set', 'userRoles.create=true'])).map(key).sort();
  const got: string[] = [];
  for (const k of expected) {
    const [kind, where] = k.split(' ') as [string, string];
    const [ns, name] = where.split('/') as [string, string];
    const r = await kubectl(['get', kind, name, ...(ns === '-' ? [] : ['-n', ns]), '-o', 'name']);
    if (r.code === 0) got.push(k);
  }
  assert.deepEqual(got, expected, 'every rendered object exists');

  // What the certs Job would do (no node runs it here): set the caBundle; an upgrade must keep it.
  const bundle = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
  const patch = JSON.stringify([0, 1].map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle })));
  const patched = await kubectl(['patch', 'mutatingwebhookconfiguration', 'podprof-webhook', '--type=json', '-p', patch]);
  assert.equal(patched.code, 0, patched.stderr);
  const upgrade = await helm(
    ['upgrade', 'podprof', CHART, '--namespace', NS, '--reuse-values', '--set', 'webhook.replicas=3,webhook.timeoutSeconds=4'],
    cp.kubeconfigPath,
  );
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const mwc = await kubectl(['get', 'mutatingwebhookconfiguration', 'podprof-webhook', '-o', 'json']);
  const hs = (JSON.parse(mwc.stdout) as { webhooks: Hook[] }).webhooks;
  assert.deepEqual(
    hs.map((h) => [h.timeoutSeconds, h.clientConfig.caBundle]),
    [
      [4, bundle],
      [4, bundle],
    ],
  );
  const replicas = await kubectl(['-n', NS, 'get', 'deployment', 'podprof-webhook', '-o', 'jsonpath={.spec.replicas}']);
  assert.equal(replicas.stdout, '3');

  const uninstall = await helm(['uninstall', 'podprof', '--namespace', NS], cp.kubeconfigPath);
  assert.equal(uninstall.code, 0, uninstall.stderr);
  const left = await kubectl(['get', 'mutatingwebhookconfiguration', 'podprof-webhook', '--ignore-not-found', '-o', 'name']);
  assert.equal(left.stdout.trim(), '', 'the webhook configuration is gone');
  const pvc = await kubectl(['-n', NS, 'get', 'persistentvolumeclaim', 'podprof-gateway-store', '-o', 'name']);
  assert.equal(pvc.stdout.trim(), 'persistentvolumeclaim/podprof-gateway-store', 'captures are kept');
});

after(async () => {
  await cp?.stop();
});
