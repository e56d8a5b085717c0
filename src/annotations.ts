// The annotation contract (docs/design.md §2.1): what a pod says about podprof, parsed
// and validated in one place for the webhook, `podprof explain` and the gateway.
import { parseQuantity } from './k8s/quantity.ts';
import type { Pod } from './k8s/types.ts';
import { parseGoVersion, parseModuleVersion, type ModuleVersion } from './source/locate.ts';
import { DEFAULT_PROFILES, PROFILE_TYPES, isProfileType, type ProfileType } from './endpoints/catalog.ts';

export const DOMAIN = 'podprof.io';
export const A = {
  inject: `${DOMAIN}/inject`,
  port: `${DOMAIN}/port`,
  path: `${DOMAIN}/path`,
  container: `${DOMAIN}/container`,
  profiles: `${DOMAIN}/profiles`,
  maxSeconds: `${DOMAIN}/max-seconds`,
  flightRecorder: `${DOMAIN}/flight-recorder`,
  sidecarCpu: `${DOMAIN}/sidecar-cpu`,
  sidecarMemory: `${DOMAIN}/sidecar-memory`,
  nativeSidecar: `${DOMAIN}/native-sidecar`,
  status: `${DOMAIN}/status`,
  goVersion: `${DOMAIN}/go-version`,
  mainModule: `${DOMAIN}/main-module`,
} as const;
export const INJECTED_LABEL = `${DOMAIN}/injected`;
export const NAMESPACE_OPT_IN_LABEL = `${DOMAIN}/inject`;
export const SIDECAR_NAME = 'podprof-sidecar';
export const SIDECAR_PORT_NAME = 'podprof';

export interface PodOptions {
  readonly port: number;
  readonly path: string;
  readonly container: string | undefined;
  readonly profiles: readonly ProfileType[];
  readonly maxSeconds: number;
  /** Where the app serves its runtime/trace.FlightRecorder snapshot on its pprof port, if it does. */
  readonly flightRecorder: string | undefined;
  readonly sidecarCpu: string | undefined;
  readonly sidecarMemory: string | undefined;
  readonly nativeSidecar: boolean | undefined;
  /** The app's Go version (go1.22.3), for standard library source in the Source view. */
  readonly goVersion: string | undefined;
  /** The main module and its version (github.com/acme/svc@v1.4.0), for its source in the Source view. */
  readonly mainModule: ModuleVersion | undefined;
  /** Where port and path came from: podprof.io, or a bridge annotation. */
  readonly source: string;
}

export interface AnnotationProblem {
  readonly key: string;
  readonly value: string;
  readonly allowed: string;
}

/** Grafana (Alloy/Pyroscope) profile types and the pprof endpoints their `.path` annotation names in full. */
const GRAFANA_ENDPOINTS: Record<string, readonly string[]> = {
  cpu: ['profile'],
  memory: ['heap', 'allocs'],
  goroutine: ['goroutine'],
  block: ['block'],
  mutex: ['mutex'],
};

function portProblem(key: string, v: string): AnnotationProblem | undefined {
  return /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535
    ? undefined
    : { key, value: v, allowed: 'a port number from 1 to 65535' };
}

function pathProblem(key: string, v: string): AnnotationProblem | undefined {
  const ok = /^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]\/*$/.test(v) && !v.includes('//') && !v.split('/').some((s) => s === '..' || s === '.');
  return ok ? undefined : { key, value: v, allowed: 'an absolute path like /debug/pprof (not "/")' };
}

/** A Grafana `.path` names the whole endpoint (/debug/pprof/profile); the prefix is what precedes it. */
function grafanaPrefix(key: string, v: string, endpoints: readonly string[], problems: AnnotationProblem[]): string | undefined {
  const trimmed = v.replace(/\/+$/, '');
  const endpoint = endpoints.find((e) => trimmed.endsWith(`/${e}`));
  const prefix = endpoint === undefined ? undefined : trimmed.slice(0, -endpoint.length - 1);
  if (prefix === undefined || pathProblem(key, prefix) !== undefined) {
    problems.push({
      key,
      value: v,
      allowed: `the full endpoint, ending in ${endpoints.map((e) => `/${e}`).join(' or ')}, e.g. /debug/pprof/${endpoints[0] ?? 'profile'}`,
    });
    return undefined;
  }
  return prefix;
}

