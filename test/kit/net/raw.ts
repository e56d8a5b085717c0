// Raw TLS requests, for what a well-behaved client library refuses to send:
// smuggling, dot segments, huge headers, trickling bytes.
import { connect } from 'node:tls';

export interface RawReply {
  raw: string;
  status: number;
  /** How the exchange ended: the server closed, or our timeout fired. */
  ended: 'closed' | 'timeout';
}

export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => socket.write(payload));
    let raw = '';
    const done = (ended: RawReply['ended']): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ raw, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), ended });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('data', (c: Buffer) => (raw += c.toString('latin1')));
    socket.on('end', () => done('closed'));
    socket.on('close', () => done('closed'));
    socket.on('error', (err: Error) => (raw === '' ? reject(err) : done('closed')));
  });
}

export function get(path: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ host: 'sidecar', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
