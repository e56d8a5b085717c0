// The sidecar's own counters, on the registry its health server serves.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../src/serving/metrics.ts';

export interface SidecarMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'type' | 'outcome' | 'code'>;
  readonly bytes: Counter<'type'>;
  readonly duration: Histogram<'type'>;
  readonly inflight: Gauge;
  readonly exposed: Gauge;
}

export function createMetrics(): SidecarMetrics {
  const registry = createRegistry('podprof_sidecar_');
  return {
    registry,
    requests: new Counter({ name: 'podprof_sidecar_requests_total', help: 'pprof requests by profile type, outcome and status code', labelNames: ['type', 'outcome', 'code'], registers: [registry] }),
    bytes: new Counter({ name: 'podprof_sidecar_response_bytes_total', help: 'bytes sent to the gateway', labelNames: ['type'], registers: [registry] }),
    duration: new Histogram({ name: 'podprof_sidecar_request_duration_seconds', help: 'time per pprof request', labelNames: ['type'], buckets: [0.005, 0.05, 0.5, 2, 10, 30, 60, 120], registers: [registry] }),
    inflight: new Gauge({ name: 'podprof_sidecar_inflight_requests', help: 'pprof requests in progress', registers: [registry] }),
    exposed: new Gauge({ name: 'podprof_sidecar_pprof_exposed', help: '1 when the app serves pprof on the pod IP, bypassing the sidecar; -1 when unknown', registers: [registry] }),
  };
}
