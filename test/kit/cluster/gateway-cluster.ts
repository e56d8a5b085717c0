// The gateway against the real control plane: the webhook cluster of
// webhook-cluster.ts (so pods are injected by the real webhook), the gateway's
// ServiceAccount, ClusterRole and binding taken from manifests/gateway/, a
// kubeconfig holding that ServiceAccount's token (TokenRequest API), a serving
// certificate for 127.0.0.1 from a CA made here, and the gateway itself, in
// process or as the real `podprof gateway` child. Every log line (gateway,
// pods' containers, kubelet) is kept, to search for secrets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { parseFlags } from '../../../src/config/flags.ts';
import { createLogger } from '../../../src/log.ts';
import { createCertificate } from '../../../src/tls/x509.ts';
import { GATEWAY_FLAGS } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/server.ts';
import { routable, type Target } from '../../../gateway/pods/targets.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ProcessKubelet, type PodHandle } from './kubelet.ts';
import { waitFor } from './pod-specs.ts';
import { httpsRequest, type Reply } from '../net/http.ts';
import { NODE, REPO } from '../product/sidecar.ts';
import { testSidecarCa } from '../product/sidecar-ca.ts';
import { deploymentPod, sidecarsOf, startWebhookCluster, type KubeObject, type WebhookCluster } from './webhook-cluster.ts';

export const GATEWAY_NS = 'podprof-system';
export const GATEWAY_SA = 'podprof-gateway';
export const INJECT = { 'podprof.io/inject': 'true' } as const;

export interface GatewayTls {
  readonly dir: string;
  /** The CA that signed the gateway's certificate (for SSL_CERT_FILE). */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ChildGateway {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
}

export interface GatewayCluster extends WebhookCluster {
  readonly rbac: RbacAuthorizationV1Api;
  readonly kubelet: ProcessKubelet;
  /** The gateway's identity: the ServiceAccount token in `gatewayKubeconfig`. */
  readonly gatewayToken: string;
  readonly gatewayKubeconfig: string;
  readonly tls: GatewayTls;
  /** Every line logged by the gateway, the pods' containers and the kubelet stand-in. */
  readonly logs: string[];
  /** `podprof gateway --auth kubernetes --authz kubernetes --discovery kubernetes …` in this process (KUBECONFIG: the gateway's, unless given). */
  startGateway(extra?: readonly string[], kubeconfig?: string): Promise<RunningGateway>;
  /** The same as the real CLI (dist/, run `npm run build` first) in a child process. */
  startGatewayChild(extra?: readonly string[]): Promise<ChildGateway>;
  /** A token for a ServiceAccount (created if missing), from the TokenRequest API; audiences default to the gateway's, podprof. */
  serviceAccountToken(namespace: string, name: string, audiences?: readonly string[]): Promise<string>;
  /** A kubeconfig file for the control plane that authenticates with this token. */
  kubeconfigFor(name: string, token: string): string;
  /** Create a pod through the API server (the webhook injects it) and run it with the kubelet stand-in. */
  runInjectedPod(namespace: string, app: string): Promise<{ pod: V1Pod; handle: PodHandle }>;
  /** Objects applied with kubectl (namespaced ones need metadata.namespace). */
  apply(objects: readonly object[]): Promise<void>;
}

/** A Writable that splits what it gets into lines and keeps them. */
export function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
}

