// The gateway's captures: plan (resolve pods, RBAC per pod), record the capture
// as running, fetch from every pod, assemble (merge) and commit to the store.
// start() answers as soon as the capture is recorded; `done` settles when it is
// stored. close() aborts what is in flight, so those captures end as
// failed/partial rather than being lost.
import { randomBytes } from 'node:crypto';
import { PodprofError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { User } from '../auth/user.ts';
import type { CaptureDeps } from './deps.ts';
import { assemble } from './assemble.ts';
import { fetchPods, planCapture } from './fanout.ts';
import { CaptureStore, type StoreLimits } from './store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { CaptureRequest } from './types.ts';

export interface CapturesOptions extends StoreLimits {
  readonly dir: string;
  /** Pods fetched at once during one fan-out (--fanout-concurrency). */
  readonly concurrency: number;
  readonly log: Logger;
  /** Largest profile accepted from one pod. */
  readonly maxPodBytes?: number;
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

export class Captures {
  private readonly running = new Set<Promise<CaptureMeta>>();
  private readonly aborts = new Set<() => void>();
  private closing = false;

  private constructor(
    private readonly opened: CaptureStore | Error,
    private readonly o: CapturesOptions,
  ) {}

  /** Opens the store; if it cannot be opened the gateway still runs, and capture calls answer 503 saying why. */
  static async open(o: CapturesOptions): Promise<Captures> {
    try {
      return new Captures(await CaptureStore.open(o.dir, { maxBytes: o.maxBytes, maxAgeMs: o.maxAgeMs }, o.log), o);
    } catch (err) {
      o.log.error({ err, dir: o.dir }, 'the capture store cannot be opened; captures are unavailable');
      return new Captures(err as Error, o);
    }
  }

  get store(): CaptureStore {
    if (this.opened instanceof Error) throw new PodprofError('PODPROF_STORE_UNAVAILABLE', `the capture store ${this.o.dir} cannot be used: ${this.opened.message}`);
    return this.opened;
  }

  async start(ctx: CaptureDeps, user: User, req: CaptureRequest): Promise<StartedCapture> {
    const store = this.store;
    const planned = await planCapture(ctx, user, req);
    if (this.closing) throw new PodprofError('PODPROF_SHUTTING_DOWN', 'the gateway is shutting down; no new captures');
    const meta: CaptureMeta = {
      id: newCaptureId(),
      user: user.name,
      groups: [...user.groups],
      createdAt: new Date().toISOString(),
      namespace: req.namespace,
      target: req.target,
      type: req.type,
      seconds: planned.find((p) => p.request)?.request?.seconds || req.seconds,
      status: 'running',
      pods: planned.map((p) => p.result),
      bytes: 0,
    };
    const writer = await store.begin(meta);
    const fetchOptions = {
      concurrency: this.o.concurrency,
      maxBytes: this.o.maxPodBytes ?? Math.min(this.o.maxBytes, 512 * 1024 ** 2),
      track: (abort: () => void) => {
        this.aborts.add(abort);
        return () => this.aborts.delete(abort);
      },
      stopped: () => this.closing,
    };
    const done = (async (): Promise<CaptureMeta> => {
      try {
        await assemble(writer, await fetchPods(ctx, user, planned, fetchOptions));
      } catch (err) {
        this.o.log.error({ err, capture: meta.id }, 'capture failed unexpectedly');
        Object.assign(meta, { status: 'failed', error: `internal error: ${(err as Error).message}`, file: undefined });
      }
      const stored = await writer.commit();
      this.o.log.info({ capture: stored.id, status: stored.status, pods: stored.pods.length, bytes: stored.bytes }, 'capture stored');
      return stored;
    })();
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { meta: store.get(meta.id) ?? meta, done };
  }

  /** Aborts the captures in flight, waits until each is stored, and stops the store's sweeps. */
  async close(): Promise<void> {
    this.closing = true;
    for (const abort of this.aborts) abort();
    await Promise.all(this.running);
    if (!(this.opened instanceof Error)) this.opened.close();
  }
}
