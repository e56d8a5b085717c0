// GET /api/v1/pods?namespace=&selector=: the injected pods the caller may see,
// each with whether its app answers its sidecar (pods/upstream-states.ts).
import type { Request, Response } from 'express';
import type { PodList } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { missingRule } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import type { GatewayContext } from '../context.ts';
import { userOf } from '../http-util.ts';
import type { Target } from '../pods/targets.ts';
import { podView } from '../pods/view.ts';

/** The namespaces among `targets` the user may list pods in (one cached SubjectAccessReview per namespace). */
export async function visibleNamespaces(ctx: GatewayContext, user: User, namespaces: Iterable<string>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const ns of new Set(namespaces)) {
    if ((await ctx.authorize(user, { verb: 'list', resource: 'pods', namespace: ns })).allowed) out.add(ns);
  }
  return out;
}

export function podsHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const user = userOf(res);
    const namespace = typeof req.query.namespace === 'string' && req.query.namespace !== '' ? req.query.namespace : undefined;
    const selector = typeof req.query.selector === 'string' && req.query.selector !== '' ? req.query.selector : undefined;
    let targets: Target[];
    try {
      targets = ctx.registry.list({ namespace, selector });
    } catch (err) {
      throw new PodprofError('PODPROF_BAD_PARAMETER', (err as Error).message);
    }
    if (namespace && !(await ctx.authorize(user, { verb: 'list', resource: 'pods', namespace })).allowed) {
      throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, { verb: 'list', resource: 'pods', namespace }));
    }
    // Namespaces whose pods were all created while the webhook was down have no target: check them too.
    const uninjected = [...ctx.registry.missed.values()].filter((m) => !namespace || m.namespace === namespace);
    const visible = await visibleNamespaces(
      ctx,
      user,
      [...targets, ...uninjected].map((t) => t.namespace),
    );
    const missed = uninjected.filter((m) => visible.has(m.namespace));
    const shown = targets.filter((t) => visible.has(t.namespace));
    const upstreams = await ctx.upstreams.views(shown);
    const body: PodList = { items: shown.map((t) => podView(t, upstreams.get(t.uid)!)), notInjected: missed };
    res.json(body);
  };
}
