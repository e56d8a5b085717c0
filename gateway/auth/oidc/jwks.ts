// The provider's JWKS, cached: fetched once, then again only when a token
// names a kid the cache does not hold, and then at most once per
// `minRefreshMs` whatever the number of such tokens (a flood of made-up kids
// costs the provider one fetch per interval); concurrent misses share one
// fetch. The fetch itself is injected (provider.ts does the HTTPS).
import { PodprofError } from '../../../src/errors.ts';
import { keysOf, type SigningKey } from './keys.ts';

export interface JwksCacheOptions {
  /** Fetches the JWKS document (JSON). */
  readonly fetch: () => Promise<unknown>;
  /** Shortest time between two fetches. */
  readonly minRefreshMs: number;
  readonly now?: () => number;
}

export class JwksCache {
  private keys = new Map<string, SigningKey[]>();
  private lastFetch = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  /** Fetches made, for metrics and tests. */
  fetches = 0;

  constructor(private readonly o: JwksCacheOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.lastFetch = this.now();
      this.fetches++;
      try {
        this.keys = keysOf(await this.o.fetch());
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /**
   * The keys under `kid` ('' : a token without one). Unknown: refetch, unless the last fetch was
   * under minRefreshMs ago; then still unknown: a clear error.
   */
  async keysFor(kid: string): Promise<readonly SigningKey[]> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.inflight) await this.inflight.catch(() => undefined);
    else if (this.now() - this.lastFetch >= this.o.minRefreshMs) {
      try {
        await this.refresh();
      } catch (err) {
        throw err instanceof PodprofError
          ? err
          : new PodprofError('PODPROF_OIDC_UNAVAILABLE', `the OIDC provider's keys: ${(err as Error).message}`);
      }
    }
    const found = this.keys.get(kid);
    if (found) return found;
    throw new PodprofError(
      'PODPROF_TOKEN_INVALID',
      `the ID token was not accepted: the OIDC provider publishes no key ${JSON.stringify(kid)}`,
    );
  }
}
