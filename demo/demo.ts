// The demo (`podprof demo`, cli/demo.ts): the whole path on one machine — a Go app serving pprof, a
// sidecar in front of it, and a gateway (static discovery, a generated static
// token, allow-all authorization) — printing the URL and the token to use.
import { createPrivateKey, randomBytes, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { flag, parseFlags, type ConfigOf } from '../src/config/flags.ts';
import { int, str } from '../src/config/values.ts';
import type { Logger } from '../src/log.ts';
import { generateSigningKey, privateKeyPem } from '../src/token/keys.ts';
import { SIDECAR_FLAGS } from '../sidecar/config.ts';
import { startSidecar } from '../sidecar/server.ts';
import { GATEWAY_FLAGS } from '../gateway/config.ts';
import { startGateway } from '../gateway/server.ts';
import { issueLocally, loadSidecarCa, type SidecarCa } from '../gateway/identity/ca.ts';
import { createCertificate, subjectOf } from '../src/tls/x509.ts';
import { startDemoTarget } from './target.ts';
import { lockFolder, type FolderLock } from './folder-lock.ts';

export const DEMO_FLAGS = {
  port: flag(int(0, 65535), 'gateway HTTPS port on 127.0.0.1', { default: 8443 }),
  dir: flag(str, 'where the demo keeps its keys, token and captures', { default: join(homedir(), '.cache', 'podprof', 'demo') }),
  pods: flag(int(1, 20), 'how many demo pods (one app process and one sidecar each)', { default: 2 }),
  'log-level': flag(str, 'pino log level', { default: 'warn' }),
} as const;

export type DemoConfig = ConfigOf<typeof DEMO_FLAGS>;

interface Closer {
  close(): Promise<void>;
}

/**
 * The sidecar's serving certificate for 127.0.0.1 from the gateway's own CA
 * (<store>/.sidecar-ca): in a cluster the gateway signs it after the sidecar
 * enrolls with its pod-bound token; the demo has no API server, so it signs here.
 */
async function sidecarCert(dir: string, i: number, name: string, ca: SidecarCa): Promise<string[]> {
  const leaf = issueLocally(ca, { namespace: 'demo', pod: name, ip: '127.0.0.1', validForMs: 30 * 86_400_000 });
  const files = { cert: join(dir, `sidecar-${i}.crt`), key: join(dir, `sidecar-${i}.key`) };
  await writeFile(files.cert, leaf.certPem);
  await writeFile(files.key, leaf.keyPem, { mode: 0o600 });
  return ['--tls-cert-file', files.cert, '--tls-key-file', files.key];
}

async function startPod(
  i: number,
  dir: string,
  jwksFile: string,
  ca: SidecarCa,
  log: Logger,
): Promise<{ kind: string; target: object; closers: Closer[] }> {
  const app = await startDemoTarget();
  // The Node app serves CPU and heap profiles only (V8 has no goroutines, block or mutex profiles).
  const profiles = app.kind === 'node' ? ['profile', 'heap', 'symbol'] : undefined;
  const name = `demo-app-7c9d5-${['x2k4p', 'm8q1z', 'b7w3n', 'r5t9v'][i % 4]}${i >= 4 ? i : ''}`;
  const uid = randomUUID();
  const sidecar = await startSidecar(
    parseFlags(
      SIDECAR_FLAGS,
      [
        '--listen',
        '127.0.0.1:0',
        '--health-listen',
        '127.0.0.1:0',
        '--upstream',
        app.url,
        '--jwks-file',
        jwksFile,
        '--bypass-check-interval',
        '0',
        ...(await sidecarCert(dir, i, name, ca)),
        ...(profiles ? ['--profiles', profiles.join(',')] : []),
      ],
      { POD_NAMESPACE: 'demo', POD_NAME: name, POD_UID: uid },
    ),
    log.child({ pod: name }),
  ).catch(async (err: unknown) => {
    await app.stop();
    throw err;
  });
  const target = {
    namespace: 'demo',
    name,
    uid,
    ip: '127.0.0.1',
    port: sidecar.ports.main,
    container: 'app',
    node: 'localhost',
    labels: { app: 'demo-app', runtime: app.kind },
    workload: { kind: 'Deployment', name: 'demo-app' },
    ...(profiles ? { profiles } : {}),
  };
  return { kind: app.kind, target, closers: [{ close: () => sidecar.close(2000) }, { close: () => app.stop() }] };
}

export interface RunningDemo {
  readonly url: string;
  readonly token: string;
  /** 'go' (the Go app) or 'node' (no Go on PATH). */
  readonly kind: string;
  readonly pods: number;
  /** The first pod's name, for the examples the CLI prints. */
  readonly first: string;
  /** The demo's folder (--dir). */
  readonly dir: string;
  /** The CA that signs the gateway's certificate (<dir>/ca.crt). */
  readonly caFile: string;
  close(): Promise<void>;
}

/** Throws, naming the port and the folder, when 127.0.0.1:port is taken (0: any free port, nothing to check). */
async function checkPortFree(port: number, dir: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  })
    .catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new Error(portTaken(port, dir, err.code), { cause: err }) : err;
    })
    .finally(() => probe.close());
}

