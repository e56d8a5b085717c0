// The gateway against the real control plane and a real node: the webhook
// cluster of webhook-cluster.ts, whose node (node.ts: kubelet, containerd, runc)
// runs the pods the real webhook injects (the sidecar and demo app images of
// `npm run images`); the gateway's ServiceAccount, ClusterRole and binding taken
// from manifests/gateway/, a kubeconfig holding that ServiceAccount's token
// (TokenRequest API), a serving certificate for 127.0.0.1 and the node's address
// from a CA made here, and the gateway itself as a host process, in process or
// the real `podprof gateway` child. Every gateway of a cluster listens on the same
// loopback port, which the node exposes to its pods (RealNode.exposeToPods): the
// webhook injects that URL, so sidecars enroll with the gateway's own CA using the
// projected token the kubelet mounts. The gateway reaches the pods at their IPs
// through the node's veth. Every log line (gateway, pods' containers, kubelet) is
// kept, to search for secrets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ApiException, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { parseFlags } from '../../../src/config/flags.ts';
import { createLogger } from '../../../src/log.ts';
import { createCertificate } from '../../../src/tls/x509.ts';
import { GATEWAY_FLAGS } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/server.ts';
import { routable, type Target } from '../../../gateway/pods/targets.ts';
import { POD_IMAGES } from './controlplane.ts';
import { killOnExit } from './exit-hooks.ts';
import { waitFor } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import type { RealNode } from './node.ts';
import { tailNodeLogs } from './pod-logs.ts';
import { httpsRequest, type Reply } from '../net/http.ts';
import { NODE, REPO } from '../product/sidecar.ts';
import { deploymentPod, SIDECAR, sidecarsOf, startWebhookCluster, type KubeObject, type WebhookCluster } from './webhook-cluster.ts';

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

/** A pod the real node runs. */
export interface PodHandle {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The pod IP, in the node's pod network (the machine routes it through the node's veth). */
  readonly ip: string;
  /** The container's output so far, from the kubelet's log files. */
  logs(container: string): readonly string[];
  /** Waits until the sidecar says it serves the certificate it enrolled for (the gateway refuses its self-signed one before). */
  enrolled(timeoutMs?: number): Promise<void>;
  /** Deletes the pod and waits until the kubelet has stopped it and the API server forgot it. */
  stop(): Promise<void>;
}

