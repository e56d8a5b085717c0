// The test node's configuration, as pure functions of its layout: containerd's
// config.toml, the CNI network, the KubeletConfiguration and the addresses.
// node.ts writes them and starts the processes.
import { join } from 'node:path';

export const NODE_NAME = 'podprof-node';
/** The sandbox ("pause") image every pod's namespaces hang on: built by `npm run images`. */
export const PAUSE_IMAGE = 'localhost/podprof-pause:dev';

/**
 * Addresses of node number `index` (0..63, one per node running on this machine):
 * a /30 link between the machine and the node's network namespace, and the pods'
 * /24 behind the node. Nothing routes either anywhere else.
 */
export interface NodeAddresses {
  index: number;
  netns: string;
  /** A name for the machine's own namespace, for the bridge that enters it from the node (/proc/1/ns/net is not ours to open). */
  hostNetns: string;
  /** Host end of the veth pair (in the machine's namespace). */
  hostVeth: string;
  hostIp: string;
  /** The node's InternalIP: the veth end inside the node's namespace. */
  nodeIp: string;
  podCidr: string;
  podGateway: string;
}

export function nodeAddresses(index: number): NodeAddresses {
  if (!Number.isInteger(index) || index < 0 || index > 63) throw new Error(`node index ${index} out of 0..63`);
  return {
    index,
    netns: `podprof-node${index}`,
    hostNetns: `podprof-host${index}`,
    hostVeth: `ppnode${index}`,
    hostIp: `10.200.${index}.1`,
    nodeIp: `10.200.${index}.2`,
    podCidr: `10.244.${index}.0/24`,
    podGateway: `10.244.${index}.1`,
  };
}

/** Where a node keeps its state, under the control plane's data dir. */
export interface NodeLayout {
  dir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  podLogsDir: string;
  /** The cgroup (in every v1 hierarchy) all of the node's pods live under. */
  cgroupRoot: string;
}

export function nodeLayout(dataDir: string, index: number): NodeLayout {
  const dir = join(dataDir, 'node');
  return {
    dir,
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet-config.json'),
    podLogsDir: join(dir, 'pod-logs'),
    cgroupRoot: `/podprof-node${index}`,
  };
}

export const CNI_BIN_DIR = '/usr/lib/cni'; // Debian's containernetworking-plugins

/** containerd 2.x (config version 3): CRI on runc with cgroupfs, CNI from CNI_BIN_DIR, our pause image. */
export function containerdConfig(l: NodeLayout, runc: string): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'version = 3',
    `root = ${q(l.containerdRoot)}`,
    `state = ${q(l.containerdState)}`,
    '',
    '[grpc]',
    `  address = ${q(l.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${q(`${l.containerdSocket}.ttrpc`)}`,
    '[debug]',
    "  level = 'info'",
    '',
    // No metrics, no streaming server outside the node: the CRI streaming server
    // (exec, port-forward) listens on the node's loopback, where only the kubelet reaches it.
    "[plugins.'io.containerd.grpc.v1.cri']",
    "  stream_server_address = '127.0.0.1'",
    "  stream_server_port = '0'",
    "[plugins.'io.containerd.cri.v1.images']",
    "  snapshotter = 'overlayfs'",
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${q(PAUSE_IMAGE)}`,
    "[plugins.'io.containerd.cri.v1.runtime']",
    '  enable_selinux = false',
    // Pod network namespaces are mounted under the node's state dir, not /run/netns.
    '  netns_mounts_under_state_dir = true',
    // Root here lacks CAP_SYS_RESOURCE: no process may go below containerd's own OOM score
    // (the sandbox's -998 fails in runc: "can't get final child's PID from pipe: EOF").
    '  restrict_oom_score_adj = true',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd]",
    "  default_runtime_name = 'runc'",
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    "  runtime_type = 'io.containerd.runc.v2'",
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    `  BinaryName = ${q(runc)}`,
    '  SystemdCgroup = false',
    "[plugins.'io.containerd.cri.v1.runtime'.cni]",
    `  bin_dirs = [${q(CNI_BIN_DIR)}]`,
    `  conf_dir = ${q(l.cniConfDir)}`,
    '',
  ].join('\n');
}

/** The pod network: a bridge in the node's namespace with host-local addresses from the node's /24. */
export function cniConflist(a: NodeAddresses, l: NodeLayout): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'podprof',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: l.cniDataDir,
          ranges: [[{ subnet: a.podCidr, gateway: a.podGateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/**
 * The kubelet's configuration. Facts of this machine: cgroup v1 (hybrid), so
 * failCgroupV1: false and the cgroupfs driver; no swap accounting to fail on.
 * The API server reaches the kubelet with a client certificate signed by
 * `clientCaFile`; every other request is authorized by the API server (Webhook).
 */
export function kubeletConfig(a: NodeAddresses, l: NodeLayout, clientCaFile: string, healthzPort: number): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: l.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    address: a.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: '10s' },
      x509: { clientCAFile: clientCaFile },
    },
    authorization: { mode: 'Webhook' },
    failSwapOn: false,
    // Not -999: lowering an OOM score needs CAP_SYS_RESOURCE, which root lacks here.
    oomScoreAdj: 0,
    clusterDomain: 'cluster.local',
    // CoreDNS runs on the node's address (node.ts); it answers cluster names only.
    clusterDNS: [a.nodeIp],
    resolvConf: '',
    podCIDR: a.podCidr,
    maxPods: 60,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    // A test machine's disk is shared with everything else: never evict for disk, never GC images.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Faster status for tests; the defaults (10 s sync, 40 s grace) are a production trade-off.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    fileCheckFrequency: '5s',
    shutdownGracePeriod: '0s',
    containerLogMaxSize: '10Mi',
    podLogsDir: l.podLogsDir,
    serializeImagePulls: false,
    localStorageCapacityIsolation: true,
  };
}

/** CoreDNS as kubeadm configures it, minus forwarding: nothing outside the cluster is resolvable from a pod. */
export function corefile(a: NodeAddresses, kubeconfig: string): string {
  return [
    '.:53 {',
    `    bind ${a.nodeIp}`,
    '    errors',
    '    health 127.0.0.1:0',
    '    ready 127.0.0.1:0',
    '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
    `        kubeconfig ${kubeconfig} coreDns`,
    '        pods insecure',
    '        fallthrough in-addr.arpa ip6.arpa',
    '        ttl 5',
    '    }',
    '    cache 5',
    '}',
    '',
  ].join('\n');
}

/** What CoreDNS's kubernetes plugin reads (kubeadm's system:coredns ClusterRole). */
export const COREDNS_RULES = [
  { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
];
