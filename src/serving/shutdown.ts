// The one shutdown every podprof server follows: stop accepting, close idle
// connections, let in-flight requests finish within the grace period, then cut
// whatever is still open.
import type { ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import { closeServer } from './listen.ts';

/** An HTTP or HTTPS server: both track their connections. */
export interface HttpLikeServer extends Server {
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** What closeWithin calls, per server trackResponses was given: answer what is in flight, and what still comes, with Connection: close. */
const drains = new WeakMap<object, () => void>();

/**
 * Call at creation, so closeWithin can end keep-alive on `connections`. Node's server.close() stops
 * accepting and closes the idle connections, but goes on taking further requests on the busy ones, each
 * answered keep-alive, until the grace runs out and closeAllConnections cuts them mid-request: a scraper
 * with a kept-alive connection to a replica being deleted started CPU captures on it to the end, and the
 * last was cut. With this, every answer not yet begun when the close starts, and any request that still
 * comes, is sent with Connection: close, which ends its connection once it is answered.
 */
export function trackResponses(connections: HttpLikeServer): void {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  connections.prependListener('request', (_req: unknown, res: ServerResponse) => {
    if (closing) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  drains.set(connections, () => {
    closing = true;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
  });
}

/**
 * Stops `listener` accepting and resolves once every connection has ended: by itself within graceMs, or cut
 * when it runs out. `connections` tracks them (an HTTP server fed by the listener, or the listener itself).
 */
export async function closeWithin(listener: Server, connections: HttpLikeServer, graceMs: number): Promise<void> {
  const closed = closeServer(listener);
  if (connections !== listener) connections.close(); // stops its timers; it never listened
  drains.get(connections)?.();
  connections.closeIdleConnections();
  // An answer begun before the close ends keep-alive: its connection turns idle then, and is closed here.
  const sweep = setInterval(() => connections.closeIdleConnections(), 50);
  const timer = setTimeout(() => connections.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
    clearInterval(sweep);
  }
}

/** Stop at once: for the health server, whose requests are all short. */
export async function closeNow(server: HttpLikeServer): Promise<void> {
  const closed = closeServer(server);
  server.closeAllConnections();
  await closed;
}
