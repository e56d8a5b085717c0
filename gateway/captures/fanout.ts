// Fan-out: resolve a capture's pods (one pod, a label selector, or a workload),
// authorize each one separately (RBAC get pods/<type> on that pod), check it
// can be asked, then fetch from all of them, --fanout-concurrency at a time.
// Every pod gets its own result: the sidecar's or Go's own error text when it
// fails (429 busy, 500 "cpu profiling already in use", unreachable, …).
import { PodprofError } from '../../src/errors.ts';
import { decide, type PprofRequest } from '../../src/endpoints/policy.ts';
import { missingRule, type Access } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import type { CaptureDeps } from './deps.ts';
import { notAMember } from '../discovery/ownership.ts';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { saveSidecarBody, SidecarRefused } from '../sidecar-client.ts';
import { streamDurable } from './fs-atomic.ts';
import { routable, type Target } from '../targets.ts';
import { describeTarget } from '../../src/api/describe.ts';
import type { PodResult } from '../../src/api/types.ts';
import type { CaptureRequest } from './types.ts';

export interface PlannedPod {
  readonly target: Target;
  readonly result: PodResult;
  /** Set when the pod passed authorization and policy. */
  readonly request?: PprofRequest;
}

/**
 * Before anything is looked up, the caller must be allowed to know what it asks
 * about: `get pods/<type>` on the pod it names, or `list pods` in the namespace
 * for a selector or a workload. Otherwise a caller with only `create captures`
 * would learn which pods and label values exist from the answers.
 */
async function mayResolve(ctx: CaptureDeps, user: User, req: CaptureRequest): Promise<void> {
  const { namespace, target } = req;
  const access: Access =
    target.pod !== undefined
      ? { verb: 'get', resource: 'pods', subresource: req.type, namespace, name: target.pod }
      : { verb: 'list', resource: 'pods', namespace };
  if (!(await ctx.authorize(user, access)).allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
}

function targetsOf(ctx: CaptureDeps, req: CaptureRequest): Target[] {
  const { namespace, target } = req;
  if (target.pod !== undefined) {
    const t = ctx.registry.get(namespace, target.pod);
    if (!t) throw new PodprofError('PODPROF_POD_NOT_FOUND', `no injected pod ${namespace}/${target.pod}`);
    return [t];
  }
  const found = ctx.registry.list({ namespace, selector: target.selector, workload: target.workload });
  if (found.length === 0) throw new PodprofError('PODPROF_NO_TARGETS', `no injected pods match ${describeTarget(namespace, target)}`);
  return found;
}

async function planOne(ctx: CaptureDeps, user: User, req: CaptureRequest, t: Target): Promise<PlannedPod> {
  const result: PodResult = { pod: t.name, uid: t.uid, status: 'pending' };
  const access = { verb: 'get', resource: 'pods', subresource: req.type, namespace: t.namespace, name: t.name } as const;
  if (!(await ctx.authorize(user, access)).allowed) {
    return { target: t, result: { ...result, status: 'forbidden', code: 'PODPROF_FORBIDDEN', error: missingRule(user, access) } };
  }
  if (!routable(t)) {
    return {
      target: t,
      result: {
        ...result,
        status: 'failed',
        code: 'PODPROF_POD_NOT_READY',
        error: `not ready (pod ready: ${t.podReady}, sidecar ready: ${t.sidecarReady}, ip: ${t.ip || 'none'})`,
      },
    };
  }
  try {
    const query = req.seconds === undefined ? '' : `?seconds=${req.seconds}`;
    const request = decide('GET', `${t.path}/${req.type}${query}`, { prefix: t.path, profiles: t.profiles, maxSeconds: t.maxSeconds });
    return { target: t, result, request };
  } catch (err) {
    const e = err instanceof PodprofError ? err : new PodprofError('PODPROF_INTERNAL', (err as Error).message);
    return { target: t, result: { ...result, status: 'failed', code: e.code, error: e.message } };
  }
}

/**
 * Every pod of the capture with its verdict. Throws when no pod may be asked at
 * all (nothing would be captured): 403 when all were forbidden, else the first pod's error.
 */
export async function planCapture(ctx: CaptureDeps, user: User, req: CaptureRequest): Promise<PlannedPod[]> {
  await mayResolve(ctx, user, req);
  const targets = targetsOf(ctx, req);
  // A workload's fan-out takes only the pods the workload really owns (ownership.ts).
  const members = req.target.workload && ctx.workloads ? await ctx.workloads(req.namespace, req.target.workload) : undefined;
  const planned = await Promise.all(
    targets.map((t): Promise<PlannedPod> => {
      const outsider = members ? notAMember(t, members) : undefined;
      if (outsider === undefined) return planOne(ctx, user, req, t);
      return Promise.resolve({
        target: t,
        result: { pod: t.name, uid: t.uid, status: 'forbidden', code: 'PODPROF_FORBIDDEN', error: outsider },
      });
    }),
  );
  if (planned.some((p) => p.request)) return planned;
  const first = planned[0]!.result;
  const prefix =
    planned.length > 1
      ? `none of the ${planned.length} pods of ${describeTarget(req.namespace, req.target)} can be captured; ${first.pod}: `
      : '';
  throw new PodprofError((first.code ?? 'PODPROF_FORBIDDEN') as PodprofError['code'], `${prefix}${first.error ?? 'refused'}`);
}

/** Records why a pod failed, in the words of whoever refused. */
export function failPod(r: PodResult, err: unknown): void {
  r.status = 'failed';
  if (err instanceof SidecarRefused) {
    const text = err.text.trim();
    r.httpStatus = err.status;
    r.code = /^(PODPROF_[A-Z_]+):/.exec(text)?.[1];
    r.error = `${err.status}: ${text.replace(/\s*\n\s*/g, ' — ')}`;
  } else if (err instanceof PodprofError) {
    r.code = err.code;
    r.error = err.message;
  } else {
    r.error = (err as Error).message;
  }
}

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
