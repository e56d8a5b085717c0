// An HTTPS server whose certificate can change under it on any runtime: a TCP
// server accepts, each connection is wrapped in a TLS socket with the secure
// context current at that moment, and the TLS socket is handed to a plain HTTP
// server. Rotating the certificate is swapping that context (Node's
// Server.setSecureContext does not exist on Bun, which also ignores
// SNICallback; clients that dial an IP send no SNI anyway). The HTTP server
// keeps Node's request timeouts and connection tracking, which it starts on
// 'listening': it is told it listens when the TCP server does.
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer, type ServerOptions } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext, type SecureContextOptions } from 'node:tls';

export interface TlsHttpServer {
  /** Accepts connections: listen on it, guard its connections, close it to stop accepting. */
  readonly tcp: TcpServer;
  /** Parses requests and tracks the connections (timeouts, closeIdleConnections). */
  readonly http: HttpServer;
  /** Connections accepted from now on present this certificate. */
  setSecureContext(options: SecureContextOptions): void;
}

export interface TlsHttpOptions {
  readonly tls: SecureContextOptions;
  /** Time a client has to finish the TLS handshake. */
  readonly handshakeMs: number;
  readonly http: ServerOptions;
}

export function createTlsHttpServer(o: TlsHttpOptions, handler: RequestListener): TlsHttpServer {
  const contextOf = (tls: SecureContextOptions): SecureContext => createSecureContext({ minVersion: 'TLSv1.2', ...tls });
  let current = contextOf(o.tls);
  const http = createHttpServer(o.http, handler);
  // Each connection's handshake deadline, ended by 'secure' or, at the latest, by the
  // connection's first request: on Bun the socket emits no 'secure' to this listener once
  // the HTTP server has it, and the deadline then cut every connection handshakeMs after it
  // was accepted, captures in flight on a kept-alive connection with it.
  const deadlines = new WeakMap<object, NodeJS.Timeout>();
  http.prependListener('request', (req) => clearTimeout(deadlines.get(req.socket)));
  const tcp = createTcpServer((raw: Socket) => {
    const socket = new TLSSocket(raw, { isServer: true, secureContext: current });
    const handshake = setTimeout(() => socket.destroy(), o.handshakeMs);
    handshake.unref();
    deadlines.set(socket, handshake);
    socket.once('secure', () => clearTimeout(handshake));
    socket.once('close', () => clearTimeout(handshake));
    // A failed handshake or a reset: the HTTP server's own handlers see what comes after.
    socket.on('error', () => socket.destroy());
    raw.on('error', () => raw.destroy());
    http.emit('connection', socket);
  });
  tcp.on('listening', () => http.emit('listening'));
  return {
    tcp,
    http,
    setSecureContext: (tls) => {
      current = contextOf(tls);
    },
  };
}
