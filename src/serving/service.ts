// startService: the HTTPS server and the health server of one podprof program.
// It loads the serving certificate (and reloads it when its files change),
// applies the program's timeouts, answers requests the parser refuses, sets the
// security headers, listens on both addresses and shuts both down the one way
// (./shutdown.ts). What is the program's own goes in: its handler, its
// readiness, its registry, and hooks around closing.
import type { RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { answerClientErrors } from '../http/client-error.ts';
import type { Logger } from '../log.ts';
import type { ListenAddress } from './config.ts';
import { withSecurityHeaders } from './headers.ts';
import { createHealthServer, type HealthOptions } from './health.ts';
import { listen } from './listen.ts';
import { closeNow, closeWithin } from './shutdown.ts';
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
}

export interface ServiceOptions {
  /** The program ("sidecar"): the ready log line says "<name> ready". */
  readonly name: string;
  readonly tls: TlsSource;
  readonly handler: RequestListener;
  readonly listen: ListenAddress;
  readonly healthListen: ListenAddress;
  readonly timeouts: ServiceTimeouts;
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
  const server = createHttpsServer({ ...loadTls(o.tls), minVersion: 'TLSv1.2', connectionsCheckingInterval: t.connectionsCheckingIntervalMs }, withSecurityHeaders(o.handler));
  server.headersTimeout = t.headersMs;
  server.requestTimeout = t.requestMs;
  server.keepAliveTimeout = t.keepAliveMs;
  if (t.socketMs !== undefined) server.timeout = t.socketMs;
  answerClientErrors(server);
  const stopTlsWatch = watchTls(o.tls, (opts) => server.setSecureContext(opts), o.log);
  const health = createHealthServer(o.health, o.metrics);
  let ports: RunningService['ports'];
  try {
    ports = { main: await listen(server, o.listen), health: await listen(health, o.healthListen) };
  } catch (err) {
    stopTlsWatch();
    server.close();
    health.close();
    throw err;
  }
  o.log.info({ port: ports.main, healthPort: ports.health, ...o.readyFields }, `${o.name} ready`);
  let closing: Promise<void> | undefined;
  const close = async (graceMs: number): Promise<void> => {
    await o.beforeClose?.();
    stopTlsWatch();
    await closeWithin(server, graceMs);
    await o.afterClose?.();
    await closeNow(health);
  };
  return {
    ports,
    setTls: (tls) => server.setSecureContext({ cert: tls.cert, key: tls.key }),
    close: (graceMs) => (closing ??= close(graceMs)),
  };
}
