import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly targets: Gauge;
  readonly missed: Gauge;
  readonly bytes: Counter<'type'>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'podprof_gateway_' });
  return {
    registry,
    requests: new Counter({ name: 'podprof_gateway_requests_total', help: 'requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    duration: new Histogram({ name: 'podprof_gateway_request_duration_seconds', help: 'time per request', labelNames: ['route'], buckets: [0.005, 0.05, 0.5, 2, 10, 30, 60, 120], registers: [registry] }),
    targets: new Gauge({ name: 'podprof_gateway_targets', help: 'injected pods known to the gateway', registers: [registry] }),
    missed: new Gauge({ name: 'podprof_gateway_uninjected_annotated_pods', help: 'pods annotated podprof.io/inject=true that carry no sidecar', registers: [registry] }),
    bytes: new Counter({ name: 'podprof_gateway_profile_bytes_total', help: 'profile bytes sent to users', labelNames: ['type'], registers: [registry] }),
  };
}
