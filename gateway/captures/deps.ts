// The little of the gateway that captures need: find pods, ask RBAC, call
// sidecars. Narrow on purpose, so captures do not depend on the whole gateway
// context (which holds the Captures).
import type { Authorizer } from '../auth/authz.ts';
import type { TargetRegistry } from '../discovery/registry.ts';
import type { SidecarClient } from '../pods/sidecar-client.ts';
import type { WorkloadResolver } from '../discovery/workloads.ts';

export interface CaptureDeps {
  readonly registry: Pick<TargetRegistry, 'get' | 'list'>;
  readonly authorize: Authorizer;
  readonly sidecars: Pick<SidecarClient, 'call'>;
  /** Workload membership from the API server (kubernetes discovery); absent: the pods' own ownerReferences are trusted (static discovery). */
  readonly workloads?: WorkloadResolver;
}
