// The one metrics registry factory: a prom-client Registry with the process
// and Node defaults under the program's prefix. Each program registers its own
// counters on it, in its own metrics file; the health server serves it.
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A fresh Registry with Node's default metrics, named `${prefix}…` (e.g. "podprof_sidecar_"). */
export function createRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return registry;
}
