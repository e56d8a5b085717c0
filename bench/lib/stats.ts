// Small helpers for benchmarks: percentiles, /proc readings (RSS), machine info
// and the results writer.
import { statusKiB } from '../../test/kit/measure/rss.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname } from 'node:path';

/** Linear-interpolated percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Resets the kernel's peak-RSS counter (VmHWM) of a process we own; false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface RssSampling {
  peakMiB: number;
  samples: number;
  /** Largest gap between two samples, in ms: shows whether the sampler kept up. */
  maxGapMs: number;
}

/** Samples VmRSS of `pid` every `everyMs` until stop() is called. */
export function sampleRss(pid: number, everyMs = 20): { stop(): RssSampling } {
  let peak = 0;
  let samples = 0;
  let maxGap = 0;
  let last = performance.now();
  const take = (): void => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    const kib = statusKiB(pid);
    if (kib === undefined) return;
    samples++;
    peak = Math.max(peak, kib / 1024);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): RssSampling {
      clearInterval(timer);
      take();
      return { peakMiB: peak, samples, maxGapMs: maxGap };
    },
  };
}

/** utime + stime of a process, all its threads (or thread `tid` only: `pid` for the main one), in clock ticks (see clockTicksPerSecond); undefined once it is gone. */
export function cpuTicks(pid: number, tid?: number): number | undefined {
  const t = cpuTimes(pid, tid);
  return t === undefined ? undefined : t.user + t.kernel;
}

/** The same, split: in user space (utime) and in the kernel on its behalf (stime: syscalls, network, wakeups). */
export function cpuTimes(pid: number, tid?: number): { user: number; kernel: number } | undefined {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // after the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12
    return { user: fields[11]!, kernel: fields[12]! };
  } catch {
    return undefined;
  }
}

/** How many times a thread has slept and been woken (voluntary context switches); the main thread when tid = pid. */
export function wakeups(pid: number, tid: number = pid): number | undefined {
  try {
    const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** The kernel's clock ticks per second (CLK_TCK) for /proc/<pid>/stat times; 100 when getconf is missing. */
export function clockTicksPerSecond(): number {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

export interface CpuMark {
  /** Machine-wide user + nice + system ticks, all cores. */
  busy: number;
  /** Machine-wide ticks of every kind, all cores. */
  total: number;
  /** This process plus its reaped children: utime + stime + cutime + cstime. */
  own: number;
}

export function cpuMark(): CpuMark {
  const [user = 0, nice = 0, system = 0, ...rest] = (/^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '')
    .split(/\s+/)
    .map(Number);
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // after the command name: state is field 3, so utime (14) … cstime (17) are at 11 … 14
  const own = fields.slice(11, 15).reduce((a, b) => a + b, 0);
  return { busy: user + nice + system, total: user + nice + system + rest.reduce((a, b) => a + b, 0), own };
}

/**
 * Share of the machine's CPU (0..1) used by processes outside this one and its
 * children between two marks. Call `to` after every child has exited and been
 * reaped. Kernel softirq time (loopback networking) is left out on both sides.
 */
export function foreignCpuShare(from: CpuMark, to: CpuMark): number {
  const total = to.total - from.total;
  return total > 0 ? Math.max(0, to.busy - from.busy - (to.own - from.own)) / total : 0;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  kernel: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux: keep os.cpus()
  }
  return { cpu, cores: cpus().length, node: process.version, kernel: release(), date: new Date().toISOString() };
}

export function writeResults(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** Rounds to `digits` decimals for printing and JSON. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A plain text table; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** p50, p99, mean and max of the samples; rounded to `digits` when given. */
export function summarize(xs: readonly number[], digits?: number): Percentiles {
  const r = (n: number): number => (digits === undefined ? n : round(n, digits));
  return {
    p50: r(percentile(xs, 50)),
    p99: r(percentile(xs, 99)),
    mean: r(xs.reduce((a, b) => a + b, 0) / xs.length),
    max: r(Math.max(...xs)),
  };
}
