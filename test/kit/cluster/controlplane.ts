// A real Kubernetes control plane (etcd + kube-apiserver, built from source by
// build.sh) on 127.0.0.1 for tests. By default no controller-manager, scheduler or
// kubelet: pods stay Pending, namespaces deleted stay Terminating, no GC.
// With { node: true } a real node joins (node.ts): kube-controller-manager,
// kube-scheduler, and containerd + kube-proxy + a kubelet in a network namespace.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, caFilePath, type ApiServerConfig } from './apiserver.ts';
import { findBinaries, nodeBinaries } from './binaries.ts';
import { nodeAddresses } from './node-config.ts';
import { claimNodeIndex, deleteNodeNetwork } from './node-net.ts';
import { writeKubeletClientPki } from './node-pki.ts';
import { NODE_USERS, startNode, type NodeComponent, type RealNode } from './node.ts';
import { etcdUrl as etcdUrlOf, startEtcd } from './etcd.ts';
import { killOnExit } from './exit-hooks.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { randomToken, writeServiceAccountKeys, writeTokenFile, type TestUser } from './pki.ts';
import { freePorts } from './ports.ts';
import type { ManagedProcess } from './proc.ts';
import { cleanupStale, DATA_DIR_PREFIX, writePidFile } from './stale.ts';

export type { TestUser } from './pki.ts';

export interface ControlPlane {
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  caFile: string;
  adminToken: string;
  /** Test users (not admin): name -> token and groups. */
  users: Record<string, TestUser>;
  dataDir: string;
  etcdUrl: string;
  pids(): { etcd: number; kubeApiServer: number };
  /** The real node, when started with { node: true }. */
  node?: RealNode;
  stop(): Promise<void>;
  /** Stops and starts kube-apiserver only (same port, certs and etcd data). */
  restartApiServer(): Promise<void>;
}

export interface StartOptions {
  /** Defaults to a fresh ${os.tmpdir()}/podprof-cp-XXXXXX. Removed by stop() if we created it. */
  dataDir?: string;
  log?: (line: string) => void;
  /** name -> groups; default DEFAULT_TEST_USERS. The admin user (system:masters) is always added. */
  users?: Record<string, string[]>;
  /** Keep the ServiceAccount admission plugin on (see apiserver.ts). */
  serviceAccountAdmission?: boolean;
  extraApiServerArgs?: string[];
  /** Processes survive this Node process (used by cli.ts `up`); stop() still works. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /**
   * Start a real node too (node.ts), with these images from podman's store (default NODE_IMAGES)
   * and kube-controller-manager's --controllers (default all).
   */
  node?: boolean | { images: readonly string[]; controllers?: readonly string[] };
}

/** What `npm run images` builds: imported into a real node unless it is given its own list. */
export const NODE_IMAGES = [
  'localhost/podprof-pause:dev',
  'localhost/podprof-sidecar:dev',
  'localhost/podprof-webhook:dev',
  'localhost/podprof-gateway:dev',
  'localhost/podprof-demo-app:dev',
] as const;

/** What a node needs to run injected pods of the demo app: the sandbox, the sidecar and the app. */
export const POD_IMAGES = ['localhost/podprof-pause:dev', 'localhost/podprof-sidecar:dev', 'localhost/podprof-demo-app:dev'] as const;

