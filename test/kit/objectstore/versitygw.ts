// A real S3-compatible server for tests: versitygw's posix backend on a temp
// directory, listening on 127.0.0.1 only, in its own process group (stopped
// as a group), with a test access key and secret and one bucket. stop() ends
// it (the objects stay on disk), restart() starts it again on the same port
// and directory. The binary comes from `npm run versitygw:build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../cluster/ports.ts';
import { killOnExit } from '../cluster/exit-hooks.ts';
import { signalGroup } from '../cluster/proc.ts';
import { buildVersitygw } from './build-versitygw.ts';

export interface Versitygw {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** The gateway's --store for this bucket under `prefix`. */
  storeUrl(prefix?: string): string;
  /** The environment a client needs for its credentials (the AWS SDK's default chain reads it). */
  readonly env: Readonly<Record<string, string>>;
  readonly root: string;
  logTail(): string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startVersitygw(o: { bucket?: string } = {}): Promise<Versitygw> {
  const bin = await buildVersitygw();
  const root = mkdtempSync(join(tmpdir(), 'podprof-versitygw-'));
  const bucket = o.bucket ?? 'podprof-test';
  mkdirSync(join(root, 'data', bucket), { recursive: true }); // the posix backend: a bucket is a directory
  const [port] = await freePorts(1);
  const accessKey = `TEST${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretKey = randomBytes(24).toString('base64url');
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let unregister = (): void => undefined;

  const groupKill = (c: ChildProcess, sig: NodeJS.Signals): void => signalGroup(c.pid, sig);

  async function start(): Promise<void> {
    const c = spawn(bin, ['--port', `127.0.0.1:${port}`, 'posix', join(root, 'data')], {
      detached: true, // its own process group
      stdio: ['ignore', 'pipe', 'pipe'],
      // The root credentials by environment, not argv: no other process on the machine reads them from ps.
      env: { PATH: process.env.PATH ?? '', ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey, HOME: root },
    });
    child = c;
    for (const s of [c.stdout, c.stderr]) s?.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    unregister = killOnExit(() => groupKill(c, 'SIGKILL'));
    const deadline = Date.now() + 20_000;
    while (!(await listening(port!))) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`versitygw exited: ${lines.slice(-20).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`versitygw did not listen on ${port}: ${lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    groupKill(c, 'SIGTERM');
    const timer = setTimeout(() => groupKill(c, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    unregister();
    child = undefined;
  }

  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    accessKey,
    secretKey,
    root,
    storeUrl: (prefix = '') => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`,
    env: { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
    logTail: () => lines.slice(-40).join('\n'),
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
