// Remembers used token ids (jti) until their token expires: a token works once.
// Expired entries are dropped at most every PRUNE_EVERY_MS, so the cache holds
// about the tokens of the last minutes (a token lives its seconds + 30 s, 5 min
// at most), not every token since start. Each subject (the user the gateway
// minted the token for) holds a share: a user who sends tokens faster than they
// expire is refused once their share is full (fail closed), and nobody else is.
import { Shares } from '../src/limits/shares.ts';

const PRUNE_EVERY_MS = 10_000;
const SKEW_MS = 10_000;

export interface ReplayLimits {
  /** Live ids in all. */
  readonly total: number;
  /** Live ids of one subject. */
  readonly perSubject: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = { total: 100_000, perSubject: 10_000 };

/** use(): spent now, seen before, or refused because the subject's share (or everyone's) is full of live ids. */
export type Use = 'ok' | 'replayed' | 'full';

export class ReplayCache {
  private readonly seen = new Map<string, { until: number; subject: string }>();
  private readonly shares: Shares;
  private prunedAt = 0;

  constructor(limits: Partial<ReplayLimits> = {}) {
    const l = { ...DEFAULT_REPLAY_LIMITS, ...limits };
    this.shares = new Shares({ perHolder: Math.min(l.perSubject, l.total), total: l.total });
  }

  /** Records the jti for subject; a live id is never forgotten to make room. */
  use(jti: string, expSeconds: number, subject = '', nowMs = Date.now()): Use {
    if (nowMs - this.prunedAt >= PRUNE_EVERY_MS) this.prune(nowMs);
    if (this.seen.has(jti)) return 'replayed';
    if (this.shares.take(subject) !== undefined) {
      this.prune(nowMs);
      if (this.shares.take(subject) !== undefined) return 'full';
    }
    this.seen.set(jti, { until: expSeconds * 1000 + SKEW_MS, subject });
    return 'ok';
  }

  /** Drops the ids of tokens that expired (with skew): they can no longer be presented. */
  prune(nowMs = Date.now()): void {
    this.prunedAt = nowMs;
    for (const [jti, e] of this.seen) {
      if (e.until >= nowMs) continue;
      this.seen.delete(jti);
      this.shares.give(e.subject);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