export interface GatewayCluster extends WebhookCluster {
  readonly rbac: RbacAuthorizationV1Api;
  readonly node: RealNode;
  /** The loopback port every gateway of this cluster listens on (and the pods enroll at). */
  readonly gatewayPort: number;
  /** The gateway's identity: the ServiceAccount token in `gatewayKubeconfig`. */
  readonly gatewayToken: string;
  readonly gatewayKubeconfig: string;
  readonly tls: GatewayTls;
  /** Every line logged so far by the gateways, the pods' containers ("[ns/pod/container] …") and the kubelet ("[kubelet] …"). */
  readonly logs: string[];
  /** `podprof gateway --auth kubernetes --authz kubernetes --discovery kubernetes …` in this process (KUBECONFIG: the gateway's, unless given). */
  startGateway(extra?: readonly string[], kubeconfig?: string): Promise<RunningGateway>;
  /** The same as the real CLI (dist/, run `npm run build` first) in a child process. */
  startGatewayChild(extra?: readonly string[]): Promise<ChildGateway>;
  /** A token for a ServiceAccount (created if missing), from the TokenRequest API; audiences default to the gateway's, podprof. */
  serviceAccountToken(namespace: string, name: string, audiences?: readonly string[]): Promise<string>;
  /** A kubeconfig file for the control plane that authenticates with this token. */
  kubeconfigFor(name: string, token: string): string;
  /** A namespace, once its "default" ServiceAccount exists (pods cannot be admitted before). */
  createNamespace(name: string): Promise<void>;
  /** Create a pod of the demo app through the API server (the webhook injects it); resolves once the node runs it, Ready. */
  runInjectedPod(namespace: string, app: string): Promise<{ pod: V1Pod; handle: PodHandle }>;
  /** Waits until the stored pod runs on the node, Ready. */
  running(namespace: string, name: string, timeoutMs?: number): Promise<PodHandle>;
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

/** The gateway's certificate: for 127.0.0.1 (the tests) and the node's address (the pods). */
function makeTls(nodeIp: string): GatewayTls {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-gateway-tls-'));
  const ca = createCertificate({ commonName: 'podprof test gateway CA', isCA: true });
  const leaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1', nodeIp],
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
 * The tests make pods as a ReplicaSet would and ReplicaSets as the Deployment controller
 * would; those controllers and the garbage collector (which deletes a pod whose owner
 * does not exist) stay off. Every other controller runs.
 */
const CONTROLLERS = ['*', '-deployment-controller', '-replicaset-controller', '-garbage-collector-controller'];

async function freeLoopbackPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Control plane, node (~16 s), webhook, the gateway's RBAC and credentials; no gateway yet (startGateway). */
export async function startGatewayCluster(): Promise<GatewayCluster> {
  const port = await freeLoopbackPort();
  let tls: GatewayTls | undefined;
  const c = await startWebhookCluster({
    node: { images: POD_IMAGES, controllers: CONTROLLERS },
    webhookArgs: (cp) => {
      tls = makeTls(cp.node!.addresses.nodeIp);
      return ['--gateway-url', `https://${cp.node!.addresses.nodeIp}:${port}`, '--gateway-ca-file', tls.caFile];
    },
  });
  const node = c.cp.node!;
  const logs: string[] = [];
  const nodeLogs = tailNodeLogs({
    podLogsDir: node.layout.podLogsDir,
    kubeletLog: join(node.layout.dir, 'kubelet.log'),
    onLine: (l) => logs.push(l),
  });
  const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
  const dir = mkdtempSync(join(tmpdir(), 'podprof-gateway-kube-'));
  const running = new Set<RunningGateway>();
  const children: ChildProcess[] = [];
  const gatewayTls = tls!;

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
  const createNamespace = async (name: string): Promise<void> => {
    await c.core.createNamespace({ body: { metadata: { name } } });
    await waitFor(`the default ServiceAccount of ${name}`, () => c.core.readNamespacedServiceAccount({ namespace: name, name: 'default' }));
  };

  const handle = (pod: V1Pod): PodHandle => {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    return {
      namespace,
      name,
      uid: pod.metadata?.uid ?? '',
      ip: pod.status?.podIP ?? '',
      logs: (container) => nodeLogs.of(namespace, name, container),
      enrolled: async (timeoutMs = 30_000) => {
        await waitFor(
          `the sidecar of ${namespace}/${name} to enroll`,
          () => nodeLogs.of(namespace, name, SIDECAR).some((l) => l.includes('sidecar certificate from the gateway in use')),
          timeoutMs,
        );
      },
      async stop() {
        await c.core.deleteNamespacedPod({ namespace, name }).catch(() => undefined);
        await waitFor(
          `pod ${namespace}/${name} to be gone`,
          () =>
            c.core.readNamespacedPod({ namespace, name }).then(
              () => false,
              (err: unknown) => err instanceof ApiException && err.code === 404,
            ),
          60_000,
        );
        nodeLogs.catchUp();
      },
    };
  };
  const runningPod = async (namespace: string, name: string, timeoutMs = 120_000): Promise<PodHandle> => {
    const pod = await waitFor(
      `pod ${namespace}/${name} Running and Ready on the node`,
      async () => {
        const p = await c.core.readNamespacedPod({ namespace, name });
        const ready = p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;
        return p.status?.phase === 'Running' && ready && p.status.podIP ? p : undefined;
      },
      timeoutMs,
    );
    return handle(pod);
  };

  const kubeconfigFor = (name: string, token: string): string => {
    const path = join(dir, `kubeconfig-${name}`);
    writeKubeconfig(path, { server: c.cp.server, caFile: c.cp.caFile, tokens: { [name]: token }, currentUser: name });
    return path;
  };
  let gatewayToken: string;
  try {
    await node.exposeToPods(port);
    const ns = await c.kubectl(['apply', '-f', 'manifests/base/namespace.yaml']);
    if (ns.code !== 0) throw new Error(ns.stderr);
    await apply(gatewayRbac(c.manifests));
    gatewayToken = await serviceAccountToken(GATEWAY_NS, GATEWAY_SA, []); // for the API server itself
  } catch (err) {
    nodeLogs.stop();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(gatewayTls.dir, { recursive: true, force: true });
    throw err;
  }
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
    gatewayTls.certFile,
    '--tls-key-file',
    gatewayTls.keyFile,
    '--health-listen',
    '127.0.0.1:0',
    '--log-level',
    'debug',
    ...(extra.some((a) => a.startsWith('--listen')) ? [] : ['--listen', `127.0.0.1:${port}`]),
    ...extra,
  ];

  const cluster: GatewayCluster = {
    ...c,
    rbac,
    node,
    gatewayPort: port,
    gatewayToken,
    gatewayKubeconfig,
    tls: gatewayTls,
    get logs() {
      nodeLogs.catchUp();
      return logs;
    },
    apply,
    serviceAccountToken,
    kubeconfigFor,
    createNamespace,
    running: runningPod,
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
      // Its own process group, killed with the group; setpriv: killed too if this process is SIGKILLed.
      const child = spawn(
        '/usr/bin/setpriv',
        ['--pdeathsig', 'SIGKILL', '--', NODE, join(REPO, 'bin/podprof.mjs'), 'gateway', ...argv(extra)],
        {
          cwd: REPO,
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      const unregister = killOnExit(() => killGroup(child));
      child.once('exit', unregister);
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const childPort = await new Promise<number>((resolve, reject) => {
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
      return { child, port: childPort, url: `https://127.0.0.1:${childPort}` };
    },
    async runInjectedPod(namespace, app) {
      const pod = await c.core.createNamespacedPod({ namespace, body: deploymentPod(app, { annotations: INJECT }) });
      if (sidecarsOf(pod).length !== 1) throw new Error(`${namespace}/${pod.metadata?.generateName ?? app} was not injected`);
      return { pod, handle: await runningPod(namespace, pod.metadata?.name ?? '') };
    },
    async close() {
      for (const gw of [...running]) await gw.close();
      for (const child of children) killGroup(child);
      nodeLogs.stop();
      await c.close(); // the node's stop sweeps every pod
      rmSync(dir, { recursive: true, force: true });
      rmSync(gatewayTls.dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
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
