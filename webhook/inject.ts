// The pure injection: pod in, injected pod out. No I/O. The admission patch is
// the diff of the two (webhook/patch.ts), never written by hand.
import { A, INJECTED_LABEL, SIDECAR_NAME, SIDECAR_PORT_NAME, type PodOptions } from '../src/annotations.ts';
import { ENROLL_AUDIENCE, ENROLL_PATH, TOKEN_DIR, TOKEN_FILE } from '../src/enrollment.ts';
import { formatMi, parseQuantity } from '../src/k8s/quantity.ts';
import type { Container, EnvVar, Pod, ResourceList } from '../src/k8s/types.ts';
import { SIDECAR_DEFAULTS, type InjectSettings } from './settings.ts';

export interface InjectionStatus {
  version: string;
  container: string;
  native: boolean;
  port: number;
  healthPort: number;
}

function usedPorts(pod: Pod): Set<number> {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return new Set(all.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
}

/** The first port from `preferred` upwards that no container uses and that is not `avoid`. */
function freePort(used: Set<number>, preferred: number, avoid: readonly number[]): number {
  let p = preferred;
  while (used.has(p) || avoid.includes(p)) p++;
  return p;
}

/** A Guaranteed pod: every container sets cpu and memory limits equal to its requests (or limits only). */
export function isGuaranteed(pod: Pod): boolean {
  const cs = pod.spec?.containers ?? [];
  return (
    cs.length > 0 &&
    cs.every((c) => {
      const l = c.resources?.limits ?? {};
      const r = c.resources?.requests ?? l;
      return ['cpu', 'memory'].every((k) => l[k] !== undefined && parseQuantity(l[k]) === parseQuantity(r[k] ?? l[k]));
    })
  );
}

function resources(pod: Pod, o: PodOptions): { requests: ResourceList; limits: ResourceList } {
  const memory = o.sidecarMemory ?? SIDECAR_DEFAULTS.memoryRequest;
  const memoryLimit = formatMi(
    Math.max((parseQuantity(memory) ?? 0) * SIDECAR_DEFAULTS.memoryLimitFactor, parseQuantity(SIDECAR_DEFAULTS.memoryLimitFloor) ?? 0),
  );
  if (isGuaranteed(pod)) {
    const same = { cpu: o.sidecarCpu ?? SIDECAR_DEFAULTS.guaranteedCpu, memory: memoryLimit };
    return { requests: { ...same }, limits: { ...same } };
  }
  return { requests: { cpu: o.sidecarCpu ?? SIDECAR_DEFAULTS.cpuRequest, memory }, limits: { memory: memoryLimit } };
}

function env(s: InjectSettings): EnvVar[] {
  const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
  const out = [
    field('POD_NAME', 'metadata.name'),
    field('POD_NAMESPACE', 'metadata.namespace'),
    field('POD_UID', 'metadata.uid'),
    field('POD_IP', 'status.podIP'),
  ];
  if (s.jwks !== undefined) out.push({ name: 'PODPROF_JWKS', value: s.jwks });
  if (s.gatewayUrl !== undefined)
    out.push({ name: 'PODPROF_JWKS_URL', value: `${s.gatewayUrl.replace(/\/+$/, '')}/.well-known/jwks.json` });
  if (s.gatewayCa !== undefined) out.push({ name: 'PODPROF_JWKS_CA', value: s.gatewayCa });
  return out;
}

/**
 * The projected ServiceAccount token the sidecar enrolls with: audience
 * podprof-sidecar, bound to this pod by the API server, rotated by the kubelet.
 * Only with a gateway URL (enrollment is the gateway's), and only when the pod
 * names its ServiceAccount: the API server refuses a token volume otherwise
 * ("must not be specified when serviceAccountName is not set"). In a cluster
 * the ServiceAccount admission plugin has set it before any webhook runs.
 */
export const TOKEN_VOLUME = 'podprof-token';

export function enrolls(pod: Pod, s: InjectSettings): boolean {
  return s.gatewayUrl !== undefined && typeof pod.spec?.serviceAccountName === 'string' && pod.spec.serviceAccountName !== '';
}

function enrollArgs(pod: Pod, s: InjectSettings): string[] {
  return !enrolls(pod, s) || s.gatewayUrl === undefined
    ? []
    : [`--enroll-url=${s.gatewayUrl.replace(/\/+$/, '')}${ENROLL_PATH}`, `--enroll-token-file=${TOKEN_FILE}`];
}

export function sidecarContainer(
  pod: Pod,
  o: PodOptions,
  s: InjectSettings,
  native: boolean,
  ports: { port: number; healthPort: number },
): Container {
  const probe = (path: string): Record<string, unknown> => ({
    httpGet: { path, port: 'podprof-health' },
    periodSeconds: 10,
    timeoutSeconds: 2,
  });
  return {
    name: SIDECAR_NAME,
    image: s.sidecarImage,
    args: [
      `--listen=:${ports.port}`,
      `--health-listen=:${ports.healthPort}`,
      `--upstream=http://127.0.0.1:${o.port}`,
      `--path-prefix=${o.path}`,
      `--profiles=${o.profiles.join(',')}`,
      `--max-seconds=${o.maxSeconds}`,
      ...(o.flightRecorder === undefined ? [] : [`--flight-recorder-path=${o.flightRecorder}`]),
      ...enrollArgs(pod, s),
    ],
    env: env(s),
    ...(enrolls(pod, s) ? { volumeMounts: [{ name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true }] } : {}),
    ports: [
      { name: SIDECAR_PORT_NAME, containerPort: ports.port, protocol: 'TCP' },
      { name: 'podprof-health', containerPort: ports.healthPort, protocol: 'TCP' },
    ],
    resources: resources(pod, o),
    // Started once it answers (checked every second): the app waits for a native sidecar to start, and
    // the kubelet runs the readiness probe at once then, not a period later (pod Ready +1 s, not +10 s).
    startupProbe: { ...probe('/healthz'), periodSeconds: 1, failureThreshold: 60 },
    readinessProbe: probe('/readyz'),
    livenessProbe: { ...probe('/healthz'), failureThreshold: 6 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(native ? { restartPolicy: 'Always' } : {}),
  };
}

/** The injected pod. Idempotent: a pod that already carries the sidecar comes back unchanged. */
export function inject(pod: Pod, options: PodOptions, settings: InjectSettings): Pod {
  const existing = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (existing.some((c) => c.name === SIDECAR_NAME)) return pod;
  // Copy only what changes (metadata maps and the container lists are replaced
  // below, never mutated): cloning the whole pod, managedFields included, was
  // most of the cost of a review.
  const out: Pod = { ...pod, metadata: { ...pod.metadata }, spec: { ...(pod.spec ?? { containers: [] }) } };
  const spec = out.spec!;
  const native = options.nativeSidecar ?? settings.nativeSidecars;
  const used = usedPorts(out);
  const port = freePort(used, SIDECAR_DEFAULTS.listenPort, [options.port]);
  const healthPort = freePort(used, SIDECAR_DEFAULTS.healthPort, [options.port, port]);
  const sidecar = sidecarContainer(out, options, settings, native, { port, healthPort });
  if (native) spec.initContainers = [sidecar, ...(spec.initContainers ?? [])];
  else spec.containers = [...spec.containers, sidecar];
  if (enrolls(out, settings)) {
    spec.volumes = [
      ...(spec.volumes ?? []).filter((v) => v.name !== TOKEN_VOLUME),
      {
        name: TOKEN_VOLUME,
        projected: { sources: [{ serviceAccountToken: { audience: ENROLL_AUDIENCE, expirationSeconds: 3600, path: 'token' } }] },
      },
    ];
  }
  const meta = (out.metadata ??= {});
  const status: InjectionStatus = { version: settings.version, container: SIDECAR_NAME, native, port, healthPort };
  meta.annotations = { ...meta.annotations, [A.status]: JSON.stringify(status) };
  meta.labels = { ...meta.labels, [INJECTED_LABEL]: 'true' };
  return out;
}
