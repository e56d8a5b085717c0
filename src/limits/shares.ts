// Counted holdings with a cap per holder and a cap in all: connections per
// source address, live streams per user, request bytes per address. A holder
// is forgotten once it holds nothing, so the table never outgrows the total.
export interface ShareLimits {
  /** What one holder may hold at once. */
  readonly perHolder: number;
  /** What all holders may hold at once. */
  readonly total: number;
}

/** Why take() refused: the holder's own share, or everyone's. */
export type Refusal = 'holder' | 'total';

export class Shares {
  private readonly held = new Map<string, number>();
  private sum = 0;

  constructor(readonly limits: ShareLimits) {}

  /** Takes n for holder; undefined when granted, else which cap it would pass (nothing is taken then). */
  take(holder: string, n = 1): Refusal | undefined {
    const mine = this.held.get(holder) ?? 0;
    if (mine + n > this.limits.perHolder) return 'holder';
    if (this.sum + n > this.limits.total) return 'total';
    this.held.set(holder, mine + n);
    this.sum += n;
    return undefined;
  }

  /** Gives back what take() granted. */
  give(holder: string, n = 1): void {
    const mine = this.held.get(holder) ?? 0;
    const back = Math.min(mine, n);
    if (mine - back <= 0) this.held.delete(holder);
    else this.held.set(holder, mine - back);
    this.sum -= back;
  }

  of(holder: string): number {
    return this.held.get(holder) ?? 0;
  }

  get total(): number {
    return this.sum;
  }

  get holders(): number {
    return this.held.size;
  }
}
