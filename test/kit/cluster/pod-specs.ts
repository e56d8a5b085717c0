// Pod specs and small helpers for tests that run pods with ProcessKubelet.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { sleep } from './http.ts';
import { SIDECAR_CONTAINER } from './runtimes.ts';

/** Any image containing "podprof-test-target" runs as the Go pprof fixture. */
export const TEST_TARGET_IMAGE = 'ghcr.io/podprof/podprof-test-target:dev';
export const SIDECAR_IMAGE = 'ghcr.io/podprof/podprof:dev';

/** What the webhook injects: the pod's identity from the downward API. */
export const DOWNWARD_ENV: V1EnvVar[] = [
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
];

export function appContainer(name = 'app'): V1Container {
  return { name, image: TEST_TARGET_IMAGE, ports: [{ name: 'http', containerPort: 6060 }] };
}

/** The podprof sidecar as the webhook would add it (args, downward-API env, readiness probe). */
export function sidecarContainer(jwksFile: string, extraArgs: string[] = []): V1Container {
  return {
    name: SIDECAR_CONTAINER,
    image: SIDECAR_IMAGE,
    args: ['sidecar', '--jwks-file', jwksFile, '--upstream', 'http://127.0.0.1:6060', ...extraArgs],
    env: DOWNWARD_ENV,
    ports: [
      { name: 'pprof-https', containerPort: 8443 },
      { name: 'health', containerPort: 8081 },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 5 },
  };
}

export interface PodOptions {
  containers: V1Container[];
  initContainers?: V1Container[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  labels?: Record<string, string>;
}

export function podManifest(name: string, o: PodOptions): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name, ...o.labels } },
    spec: { containers: o.containers, initContainers: o.initContainers, restartPolicy: o.restartPolicy, terminationGracePeriodSeconds: 5 },
  };
}

/** Calls probe until it returns something other than undefined/false; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${last.message}`}`);
    await sleep(100);
  }
}

/** The status of a condition of a pod ("True"/"False"), or undefined. */
export function conditionOf(pod: V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}
