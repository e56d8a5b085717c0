// A cap on open connections, in all and per source address (IPv6 by its /64),
// counted from the TCP accept, before any TLS or HTTP work is spent on them.
// Past either cap the new connection is closed at once: whoever opened the
// others (silent, slow or busy) cannot take the server from everyone else.
import type { Server, Socket } from 'node:net';
import { addressKey } from '../limits/address.ts';
import { Shares } from '../limits/shares.ts';

export interface ConnectionLimits {
  /** Connections open at once, in all. */
  readonly max: number;
  /** Connections open at once from one source address. */
  readonly perAddress: number;
}

export interface ConnectionGuard {
  /** Connections open now. */
  readonly open: () => number;
  /** Connections closed at accept because a cap was reached, since start. */
  readonly refused: () => number;
}

export function guardConnections(server: Server, limits: ConnectionLimits): ConnectionGuard {
  const shares = new Shares({ perHolder: limits.perAddress, total: limits.max });
  let refused = 0;
  // First in line: the TLS or HTTP machinery has not touched the socket yet.
  server.prependListener('connection', (socket: Socket) => {
    const key = addressKey(socket.remoteAddress);
    if (shares.take(key) !== undefined) {
      refused++;
      socket.destroy();
      return;
    }
    socket.once('close', () => shares.give(key));
  });
  return { open: () => shares.total, refused: () => refused };
}

/** The guards' figures in the Prometheus text format, appended to a program's own metrics. */
export function connectionMetrics(prefix: string, guards: Readonly<Record<'main' | 'health', ConnectionGuard>>): string {
  const open = `${prefix}connections_open`;
  const refused = `${prefix}connections_refused_total`;
  const lines = [`# HELP ${open} connections open now, by port`, `# TYPE ${open} gauge`];
  for (const [port, g] of Object.entries(guards)) lines.push(`${open}{port="${port}"} ${g.open()}`);
  lines.push(
    `# HELP ${refused} connections closed at accept because --max-connections or --max-connections-per-address was reached`,
    `# TYPE ${refused} counter`,
  );
  for (const [port, g] of Object.entries(guards)) lines.push(`${refused}{port="${port}"} ${g.refused()}`);
  return `${lines.join('\n')}\n`;
}
