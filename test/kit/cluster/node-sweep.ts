// Leaves nothing of a test node behind, synchronously (it also runs from exit
// hooks): containerd's shims and the pods' processes outlive containerd and the
// kubelet by design, so they are found by what they are — every process in the
// node's cgroups and every process whose command line names the node's dir —
// and killed; then the node's mounts are unmounted, its cgroups removed and its
// network namespace deleted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAddresses, NodeLayout } from './node-config.ts';
import { deleteNodeNetwork } from './node-net.ts';

const CGROUP_V1 = '/sys/fs/cgroup';

/** Each v1 hierarchy's copy of the node's cgroup root that exists. */
function cgroupRoots(l: NodeLayout): string[] {
  if (!existsSync(CGROUP_V1)) return [];
  return readdirSync(CGROUP_V1)
    .map((h) => join(CGROUP_V1, h, l.cgroupRoot))
    .filter((d) => existsSync(d) && statSync(d).isDirectory());
}

/**
 * The node's cgroup root in every v1 hierarchy (the kubelet refuses to start
 * unless it exists in all of them), except the v2 one: on this machine's hybrid
 * layout it holds only hugetlb and the kubelet does not use it.
 */
export function createCgroupRoots(l: NodeLayout): void {
  for (const h of readdirSync(CGROUP_V1)) {
    if (h === 'unified') continue;
    const d = join(CGROUP_V1, h, l.cgroupRoot);
    mkdirSync(d, { recursive: true });
    if (h === 'cpuset') {
      // A new cpuset has no CPUs and no memory nodes until given its parent's.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(d, f), readFileSync(join(CGROUP_V1, h, f)));
    }
  }
}

/** All cgroup directories under `dir`, deepest first. */
function cgroupTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    out.push(d);
  };
  try {
    walk(dir);
  } catch {
    /* removed meanwhile */
  }
  return out;
}

function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((p) => p !== '')
      .map(Number);
  } catch {
    return []; // gone
  }
}

function cmdlineNames(pid: string, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false; // exited
  }
}

/** Every process but this one whose command line contains `text`. */
export function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid && cmdlineNames(p, text))
    .map(Number);
}

function nodePids(l: NodeLayout): Set<number> {
  return new Set<number>([...cgroupRoots(l).flatMap((root) => cgroupTree(root).flatMap(cgroupProcs)), ...processesNaming(l.dir)]);
}

/** Mount points at or under `dir` (a node's kubelet and containerd mounts), deepest (latest) first. */
export function mountsUnder(dir: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines.map((line) => line.split(' ')[4] ?? '').map((p) => p.replace(/\\040/g, ' '));
  return points.filter((p) => p === dir || p.startsWith(`${dir}/`)).reverse();
}

export function sweepNode(a: NodeAddresses, l: NodeLayout): void {
  for (let round = 0; round < 5; round++) {
    const pids = nodePids(l);
    if (pids.size === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    spawnSync('sleep', ['0.2']);
  }
  for (const m of mountsUnder(l.dir)) spawnSync('umount', ['-l', m]);
  for (const root of cgroupRoots(l)) {
    for (const d of cgroupTree(root)) {
      try {
        rmdirSync(d);
      } catch {
        /* busy or gone: the next sweep gets it */
      }
    }
  }
  deleteNodeNetwork(a);
}
