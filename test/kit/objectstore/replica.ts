// A gateway replica for the replicated-store tests: the built `podprof
// gateway` as a child in its own process group, on a harness's tokens,
// targets, keys and sidecar CA, its own local --store-dir, and whatever
// --store it is given; the object store's credentials by environment (the AWS
// SDK's default chain). kill() SIGKILLs the whole group, as a node failing would.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { killOnExit } from '../cluster/exit-hooks.ts';
import { signalGroup } from '../cluster/proc.ts';
import { waitForPorts } from '../product/cli-process.ts';
import type { Harness } from '../product/gateway.ts';
import { NODE, REPO } from '../product/sidecar.ts';

export interface Replica {
  readonly url: string;
  readonly healthUrl: string;
  readonly logs: string[];
  alive(): boolean;
  /** SIGKILL to the process group. */
  kill(): Promise<void>;
  /** SIGTERM to the process group, SIGKILL after 10 s. */
  close(): Promise<void>;
}

const signalChild = (c: ChildProcess, sig: NodeJS.Signals): void => signalGroup(c.pid, sig);

export async function startReplica(h: Harness, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Replica> {
  const store = join(h.dir, `replica-${randomBytes(4).toString('hex')}`);
  const child = spawn(
    NODE,
    [
      join(REPO, 'bin/podprof.mjs'),
      'gateway',
      ...['--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0'],
      ...['--auth', 'static', '--tokens-file', join(h.dir, 'tokens.csv'), '--authz', 'allow-all'],
      ...['--discovery', 'static', '--targets-file', join(h.dir, 'targets.json')],
      ...['--signing-key-file', h.keys.keyFile, '--store-dir', store, '--sidecar-ca-file', h.sidecarCaFile],
      ...args,
    ],
    { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const unregister = killOnExit(() => signalChild(child, 'SIGKILL'));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const logs: string[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const ports = await waitForPorts('the gateway replica', child, logs, () => stderr, 30_000).catch((err: unknown) => {
    signalChild(child, 'SIGKILL');
    throw err;
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (sig: NodeJS.Signals): Promise<void> => {
    if (alive()) {
      signalChild(child, sig);
      const timer = setTimeout(() => signalChild(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    unregister();
  };
  return {
    url: `https://127.0.0.1:${ports.port}`,
    healthUrl: `http://127.0.0.1:${ports.healthPort}`,
    logs,
    alive,
    kill: () => stop('SIGKILL'),
    close: () => stop('SIGTERM'),
  };
}
