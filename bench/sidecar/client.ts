// The benchmark's HTTP client: timed GETs over keep-alive agents, with a fresh
// single-use token per request where the side checks tokens.
import * as http from 'node:http';
import * as https from 'node:https';
import { mint, type TestKeys } from '../../test/kit/product/sidecar.ts';

const MiB = 1024 * 1024;
const TOKEN_TTL = 300; // the longest lifetime the sidecar accepts

export interface Timed {
  ms: number;
  status: number;
  bytes: number;
  body: string;
}

/** GET, reading (and discarding, unless an error status) the body; `ms` is request start → last byte. */
export function get(url: URL, agent: http.Agent | false, headers?: Record<string, string>, timeoutMs = 60_000): Promise<Timed> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = mod.request(url, { agent, headers, rejectUnauthorized: false }, (res) => {
      let bytes = 0;
      const keep = (res.statusCode ?? 0) >= 400;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep && bytes < MiB) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function expectOk(r: Timed, what: string, bytes?: number): Timed {
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  if (bytes !== undefined && r.bytes !== bytes) throw new Error(`${what}: got ${r.bytes} bytes, want ${bytes}`);
  return r;
}

/** One side of a comparison: where to send, over which agent, and the headers of the next `n` requests. */
export interface Side {
  readonly name: string;
  readonly url: URL;
  readonly agent: http.Agent;
  /** Minted before a timed loop: signing is the gateway's cost, not the proxy's. */
  headers(n: number): Array<Record<string, string> | undefined>;
}

export function side(
  name: string,
  base: string,
  path: string,
  keys: TestKeys | undefined,
  type: 'goroutine' | 'heap',
  maxSockets: number,
): Side {
  const url = new URL(path, base);
  const agent =
    url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false })
      : new http.Agent({ keepAlive: true, maxSockets });
  return {
    name,
    url,
    agent,
    headers: (n) => Array.from({ length: n }, () => (keys ? { authorization: `Bearer ${mint(keys, type, {}, TOKEN_TTL)}` } : undefined)),
  };
}
