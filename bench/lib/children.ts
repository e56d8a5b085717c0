// Child-process bookkeeping shared by the benchmarks: every child (and process
// group) a benchmark starts is SIGKILLed when it exits, is interrupted, or fails.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Children we spawned ourselves; SIGKILLed at exit if still alive. */
export const spawned = new Set<ChildProcess>();
/** Process groups we started (e.g. detached Go fixtures); SIGKILLed whole at exit. */
export const processGroups = new Set<number>();

/** Direct children of this process, from /proc: also catches one whose start timed out. */
export function ownChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function killEverything(): void {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pgid of processGroups) kill(-pgid);
  for (const pid of ownChildren()) kill(pid);
}

let installed = false;

/** Kill every child on exit and on SIGINT/SIGTERM/SIGHUP (exit code 130). */
export function killChildrenOnExit(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killEverything);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killEverything();
      process.exit(130);
    });
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after 3 s. */
export async function stop(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(t);
}

export function track<T extends ChildProcess>(child: T): T {
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  return child;
}

/** The port a child prints once it listens ("listening on <port>", or a podprof ready line's "port"). */
export function printedPort(
  child: ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream },
  what: string,
  timeoutMs = 20_000,
): Promise<number> {
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      if (stdout.length < 4096) stdout += b.toString();
      const m = /listening on (\d+)|"port":(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(Number(m[1] ?? m[2]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}
