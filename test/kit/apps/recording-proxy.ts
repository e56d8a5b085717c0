// A recording hop between a sidecar and its app, for tests that check what the
// sidecar forwards (headers, query, path) or that it forwarded nothing: every
// request is recorded (headers named as Go names them, the way the app sees
// them) and passed on to the app, its answer streamed back; a client that goes
// away cancels the app's request, as it would have without the hop.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  rawQuery: string;
  host: string;
  /** Canonical Go header names (e.g. "X-Forwarded-For") → values. */
  headers: Record<string, string[]>;
}

export interface RecordingProxy {
  readonly url: string;
  /** What reached the app through the hop, oldest first. */
  requests(): RecordedRequest[];
  clear(): void;
  stop(): Promise<void>;
}

/** Go's textproto.CanonicalMIMEHeaderKey: "x-forwarded-for" → "X-Forwarded-For". */
const canonical = (name: string): string =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

export async function startRecordingProxy(app: string): Promise<RecordingProxy> {
  const upstream = new URL(app);
  const seen: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[canonical(req.rawHeaders[i]!)] ??= []).push(req.rawHeaders[i + 1]!);
    seen.push({ method: req.method ?? 'GET', path: url.pathname, rawQuery: url.search.slice(1), host: req.headers.host ?? '', headers });
    const up = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => [...seen],
    clear: () => void seen.splice(0),
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
