// The benchmark's HTTP(S) client: one request, timed from the call to the last
// body byte, on a caller-provided keep-alive agent.
import * as http from 'node:http';
import * as https from 'node:https';

export interface Timed {
  ms: number;
  status: number;
  bytes: number;
  /** The body when asked for (`keep`) or when the status is an error; else empty. */
  body: Buffer;
  /** Date.now() when the last byte arrived (to line up with the gateway's ISO timestamps). */
  endedAt: number;
}

export interface SendOptions {
  agent: http.Agent;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  json?: unknown;
  keep?: boolean;
}

export function send(url: URL, o: SendOptions): Promise<Timed> {
  const mod = url.protocol === 'https:' ? https : http;
  const payload = o.json === undefined ? undefined : Buffer.from(JSON.stringify(o.json));
  const headers = { ...o.headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = mod.request(url, { method: o.method ?? 'GET', agent: o.agent, headers, rejectUnauthorized: false }, (res) => {
      let bytes = 0;
      const keep = o.keep === true || (res.statusCode ?? 0) >= 400;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks), endedAt: Date.now() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function expectStatus(r: Timed, status: number, what: string): Timed {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} (want ${status}): ${r.body.toString('utf8').slice(0, 400)}`);
  return r;
}
