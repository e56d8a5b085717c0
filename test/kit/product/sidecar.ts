// Starts sidecars for tests: in-process (fast; logs captured) or as the real
// `podprof sidecar` child process (for crash and signal tests).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Writable } from 'node:stream';
import { parseFlags } from '../../../src/config/flags.ts';
import { createLogger } from '../../../src/log.ts';
import type { ProfileType } from '../../../src/endpoints/catalog.ts';
import type { Grant } from '../../../src/token/claims.ts';
import { generateSigningKey, privateKeyPem, type SigningKey } from '../../../src/token/keys.ts';
import { mintSidecarToken } from '../../../src/token/sign.ts';
import { SIDECAR_FLAGS } from '../../../sidecar/config.ts';
import { startRecordingProxy, type RecordingProxy } from '../apps/recording-proxy.ts';
import { startCli, type CliProcess } from './cli-process.ts';
import { startGoTarget, type GoTarget } from '../../../demo/go-target.ts';
import { startSidecar } from '../../../sidecar/server.ts';

export const REPO = new URL('../../../', import.meta.url).pathname;

/** The NODE_OPTIONS the sidecar image sets (Dockerfile.sidecar), so child sidecars run as the image does. */
export function imageNodeOptions(dockerfile = 'Dockerfile.sidecar'): string {
  const text = readFileSync(join(REPO, dockerfile), 'utf8');
  return /NODE_OPTIONS="([^"]*)"/.exec(text)?.[1] ?? '';
}
export const NODE = join(REPO, 'node_modules/.bin/node');

/**
 * The runtime sidecars run on in tests: Node, or PODPROF_TEST_SIDECAR_RUNTIME
 * (a path, or "bun" / "deno" from node_modules). Set, every sidecar of the suite
 * — the in-process ones too — runs as the built bundle on that runtime, so the
 * whole sidecar suite can be run unchanged on it (README, "Which runtime").
 */
export const SIDECAR_RUNTIME = [undefined, '', 'node'].includes(process.env.PODPROF_TEST_SIDECAR_RUNTIME)
  ? undefined
  : runtime(process.env.PODPROF_TEST_SIDECAR_RUNTIME!);

export interface Runtime {
  readonly command: string;
  /** Before the script (`deno run --allow-all …`). */
  readonly args: readonly string[];
}

/** How to run the bundle on `name`: "node", "bun" or "deno" from node_modules, or a runtime's path. */
export function runtime(name: string): Runtime {
  if (name === 'node') return { command: NODE, args: [] };
  if (name === 'bun') return { command: join(REPO, 'node_modules/.bin/bun'), args: [] };
  if (name === 'deno') return { command: join(REPO, 'node_modules/@deno/linux-x64-glibc/deno'), args: ['run', '--allow-all'] };
  return { command: name, args: [] };
}
export const POD = { namespace: 'team-a', pod: 'web-7d9f-abcde', uid: '5f0c1a2b-0000-4000-8000-000000000001' } as const;

export interface TestKeys {
  key: SigningKey;
  dir: string;
  jwksFile: string;
  keyFile: string;
}

export function makeKeys(): TestKeys {
  const key = generateSigningKey();
  const dir = mkdtempSync(join(tmpdir(), 'podprof-keys-'));
  const jwksFile = join(dir, 'jwks.json');
  const keyFile = join(dir, 'signing-key.pem');
  writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  writeFileSync(keyFile, privateKeyPem(key), { mode: 0o600 });
  return { key, dir, jwksFile, keyFile };
}

export function mint(keys: TestKeys, type: ProfileType, grant: Partial<Grant> = {}, ttlSeconds = 60): string {
  return mintSidecarToken(keys.key, { subject: 'alice@example.com', ttlSeconds, grant: { ...POD, type, maxSeconds: 60, ...grant } });
}

export interface TestSidecar {
  url: string;
  port: number;
  healthUrl: string;
  logs: string[];
  close(graceMs?: number): Promise<void>;
}

function baseArgs(keys: TestKeys, upstream: string, extra: readonly string[]): string[] {
  return [
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--upstream',
    upstream,
    '--jwks-file',
    keys.jwksFile,
    '--pod-namespace',
    POD.namespace,
    '--pod-name',
    POD.pod,
    '--pod-uid',
    POD.uid,
    '--bypass-check-interval',
    '0',
    ...extra,
  ];
}

export async function startInProcess(keys: TestKeys, upstream: string, extra: readonly string[] = []): Promise<TestSidecar> {
  if (SIDECAR_RUNTIME) {
    const child = await startChild(keys, upstream, [...extra, '--log-level', 'debug']);
    return { url: child.url, port: child.port, healthUrl: child.healthUrl, logs: child.logs, close: () => child.close() };
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
  const config = parseFlags(SIDECAR_FLAGS, baseArgs(keys, upstream, extra), {});
  const s = await startSidecar(config, createLogger('podprof-sidecar', { destination: sink, level: 'debug' }));
  return {
    url: `https://127.0.0.1:${s.ports.main}`,
    port: s.ports.main,
    healthUrl: `http://127.0.0.1:${s.ports.health}`,
    logs,
    close: (g) => s.close(g ?? 2000),
  };
}

export type ChildSidecar = TestSidecar & CliProcess;

/** The real CLI, built bundle, as a child process (what the image runs), with the image's NODE_OPTIONS. */
export function startChild(keys: TestKeys, upstream: string, extra: readonly string[] = [], cwd = REPO): Promise<ChildSidecar> {
  const rt = SIDECAR_RUNTIME ?? runtime('node');
  return startCli('sidecar', baseArgs(keys, upstream, extra), {
    node: rt.command,
    runtimeArgs: rt.args,
    cwd,
    env: { ...process.env, NODE_OPTIONS: imageNodeOptions() },
  });
}

export interface TargetAndSidecar {
  readonly keys: TestKeys;
  readonly target: GoTarget;
  /** Between the sidecar and the Go app: what the app was sent. */
  readonly recorder: RecordingProxy;
  readonly sidecar: TestSidecar;
}

/**
 * Registers before/after hooks that run the Go fixture, a recording hop and an in-process sidecar in front of
 * them for the whole file.
 */
export function useTargetAndSidecar(extra: readonly string[] = []): TargetAndSidecar {
  const keys = makeKeys();
  let target: GoTarget | undefined;
  let recorder: RecordingProxy | undefined;
  let sidecar: TestSidecar | undefined;
  before(async () => {
    target = await startGoTarget({ listen: '127.0.0.1:0' });
    recorder = await startRecordingProxy(target.url);
    sidecar = await startInProcess(keys, recorder.url, extra);
  });
  after(async () => {
    await sidecar?.close();
    await recorder?.stop();
    await target?.stop();
  });
  return {
    keys,
    get target(): GoTarget {
      if (!target) throw new Error('used before the before() hook ran');
      return target;
    },
    get recorder(): RecordingProxy {
      if (!recorder) throw new Error('used before the before() hook ran');
      return recorder;
    },
    get sidecar(): TestSidecar {
      if (!sidecar) throw new Error('used before the before() hook ran');
      return sidecar;
    },
  };
}
