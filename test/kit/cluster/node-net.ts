// The test node's network namespace: made by the harness, torn down by it.
//
//   machine (host netns)                      node netns (podprof-nodeN)
//   kube-apiserver 127.0.0.1:P  <--socat--    0.0.0.0:P   (kubelet, kube-proxy, pods via the Service)
//   ppnodeN 10.200.N.1/30  <----veth---->     eth0 10.200.N.2/30  kubelet :10250
//   route 10.244.N.0/24 via 10.200.N.2        cni0 10.244.N.1/24 -- pods
//
// No default route exists in the node's namespace: pod traffic cannot leave the machine,
// and pod addresses exist only there (the API server reaches them, for webhooks, over the veth).
import { spawnSync } from 'node:child_process';
import type { NodeAddresses } from './node-config.ts';

function sh(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

export const netnsPath = (a: NodeAddresses): string => `/run/netns/${a.netns}`;
export const hostNetnsPath = (a: NodeAddresses): string => `/run/netns/${a.hostNetns}`;

/**
 * Claims the first free node index by creating its namespace: `ip netns add` fails on an existing
 * name, so two test files starting nodes at once never share one (reading /run/netns first did).
 * The namespace is the claim; createNodeNetwork fills it, deleteNodeNetwork releases it.
 */
export function claimNodeIndex(): number {
  for (let i = 0; i < 64; i++) {
    const r = spawnSync('ip', ['netns', 'add', `podprof-node${i}`], { encoding: 'utf8' });
    if (r.status === 0) return i;
    if (!/File exists/.test(r.stderr)) throw new Error(`ip netns add podprof-node${i}: ${r.error?.message ?? r.stderr.trim()}`);
  }
  throw new Error('64 podprof test nodes exist already (/run/netns/podprof-node*)');
}

/** Fills the namespace claimNodeIndex made: the veth pair, addresses and the route to the pods. */
export function createNodeNetwork(a: NodeAddresses): void {
  try {
    sh('ip', ['netns', 'attach', a.hostNetns, String(process.pid)]);
    const inNs = (...args: string[]): string => sh('ip', ['-n', a.netns, ...args]);
    sh('ip', ['link', 'add', a.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', a.netns]);
    sh('ip', ['addr', 'add', `${a.hostIp}/30`, 'dev', a.hostVeth]);
    sh('ip', ['link', 'set', a.hostVeth, 'up']);
    inNs('link', 'set', 'lo', 'up');
    inNs('addr', 'add', `${a.nodeIp}/30`, 'dev', 'eth0');
    inNs('link', 'set', 'eth0', 'up');
    // The node forwards between its veth and the pod bridge (the API server calling a webhook pod).
    sh('ip', ['netns', 'exec', a.netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    sh('ip', ['route', 'add', a.podCidr, 'via', a.nodeIp, 'dev', a.hostVeth]);
  } catch (err) {
    deleteNodeNetwork(a);
    throw err;
  }
}

/** Idempotent: removes the route, the veth pair and the namespace (and with it the pod bridge). */
export function deleteNodeNetwork(a: NodeAddresses): void {
  sh('ip', ['route', 'del', a.podCidr], true);
  sh('ip', ['link', 'del', a.hostVeth], true);
  sh('ip', ['netns', 'del', a.netns], true);
  sh('ip', ['netns', 'del', a.hostNetns], true); // only the name: the machine's namespace stays
}
