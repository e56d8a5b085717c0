// POST /api/v1/links {namespace, pod, type, seconds?}: a one-time URL for go tool pprof.
import type { Request, Response } from 'express';
import type { Link } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { isProfileType } from '../../src/endpoints/catalog.ts';
import { missingRule } from '../auth/authz.ts';
import type { GatewayContext } from '../context.ts';
import { audit, baseUrl, userOf } from '../http-util.ts';
import { LINK_TTL_MS, LINK_USER } from '../links.ts';

interface LinkRequest {
  namespace?: unknown;
  pod?: unknown;
  type?: unknown;
  seconds?: unknown;
}

export function linksHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const user = userOf(res);
    const b = (req.body ?? {}) as LinkRequest;
    const { namespace, pod, type } = b;
    if (typeof namespace !== 'string' || typeof pod !== 'string' || typeof type !== 'string' || !isProfileType(type)) {
      throw new PodprofError('PODPROF_BAD_PARAMETER', 'want JSON {"namespace": "...", "pod": "...", "type": "heap", "seconds": 30}');
    }
    const seconds = b.seconds === undefined ? undefined : Number(b.seconds);
    if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600))
      throw new PodprofError('PODPROF_BAD_PARAMETER', 'seconds: want a whole number from 1 to 3600');
    const access = { verb: 'get', resource: 'pods', subresource: type, namespace, name: pod } as const;
    if (!(await ctx.authorize(user, access)).allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
    if (!ctx.registry.get(namespace, pod)) throw new PodprofError('PODPROF_POD_NOT_FOUND', `no injected pod ${namespace}/${pod}`);
    Object.assign(audit(res), { namespace, pod, type, decision: 'allowed', outcome: 'link-created' });
    const secret = ctx.links.create(user, namespace, pod, type);
    const base = new URL(baseUrl(req, ctx.publicUrl));
    base.username = LINK_USER;
    base.password = secret;
    base.pathname = `/api/v1/namespaces/${namespace}/pods/${pod}/debug/pprof/${type}`;
    if (seconds !== undefined) base.search = `?seconds=${seconds}`;
    res.status(201).json({
      url: base.href,
      expiresAt: new Date(Date.now() + LINK_TTL_MS).toISOString(),
      // go tool pprof cannot read a trace: curl saves it, go tool trace opens it.
      command: type === 'trace' ? `curl -fsSo trace.out '${base.href}' && go tool trace trace.out` : `go tool pprof -http=: '${base.href}'`,
    } satisfies Link);
  };
}
