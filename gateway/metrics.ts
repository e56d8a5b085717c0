// The gateway's own counters, on the registry its health server serves. Their
// labels come from fixed sets (the route patterns the app registers, the
// statuses podprof answers with): a caller can add no series.
import type { Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../src/serving/metrics.ts';

export { statusLabel } from '../src/serving/status-label.ts';

/** The route that answered ("GET /api/v1/captures/:id"), set by the app as it matched; "other" before that (401s, 404s, the UI's files). */
export function routeLabel(res: Response): string {
  return (res.locals as { route?: string }).route ?? 'other';
}

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly targets: Gauge;
  readonly missed: Gauge;
  readonly bytes: Counter<'type'>;
}

/** `targetCount` is read at each scrape for podprof_gateway_targets. */
export function createGatewayMetrics(targetCount: () => number = () => 0): GatewayMetrics {
  const registry = createRegistry('podprof_gateway_');
  return {
    registry,
    requests: new Counter({
      name: 'podprof_gateway_requests_total',
      help: 'requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'podprof_gateway_request_duration_seconds',
      help: 'time per request',
      labelNames: ['route'],
      buckets: [0.005, 0.05, 0.5, 2, 10, 30, 60, 120],
      registers: [registry],
    }),
    targets: new Gauge({
      name: 'podprof_gateway_targets',
      help: 'injected pods known to the gateway',
      registers: [registry],
      collect() {
        this.set(targetCount());
      },
    }),
    missed: new Gauge({
      name: 'podprof_gateway_uninjected_annotated_pods',
      help: 'pods annotated podprof.io/inject=true that carry no sidecar',
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'podprof_gateway_profile_bytes_total',
      help: 'profile bytes sent to users',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
