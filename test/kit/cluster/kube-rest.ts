// A very small Kubernetes REST client (node:https only) for the kubelet stand-in:
// JSON requests with a bearer token and the cluster CA, merge patches, and
// newline-delimited watch streams. Tests may use @kubernetes/client-node instead.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';

export interface KubeRestOptions {
  /** https://127.0.0.1:PORT */
  server: string;
  caFile: string;
  token: string;
  /** Per request (not watches); default 10 s. */
  timeoutMs?: number;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'KubeApiError';
  }
}

/** Is err an API answer with one of these HTTP statuses? */
export function isApiStatus(err: unknown, ...statuses: number[]): boolean {
  return err instanceof KubeApiError && statuses.includes(err.status);
}

export const MERGE_PATCH = 'application/merge-patch+json';

export class KubeRest {
  private readonly agent: Agent;
  private readonly ca: Buffer;

  constructor(private readonly o: KubeRestOptions) {
    this.ca = readFileSync(o.caFile);
    this.agent = new Agent({ keepAlive: true, maxSockets: 16, ca: this.ca });
  }

  request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}`, accept: 'application/json' };
    // Explicit length: Node sends a DELETE body neither chunked nor sized by default.
    if (payload !== undefined)
      Object.assign(headers, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        new URL(path, this.o.server),
        { method, headers, agent: this.agent, timeout: this.o.timeoutMs ?? 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) reject(new KubeApiError(status, method, path, text));
            else resolve((text === '' ? {} : JSON.parse(text)) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  mergePatch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body, MERGE_PATCH);
  }

  delete<T>(path: string, options?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /**
   * Streams a watch (path must include watch=1). Resolves when the server ends
   * the stream or `signal` aborts; rejects on a non-200 answer or a broken stream.
   */
  watch<T>(path: string, onEvent: (ev: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const headers = { authorization: `Bearer ${this.o.token}`, accept: 'application/json' };
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const req = request(new URL(path, this.o.server), { method: 'GET', headers, ca: this.ca, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(new KubeApiError(res.statusCode ?? 0, 'GET', path, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        const lines = createInterface({ input: res });
        lines.on('line', (line) => {
          if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent<T>);
        });
        const fail = (err: Error): void => (signal.aborted ? resolve() : reject(err));
        lines.on('close', () => resolve());
        lines.on('error', fail);
        res.on('error', fail);
      });
      const abort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener('abort', abort, { once: true });
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.on('close', () => signal.removeEventListener('abort', abort));
      req.end();
    });
  }

  /** Closes the keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
