// The YAML in manifests/ keeps the promises podprof makes about itself: the webhook
// sees pod CREATE only and can never block it, never touches system namespaces or
// its own, routes each opted-in pod to exactly one webhook path; every container
// runs under the restricted Pod Security Standard; TLS names, Secrets, ports and
// RBAC line up across files.
//
// Part 1 renders the kustomizations with `kubectl kustomize` and checks each
// invariant statically. Every invariant also lists ways of breaking the manifests,
// and each break must make its check fail, so no check passes vacuously.
// Part 2 gives the rendered objects to a real kube-apiserver: server-side dry-run
// apply, Pod Security admission of the pod templates, and which webhook path the
// API server actually calls (namespaceSelector + CEL matchConditions) per pod.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  KubeConfig,
  type V1ClusterRole,
  type V1ConfigMap,
  type V1Container,
  type V1Deployment,
  type V1Job,
  type V1LabelSelector,
  type V1MutatingWebhook,
  type V1MutatingWebhookConfiguration,
  type V1Namespace,
  type V1ObjectMeta,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1PodSpec,
  type V1PodTemplateSpec,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
  type V1Service,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createCertificate } from '../../src/tls/x509.ts';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';

const MANIFESTS = fileURLToPath(new URL('../../manifests', import.meta.url));
const NS = 'podprof-system';
const SYSTEM_NAMESPACES = ['kube-system', 'kube-node-lease', NS];
const ANNOTATION_HOOK = 'annotation.inject.podprof.io';
const NAMESPACE_HOOK = 'namespace.inject.podprof.io';
const OPTED_IN_CEL =
  "has(object.metadata.annotations) && 'podprof.io/inject' in object.metadata.annotations && object.metadata.annotations['podprof.io/inject'] != 'false'";
const NOT_OPTED_OUT_CEL =
  "!has(object.metadata.annotations) || !('podprof.io/inject' in object.metadata.annotations) || object.metadata.annotations['podprof.io/inject'] != 'false'";
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ClusterIssuer',
  'PriorityClass',
  'CustomResourceDefinition',
]);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

// ---------------------------------------------------------------------------
// Rendering

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** The kustomizations, rendered. */
interface Renders {
  base: Manifest[];
  certManager: Manifest[];
  certsJob: Manifest[];
  users: Manifest[];
  /** Applied in app namespaces, so not part of `all`. */
  sidecarPolicy: Manifest[];
  /** The base with the webhook-from-apiserver component, as an operator's overlay renders it. */
  webhookFromApiserver: Manifest[];
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** An overlay in a temporary folder: the base plus `components` (paths under manifests/). */
async function renderWith(components: readonly string[]): Promise<Manifest[]> {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-overlay-'));
  const rel = (p: string): string => relative(dir, join(MANIFESTS, p));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${rel('base')}]\ncomponents: [${components.map(rel).join(', ')}]\n`,
  );
  try {
    return await render(relative(MANIFESTS, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function render(dir: string): Promise<Manifest[]> {
  const out = await run('kubectl', ['kustomize', join(MANIFESTS, dir)]);
  assert.equal(out.code, 0, `kubectl kustomize manifests/${dir} failed:\n${out.stderr}`);
  return parseAllDocuments(out.stdout).map((doc) => {
    assert.deepEqual(doc.errors, [], `manifests/${dir} renders valid YAML`);
    return doc.toJS() as Manifest;
  });
}

const rendered: Renders = {
  base: await render(''),
  certManager: await render('cert-manager'),
  certsJob: await render('certs-job'),
  users: await render('users'),
  sidecarPolicy: await render('networkpolicy-sidecar'),
  webhookFromApiserver: await renderWith(['webhook-from-apiserver']),
};

// ---------------------------------------------------------------------------
// Lookups: each asserts what it needs, so a missing piece fails as an assertion.

function only<T>(objs: readonly Manifest[], kind: string, name: string): T & Manifest {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name}`);
  return found[0] as T & Manifest;
}

const all = (r: Renders): Manifest[] => [...r.base, ...r.certManager, ...r.certsJob, ...r.users];
const mwc = (r: Renders) => only<V1MutatingWebhookConfiguration>(r.base, 'MutatingWebhookConfiguration', 'podprof-webhook');
const deployment = (r: Renders) => only<V1Deployment>(r.base, 'Deployment', 'podprof-webhook');
const service = (r: Renders) => only<V1Service>(r.base, 'Service', 'podprof-webhook');
const certsJob = (r: Renders) => only<V1Job>(r.certsJob, 'Job', 'podprof-webhook-certs');
const servingCert = (r: Renders) => only<Certificate>(r.certManager, 'Certificate', 'podprof-webhook');

function hooks(r: Renders): V1MutatingWebhook[] {
  const w = mwc(r).webhooks ?? [];
  assert.ok(w.length > 0, 'the MutatingWebhookConfiguration has webhooks');
  return w;
}

function hook(r: Renders, name: string): V1MutatingWebhook {
  const w = hooks(r).find((h) => h.name === name);
  assert.ok(w, `webhook ${name} exists`);
  return w;
}

function podTemplate(r: Renders): V1PodTemplateSpec & { spec: V1PodSpec } {
  const t = deployment(r).spec?.template;
  assert.ok(t?.spec, 'the Deployment has a pod template');
  return t as V1PodTemplateSpec & { spec: V1PodSpec };
}

function webhookContainer(r: Renders): V1Container {
  const c = podTemplate(r).spec.containers.find((x) => x.name === 'webhook');
  assert.ok(c, 'the Deployment has a container named webhook');
  return c;
}

/** A flag's value as the program sees it: --name=value in args, else PODPROF_<NAME> literal env. */
function flagValue(c: V1Container, name: string): string | undefined {
  const prefix = `--${name}=`;
  const arg = (c.args ?? []).find((a) => a.startsWith(prefix));
  if (arg !== undefined) return arg.slice(prefix.length);
  return c.env?.find((e) => e.name === `PODPROF_${name.toUpperCase().replace(/-/g, '_')}`)?.value;
}

function portOf(listen: string | undefined): number {
  const m = /:(\d+)$/.exec(listen ?? '');
  assert.ok(m, `"${listen}" ends in :port`);
  return Number(m[1]);
}

function containerPort(c: V1Container, port: number | string | undefined): { name?: string; containerPort: number } {
  const p = c.ports?.find((x) => (typeof port === 'string' ? x.name === port : x.containerPort === port));
  assert.ok(p, `container ${c.name} declares port ${String(port)}`);
  return p;
}