export const ADMIN_USER = 'admin';
export const DEFAULT_TEST_USERS: Readonly<Record<string, string[]>> = {
  alice: ['team-a'],
  bob: ['team-b'],
  carol: [],
};

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log;
  await cleanupStale(log);
  const withNode = opts.node !== undefined && opts.node !== false;
  const bins = await findBinaries(log, { node: withNode });

  const ownDir = opts.dataDir === undefined || !existsSync(opts.dataDir);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), DATA_DIR_PREFIX));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const removeDir = (): void => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const unregisterDir = opts.detached || !ownDir ? () => {} : killOnExit(() => {}, dataDir);

  const [clientPort, peerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  const server = `https://127.0.0.1:${apiPort}`;
  const adminToken = randomToken();
  const users: Record<string, TestUser> = {};
  for (const [name, groups] of Object.entries(opts.users ?? DEFAULT_TEST_USERS)) {
    users[name] = { token: randomToken(), groups: [...groups] };
  }
  const nodeAddr = withNode ? nodeAddresses(claimNodeIndex()) : undefined;
  const kubeletPki = withNode ? writeKubeletClientPki(dataDir) : undefined;
  const nodeTokens = Object.fromEntries(Object.keys(NODE_USERS).map((c) => [c, randomToken()])) as Record<NodeComponent, string>;
  const componentUsers = withNode
    ? Object.fromEntries(
        (Object.keys(NODE_USERS) as NodeComponent[]).map((c) => [
          NODE_USERS[c].name,
          { token: nodeTokens[c], groups: [...NODE_USERS[c].groups] },
        ]),
      )
    : {};
  const tokenFile = join(dataDir, 'tokens.csv');
  writeTokenFile(tokenFile, { [ADMIN_USER]: { token: adminToken, groups: ['system:masters'] }, ...users, ...componentUsers });
  const sa = writeServiceAccountKeys(dataDir);
  let node: RealNode | undefined;

  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  const recordPids = (): void =>
    writePidFile(dataDir, {
      ownerPid: opts.detached ? null : process.pid,
      processes: [
        ...(etcd ? [{ name: 'etcd', pid: etcd.pid, bin: bins.etcd }] : []),
        ...(apiserver ? [{ name: 'kube-apiserver', pid: apiserver.pid, bin: bins.kubeApiServer }] : []),
        ...(node?.processes() ?? []),
      ],
    });
  const apiCfg: ApiServerConfig = {
    bin: bins.kubeApiServer,
    dataDir,
    etcdUrl: etcdUrlOf({ clientPort }),
    port: apiPort,
    tokenFile,
    saPublicKeyFile: sa.publicKeyFile,
    saPrivateKeyFile: sa.privateKeyFile,
    // A real node has a controller-manager making each namespace's "default" ServiceAccount.
    serviceAccountAdmission: withNode || opts.serviceAccountAdmission,
    node: kubeletPki &&
      nodeAddr && {
        advertiseAddress: nodeAddr.nodeIp,
        kubeletClientCertFile: kubeletPki.certFile,
        kubeletClientKeyFile: kubeletPki.keyFile,
      },
    extraArgs: opts.extraApiServerArgs,
    detached: opts.detached,
    log,
  };
  const ready = { server, token: adminToken, timeoutMs: opts.readyTimeoutMs };
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  const tokens: Record<string, string> = { [ADMIN_USER]: adminToken };
  for (const [name, u] of Object.entries(users)) tokens[name] = u.token;

  try {
    recordPids();
    etcd = await startEtcd({ bin: bins.etcd, dataDir, clientPort, peerPort, detached: opts.detached, log });
    recordPids();
    apiserver = await startApiServer(apiCfg, ready);
    recordPids();
    writeKubeconfig(kubeconfigPath, { server, caFile: caFilePath(dataDir), tokens, currentUser: ADMIN_USER });
    if (nodeAddr && kubeletPki) {
      node = await startNode({
        bins: nodeBinaries(bins.binDir),
        dataDir,
        addresses: nodeAddr,
        apiPort,
        caFile: caFilePath(dataDir),
        adminKubeconfig: kubeconfigPath,
        tokens: nodeTokens,
        saPrivateKeyFile: sa.privateKeyFile,
        kubeletClientCaFile: kubeletPki.caFile,
        images: typeof opts.node === 'object' ? opts.node.images : NODE_IMAGES,
        controllers: typeof opts.node === 'object' ? opts.node.controllers : undefined,
        detached: opts.detached,
        log,
      });
      recordPids();
    }
  } catch (err) {
    if (nodeAddr && !node) deleteNodeNetwork(nodeAddr); // the claimed index, whatever startNode left
    await apiserver?.stop(2000);
    await etcd?.stop(2000);
    removeDir();
    unregisterDir();
    throw err;
  }

  return {
    kubeconfigPath,
    server,
    caFile: caFilePath(dataDir),
    adminToken,
    users,
    dataDir,
    etcdUrl: apiCfg.etcdUrl,
    // kubeApiServer is 0 while a restartApiServer() is in progress (or failed).
    pids: () => ({ etcd: etcd?.pid ?? 0, kubeApiServer: apiserver?.pid ?? 0 }),
    node,
    async stop() {
      await node?.stop();
      await apiserver?.stop();
      await etcd?.stop();
      removeDir();
      unregisterDir();
    },
    async restartApiServer() {
      await apiserver?.stop();
      apiserver = undefined;
      recordPids();
      apiserver = await startApiServer(apiCfg, ready);
      recordPids();
    },
  };
}
