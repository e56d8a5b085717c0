// A stand-in app for faults a real Go program will not produce on demand:
// resetting mid-body, never answering, serving hundreds of MB. Everything
// else is tested against the real Go fixture.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `trickle`: 200, then one byte every `everyMs`, for as long as the client listens. */
export type FaultMode = 'reset-mid-body' | 'hang' | { bytes: number } | { trickle: { everyMs: number; status?: number } };

export interface FaultUpstream {
  url: string;
  mode: FaultMode;
  seen: IncomingMessage['headers'][];
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 7);

function stream(res: ServerResponse, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(CHUNK.length, total - sent);
      sent += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Answers `status` and then one byte every everyMs until the client goes. */
export function trickle(res: ServerResponse, everyMs: number, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/octet-stream' });
  res.write('x');
  const timer = setInterval(() => res.write('x'), everyMs);
  res.on('close', () => clearInterval(timer));
}

export async function startFaultUpstream(mode: FaultMode): Promise<FaultUpstream> {
  const sockets = new Set<import('node:net').Socket>();
  const up: FaultUpstream = { url: '', mode, seen: [], close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    up.seen.push(req.headers);
    const m = up.mode;
    if (m === 'hang') return;
    if (m === 'reset-mid-body') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(CHUNK, () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if ('trickle' in m) {
      trickle(res, m.trickle.everyMs, m.trickle.status ?? 200);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    stream(res, m.bytes);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.close = () =>
    new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return up;
}
