// A whole podprof on loopback for tests, as `podprof demo` wires it: N Go fixture
// "pods", each behind an in-process sidecar, and an in-process gateway in static
// discovery / static auth / allow-all mode. Plus `go tool pprof` helpers.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { parseFlags } from '../../../src/config/flags.ts';
import { createLogger } from '../../../src/log.ts';
import { allowAll, type Authorizer } from '../../../gateway/auth/authz.ts';
import { GATEWAY_FLAGS } from '../../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../../gateway/server.ts';
import { startGoTarget, type GoTarget } from '../../../demo/go-target.ts';
import { startCli, type CliProcess } from './cli-process.ts';
import { makeKeys, NODE, REPO, startInProcess, type TestKeys, type TestSidecar } from './sidecar.ts';
import { testSidecarCa } from './sidecar-ca.ts';

const execFileP = promisify(execFile);

export interface HarnessPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly app: App;
  readonly sidecar: TestSidecar;
}

/** What runs behind a sidecar: the Go fixture by default, or a test's own (hostile) app. */
export type App = Pick<GoTarget, 'url' | 'stop'>;

export interface HarnessOptions {
  readonly pods?: number;
  readonly namespace?: string;
  /** Pod names are `${prefix}-${i}`. */
  readonly prefix?: string;
  readonly workload?: { kind: string; name: string };
  readonly labels?: Record<string, string>;
  /** Extra `podprof gateway` flags, e.g. ['--fanout-concurrency', '4']. */
  readonly gatewayArgs?: readonly string[];
  /** Go fixture flags; default one CPU worker. */
  readonly appArgs?: readonly string[];
  /** Start pod i's app instead of the Go fixture. */
  readonly app?: (i: number) => Promise<App>;
  /** Extra flags for pod i's sidecar. */
  readonly sidecarArgs?: (i: number) => readonly string[];
  /** Pod i's Go app serves a runtime/trace flight recorder here, and its target and sidecar say so (podprof.io/flight-recorder). */
  readonly flightRecorder?: (i: number) => string | undefined;
  /** Stand something else in for pod i's sidecar (a hostile one: it gets a certificate the gateway trusts); undefined: the real one. */
  readonly sidecar?: (i: number, tls: { certFile: string; keyFile: string }) => Promise<TestSidecar> | undefined;
  /** The profile types pod i allows (its podprof.io/profiles); default all but cmdline. */
  readonly profiles?: (i: number) => readonly string[] | undefined;
}

