// One container of a pod as a child process: a clean environment (only what the
// pod spec gives, plus PATH and HOSTNAME), output kept as a line tail, exit
// status as the kubelet reports it (128 + signal number when killed).
// Like proc.ts, children run under `setpriv --pdeathsig SIGKILL` and are
// registered with the exit hook, so none outlives the test process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { killOnExit } from './exit-hooks.ts';

export interface ContainerExit {
  exitCode: number;
  /** Set when a signal ended the process. */
  signal?: NodeJS.Signals;
  finishedAt: string;
  /** Spawn failure, e.g. ENOENT. */
  error?: string;
}

export interface ContainerProcess {
  readonly pid: number;
  readonly startedAt: string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ContainerExit>;
  exit(): ContainerExit | undefined;
  /** The last output lines (stdout and stderr interleaved). */
  lines(): readonly string[];
  onLine(listener: (line: string) => void): void;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit status. */
  stop(graceMs: number): Promise<ContainerExit>;
}

export interface SpawnContainerOptions {
  /** For log lines, e.g. "ns/pod/container". */
  label: string;
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string;
  log?: (line: string) => void;
}

const SETPRIV = '/usr/bin/setpriv';
const TAIL = 300;

export function spawnContainer(o: SpawnContainerOptions): ContainerProcess {
  const [cmd, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', o.command, ...o.args]] : [o.command, [...o.args]];
  const child = spawn(cmd, args, { cwd: o.cwd, env: { ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const startedAt = new Date().toISOString();
  const tail: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
      o.log?.(`[${o.label}] ${line}`);
      for (const l of listeners) l(line);
    });
  }
  let exit: ContainerExit | undefined;
  const unregister = killOnExit(() => child.kill('SIGKILL'));
  const exited = new Promise<ContainerExit>((resolve) => {
    const done = (e: Omit<ContainerExit, 'finishedAt'>): void => {
      if (exit !== undefined) return;
      exit = { ...e, finishedAt: new Date().toISOString() };
      unregister();
      resolve(exit);
    };
    child.once('error', (err) => {
      if (child.pid === undefined) done({ exitCode: 127, error: err.message });
    });
    child.once('exit', (code, signal) => {
      done(signal === null ? { exitCode: code ?? 0 } : { exitCode: 128 + (constants.signals[signal] ?? 0), signal });
    });
  });

  return {
    pid: child.pid ?? -1,
    startedAt,
    exited,
    exit: () => exit,
    lines: () => tail,
    onLine: (listener) => void listeners.push(listener),
    kill: (signal = 'SIGKILL') => void (exit === undefined && child.kill(signal)),
    async stop(graceMs) {
      if (exit !== undefined) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}
