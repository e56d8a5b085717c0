// Authorization (docs/design.md §2.4): SubjectAccessReview in API group podprof.io,
// resource pods, subresource = profile type, name = pod. Decisions cached
// (allow 2 min, deny 10 s), bounded.
import * as k8s from '@kubernetes/client-node';
import { TtlCache } from './cache.ts';
import type { User } from './user.ts';

export const API_GROUP = 'podprof.io';

export interface Access {
  readonly verb: 'get' | 'list' | 'create' | 'delete';
  readonly resource: 'pods' | 'captures' | 'targets';
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason?: string;
}

export type Authorizer = (user: User, access: Access) => Promise<Decision>;

export const allowAll: Authorizer = () => Promise.resolve({ allowed: true, reason: 'allow-all (demo mode)' });

export function kubernetesAuthz(kc: k8s.KubeConfig): Authorizer {
  const api = kc.makeApiClient(k8s.AuthorizationV1Api);
  const cache = new TtlCache<Decision>(10_000);
  return async (user, a) => {
    const key = JSON.stringify([user.name, user.groups, a.verb, a.resource, a.subresource, a.namespace, a.name]);
    const hit = cache.get(key);
    if (hit) return hit;
    const sar = await api.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.name,
          groups: [...user.groups],
          resourceAttributes: {
            group: API_GROUP,
            resource: a.resource,
            subresource: a.subresource,
            namespace: a.namespace,
            name: a.name,
            verb: a.verb,
          },
        },
      },
    });
    const d: Decision = { allowed: sar.status?.allowed === true, reason: sar.status?.reason };
    cache.set(key, d, d.allowed ? 120_000 : 10_000);
    return d;
  };
}

/** The RBAC rule the user lacks, for the 403 message. */
export function missingRule(user: User, a: Access): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in namespace ${a.namespace}` : 'cluster-wide';
  return `${user.name} may not ${a.verb} ${resource}${a.name ? ` ${a.name}` : ''} ${where}; a Role needs: apiGroups: ["${API_GROUP}"], resources: ["${resource}"], verbs: ["${a.verb}"]`;
}
