// The API calls a kubelet makes besides pod status: register its Node, bind a
// pod to it (what the scheduler does; no scheduler runs here), and finish a
// graceful deletion.
import type { V1Pod } from '@kubernetes/client-node';
import { isApiStatus, type KubeRest } from './kube-rest.ts';

export const podPath = (namespace: string, name: string): string => `/api/v1/namespaces/${namespace}/pods/${name}`;

/**
 * Creates (or reuses) the Node object and reports it Ready. The TaintNodesByCondition
 * admission plugin gives a new Node the not-ready:NoSchedule taint; the node
 * lifecycle controller (not running here) would remove it once Ready, so we do.
 */
export async function registerNode(rest: KubeRest, name: string): Promise<void> {
  const labels = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
  };
  try {
    await rest.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } });
  } catch (err) {
    if (!isApiStatus(err, 409)) throw err;
  }
  await rest.mergePatch(`/api/v1/nodes/${name}`, { spec: { taints: null } });
  const now = new Date().toISOString();
  const resources = { cpu: '2', memory: '8Gi', pods: '110' };
  await rest.mergePatch(`/api/v1/nodes/${name}/status`, {
    status: {
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'podprof test kubelet stand-in (pods as processes)',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      capacity: resources,
      allocatable: resources,
    },
  });
}

/**
 * pods/binding sets spec.nodeName (it cannot be set by an update). Bound pods are
 * what a kubelet runs, they show a NODE in kubectl, `spec.nodeName` works in the
 * downward API, and — as on a real cluster — deleting a bound pod is graceful:
 * it stays Terminating until the kubelet has stopped it and deletes it for good.
 */
export async function bindPod(rest: KubeRest, pod: V1Pod, nodeName: string): Promise<void> {
  const { name, namespace, uid } = pod.metadata ?? {};
  await rest.post(`${podPath(namespace ?? '', name ?? '')}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name, namespace, uid },
    target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
  });
}

/** The kubelet's final delete once the containers are stopped (uid precondition: never another pod of that name). */
export async function finishDeletion(rest: KubeRest, namespace: string, name: string, uid: string): Promise<void> {
  try {
    await rest.delete(podPath(namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } });
  } catch (err) {
    if (!isApiStatus(err, 404, 409)) throw err;
  }
}

/** Why this pod cannot be run by the kubelet on `nodeName`, or undefined. */
export function notRunnable(pod: V1Pod, nodeName: string): string | undefined {
  const phase = pod.status?.phase;
  if (pod.metadata?.deletionTimestamp !== undefined) return 'is being deleted';
  if (phase === 'Succeeded' || phase === 'Failed') return `has finished (phase ${phase}); a kubelet does not run it again`;
  const bound = pod.spec?.nodeName;
  if (bound !== undefined && bound !== '' && bound !== nodeName) return `is bound to node ${bound}, not ${nodeName}`;
  return undefined;
}
