// Token buckets per caller (a user, or a source address before authentication)
// in a table of bounded size. A full bucket carries no state (it is what a new
// caller gets), so when the table is full such buckets are dropped first; if
// every bucket is in use, newcomers share one overflow bucket rather than
// evicting anyone's. Pure: time comes in as an argument.
export interface RateLimits {
  /** Requests allowed at once after a quiet period. */
  readonly burst: number;
  /** Requests per second allowed on average. */
  readonly perSecond: number;
  /** Callers tracked at most (beyond: one shared overflow bucket). */
  readonly maxCallers: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const OVERFLOW = '\u0000overflow';

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly limits: RateLimits) {}

  /** Spends one token of `caller`'s bucket: 0 when allowed, else the seconds until one is available. */
  take(caller: string, nowMs = Date.now()): number {
    const b = this.bucketOf(caller, nowMs);
    this.refill(b, nowMs);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limits.perSecond));
  }

  get callers(): number {
    return this.buckets.size;
  }

  private refill(b: Bucket, nowMs: number): void {
    b.tokens = Math.min(this.limits.burst, b.tokens + ((nowMs - b.at) / 1000) * this.limits.perSecond);
    b.at = nowMs;
  }

  private bucketOf(caller: string, nowMs: number): Bucket {
    const known = this.buckets.get(caller);
    if (known) return known;
    if (this.buckets.size >= this.limits.maxCallers) this.dropFull(nowMs);
    const key = this.buckets.size >= this.limits.maxCallers ? OVERFLOW : caller;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limits.burst, at: nowMs };
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Forgets the callers whose bucket has refilled: they are indistinguishable from new ones. */
  private dropFull(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      this.refill(b, nowMs);
      if (b.tokens >= this.limits.burst && k !== OVERFLOW) this.buckets.delete(k);
    }
  }
}
