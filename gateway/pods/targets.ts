// A target is one injected pod the gateway can route to. Pure: built from the
// pod as the API server stores it (or from a static targets file).
import { A, INJECTED_LABEL, SIDECAR_NAME, SIDECAR_PORT_NAME, readPodOptions } from '../../src/annotations.ts';
import type { Workload } from '../../src/api/types.ts';
import type { Container, Pod } from '../../src/k8s/types.ts';
import type { ProfileType } from '../../src/endpoints/catalog.ts';
import type { ModuleVersion } from '../../src/source/locate.ts';

export interface Target {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Pod IP; empty until the pod has one. */
  readonly ip: string;
  /** The sidecar's HTTPS port. */
  readonly port: number;
  readonly node: string;
  /** The app's pprof path prefix, which the sidecar serves under too. */
  readonly path: string;
  /** The app container that serves pprof. */
  readonly container: string;
  readonly profiles: readonly ProfileType[];
  readonly maxSeconds: number;
  /** Where the app serves a runtime/trace.FlightRecorder snapshot (podprof.io/flight-recorder), if it does. */
  readonly flightRecorder?: string;
  /** podprof.io/go-version and podprof.io/main-module, for the Source view. */
  readonly goVersion?: string;
  readonly mainModule?: ModuleVersion;
  readonly labels: Readonly<Record<string, string>>;
  /** The controlling workload, e.g. { kind: 'Deployment', name: 'web' } (a ReplicaSet's pod counts as its Deployment's). */
  readonly workload?: Workload;
  /** The pod's controller ownerReference as written on the pod (checked against the workload before a fan-out). */
  readonly owner?: { readonly kind: string; readonly name: string; readonly uid?: string };
  readonly podReady: boolean;
  readonly sidecarReady: boolean;
  readonly phase: string;
  /** The pod has a deletionTimestamp: it is going, and gets no new certificate. */
  readonly deleting?: boolean;
}

export function routable(t: Target): boolean {
  return t.ip !== '' && t.podReady && t.sidecarReady;
}

function sidecarOf(pod: Pod): Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === SIDECAR_NAME);
}

function ownerOf(pod: Pod): Target['owner'] {
  const o = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  return o ? { kind: o.kind, name: o.name, uid: o.uid } : undefined;
}

function workloadOf(pod: Pod): Target['workload'] {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return undefined;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash !== undefined && owner.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  }
  return { kind: owner.kind, name: owner.name };
}

interface PodStatus {
  phase?: string;
  podIP?: string;
  conditions?: Array<{ type: string; status: string }>;
  containerStatuses?: Array<{ name: string; ready: boolean }>;
  initContainerStatuses?: Array<{ name: string; ready: boolean }>;
}

function readiness(status: PodStatus): Pick<Target, 'podReady' | 'sidecarReady' | 'phase' | 'ip'> {
  const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  return {
    ip: status.podIP ?? '',
    podReady: status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    sidecarReady: statuses.find((s) => s.name === SIDECAR_NAME)?.ready ?? false,
    phase: status.phase ?? 'Unknown',
  };
}

/**
 * Why a pod with podprof's sidecar is still no target, or undefined: it must
 * carry the status the webhook writes (a pod owner can write a container
 * named podprof-sidecar and the label by hand, never through the webhook's
 * checks), and not share the node's network (its "pod IP" is the node's, where
 * anything on the node may answer).
 */
export function notRoutableBecause(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork === true) return 'hostNetwork: the pod IP is the node’s';
  const raw = pod.metadata?.annotations?.[A.status];
  let status: { container?: unknown } | undefined;
  try {
    status = raw === undefined ? undefined : (JSON.parse(raw) as { container?: unknown });
  } catch {
    status = undefined;
  }
  if (status?.container !== SIDECAR_NAME) return `no ${A.status} annotation from the webhook`;
  return undefined;
}

const madeByTheWebhook = (pod: Pod): boolean => pod.metadata?.labels?.[INJECTED_LABEL] === 'true' && notRoutableBecause(pod) === undefined;

/** The target for a pod, or undefined when the pod carries no podprof sidecar the webhook made. */
export function targetOf(pod: Pod): Target | undefined {
  const sidecar = sidecarOf(pod);
  const meta = pod.metadata;
  if (!sidecar || !meta || !madeByTheWebhook(pod)) return undefined;
  const { options } = readPodOptions(pod);
  const port = sidecar.ports?.find((p) => p.name === SIDECAR_PORT_NAME)?.containerPort ?? 8443;
  return {
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    port,
    path: options.path,
    node: pod.spec?.nodeName ?? '',
    container: options.container ?? '',
    profiles: options.profiles,
    maxSeconds: options.maxSeconds,
    flightRecorder: options.flightRecorder,
    goVersion: options.goVersion,
    mainModule: options.mainModule,
    labels: Object.fromEntries(Object.entries(meta.labels ?? {}).filter(([k]) => k !== INJECTED_LABEL)),
    workload: workloadOf(pod),
    owner: ownerOf(pod),
    deleting: (meta as { deletionTimestamp?: unknown }).deletionTimestamp !== undefined,
    ...readiness(pod.status ?? {}),
  };
}

/** An annotated pod that carries no sidecar: created while the webhook was down, or refused by it. */
export function missedInjection(pod: Pod): boolean {
  return pod.metadata?.annotations?.[A.inject] === 'true' && sidecarOf(pod) === undefined;
}
