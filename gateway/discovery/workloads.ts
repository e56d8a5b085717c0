// Reads a workload from the API server for ownership.ts: its uid and selector,
// and for a Deployment the uids of the ReplicaSets it owns. Cached for a few
// seconds (a fan-out asks once; a burst of captures asks once).
import * as k8s from '@kubernetes/client-node';
import { PodprofError } from '../../src/errors.ts';
import type { Workload } from '../../src/api/types.ts';
import { TtlCache } from '../auth/cache.ts';
import type { LabelSelector, Membership } from './ownership.ts';

export type WorkloadResolver = (namespace: string, w: Workload) => Promise<Membership>;

interface Stored {
  metadata?: { uid?: string };
  spec?: { selector?: LabelSelector };
}

export function kubernetesWorkloads(kc: k8s.KubeConfig): WorkloadResolver {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const cache = new TtlCache<Membership>(1000);
  const read = (kind: string, name: string, namespace: string): Promise<Stored> => {
    switch (kind) {
      case 'deployment':
        return apps.readNamespacedDeployment({ name, namespace });
      case 'statefulset':
        return apps.readNamespacedStatefulSet({ name, namespace });
      case 'daemonset':
        return apps.readNamespacedDaemonSet({ name, namespace });
      case 'replicaset':
        return apps.readNamespacedReplicaSet({ name, namespace });
      case 'job':
        return batch.readNamespacedJob({ name, namespace });
      default:
        return Promise.reject(new PodprofError('PODPROF_BAD_PARAMETER', `workload kind ${kind} is not one podprof fans out over`));
    }
  };
  return async (namespace, w) => {
    const kind = w.kind.toLowerCase();
    const key = `${namespace}/${kind}/${w.name}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let obj: Stored;
    try {
      obj = await read(kind, w.name, namespace);
    } catch (err) {
      if ((err as { code?: number }).code === 404)
        throw new PodprofError('PODPROF_NO_TARGETS', `no ${kind}/${w.name} in namespace ${namespace}`);
      throw err;
    }
    const uid = obj.metadata?.uid ?? '';
    let ownerUids = new Set([uid]);
    if (kind === 'deployment') {
      const sets = await apps.listNamespacedReplicaSet({ namespace });
      ownerUids = new Set(
        sets.items
          .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller === true && o.uid === uid))
          .map((rs) => rs.metadata?.uid ?? ''),
      );
    }
    const m: Membership = { kind: w.kind, name: w.name, selector: obj.spec?.selector, ownerUids };
    cache.set(key, m, 5000);
    return m;
  };
}
