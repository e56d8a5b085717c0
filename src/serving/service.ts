// startService: the HTTPS server and the health server of one podprof program.
// It loads the serving certificate (and reloads it when its files change),
// applies the program's timeouts, answers requests the parser refuses, sets the
// security headers, listens on both addresses and shuts both down the one way
// (./shutdown.ts). What is the program's own goes in: its handler, its
// readiness, its registry, and hooks around closing.
import type { RequestListener } from 'node:http';
import { answerClientErrors } from '../http/client-error.ts';
import type { Logger } from '../log.ts';
import type { ListenAddress } from './config.ts';
import { withSecurityHeaders } from './headers.ts';
import { createHealthServer, type HealthOptions } from './health.ts';
import { listen } from './listen.ts';
import { connectionMetrics, guardConnections, type ConnectionLimits } from './connections.ts';
import { closeNow, closeWithin, trackResponses } from './shutdown.ts';
import { createTlsHttpServer } from './tls-server.ts';
import type { MetricsSource } from './text-metrics.ts';
import { loadTls, watchTls, type TlsSource } from './tls.ts';

export interface ServiceTimeouts {
  /** Time a client has to send its request headers. */
  readonly headersMs: number;
  /** Time a client has to send its whole request. */
  readonly requestMs: number;
  readonly keepAliveMs: number;
  /** Idle time after which a connection is cut; absent: Node's default (none). */
  readonly socketMs?: number;
  /** How often the header and request timeouts are checked. */
  readonly connectionsCheckingIntervalMs: number;
  /** Time a client has to finish the TLS handshake (default 10 s; Node's own is 120 s). */
  readonly handshakeMs?: number;
}

/**
 * How a connection is bounded from accept to close: the TLS handshake
 * (handshakeMs), then the first request's headers (headersMs, counted from the
 * handshake: a silent client is cut then), the whole request (requestMs), the
 * idle time between requests (keepAliveMs); a refused request's connection
 * lingers 2 s at most (src/http/client-error.ts). The health port: the same,
 * shorter (HEALTH_TIMEOUTS).
 */
const HEALTH_TIMEOUTS = { headersMs: 5000, requestMs: 10_000, keepAliveMs: 5000 };
const HEALTH_TIMEOUTS_OPTIONS = { headersTimeout: HEALTH_TIMEOUTS.headersMs, requestTimeout: HEALTH_TIMEOUTS.requestMs };
/** The kubelet's probes and a Prometheus or two: few callers, few connections. */
export const HEALTH_CONNECTIONS: ConnectionLimits = { max: 128, perAddress: 32 };

export interface ServiceOptions {
  /** The program ("sidecar"): the ready log line says "<name> ready". */
  readonly name: string;
  readonly tls: TlsSource;
  readonly handler: RequestListener;
  readonly listen: ListenAddress;
  readonly healthListen: ListenAddress;
  readonly timeouts: ServiceTimeouts;
  /** Caps on open connections to --listen (--max-connections, --max-connections-per-address). */
  readonly connections: ConnectionLimits;
  readonly health: HealthOptions;
  readonly metrics: MetricsSource;
  readonly log: Logger;
  /** Logged with the ports once both listen. */
  readonly readyFields?: Readonly<Record<string, unknown>>;
  /** Runs first on close, before the HTTPS server stops accepting. */
  readonly beforeClose?: () => void | Promise<void>;
  /** Runs once the HTTPS server has closed, before the health server does. */
  readonly afterClose?: () => void | Promise<void>;
}

export interface RunningService {
  readonly ports: { readonly main: number; readonly health: number };
  /** Serve with this certificate from now on (a sidecar's enrolled certificate). */
  setTls(tls: { readonly cert: string; readonly key: string }): void;
  /** Stop accepting; let in-flight requests finish within graceMs; then close everything. */
  close(graceMs: number): Promise<void>;
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const t = o.timeouts;
  const main = createTlsHttpServer(
    {
      tls: loadTls(o.tls),
      handshakeMs: t.handshakeMs ?? 10_000,
      http: { connectionsCheckingInterval: t.connectionsCheckingIntervalMs, headersTimeout: t.headersMs, requestTimeout: t.requestMs },
    },
    withSecurityHeaders(o.handler),
  );
  const server = main.http;
  trackResponses(server);
  server.keepAliveTimeout = t.keepAliveMs;
  if (t.socketMs !== undefined) server.timeout = t.socketMs;
  answerClientErrors(server);
  const stopTlsWatch = watchTls(o.tls, (opts) => main.setSecureContext(opts), o.log);
  // The program's metrics, and how many connections each port holds and refused.
  const metrics: MetricsSource = {
    contentType: o.metrics.contentType,
    metrics: async () => `${(await o.metrics.metrics()).replace(/\n?$/, '\n')}${connectionMetrics(`podprof_${o.name}_`, guards)}`,
  };
  const health = createHealthServer(o.health, metrics, { connectionsCheckingInterval: 1000, ...HEALTH_TIMEOUTS_OPTIONS });
  health.keepAliveTimeout = HEALTH_TIMEOUTS.keepAliveMs;
  answerClientErrors(health);
  const guards = { main: guardConnections(main.tcp, o.connections), health: guardConnections(health, HEALTH_CONNECTIONS) };
  let ports: RunningService['ports'];
  try {
    ports = { main: await listen(main.tcp, o.listen), health: await listen(health, o.healthListen) };
  } catch (err) {
    stopTlsWatch();
    main.tcp.close();
    server.close();
    health.close();
    throw err;
  }
  o.log.info({ port: ports.main, healthPort: ports.health, ...o.readyFields }, `${o.name} ready`);
  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    await o.beforeClose?.();
    stopTlsWatch();
    await closeWithin(main.tcp, server, graceMs);
    await o.afterClose?.();
    await closeNow(health);
  };
  return {
    ports,
    setTls: (tls) => main.setSecureContext({ cert: tls.cert, key: tls.key }),
    close: (graceMs) => (closing ??= close(graceMs)),
  };
}