function makeTls(): GatewayTls {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-gateway-tls-'));
  const ca = createCertificate({ commonName: 'podprof test gateway CA', isCA: true });
  const leaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    issuer: { commonName: 'podprof test gateway CA', key: ca.key },
  });
  const tls = { dir, caFile: join(dir, 'ca.pem'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  writeFileSync(tls.caFile, ca.certPem);
  writeFileSync(tls.certFile, leaf.certPem);
  writeFileSync(tls.keyFile, leaf.keyPem, { mode: 0o600 });
  return tls;
}

/** The gateway's RBAC objects exactly as manifests/ renders them. */
export function gatewayRbac(manifests: readonly KubeObject[]): KubeObject[] {
  const wanted = [
    ['ServiceAccount', GATEWAY_SA],
    ['ClusterRole', GATEWAY_SA],
    ['ClusterRoleBinding', GATEWAY_SA],
  ];
  return wanted.map(([kind, name]) => {
    const o = manifests.find((m) => m.kind === kind && m.metadata.name === name);
    if (o === undefined) throw new Error(`manifests/ renders no ${kind} ${name}`);
    return o;
  });
}

/**
 * `enrollOn`: a loopback port for the gateway; the webhook then injects
 * --gateway-url for it, so sidecars enroll with the gateway's own CA (no test
 * sidecar CA), with the projected token the kubelet stand-in makes.
 */
export async function startGatewayCluster(o: { enrollOn?: number } = {}): Promise<GatewayCluster> {
  const tls = makeTls();
  const c = await startWebhookCluster({
    webhookArgs: o.enrollOn === undefined ? [] : ['--gateway-url', `https://127.0.0.1:${o.enrollOn}`, '--gateway-ca-file', tls.caFile],
  });
  const logs: string[] = [];
  const kubelet = new ProcessKubelet({ cp: c.cp, log: (l) => logs.push(l) });
  const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
  const dir = mkdtempSync(join(tmpdir(), 'podprof-gateway-kube-'));
  const running = new Set<RunningGateway>();
  const children: ChildProcess[] = [];

  const apply = async (objects: readonly object[]): Promise<void> => {
    const r = await c.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
  };
  const serviceAccountToken = async (namespace: string, name: string, audiences: readonly string[] = ['podprof']): Promise<string> => {
    await c.core
      .readNamespacedServiceAccount({ namespace, name })
      .catch(() => c.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }));
    const tr = await c.core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [...audiences], expirationSeconds: 3600 } },
    });
    const token = tr.status?.token;
    if (!token) throw new Error(`no token for ${namespace}/${name}`);
    return token;
  };

  const ns = await c.kubectl(['apply', '-f', 'manifests/base/namespace.yaml']);
  if (ns.code !== 0) throw new Error(ns.stderr);
  await apply(gatewayRbac(c.manifests));
  const gatewayToken = await serviceAccountToken(GATEWAY_NS, GATEWAY_SA, []); // for the API server itself
  const kubeconfigFor = (name: string, token: string): string => {
    const path = join(dir, `kubeconfig-${name}`);
    writeKubeconfig(path, { server: c.cp.server, caFile: c.cp.caFile, tokens: { [name]: token }, currentUser: name });
    return path;
  };
  const gatewayKubeconfig = kubeconfigFor(GATEWAY_SA, gatewayToken);

  const argv = (extra: readonly string[]): string[] => [
    '--auth',
    'kubernetes',
    '--authz',
    'kubernetes',
    '--discovery',
    'kubernetes',
    '--signing-key-file',
    c.keys.keyFile,
    '--store-dir',
    dir,
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    ...(extra.includes('--sidecar-ca-file') || o.enrollOn !== undefined ? [] : ['--sidecar-ca-file', testSidecarCa().caFile]),
    '--health-listen',
    '127.0.0.1:0',
    '--log-level',
    'debug',
    ...(extra.some((a) => a.startsWith('--listen')) ? [] : ['--listen', `127.0.0.1:${o.enrollOn ?? 0}`]),
    ...extra,
  ];

  return {
    ...c,
    rbac,
    kubelet,
    gatewayToken,
    gatewayKubeconfig,
    tls,
    logs,
    apply,
    serviceAccountToken,
    kubeconfigFor,
    async startGateway(extra = [], kubeconfig = gatewayKubeconfig) {
      // The kubernetes modes load the kubeconfig the way a pod or a laptop does: KUBECONFIG.
      process.env.KUBECONFIG = kubeconfig;
      const gw = await startGateway(
        parseFlags(GATEWAY_FLAGS, argv(extra), {}),
        createLogger('podprof-gateway', { destination: lineSink(logs), level: 'debug' }),
      );
      const tracked: RunningGateway = {
        ...gw,
        close: async () => {
          running.delete(tracked);
          await gw.close();
        },
      };
      running.add(tracked);
      return tracked;
    },
    async startGatewayChild(extra = []) {
      const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', KUBECONFIG: gatewayKubeconfig };
      const child = spawn(NODE, [join(REPO, 'bin/podprof.mjs'), 'gateway', ...argv(extra)], {
        cwd: REPO,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const port = await new Promise<number>((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => reject(new Error(`podprof gateway did not start: ${stderr}`)), 20_000);
        child.stdout.on('data', (b: Buffer) => {
          buf += b.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) {
            logs.push(l);
            const m = /"port":(\d+),"healthPort":\d+/.exec(l);
            if (m) {
              clearTimeout(timer);
              resolve(Number(m[1]));
            }
          }
        });
        child.once('exit', (code, signal) => reject(new Error(`podprof gateway exited (${code ?? signal}): ${stderr}`)));
      });
      return { child, port, url: `https://127.0.0.1:${port}` };
    },
    async runInjectedPod(namespace, app) {
      const pod = await c.core.createNamespacedPod({ namespace, body: deploymentPod(app, { annotations: INJECT }) });
      if (sidecarsOf(pod).length !== 1) throw new Error(`${namespace}/${pod.metadata?.generateName ?? app} was not injected`);
      const handle = await kubelet.run(namespace, pod.metadata?.name ?? '');
      return { pod, handle };
    },
    async close() {
      for (const gw of [...running]) await gw.close();
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await kubelet.stopAll();
      await c.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the gateway routes to namespace/name (known, with an IP, pod and sidecar ready). */
export function waitRoutable(gw: RunningGateway, namespace: string, name: string, timeoutMs = 15_000): Promise<Target> {
  return waitFor(
    `the gateway to route to ${namespace}/${name}`,
    () => {
      const t = gw.context.registry.get(namespace, name);
      return t !== undefined && routable(t) ? t : undefined;
    },
    timeoutMs,
  );
}

/** GET (or another method) on the gateway with an optional bearer token. */
export function call(
  base: string,
  path: string,
  o: { token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  return httpsRequest(`${base}${path}`, {
    method: o.method ?? 'GET',
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
}

export const pprofPath = (namespace: string, pod: string, type: string, query = ''): string =>
  `/api/v1/namespaces/${namespace}/pods/${pod}/debug/pprof/${type}${query}`;
