// Which captures a user may list: RBAC `list captures` per namespace (one
// cached SubjectAccessReview per namespace, as for pods), and of those the ones
// whose every pod the user may profile with the capture's type (access.ts).
import type { Authorizer } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import type { Captures } from './captures.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { missingPodAccess, shownTo } from './access.ts';

export async function visibleCaptures(
  ctx: { readonly authorize: Authorizer; readonly captures: Pick<Captures, 'store'> },
  user: User,
  namespace?: string,
): Promise<CaptureMeta[]> {
  const all = ctx.captures.store.list().filter((m) => namespace === undefined || m.namespace === namespace);
  const allowed = new Set<string>();
  for (const ns of new Set(all.map((m) => m.namespace))) {
    if ((await ctx.authorize(user, { verb: 'list', resource: 'captures', namespace: ns })).allowed) allowed.add(ns);
  }
  const visible: CaptureMeta[] = [];
  for (const m of all) if (allowed.has(m.namespace) && !(await missingPodAccess(ctx.authorize, user, m))) visible.push(shownTo(user, m));
  return visible;
}
