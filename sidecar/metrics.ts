// The sidecar's own counters, on the registry its health server serves. They use
// src/serving/text-metrics.ts, not prom-client: see there for why.
import { Counter, Gauge, Histogram, TextRegistry } from '../src/serving/text-metrics.ts';

export interface SidecarMetrics {
  readonly registry: TextRegistry;
  readonly requests: Counter<'type' | 'outcome' | 'code'>;
  readonly bytes: Counter<'type'>;
  readonly duration: Histogram<'type'>;
  readonly inflight: Gauge;
  readonly exposed: Gauge;
}

export function createMetrics(): SidecarMetrics {
  const r = new TextRegistry('podprof_sidecar_');
  return {
    registry: r,
    requests: r.add(
      new Counter({
        name: 'podprof_sidecar_requests_total',
        help: 'pprof requests by profile type, outcome and status code',
        labelNames: ['type', 'outcome', 'code'],
      }),
    ),
    bytes: r.add(new Counter({ name: 'podprof_sidecar_response_bytes_total', help: 'bytes sent to the gateway', labelNames: ['type'] })),
    duration: r.add(
      new Histogram({
        name: 'podprof_sidecar_request_duration_seconds',
        help: 'time per pprof request',
        labelNames: ['type'],
        buckets: [0.005, 0.05, 0.5, 2, 10, 30, 60, 120],
      }),
    ),
    inflight: r.add(new Gauge({ name: 'podprof_sidecar_inflight_requests', help: 'pprof requests in progress' })),
    exposed: r.add(
      new Gauge({
        name: 'podprof_sidecar_pprof_exposed',
        help: '1 when the app serves pprof on the pod IP, bypassing the sidecar; -1 when unknown',
      }),
    ),
  };
}