/** The first port/path annotation set, in order: podprof.io, Grafana (Alloy/Pyroscope), Parca, profefe. */
function upstreamSource(a: Record<string, string>): { portKey?: string; pathKey?: string; endpoints?: readonly string[]; source: string } {
  if (a[A.port] !== undefined || a[A.path] !== undefined) return { portKey: A.port, pathKey: A.path, source: DOMAIN };
  for (const [t, endpoints] of Object.entries(GRAFANA_ENDPOINTS)) {
    const byNumber = `profiles.grafana.com/${t}.port`;
    const byName = `profiles.grafana.com/${t}.port_name`;
    const portKey = a[byNumber] === undefined && a[byName] !== undefined ? byName : byNumber;
    const pathKey = `profiles.grafana.com/${t}.path`;
    if (a[portKey] !== undefined || a[pathKey] !== undefined) return { portKey, pathKey, endpoints, source: 'profiles.grafana.com' };
  }
  if (a['parca.dev/port'] !== undefined) return { portKey: 'parca.dev/port', source: 'parca.dev' };
  if (a['profefe.com/port'] !== undefined || a['profefe.com/path'] !== undefined)
    return { portKey: 'profefe.com/port', pathKey: 'profefe.com/path', source: 'profefe.com' };
  return { source: 'defaults' };
}

function check(problems: AnnotationProblem[], p: AnnotationProblem | undefined): void {
  if (p) problems.push(p);
}

function parseProfiles(raw: string | undefined, problems: AnnotationProblem[]): readonly ProfileType[] {
  if (raw === undefined) return DEFAULT_PROFILES;
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = items.filter((s) => !isProfileType(s));
  if (bad.length > 0 || items.length === 0) {
    problems.push({ key: A.profiles, value: raw, allowed: `a comma-separated list of ${PROFILE_TYPES.join(', ')}` });
    return DEFAULT_PROFILES;
  }
  return items as ProfileType[];
}

function parseBoolean(key: string, raw: string | undefined, problems: AnnotationProblem[]): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  problems.push({ key, value: raw, allowed: '"true" or "false"' });
  return undefined;
}

function quantity(key: string, raw: string | undefined, problems: AnnotationProblem[]): string | undefined {
  if (raw !== undefined && parseQuantity(raw) === undefined)
    problems.push({ key, value: raw, allowed: 'a Kubernetes quantity such as 50m, 0.1, 64Mi or 1Gi' });
  return raw;
}

/**
 * A port number, or (the bridges: parca.dev/port, profiles.grafana.com/<type>.port_name) the name
 * of one of the pod's container ports, resolved to its number.
 */
function resolvePort(pod: Pod, key: string, raw: string): { port?: number; problem?: AnnotationProblem } {
  if (/^\d+$/.test(raw)) {
    const p = portProblem(key, raw);
    return p ? { problem: p } : { port: Number(raw) };
  }
  const named = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []).filter((p) => p.name !== undefined);
  const byName = key === 'parca.dev/port' || key.endsWith('.port_name');
  const hit = byName ? named.find((p) => p.name === raw) : undefined;
  if (hit) return { port: hit.containerPort };
  const names = named.map((p) => p.name).join(', ');
  return {
    problem: {
      key,
      value: raw,
      allowed: byName
        ? `a port number from 1 to 65535, or the name of one of the pod's container ports (${names || 'none is named'})`
        : 'a port number from 1 to 65535',
    },
  };
}

