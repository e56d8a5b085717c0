// A stand-in for a Go app with a huge heap profile: GET /debug/pprof/heap
// answers a pre-generated random body (BIG_UPSTREAM_BYTES, default 50 MiB),
// written in 64 KiB chunks with back-pressure and no content-length (chunked,
// as Go's net/http does for a large profile). GET /_stats tells how many TCP
// connections and requests it has seen, so the benchmark can tell whether the
// sidecar reuses its upstream connections.
//
// Runs as its own process (`node bench/sidecar/big-upstream.ts`, Node's type
// stripping) so serving does not compete with the benchmark client's event loop.
// Prints `listening on <port>` once ready. Loopback only.
import { randomFillSync } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SIZE = Number(process.env.BIG_UPSTREAM_BYTES ?? 50 * 1024 * 1024);
const CHUNK = 64 * 1024;
const body = randomFillSync(Buffer.allocUnsafe(SIZE));
const stats = { connections: 0, requests: 0 };

function send(res: ServerResponse): void {
  let off = 0;
  const pump = (): void => {
    while (off < body.length) {
      const chunk = body.subarray(off, Math.min(off + CHUNK, body.length));
      off += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

const server = createServer((req, res) => {
  stats.requests++;
  if (req.method === 'GET' && req.url?.split('?')[0] === '/debug/pprof/heap') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-content-type-options': 'nosniff' });
    send(res);
  } else if (req.url === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
  } else {
    res.writeHead(404).end('not found\n');
  }
});
server.keepAliveTimeout = 60_000;
server.on('connection', () => stats.connections++);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