/** Kubernetes label-selector semantics; an absent selector matches everything (as for webhooks). */
function selects(sel: V1LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (sel === undefined) return true;
  const matchLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    matchLabels &&
    (sel.matchExpressions ?? []).every((e) => {
      const value = labels[e.key];
      const listed = value !== undefined && (e.values ?? []).includes(value);
      if (e.operator === 'In') return listed;
      if (e.operator === 'NotIn') return !listed;
      if (e.operator === 'Exists') return value !== undefined;
      if (e.operator === 'DoesNotExist') return value === undefined;
      return assert.fail(`unknown selector operator ${e.operator}`);
    })
  );
}

/** The labels the API server puts on a namespace, plus its own. */
const nsLabels = (name: string, labels: Record<string, string> = {}) => ({ 'kubernetes.io/metadata.name': name, ...labels });

function podSpecs(objs: readonly Manifest[]): Array<{ owner: string; spec: V1PodSpec }> {
  return objs
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((o) => {
      const spec = (o as Manifest & { spec?: { template?: V1PodTemplateSpec } }).spec?.template?.spec;
      assert.ok(spec, `${o.kind} ${o.metadata.name} has a pod template`);
      return { owner: `${o.kind} ${o.metadata.name}`, spec };
    });
}

function grants(rules: readonly V1PolicyRule[] | undefined, group: string): string[] {
  return (rules ?? [])
    .filter((rule) => rule.apiGroups?.includes(group))
    .flatMap((rule) => (rule.resources ?? []).flatMap((res) => rule.verbs.map((v) => `${v} ${res}`)))
    .sort();
}

interface Certificate {
  spec: {
    secretName: string;
    isCA?: boolean;
    dnsNames?: string[];
    duration?: string;
    renewBefore?: string;
    privateKey?: { algorithm?: string; size?: number };
    issuerRef: { name: string; kind?: string; group?: string };
  };
}
interface Issuer {
  spec: { selfSigned?: object; ca?: { secretName: string } };
}

function issuerOf(r: Renders, cert: Certificate): Issuer {
  assert.equal(cert.spec.issuerRef.kind, 'Issuer');
  assert.equal(cert.spec.issuerRef.group, 'cert-manager.io');
  return only<Issuer>(r.certManager, 'Issuer', cert.spec.issuerRef.name);
}

function secretVolume(r: Renders, mountDir: string): string {
  const mount = webhookContainer(r).volumeMounts?.find((m) => m.mountPath === mountDir);
  assert.ok(mount, `the webhook mounts ${mountDir}`);
  assert.equal(mount.subPath, undefined, 'whole-directory mounts, so renewed files show up');
  const vol = podTemplate(r).spec.volumes?.find((v) => v.name === mount.name);
  assert.ok(vol?.secret?.secretName, `${mountDir} is a Secret volume`);
  return vol.secret.secretName;
}

// ---------------------------------------------------------------------------
// Invariants: a check, and the ways of breaking the manifests it must catch.

interface Invariant {
  readonly says: string;
  readonly check: (r: Renders) => void;
  readonly breaks: Readonly<Record<string, (r: Renders) => void>>;
}

