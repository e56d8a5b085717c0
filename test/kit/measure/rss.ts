// A process's memory from /proc/<pid>/status: VmRSS (resident), VmHWM (its peak),
// RssAnon (its own, not file pages). A gone process (or a field /proc does not
// have) reads as NaN, never as 0 or an exception: a figure taken after a process
// died must not pass for a small one.
import { readFileSync } from 'node:fs';

/** A /proc/<pid>/status field in KiB, or undefined when the process or the field is not there. */
export function statusKiB(pid: number, field = 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MiB; NaN when it is gone. */
export function rssMiB(pid: number): number {
  return (statusKiB(pid, 'VmRSS') ?? Number.NaN) / 1024;
}
