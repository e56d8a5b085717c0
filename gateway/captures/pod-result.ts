// One pod of a capture as it goes through planning, fetching and assembling:
// the target, its result (the PodResult the API shows, updated in place), and
// the request the policy allowed. failPod records why a pod failed, in the
// words of whoever refused.
import type { PprofRequest } from '../../src/endpoints/policy.ts';
import { PodprofError } from '../../src/errors.ts';
import type { PodResult } from '../../src/api/types.ts';
import { SidecarRefused } from '../pods/sidecar-client.ts';
import type { Target } from '../pods/targets.ts';

export interface PlannedPod {
  readonly target: Target;
  readonly result: PodResult;
  /** Set when the pod passed authorization and policy. */
  readonly request?: PprofRequest;
}

/** Records why a pod failed, in the words of whoever refused. */
export function failPod(r: PodResult, err: unknown): void {
  r.status = 'failed';
  if (err instanceof SidecarRefused) {
    const text = err.text.trim();
    r.httpStatus = err.status;
    r.code = /^(PODPROF_[A-Z_]+):/.exec(text)?.[1];
    r.error = `${err.status}: ${text.replace(/\s*\n\s*/g, ' — ')}`;
    if (err.retryAfterSeconds !== undefined) r.retryAt = new Date(Date.now() + err.retryAfterSeconds * 1000).toISOString();
  } else if (err instanceof PodprofError) {
    r.code = err.code;
    r.error = err.message;
  } else {
    r.error = (err as Error).message;
  }
}