const portTaken = (port: number, dir: string, code = 'EADDRINUSE'): string =>
  `--port ${port}: 127.0.0.1:${port} is ${code === 'EACCES' ? 'not allowed' : 'already in use'} (another demo?); nothing in ${dir} was changed. Stop what listens there, or pick another port: --port 0 picks a free one`;

/**
 * The demo's CA (<dir>/ca.crt, kept across runs so a saved path keeps working) and
 * the gateway's serving certificate for 127.0.0.1 and localhost, signed by it: users
 * verify the gateway with ca.crt (curl --cacert, go tool pprof -tls_ca, podprof --ca-file).
 */
async function gatewayTls(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const files = { ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'gateway.crt'), key: join(dir, 'gateway.key') };
  let ca: { certPem: string; key: KeyObject } | undefined;
  try {
    const certPem = await readFile(files.ca, 'utf8');
    const key = createPrivateKey(await readFile(files.caKey, 'utf8'));
    const cert = new X509Certificate(certPem);
    if (cert.ca && cert.checkPrivateKey(key) && Date.parse(cert.validTo) > Date.now() + 31 * 86_400_000) ca = { certPem, key };
  } catch {
    // none yet, or unreadable: a new one
  }
  if (!ca) {
    const made = createCertificate({ commonName: DEMO_CA_NAME, isCA: true, days: 825 });
    await writeFile(files.caKey, made.keyPem, { mode: 0o600 });
    await writeFile(files.ca, made.certPem);
    ca = made;
  }
  const leaf = createCertificate({
    commonName: 'podprof demo gateway',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    days: 30,
    issuer: { commonName: DEMO_CA_NAME, key: ca.key, name: subjectOf(new X509Certificate(ca.certPem).raw) },
  });
  await writeFile(files.key, leaf.keyPem, { mode: 0o600 });
  await writeFile(files.cert, leaf.certPem);
  return { ca: files.ca, cert: files.cert, key: files.key };
}

const DEMO_CA_NAME = 'podprof demo CA';

/**
 * Starts the demo's pods (app + sidecar each) and a gateway in front of them.
 * The folder is locked and the port checked before anything is written: a second
 * demo on the same folder or port leaves the first's token, targets and keys alone.
 */
export async function startDemo(c: DemoConfig, log: Logger): Promise<RunningDemo> {
  await mkdir(join(c.dir, 'store'), { recursive: true });
  const lock = lockFolder(c.dir);
  try {
    await checkPortFree(c.port, c.dir);
    return await startLocked(c, log, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(c: DemoConfig, log: Logger, lock: FolderLock): Promise<RunningDemo> {
  const key = generateSigningKey();
  const files = {
    key: join(c.dir, 'signing-key.pem'),
    jwks: join(c.dir, 'jwks.json'),
    tokens: join(c.dir, 'tokens.csv'),
    targets: join(c.dir, 'targets.json'),
  };
  await writeFile(files.key, privateKeyPem(key), { mode: 0o600 });
  await writeFile(files.jwks, JSON.stringify({ keys: [key.publicJwk] }));
  const token = `podprof-demo-${randomBytes(18).toString('base64url')}`;
  await writeFile(files.tokens, `${token},demo-user,podprof-demo\n`, { mode: 0o600 });
  const tls = await gatewayTls(c.dir);
  const ca = loadSidecarCa({ storeDir: join(c.dir, 'store') });
  const closers: Closer[] = [];
  // Whatever fails (a port taken since the check, an app that does not start), stop what already
  // runs: the sidecars' servers and the app processes would keep the CLI alive.
  const stopAll = (): Promise<unknown> => Promise.allSettled(closers.map((x) => x.close()));
  const targets: object[] = [];
  let kind = 'go';
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    for (let i = 0; i < c.pods; i++) {
      const pod = await startPod(i, c.dir, files.jwks, ca, log);
      kind = pod.kind;
      targets.push(pod.target);
      closers.push(...pod.closers);
    }
    await writeFile(files.targets, JSON.stringify(targets, null, 2));
    gateway = await startGateway(
      parseFlags(
        GATEWAY_FLAGS,
        [
          '--listen',
          `127.0.0.1:${c.port}`,
          '--health-listen',
          '127.0.0.1:0',
          '--tls-cert-file',
          tls.cert,
          '--tls-key-file',
          tls.key,
          '--link-tls-ca',
          tls.ca,
          '--auth',
          'static',
          '--tokens-file',
          files.tokens,
          '--authz',
          'allow-all',
          '--discovery',
          'static',
          '--targets-file',
          files.targets,
          '--signing-key-file',
          files.key,
          '--store-dir',
          join(c.dir, 'store'),
        ],
        {},
      ),
      log,
    ).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' ? new Error(portTaken(c.port, c.dir), { cause: err }) : err;
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    url: `https://127.0.0.1:${gateway.ports.main}`,
    token,
    kind,
    pods: c.pods,
    first: (targets[0] as { name: string }).name,
    dir: c.dir,
    caFile: tls.ca,
    async close(): Promise<void> {
      await gateway.close();
      await Promise.all(closers.map((x) => x.close()));
      lock.release();
    },
  };
}
