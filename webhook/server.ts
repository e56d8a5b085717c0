// Wires `podprof webhook`: settings from flags and files (reloaded when they
// change), the HTTPS admission server, health and metrics.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { answerClientErrors } from '../src/http/client-error.ts';
import { closeServer, listen } from '../src/http/listen.ts';
import type { Logger } from '../src/log.ts';
import { parseJwks } from '../src/token/keys.ts';
import { loadTls, watchTls } from '../src/tls/serving.ts';
import { VERSION } from '../src/version.ts';
import type { WebhookConfig } from './config.ts';
import { createWebhookHandler } from './http.ts';
import type { InjectSettings } from './settings.ts';

export interface RunningWebhook {
  readonly port: number;
  readonly healthPort: number;
  close(): Promise<void>;
}

/** Read the settings the injected sidecars get; a bad JWKS file stops the webhook at start. */
export function loadSettings(c: WebhookConfig): InjectSettings {
  const jwks = c['jwks-file'] === undefined ? undefined : readFileSync(c['jwks-file'], 'utf8');
  if (jwks !== undefined) parseJwks(jwks);
  return {
    sidecarImage: c['sidecar-image'],
    gatewayUrl: c['gateway-url']?.href.replace(/\/+$/, ''),
    jwks: jwks === undefined ? undefined : JSON.stringify(JSON.parse(jwks)),
    gatewayCa: c['gateway-ca-file'] === undefined ? undefined : readFileSync(c['gateway-ca-file'], 'utf8'),
    nativeSidecars: c['native-sidecars'],
    namespace: c.namespace,
    version: VERSION,
  };
}

function metrics(): { registry: Registry; reviews: Counter<'outcome' | 'rule'>; duration: Histogram } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'podprof_webhook_' });
  return {
    registry,
    reviews: new Counter({ name: 'podprof_webhook_reviews_total', help: 'admission reviews by outcome and rule', labelNames: ['outcome', 'rule'], registers: [registry] }),
    duration: new Histogram({ name: 'podprof_webhook_review_duration_seconds', help: 'time to answer a review', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25], registers: [registry] }),
  };
}

export async function startWebhook(c: WebhookConfig, log: Logger): Promise<RunningWebhook> {
  let settings = loadSettings(c);
  const m = metrics();
  const handler = createWebhookHandler({
    settings: () => settings,
    maxBodyBytes: c['max-body-bytes'],
    log,
    onDecision: (d, ms) => {
      m.reviews.inc({ outcome: d.outcome, rule: d.rule });
      m.duration.observe(ms / 1000);
      log.info({ review: { uid: d.response.uid, ...d.pod, outcome: d.outcome, rule: d.rule, reason: d.reason, ms: Math.round(ms * 100) / 100 } }, 'admission review');
    },
  });
  const tlsSource = { certFile: c['tls-cert-file'], keyFile: c['tls-key-file'], hostnames: ['localhost'], ips: ['127.0.0.1'] };
  const server = createServer({ ...loadTls(tlsSource), minVersion: 'TLSv1.2', connectionsCheckingInterval: 1000 }, handler);
  server.headersTimeout = 10_000;
  // The API server keeps connections for 90 s and client-go does not retry a POST
  // that meets a closed connection: stay open longer than it does.
  server.keepAliveTimeout = 120_000;
  answerClientErrors(server);
  server.requestTimeout = 15_000;
  const stopTls = watchTls(tlsSource, (o) => server.setSecureContext(o), log);
  const watched = [c['jwks-file'], c['gateway-ca-file']].filter((f): f is string => f !== undefined);
  const reload = (): void => {
    try {
      settings = loadSettings(c);
      log.info('sidecar settings reloaded (JWKS, gateway CA)');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'settings reload failed; keeping the previous ones');
    }
  };
  for (const f of watched) watchFile(f, { interval: 2000, persistent: false }, reload);
  const health = createHttpServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz' || path === '/readyz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else if (path === '/metrics') void m.registry.metrics().then((t) => res.writeHead(200, { 'content-type': m.registry.contentType }).end(t));
    else res.writeHead(404).end();
  });
  const port = await listen(server, c.listen);
  const healthPort = await listen(health, c['health-listen']);
  log.info({ port, healthPort, sidecarImage: settings.sidecarImage, native: settings.nativeSidecars, namespace: settings.namespace }, 'webhook ready');
  return {
    port,
    healthPort,
    async close(): Promise<void> {
      stopTls();
      for (const f of watched) unwatchFile(f, reload);
      const closing = closeServer(server);
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 5000).unref();
      await closing;
      health.closeAllConnections();
      await closeServer(health);
    },
  };
}