interface PolicyPort {
  protocol?: string;
  port?: number;
  endPort?: number;
}
interface PolicyPeer {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
}
interface Policy {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>;
    egress?: Array<{ to?: PolicyPeer[]; ports?: PolicyPort[] }>;
  };
}
const policy = (objs: readonly Manifest[], name: string): Policy & Manifest => only<Policy>(objs, 'NetworkPolicy', name);
const portsOf = (rules: ReadonlyArray<{ ports?: PolicyPort[] }> | undefined): string[] =>
  (rules ?? [])
    .flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port ?? '*'}${p.endPort ? `-${p.endPort}` : ''}`))
    .sort();

const INVARIANTS: Invariant[] = [
  {
    says: 'the gateway and the webhook each have a NetworkPolicy for exactly their pods: ingress on https and health only; the webhook no egress at all, the gateway only the API server, the sidecar ports and DNS',
    check: (r) => {
      for (const name of ['podprof-gateway', 'podprof-webhook']) {
        const p = policy(r.base, name);
        assert.deepEqual(p.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': name });
        assert.deepEqual([...p.spec.policyTypes].sort(), ['Egress', 'Ingress']);
        assert.deepEqual(portsOf(p.spec.ingress), ['TCP/8081', 'TCP/8443'], `${name} ingress`);
      }
      assert.deepEqual(policy(r.base, 'podprof-webhook').spec.egress, [], 'the webhook calls nothing');
      assert.ok(
        (policy(r.base, 'podprof-gateway').spec.egress ?? []).every((rule) => (rule.ports ?? []).length > 0),
        'every egress rule names its ports',
      );
      assert.deepEqual(portsOf(policy(r.base, 'podprof-gateway').spec.egress), [
        'TCP/443',
        'TCP/53',
        'TCP/6443',
        'TCP/8443-8543',
        'UDP/53',
      ]);
    },
    breaks: {
      'webhook egress opened': (r) => void (policy(r.base, 'podprof-webhook').spec.egress = [{}]),
      'gateway ingress on every port': (r) => void (policy(r.base, 'podprof-gateway').spec.ingress = [{}]),
      'the gateway policy selects other pods': (r) => void (policy(r.base, 'podprof-gateway').spec.podSelector = {}),
      'the gateway may reach any port': (r) =>
        void policy(r.base, 'podprof-gateway').spec.egress!.push({ to: [{ namespaceSelector: {} }] }),
    },
  },
  {
    says: "the optional sidecar NetworkPolicy lets only podprof-system's gateway reach the sidecar ports 8443–8543 of injected pods and leaves every other port open",
    check: (r) => {
      const p = policy(r.sidecarPolicy, 'podprof-sidecar');
      assert.equal(p.metadata.namespace, undefined, 'applied in the app namespace');
      assert.deepEqual(p.spec.podSelector.matchLabels, { 'podprof.io/injected': 'true' });
      const [gateway, rest] = p.spec.ingress ?? [];
      assert.ok(gateway && rest, 'two rules: the gateway, and everyone else');
      assert.deepEqual(gateway?.from, [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'podprof-gateway' } },
        },
      ]);
      assert.deepEqual(portsOf([gateway]), ['TCP/8443-8543']);
      assert.equal(rest?.from, undefined, 'the other ports: from anywhere');
      assert.deepEqual(portsOf([rest]), ['SCTP/1-65535', 'TCP/1-8442', 'TCP/8544-65535', 'UDP/1-65535']);
      assert.equal(p.spec.ingress?.length, 2);
    },
    breaks: {
      'anyone reaches the sidecar port': (r) => void delete policy(r.sidecarPolicy, 'podprof-sidecar').spec.ingress![0]!.from,
      "the app's ports are closed": (r) => void policy(r.sidecarPolicy, 'podprof-sidecar').spec.ingress!.pop(),
      'the open range covers the sidecar port': (r) =>
        void (policy(r.sidecarPolicy, 'podprof-sidecar').spec.ingress![1]!.ports![0]!.endPort = 8443),
    },
  },
  {
    says: "with the webhook-from-apiserver component the webhook's HTTPS port admits only the address it names; its health port stays open for the kubelet",
    check: (r) => {
      const p = policy(r.webhookFromApiserver, 'podprof-webhook');
      const [https, health] = p.spec.ingress ?? [];
      assert.deepEqual(https?.from, [{ ipBlock: { cidr: '192.0.2.10/32' } }]);
      assert.deepEqual(portsOf([https]), ['TCP/8443']);
      assert.equal(health?.from, undefined);
      assert.deepEqual(portsOf([health!]), ['TCP/8081']);
      assert.equal(p.spec.ingress?.length, 2);
      assert.deepEqual(p.spec.egress, [], 'still no egress');
    },
    breaks: {
      'the https port from anywhere': (r) => void delete policy(r.webhookFromApiserver, 'podprof-webhook').spec.ingress![0]!.from,
      'a third rule': (r) => void policy(r.webhookFromApiserver, 'podprof-webhook').spec.ingress!.push({}),
    },
  },
  {
    says: 'the webhook configuration has two webhooks, /mutate for annotated pods and /mutate/namespace for enabled namespaces, both calling Service podprof-webhook on 443',
    check: (r) => {
      assert.deepEqual(
        hooks(r).map((h) => [h.name, h.clientConfig.service?.path]),
        [
          [ANNOTATION_HOOK, '/mutate'],
          [NAMESPACE_HOOK, '/mutate/namespace'],
        ],
      );
      const svc = service(r);
      for (const h of hooks(r)) {
        assert.equal(h.clientConfig.url, undefined, `${h.name} goes through the Service`);
        assert.equal(h.clientConfig.service?.name, svc.metadata.name);
        assert.equal(h.clientConfig.service?.namespace, svc.metadata.namespace);
        assert.equal(h.clientConfig.service?.port, 443);
        assert.ok(
          svc.spec?.ports?.some((p) => p.port === h.clientConfig.service?.port),
          'the Service exposes that port',
        );
      }
    },
    breaks: {
      'paths swapped': (r) => {
        hook(r, ANNOTATION_HOOK).clientConfig.service!.path = '/mutate/namespace';
        hook(r, NAMESPACE_HOOK).clientConfig.service!.path = '/mutate';
      },
      'port 8443': (r) => void (hook(r, NAMESPACE_HOOK).clientConfig.service!.port = 8443),
      'a third webhook': (r) => void mwc(r).webhooks!.push({ ...hook(r, ANNOTATION_HOOK), name: 'extra.podprof.io' }),
      'Service renamed': (r) => void (service(r).metadata.name = 'webhook'),
    },
  },
  {
    says: 'the webhooks are sent pod CREATE only',
    check: (r) => {
      for (const h of hooks(r)) {
        assert.deepEqual(
          h.rules,
          [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          h.name,
        );
      }
    },
    breaks: {
      'UPDATE too': (r) => void hook(r, ANNOTATION_HOOK).rules![0]!.operations!.push('UPDATE'),
      'pod subresources too': (r) => void (hook(r, NAMESPACE_HOOK).rules![0]!.resources = ['pods', 'pods/*']),
      'every API group': (r) => void (hook(r, NAMESPACE_HOOK).rules![0]!.apiGroups = ['*']),
    },
  },
  {
    says: 'a slow, absent or reinvoked webhook never blocks pod creation, and dry runs are safe to send it',
    check: (r) => {
      for (const h of hooks(r)) {
        assert.equal(h.failurePolicy, 'Ignore', h.name);
        assert.equal(typeof h.timeoutSeconds, 'number', `${h.name}: timeoutSeconds set (the API default is 10)`);
        assert.ok(h.timeoutSeconds! >= 1 && h.timeoutSeconds! <= 5, `${h.name}: timeoutSeconds ${h.timeoutSeconds} within 1..5`);
        assert.equal(h.sideEffects, 'None', h.name);
        assert.equal(h.reinvocationPolicy, 'IfNeeded', h.name);
        assert.equal(h.matchPolicy, 'Equivalent', h.name);
        assert.deepEqual(h.admissionReviewVersions, ['v1'], h.name);
      }
    },
    breaks: {
      'failurePolicy Fail': (r) => void (hook(r, ANNOTATION_HOOK).failurePolicy = 'Fail'),
      'timeout 10 s': (r) => void (hook(r, NAMESPACE_HOOK).timeoutSeconds = 10),
      'timeout left to the default': (r) => void delete hook(r, ANNOTATION_HOOK).timeoutSeconds,
      'side effects': (r) => void (hook(r, NAMESPACE_HOOK).sideEffects = 'Some'),
      'no reinvocation': (r) => void (hook(r, ANNOTATION_HOOK).reinvocationPolicy = 'Never'),
      'exact match policy': (r) => void (hook(r, NAMESPACE_HOOK).matchPolicy = 'Exact'),
      'v1beta1 reviews': (r) => void hook(r, ANNOTATION_HOOK).admissionReviewVersions.push('v1beta1'),
    },
  },
  {
    says: 'neither webhook is ever called for a pod in kube-system, kube-node-lease or podprof-system, even if that namespace is labelled enabled',
    check: (r) => {
      for (const h of hooks(r)) {
        for (const ns of SYSTEM_NAMESPACES) {
          for (const labels of [nsLabels(ns), nsLabels(ns, { 'podprof.io/inject': 'enabled' })]) {
            assert.equal(selects(h.namespaceSelector, labels), false, `${h.name} must not select ${JSON.stringify(labels)}`);
          }
        }
        const byName = h.namespaceSelector?.matchExpressions?.find((e) => e.key === 'kubernetes.io/metadata.name');
        assert.deepEqual(
          { ...byName, values: [...(byName?.values ?? [])].sort() },
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES].sort() },
          h.name,
        );
      }
    },
    breaks: {
      'kube-system dropped': (r) => void hook(r, ANNOTATION_HOOK).namespaceSelector!.matchExpressions![0]!.values!.shift(),
      'NotIn turned In': (r) => void (hook(r, NAMESPACE_HOOK).namespaceSelector!.matchExpressions![0]!.operator = 'In'),
      'no namespace selector': (r) => void delete hook(r, NAMESPACE_HOOK).namespaceSelector,
    },
  },
  {
    says: 'every other namespace is handled by exactly one webhook: the namespace one if labelled podprof.io/inject=enabled, else the annotation one',
    check: (r) => {
      const cases: Array<[Record<string, string>, string]> = [
        [nsLabels('team-a'), ANNOTATION_HOOK],
        [nsLabels('team-a', { 'podprof.io/inject': 'disabled' }), ANNOTATION_HOOK],
        [nsLabels('team-a', { 'podprof.io/inject': 'enabled' }), NAMESPACE_HOOK],
        [nsLabels('default', { 'podprof.io/inject': 'enabled', team: 'b' }), NAMESPACE_HOOK],
      ];
      for (const [labels, expected] of cases) {
        assert.deepEqual(
          hooks(r)
            .filter((h) => selects(h.namespaceSelector, labels))
            .map((h) => h.name),
          [expected],
          JSON.stringify(labels),
        );
      }
    },
    breaks: {
      'annotation webhook also takes enabled namespaces': (r) => void hook(r, ANNOTATION_HOOK).namespaceSelector!.matchExpressions!.pop(),
      'namespace webhook takes any inject label': (r) => {
        const e = hook(r, NAMESPACE_HOOK).namespaceSelector!.matchExpressions![1]!;
        e.operator = 'Exists';
        delete e.values;
      },
    },
  },
  {
    says: 'the API server calls a webhook only for pods that opted in, and a pod annotated podprof.io/inject "false" never',
    check: (r) => {
      assert.deepEqual(
        hook(r, ANNOTATION_HOOK).matchConditions?.map((c) => c.expression),
        [OPTED_IN_CEL],
      );
      assert.deepEqual(
        hook(r, NAMESPACE_HOOK).matchConditions?.map((c) => c.expression),
        [NOT_OPTED_OUT_CEL],
      );
      for (const h of hooks(r))
        assert.ok(
          h.matchConditions?.every((c) => /^[a-z0-9-]+$/.test(c.name)),
          `${h.name}: matchCondition names`,
        );
    },
    breaks: {
      'annotation webhook unconditional': (r) => void delete hook(r, ANNOTATION_HOOK).matchConditions,
      'opt-out spelled differently': (r) =>
        void (hook(r, NAMESPACE_HOOK).matchConditions![0]!.expression = NOT_OPTED_OUT_CEL.replace("'false'", "'no'")),
    },
  },
  {
    says: "the caBundle comes from the serving Certificate through cert-manager's CA injector and is never written in the manifests",
    check: (r) => {
      const cert = servingCert(r);
      assert.equal(mwc(r).metadata.annotations?.['cert-manager.io/inject-ca-from'], `${cert.metadata.namespace}/${cert.metadata.name}`);
      for (const h of hooks(r))
        assert.equal(h.clientConfig.caBundle, undefined, `${h.name}: re-applying must not wipe the injected caBundle`);
    },
    breaks: {
      'annotation names another namespace': (r) =>
        void (mwc(r).metadata.annotations!['cert-manager.io/inject-ca-from'] = 'default/podprof-webhook'),
      'no annotation': (r) => void delete mwc(r).metadata.annotations,
      'an empty caBundle': (r) => void (hook(r, NAMESPACE_HOOK).clientConfig.caBundle = ''),
    },
  },
  {
    says: 'the webhook runs two replicas, prefers separate nodes, and a drain keeps one',
    check: (r) => {
      const d = deployment(r);
      const labels = podTemplate(r).metadata?.labels ?? {};
      assert.equal(d.spec?.replicas, 2);
      assert.ok(selects(d.spec?.selector, labels), 'the Deployment selects its own pods');
      const pdbs = r.base.filter((o) => o.kind === 'PodDisruptionBudget') as Array<V1PodDisruptionBudget & Manifest>;
      const pdb = pdbs.find((p) => p.spec?.selector !== undefined && selects(p.spec.selector, labels));
      assert.ok(pdb, 'a PodDisruptionBudget selects the webhook pods');
      assert.equal(pdb.metadata.namespace, d.metadata.namespace);
      assert.equal(pdb.spec?.minAvailable, 1);
      const terms = podTemplate(r).spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      assert.ok(
        terms.some((t) => t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(t.podAffinityTerm.labelSelector, labels)),
        'a preferred anti-affinity on kubernetes.io/hostname against its own pods',
      );
    },
    breaks: {
      'one replica': (r) => void (deployment(r).spec!.replicas = 1),
      'no PDB': (r) => void (r.base = r.base.filter((o) => o.kind !== 'PodDisruptionBudget')),
      'PDB selects other pods': (r) =>
        void (only<V1PodDisruptionBudget>(r.base, 'PodDisruptionBudget', 'podprof-webhook').spec!.selector = {
          matchLabels: { app: 'other' },
        }),
      'PDB allows zero': (r) => void (only<V1PodDisruptionBudget>(r.base, 'PodDisruptionBudget', 'podprof-webhook').spec!.minAvailable = 0),
      'anti-affinity per zone': (r) =>
        void (podTemplate(
          r,
        ).spec.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.podAffinityTerm.topologyKey =
          'topology.kubernetes.io/zone'),
      'no affinity': (r) => void delete podTemplate(r).spec.affinity,
    },
  },
  {
    says: 'every container podprof ships runs as user 65532 on a read-only root filesystem, without privilege escalation or capabilities, under RuntimeDefault seccomp',
    check: (r) => {
      const specs = podSpecs([...r.base, ...r.certsJob]);
      assert.ok(specs.length >= 2, 'the webhook Deployment and the certs Job at least');
      for (const { owner, spec } of specs) {
        assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, `${owner}: no host namespaces`);
        const containers = [...(spec.initContainers ?? []), ...spec.containers];
        assert.ok(containers.length > 0, `${owner} has containers`);
        for (const c of containers) {
          const what = `${owner}, container ${c.name}`;
          const sc = c.securityContext ?? {};
          const pod = spec.securityContext ?? {};
          assert.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, `${what}: runAsNonRoot`);
          assert.equal(sc.runAsUser ?? pod.runAsUser, 65532, `${what}: runAsUser`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${what}: readOnlyRootFilesystem`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${what}: allowPrivilegeEscalation`);
          assert.notEqual(sc.privileged, true, `${what}: privileged`);
          assert.ok(sc.capabilities?.drop?.includes('ALL'), `${what}: drops ALL capabilities`);
          assert.deepEqual(sc.capabilities?.add ?? [], [], `${what}: adds no capability`);
          assert.equal((sc.seccompProfile ?? pod.seccompProfile)?.type, 'RuntimeDefault', `${what}: seccomp`);
        }
      }
    },
    breaks: {
      'writable root filesystem': (r) => void (webhookContainer(r).securityContext!.readOnlyRootFilesystem = false),
      'root user': (r) => void (webhookContainer(r).securityContext!.runAsUser = 0),
      'Job keeps capabilities': (r) => void (certsJob(r).spec!.template.spec!.containers[0]!.securityContext!.capabilities = { drop: [] }),
      'a capability added': (r) => void (webhookContainer(r).securityContext!.capabilities!.add = ['NET_BIND_SERVICE']),
      'Unconfined seccomp': (r) => {
        delete webhookContainer(r).securityContext!.seccompProfile;
        podTemplate(r).spec.securityContext!.seccompProfile = { type: 'Unconfined' };
      },
      'Job privilege escalation': (r) =>
        void delete certsJob(r).spec!.template.spec!.containers[0]!.securityContext!.allowPrivilegeEscalation,
      'Job on the host network': (r) => void (certsJob(r).spec!.template.spec!.hostNetwork = true),
      'a root init container': (r) =>
        void (podTemplate(r).spec.initContainers = [{ name: 'init', image: 'busybox', securityContext: { runAsUser: 0 } }]),
    },
  },
  {
    says: "the webhook's probes hit /readyz and /healthz on the health port it listens on, and the Service reaches the https port it serves",
    check: (r) => {
      const c = webhookContainer(r);
      const health = containerPort(c, 'health');
      assert.equal(health.containerPort, 8081);
      assert.equal(portOf(flagValue(c, 'health-listen')), health.containerPort, '--health-listen');
      assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
      assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        assert.equal(containerPort(c, probe?.httpGet?.port).containerPort, health.containerPort, 'probe on the health port');
        assert.notEqual(probe?.httpGet?.scheme, 'HTTPS', 'health is plain HTTP');
      }
      const https = containerPort(c, 'https');
      assert.equal(https.containerPort, 8443);
      assert.equal(portOf(flagValue(c, 'listen')), https.containerPort, '--listen');
      const svc = service(r);
      assert.deepEqual(
        svc.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]),
        [['https', 443, 'https']],
      );
      const labels = podTemplate(r).metadata?.labels ?? {};
      assert.ok(
        Object.entries(svc.spec?.selector ?? { none: 'x' }).every(([k, v]) => labels[k] === v),
        'the Service selects the webhook pods',
      );
    },
    breaks: {
      'liveness on https': (r) => void (webhookContainer(r).livenessProbe!.httpGet!.port = 'https'),
      'readiness on /healthz': (r) => void (webhookContainer(r).readinessProbe!.httpGet!.path = '/healthz'),
      'health listens elsewhere': (r) => {
        const c = webhookContainer(r);
        c.args = c.args!.map((a) => (a.startsWith('--health-listen=') ? '--health-listen=:9090' : a));
      },
      'Service to the health port': (r) => void (service(r).spec!.ports![0]!.targetPort = 8081),
      'Service selects nothing': (r) => void (service(r).spec!.selector = { 'app.kubernetes.io/name': 'podprof' }),
      'https port renumbered': (r) => void (containerPort(webhookContainer(r), 'https').containerPort = 9443),
    },
  },
  {
    says: 'the webhook is told its images, its namespace, the gateway, and reads its certificate and the gateway keys from what the manifests mount',
    check: (r) => {
      const c = webhookContainer(r);
      assert.equal(c.image, 'ghcr.io/podprof/podprof-webhook:0.1.0');
      assert.equal(flagValue(c, 'sidecar-image'), 'ghcr.io/podprof/podprof-sidecar:0.1.0');
      assert.equal(flagValue(c, 'gateway-url'), 'https://podprof-gateway.podprof-system.svc:8443');
      const nsEnv = c.env?.find((e) => e.name === 'PODPROF_NAMESPACE');
      assert.equal(nsEnv?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace', 'PODPROF_NAMESPACE from the downward API');
      assert.ok(!(c.args ?? []).some((a) => a.startsWith('--namespace')), 'no --namespace arg overriding the downward API');
      assert.deepEqual(
        ['tls-cert-file', 'tls-key-file', 'gateway-ca-file'].map((f) => flagValue(c, f)),
        ['/tls/tls.crt', '/tls/tls.key', '/tls/ca.crt'],
      );
      assert.equal(secretVolume(r, '/tls'), servingCert(r).spec.secretName, 'the Secret the Certificate writes');
      assert.equal(flagValue(c, 'jwks-file'), '/jwks/jwks.json');
      const jwksMount = c.volumeMounts?.find((m) => m.mountPath === '/jwks');
      const jwksVolume = podTemplate(r).spec.volumes?.find((v) => v.name === jwksMount?.name);
      assert.ok(jwksVolume?.configMap, '/jwks is a ConfigMap volume');
      const cm = only<V1ConfigMap>(r.base, 'ConfigMap', jwksVolume.configMap.name ?? '');
      assert.equal(cm.metadata.name, 'podprof-jwks');
      assert.deepEqual(JSON.parse(cm.data?.['jwks.json'] ?? 'null'), { keys: [] }, 'the placeholder JWKS');
      assert.deepEqual(c.resources, { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '384Mi' } });
    },
    breaks: {
      'namespace not from the downward API': (r) => void (webhookContainer(r).env = []),
      'certificate mounted elsewhere': (r) => void (webhookContainer(r).volumeMounts![0]!.mountPath = '/certs'),
      'another Secret': (r) => void (podTemplate(r).spec.volumes![0]!.secret!.secretName = 'webhook-tls'),
      'JWKS key renamed': (r) => {
        const cm = only<V1ConfigMap>(r.base, 'ConfigMap', 'podprof-jwks');
        cm.data = { 'keys.json': cm.data!['jwks.json']! };
      },
      'sidecar image :latest': (r) => {
        const c = webhookContainer(r);
        c.args = c.args!.map((a) => a.replace('podprof-sidecar:0.1.0', 'podprof-sidecar:latest'));
      },
      'no memory limit': (r) => void delete webhookContainer(r).resources!.limits,
    },
  },
  {
    says: 'the webhook holds no credential for the Kubernetes API',
    check: (r) => {
      const sa = only<V1ServiceAccount>(r.base, 'ServiceAccount', 'podprof-webhook');
      assert.equal(podTemplate(r).spec.serviceAccountName, sa.metadata.name);
      assert.equal(sa.automountServiceAccountToken, false);
      assert.notEqual(podTemplate(r).spec.automountServiceAccountToken, true);
      const bindings = all(r).filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') as Array<V1RoleBinding & Manifest>;
      for (const b of bindings) {
        assert.ok(
          !(b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa.metadata.name),
          `${b.kind} ${b.metadata.name} binds the webhook`,
        );
      }
    },
    breaks: {
      'token mounted in the pod': (r) => void (podTemplate(r).spec.automountServiceAccountToken = true),
      'token mounted by default': (r) =>
        void delete only<V1ServiceAccount>(r.base, 'ServiceAccount', 'podprof-webhook').automountServiceAccountToken,
      'a binding for the webhook': (r) =>
        void only<V1RoleBinding>(r.certsJob, 'RoleBinding', 'podprof-webhook-certs').subjects!.push({
          kind: 'ServiceAccount',
          name: 'podprof-webhook',
          namespace: NS,
        }),
    },
  },
  {
    says: 'namespace podprof-system enforces the restricted Pod Security Standard',
    check: (r) => {
      const ns = only<V1Namespace>(r.base, 'Namespace', NS);
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      assert.ok(
        [undefined, 'latest'].includes(ns.metadata.labels?.['pod-security.kubernetes.io/enforce-version']),
        'enforce the current version',
      );
    },
    breaks: {
      baseline: (r) =>
        void (only<V1Namespace>(r.base, 'Namespace', NS).metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline'),
      'pinned to an old version': (r) =>
        void (only<V1Namespace>(r.base, 'Namespace', NS).metadata.labels!['pod-security.kubernetes.io/enforce-version'] = 'v1.22'),
    },
  },
  {
    says: 'every namespaced object lives in podprof-system, cluster-scoped ones in none, and all are labelled part-of podprof',
    check: (r) => {
      for (const o of all(r)) {
        const what = `${o.kind} ${o.metadata.name}`;
        assert.equal(o.metadata.namespace, CLUSTER_SCOPED.has(o.kind) ? undefined : NS, what);
        assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'podprof', what);
      }
      for (const o of r.users) assert.equal(o.kind, 'ClusterRole', 'users/ holds ClusterRoles only');
    },
    breaks: {
      'an Issuer in default': (r) => void (r.certManager.find((o) => o.kind === 'Issuer')!.metadata.namespace = 'default'),
      'a ServiceAccount without namespace': (r) => void delete r.certsJob.find((o) => o.kind === 'ServiceAccount')!.metadata.namespace,
      'a namespaced webhook configuration': (r) => void (mwc(r).metadata.namespace = NS),
      'an unlabelled ClusterRole': (r) => void delete r.users[0]!.metadata.labels,
    },
  },
  {
    says: "the serving certificate names the webhook Service, is ECDSA P-256 for 90 days renewed at 30, and chains to podprof's own CA",
    check: (r) => {
      const cert = servingCert(r);
      const svc = service(r);
      const host = `${svc.metadata.name}.${svc.metadata.namespace}.svc`;
      assert.deepEqual(cert.spec.dnsNames, [host, `${host}.cluster.local`]);
      assert.equal(cert.spec.secretName, 'podprof-webhook-tls');
      assert.deepEqual([cert.spec.privateKey?.algorithm, cert.spec.privateKey?.size], ['ECDSA', 256]);
      assert.deepEqual([cert.spec.duration, cert.spec.renewBefore], ['2160h', '720h']);
      assert.notEqual(cert.spec.isCA, true);
      const caIssuer = issuerOf(r, cert);
      assert.ok(caIssuer.spec.ca, 'issued by a CA Issuer');
      const ca = r.certManager.find(
        (o) => o.kind === 'Certificate' && (o as Manifest & Certificate).spec.secretName === caIssuer.spec.ca!.secretName,
      ) as (Manifest & Certificate) | undefined;
      assert.ok(ca, "a Certificate writes the CA Issuer's Secret");
      assert.equal(ca.spec.isCA, true);
      assert.ok(issuerOf(r, ca).spec.selfSigned, 'the CA is self-signed');
    },
    breaks: {
      'wrong namespace in a name': (r) => void (servingCert(r).spec.dnsNames![0] = 'podprof-webhook.default.svc'),
      'no cluster.local name': (r) => void servingCert(r).spec.dnsNames!.pop(),
      'another Secret': (r) => void (servingCert(r).spec.secretName = 'podprof-tls'),
      'an RSA key': (r) => void (servingCert(r).spec.privateKey = { algorithm: 'RSA', size: 2048 }),
      'a CA that is not one': (r) => void (only<Certificate>(r.certManager, 'Certificate', 'podprof-ca').spec.isCA = false),
      'CA Issuer reading another Secret': (r) =>
        void (only<Issuer>(r.certManager, 'Issuer', 'podprof-ca').spec.ca!.secretName = 'other-ca'),
      'a year-long certificate': (r) => void (servingCert(r).spec.duration = '8760h'),
    },
  },
  {
    says: "the certs Job may write only the webhook's Secret and patch only podprof's webhook configuration, and is pointed at the names the base uses",
    check: (r) => {
      const role = only<V1Role>(r.certsJob, 'Role', 'podprof-webhook-certs');
      const tlsSecret = secretVolume(r, '/tls');
      for (const rule of role.rules ?? []) {
        assert.deepEqual([rule.apiGroups, rule.resources], [[''], ['secrets']], 'secrets only');
        assert.ok(
          rule.verbs.every((v) => ['get', 'create', 'update'].includes(v)),
          `verbs ${rule.verbs.join(',')}`,
        );
        if (!rule.verbs.every((v) => v === 'create')) assert.deepEqual(rule.resourceNames, [tlsSecret], 'get/update the TLS Secret only');
      }
      assert.deepEqual(grants(role.rules, '').sort(), ['create secrets', 'get secrets', 'update secrets']);
      const cr = only<V1ClusterRole>(r.certsJob, 'ClusterRole', 'podprof-webhook-certs');
      assert.deepEqual(cr.rules, [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations'],
          resourceNames: [mwc(r).metadata.name],
          verbs: ['get', 'patch'],
        },
      ]);
      const job = certsJob(r).spec!.template.spec!;
      for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
        const b = only<V1RoleBinding>(r.certsJob, kind, 'podprof-webhook-certs');
        assert.deepEqual(b.roleRef, {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: kind.replace('Binding', ''),
          name: 'podprof-webhook-certs',
        });
        assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: job.serviceAccountName, namespace: NS }]);
      }
      only<V1ServiceAccount>(r.certsJob, 'ServiceAccount', job.serviceAccountName!);
      const c = job.containers[0]!;
      assert.equal(c.image, webhookContainer(r).image);
      const svc = service(r);
      assert.deepEqual(c.args, [
        'certs',
        `--namespace=${svc.metadata.namespace}`,
        `--service=${svc.metadata.name}`,
        `--secret=${tlsSecret}`,
        `--webhook-config=${mwc(r).metadata.name}`,
      ]);
    },
    breaks: {
      'may list secrets': (r) => void only<V1Role>(r.certsJob, 'Role', 'podprof-webhook-certs').rules![0]!.verbs.push('list'),
      'may update any secret': (r) => void delete only<V1Role>(r.certsJob, 'Role', 'podprof-webhook-certs').rules![0]!.resourceNames,
      'may patch any webhook configuration': (r) =>
        void delete only<V1ClusterRole>(r.certsJob, 'ClusterRole', 'podprof-webhook-certs').rules![0]!.resourceNames,
      'bound in default': (r) =>
        void (only<V1RoleBinding>(r.certsJob, 'ClusterRoleBinding', 'podprof-webhook-certs').subjects![0]!.namespace = 'default'),
      'writes another Secret': (r) => void (certsJob(r).spec!.template.spec!.containers[0]!.args![3] = '--secret=webhook-tls'),
    },
  },
  {
    says: 'the example user roles let viewers take heap and goroutine snapshots only (and captures of them), profilers everything but cmdline (and upload profile files), and scrapers the continuous types and targets, no trace, cmdline or captures',
    check: (r) => {
      const viewer = only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-viewer');
      assert.deepEqual(grants(viewer.rules, 'podprof.io'), [
        'create captures',
        'get captures',
        'get pods/goroutine',
        'get pods/heap',
        'list captures',
        'list pods',
      ]);
      const profiler = only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-profiler');
      const types = ['profile', 'trace', 'heap', 'allocs', 'goroutine', 'block', 'mutex', 'threadcreate', 'symbol'];
      const expected = [
        ...types.map((t) => `get pods/${t}`),
        'list pods',
        'get captures',
        'list captures',
        'create captures',
        'create captures/upload',
        'delete captures',
        'list targets',
      ];
      assert.deepEqual(grants(profiler.rules, 'podprof.io'), expected.sort());
      const scraper = only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-scraper');
      assert.deepEqual(grants(scraper.rules, 'podprof.io'), [
        'get pods/allocs',
        'get pods/block',
        'get pods/goroutine',
        'get pods/heap',
        'get pods/mutex',
        'get pods/profile',
        'list targets',
      ]);
      for (const role of [viewer, profiler, scraper]) {
        assert.ok(
          (role.rules ?? []).every((rule) => (rule.apiGroups ?? []).every((g) => g === 'podprof.io')),
          `${role.metadata.name}: podprof.io only`,
        );
      }
    },
    breaks: {
      'scrapers take traces': (r) =>
        void only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-scraper').rules![1]!.resources!.push('pods/trace'),
      'profilers read cmdline': (r) =>
        void only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-profiler').rules![0]!.resources!.push('pods/cmdline'),
      'viewers take CPU profiles': (r) =>
        void only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-viewer').rules![0]!.resources!.push('pods/profile'),
      'a wildcard': (r) => void (only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-viewer').rules![0]!.resources = ['pods/*']),
      'core API access': (r) =>
        void only<V1ClusterRole>(r.users, 'ClusterRole', 'podprof-viewer').rules!.push({
          apiGroups: [''],
          resources: ['pods'],
          verbs: ['get'],
        }),
    },
  },
];

for (const invariant of INVARIANTS) {
  test(invariant.says, () => {
    invariant.check(rendered);
    for (const [how, breakIt] of Object.entries(invariant.breaks)) {
      const broken = structuredClone(rendered);
      breakIt(broken);
      assert.throws(() => invariant.check(broken), assert.AssertionError, `the check does not notice: ${how}`);
    }
  });
}

// ---------------------------------------------------------------------------
// Against a real kube-apiserver (test/kit/cluster): one control plane for the rest.

let cp: ControlPlane;
let core: CoreV1Api;
let admission: AdmissionregistrationV1Api;
let kubeEnv: NodeJS.ProcessEnv;

const kubectl = (args: readonly string[], input?: string) => run('kubectl', args, { input, env: kubeEnv });

before(async () => {
  cp = await startControlPlane();
  kubeEnv = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  admission = kc.makeApiClient(AdmissionregistrationV1Api);
  // Server-side dry-run cannot create a namespace for the objects after it: create it for real.
  const ns = await kubectl(['apply', '-f', '-'], JSON.stringify(only<V1Namespace>(rendered.base, 'Namespace', NS)));
  assert.equal(ns.code, 0, ns.stderr);
});

after(async () => {
  await cp?.stop();
});

test('the base, the certs Job, the user roles and the sidecar NetworkPolicy pass the real API server (kubectl apply --dry-run=server -k), cert-manager objects only where cert-manager is installed', async () => {
  for (const [dir, objects] of [
    ['', rendered.base],
    ['certs-job', rendered.certsJob],
    ['users', rendered.users],
    ['networkpolicy-sidecar', rendered.sidecarPolicy],
  ] as const) {
    const out = await kubectl(['apply', '--dry-run=server', '-k', `${MANIFESTS}/${dir}`]);
    assert.equal(out.code, 0, `manifests/${dir}:\n${out.stderr}`);
    assert.equal(out.stdout.trim().split('\n').length, objects.length, `one line per object:\n${out.stdout}`);
    assert.ok(
      out.stdout.split('\n').every((l) => l === '' || l.endsWith('(server dry run)')),
      out.stdout,
    );
    assert.doesNotMatch(out.stderr, /Warning: would violate PodSecurity/, 'no Pod Security warning for the workloads');
  }
  const fromApiserver = await kubectl(
    ['apply', '--dry-run=server', '-f', '-'],
    JSON.stringify(policy(rendered.webhookFromApiserver, 'podprof-webhook')),
  );
  assert.equal(fromApiserver.code, 0, `the webhook-from-apiserver NetworkPolicy:\n${fromApiserver.stderr}`);
  const certManager = await kubectl(['apply', '--dry-run=server', '-k', `${MANIFESTS}/cert-manager`]);
  assert.notEqual(certManager.code, 0);
  assert.match(certManager.stderr, /no matches for kind "(Issuer|Certificate)" in version "cert-manager.io\/v1"/);

  // The API server compiles the CEL: a broken expression is refused, so the pass above means something.
  const broken = structuredClone(mwc(rendered));
  broken.webhooks![0]!.matchConditions![0]!.expression = OPTED_IN_CEL.replace("!= 'false'", "!= 'false");
  const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(broken));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /matchConditions\[0\]\.expression: Invalid value: .*compilation failed/);
});

function podFrom(owner: { metadata: V1ObjectMeta }, template: V1PodTemplateSpec): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, name: `${owner.metadata.name}-pod` }, spec: template.spec };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiException, String(err));
    const status = JSON.parse(String(err.body)) as { message?: string };
    return `${err.code} ${status.message ?? String(err.body)}`;
  }
  return 'admitted';
}

test("the webhook's and the certs Job's pods are admitted in podprof-system under restricted Pod Security, and a privilege-escalating copy is refused", async () => {
  const pods = [
    podFrom(deployment(rendered), deployment(rendered).spec!.template),
    podFrom(certsJob(rendered), certsJob(rendered).spec!.template),
  ];
  for (const pod of pods) {
    assert.equal(await refusal(core.createNamespacedPod({ namespace: NS, body: pod, dryRun: 'All' })), 'admitted', pod.metadata?.name);
  }
  const escalating = structuredClone(pods[0]!);
  escalating.spec!.containers[0]!.securityContext!.allowPrivilegeEscalation = true;
  assert.match(
    await refusal(core.createNamespacedPod({ namespace: NS, body: escalating, dryRun: 'All' })),
    /^403 .*violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/,
  );
});

interface Review {
  request: { uid: string; name: string; namespace: string };
}

function startRecorder(certPem: string, keyPem: string, calls: Map<string, string[]>): Promise<Server> {
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      const key = `${review.request.namespace}/${review.request.name}`;
      // The API server appends ?timeout=5s to the configured path: route on the pathname.
      const path = new URL(req.url ?? '/', 'https://webhook').pathname;
      calls.set(key, [...(calls.get(key) ?? []), path]);
      const response = { uid: review.request.uid, allowed: true };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function matchConditionErrors(): Promise<Map<string, number>> {
  const out = await kubectl(['get', '--raw', '/metrics']);
  assert.equal(out.code, 0, out.stderr);
  const errors = new Map<string, number>();
  for (const m of out.stdout.matchAll(/^apiserver_admission_match_condition_evaluation_errors_total\{([^}]*)\} (\S+)$/gm)) {
    const name = /(?:^|,)name="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
    errors.set(name, (errors.get(name) ?? 0) + Number(m[2]));
  }
  return errors;
}

test('the API server sends each pod to the path of the one way it opted in, never for system namespaces or a "false" opt-out, without CEL errors', async () => {
  const ca = createCertificate({ commonName: 'podprof manifests test CA', isCA: true });
  const leaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof manifests test CA', key: ca.key },
  });
  const calls = new Map<string, string[]>();
  const server = await startRecorder(leaf.certPem, leaf.keyPem, calls);
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caBundle = Buffer.from(ca.certPem).toString('base64');

  // The shipped configuration, reached by url instead of through the Service (nothing routes ClusterIPs here).
  const config = structuredClone(mwc(rendered)) as V1MutatingWebhookConfiguration;
  for (const h of config.webhooks!) h.clientConfig = { url: `${base}${h.clientConfig.service!.path}`, caBundle };
  // A control: the naive opt-in condition, which errors on a pod with annotations but not ours.
  const naive: V1MutatingWebhookConfiguration = {
    metadata: { name: 'podprof-naive-probe' },
    webhooks: [
      {
        ...structuredClone(hook(rendered, ANNOTATION_HOOK)),
        name: 'naive.probe.podprof.io',
        clientConfig: { url: `${base}/naive`, caBundle },
        matchConditions: [
          { name: 'naive', expression: "has(object.metadata.annotations) && object.metadata.annotations['podprof.io/inject'] == 'true'" },
        ],
      },
    ],
  };
  await admission.createMutatingWebhookConfiguration({ body: config });
  await admission.createMutatingWebhookConfiguration({ body: naive });
  try {
    await core.createNamespace({ body: { metadata: { name: 'team-plain' } } });
    await core.createNamespace({ body: { metadata: { name: 'team-enabled', labels: { 'podprof.io/inject': 'enabled' } } } });
    for (const ns of SYSTEM_NAMESPACES) {
      const labelled = await kubectl(['label', '--overwrite', 'namespace', ns, 'podprof.io/inject=enabled']);
      assert.equal(labelled.code, 0, labelled.stderr);
    }

    const annotations: Record<string, Record<string, string> | undefined> = {
      'no-annotations': undefined,
      'other-annotations': { 'example.com/owner': 'team' },
      'opted-in': { 'podprof.io/inject': 'true' },
      'opted-out': { 'podprof.io/inject': 'false' },
      'inject-yes': { 'podprof.io/inject': 'yes' },
    };
    const expected: Record<string, string[]> = {
      'team-plain/opted-in': ['/mutate'],
      'team-plain/inject-yes': ['/mutate'], // reaches the webhook, which denies the typo instead of ignoring it
      'team-enabled/no-annotations': ['/mutate/namespace'],
      'team-enabled/other-annotations': ['/mutate/namespace'],
      'team-enabled/opted-in': ['/mutate/namespace'],
      'team-enabled/inject-yes': ['/mutate/namespace'], // the webhook itself denies the bad value
    };
    const restricted = structuredClone(webhookContainer(rendered).securityContext);
    for (const ns of ['team-plain', 'team-enabled', ...SYSTEM_NAMESPACES]) {
      for (const [name, a] of Object.entries(annotations)) {
        const body: V1Pod = {
          metadata: { name, annotations: a },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1', securityContext: restricted }] },
        };
        assert.equal(await refusal(core.createNamespacedPod({ namespace: ns, body, dryRun: 'All' })), 'admitted', `${ns}/${name}`);
      }
    }
    const seen: Record<string, string[]> = {};
    for (const [pod, paths] of calls) {
      const ours = paths.filter((p) => p !== '/naive');
      if (ours.length > 0) seen[pod] = ours;
    }
    assert.deepEqual(seen, expected);

    const errors = await matchConditionErrors();
    assert.ok((errors.get('naive.probe.podprof.io') ?? 0) > 0, 'the control errs, so the metric is read right');
    assert.equal(errors.get(ANNOTATION_HOOK), undefined, 'no CEL error in the annotation webhook');
    assert.equal(errors.get(NAMESPACE_HOOK), undefined, 'no CEL error in the namespace webhook');
  } finally {
    await admission.deleteMutatingWebhookConfiguration({ name: config.metadata!.name! });
    await admission.deleteMutatingWebhookConfiguration({ name: 'podprof-naive-probe' });
    server.closeAllConnections();
    server.close();
  }
});
