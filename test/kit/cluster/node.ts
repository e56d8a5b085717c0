// A real one-node Kubernetes on this machine, joined to the control plane of
// controlplane.ts: kube-controller-manager and kube-scheduler beside the API
// server, and containerd (runc, CNI bridge), kube-proxy and a kubelet inside a
// network namespace the harness makes (node-net.ts). All built from source by
// build.sh --node; podprof's images are imported from podman (npm run images).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NodeBinaries } from './binaries.ts';
import { killOnExit } from './exit-hooks.ts';
import { pollUntil } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import {
  cniConflist,
  containerdConfig,
  COREDNS_RULES,
  corefile,
  kubeletConfig,
  NODE_NAME,
  nodeLayout,
  type NodeAddresses,
  type NodeLayout,
} from './node-config.ts';
import { createNodeNetwork, hostNetnsPath, netnsPath } from './node-net.ts';
import { KUBELET_CLIENT_USER } from './node-pki.ts';
import { createCgroupRoots, sweepNode } from './node-sweep.ts';
import { freePorts } from './ports.ts';
import { spawnManaged, type ManagedProcess } from './proc.ts';

const execFileP = promisify(execFile);

/** The identities of the node's components, as static tokens the control plane knows (controlplane.ts). */
export const NODE_USERS = {
  kubelet: { name: `system:node:${NODE_NAME}`, groups: ['system:nodes'] },
  kubeProxy: { name: 'system:kube-proxy', groups: [] },
  controllerManager: { name: 'system:kube-controller-manager', groups: [] },
  scheduler: { name: 'system:kube-scheduler', groups: [] },
  coreDns: { name: 'podprof-test:coredns', groups: [] },
} as const;
export type NodeComponent = keyof typeof NODE_USERS;

export interface NodeInput {
  bins: NodeBinaries;
  dataDir: string;
  addresses: NodeAddresses;
  apiPort: number;
  caFile: string;
  adminKubeconfig: string;
  tokens: Record<NodeComponent, string>;
  saPrivateKeyFile: string;
  kubeletClientCaFile: string;
  /** Image tags in podman's store to import into the node's containerd (the pause image among them). */
  images: readonly string[];
  /** kube-controller-manager's --controllers (default: all of them, `*`). */
  controllers?: readonly string[];
  detached?: boolean;
  log?: (line: string) => void;
}

export interface RealNode {
  name: string;
  addresses: NodeAddresses;
  layout: NodeLayout;
  /** The running processes, for pid files. */
  processes(): { name: string; pid: number; bin: string }[];
  /**
   * The machine's loopback port `port` made reachable from the node and its pods at
   * nodeIp:port (a socat in the node's namespace, as for the API server); resolves
   * once it listens. For a host process the pods must call, such as a gateway they enroll with.
   */
  exposeToPods(port: number): Promise<string>;
  /** Stops the kubelet first (pods are left to the sweep), then everything else; removes every trace. */
  stop(): Promise<void>;
}

const RUNC = '/usr/sbin/runc';

