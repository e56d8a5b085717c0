// A capture request as the gateway works with it (one pod, a label selector, or
// a workload in a namespace) and the small rules around it. What a capture is
// on the wire and on disk (CaptureMeta, PodResult, …) lives in src/api/types.ts.
import type { CaptureTarget, Workload } from '../../src/api/types.ts';
import type { ProfileType } from '../../src/endpoints/catalog.ts';

/** Time-sortable and path-safe: base36 milliseconds, then random hex. */
export const CAPTURE_ID = /^[a-z0-9]{8,12}-[a-f0-9]{10}$/;

export interface CaptureRequest {
  readonly namespace: string;
  readonly target: CaptureTarget;
  readonly type: ProfileType;
  /** Timed types: the capture length; snapshot types: a delta over this many seconds. */
  readonly seconds?: number;
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

export function isFanOut(t: CaptureTarget): boolean {
  return t.pod === undefined;
}
