// What a capture is: the request (one pod, a label selector, or a workload in a
// namespace), its per-pod results, and the metadata stored as meta.json.
import type { ProfileType } from '../../src/endpoints/catalog.ts';

/** Time-sortable and path-safe: base36 milliseconds, then random hex. */
export const CAPTURE_ID = /^[a-z0-9]{8,12}-[a-f0-9]{10}$/;

export type CaptureStatus = 'running' | 'done' | 'partial' | 'failed';
export type PodStatus = 'pending' | 'running' | 'ok' | 'failed' | 'forbidden';

export interface Workload {
  /** Deployment, StatefulSet or DaemonSet. */
  readonly kind: string;
  readonly name: string;
}

/** Exactly one of pod, selector, workload. */
export interface CaptureTarget {
  readonly pod?: string;
  readonly selector?: string;
  readonly workload?: Workload;
}

export interface CaptureRequest {
  readonly namespace: string;
  readonly target: CaptureTarget;
  readonly type: ProfileType;
  /** Timed types: the capture length; snapshot types: a delta over this many seconds. */
  readonly seconds?: number;
}

export interface PodResult {
  readonly pod: string;
  readonly uid: string;
  status: PodStatus;
  /** Why it failed: the sidecar's or Go's own text, or the RBAC rule that is missing. */
  error?: string;
  /** PODPROF_… code when the failure has one. */
  code?: string;
  /** HTTP status the sidecar answered with (429 busy, 500 from Go, …). */
  httpStatus?: number;
  bytes?: number;
  /** The pod's own profile inside the capture directory (fan-out only). */
  file?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface CaptureMeta {
  readonly id: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly createdAt: string;
  finishedAt?: string;
  readonly namespace: string;
  readonly target: CaptureTarget;
  readonly type: ProfileType;
  readonly seconds?: number;
  status: CaptureStatus;
  /** Why the capture failed as a whole (every pod failed, the merge failed, the gateway stopped). */
  error?: string;
  pods: PodResult[];
  /** The file to download: profile.pb.gz (merged or the single pod's) or trace.out. */
  file?: string;
  /** Bytes of every file of the capture on disk. */
  bytes: number;
  /** Per sample type totals of the stored profile ({"cpu/nanoseconds": "123"}). */
  totals?: Record<string, string>;
}

export const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  deployment: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  ds: 'DaemonSet',
};

/** "deployment/web" → { kind: 'Deployment', name: 'web' }; undefined when the kind is not one of those. */
export function parseWorkload(raw: string): Workload | undefined {
  const m = /^([A-Za-z]+)\/([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?)$/.exec(raw);
  const kind = m ? WORKLOAD_KINDS[m[1]!.toLowerCase()] : undefined;
  return kind && m ? { kind, name: m[2]! } : undefined;
}

/** How the target reads in messages: "team-a/web-0", "team-a -l app=web", "team-a deployment/web". */
export function describeTarget(namespace: string, t: CaptureTarget): string {
  if (t.pod !== undefined) return `${namespace}/${t.pod}`;
  if (t.selector !== undefined) return `${namespace} -l ${t.selector}`;
  return `${namespace} ${t.workload?.kind.toLowerCase() ?? '?'}/${t.workload?.name ?? '?'}`;
}

export function isFanOut(t: CaptureTarget): boolean {
  return t.pod === undefined;
}