function readUpstream(pod: Pod, a: Record<string, string>, problems: AnnotationProblem[]): { port: number; path: string; source: string } {
  const src = upstreamSource(a);
  const rawPort = src.portKey === undefined ? undefined : a[src.portKey];
  const rawPath = src.pathKey === undefined ? undefined : a[src.pathKey];
  const resolved = rawPort === undefined ? undefined : resolvePort(pod, src.portKey ?? A.port, rawPort);
  const portBad = resolved?.problem;
  check(problems, portBad);
  const pathKey = src.pathKey ?? A.path;
  let path: string | undefined;
  if (rawPath !== undefined && src.endpoints) path = grafanaPrefix(pathKey, rawPath, src.endpoints, problems);
  else if (rawPath !== undefined) {
    const pathBad = pathProblem(pathKey, rawPath);
    check(problems, pathBad);
    path = pathBad ? undefined : rawPath.replace(/\/+$/, '');
  }
  return { port: resolved?.port ?? 6060, path: path ?? '/debug/pprof', source: src.source };
}

function readContainer(pod: Pod, raw: string | undefined, problems: AnnotationProblem[]): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (raw !== undefined && !names.includes(raw)) {
    problems.push({ key: A.container, value: raw, allowed: `the name of one of the pod's containers (${names.join(', ') || 'none'})` });
  }
  return raw ?? names[0];
}

function readMaxSeconds(raw: string | undefined, problems: AnnotationProblem[]): number {
  if (raw === undefined) return 60;
  if (/^\d{1,4}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 3600) return Number(raw);
  problems.push({ key: A.maxSeconds, value: raw, allowed: 'a whole number of seconds from 1 to 3600' });
  return 60;
}

function readFlightRecorder(raw: string | undefined, problems: AnnotationProblem[]): string | undefined {
  if (raw === undefined) return undefined;
  const p = pathProblem(A.flightRecorder, raw);
  if (p) problems.push({ ...p, allowed: 'an absolute path like /debug/flightrecorder, served on the pprof port' });
  return p ? undefined : raw.replace(/\/+$/, '');
}

function readGoVersion(raw: string | undefined, problems: AnnotationProblem[]): string | undefined {
  if (raw === undefined) return undefined;
  const v = parseGoVersion(raw);
  if (!v.ok) problems.push({ key: A.goVersion, value: raw, allowed: 'a Go release from go1.21.0 on, like go1.22.3 (runtime.Version())' });
  return v.ok ? v.version : undefined;
}

function readMainModule(raw: string | undefined, problems: AnnotationProblem[]): ModuleVersion | undefined {
  if (raw === undefined) return undefined;
  const m = parseModuleVersion(raw);
  if (!m.ok)
    problems.push({ key: A.mainModule, value: raw, allowed: 'module@version with a canonical version, like github.com/acme/svc@v1.4.0' });
  return m.ok ? m.mv : undefined;
}

/** Parse every podprof annotation of a pod; problems name the key, the value and what is allowed. */
export function readPodOptions(pod: Pod): { options: PodOptions; problems: AnnotationProblem[] } {
  const a = pod.metadata?.annotations ?? {};
  const problems: AnnotationProblem[] = [];
  const inject = a[A.inject];
  if (inject !== undefined && inject !== 'true' && inject !== 'false')
    problems.push({ key: A.inject, value: inject, allowed: '"true" or "false"' });
  const options: PodOptions = {
    ...readUpstream(pod, a, problems),
    container: readContainer(pod, a[A.container], problems),
    profiles: parseProfiles(a[A.profiles], problems),
    maxSeconds: readMaxSeconds(a[A.maxSeconds], problems),
    flightRecorder: readFlightRecorder(a[A.flightRecorder], problems),
    sidecarCpu: quantity(A.sidecarCpu, a[A.sidecarCpu], problems),
    sidecarMemory: quantity(A.sidecarMemory, a[A.sidecarMemory], problems),
    nativeSidecar: parseBoolean(A.nativeSidecar, a[A.nativeSidecar], problems),
    goVersion: readGoVersion(a[A.goVersion], problems),
    mainModule: readMainModule(a[A.mainModule], problems),
  };
  return { options, problems };
}

export function describeProblems(problems: readonly AnnotationProblem[]): string {
  return problems.map((p) => `annotation ${p.key}="${p.value.slice(0, 100)}" is invalid: want ${p.allowed}`).join('; ');
}
