// Fetching a capture's pods: every planned pod that passed authorization and
// policy is asked through its sidecar, --fanout-concurrency at a time, each body
// streamed to its file under the capture's temp dir (never held in memory),
// bounded by --max-profile-bytes and the transfer deadline. Every pod gets its
// own result: the sidecar's or Go's own error text when it fails.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { User } from '../auth/user.ts';
import { saveSidecarBody } from '../pods/sidecar-client.ts';
import type { CaptureDeps } from './deps.ts';
import { streamDurable } from './fs-atomic.ts';
import { failPod, type PlannedPod } from './pod-result.ts';

export interface FetchOptions {
  readonly concurrency: number;
  /** Largest body one pod may send (--max-profile-bytes). */
  readonly maxBytes: number;
  /** Where each pod's body is written, as it arrives (the capture's temp dir). */
  readonly dir: string;
  /** The file of a pod's body, relative to dir. */
  readonly fileOf: (pod: string) => string;
  /** Registers an abort for shutdown; returns the unregister function. */
  readonly track: (abort: () => void) => () => void;
  /** True once the gateway is shutting down (aborted pods then say so). */
  readonly stopped: () => boolean;
}

/**
 * Fetches every planned pod, each body streamed to its file under o.dir (never
 * held in memory); returns the files of those that answered 200, relative to
 * o.dir (results updated in place).
 */
export async function fetchPods(ctx: CaptureDeps, user: User, pods: readonly PlannedPod[], o: FetchOptions): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const queue = pods.filter((p) => p.request);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let p = queue[next++]; p; p = queue[next++]) {
      Object.assign(p.result, { status: 'running', startedAt: new Date().toISOString() });
      const call = ctx.sidecars.call(user.name, p.target, p.request!);
      const untrack = o.track(() => call.abort());
      try {
        const file = o.fileOf(p.target.name);
        const bytes = await saveSidecarBody(call, p.target, o.maxBytes, (body) => streamDurable(join(o.dir, file), body));
        files.set(p.target.name, file);
        Object.assign(p.result, { status: 'ok', bytes, httpStatus: 200 });
      } catch (err) {
        await rm(join(o.dir, o.fileOf(p.target.name)), { force: true }); // nothing partial is ever stored
        failPod(p.result, o.stopped() ? new Error('the gateway shut down during the capture') : err);
      } finally {
        untrack();
        p.result.finishedAt = new Date().toISOString();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, queue.length)) }, worker));
  return files;
}
