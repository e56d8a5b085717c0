// The one metrics registry factory: a prom-client Registry with the process
// and Node defaults under the program's prefix. Each program registers its own
// counters on it, in its own metrics file; the health server serves it.
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop lag histogram samples, in ms. prom-client's default (10) wakes an idle
 * process 100 times a second: an idle gateway with 500 pods used 11.5 ms of CPU a second, and a
 * lightly loaded replica paid more per scrape than a busy one (bench/scrape). At 100 it uses 2 ms.
 * The lag is sampled 10 times a second instead of 100: a stall still shows once it outlasts 100 ms.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** A fresh Registry with Node's default metrics, named `${prefix}…` (e.g. "podprof_sidecar_"). */
export function createRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return registry;
}
