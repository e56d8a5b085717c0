// Synthetic injected pods for the /sd/targets benchmark: what the pod informer
// hands the gateway for a Deployment replica after the webhook injected it
// (labels, owner reference, podprof annotations, the sidecar container and a
// Ready status), turned into a registry Target exactly as kubernetes discovery
// does (JSON round trip, then targetOf).
import { A, INJECTED_LABEL, SIDECAR_NAME, SIDECAR_PORT_NAME } from '../../src/annotations.ts';
import type { Pod } from '../../src/k8s/types.ts';
import { targetOf, type Target } from '../../gateway/pods/targets.ts';

/** Pods are spread over this many namespaces and, within each, this many Deployments. */
const NAMESPACES = 20;
const DEPLOYMENTS = 10;

function hex(i: number, width: number): string {
  return ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, width);
}

/** The i-th synthetic pod, as the API server would return it (status included). */
export function syntheticPod(i: number): Pod {
  const namespace = `bench-sd-${String(i % NAMESPACES).padStart(2, '0')}`;
  const deployment = `svc-${(Math.floor(i / NAMESPACES) % DEPLOYMENTS).toString().padStart(2, '0')}`;
  const templateHash = hex(i % (NAMESPACES * DEPLOYMENTS), 10);
  const name = `${deployment}-${templateHash}-${hex(i + 7, 5)}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      name,
      uid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      labels: {
        app: deployment,
        'app.kubernetes.io/name': deployment,
        'app.kubernetes.io/part-of': 'bench',
        tier: i % 3 === 0 ? 'backend' : 'frontend',
        'pod-template-hash': templateHash,
        [INJECTED_LABEL]: 'true',
      },
      annotations: {
        [A.inject]: 'true',
        [A.port]: '6060',
        [A.path]: '/debug/pprof',
        [A.status]: JSON.stringify({ version: '0.1.0', container: SIDECAR_NAME, native: false, port: 8443, healthPort: 8081 }),
      },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-${templateHash}`, uid: `rs-${templateHash}`, controller: true },
      ],
    },
    spec: {
      nodeName: `node-${(i % 40).toString().padStart(2, '0')}`,
      containers: [
        { name: 'app', image: `registry.example.com/${deployment}:1.0.${i % 7}`, ports: [{ name: 'http', containerPort: 8080 }] },
        { name: SIDECAR_NAME, image: 'ghcr.io/podprof/sidecar:0.1.0', ports: [{ name: SIDECAR_PORT_NAME, containerPort: 8443 }] },
      ],
    },
    status: {
      phase: 'Running',
      podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', ready: true },
        { name: SIDECAR_NAME, ready: true },
      ],
    },
  };
  return pod;
}

/** The registry target of the i-th synthetic pod, built as kubernetes discovery builds it (from a JSON copy). */
export function syntheticTarget(i: number): Target {
  const t = targetOf(JSON.parse(JSON.stringify(syntheticPod(i))) as Pod);
  if (!t) throw new Error(`synthetic pod ${i} is not an injected pod`);
  return t;
}