export interface Harness {
  readonly url: string;
  readonly token: string;
  readonly dir: string;
  readonly storeDir: string;
  readonly keys: TestKeys;
  /** The CA the sidecars' certificates chain to (the gateway's --sidecar-ca-file). */
  readonly sidecarCaFile: string;
  readonly pods: readonly HarnessPod[];
  readonly gateway: RunningGateway;
  /** The gateway's log lines (JSON), audit events included. */
  readonly logs: string[];
  /** Adds a user to the static tokens file (the gateway reads it again); their token. */
  addUser(name: string, groups?: readonly string[]): Promise<string>;
  /** Replace the gateway's authorizer (RBAC decisions for a test); undefined restores allow-all. */
  setAuthorizer(a: Authorizer | undefined): void;
  /** Stop the gateway and start a new one on the same store, keys and targets. */
  restartGateway(extraArgs?: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const namespace = o.namespace ?? 'team-a';
  const keys = makeKeys();
  const dir = mkdtempSync(join(tmpdir(), 'podprof-harness-'));
  const files = { tokens: join(dir, 'tokens.csv'), targets: join(dir, 'targets.json'), store: join(dir, 'store') };
  const token = `podprof-test-${randomBytes(18).toString('base64url')}`;
  writeFileSync(files.tokens, `${token},alice@example.com,devs\n`, { mode: 0o600 });
  const pods = await Promise.all(
    Array.from({ length: o.pods ?? 2 }, async (_, i): Promise<HarnessPod> => {
      const name = `${o.prefix ?? 'web'}-${i}`;
      const uid = randomUUID();
      const recorder = o.flightRecorder?.(i);
      const flight = recorder === undefined ? [] : ['-flight-recorder-path', recorder, '-flight-recorder-age', '2s'];
      const app = o.app ? await o.app(i) : await startGoTarget({ args: [...(o.appArgs ?? ['-cpu-workers', '1']), ...flight] });
      const tls = testSidecarCa().issueFor('127.0.0.1');
      const sidecar =
        (await o.sidecar?.(i, tls)) ??
        (await startInProcess(keys, app.url, [
          '--pod-namespace',
          namespace,
          '--pod-name',
          name,
          '--pod-uid',
          uid,
          ...tls.args,
          ...(recorder === undefined ? [] : ['--flight-recorder-path', recorder]),
          ...(o.sidecarArgs?.(i) ?? []),
        ]));
      return { namespace, name, uid, app, sidecar };
    }),
  );
  const targets = pods.map((p, i) => ({
    ...(o.profiles?.(i) ? { profiles: o.profiles(i) } : {}),
    namespace,
    name: p.name,
    uid: p.uid,
    ip: '127.0.0.1',
    port: p.sidecar.port,
    container: 'app',
    node: 'localhost',
    labels: o.labels ?? { app: 'web' },
    workload: o.workload ?? { kind: 'Deployment', name: 'web' },
    ...(o.flightRecorder?.(i) === undefined ? {} : { flightRecorder: o.flightRecorder(i) }),
  }));
  writeFileSync(files.targets, JSON.stringify(targets, null, 2));
  const logs: string[] = [];
  const log = createLogger('podprof-gateway', { destination: sink(logs), level: 'info' });
  const start = (extra: readonly string[]): Promise<RunningGateway> =>
    startGateway(parseFlags(GATEWAY_FLAGS, [...gatewayArgs(dir, files.store, keys), ...(o.gatewayArgs ?? []), ...extra], {}), log);
  let gateway = await start([]);
  // The sidecars trust the gateway's key: the harness key pair is both.
  return {
    get url() {
      return `https://127.0.0.1:${gateway.ports.main}`;
    },
    token,
    dir,
    storeDir: files.store,
    keys,
    sidecarCaFile: testSidecarCa().caFile,
    pods,
    get gateway() {
      return gateway;
    },
    logs,
    async addUser(name, groups = []) {
      const t = `podprof-test-${randomBytes(18).toString('base64url')}`;
      appendFileSync(files.tokens, `${t},${name},${groups.join('|')}\n`);
      await new Promise((r) => setTimeout(r, 20)); // a new mtime, whatever the file system's resolution
      return t;
    },
    setAuthorizer(a) {
      (gateway.context as { authorize: Authorizer }).authorize = a ?? allowAll;
    },
    async restartGateway(extra = []) {
      await gateway.close();
      gateway = await start(extra);
    },
    async close() {
      await gateway.close();
      await Promise.all(
        pods.map(async (p) => {
          await p.sidecar.close(500);
          await p.app.stop();
        }),
      );
      await rm(dir, { recursive: true, force: true });
      await rm(keys.dir, { recursive: true, force: true });
    },
  };
}

/** before/after hooks around a harness for the whole test file. */
export function useHarness(o: HarnessOptions = {}): () => Harness {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness(o);
  });
  after(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('used before the before() hook ran');
    return h;
  };
}

/** The gateway flags of a harness in `dir`: loopback ports, its static tokens and targets, its keys, the test sidecar CA. */
function gatewayArgs(dir: string, store: string, keys: TestKeys): string[] {
  return [
    ...['--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0'],
    ...['--auth', 'static', '--tokens-file', join(dir, 'tokens.csv'), '--authz', 'allow-all'],
    ...['--discovery', 'static', '--targets-file', join(dir, 'targets.json')],
    ...['--signing-key-file', keys.keyFile, '--store-dir', store, '--sidecar-ca-file', testSidecarCa().caFile],
  ];
}

/** The real `podprof gateway` (the built bundle, a child process) on a harness's tokens, targets, keys and sidecar CA. */
export function startChildGateway(h: Harness, extraArgs: readonly string[] = []): Promise<CliProcess> {
  const store = join(h.dir, `child-store-${randomBytes(4).toString('hex')}`);
  return startCli('gateway', [...gatewayArgs(h.dir, store, h.keys), ...extraArgs], { node: NODE, cwd: REPO });
}

/** `go tool pprof ARGS`; stdout. */
export async function goPprof(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileP('go', ['tool', 'pprof', ...args], {
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PPROF_TMPDIR: tmpdir() },
  });
  return stdout;
}

/** Per-sample-type totals exactly as `go tool pprof -raw [args] FILE` lists the samples (filters such as -tagfocus applied). */
export async function rawTotals(
  file: string,
  args: readonly string[] = [],
): Promise<{ types: string[]; totals: bigint[]; samples: number }> {
  const text = await goPprof(['-raw', ...args, file]);
  const lines = text.split('\n');
  const start = lines.indexOf('Samples:');
  const types = (lines[start + 1] ?? '').trim().split(/\s+/);
  const totals = types.map(() => 0n);
  let samples = 0;
  for (const line of lines.slice(start + 2)) {
    if (!/^\s/.test(line)) break;
    const m = /^\s*(-?\d+(?:\s+-?\d+)*):/.exec(line);
    if (!m) continue;
    samples++;
    m[1]!
      .trim()
      .split(/\s+/)
      .forEach((v, i) => (totals[i] = totals[i]! + BigInt(v)));
  }
  return { types, totals, samples };
}

/** The JSON error body the gateway answers API errors with. */
export function jsonError(r: { text: string }): { code: string; message: string; hint: string } {
  return JSON.parse(r.text) as { code: string; message: string; hint: string };
}
