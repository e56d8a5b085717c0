// Connections that open and then say nothing, as an attacker holds them: TCP
// only, or through the TLS handshake. For tests of the servers' connection
// caps and idle timeouts, from any loopback source address.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Silent {
  readonly socket: Socket;
  /** The server closed it at accept (or the handshake failed). */
  readonly refused: boolean;
}

function openOne(port: number, tls: boolean, localAddress: string): Promise<Silent> {
  return new Promise((resolve) => {
    const o = { host: '127.0.0.1', port, localAddress };
    const socket: Socket = tls ? tlsConnect({ ...o, rejectUnauthorized: false }) : tcpConnect(o);
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) whatever the server says, so its close is seen; sends nothing
    const ok = (): void => {
      clearTimeout(timer);
      // A server that closes at accept may do so right after the handshake: give it a moment.
      setTimeout(() => resolve({ socket, refused: socket.destroyed || socket.readyState !== 'open' }), 50);
    };
    socket.once(tls ? 'secureConnect' : 'connect', ok);
    socket.once('close', () => resolve({ socket, refused: true }));
    const timer = setTimeout(() => resolve({ socket, refused: true }), 5000);
  });
}

/** n silent connections to port, opened 16 at a time. */
export async function openSilent(port: number, n: number, o: { tls: boolean; localAddress?: string }): Promise<Silent[]> {
  const out: Silent[] = [];
  for (let i = 0; i < n; i += 16) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(16, n - i) }, () => openOne(port, o.tls, o.localAddress ?? '127.0.0.1')))),
    );
  }
  return out;
}

/** How many of them the server has not closed yet. */
export function stillOpen(conns: readonly Silent[]): number {
  return conns.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length;
}

/** Resolves once the server closed every one (true), or false after timeoutMs. */
export async function allClosedWithin(conns: readonly Silent[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (stillOpen(conns) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return stillOpen(conns) === 0;
}

export function closeAll(conns: readonly Silent[]): void {
  for (const c of conns) c.socket.destroy();
}
