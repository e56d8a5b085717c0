// The gateway's public keys, from a JWKS file and/or URL. An unknown kid triggers
// a refresh (file re-read, URL refetched), at most once per interval, so a
// flood of bogus kids cannot turn the sidecar into a load generator.
import type { KeyObject } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../src/log.ts';
import { request } from 'node:https';
import { parseJwks } from '../src/token/keys.ts';

export interface KeySource {
  readonly file?: string;
  /** Inline JWKS JSON. */
  readonly inline?: string;
  readonly url?: URL;
  readonly ca?: string;
  readonly minRefreshMs?: number;
}

const MAX_JWKS_BYTES = 64 * 1024;

function fetchJwks(url: URL, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 5000, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`JWKS URL answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_JWKS_BYTES) req.destroy(new Error('JWKS larger than 64 KiB'));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('JWKS URL timed out')));
    req.on('error', reject);
    req.end();
  });
}

export class KeyStore {
  private keys = new Map<string, KeyObject>();
  private lastRefresh = 0;
  private inflight: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(private readonly source: KeySource) {}

  get size(): number {
    return this.keys.size;
  }

  get(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  snapshot(): ReadonlyMap<string, KeyObject> {
    return this.keys;
  }

  /** Load from every source; keys from all sources are merged. Throws when no source yields keys. */
  async load(): Promise<void> {
    this.lastRefresh = Date.now();
    const next = new Map<string, KeyObject>();
    const errors: string[] = [];
    if (this.source.file !== undefined) {
      try {
        for (const [k, v] of parseJwks(await readFile(this.source.file, 'utf8'))) next.set(k, v);
      } catch (err) {
        errors.push(`${this.source.file}: ${(err as Error).message}`);
      }
    }
    if (this.source.inline !== undefined) {
      try {
        for (const [k, v] of parseJwks(this.source.inline)) next.set(k, v);
      } catch (err) {
        errors.push(`inline JWKS: ${(err as Error).message}`);
      }
    }
    if (this.source.url !== undefined) {
      try {
        for (const [k, v] of parseJwks(await fetchJwks(this.source.url, this.source.ca))) next.set(k, v);
      } catch (err) {
        errors.push(`${this.source.url.href}: ${(err as Error).message}`);
      }
    }
    this.lastError = errors.length > 0 ? errors.join('; ') : undefined;
    if (next.size > 0) this.keys = next;
    else if (this.keys.size === 0) throw new Error(`no verification keys: ${this.lastError ?? 'no source'}`);
  }

  /** Reload when the JWKS file changes (a rotated ConfigMap or Secret). Returns a stop function. */
  watchFile(log: Logger, intervalMs = 1000): () => void {
    const file = this.source.file;
    if (file === undefined) return () => undefined;
    const reload = (): void => {
      this.load().then(
        () => log.info({ keys: this.keys.size }, 'verification keys reloaded'),
        (err: Error) => log.warn({ err: err.message }, 'verification keys reload failed; keeping the previous keys'),
      );
    };
    watchFile(file, { interval: intervalMs, persistent: false }, reload);
    return () => unwatchFile(file, reload);
  }

  /** Refresh for an unknown kid, rate-limited; resolves with the key if it appeared. */
  async refreshFor(kid: string): Promise<KeyObject | undefined> {
    const wait = (this.source.minRefreshMs ?? 5000) - (Date.now() - this.lastRefresh);
    if (this.inflight === undefined && wait <= 0) {
      this.inflight = this.load()
        .catch(() => undefined)
        .finally(() => {
          this.inflight = undefined;
        });
    }
    await this.inflight;
    return this.keys.get(kid);
  }
}
