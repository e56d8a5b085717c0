// The webhook's own counters, on the registry its health server serves.
import { Counter, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../src/serving/metrics.ts';

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly reviews: Counter<'outcome' | 'rule'>;
  readonly duration: Histogram;
}

export function createWebhookMetrics(): WebhookMetrics {
  const registry = createRegistry('podprof_webhook_');
  return {
    registry,
    reviews: new Counter({
      name: 'podprof_webhook_reviews_total',
      help: 'admission reviews by outcome and rule',
      labelNames: ['outcome', 'rule'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'podprof_webhook_review_duration_seconds',
      help: 'time to answer a review',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25],
      registers: [registry],
    }),
  };
}
