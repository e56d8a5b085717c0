// Minimal HTTP(S) GET + polling helpers used for health checks (node built-ins only).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GetOptions {
  ca?: string | Buffer;
  token?: string;
  timeoutMs?: number;
}

export interface GetResult {
  status: number;
  body: string;
}

export function httpGet(url: string, opts: GetOptions = {}): Promise<GetResult> {
  const u = new URL(url);
  const doRequest = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = doRequest(u, { method: 'GET', headers, ca: opts.ca, timeout: opts.timeoutMs ?? 5000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `probe` every `intervalMs` until it returns true. Throws the error from
 * `abort()` as soon as it returns one (e.g. "process exited"), or a timeout error
 * whose message is built by `describe(lastError)`.
 */
export async function pollUntil(opts: {
  probe: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
  abort?: () => Error | undefined;
  describe: (lastError: string) => string;
}): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = 'not ready';
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw aborted;
    try {
      if (await opts.probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(opts.describe(lastError));
    await sleep(opts.intervalMs ?? 200);
  }
}

/** Calls probe until it returns something other than undefined/false; throws after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${last.message}`}`);
    await sleep(100);
  }
}
