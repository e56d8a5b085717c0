// Deletes expired records (one-time links, spent markers, sessions) from the
// shared store: each key names its expiry (shared/keys-of.ts), so a sweep is a
// list and deletes, no reads. Bounded: at most once a minute per replica, at
// most `maxPerPass` deletions a pass, in the background of the call that
// triggers it; every replica sweeps, and deleting a key twice is harmless.
import type { ObjectStore } from './object-store.ts';
import { untilOfKey } from './keys-of.ts';

export const SWEEP_EVERY_MS = 60_000;
/** Kept this long past their expiry: a replica whose clock is behind still refuses them by their record. */
export const SWEEP_MARGIN_MS = 60_000;

export class Sweeper {
  private lastAt = 0;
  private running?: Promise<number>;
  /** Unexpired keys the last complete pass listed (a census, e.g. of sessions), and when. */
  census = { live: 0, at: 0 };

  constructor(
    private readonly store: ObjectStore,
    private readonly prefixes: readonly string[],
    private readonly maxPerPass = 1000,
  ) {}

  /** Starts a pass unless one ran in the last minute; never throws. */
  soon(now = Date.now()): void {
    if (this.running || now - this.lastAt < SWEEP_EVERY_MS) return;
    this.lastAt = now;
    this.running = this.pass(now)
      .catch(() => 0)
      .finally(() => (this.running = undefined));
  }

  /** One pass: the number of expired keys deleted. */
  async pass(now = Date.now()): Promise<number> {
    let deleted = 0;
    let live = 0;
    for (const prefix of this.prefixes) {
      for await (const o of this.store.list(`${prefix}/`)) {
        if (deleted >= this.maxPerPass) return deleted;
        const until = untilOfKey(o.key);
        if (until + SWEEP_MARGIN_MS < now) {
          await this.store.delete(o.key);
          deleted++;
        } else if (until > now) live++;
      }
    }
    this.census = { live, at: now };
    return deleted;
  }

  /** The pass in progress, if any (tests, shutdown). */
  settled(): Promise<unknown> {
    return this.running ?? Promise.resolve();
  }
}
