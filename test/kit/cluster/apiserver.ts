// kube-apiserver on loopback, in the spirit of controller-runtime's envtest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, pollUntil } from './http.ts';
import { extractSelfSignedCa } from './pki.ts';
import { spawnManaged, type ManagedProcess } from './proc.ts';

/** The ClusterIPs the API server allocates (--service-cluster-ip-range). */
export const SERVICE_CIDR = '10.0.0.0/24';

export interface ApiServerConfig {
  bin: string;
  dataDir: string;
  etcdUrl: string;
  port: number;
  tokenFile: string;
  saPublicKeyFile: string;
  saPrivateKeyFile: string;
  /** Keep the ServiceAccount admission plugin (then create a "default" SA per namespace yourself). */
  serviceAccountAdmission?: boolean;
  extraArgs?: string[];
  /** A real node joins (node.ts): the API server is advertised on the node's link, authorizes kubelets, reaches them and webhook pods. */
  node?: { advertiseAddress: string; kubeletClientCertFile: string; kubeletClientKeyFile: string };
  detached?: boolean;
  log?: (line: string) => void;
}

export const certDir = (dataDir: string): string => join(dataDir, 'apiserver-certs');
export const caFilePath = (dataDir: string): string => join(dataDir, 'ca.crt');

export function apiServerArgs(c: ApiServerConfig): string[] {
  const args = [
    `--etcd-servers=${c.etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--advertise-address=${c.node?.advertiseAddress ?? '127.0.0.1'}`,
    `--secure-port=${c.port}`,
    // No --tls-cert-file: the apiserver self-signs a CA + serving cert into
    // cert-dir (apiserver.crt = serving cert + CA). Kept across restarts.
    `--cert-dir=${certDir(c.dataDir)}`,
    // Only used to allocate ClusterIPs; nothing listens there and the
    // apiserver never dials them unless a webhook/APIService uses a `service:`
    // reference — test webhooks must use `url: https://127.0.0.1:PORT/...`.
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--service-account-issuer=https://127.0.0.1:${c.port}`,
    // The static token users (alice, bob, …) are audience-agnostic: a TokenReview
    // for audience "podprof" (the gateway's) accepts them only when the API
    // server lists it among its own audiences, as a cluster with such users must.
    `--api-audiences=https://127.0.0.1:${c.port},podprof`,
    `--service-account-key-file=${c.saPublicKeyFile}`,
    `--service-account-signing-key-file=${c.saPrivateKeyFile}`,
    `--token-auth-file=${c.tokenFile}`,
    `--authorization-mode=${c.node ? 'Node,RBAC' : 'RBAC'}`,
    // These three are default-on already; listed so that a change of defaults cannot silently drop them.
    `--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook,PodSecurity${c.node ? ',NodeRestriction' : ''}`,
    '--allow-privileged=true',
  ];
  if (c.node) {
    args.push(
      // The "kubernetes" Service points at the node's end of the link, where a bridge forwards to this loopback port.
      '--endpoint-reconciler-type=lease',
      // Webhook Services are called at their endpoints (pod IPs, routed over the node's link), not ClusterIPs.
      '--enable-aggregator-routing=true',
      `--kubelet-client-certificate=${c.node.kubeletClientCertFile}`,
      `--kubelet-client-key=${c.node.kubeletClientKeyFile}`,
      '--kubelet-preferred-address-types=InternalIP',
    );
  } else {
    // The "kubernetes" Service endpoints reconciler would write 127.0.0.1,
    // which Endpoints validation rejects (loopback), logging an error every
    // 10s. Nothing in-cluster needs that Service here.
    args.push('--endpoint-reconciler-type=none');
  }
  if (!c.serviceAccountAdmission) {
    // No kube-controller-manager runs, so nothing creates the "default"
    // ServiceAccount in new namespaces, and the ServiceAccount admission plugin
    // would reject every pod ("serviceaccount \"default\" not found"). envtest
    // disables it for the same reason. Side effect: pods get no
    // serviceAccountName default and no projected token volume.
    args.push('--disable-admission-plugins=ServiceAccount');
  }
  return [...args, ...(c.extraArgs ?? [])];
}

export interface ReadyOptions {
  server: string;
  caFile: string;
  token: string;
  timeoutMs?: number;
}

export async function startApiServer(c: ApiServerConfig, ready: Omit<ReadyOptions, 'caFile'>): Promise<ManagedProcess> {
  const proc = spawnManaged({
    name: 'kube-apiserver',
    bin: c.bin,
    args: apiServerArgs(c),
    detached: c.detached,
    logFile: join(c.dataDir, 'kube-apiserver.log'),
    log: c.log,
  });
  try {
    await waitApiServerReady(proc, c.dataDir, { ...ready, caFile: caFilePath(c.dataDir) });
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return proc;
}

async function waitApiServerReady(proc: ManagedProcess, dataDir: string, r: ReadyOptions): Promise<void> {
  const url = `${r.server}/readyz`;
  await pollUntil({
    probe: async () => {
      if (!existsSync(r.caFile)) {
        const ca = extractSelfSignedCa(join(certDir(dataDir), 'apiserver.crt'));
        if (ca === undefined) return false;
        writeFileSync(r.caFile, ca);
      }
      const res = await httpGet(url, { ca: readFileSync(r.caFile), token: r.token, timeoutMs: 5000 });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(-500)}`);
      return true;
    },
    timeoutMs: r.timeoutMs ?? 90_000,
    intervalMs: 250,
    abort: () => {
      const info = proc.exitInfo();
      return info === undefined ? undefined : new Error(`${info}\n--- kube-apiserver log tail ---\n${proc.logTail()}`);
    },
    describe: (last) =>
      `kube-apiserver not ready at ${url} after ${r.timeoutMs ?? 90_000}ms: ${last}\n` +
      `--- kube-apiserver log tail ---\n${proc.logTail()}`,
  });
}
