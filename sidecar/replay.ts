// Remembers used token ids (jti) until their token expires: a token works once.
// Expired entries are dropped at most every PRUNE_EVERY_MS, so the cache holds
// about the tokens of the last 5 minutes (the longest lifetime), not every token
// since start until it is full.
const PRUNE_EVERY_MS = 10_000;
const SKEW_MS = 10_000;

export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private prunedAt = 0;

  constructor(private readonly maxEntries = 100_000) {}

  /** Records the jti; false when it was used before, or when the cache is full of live entries (fail closed). */
  use(jti: string, expSeconds: number, nowMs = Date.now()): boolean {
    if (nowMs - this.prunedAt >= PRUNE_EVERY_MS || this.seen.size >= this.maxEntries) this.prune(nowMs);
    if (this.seen.has(jti)) return false;
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(jti, expSeconds * 1000 + SKEW_MS);
    return true;
  }

  /** Drops the ids of tokens that expired (with skew): they can no longer be presented. */
  prune(nowMs = Date.now()): void {
    this.prunedAt = nowMs;
    for (const [jti, until] of this.seen) if (until < nowMs) this.seen.delete(jti);
  }

  get size(): number {
    return this.seen.size;
  }
}
