// Wires the sidecar: keys, policy, flights and proxy behind the shared HTTPS
// and health servers (src/serving), the bypass check, and what its shutdown
// adds: readiness drops, key and bypass watches stop, the upstream agent goes.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { Logger } from '../src/log.ts';
import { startService } from '../src/serving/service.ts';
import type { SidecarConfig } from './config.ts';
import { startBypassCheck, type BypassState } from './bypass.ts';
import { FlightBoard } from './flight.ts';
import { createHandler } from './handler.ts';
import { sidecarReadiness, upstreamAnswers } from './health.ts';
import { upstreamProbe } from './upstream-state.ts';
import { startEnrollment, type Enrollment } from './enroll.ts';
import { KeyStore } from './keystore.ts';
import { createMetrics } from './metrics.ts';
import { createStreamProxy } from './proxy.ts';
import { ReplayCache } from './replay.ts';
import { Throttle } from './throttle.ts';
import { transferLimits } from '../src/http/transfer-flags.ts';

export interface RunningSidecar {
  readonly ports: { readonly main: number; readonly health: number };
  /** Stop accepting; let in-flight requests finish within graceMs (default --shutdown-grace); then close everything. */
  close(graceMs?: number): Promise<void>;
}

/** podprof_sidecar_pprof_exposed: 1 when the app's pprof answers on the pod IP, 0 when not, -1 not known yet. */
function exposedGauge(exposed: boolean | undefined): number {
  if (exposed === undefined) return -1;
  return exposed ? 1 : 0;
}

export async function startSidecar(c: SidecarConfig, log: Logger): Promise<RunningSidecar> {
  const ca = c['jwks-ca'] ?? (c['jwks-ca-file'] === undefined ? undefined : readFileSync(c['jwks-ca-file'], 'utf8'));
  const keys = new KeyStore({ file: c['jwks-file'], inline: c.jwks, url: c['jwks-url'], ca });
  await keys.load();
  const stopKeyWatch = keys.watchFile(log);
  const metrics = createMetrics();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const upstream = {
    upstream: c.upstream,
    agent,
    marginMs: c['upstream-margin'],
    maxResponseBytes: c['max-response-bytes'],
    transfer: transferLimits(c),
  };
  let shuttingDown = false;
  const handler = createHandler({
    auth: {
      keys,
      replay: new ReplayCache(),
      self: { namespace: c['pod-namespace'], pod: c['pod-name'], uid: c['pod-uid'] },
      issuer: c.issuer,
      audience: c.audience,
    },
    limits: { prefix: c['path-prefix'], profiles: c.profiles, maxSeconds: c['max-seconds'], flightRecorder: c['flight-recorder-path'] },
    flights: new FlightBoard(upstream),
    proxy: createStreamProxy({ ...upstream, snapshotTimeoutMs: c['snapshot-timeout'] }),
    throttle: new Throttle(30_000),
    metrics,
    log,
    maxBodyBytes: 1024 * 1024,
    isShuttingDown: () => shuttingDown,
    upstreamState: upstreamProbe(() => upstreamAnswers(c.upstream, c['path-prefix'])),
  });

  const bypass: BypassState = { exposed: undefined };
  const stopBypass = startBypassCheck(
    { podIp: c['pod-ip'], port: Number(c.upstream.port || 80), prefix: c['path-prefix'], everyMs: c['bypass-check-interval'] },
    bypass,
    (s) => {
      metrics.exposed.set(exposedGauge(s.exposed));
      if (s.exposed === true) log.warn({ bypass: s.detail }, 'the app pprof port is reachable on the pod IP');
    },
  );
  // eslint-disable-next-line prefer-const -- assigned after the service starts; its readiness reads it
  let enrollment: Enrollment | undefined;
  const service = await startService({
    name: 'sidecar',
    tls: {
      certFile: c['tls-cert-file'],
      keyFile: c['tls-key-file'],
      hostnames: ['localhost', c['pod-name']],
      ips: [c['pod-ip'] ?? '127.0.0.1'],
    },
    handler,
    listen: c.listen,
    healthListen: c['health-listen'],
    connections: { max: c['max-connections'], perAddress: c['max-connections-per-address'] },
    timeouts: {
      headersMs: c['header-timeout'],
      handshakeMs: c['header-timeout'],
      requestMs: c['header-timeout'] + 30_000,
      // Only gateway replicas connect. A scraper asks each pod every 10-60 s (Parca 10, Alloy 15, Prometheus 60);
      // at 5 s, a third of the gateway's scrapes opened a new TLS connection (bench/scrape), costing both ends.
      keepAliveMs: 65_000,
      // A connection idle this long is stuck (a client that stopped reading, an app
      // that stalled mid-body): longer than any capture may legitimately wait.
      socketMs: c['max-seconds'] * 1000 + c['upstream-margin'] + 30_000,
      connectionsCheckingIntervalMs: Math.min(1000, c['header-timeout']),
    },
    health: {
      ready: sidecarReadiness({
        upstream: c.upstream,
        prefix: c['path-prefix'],
        bypass: () => bypass,
        certificate: () =>
          enrollment === undefined
            ? { source: c['tls-cert-file'] ?? 'self-signed' }
            : { source: 'gateway', notAfter: enrollment.notAfter?.toISOString(), problem: enrollment.problem },
        ready: () => {
          if (shuttingDown) return { ok: false, reason: 'shutting down' };
          return keys.size === 0 ? { ok: false, reason: 'no verification keys' } : { ok: true };
        },
      }),
    },
    metrics: metrics.registry,
    log,
    readyFields: { upstream: c.upstream.href, pod: `${c['pod-namespace']}/${c['pod-name']}`, keys: keys.size },
    beforeClose: () => {
      shuttingDown = true;
      enrollment?.stop();
      stopKeyWatch();
      stopBypass();
    },
    afterClose: () => agent.destroy(),
  });

  const enrollUrl = c['enroll-url'];
  enrollment =
    enrollUrl === undefined
      ? undefined
      : startEnrollment({
          url: enrollUrl,
          tokenFile: c['enroll-token-file'],
          ca,
          pod: { namespace: c['pod-namespace'], name: c['pod-name'] },
          apply: (tls) => service.setTls(tls),
          log,
        });
  return {
    ports: service.ports,
    close: (graceMs = c['shutdown-grace']) => service.close(graceMs),
  };
}
