// Profile work off the event loop: jobs (profile-jobs.ts) run in worker threads
// with a capped heap, one job per worker at a time, the rest queued by owner
// (the user whose capture it is) and taken in turns, so one user's many or slow
// profiles delay another's by one job per worker at most. A job that
// runs out of memory or time kills only its worker (a new one starts for the
// next job) and fails with a message naming the limit; the gateway keeps serving
// meanwhile. This is what bounds a hostile profile: the gunzip cap bounds its
// bytes, the heap cap the objects decoding them makes, the timeout its CPU.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FairQueue, type FairQueueLimits } from '../../src/limits/fair-queue.ts';
import type { JobResult, ProfileJob } from './profile-jobs.ts';

export interface ProfileWorkersOptions {
  /** Jobs at once (--decode-workers). */
  readonly workers: number;
  /** Old-generation heap of each worker in MiB (--decode-memory). */
  readonly heapMiB: number;
  readonly timeoutMs: number;
  /** Jobs one owner may have waiting, and all owners (default 10,000 and 100,000). */
  readonly queue?: FairQueueLimits;
}

/** A job failed: the profile was bad (`profile`), or a limit was hit. */
export class ProfileJobError extends Error {
  override readonly name = 'ProfileJobError';
}

interface Pending {
  readonly job: ProfileJob;
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: Error) => void;
}

/** The worker script: the bundle's dist/profile-worker.js next to this chunk, or the TypeScript source. */
function workerFile(): string {
  const js = fileURLToPath(new URL('./profile-worker.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./profile-worker.ts', import.meta.url));
}

export class ProfileWorkers {
  private readonly queue: FairQueue<Pending>;
  private readonly idle: Worker[] = [];
  private busy = 0;
  private nextId = 0;
  private closed = false;
  private readonly file = workerFile();

  constructor(private readonly o: ProfileWorkersOptions) {
    this.queue = new FairQueue(o.queue ?? { perOwner: 10_000, total: 100_000 });
  }

  /** Runs job in turn with the other owners' jobs. */
  run(job: ProfileJob, owner = ''): Promise<JobResult> {
    if (this.closed) return Promise.reject(new ProfileJobError('the gateway is shutting down'));
    return new Promise((resolve, reject) => {
      if (!this.queue.push(owner, { job, resolve, reject })) {
        reject(
          new ProfileJobError(
            `${this.queue.waitingFor(owner) >= this.queue.limits.perOwner ? 'this user has' : 'the gateway has'} too many profiles waiting to be decoded`,
          ),
        );
        return;
      }
      this.pump();
    });
  }

  /** Jobs waiting for a worker. */
  get waiting(): number {
    return this.queue.size;
  }

  private pump(): void {
    while (this.queue.size > 0 && this.busy < this.o.workers) {
      const p = this.queue.next()!;
      this.busy++;
      this.execute(this.idle.pop() ?? this.spawn(), p);
    }
  }

  private spawn(): Worker {
    const w = new Worker(this.file, {
      resourceLimits: { maxOldGenerationSizeMb: this.o.heapMiB, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, this.o.heapMiB >> 3)) },
    });
    w.unref();
    return w;
  }

  private execute(w: Worker, p: Pending): void {
    const id = this.nextId++;
    let settled = false;
    const finish = (reuse: boolean, settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      this.busy--;
      if (reuse && !this.closed) {
        w.unref();
        this.idle.push(w);
      } else void w.terminate();
      settle();
      this.pump();
    };
    const onMessage = (m: { id: number; result?: JobResult; error?: { message: string } }): void => {
      if (m.id !== id) return;
      finish(true, () => (m.error ? p.reject(new ProfileJobError(m.error.message)) : p.resolve(m.result!)));
    };
    const onError = (err: Error & { code?: string }): void => {
      const text =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `decoding it needed more than ${this.o.heapMiB} MiB of memory (--decode-memory)`
          : `the profile worker failed: ${err.message}`;
      finish(false, () => p.reject(new ProfileJobError(text)));
    };
    const onExit = (code: number): void => finish(false, () => p.reject(new ProfileJobError(`the profile worker exited (${code})`)));
    const timer = setTimeout(
      () => finish(false, () => p.reject(new ProfileJobError(`decoding it took longer than ${this.o.timeoutMs / 1000}s`))),
      this.o.timeoutMs,
    );
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    w.ref();
    w.postMessage({ id, job: p.job });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.drain()) p.reject(new ProfileJobError('the gateway is shutting down'));
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
