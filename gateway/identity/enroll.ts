// Sidecar enrollment, the pure part: a sidecar proves which pod it is with a
// projected ServiceAccount token (audience ENROLL_AUDIENCE, bound to its pod by
// the API server), the gateway reviews it, and issues a short-lived certificate
// naming that pod's current IP — only that pod's, only while the pod is known
// with that uid. This is Istio's and SPIFFE's model with Kubernetes' own parts.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { PodprofError } from '../../src/errors.ts';
import { ENROLL_AUDIENCE } from '../../src/enrollment.ts';
import { certifyKey } from '../../src/tls/x509.ts';
import type { Target } from '../pods/targets.ts';
import { podCommonName, type SidecarCa } from './ca.ts';

/** What the API server said about the token (TokenReview status). */
export interface ReviewedToken {
  readonly authenticated: boolean;
  readonly username?: string;
  readonly audiences?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface EnrollClaim {
  readonly namespace: string;
  readonly pod: string;
  readonly publicKey: string;
}

export interface Issued {
  readonly certificate: string;
  readonly ca: string;
  readonly notAfter: string;
}

const LIVE_PHASES = new Set(['Pending', 'Running']);

const forbidden = (m: string): PodprofError => new PodprofError('PODPROF_FORBIDDEN', m);

export function parseClaim(body: unknown): EnrollClaim {
  const b = (body ?? {}) as Record<string, unknown>;
  for (const k of ['namespace', 'pod', 'publicKey'] as const) {
    if (typeof b[k] !== 'string' || b[k] === '')
      throw new PodprofError('PODPROF_BAD_REQUEST', `${k}: want a string (JSON {"namespace", "pod", "publicKey": SPKI PEM})`);
  }
  return { namespace: b.namespace as string, pod: b.pod as string, publicKey: b.publicKey as string };
}

/** The pod the token is bound to, or why it cannot enroll. */
export function boundPod(r: ReviewedToken): { namespace: string; pod: string; uid: string } {
  if (!r.authenticated) throw new PodprofError('PODPROF_TOKEN_INVALID', 'the API server did not accept the enrollment token');
  if (!(r.audiences ?? []).includes(ENROLL_AUDIENCE))
    throw new PodprofError('PODPROF_TOKEN_INVALID', `the enrollment token is not for audience ${ENROLL_AUDIENCE}`);
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(r.username ?? '');
  const pod = r.extra?.['authentication.kubernetes.io/pod-name']?.[0];
  const uid = r.extra?.['authentication.kubernetes.io/pod-uid']?.[0];
  if (!sa || !pod || !uid) throw forbidden('the enrollment token is not bound to a pod (use a projected ServiceAccount token volume)');
  return { namespace: sa[1]!, pod, uid };
}

function p256(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new PodprofError('PODPROF_BAD_REQUEST', 'publicKey: want an SPKI PEM public key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new PodprofError('PODPROF_BAD_REQUEST', 'publicKey: want an ECDSA P-256 key');
  return key;
}

/** The certificate for `claim`, if the token's pod, the claim and the gateway's view of the pod all agree. */
export function issue(
  review: ReviewedToken,
  claim: EnrollClaim,
  target: Target | undefined,
  ca: SidecarCa,
  ttlMs: number,
  now = Date.now(),
): Issued {
  if (!ca.signer)
    throw new PodprofError(
      'PODPROF_NO_ROUTE',
      'this gateway does not sign sidecar certificates (--sidecar-ca-file without --sidecar-ca-key-file)',
    );
  const bound = boundPod(review);
  if (bound.namespace !== claim.namespace || bound.pod !== claim.pod)
    throw forbidden(`the token is bound to pod ${bound.namespace}/${bound.pod}, not ${claim.namespace}/${claim.pod}`);
  if (!target)
    throw new PodprofError('PODPROF_POD_NOT_FOUND', `no injected pod ${claim.namespace}/${claim.pod} is known to the gateway (yet)`);
  if (target.uid !== bound.uid)
    throw forbidden(`the token is bound to pod uid ${bound.uid}, but ${claim.namespace}/${claim.pod} is uid ${target.uid}`);
  if (target.ip === '') throw new PodprofError('PODPROF_POD_NOT_READY', `${claim.namespace}/${claim.pod} has no IP yet; retry`);
  // A pod that finished or is being deleted serves nothing, and its IP may go to the next pod.
  // Pending stays allowed: a native sidecar starts (and enrolls) before the app, while the pod is Pending.
  if (!LIVE_PHASES.has(target.phase) || target.deleting === true) {
    throw forbidden(
      `${claim.namespace}/${claim.pod} is ${target.deleting === true ? 'being deleted' : `in phase ${target.phase}`}; only a running or starting pod gets a certificate`,
    );
  }
  const key = p256(claim.publicKey);
  const certificate = certifyKey(key, {
    commonName: podCommonName(claim.namespace, claim.pod),
    ipAddresses: [target.ip],
    validForMs: ttlMs,
    issuer: ca.signer,
  });
  return { certificate, ca: ca.trustPem, notAfter: new Date(now + ttlMs).toISOString() };
}
