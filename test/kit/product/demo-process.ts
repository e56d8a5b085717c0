// `podprof demo` from the built bundle as a child in its own process group,
// waiting for its banner and reading the URL, token, CA file and folder from it.
import { spawn, type ChildProcess } from 'node:child_process';
import { signalGroup } from '../cluster/proc.ts';
import { join } from 'node:path';
import { NODE, REPO } from './sidecar.ts';

export interface DemoProcess {
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  readonly dir: string;
  readonly banner: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** SIGINT to the group (the demo's Ctrl-C), SIGKILL to the group after 10 s. */
  stop(): Promise<void>;
}

export interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function demoArgs(args: readonly string[]): string[] {
  return [join(REPO, 'bin/podprof.mjs'), 'demo', ...args];
}

const ENV = (): NodeJS.ProcessEnv => ({ ...process.env, PODPROF_DEMO_TARGET: 'go', NODE_TEST_CONTEXT: undefined });

const killGroup = (pid: number, signal: NodeJS.Signals): void => signalGroup(pid, signal);

/** Starts `podprof demo ARGS` and resolves once its banner is out. */
export async function startDemoProcess(args: readonly string[], timeoutMs = 60_000): Promise<DemoProcess> {
  const child = spawn(NODE, demoArgs(args), { env: ENV(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child.pid!, 'SIGKILL');
      reject(new Error(`podprof demo did not start in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('Ctrl-C stops everything.')) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`podprof demo exited ${code}: ${stderr}`));
    });
  });
  const field = (name: string): string => {
    const m = new RegExp(`^  ${name} +(\\S+)`, 'm').exec(banner);
    if (!m?.[1]) throw new Error(`the demo's banner has no "${name}" line:\n${banner}`);
    return m[1];
  };
  return {
    url: field('open').replace(/\/$/, ''),
    token: field('token'),
    caFile: field('CA'),
    dir: field('folder'),
    banner,
    child,
    stderr: () => stderr,
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child.pid!, 'SIGINT');
      const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs `podprof demo ARGS` expecting it to exit by itself (a refusal); SIGKILLs its group after timeoutMs. */
export async function runDemoToExit(args: readonly string[], timeoutMs = 30_000): Promise<DemoRun> {
  const child = spawn(NODE, demoArgs(args), { env: ENV(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  killGroup(child.pid!, 'SIGKILL');
  return { code, stdout, stderr };
}
