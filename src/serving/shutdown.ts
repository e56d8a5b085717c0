// The one shutdown every podprof server follows: stop accepting, close idle
// connections, let in-flight requests finish within the grace period, then cut
// whatever is still open.
import type { Server } from 'node:net';
import { closeServer } from './listen.ts';

/** An HTTP or HTTPS server: both track their connections. */
export interface HttpLikeServer extends Server {
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/**
 * Stops `listener` accepting and resolves once every connection has ended: by itself within graceMs, or cut
 * when it runs out. `connections` tracks them (an HTTP server fed by the listener, or the listener itself).
 */
export async function closeWithin(listener: Server, connections: HttpLikeServer, graceMs: number): Promise<void> {
  const closed = closeServer(listener);
  if (connections !== listener) connections.close(); // stops its timers; it never listened
  connections.closeIdleConnections();
  const timer = setTimeout(() => connections.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

/** Stop at once: for the health server, whose requests are all short. */
export async function closeNow(server: HttpLikeServer): Promise<void> {
  const closed = closeServer(server);
  server.closeAllConnections();
  await closed;
}
