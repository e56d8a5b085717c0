// Projected ServiceAccount token volumes as the kubelet makes them: a
// TokenRequest for the pod's ServiceAccount with the volume's audience and
// expiry, bound to the pod (name and uid), written where the container mounts
// it. The stand-in runs containers as host processes, not in a mount
// namespace, so paths under a mountPath in argv and env are rewritten to the
// host directory. Other volume types are not materialized.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeRest } from './kube-rest.ts';

interface TokenSource {
  audience?: string;
  expirationSeconds?: number;
  path: string;
}

/** Host directory of each projected token volume of the pod, by volume name. */
export async function projectTokenVolumes(pod: V1Pod, rest: KubeRest): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ns = pod.metadata?.namespace ?? 'default';
  const sa = pod.spec?.serviceAccountName ?? 'default';
  for (const v of pod.spec?.volumes ?? []) {
    const sources = (v.projected?.sources ?? []).map((s) => s.serviceAccountToken).filter((s): s is TokenSource => s !== undefined);
    if (sources.length === 0) continue;
    const dir = mkdtempSync(join(tmpdir(), `podprof-kubelet-${v.name}-`));
    for (const s of sources) {
      const body = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: s.audience ? [s.audience] : [],
          expirationSeconds: s.expirationSeconds ?? 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata?.name, uid: pod.metadata?.uid },
        },
      };
      const tr = await rest
        .post<{ status?: { token?: string } }>(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, body)
        .catch((err: unknown) => {
          throw new Error(
            `pod ${ns}/${pod.metadata?.name}: projected token for ServiceAccount ${sa} (volume ${v.name}): ${(err as Error).message}`,
          );
        });
      writeFileSync(join(dir, s.path), tr.status?.token ?? '', { mode: 0o600 });
    }
    out.set(v.name, dir);
  }
  return out;
}

/** Rewrites paths under the container's mounts of those volumes to their host directories. */
export function mountedPaths(c: V1Container, volumes: ReadonlyMap<string, string>): (s: string) => string {
  const mounts = (c.volumeMounts ?? [])
    .filter((m) => volumes.has(m.name))
    .map((m) => [m.mountPath.replace(/\/+$/, ''), volumes.get(m.name)!] as const);
  return (s) => mounts.reduce((acc, [from, to]) => acc.split(`${from}/`).join(`${to}/`), s);
}
