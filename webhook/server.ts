// Wires `podprof webhook`: settings from flags and files (reloaded when they
// change) and the admission handler, behind the shared HTTPS and health
// servers (src/serving).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../src/log.ts';
import { startService } from '../src/serving/service.ts';
import { parseJwks } from '../src/token/keys.ts';
import { VERSION } from '../src/version.ts';
import type { WebhookConfig } from './config.ts';
import { createWebhookHandler } from './http.ts';
import { Shares } from '../src/limits/shares.ts';
import { createWebhookMetrics } from './metrics.ts';
import type { InjectSettings } from './settings.ts';

export interface RunningWebhook {
  readonly ports: { readonly main: number; readonly health: number };
  /** Stop accepting; let in-flight reviews finish within graceMs (default --shutdown-grace); then close everything. */
  close(graceMs?: number): Promise<void>;
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

export async function startWebhook(c: WebhookConfig, log: Logger): Promise<RunningWebhook> {
  let settings = loadSettings(c);
  const m = createWebhookMetrics();
  const handler = createWebhookHandler({
    settings: () => settings,
    maxBodyBytes: c['max-body-bytes'],
    inflight: new Shares({
      perHolder: Math.max(c['max-body-bytes'], Math.floor(c['max-inflight-bytes'] / 4)),
      total: c['max-inflight-bytes'],
    }),
    log,
    onDecision: (d, ms, bytes) => {
      m.reviews.inc({ outcome: d.outcome, rule: d.rule });
      m.duration.observe(ms / 1000);
      log.info(
        {
          review: {
            uid: d.response.uid,
            ...d.pod,
            outcome: d.outcome,
            rule: d.rule,
            reason: d.reason,
            ms: Math.round(ms * 100) / 100,
            bytes,
          },
        },
        'admission review',
      );
    },
  });
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
  const service = await startService({
    name: 'webhook',
    tls: { certFile: c['tls-cert-file'], keyFile: c['tls-key-file'], hostnames: ['localhost'], ips: ['127.0.0.1'] },
    handler,
    listen: c.listen,
    healthListen: c['health-listen'],
    connections: { max: c['max-connections'], perAddress: c['max-connections-per-address'] },
    // The API server keeps connections for 90 s and client-go does not retry a POST
    // that meets a closed connection: stay open longer than it does.
    timeouts: {
      handshakeMs: c['header-timeout'],
      headersMs: c['header-timeout'],
      requestMs: c['header-timeout'] + 5000,
      keepAliveMs: 120_000,
      connectionsCheckingIntervalMs: Math.min(1000, c['header-timeout']),
    },
    health: {},
    metrics: m.registry,
    log,
    readyFields: { sidecarImage: settings.sidecarImage, native: settings.nativeSidecars, namespace: settings.namespace },
    beforeClose: () => {
      for (const f of watched) unwatchFile(f, reload);
    },
  });
  return {
    ports: service.ports,
    close: (graceMs = c['shutdown-grace']) => service.close(graceMs),
  };
}
