// The real control plane with podprof's webhook registered from manifests/:
// the MutatingWebhookConfiguration of the base, its clientConfig pointed at the
// webhook running in this process (https://127.0.0.1:PORT/mutate[/namespace],
// caBundle = a CA made here), and with { node } the real node (node.ts) that runs
// what it injects. Also: kubectl, rendered manifests, pod templates.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  KubeConfig,
  type V1Container,
  type V1MutatingWebhookConfiguration,
  type V1Pod,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { parseFlags } from '../../../src/config/flags.ts';
import { createLogger } from '../../../src/log.ts';
import { createCertificate } from '../../../src/tls/x509.ts';
import { WEBHOOK_FLAGS } from '../../../webhook/config.ts';
import { startWebhook, type RunningWebhook } from '../../../webhook/server.ts';
import { startControlPlane, type ControlPlane, type StartOptions } from './controlplane.ts';
import { waitFor } from './http.ts';
import { makeKeys, REPO, type TestKeys } from '../product/sidecar.ts';

/** What the webhook injects: the sidecar image `npm run images` builds, which a real node runs. */
export const SIDECAR_IMAGE = 'localhost/podprof-sidecar:dev';
/** The demo app (demo/go-app: net/http/pprof on 127.0.0.1:6060), as `npm run images` builds it. */
export const APP_IMAGE = 'localhost/podprof-demo-app:dev';
export const SIDECAR = 'podprof-sidecar';

export type Run = { code: number; stdout: string; stderr: string };

/** Runs kubectl (v1.32 on PATH) from the repository root; never throws for a non-zero exit. */
export function kubectl(kubeconfig: string, args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `kubectl kustomize DIR`, parsed. */
export async function renderManifests(kubeconfig: string, dir = 'manifests/'): Promise<KubeObject[]> {
  const r = await kubectl(kubeconfig, ['kustomize', dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);
}

/** The base's MutatingWebhookConfiguration with every clientConfig.service replaced by url + caBundle. */
export function localWebhookConfiguration(objects: readonly KubeObject[], baseUrl: string, caPem: string): V1MutatingWebhookConfiguration {
  const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as V1MutatingWebhookConfiguration | undefined;
  if (mwc === undefined) throw new Error('manifests/ has no MutatingWebhookConfiguration');
  const webhooks = (mwc.webhooks ?? []).map((w) => ({
    ...w,
    clientConfig: { url: `${baseUrl}${w.clientConfig.service?.path ?? ''}`, caBundle: Buffer.from(caPem).toString('base64') },
  }));
  return { ...mwc, webhooks };
}

/** One admission review as the webhook logged it (name: generateName + "*" before the name exists). */
export type ReviewLine = { namespace: string; name: string; outcome: string; rule: string; reason: string; bytes: number };

export interface WebhookCluster {
  cp: ControlPlane;
  kc: KubeConfig;
  core: CoreV1Api;
  admission: AdmissionregistrationV1Api;
  /** Its public key is the webhook's --jwks-file; mint sidecar tokens with it. */
  keys: TestKeys;
  caPem: string;
  /** https://127.0.0.1:PORT of the webhook (same port across restarts). */
  baseUrl: string;
  manifests: KubeObject[];
  /** Every admission review the webhook logged. */
  reviews: ReviewLine[];
  stopWebhook(): Promise<void>;
  startWebhook(): Promise<void>;
  kubectl(args: readonly string[], stdin?: string): Promise<Run>;
  close(): Promise<void>;
}

function reviewSink(reviews: ReviewLine[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))) {
        const review = (JSON.parse(line) as { review?: ReviewLine }).review;
        if (review !== undefined) reviews.push(review);
      }
      cb();
    },
  });
}

export interface WebhookClusterOptions {
  /** More `podprof webhook` flags, or a function of the control plane that gives them. */
  webhookArgs?: readonly string[] | ((cp: ControlPlane) => readonly string[]);
  /** A real node too (startControlPlane's `node`). */
  node?: StartOptions['node'];
}

