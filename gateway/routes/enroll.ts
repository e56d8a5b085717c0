// POST /sidecar/v1/certificates: a sidecar enrolls (identity/enroll.ts). Not
// behind user authentication: the projected ServiceAccount token in
// Authorization is the credential, reviewed by the API server. Audited like
// every request; the token is never logged.
import type { Request, Response } from 'express';
import { PodprofError } from '../../src/errors.ts';
import { spendReview } from '../auth/authn.ts';
import { bearerOf } from '../auth/user.ts';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http-util.ts';
import { issue, parseClaim } from '../identity/enroll.ts';

export function enrollHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const token = bearerOf(req);
    if (token === undefined)
      throw new PodprofError(
        'PODPROF_UNAUTHENTICATED',
        'send the pod’s projected ServiceAccount token (audience podprof-sidecar) as Authorization: Bearer',
      );
    const review = ctx.identity.review;
    if (!review)
      throw new PodprofError(
        'PODPROF_NO_ROUTE',
        'sidecar enrollment needs the Kubernetes API (TokenReview); this gateway has none (--auth, --authz and --discovery are not kubernetes)',
      );
    const claim = parseClaim(req.body);
    const a = Object.assign(audit(res), { namespace: claim.namespace, pod: claim.pod, type: 'enroll' });
    spendReview(ctx.identity.reviews, req);
    const reviewed = await review(token);
    a.user = reviewed.username;
    const target = ctx.registry.get(claim.namespace, claim.pod);
    const issued = issue(reviewed, claim, target, ctx.identity.ca, ctx.identity.certTtlMs);
    Object.assign(a, { uid: target?.uid, outcome: 'certificate-issued', params: { ip: target?.ip, notAfter: issued.notAfter } });
    ctx.log.info({ pod: `${claim.namespace}/${claim.pod}`, ip: target?.ip, notAfter: issued.notAfter }, 'sidecar certificate issued');
    res.status(201).json(issued);
  };
}
