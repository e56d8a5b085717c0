// Starts a long-running podprof command (sidecar, webhook, gateway) from the
// built bundle as a child process, and waits for its ready line with the ports;
// or runs a one-shot command (capture, link) to its exit.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { signalGroup } from '../cluster/proc.ts';

export interface CliProcess {
  url: string;
  port: number;
  healthUrl: string;
  logs: string[];
  child: ChildProcess;
  stderr(): string;
  alive(): boolean;
  close(): Promise<void>;
}

export interface CliOptions {
  readonly node: string;
  /** Before the script (`deno run --allow-all …`). */
  readonly runtimeArgs?: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Resolves with the ports of the child's ready line (`"port":N,"healthPort":M`), keeping its log lines in `logs`. */
export function waitForPorts(
  command: string,
  child: ChildProcess,
  logs: string[],
  stderr: () => string,
  timeoutMs: number,
): Promise<{ port: number; healthPort: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not start: ${stderr()}`));
    }, timeoutMs);
    let buf = '';
    child.stdout?.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        logs.push(l);
        const m = /"port":(\d+),"healthPort":(\d+)/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve({ port: Number(m[1]), healthPort: Number(m[2]) });
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited ${code}: ${stderr()}`));
    });
  });
}

/** `podprof <command> <args>` as a child; resolves once it logs its ports. SIGTERM on close, SIGKILL after 5 s. */
export async function startCli(command: string, args: readonly string[], o: CliOptions): Promise<CliProcess> {
  const child = spawn(o.node, [...(o.runtimeArgs ?? []), join(o.cwd, 'bin/podprof.mjs'), command, ...args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = await waitForPorts(command, child, logs, () => stderr, o.timeoutMs ?? 15_000);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    url: `https://127.0.0.1:${ready.port}`,
    port: ready.port,
    healthUrl: `http://127.0.0.1:${ready.healthPort}`,
    logs,
    child,
    stderr: () => stderr,
    alive,
    close: () =>
      new Promise<void>((resolve) => {
        if (!alive()) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `podprof <args>` run to its exit (asynchronously: a gateway may run in this process); its exit code and output. */
export function runCli(args: readonly string[], o: { node: string; cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(o.node, [join(o.cwd, 'bin/podprof.mjs'), ...args], { cwd: o.cwd, env: o.env ?? process.env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export interface InteractiveCli {
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr line matching `re`. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Exit code and stdout once it exits. */
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** SIGKILL to its process group. */
  kill(): void;
}

/** A `podprof <command>` that runs to its end (`podprof login`), in its own process group, its stderr readable while it runs. */
export function spawnCli(command: string, args: readonly string[], o: CliOptions): InteractiveCli {
  const child = spawn(o.node, [...(o.runtimeArgs ?? []), join(o.cwd, 'bin/podprof.mjs'), command, ...args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    for (const w of [...waiters]) w();
  });
  const kill = (): void => signalGroup(child.pid, 'SIGKILL');
  const timer = setTimeout(kill, o.timeoutMs ?? 120_000);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    stderr: () => stderr,
    waitForStderr: (re, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`podprof ${command}: no stderr line matching ${re} in ${timeoutMs} ms: ${stderr}`)),
          timeoutMs,
        );
        const check = (): void => {
          const m = re.exec(stderr);
          if (!m) return;
          clearTimeout(t);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(m);
        };
        waiters.push(check);
        check();
      }),
    exited,
    kill,
  };
}