/** Start the control plane and the webhook, register the base's webhook configuration, wait until it answers. */
export async function startWebhookCluster(o: WebhookClusterOptions = {}): Promise<WebhookCluster> {
  const cp = await startControlPlane({ node: o.node });
  const webhookArgs = typeof o.webhookArgs === 'function' ? o.webhookArgs(cp) : (o.webhookArgs ?? []);
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const keys = makeKeys();
  const tlsDir = mkdtempSync(join(tmpdir(), 'podprof-webhook-tls-'));
  const ca = createCertificate({ commonName: 'podprof test webhook CA', isCA: true });
  const leaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'podprof test webhook CA', key: ca.key },
  });
  writeFileSync(join(tlsDir, 'tls.crt'), leaf.certPem);
  writeFileSync(join(tlsDir, 'tls.key'), leaf.keyPem, { mode: 0o600 });
  const reviews: ReviewLine[] = [];
  const log = createLogger('podprof-webhook', { destination: reviewSink(reviews), level: 'info' });
  let port = 0;
  let running: RunningWebhook | undefined;
  const start = async (): Promise<void> => {
    const argv = [
      '--listen',
      `127.0.0.1:${port}`,
      '--health-listen',
      '127.0.0.1:0',
      '--tls-cert-file',
      join(tlsDir, 'tls.crt'),
      '--tls-key-file',
      join(tlsDir, 'tls.key'),
    ];
    argv.push('--sidecar-image', SIDECAR_IMAGE, '--jwks-file', keys.jwksFile, '--namespace', 'podprof-system', ...webhookArgs);
    running = await startWebhook(parseFlags(WEBHOOK_FLAGS, argv, {}), log);
    port = running.ports.main;
  };
  const close = async (): Promise<void> => {
    await running?.close();
    await cp.stop();
    rmSync(tlsDir, { recursive: true, force: true });
    rmSync(keys.dir, { recursive: true, force: true });
  };
  try {
    await start();
    const manifests = await renderManifests(cp.kubeconfigPath);
    await admission.createMutatingWebhookConfiguration({
      body: localWebhookConfiguration(manifests, `https://127.0.0.1:${port}`, ca.certPem),
    });
    await waitUntilInjecting(core);
    const stopWebhook = async (): Promise<void> => {
      await running?.close();
      running = undefined;
    };
    return {
      cp,
      kc,
      core,
      admission,
      keys,
      caPem: ca.certPem,
      baseUrl: `https://127.0.0.1:${port}`,
      manifests,
      reviews,
      stopWebhook,
      startWebhook: start,
      kubectl: (args, stdin) => kubectl(cp.kubeconfigPath, args, stdin),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The API server loads webhook configurations asynchronously: probe with dry-run creates until one is injected. */
async function waitUntilInjecting(core: CoreV1Api): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: 'webhook-probe' } } });
  await waitFor('the webhook configuration to take effect', async () => {
    const probe = await core.createNamespacedPod({
      namespace: 'webhook-probe',
      body: deploymentPod('probe', { annotations: { 'podprof.io/inject': 'true' } }),
      dryRun: 'All',
    });
    return probe.metadata?.labels?.['podprof.io/injected'] === 'true';
  });
}

/** An app container that passes Pod Security "restricted" on its own: the demo app without its synthetic workload (~0.4 core a pod). */
export function restrictedApp(): V1Container {
  return {
    name: 'app',
    image: APP_IMAGE,
    args: ['-workload=false'],
    ports: [{ name: 'http', containerPort: 6060, protocol: 'TCP' }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/**
 * A pod as a Deployment's ReplicaSet creates it: generateName, pod-template-hash, an owner
 * reference (to a ReplicaSet that does not exist: on a real node the cluster runs without the
 * garbage collector, which would delete the pod, see gateway-cluster.ts).
 */
export function deploymentPod(
  app: string,
  o: { annotations?: Record<string, string>; labels?: Record<string, string>; name?: string; containers?: V1Container[] } = {},
): V1Pod {
  const hash = '7d9f8b6c5d';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(o.name === undefined ? { generateName: `${app}-${hash}-` } : { name: o.name }),
      labels: { app, 'pod-template-hash': hash, ...o.labels },
      annotations: o.annotations,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${app}-${hash}`,
          uid: '6a1c2f0e-1b7d-4c3e-9f1a-0d2b3c4d5e6f',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { containers: o.containers ?? [restrictedApp()], terminationGracePeriodSeconds: 5 },
  };
}

/** Every container named podprof-sidecar, regular or init. */
export function sidecarsOf(pod: V1Pod): V1Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].filter((c) => c.name === SIDECAR);
}

/** What the API server stored is an injected pod: one native sidecar first, the status annotation, the label. */
export function assertInjected(pod: V1Pod, containers: readonly string[] = ['app']): void {
  assert.equal(sidecarsOf(pod).length, 1, 'exactly one podprof-sidecar');
  const first = pod.spec?.initContainers?.[0];
  assert.deepEqual(
    { name: first?.name, restartPolicy: first?.restartPolicy, image: first?.image },
    { name: SIDECAR, restartPolicy: 'Always', image: SIDECAR_IMAGE },
  );
  assert.deepEqual(
    pod.spec?.containers.map((x) => x.name),
    containers,
  );
  assert.equal(pod.metadata?.labels?.['podprof.io/injected'], 'true');
  const status = JSON.parse(pod.metadata?.annotations?.['podprof.io/status'] ?? '{}') as Record<string, unknown>;
  assert.deepEqual(
    { ...status, version: typeof status.version },
    { version: 'string', container: SIDECAR, native: true, port: 8443, healthPort: 8081 },
  );
}

export function assertNotInjected(pod: V1Pod): void {
  assert.deepEqual(sidecarsOf(pod), []);
  assert.equal(pod.metadata?.annotations?.['podprof.io/status'], undefined);
  assert.equal(pod.metadata?.labels?.['podprof.io/injected'], undefined);
}
