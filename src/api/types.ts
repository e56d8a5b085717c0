// The gateway's JSON API (/api/v1/…) as types: what the gateway sends, and what
// the web UI and the CLI read. One definition for all three; no logic here.
import type { ProfileType } from '../endpoints/catalog.ts';

/** The controlling workload of a pod (a ReplicaSet's pod counts as its Deployment's). */
export interface Workload {
  /** Deployment, StatefulSet or DaemonSet (or another controller's kind). */
  readonly kind: string;
  readonly name: string;
}

/** One injected pod, as GET /api/v1/pods lists it. */
export interface PodView {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Pod IP; empty until the pod has one. */
  readonly ip: string;
  /** The sidecar's HTTPS port. */
  readonly port: number;
  readonly node: string;
  /** The app's pprof path prefix. */
  readonly path: string;
  /** The app container that serves pprof. */
  readonly container: string;
  readonly profiles: readonly ProfileType[];
  readonly maxSeconds: number;
  /** The app serves a flight-recorder snapshot: a trace of its last seconds can be taken (`flight: true`). */
  readonly flightRecorder: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly workload?: Workload;
  readonly podReady: boolean;
  readonly sidecarReady: boolean;
  readonly phase: string;
  /** Has an IP and both the pod and its sidecar are ready: it can be profiled now. */
  readonly routable: boolean;
  /** Whether the app's pprof answers its sidecar (the sidecar's readiness never follows it: docs/adr/0002). */
  readonly upstream: UpstreamView;
}

/** What the sidecar last said of the app's pprof, as the gateway keeps it (a few seconds). */
export interface UpstreamView {
  readonly state: 'answering' | 'not answering' | 'unknown';
  /** "answered 200"; why not ("connect ECONNREFUSED 127.0.0.1:6060"); or why it is not known. */
  readonly detail: string;
  /** When the sidecar checked (ISO time); absent when unknown. */
  readonly checkedAt?: string;
}

/** A pod that asked for injection (or lives where injection is on) but has no sidecar. */
export interface NotInjected {
  readonly namespace: string;
  readonly name: string;
  readonly reason?: string;
}

/** GET /api/v1/pods */
export interface PodList {
  readonly items: readonly PodView[];
  readonly notInjected: readonly NotInjected[];
}

export type CaptureStatus = 'running' | 'done' | 'partial' | 'failed';
export type PodStatus = 'pending' | 'running' | 'ok' | 'failed' | 'forbidden';

/** Exactly one of pod, selector, workload, upload. */
export interface CaptureTarget {
  readonly pod?: string;
  readonly selector?: string;
  readonly workload?: Workload;
  /** A profile a user uploaded (POST /api/v1/captures/upload): its file name. It claims no pod. */
  readonly upload?: string;
}

/** One pod's part of a capture. Mutable: the gateway fills it in as the pod answers. */
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
  /** When a busy profiler frees up (the 429's Retry-After, as an ISO time): the UI counts down to it. */
  retryAt?: string;
  bytes?: number;
  /** The pod's own file inside the capture (fan-out only): pods/<name>.pb.gz, pods/<name>.trace.out, or pods/<name>.goroutines.txt. */
  file?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** A capture as stored (meta.json) and as GET /api/v1/captures/<id> returns it. */
export interface CaptureMeta {
  readonly id: string;
  readonly user: string;
  /** The creator's groups; the API shows them to the creator only. */
  readonly groups?: readonly string[];
  readonly createdAt: string;
  finishedAt?: string;
  readonly namespace: string;
  readonly target: CaptureTarget;
  readonly type: ProfileType;
  readonly seconds?: number;
  /** A trace from the pods' flight recorders (their last seconds), not a recording of `seconds`. */
  readonly flight?: boolean;
  /** 2: a goroutine capture of Go's text dump (goroutine?debug=2: each goroutine's state, wait and stack), not a pprof profile. */
  readonly debug?: 2;
  status: CaptureStatus;
  /** Why the capture failed as a whole (every pod failed, the merge failed, the gateway stopped). */
  error?: string;
  pods: PodResult[];
  /**
   * The file to download: profile.pb.gz (merged or the single pod's), trace.out (one pod's trace) or
   * goroutines.txt (one pod's dump); a workload's traces and dumps are its pods' files.
   */
  file?: string;
  /** What the gateway derived: from a trace, trace-<net|sync|syscall|sched>.pb.gz and goroutines.json; from a dump, goroutine-dump.json. */
  derived?: string[];
  /** Bytes of every file of the capture on disk. */
  bytes: number;
  /** Per sample type totals of the stored profile ({"cpu/nanoseconds": "123"}). */
  totals?: Record<string, string>;
}

/** GET /api/v1/captures */
export interface CaptureList {
  readonly items: readonly CaptureMeta[];
}

/** POST /api/v1/captures: one of pod, workload ("deployment/web") or selector. */
export interface CaptureBody {
  readonly namespace: string;
  readonly pod?: string;
  readonly workload?: string;
  readonly selector?: string;
  readonly type: string;
  readonly seconds?: number;
  /** With type "trace": the app's flight recorder's last seconds, now (pods whose PodView says flightRecorder). */
  readonly flight?: boolean;
  /** With type "goroutine" and no seconds: 2 stores Go's text dump (goroutine?debug=2), grouped by state and stack. */
  readonly debug?: 2;
}

/** POST /api/v1/links */
export type LinkBody =
  /** A new live profile of one pod. */
  | { readonly namespace: string; readonly pod: string; readonly type: string; readonly seconds?: number }
  /** A stored capture's profile (or trace): what the UI shows. */
  | { readonly capture: string };

/** 201 from POST /api/v1/links: a one-time URL for go tool pprof. */
export interface Link {
  readonly url: string;
  readonly expiresAt: string;
  /** The command that opens it: go tool pprof (-tls_ca=<the gateway's --link-tls-ca> when it has one), or curl + go tool trace for a trace. */
  readonly command: string;
}

/** GET (and 201 from POST) /api/v1/session. */
export interface Session {
  readonly user: string;
  readonly groups: readonly string[];
  /** How the caller authenticated: bearer, proxy, session or link (GET only). */
  readonly via?: string;
}

/** Every error answer of the gateway, the sidecar and the webhook's HTTP side. */
export interface ErrorBody {
  /** A PODPROF_… code (docs/errors.md). */
  readonly code: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
}

/** GET /api/v1/captures/{id}/source?file=…: one source file a profile names, from the Go module proxy. */
export interface SourceAnswer {
  /** The file name as the profile has it. */
  readonly file: string;
  /** A dependency (module@version in the name), the standard library (the pod's Go version) or the main module (its declared version). */
  readonly kind: 'module' | 'std' | 'main';
  readonly module: string;
  readonly version: string;
  /** The file inside the module. */
  readonly path: string;
  /** The module zip it was read from. */
  readonly url: string;
  readonly text: string;
}

/** GET /api/v1/captures/{id}/build: what the capture's pods declare about their build, for the Source view. */
export interface BuildInfo {
  /** podprof.io/go-version: go1.22.3. */
  readonly goVersion?: string;
  /** podprof.io/main-module: its path and version. */
  readonly mainModule?: { readonly path: string; readonly version: string };
}
