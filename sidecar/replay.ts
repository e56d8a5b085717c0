// Remembers used token ids (jti) until their token expires: a token works once.
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Records the jti; false when it was used before, or when the cache is full of live entries (fail closed). */
  use(jti: string, expSeconds: number, nowMs = Date.now()): boolean {
    if (this.seen.has(jti)) return false;
    if (this.seen.size >= this.maxEntries) this.prune(nowMs);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(jti, expSeconds * 1000 + 10_000);
    return true;
  }

  prune(nowMs = Date.now()): void {
    for (const [jti, until] of this.seen) if (until < nowMs) this.seen.delete(jti);
  }

  get size(): number {
    return this.seen.size;
  }
}
