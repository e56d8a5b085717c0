// The gateway's captures, in one direction: admit (the running limits), plan
// (plan.ts: resolve pods, RBAC per pod), record the capture as running, fetch
// every pod (fetch.ts), assemble (assemble.ts: check, merge) and commit to the
// store (store.ts).
// start() answers as soon as the capture is recorded; `done` settles when it is
// stored. close() aborts what is in flight, so those captures end as
// failed/partial rather than being lost. Bounded: --max-captures running at once
// in all, --max-captures-per-namespace per namespace, --max-captures-per-user per
// user (429 with Retry-After past any); each pod's body streams to disk under
// --max-profile-bytes and the transfer deadline; decoding runs in worker threads
// that take turns between users (profile-workers.ts).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { isGzip } from '../../src/profile/gunzip.ts';
import { PodprofError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { User } from '../auth/user.ts';
import type { CaptureDeps } from './deps.ts';
import { assemble } from './assemble.ts';
import { podFile } from './files.ts';
import type { ProfileJob } from './profile-jobs.ts';
import { ProfileWorkers } from './profile-workers.ts';
import { fetchPods } from './fetch.ts';
import { planCapture } from './plan.ts';
import { CaptureStore, type StoreLimits } from './store.ts';
import { SharedCaptureStore } from './shared-store.ts';
import type { ObjectStore } from '../shared/object-store.ts';
import type { StoreLocation } from '../shared/store-url.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { CaptureRequest } from './request.ts';
import { PROFILE_FILE } from './files.ts';
import type { UploadRequest } from './upload.ts';
import { profileTypeOf } from '../../src/profile/type-of.ts';

const gzipAsync = promisify(gzip);

export interface CaptureLimits {
  /** Pods fetched at once during one fan-out (--fanout-concurrency). */
  readonly concurrency: number;
  /** Largest body accepted from one pod (--max-profile-bytes). */
  readonly maxPodBytes: number;
  /** Cap on a profile's decompressed bytes (--max-decoded-bytes). */
  readonly maxDecodedBytes: number;
  /** Heap of a decoding worker in MiB (--decode-memory). */
  readonly decodeHeapMiB: number;
  /** Decoding worker threads (--decode-workers) and the longest job (--decode-timeout). */
  readonly decodeWorkers: number;
  readonly decodeTimeoutMs: number;
  /** Captures running at once, in all, per namespace and per user (--max-captures, --max-captures-per-namespace, --max-captures-per-user). */
  readonly maxRunning: number;
  readonly maxRunningPerNamespace: number;
  readonly maxRunningPerUser: number;
}

export const DEFAULT_CAPTURE_LIMITS: CaptureLimits = {
  concurrency: 16,
  maxPodBytes: 64 * 1024 ** 2,
  maxDecodedBytes: 256 * 1024 ** 2,
  decodeHeapMiB: 256,
  decodeWorkers: 1,
  decodeTimeoutMs: 120_000,
  maxRunning: 32,
  maxRunningPerNamespace: 8,
  maxRunningPerUser: 2,
};

/** Either store: the directory (one replica) or the shared object store (replicas). */
export type AnyCaptureStore = CaptureStore | SharedCaptureStore;

export interface CapturesOptions {
  /** The local directory: the captures themselves unless `location` names another or `objects` is given; else the scratch space of captures in flight. */
  readonly dir: string;
  /** --store as a directory: captures there instead of in `dir`. */
  readonly location?: StoreLocation;
  /** With --store s3://…: the bucket, opened once by the gateway (one-time links and sessions share it). */
  readonly objects?: ObjectStore;
  /** What captures use of the gateway: find pods, ask RBAC, call sidecars (read at each capture: tests swap the authorizer). */
  readonly deps: CaptureDeps;
  readonly store: StoreLimits;
  /** Defaults: DEFAULT_CAPTURE_LIMITS. */
  readonly limits?: Partial<CaptureLimits>;
  readonly log: Logger;
}

interface Running {
  readonly user: string;
  readonly namespace: string;
  /** When its pods should have answered (ms since the epoch). */
  readonly endsAt: number;
}

export interface StartedCapture {
  /** The capture as recorded (status running). */
  readonly meta: CaptureMeta;
  /** Settles with the stored capture; never rejects. */
  readonly done: Promise<CaptureMeta>;
}

export function newCaptureId(now = Date.now()): string {
  return `${now.toString(36).padStart(8, '0')}-${randomBytes(5).toString('hex')}`;
}

async function openStore(o: CapturesOptions): Promise<AnyCaptureStore> {
  const { objects } = o;
  if (objects === undefined) return CaptureStore.open(o.location?.kind === 'dir' ? o.location.dir : o.dir, o.store, o.log);
  o.log.info({ store: objects.describe }, 'captures are kept in the shared object store');
  return SharedCaptureStore.open(objects, o.store, o.log, { scratch: join(o.dir, '.scratch') });
}

export class Captures {
  private readonly running = new Set<Promise<CaptureMeta>>();
  private readonly active = new Set<Running>();
  private readonly aborts = new Set<() => void>();
  private closing = false;
  private readonly limits: CaptureLimits;
  private readonly workers: ProfileWorkers;

  private constructor(
    private readonly opened: AnyCaptureStore | Error,
    private readonly o: CapturesOptions,
  ) {
    this.limits = { ...DEFAULT_CAPTURE_LIMITS, ...o.limits };
    this.workers = new ProfileWorkers({
      workers: this.limits.decodeWorkers,
      heapMiB: this.limits.decodeHeapMiB,
      timeoutMs: this.limits.decodeTimeoutMs,
    });
  }

  /** Opens the store; if it cannot be opened the gateway still runs, and capture calls answer 503 saying why. */
  static async open(o: CapturesOptions): Promise<Captures> {
    try {
      return new Captures(await openStore(o), o);
    } catch (err) {
      o.log.error({ err, dir: o.dir }, 'the capture store cannot be opened; captures are unavailable');
      return new Captures(err as Error, o);
    }
  }

  /** Largest upload (--max-profile-bytes: what a pod may send). */
  get maxUploadBytes(): number {
    return this.limits.maxPodBytes;
  }

  get store(): AnyCaptureStore {
    if (this.opened instanceof Error)
      throw new PodprofError('PODPROF_STORE_UNAVAILABLE', `the capture store ${this.o.dir} cannot be used: ${this.opened.message}`);
    return this.opened;
  }

  /**
   * The shared store's state for /readyz (not ready while the last refresh could not reach the bucket);
   * undefined for the directory store, whose /readyz stays as it was (a directory that could not be
   * opened leaves the gateway ready, its capture calls answering 503 saying why).
   */
  health(): { ok: boolean; store: string; error?: string } | undefined {
    return this.opened instanceof SharedCaptureStore ? this.opened.health() : undefined;
  }

  /** The first running limit this capture would pass: whose captures count, and what to say. */
  private over(user: User, namespace: string): { of: Running[]; text: string } | undefined {
    const all = [...this.active];
    const mine = all.filter((r) => r.user === user.name);
    if (mine.length >= this.limits.maxRunningPerUser)
      return {
        of: mine,
        text: `${user.name} has ${mine.length} captures running (--max-captures-per-user ${this.limits.maxRunningPerUser})`,
      };
    const here = all.filter((r) => r.namespace === namespace);
    if (here.length >= this.limits.maxRunningPerNamespace)
      return {
        of: here,
        text: `${here.length} captures are running in namespace ${namespace} (--max-captures-per-namespace ${this.limits.maxRunningPerNamespace})`,
      };
    if (all.length >= this.limits.maxRunning)
      return { of: all, text: `${all.length} captures are running (--max-captures ${this.limits.maxRunning})` };
    return undefined;
  }

  /** Refuses a capture past the running limits (429 with when to retry) or into a full store (507). */
  private admit(user: User, namespace: string, store: AnyCaptureStore): void {
    const over = this.over(user, namespace);
    if (over) {
      const soonest = Math.min(...over.of.map((r) => r.endsAt));
      throw new PodprofError('PODPROF_TOO_MANY_CAPTURES', over.text, Math.max(1, Math.ceil((soonest - Date.now()) / 1000)));
    }
    if (store.isFull)
      throw new PodprofError(
        'PODPROF_STORE_FULL',
        `the capture store holds ${store.totalBytes} bytes, its limit (--store-max-bytes ${store.limits.maxBytes})`,
      );
  }

  async start(user: User, req: CaptureRequest): Promise<StartedCapture> {
    const ctx = this.o.deps;
    const store = this.store;
    this.admit(user, req.namespace, store);
    const planned = await planCapture(ctx, user, req);
    if (this.closing) throw new PodprofError('PODPROF_SHUTTING_DOWN', 'the gateway is shutting down; no new captures');
    this.admit(user, req.namespace, store);
    const meta: CaptureMeta = {
      id: newCaptureId(),
      user: user.name,
      groups: [...user.groups],
      createdAt: new Date().toISOString(),
      namespace: req.namespace,
      target: req.target,
      type: req.type,
      ...(req.flight === true ? { flight: true } : {}),
      ...(req.debug === 2 ? { debug: 2 as const } : {}),
      seconds: planned.find((p) => p.request)?.request?.seconds || req.seconds,
      status: 'running',
      pods: planned.map((p) => p.result),
      bytes: 0,
    };
    const running: Running = { user: user.name, namespace: req.namespace, endsAt: Date.now() + ((meta.seconds ?? 0) + 15) * 1000 };
    this.active.add(running);
    let writer: Awaited<ReturnType<AnyCaptureStore['begin']>>;
    try {
      writer = await store.begin(meta);
    } catch (err) {
      this.active.delete(running);
      throw err;
    }
    const fetchOptions = {
      concurrency: this.limits.concurrency,
      maxBytes: this.limits.maxPodBytes,
      dir: writer.tmp,
      fileOf: (pod: string) => podFile(pod, req.type, req.debug),
      track: (abort: () => void) => {
        this.aborts.add(abort);
        return () => this.aborts.delete(abort);
      },
      stopped: () => this.closing,
    };
    const done = (async (): Promise<CaptureMeta> => {
      try {
        const workers = { run: (job: ProfileJob) => this.workers.run(job, user.name) };
        await assemble(writer, await fetchPods(ctx, user, planned, fetchOptions), {
          workers,
          maxDecodedBytes: this.limits.maxDecodedBytes,
          maxTraceBytes: this.limits.maxPodBytes,
          maxDumpBytes: this.limits.maxPodBytes,
        });
      } catch (err) {
        this.o.log.error({ err, capture: meta.id }, 'capture failed unexpectedly');
        Object.assign(meta, { status: 'failed', error: `internal error: ${(err as Error).message}`, file: undefined, derived: undefined });
      }
      const stored = await writer.commit();
      this.o.log.info({ capture: stored.id, status: stored.status, pods: stored.pods.length, bytes: stored.bytes }, 'capture stored');
      return stored;
    })();
    this.running.add(done);
    void done.finally(() => {
      this.running.delete(done);
      this.active.delete(running);
    });
    return { meta: store.get(meta.id) ?? meta, done };
  }

  /** Whether an upload by `user` into `namespace` would be admitted now (429 past the running limits, 507 into a full store): asked before its body is read. */
  admitUpload(user: User, namespace: string): void {
    this.admit(user, namespace, this.store);
  }

  /**
   * Stores a profile a user sent (an upload: no pod, no fetch) once a worker has decoded it under the same caps as
   * a pod's profile (--max-decoded-bytes, the worker's heap and --decode-timeout, in the user's turn); anything
   * that does not decode is a 400 and nothing is stored. Subject to the running limits and the store's size.
   */
  async upload(user: User, req: UploadRequest, bytes: Uint8Array): Promise<CaptureMeta> {
    const store = this.store;
    if (this.closing) throw new PodprofError('PODPROF_SHUTTING_DOWN', 'the gateway is shutting down; no new captures');
    this.admit(user, req.namespace, store);
    const now = new Date().toISOString();
    const meta: CaptureMeta = {
      id: newCaptureId(),
      user: user.name,
      groups: [...user.groups],
      createdAt: now,
      namespace: req.namespace,
      target: { upload: req.name },
      type: req.type ?? 'profile',
      status: 'running',
      pods: [],
      bytes: 0,
    };
    const running: Running = { user: user.name, namespace: req.namespace, endsAt: Date.now() + this.limits.decodeTimeoutMs };
    this.active.add(running);
    try {
      const writer = await store.begin(meta);
      const file = join(writer.tmp, PROFILE_FILE);
      try {
        await writer.write(PROFILE_FILE, isGzip(bytes) ? bytes : await gzipAsync(bytes));
        const input = { pod: '', file, what: `the uploaded file ${req.name}` };
        const { totals } = await this.workers.run({ kind: 'summarize', input, maxDecodedBytes: this.limits.maxDecodedBytes }, user.name);
        Object.assign(meta, { type: req.type ?? profileTypeOf(Object.keys(totals)), totals, file: PROFILE_FILE, status: 'done' });
        meta.finishedAt = new Date().toISOString();
      } catch (err) {
        await store.abandon(writer);
        if (err instanceof PodprofError) throw err;
        throw new PodprofError('PODPROF_BAD_PROFILE', (err as Error).message);
      }
      const stored = await writer.commit();
      this.o.log.info({ capture: stored.id, upload: req.name, bytes: stored.bytes }, 'upload stored');
      return stored;
    } finally {
      this.active.delete(running);
    }
  }

  /** Aborts the captures in flight, waits until each is stored, and stops the store's sweeps. */
  async close(): Promise<void> {
    this.closing = true;
    for (const abort of this.aborts) abort();
    await Promise.all(this.running);
    await this.workers.close();
    if (!(this.opened instanceof Error)) this.opened.close();
  }
}
