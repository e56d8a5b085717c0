// What a capture asks for (one pod, a label selector, or a workload in a
// namespace), as the gateway works with it, and POST /api/v1/captures bodies →
// a CaptureRequest, or a 400 that says what to send. Pure. What a capture is on
// the wire and on disk (CaptureMeta, PodResult, …) lives in src/api/types.ts.
import { PodprofError } from '../../src/errors.ts';
import { CATALOG, isProfileType, type ProfileType } from '../../src/endpoints/catalog.ts';
import { parseSelector } from '../discovery/registry.ts';
import type { CaptureTarget, Workload } from '../../src/api/types.ts';

/** Time-sortable and path-safe: base36 milliseconds, then random hex. */
export const CAPTURE_ID = /^[a-z0-9]{8,12}-[a-f0-9]{10}$/;

export interface CaptureRequest {
  readonly namespace: string;
  readonly target: CaptureTarget;
  readonly type: ProfileType;
  /** Timed types: the capture length; snapshot types: a delta over this many seconds. */
  readonly seconds?: number;
  /** A trace from the app's flight recorder: its last seconds, taken now (no `seconds`). */
  readonly flight?: boolean;
  /** 2: a goroutine capture of Go's text dump (goroutine?debug=2), not a profile (no `seconds`). */
  readonly debug?: 2;
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

/** Profile types a capture can store: pprof protobufs, and execution traces (a workload's pods traced in the same window). */
export const CAPTURE_TYPES: readonly ProfileType[] = ['profile', 'heap', 'allocs', 'goroutine', 'block', 'mutex', 'threadcreate', 'trace'];

const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const POD = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
const USAGE =
  'want JSON {"namespace": "team-a", "pod": "web-0" | "selector": "app=web" | "workload": "deployment/web", "type": "profile", "seconds": 10}';

function bad(message: string): PodprofError {
  return new PodprofError('PODPROF_BAD_PARAMETER', message);
}

function workloadOf(raw: unknown): Workload {
  if (typeof raw === 'string') {
    const w = parseWorkload(raw);
    if (w) return w;
  } else if (raw !== null && typeof raw === 'object') {
    const { kind, name } = raw as { kind?: unknown; name?: unknown };
    const w = typeof kind === 'string' && typeof name === 'string' ? parseWorkload(`${kind}/${name}`) : undefined;
    if (w) return w;
  }
  throw bad('workload: want "deployment/NAME", "statefulset/NAME" or "daemonset/NAME"');
}

function targetOf(b: Record<string, unknown>): CaptureTarget {
  const given = (['pod', 'selector', 'workload'] as const).filter((k) => b[k] !== undefined && b[k] !== '');
  if (given.length !== 1)
    throw bad(`give exactly one of pod, selector or workload (got ${given.length === 0 ? 'none' : given.join(' and ')}); ${USAGE}`);
  if (b.pod !== undefined) {
    if (typeof b.pod !== 'string' || !POD.test(b.pod)) throw bad('pod: want a pod name');
    return { pod: b.pod };
  }
  if (b.selector !== undefined) {
    if (typeof b.selector !== 'string' || b.selector.length > 1024) throw bad('selector: want a label selector like app=web');
    try {
      parseSelector(b.selector);
    } catch (err) {
      throw bad(`selector: ${(err as Error).message}`);
    }
    return { selector: b.selector };
  }
  return { workload: workloadOf(b.workload) };
}

function secondsOf(raw: unknown, type: ProfileType): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const fractional = CATALOG[type].fractionalSeconds === true;
  if (typeof n !== 'number' || !(n > 0 && n <= 3600) || (!fractional && !Number.isInteger(n)) || Math.round(n * 1000) !== n * 1000) {
    throw bad(`seconds: want ${fractional ? 'a number above 0' : 'a whole number from 1'} up to 3600`);
  }
  return n;
}

/** A goroutine dump capture's type: debug 2 goes with "goroutine" and no seconds. */
function dumpType(b: Record<string, unknown>): ProfileType {
  if (b.debug !== 2 || b.type !== 'goroutine' || b.seconds !== undefined)
    throw bad('debug: 2 goes with type "goroutine" and no seconds (a goroutine dump: every goroutine\'s state, wait and stack, now)');
  return 'goroutine';
}

const FIELDS = ['namespace', 'pod', 'selector', 'workload', 'type', 'seconds', 'flight', 'debug'];

function refuseUnknownFields(b: Record<string, unknown>): void {
  const unknown = Object.keys(b).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) throw bad(`unknown field ${unknown.map((k) => `"${k.slice(0, 30)}"`).join(', ')}; ${USAGE}`);
}

export function parseCaptureRequest(body: unknown): CaptureRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(USAGE);
  const b = body as Record<string, unknown>;
  refuseUnknownFields(b);
  if (typeof b.namespace !== 'string' || !NAMESPACE.test(b.namespace)) throw bad(`namespace: required; ${USAGE}`);
  if (typeof b.type !== 'string' || !isProfileType(b.type) || !CAPTURE_TYPES.includes(b.type)) {
    throw bad(`type: want one of ${CAPTURE_TYPES.join(', ')}`);
  }
  const type = b.type;
  const target = targetOf(b);
  if (b.flight !== undefined) {
    if (b.flight !== true || type !== 'trace' || b.seconds !== undefined)
      throw bad('flight: true goes with type "trace" and no seconds (the app\'s flight recorder keeps its last seconds)');
    return { namespace: b.namespace, target, type, flight: true };
  }
  if (b.debug !== undefined && b.debug !== 0) return { namespace: b.namespace, target, type: dumpType(b), debug: 2 };
  return { namespace: b.namespace, target, type, seconds: secondsOf(b.seconds, type) };
}
