// How the kubelet stand-in runs a container image: a ContainerRuntime turns a
// container of a stored pod (plus its pod IP and resolved env) into a process.
//
// Pods share the host's loopback here, so "the pod's own loopback" becomes the
// pod IP 127.0.0.N: the app listens on 127.0.0.N:<port> and the sidecar's
// loopback --upstream is rewritten to 127.0.0.N (still loopback, so the
// sidecar accepts it).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoTarget } from '../../../demo/go-target.ts';
import { testSidecarCa } from '../product/sidecar-ca.ts';

export const SIDECAR_CONTAINER = 'podprof-sidecar';
export const REPO_DIR = fileURLToPath(new URL('../../../', import.meta.url));

export interface RuntimeContext {
  pod: V1Pod;
  container: V1Container;
  ip: string;
  /** The container's env from the pod spec, resolved. */
  env: Readonly<Record<string, string>>;
  /** command + args from the spec, $(VAR)-expanded. */
  argv: readonly string[];
}

export type Readiness = { stdoutMatches: RegExp } | { httpGet: string } | { immediately: true };

export interface ProcessSpec {
  command: string;
  args: string[];
  /** Extra env on top of the container's env. */
  env?: Record<string, string>;
  cwd?: string;
  /** When the container counts as ready (a readinessProbe.httpGet in the spec takes precedence). */
  readiness: Readiness;
}

export type ContainerRuntime = (ctx: RuntimeContext) => ProcessSpec | Promise<ProcessSpec>;

/** Value of --name (last one wins, `--name v` or `--name=v`), like src/config/flags.ts reads it. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  argv.forEach((a, i) => {
    if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
    else if (a === `--${name}`) value = argv[i + 1]?.startsWith('--') === false ? argv[i + 1] : 'true';
  });
  return value;
}

export function withoutFlag(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith(`--${name}=`)) continue;
    if (a === `--${name}`) {
      if (argv[i + 1]?.startsWith('--') === false) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

const portOf = (hostPort: string | undefined, fallback: number): number => Number(/:(\d+)$/.exec(hostPort ?? '')?.[1] ?? fallback);
const isLoopbackHost = (h: string): boolean => h === 'localhost' || h === '[::1]' || h.startsWith('127.');

function sidecarSettings(c: V1Container): { argv: string[]; env: Record<string, string> } {
  const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']));
  return { argv: [...(c.command ?? []), ...(c.args ?? [])], env };
}

/** The port of the app's pprof server: the pod's sidecar --upstream port, else the first containerPort, else 6060. */
export function appPort(pod: V1Pod, c: V1Container): number {
  const sidecar = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === SIDECAR_CONTAINER);
  if (sidecar !== undefined) {
    const { argv, env } = sidecarSettings(sidecar);
    const upstream = flagValue(argv, 'upstream') ?? env.PODPROF_UPSTREAM;
    return upstream === undefined ? 6060 : Number(new URL(upstream).port || 80);
  }
  return c.ports?.[0]?.containerPort ?? 6060;
}

/**
 * The Go pprof fixture (test/fixtures/target) as the app: -listen 127.0.0.N:<appPort>,
 * -workload=false (the workload costs ~40% of a core per pod). The container's
 * args are passed on (after those) when its image is the fixture's own.
 */
export const goTargetRuntime: ContainerRuntime = async ({ pod, container, ip }) => ({
  command: await buildGoTarget(),
  args: [
    '-listen',
    `${ip}:${appPort(pod, container)}`,
    '-workload=false',
    ...((container.image ?? '').includes('podprof-test-target') ? (container.args ?? []) : []),
  ],
  readiness: { stdoutMatches: /^listening on http:\/\// },
});

/**
 * `node bin/podprof.mjs sidecar` with the container's command+args (a leading
 * program name and `sidecar` subcommand dropped) and env, --listen and
 * --health-listen moved to 127.0.0.N (same ports; default 8443/8081), and a
 * loopback --upstream moved to 127.0.0.N. Ready when GET /readyz answers 200.
 */
export const sidecarRuntime: ContainerRuntime = ({ argv, env, ip }) => {
  const bin = join(REPO_DIR, 'bin/podprof.mjs');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first`);
  let rest = [...argv];
  if (rest[0] !== undefined && /(^|\/)(podprof(\.mjs)?|node)$/.test(rest[0])) rest.shift();
  if (rest[0]?.endsWith('podprof.mjs') === true) rest.shift();
  if (rest[0] === 'sidecar') rest.shift();
  const listen = portOf(flagValue(rest, 'listen') ?? env.PODPROF_LISTEN, 8443);
  const health = portOf(flagValue(rest, 'health-listen') ?? env.PODPROF_HEALTH_LISTEN, 8081);
  const upstream = new URL(flagValue(rest, 'upstream') ?? env.PODPROF_UPSTREAM ?? 'http://127.0.0.1:6060');
  if (isLoopbackHost(upstream.hostname)) upstream.hostname = ip;
  for (const f of ['listen', 'health-listen', 'upstream']) rest = withoutFlag(rest, f);
  // A serving certificate for the pod IP from the test sidecar CA, as cert-manager's
  // CSI driver would mount one; unless the sidecar enrolls with the gateway itself.
  const tls =
    flagValue(rest, 'enroll-url') === undefined && flagValue(rest, 'tls-cert-file') === undefined ? testSidecarCa().issueFor(ip).args : [];
  return {
    command: process.execPath,
    args: [
      bin,
      'sidecar',
      ...rest,
      ...tls,
      '--listen',
      `${ip}:${listen}`,
      '--health-listen',
      `${ip}:${health}`,
      '--upstream',
      upstream.href.replace(/\/$/, ''),
    ],
    cwd: REPO_DIR,
    readiness: { httpGet: `http://${ip}:${health}/readyz` },
  };
};

/**
 * Keys are container names (exact) or image patterns (`*` matches anything; no
 * `*` means the exact image). A name match wins over an image match.
 */
export const DEFAULT_RUNTIMES: Readonly<Record<string, ContainerRuntime>> = {
  [SIDECAR_CONTAINER]: sidecarRuntime,
  '*podprof-test-target*': goTargetRuntime,
};

const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  );

export function findRuntime(runtimes: Readonly<Record<string, ContainerRuntime>>, c: V1Container): ContainerRuntime | undefined {
  const byName = Object.hasOwn(runtimes, c.name) ? runtimes[c.name] : undefined;
  if (byName !== undefined) return byName;
  const image = c.image ?? '';
  const entry = Object.entries(runtimes).find(([key]) => globToRegExp(key).test(image));
  return entry?.[1];
}