export async function startNode(n: NodeInput): Promise<RealNode> {
  const a = n.addresses;
  const l = nodeLayout(n.dataDir, a.index);
  for (const d of [l.dir, l.containerdRoot, l.containerdState, l.cniConfDir, l.cniDataDir, l.kubeletRoot, l.podLogsDir])
    mkdirSync(d, { recursive: true, mode: 0o700 });
  const server = `https://127.0.0.1:${n.apiPort}`;
  const kubeconfigs = {} as Record<NodeComponent, string>;
  for (const c of Object.keys(NODE_USERS) as NodeComponent[]) {
    kubeconfigs[c] = join(l.dir, `${c}.kubeconfig`);
    writeKubeconfig(kubeconfigs[c], { server, caFile: n.caFile, tokens: { [c]: n.tokens[c] }, currentUser: c });
  }
  const [kubeletHealthz, proxyHealthz, proxyMetrics] = (await freePorts(3)) as [number, number, number];
  writeFileSync(join(l.dir, 'containerd.toml'), containerdConfig(l, RUNC));
  writeFileSync(join(l.cniConfDir, '10-podprof.conflist'), JSON.stringify(cniConflist(a, l), null, 2));
  writeFileSync(l.kubeletConfig, JSON.stringify(kubeletConfig(a, l, n.kubeletClientCaFile, kubeletHealthz), null, 2));

  // The API server may call the kubelet (port-forward, logs) as the user of its client certificate;
  // CoreDNS reads Services and their endpoints.
  await kubectlApply(n.adminKubeconfig, [
    clusterRoleBinding('podprof-test:apiserver-kubelet-admin', 'system:kubelet-api-admin', KUBELET_CLIENT_USER),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'podprof-test:coredns' }, rules: COREDNS_RULES },
    clusterRoleBinding('podprof-test:coredns', 'podprof-test:coredns', NODE_USERS.coreDns.name),
  ]);
  writeFileSync(join(l.dir, 'Corefile'), corefile(a, kubeconfigs.coreDns));

  createNodeNetwork(a);
  createCgroupRoots(l);
  const unregisterSweep = n.detached ? () => {} : killOnExit(() => sweepNode(a, l));
  // A SIGKILLed test process runs no exit hook: the reaper sweeps the node then.
  const reaper = n.detached ? undefined : startReaper(a, n.dataDir);
  const procs: { proc: ManagedProcess; bin: string }[] = [];
  const logs: WriteStream[] = [];
  const start = (name: string, bin: string, args: string[], o: { inNode?: boolean; env?: Record<string, string> } = {}): ManagedProcess => {
    const logFile = join(l.dir, `${name}.log`);
    const file = n.detached ? undefined : createWriteStream(logFile, { flags: 'a' });
    if (file) logs.push(file);
    const proc = spawnManaged({
      name,
      // nsenter enters the node's network namespace only (not a mount namespace: the
      // kubelet's volume mounts must be the ones containerd and runc see), then execs.
      bin: o.inNode ? '/usr/bin/nsenter' : bin,
      args: o.inNode ? [`--net=${netnsPath(a)}`, '--', bin, ...args] : args,
      env: o.env,
      detached: n.detached,
      logFile,
      log: (line) => {
        file?.write(line + '\n');
        n.log?.(line);
      },
    });
    procs.push({ proc, bin });
    return proc;
  };
  // A loopback port of the machine, from inside the node: each connection is a socat
  // in the node's namespace talking to one in the machine's.
  const bridge = (name: string, port: number, bind?: string): ManagedProcess =>
    start(
      name,
      '/usr/bin/socat',
      [
        `TCP-LISTEN:${port},fork,reuseaddr${bind === undefined ? '' : `,bind=${bind}`}`,
        `EXEC:nsenter --net=${hostNetnsPath(a)} socat STDIO TCP\\:127.0.0.1\\:${port}`,
      ],
      { inNode: true },
    );
  const stopAll = async (): Promise<void> => {
    for (const { proc } of [...procs].reverse()) await proc.stop(proc.name === 'kubelet' ? 5000 : 3000);
    sweepNode(a, l);
    unregisterSweep();
    reaper?.kill('SIGTERM');
    for (const f of logs) f.end();
  };

  try {
    // The API server, at its loopback port, from inside the node.
    bridge('apiserver-bridge', n.apiPort);
    start('kube-controller-manager', n.bins['kube-controller-manager'], [
      `--kubeconfig=${kubeconfigs.controllerManager}`,
      '--secure-port=0',
      '--leader-elect=false',
      `--root-ca-file=${n.caFile}`,
      `--service-account-private-key-file=${n.saPrivateKeyFile}`,
      '--cluster-name=podprof-test',
      ...(n.controllers === undefined ? [] : [`--controllers=${n.controllers.join(',')}`]),
      // Each controller as its own ServiceAccount with its system:controller:* role, as kubeadm runs it.
      '--use-service-account-credentials=true',
    ]);
    start('kube-scheduler', n.bins['kube-scheduler'], [`--kubeconfig=${kubeconfigs.scheduler}`, '--secure-port=0', '--leader-elect=false']);
    const containerd = start('containerd', n.bins.containerd, ['--config', join(l.dir, 'containerd.toml')], {
      inNode: true,
      env: { PATH: `${join(n.bins.containerd, '..')}:/usr/sbin:/usr/bin:/sbin:/bin` },
    });
    await pollUntil({
      probe: async () =>
        await ctr(n.bins.ctr, l, ['version']).then(
          () => true,
          () => false,
        ),
      timeoutMs: 60_000,
      intervalMs: 200,
      abort: () => (containerd.exitInfo() ? new Error(`${containerd.exitInfo()}\n${containerd.logTail()}`) : undefined),
      describe: () => `containerd did not answer on ${l.containerdSocket}:\n${containerd.logTail()}`,
    });
    await loadImages(n.bins.ctr, l, n.images);
    start(
      'kube-proxy',
      n.bins['kube-proxy'],
      [
        `--kubeconfig=${kubeconfigs.kubeProxy}`,
        `--hostname-override=${NODE_NAME}`,
        `--cluster-cidr=${a.podCidr}`,
        '--proxy-mode=iptables',
        '--oom-score-adj=0', // not -999: that needs CAP_SYS_RESOURCE
        // This machine's conntrack settings are its own: leave them as they are.
        '--conntrack-max-per-core=0',
        '--conntrack-tcp-timeout-established=0',
        '--conntrack-tcp-timeout-close-wait=0',
        `--healthz-bind-address=127.0.0.1:${proxyHealthz}`,
        `--metrics-bind-address=127.0.0.1:${proxyMetrics}`,
      ],
      { inNode: true },
    );
    start('coredns', n.bins.coredns, ['-conf', join(l.dir, 'Corefile')], { inNode: true });
    const kubelet = start(
      'kubelet',
      n.bins.kubelet,
      [
        `--config=${l.kubeletConfig}`,
        `--kubeconfig=${kubeconfigs.kubelet}`,
        `--root-dir=${l.kubeletRoot}`,
        `--cert-dir=${join(l.dir, 'kubelet-pki')}`,
        `--hostname-override=${NODE_NAME}`,
        `--node-ip=${a.nodeIp}`,
      ],
      { inNode: true },
    );
    await pollUntil({
      probe: async () =>
        (await kubectl(n.adminKubeconfig, [
          'get',
          'node',
          NODE_NAME,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]).catch(() => '')) === 'True',
      timeoutMs: 120_000,
      intervalMs: 500,
      abort: () => {
        const dead = procs.find(({ proc }) => proc.exitInfo() !== undefined);
        return dead ? new Error(`${dead.proc.exitInfo()}\n${dead.proc.logTail()}`) : undefined;
      },
      describe: () => `node ${NODE_NAME} not Ready after 120 s\n--- kubelet ---\n${kubelet.logTail()}`,
    });
    // The controller-manager makes each namespace's "default" ServiceAccount; wait for the first.
    await pollUntil({
      probe: async () =>
        (await kubectl(n.adminKubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']).catch(() => '')) !== '',
      timeoutMs: 60_000,
      intervalMs: 250,
      describe: () => 'no default ServiceAccount after 60 s (kube-controller-manager)',
    });
  } catch (err) {
    await stopAll();
    throw err;
  }

  return {
    name: NODE_NAME,
    addresses: a,
    layout: l,
    processes: () => procs.map(({ proc, bin }) => ({ name: proc.name, pid: proc.pid, bin })),
    async exposeToPods(port) {
      const proc = bridge(`bridge-${port}`, port, a.nodeIp);
      await pollUntil({
        probe: () => Promise.resolve(listening(a, port)),
        timeoutMs: 10_000,
        intervalMs: 50,
        abort: () => (proc.exitInfo() ? new Error(`${proc.exitInfo()}\n${proc.logTail()}`) : undefined),
        describe: () => `nothing listens on ${a.nodeIp}:${port} in the node`,
      });
      return `${a.nodeIp}:${port}`;
    },
    stop: stopAll,
  };
}

/** Does a socket listen on TCP `port` in the node's namespace? */
function listening(a: NodeAddresses, port: number): boolean {
  const r = spawnSync('ip', ['netns', 'exec', a.netns, 'ss', '-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function startReaper(a: NodeAddresses, dataDir: string): ChildProcess {
  const script = fileURLToPath(new URL('./node-reaper.ts', import.meta.url));
  const repo = fileURLToPath(new URL('../../../', import.meta.url)); // where --import tsx resolves
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(process.pid), String(a.index), dataDir], {
    cwd: repo,
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

function clusterRoleBinding(name: string, role: string, user: string): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
}

async function kubectlApply(kubeconfig: string, objects: Record<string, unknown>[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`kubectl apply: ${stderr}`)) : resolve(),
    );
    child.stdin?.end(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  });
}

async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
  return stdout.trim();
}

function ctr(bin: string, l: NodeLayout, args: string[]): Promise<{ stdout: string }> {
  return execFileP(bin, ['--address', l.containerdSocket, '--namespace', 'k8s.io', ...args], { timeout: 300_000, maxBuffer: 16 << 20 });
}

/** podman save (one docker archive for all tags) → ctr images import, unpacked for the CRI's snapshotter. */
async function loadImages(ctrBin: string, l: NodeLayout, tags: readonly string[]): Promise<void> {
  if (tags.length === 0) return;
  const dir = mkdtempSync(join(l.dir, 'images-'));
  try {
    const archive = join(dir, 'images.tar');
    const save = spawnSync('podman', ['--runtime', 'runc', 'save', '--multi-image-archive', '-o', archive, ...tags], { encoding: 'utf8' });
    if (save.status !== 0) throw new Error(`podman save ${tags.join(' ')}: ${save.stderr.trim()} (run: npm run images)`);
    await ctr(ctrBin, l, ['images', 'import', '--snapshotter', 'overlayfs', archive]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
