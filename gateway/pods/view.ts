// A target as GET /api/v1/pods shows it. Pure.
import type { PodView, UpstreamView } from '../../src/api/types.ts';
import { routable, type Target } from './targets.ts';

/** A target as the API shows it: field by field, so nothing internal leaks by accident. */
export function podView(t: Target, upstream: UpstreamView): PodView {
  const { namespace, name, uid, ip, port, node, path, container, profiles, maxSeconds, labels, workload, podReady, sidecarReady, phase } =
    t;
  return {
    namespace,
    name,
    uid,
    ip,
    port,
    node,
    path,
    container,
    profiles,
    maxSeconds,
    flightRecorder: t.flightRecorder !== undefined,
    labels,
    ...(workload ? { workload } : {}),
    podReady,
    sidecarReady,
    phase,
    routable: routable(t),
    upstream: { ...upstream },
  };
}
