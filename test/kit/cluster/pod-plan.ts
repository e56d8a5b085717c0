// From a stored pod to the processes to start: a runtime per container (or a
// clear error naming every container without one), its env, argv and readiness.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { KubeRest } from './kube-rest.ts';
import { containerEnv, expandVars } from './pod-env.ts';
import type { PlannedContainer } from './pod-runner.ts';
import type { ContainerKind } from './pod-status.ts';
import { mountedPaths, projectTokenVolumes } from './pod-volumes.ts';
import { probeFromSpec } from './readiness.ts';
import { findRuntime, type ContainerRuntime } from './runtimes.ts';

export const HOST_IP = '127.0.0.1';

interface Entry {
  c: V1Container;
  kind: ContainerKind;
}

function containersOf(pod: V1Pod): Entry[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((c): Entry => ({ c, kind: c.restartPolicy === 'Always' ? 'sidecar' : 'init' })),
    ...(pod.spec?.containers ?? []).map((c): Entry => ({ c, kind: 'regular' })),
  ];
}

/** Throws, before anything starts, if a container has no runtime. */
export function checkRuntimes(pod: V1Pod, runtimes: Readonly<Record<string, ContainerRuntime>>): void {
  const missing = containersOf(pod).filter((e) => findRuntime(runtimes, e.c) === undefined);
  if (missing.length === 0) return;
  const list = missing.map((e) => `"${e.c.name}" (image "${e.c.image ?? ''}")`).join(', ');
  throw new Error(
    `pod ${pod.metadata?.namespace}/${pod.metadata?.name}: no runtime for container ${list}. ` +
      `Known runtimes (container names or image globs): ${Object.keys(runtimes).join(', ')}. ` +
      'Pass ProcessKubelet({ runtimes: { "<name or image glob>": goTargetRuntime } }) to run it.',
  );
}

export async function planPod(
  pod: V1Pod,
  ip: string,
  nodeName: string,
  runtimes: Readonly<Record<string, ContainerRuntime>>,
  rest: KubeRest,
): Promise<PlannedContainer[]> {
  checkRuntimes(pod, runtimes);
  const ctx = { pod, podIP: ip, hostIP: HOST_IP, nodeName, rest };
  const volumes = await projectTokenVolumes(pod, rest);
  return Promise.all(
    containersOf(pod).map(async ({ c, kind }): Promise<PlannedContainer> => {
      const host = mountedPaths(c, volumes);
      const env = Object.fromEntries(Object.entries(await containerEnv(c, ctx)).map(([k, v]) => [k, host(v)]));
      const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => host(expandVars(a, env)));
      const runtime = findRuntime(runtimes, c) as ContainerRuntime;
      const spec = await runtime({ pod, container: c, ip, env, argv });
      const probe = probeFromSpec(c, ip);
      return {
        container: c,
        kind,
        spec: probe === undefined ? spec : { ...spec, readiness: probe },
        env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOSTNAME: pod.metadata?.name ?? '', ...env, ...spec.env },
      };
    }),
  );
}
