// Requests Node's HTTP parser refuses before any handler runs (malformed syntax,
// oversized headers, a client too slow to send them) still get an answer a
// person can read: the catalog code and a text body, then the connection closes.
import type { Server } from 'node:net';
import { CATALOG, type ErrorCode } from '../errors.ts';

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function codeFor(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'PODPROF_HEADERS_TOO_LARGE';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'PODPROF_REQUEST_TIMEOUT';
  return 'PODPROF_BAD_REQUEST';
}

/** The raw HTTP/1.1 answer for a request the parser refused. */
export function clientErrorResponse(err: NodeJS.ErrnoException): string {
  const code = codeFor(err);
  const { status, hint } = CATALOG[code];
  const body = `${code}: the request was refused before it was read (${err.code ?? 'parse error'})\n${hint}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nX-Go-Pprof: 1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** How long a refused client has to read the answer before its connection is cut. */
const LINGER_MS = 2000;

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(err));
    // end() waits for the client's FIN: a client that never reads or closes would keep
    // the connection (and its memory) forever.
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
