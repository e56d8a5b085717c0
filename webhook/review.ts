// AdmissionReview in, AdmissionReview out. Pure: the HTTP layer reads the body
// and writes what this returns.
import { describeProblems, readPodOptions } from '../src/annotations.ts';
import type { Pod } from '../src/k8s/types.ts';
import { inject } from './inject.ts';
import { diffPatch } from './patch.ts';
import type { InjectSettings } from './settings.ts';
import { podShapeProblem } from './shape.ts';
import { skipReason } from './skip.ts';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  operation?: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
  /** The pod; its JSON types are checked by decideAdmission(), not trusted. */
  object?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  patchType?: 'JSONPatch';
  patch?: string;
  auditAnnotations?: Record<string, string>;
}

export interface Decision {
  response: AdmissionResponse;
  /** What happened, for logs and metrics: injected, skipped, denied. */
  outcome: 'injected' | 'skipped' | 'denied';
  /** A stable name for metrics: the skip rule, or the outcome. */
  rule: string;
  reason: string;
  /** Who it was about, for the log line. */
  pod?: { namespace: string; name: string; dryRun: boolean };
}

export class ReviewError extends Error {}

/**
 * Validate the envelope of an AdmissionReview; throws ReviewError with a message for a 400.
 * Only the envelope: once there is a uid to answer, a malformed pod is a denial (decideAdmission()).
 */
export function readReview(body: unknown): AdmissionRequest {
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: unknown } | null;
  if (typeof review !== 'object' || review === null || Array.isArray(review)) throw new ReviewError('body is not a JSON object');
  if (review.apiVersion !== 'admission.k8s.io/v1')
    throw new ReviewError(`apiVersion must be admission.k8s.io/v1, got ${JSON.stringify(review.apiVersion)?.slice(0, 60)}`);
  if (review.kind !== 'AdmissionReview')
    throw new ReviewError(`kind must be AdmissionReview, got ${JSON.stringify(review.kind)?.slice(0, 60)}`);
  const req = review.request as AdmissionRequest | undefined;
  if (typeof req !== 'object' || req === null) throw new ReviewError('the AdmissionReview has no request');
  if (typeof req.uid !== 'string' || req.uid === '' || req.uid.length > 128)
    throw new ReviewError('request.uid must be a non-empty string');
  return req;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A denial the API server shows its user: HTTP 200, allowed false, the message naming the field. */
function malformed(req: AdmissionRequest, problem: string): Omit<Decision, 'pod'> {
  const message = `podprof: malformed pod: ${problem}`;
  return {
    outcome: 'denied',
    rule: 'malformed-pod',
    reason: message,
    response: { uid: req.uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } },
  };
}

export function decideAdmission(req: AdmissionRequest, settings: InjectSettings, namespaceOptIn: boolean): Decision {
  const problem = podShapeProblem(req.object);
  if (problem !== undefined) {
    return {
      ...malformed(req, problem),
      pod: { namespace: text(req.namespace), name: text(req.name) || '*', dryRun: req.dryRun === true },
    };
  }
  const pod = (req.object ?? {}) as Pod;
  const namespace = pod.metadata?.namespace || text(req.namespace);
  const about = { namespace, name: pod.metadata?.name || `${pod.metadata?.generateName ?? ''}*`, dryRun: req.dryRun === true };
  return { ...decideFor(req, pod, namespace, settings, namespaceOptIn), pod: about };
}

function decideFor(req: AdmissionRequest, pod: Pod, namespace: string, settings: InjectSettings, namespaceOptIn: boolean): Decision {
  const skipped = skipReason({ pod, namespace, namespaceOptIn, operation: req.operation ?? '', kind: req.kind?.kind ?? '', settings });
  if (skipped !== undefined) {
    return { outcome: 'skipped', ...skipped, response: { uid: req.uid, allowed: true, auditAnnotations: { skipped: skipped.reason } } };
  }
  if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0)
    return malformed(req, 'spec.containers: want at least one container');
  const { options, problems } = readPodOptions(pod);
  if (problems.length > 0) {
    const message = `podprof: ${describeProblems(problems)}`;
    return {
      outcome: 'denied',
      rule: 'invalid-annotation',
      reason: message,
      response: { uid: req.uid, allowed: false, status: { code: 400, reason: 'BadRequest', message } },
    };
  }
  const injected = inject(pod, options, settings);
  const patch = diffPatch(pod, injected);
  return {
    outcome: 'injected',
    rule: 'injected',
    reason: `sidecar injected (upstream 127.0.0.1:${options.port}${options.path} from ${options.source})`,
    response: {
      uid: req.uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
      auditAnnotations: { injected: 'true' },
    },
  };
}
