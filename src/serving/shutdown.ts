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

/** Resolves once every connection has ended: by itself within graceMs, or cut when it runs out. */
export async function closeWithin(server: HttpLikeServer, graceMs: number): Promise<void> {
  const closed = closeServer(server);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
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
