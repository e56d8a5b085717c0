// Planning a capture: resolve its pods (one pod, a label selector, or a
// workload) for a caller allowed to know them, then authorize each one on its
// own (RBAC get pods/<type> on that pod) and check it can be asked. Nothing is
// fetched here (fetch.ts).
import { describeTarget } from '../../src/api/describe.ts';
import type { PodResult } from '../../src/api/types.ts';
import { pprofRequestOf } from '../../src/endpoints/policy.ts';
import { PodprofError } from '../../src/errors.ts';
import { missingRule, type Access } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import { notAMember } from '../discovery/ownership.ts';
import { routable, type Target } from '../pods/targets.ts';
import type { CaptureDeps } from './deps.ts';
import type { PlannedPod } from './pod-result.ts';
import type { CaptureRequest } from './request.ts';

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

/** The query a capture asks each pod with: its seconds, or a flight-recorder snapshot. */
function captureQuery(req: CaptureRequest): string {
  if (req.flight === true) return '?flight=1';
  if (req.debug === 2) return '?debug=2';
  return req.seconds === undefined ? '' : `?seconds=${req.seconds}`;
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
    const query = captureQuery(req);
    const request = pprofRequestOf('GET', `${t.path}/${req.type}${query}`, {
      prefix: t.path,
      profiles: t.profiles,
      maxSeconds: t.maxSeconds,
      flightRecorder: t.flightRecorder,
    });
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
