// A queue that takes turns between owners: next() serves the owner with items
// waiting who was served longest ago (never: first), its oldest item, so one
// owner's many (or slow) items delay another's by at most one item each. Each
// owner's waiting items are capped, and so are all of them.
export interface FairQueueLimits {
  readonly perOwner: number;
  readonly total: number;
}

/** Owners remembered as "served at": beyond this the longest-ago are forgotten (and count as never served). */
const REMEMBERED = 10_000;

export class FairQueue<T> {
  private readonly lanes = new Map<string, T[]>();
  /** When each owner was last served (a sequence number), least recent first. */
  private readonly servedAt = new Map<string, number>();
  private served = 0;
  private count = 0;

  constructor(readonly limits: FairQueueLimits) {}

  /** Queues item for owner; false when the owner's or everyone's cap is reached (nothing is queued). */
  push(owner: string, item: T): boolean {
    const lane = this.lanes.get(owner);
    if ((lane?.length ?? 0) >= this.limits.perOwner || this.count >= this.limits.total) return false;
    if (lane) lane.push(item);
    else this.lanes.set(owner, [item]);
    this.count++;
    return true;
  }

  /** The next item in turn, or undefined when empty. */
  next(): T | undefined {
    let owner: string | undefined;
    let turn = Number.POSITIVE_INFINITY;
    for (const o of this.lanes.keys()) {
      const at = this.servedAt.get(o) ?? -1;
      if (at < turn) [owner, turn] = [o, at];
    }
    if (owner === undefined) return undefined;
    const lane = this.lanes.get(owner)!;
    const item = lane.shift()!;
    if (lane.length === 0) this.lanes.delete(owner);
    this.count--;
    this.servedAt.delete(owner);
    this.servedAt.set(owner, this.served++);
    if (this.servedAt.size > REMEMBERED) this.servedAt.delete(this.servedAt.keys().next().value!);
    return item;
  }

  /** Removes and returns every waiting item. */
  drain(): T[] {
    const all = [...this.lanes.values()].flat();
    this.lanes.clear();
    this.count = 0;
    return all;
  }

  get size(): number {
    return this.count;
  }

  waitingFor(owner: string): number {
    return this.lanes.get(owner)?.length ?? 0;
  }
}
