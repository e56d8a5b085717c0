// Wires the sidecar: keys, policy, flights, proxy, TLS server, health server,
// bypass check and graceful shutdown.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer } from 'node:https';
import { answerClientErrors } from '../src/http/client-error.ts';
import { listen } from '../src/http/listen.ts';
import type { Logger } from '../src/log.ts';
import type { SidecarConfig } from './config.ts';
import { probeExposure, type BypassState } from './bypass.ts';
import { FlightBoard } from './flight.ts';
import { createHandler } from './handler.ts';
import { createHealthServer } from './health.ts';
import { KeyStore } from './keystore.ts';
import { createMetrics } from './metrics.ts';
import { createStreamProxy } from './proxy.ts';
import { ReplayCache } from './replay.ts';
import { Throttle } from './throttle.ts';
import { loadTls, watchTls } from '../src/tls/serving.ts';

export interface RunningSidecar {
  readonly port: number;
  readonly healthPort: number;
  /** Stop accepting; let in-flight requests finish within graceMs; then close everything. */
  close(graceMs?: number): Promise<void>;
}

function startBypassCheck(c: SidecarConfig, state: BypassState, onChange: (s: BypassState) => void): () => void {
  const podIp = c['pod-ip'];
  if (podIp === undefined || podIp === '') {
    state.detail = 'no pod IP (--pod-ip / POD_IP); not checked';
    onChange(state);
    return () => undefined;
  }
  const check = async (): Promise<void> => {
    const exposed = await probeExposure(podIp, Number(c.upstream.port || 80), c['path-prefix']);
    Object.assign(state, { exposed, checkedAt: new Date().toISOString(), detail: exposed ? `pprof answers on ${podIp}:${c.upstream.port}: the app listens beyond loopback and anyone in the cluster can bypass the sidecar` : `pprof does not answer on ${podIp}:${c.upstream.port}` });
    onChange(state);
  };
  void check();
  const every = c['bypass-check-interval'];
  const timer = every > 0 ? setInterval(() => void check(), every) : undefined;
  timer?.unref();
  return () => clearInterval(timer);
}

export async function startSidecar(c: SidecarConfig, log: Logger): Promise<RunningSidecar> {
  const ca = c['jwks-ca'] ?? (c['jwks-ca-file'] === undefined ? undefined : readFileSync(c['jwks-ca-file'], 'utf8'));
  const keys = new KeyStore({ file: c['jwks-file'], inline: c.jwks, url: c['jwks-url'], ca });
  await keys.load();
  const stopKeyWatch = keys.watchFile(log);
  const metrics = createMetrics();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const upstream = { upstream: c.upstream, agent, marginMs: c['upstream-margin'], maxResponseBytes: c['max-response-bytes'] };
  let shuttingDown = false;
  const handler = createHandler({
    auth: { keys, replay: new ReplayCache(), self: { namespace: c['pod-namespace'], pod: c['pod-name'], uid: c['pod-uid'] }, issuer: c.issuer, audience: c.audience },
    limits: { prefix: c['path-prefix'], profiles: c.profiles, maxSeconds: c['max-seconds'] },
    flights: new FlightBoard(upstream),
    proxy: createStreamProxy({ ...upstream, snapshotTimeoutMs: c['snapshot-timeout'] }),
    throttle: new Throttle(30_000),
    metrics,
    log,
    maxBodyBytes: 1024 * 1024,
    isShuttingDown: () => shuttingDown,
  });
  const tlsSource = { certFile: c['tls-cert-file'], keyFile: c['tls-key-file'], hostnames: ['localhost', c['pod-name']], ips: [c['pod-ip'] ?? '127.0.0.1'] };
  const server = createServer({ ...loadTls(tlsSource), minVersion: 'TLSv1.2', connectionsCheckingInterval: Math.min(1000, c['header-timeout']) }, handler);
  server.headersTimeout = c['header-timeout'];
  server.requestTimeout = c['header-timeout'] + 30_000;
  server.keepAliveTimeout = 5_000;
  // A connection idle this long is stuck (a client that stopped reading, an app
  // that stalled mid-body): longer than any capture may legitimately wait.
  server.timeout = c['max-seconds'] * 1000 + c['upstream-margin'] + 30_000;
  answerClientErrors(server);
  const stopTlsWatch = watchTls(tlsSource, (o) => server.setSecureContext(o), log);

  const bypass: BypassState = { exposed: undefined };
  const stopBypass = startBypassCheck(c, bypass, (s) => {
    metrics.exposed.set(s.exposed === undefined ? -1 : s.exposed ? 1 : 0);
    if (s.exposed === true) log.warn({ bypass: s.detail }, 'the app pprof port is reachable on the pod IP');
  });
  const health = createHealthServer({
    metrics,
    upstream: c.upstream,
    prefix: c['path-prefix'],
    bypass: () => bypass,
    ready: () => (shuttingDown ? { ok: false, reason: 'shutting down' } : keys.size === 0 ? { ok: false, reason: 'no verification keys' } : { ok: true }),
  });
  const port = await listen(server, c.listen);
  const healthPort = await listen(health, c['health-listen']);
  log.info({ port, healthPort, upstream: c.upstream.href, pod: `${c['pod-namespace']}/${c['pod-name']}`, keys: keys.size }, 'sidecar ready');

  return {
    port,
    healthPort,
    async close(graceMs = c['shutdown-grace']): Promise<void> {
      shuttingDown = true;
      stopTlsWatch();
      stopKeyWatch();
      stopBypass();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      agent.destroy();
      await new Promise<void>((resolve) => health.close(() => resolve()));
      health.closeAllConnections();
    },
  };
}
