// A stored capture obeys the same RBAC as a live profile. It holds its pods'
// profiles (a merged one mixes them all), so reading, listing, downloading or
// deleting it needs, besides the captures verb in its namespace, `get
// pods/<type>` on every pod it holds data of (pods refused when it was made hold
// none). The creator's groups are shown to the creator only.
import type { Access, Authorizer } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import type { CaptureMeta } from '../../src/api/types.ts';

/** The first pod rule `user` lacks for `meta`, or undefined when every pod is allowed. */
export async function missingPodAccess(authorize: Authorizer, user: User, meta: CaptureMeta): Promise<Access | undefined> {
  for (const p of meta.pods) {
    if (p.status === 'forbidden') continue;
    const access: Access = { verb: 'get', resource: 'pods', subresource: meta.type, namespace: meta.namespace, name: p.pod };
    if (!(await authorize(user, access)).allowed) return access;
  }
  return undefined;
}

/** The capture as `viewer` may see it. */
export function shownTo(viewer: User, meta: CaptureMeta): CaptureMeta {
  if (meta.user === viewer.name) return meta;
  const { groups: _groups, ...rest } = meta;
  return rest;
}
