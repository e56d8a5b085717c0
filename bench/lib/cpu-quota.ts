// A CPU limit for a running process, as a container's `resources.limits.cpu`
// sets one: the kernel's CFS quota on a cgroup of its own (cgroup v2's cpu.max,
// or v1's cpu controller). Needs root and a writable cgroup tree; undefined when
// this machine has neither, so a benchmark can say so and go on.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuQuota {
  /** Cores the process may use; its threads are throttled past that within each period. */
  readonly cores: number;
  /** Periods in which the quota ran out so far (the process wanted more than its limit). */
  throttledPeriods(): number;
  /** Moves the process back to the root group and removes this one. */
  remove(): void;
}

/** The limit's period in µs: shorter than the kernel's 100 ms default, so a limited process waits less at a time. */
export const CPU_PERIOD_US = 20_000;

function v2Root(): string | undefined {
  const root = '/sys/fs/cgroup';
  try {
    return readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').split(' ').includes('cpu') ? root : undefined;
  } catch {
    return undefined;
  }
}

/** Limits `pid` (all its threads) to `cores`; undefined when this machine allows no CPU cgroup. */
export function limitCpu(pid: number, cores: number, name: string): CpuQuota | undefined {
  const quotaUs = Math.round(cores * CPU_PERIOD_US);
  const v2 = v2Root();
  const root = v2 ?? '/sys/fs/cgroup/cpu';
  if (v2 === undefined && !existsSync(join(root, 'cpu.cfs_quota_us'))) return undefined;
  const dir = join(root, name);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  try {
    if (v2 !== undefined) writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${CPU_PERIOD_US}`);
    else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    return quota(dir, root, cores);
  } catch {
    rmdirSync(dir); // made, but not ours to use: leave nothing behind
    return undefined;
  }
}

function quota(dir: string, root: string, cores: number): CpuQuota {
  const remove = (): void => {
    process.off('exit', remove);
    try {
      for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter((p) => p !== ''))
        writeFileSync(join(root, 'cgroup.procs'), pid);
      rmdirSync(dir);
    } catch {
      // already gone with its process, or never made
    }
  };
  process.once('exit', remove); // an interrupted benchmark leaves no group behind
  return {
    cores,
    throttledPeriods(): number {
      const line = readFileSync(join(dir, 'cpu.stat'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('nr_throttled '));
      return Number(line?.split(' ')[1] ?? 0);
    },
    remove,
  };
}
