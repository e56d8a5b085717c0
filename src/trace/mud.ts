// The mutator utilization distribution (internal/trace/mud.go): a histogram
// of mean mutator utilization over windows, kept as sorted edges for exact
// quantiles and as 1024 buckets for an early bound. Floating-point sums run
// in Go's order (edges sorted by Go's unstable sort) so results are Go's to
// the bit. Pure.
import { compare } from './compare.ts';
import { goSortFunc } from './go-sort.ts';

const DEGREE = 1024;

interface Edge {
  readonly x: number;
  readonly delta: number;
  readonly dirac: number;
}

export class Mud {
  private sorted: Edge[] | null = null;
  private unsorted: Edge[] = [];
  private trackMass = 0;
  private trackBucket = 0;
  private trackSum = 0;
  private readonly hist = new Float64Array(DEGREE);

  /** Adds a uniform distribution over [l, r] of total mass area (a Dirac delta if l == r). */
  add(l: number, r: number, area: number): void {
    if (area === 0) return;
    if (r < l) [l, r] = [r, l];
    if (l === r) this.unsorted.push({ x: l, delta: 0, dirac: area });
    else {
      const delta = area / (r - l);
      this.unsorted.push({ x: l, delta, dirac: 0 }, { x: r, delta: -delta, dirac: 0 });
    }
    this.addToHistogram(l, r, area);
    const thresh = this.trackBucket / DEGREE;
    if (l < thresh) {
      this.trackSum += r < thresh ? area : (area * (thresh - l)) / (r - l);
      if (this.trackSum >= this.trackMass) this.setTrackMass(this.trackMass);
    }
  }

  private addToHistogram(l: number, r: number, area: number): void {
    const h = this.hist;
    let [lb, lf] = modf(l * DEGREE);
    if (lb >= DEGREE) [lb, lf] = [DEGREE - 1, 1];
    if (l === r) {
      h[lb] = h[lb]! + area;
      return;
    }
    let [rb, rf] = modf(r * DEGREE);
    if (rb >= DEGREE) [rb, rf] = [DEGREE - 1, 1];
    if (lb === rb) {
      h[lb] = h[lb]! + area;
      return;
    }
    const perBucket = area / (r - l) / DEGREE;
    h[lb] = h[lb]! + perBucket * (1 - lf);
    h[rb] = h[rb]! + perBucket * rf;
    for (let i = lb + 1; i < rb; i++) h[i] = h[i]! + perBucket;
  }

  /** Tracks the bucket where the cumulative mass passes `mass`. */
  setTrackMass(mass: number): void {
    this.trackMass = mass;
    let sum = 0;
    for (let i = 0; i < DEGREE; i++) {
      const next = sum + this.hist[i]!;
      if (next > mass) {
        this.trackBucket = i;
        this.trackSum = sum;
        return;
      }
      sum = next;
    }
    this.trackBucket = DEGREE;
    this.trackSum = sum;
  }

  /** Bounds on the tracked quantile's x, or null when the tracked mass is not reached yet. */
  approxInvCumulativeSum(): [number, number] | null {
    if (this.trackBucket === DEGREE) return null;
    return [this.trackBucket / DEGREE, (this.trackBucket + 1) / DEGREE];
  }

  /** The x where the cumulative mass reaches y (NaN if empty); false when it never does. */
  invCumulativeSum(y: number): [number, boolean] {
    if ((this.sorted === null || this.sorted.length === 0) && this.unsorted.length === 0) return [NaN, false];
    const edges = this.unsorted;
    goSortFunc(edges, (a, b) => compare(a.x, b.x));
    this.unsorted = [];
    this.sorted = this.sorted === null ? edges : merge(this.sorted, edges);
    let csum = 0;
    let rate = 0;
    let prevX = 0;
    for (const e of this.sorted) {
      let next = csum + (e.x - prevX) * rate;
      if (next >= y) return rate === 0 ? [e.x, true] : [(y - csum) / rate + prevX, true];
      next += e.dirac;
      if (next >= y) return [e.x, true];
      csum = next;
      prevX = e.x;
      rate += e.delta;
    }
    return [prevX, false];
  }
}

function merge(a: Edge[], b: Edge[]): Edge[] {
  const out: Edge[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.x < b[j]!.x ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Go's math.Modf for the non-negative values here: integer part (as an index) and fraction. */
function modf(x: number): [number, number] {
  const i = Math.trunc(x);
  return [i, x - i];
}
