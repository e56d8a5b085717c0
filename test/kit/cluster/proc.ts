// Spawning and stopping the control-plane processes, with a log tail for errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sleep } from './http.ts';
import { killOnExit } from './exit-hooks.ts';

export interface SpawnOptions {
  name: string;
  bin: string;
  args: string[];
  /** Detached: own session, output to logFile, survives this process (cli `up`). */
  detached?: boolean;
  logFile: string;
  log?: (line: string) => void;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Exit description once the process has exited, else undefined. */
  exitInfo(): string | undefined;
  logTail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
}

const SETPRIV = '/usr/bin/setpriv';
const TAIL_LINES = 200;

export function spawnManaged(o: SpawnOptions): ManagedProcess {
  let child: ChildProcess;
  const tail: string[] = [];
  if (o.detached) {
    const fd = openSync(o.logFile, 'a');
    child = spawn(o.bin, o.args, { detached: true, stdio: ['ignore', fd, fd], env: o.env && { ...process.env, ...o.env } });
    closeSync(fd);
    child.unref();
  } else {
    // setpriv execs the binary (same pid) with PR_SET_PDEATHSIG=SIGKILL, so the
    // kernel kills it even when this Node process is SIGKILLed.
    const [cmd, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', o.bin, ...o.args]] : [o.bin, o.args];
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env && { ...process.env, ...o.env } });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        o.log?.(`[${o.name}] ${line}`);
      });
    }
  }
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`failed to spawn ${o.bin}`);

  let exitText: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitText = `${o.name} (pid ${pid}) exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
  });
  const unregister = o.detached ? () => {} : killOnExit(() => child.kill('SIGKILL'));

  return {
    name: o.name,
    pid,
    exitInfo: () => exitText ?? (spawnError && `${o.name}: ${spawnError.message}`),
    logTail: (n = 40) => (o.detached ? readTail(o.logFile, n) : tail.slice(-n).join('\n')),
    async stop(graceMs = 10_000) {
      if (exitText === undefined) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
        const first = await Promise.race([exited.then(() => 'exited' as const), timeout]);
        clearTimeout(timer);
        if (first === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }
      unregister();
    },
  };
}

function readTail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/** Does a process with this pid exist (it may belong to someone else: EPERM)? */
/** Sends `signal` to the process group `pid` leads (a child spawned detached); a group already gone is not an error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is pid a live (non-zombie) process whose executable is `bin`? */
export function isRunning(pid: number, bin: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === bin;
  } catch {
    return false;
  }
}

/** Stops a process that is not our child (e.g. from a pid file): SIGTERM, then SIGKILL. */
export async function killPid(pid: number, bin: string, graceMs = 10_000): Promise<void> {
  if (!isRunning(pid, bin)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid, bin)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      while (isRunning(pid, bin)) await sleep(50);
      return;
    }
    await sleep(100);
  }
}
