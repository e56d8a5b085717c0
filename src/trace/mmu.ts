// Minimum mutator utilization (internal/trace/gc.go): the mutator
// utilization function of a trace (the share of Ps not doing GC work over
// time: STW, background mark workers, mark assists, sweeping, as the flags
// choose), and the MMU curve over it — for each window size the worst mean
// utilization of any window of that size, the worst windows themselves, and
// the distribution's quantiles. Every floating-point step follows Go's order,
// so the numbers are `go tool trace`'s to the bit. Times are the parsed
// trace's ns. Pure and isomorphic.
import { ARGS, type ParsedTrace } from './events.ts';
import { GenerationCursor, KIND, KIND_OF, newTransition, range, RESOURCE, transition, type RangeView } from './event-view.ts';
import { heapInit, heapPop, heapPush, heapRemove } from './go-heap.ts';
import { Mud } from './mud.ts';
import { EV, GO_STATE } from './spec.ts';
import type { GenTables } from './tables.ts';

/** Go's UtilFlags. */
export const UTIL = { STW: 1, Background: 2, Assist: 4, Sweep: 8, PerProc: 16 } as const;

/** A change in mutator utilization: from `time` on, the mean utilization is `util` (in [0, 1]). */
export interface MutatorUtil {
  time: number;
  util: number;
}

const isGCSTW = (name: string): boolean => name.startsWith('stop-the-world') && name.includes('GC');
const executing = (s: number | undefined): boolean => s === GO_STATE.Running || s === GO_STATE.Syscall;

function addUtil(util: MutatorUtil[], mu: MutatorUtil): void {
  const last = util[util.length - 1];
  if (last !== undefined) {
    if (mu.util === last.util) return;
    if (mu.time === last.time) {
      // The lowest utilization at a time wins.
      if (mu.util < last.util) util[util.length - 1] = mu;
      return;
    }
  }
  util.push(mu);
}

interface PerP {
  gc: number;
  series: number;
}

class Utilization {
  readonly out: MutatorUtil[][] = [];
  private stw = 0;
  private ps: PerP[] = [];
  private readonly inGC = new Set<number>();
  private readonly states = new Map<number, number>();
  private readonly bgMark = new Set<number>();
  private readonly procs: { time: number; n: number }[] = [];
  private nSync = 0;
  private readonly rv: RangeView = { name: '', scope: 0, scopeId: 0 };
  private readonly tr = newTransition();

  constructor(
    private readonly t: ParsedTrace,
    private readonly flags: number,
  ) {}

  private has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  private p(i: number): PerP {
    // Go indexes its per-P slice by the event's P; a P outside GOMAXPROCS would panic there.
    return this.ps[this.t.p[i]!] ?? { gc: 0, series: 0 };
  }

  private gomaxprocs(i: number): void {
    const n = this.t.args[i * ARGS]!;
    const time = this.t.time[i]!;
    if (this.ps.length > n) {
      if (this.has(UTIL.PerProc)) for (const p of this.ps.slice(n)) addUtil(this.out[p.series]!, { time, util: 0 });
      this.ps = this.ps.slice(0, n);
    }
    while (this.ps.length < n) {
      let series = 0;
      if (this.has(UTIL.PerProc) || this.out.length === 0) {
        series = this.out.length;
        this.out.push([{ time, util: 1 }]);
      }
      this.ps.push({ gc: 0, series });
    }
    if (this.procs.length === 0 || n !== this.procs[this.procs.length - 1]!.n) this.procs.push({ time, n });
  }

  event(i: number, tables: GenTables | undefined): void {
    const kind = KIND_OF[this.t.type[i]!]!;
    if (kind === KIND.Sync) this.nSync = this.t.args[i * ARGS]!;
    else if (this.t.type[i] === EV.ProcsChange) this.gomaxprocs(i);
    if (this.ps.length === 0) return; // nothing until GOMAXPROCS is known
    // After a full generation, ranges already active are old news: Go skips them entirely.
    if (kind === KIND.RangeActive && this.nSync > 1) this.record(i);
    else if (kind === KIND.RangeActive) {
      this.rangeActive(i, tables);
      this.rangeBegin(i, tables, 1);
      this.record(i);
    } else this.other(i, kind, tables);
  }

  private other(i: number, kind: number, tables: GenTables | undefined): void {
    if (kind === KIND.RangeBegin) this.rangeBegin(i, tables, 1);
    else if (kind === KIND.RangeEnd) this.rangeBegin(i, tables, -1);
    else if (kind === KIND.StateTransition) this.stateTransition(i);
    else if (kind === KIND.Label) this.label(i, tables);
    this.record(i);
  }

  /** A range active since before the trace: until the first full generation, take its share back from the start. */
  private rangeActive(i: number, tables: GenTables | undefined): void {
    const r = range(this.t, i, tables, this.rv);
    const assist = this.has(UTIL.Assist) && r.name === 'GC mark assist';
    if (assist && !executing(this.states.get(this.t.g[i]!))) return;
    if (!assist && !(this.has(UTIL.Sweep) && r.name === 'GC incremental sweep')) return;
    if (this.has(UTIL.PerProc)) return;
    const util = this.out[0]!;
    let mi = 0;
    let pi = 0;
    while (mi < util.length) {
      if (pi < this.procs.length - 1 && this.procs[pi + 1]!.time < util[mi]!.time) {
        pi++;
        continue;
      }
      util[mi]!.util -= 1 / this.procs[pi]!.n;
      if (util[mi]!.util < 0) util[mi]!.util = 0;
      mi++;
    }
  }

  private rangeBegin(i: number, tables: GenTables | undefined, d: number): void {
    const r = range(this.t, i, tables, this.rv);
    if (this.has(UTIL.STW) && isGCSTW(r.name)) this.stw += d;
    else if (this.has(UTIL.Sweep) && r.name === 'GC incremental sweep') this.p(i).gc += d;
    else if (this.has(UTIL.Assist) && r.name === 'GC mark assist') {
      this.p(i).gc += d;
      if (r.scopeId !== -1) {
        if (d > 0) this.inGC.add(r.scopeId);
        else this.inGC.delete(r.scopeId);
      }
    }
  }

  private stateTransition(i: number): void {
    const st = transition(this.t, i, this.tr);
    if (st.resource !== RESOURCE.Goroutine) return;
    if (this.inGC.has(st.id) || this.bgMark.has(st.id)) {
      if (!executing(st.from) && executing(st.to)) this.p(i).gc++;
      else if (executing(st.from) && !executing(st.to)) this.p(i).gc--;
    }
    this.states.set(st.id, st.to);
  }

  private label(i: number, tables: GenTables | undefined): void {
    const l = tables?.strings.get(this.t.args[i * ARGS]!) ?? '';
    if (!this.has(UTIL.Background) || !l.startsWith('GC ') || l === 'GC (idle)') return;
    // Dedicated workers take the whole P, so per P they do not add to anyone's latency.
    if (this.has(UTIL.PerProc) && l === 'GC (dedicated)') return;
    this.bgMark.add(this.t.g[i]!);
    this.p(i).gc++;
  }

  private record(i: number): void {
    const time = this.t.time[i]!;
    if (!this.has(UTIL.PerProc)) {
      let gcPs = 0;
      if (this.stw > 0) gcPs = this.ps.length;
      else for (const p of this.ps) if (p.gc > 0) gcPs++;
      addUtil(this.out[0]!, { time, util: 1 - gcPs / this.ps.length });
      return;
    }
    for (const p of this.ps) addUtil(this.out[p.series]!, { time, util: this.stw > 0 || p.gc > 0 ? 0 : 1 });
  }

  finish(lastTime: number): MutatorUtil[][] {
    for (const p of this.ps) addUtil(this.out[p.series]!, { time: lastTime, util: 0 });
    return this.out;
  }
}

/** Go's MutatorUtilizationV2 over the events cmd/trace keeps (validCount); one series, or one per P with UTIL.PerProc. */
export function mutatorUtilization(t: ParsedTrace, flags: number): MutatorUtil[][] {
  const n = t.validCount;
  if (n === 0) return [];
  const u = new Utilization(t, flags);
  const gc = new GenerationCursor(t);
  for (let i = 0; i < n; i++) {
    gc.at(i);
    u.event(i, gc.tables);
  }
  return u.finish(t.time[n - 1]!);
}

// The MMU curve.

const BANDS_PER_SERIES = 1000;
const MAX_INT64 = 2 ** 63; // stands for Go's 1<<63 - 1 (no time gets near either)

class Integrator {
  constructor(
    readonly u: Series,
    /** Index of the current time's non-strict predecessor in u.util. */
    public pos: number,
  ) {}

  clone(): Integrator {
    return new Integrator(this.u, this.pos);
  }

  /** The integral of the utilization from 0 to time (times must not decrease). */
  advance(time: number): number {
    const util = this.u.util;
    let pos = this.pos;
    if (pos + 8 < util.length && util[pos + 8]!.time > time) {
      while (pos + 1 < util.length && util[pos + 1]!.time <= time) pos++;
    } else {
      let l = pos;
      let r = util.length;
      while (l < r) {
        const h = (l + r) >>> 1;
        if (util[h]!.time <= time) l = h + 1;
        else r = h;
      }
      pos = l - 1;
    }
    this.pos = pos;
    const partial = time !== util[pos]!.time ? util[pos]!.util * (time - util[pos]!.time) : 0;
    return this.u.sums[pos]! + partial;
  }

  /** The next time after `time` where the utilization changes. */
  next(time: number): number {
    const util = this.u.util;
    for (let i = this.pos; i < util.length; i++) if (util[i]!.time > time) return util[i]!.time;
    return MAX_INT64;
  }
}

interface Band {
  minUtil: number;
  cumUtil: number;
  integrator: Integrator;
}

class Series {
  readonly sums: number[];
  readonly bands: Band[];
  readonly bandDur: number;

  constructor(readonly util: readonly MutatorUtil[]) {
    const sums: number[] = [];
    let prev: MutatorUtil = { time: 0, util: 0 };
    let sum = 0;
    for (const u of util) {
      sum += prev.util * (u.time - prev.time);
      sums.push(sum);
      prev = u;
    }
    this.sums = sums;
    const numBands = Math.min(BANDS_PER_SERIES, util.length);
    const dur = util[util.length - 1]!.time - util[0]!.time;
    this.bandDur = Math.max(1, Math.trunc((dur + numBands - 1) / numBands));
    this.bands = [];
    const left = new Integrator(this, 0);
    for (let i = 0; i <= numBands; i++) {
      const [start, end] = this.bandTime(i);
      const cumUtil = left.advance(start);
      let minUtil = 1;
      for (let k = left.pos; k < util.length && util[k]!.time < end; k++) minUtil = Math.min(minUtil, util[k]!.util);
      this.bands.push({ minUtil, cumUtil, integrator: left.clone() });
    }
  }

  bandTime(i: number): [number, number] {
    const start = i * this.bandDur + this.util[0]!.time;
    return [start, start + this.bandDur];
  }

  /** For each band, a lower bound on the mean utilization of windows that start in it. */
  bandUtil(series: number, window: number): BandUtil[] {
    const minBands = Math.trunc((window + this.bandDur - 1) / this.bandDur);
    const maxBands = Math.trunc((window + 2 * (this.bandDur - 1)) / this.bandDur);
    if (window > 1 && maxBands < 2) throw new Error('maxBands < 2');
    const tailDur = window % this.bandDur;
    const n = Math.max(0, this.bands.length - maxBands + 1);
    const out: BandUtil[] = [];
    for (let i = 0; i < n; i++) {
      // The worst case: the window covers the lowest partial band most, the next lowest with the rest.
      const l = this.bands[i]!.minUtil;
      const r1 = this.bands[i + minBands - 1]!.minUtil;
      const r2 = this.bands[i + maxBands - 1]!.minUtil;
      const minBand = Math.min(l, Math.min(r1, r2));
      let util = 0;
      if (minBands === 1) util += minBand * window;
      else {
        util += minBand * this.bandDur;
        let midBand = 0;
        if (minBand === l) midBand = Math.min(r1, r2);
        else if (minBand === r1) midBand = Math.min(l, r2);
        else if (minBand === r2) midBand = Math.min(l, r1);
        util += midBand * tailDur;
      }
      if (minBands > 2) util += this.bands[i + minBands - 1]!.cumUtil - this.bands[i + 1]!.cumUtil;
      out.push({ series, i, utilBound: util / window });
    }
    return out;
  }

  /** The exact worst windows starting in band bandIdx, fed to acc. */
  bandMMU(bandIdx: number, window: number, acc: Accumulator): void {
    const util = this.util;
    const left = this.bands[bandIdx]!.integrator.clone();
    const right = left.clone();
    let [time, endTime] = this.bandTime(bandIdx);
    const utilEnd = util[util.length - 1]!.time - window;
    if (utilEnd < endTime) endTime = utilEnd;
    acc.resetTime();
    for (;;) {
      const mu = (right.advance(time + window) - left.advance(time)) / window;
      if (acc.addMU(time, mu, window)) break;
      if (time === endTime) break;
      // The windowed utilization changes at most 1/window per ns: no need to look closer than this.
      const minTime = time + Math.trunc((mu - acc.bound) * window);
      const t1 = left.next(time);
      const t2 = right.next(time + window) - window;
      time = t1 < t2 ? t1 : t2;
      if (time < minTime) time = minTime;
      if (time >= endTime) time = endTime;
    }
  }
}

interface BandUtil {
  series: number;
  i: number;
  utilBound: number;
}

/** A window of the worst mean utilization found (Go's UtilWindow). */
export interface UtilWindow {
  time: number;
  mutatorUtil: number;
}

const worstFirst = (a: UtilWindow, b: UtilWindow): boolean =>
  a.mutatorUtil !== b.mutatorUtil ? a.mutatorUtil > b.mutatorUtil : a.time > b.time;

class Accumulator {
  mmu = 1;
  bound = 1;
  readonly wHeap: UtilWindow[] = [];
  preciseMass = 0;
  mud: Mud | null = null;
  private lastTime = MAX_INT64;
  private lastMU = 0;

  constructor(readonly nWorst = 0) {}

  resetTime(): void {
    this.lastTime = MAX_INT64;
  }

  /** Adds a point of the windowed utilization; true when more cannot change the result. */
  addMU(time: number, mu: number, window: number): boolean {
    if (mu < this.mmu) this.mmu = mu;
    this.bound = this.mmu;
    if (this.nWorst === 0) return mu === 0;
    this.consider(time, mu, window);
    if (this.wHeap.length < this.nWorst) this.bound = 1;
    else this.bound = Math.max(this.bound, this.wHeap[0]!.mutatorUtil);
    if (this.mud !== null) {
      if (this.lastTime !== MAX_INT64) this.mud.add(this.lastMU, mu, time - this.lastTime);
      this.lastTime = time;
      this.lastMU = mu;
      const approx = this.mud.approxInvCumulativeSum();
      this.bound = approx === null ? 1 : Math.max(this.bound, approx[1]);
      return false;
    }
    return this.wHeap.length === this.nWorst && this.wHeap[0]!.mutatorUtil === 0;
  }

  /** Keeps the window among the n worst, replacing a worse-or-equal overlapping one. */
  private consider(time: number, mu: number, window: number): void {
    const h = this.wHeap;
    if (!(h.length < this.nWorst || mu < h[0]!.mutatorUtil)) return;
    for (let i = 0; i < h.length; i++) {
      const ui = h[i]!;
      if (time + window > ui.time && ui.time + window > time) {
        if (ui.mutatorUtil <= mu) return; // keep the first window
        heapRemove(h, i, worstFirst);
        break;
      }
    }
    heapPush(h, { time, mutatorUtil: mu }, worstFirst);
    if (h.length > this.nWorst) heapPop(h, worstFirst);
  }
}

/** Go's MMUCurve over mutator utilization functions. */
export class MMUCurve {
  private readonly series: Series[];

  constructor(utils: readonly (readonly MutatorUtil[])[]) {
    this.series = utils.map((u) => new Series(u));
  }

  private run(window: number, acc: Accumulator): void {
    if (window <= 0) {
      acc.mmu = 0;
      return;
    }
    const bandU: BandUtil[] = [];
    const windows = this.series.map((s, i) => {
      const w = Math.min(window, s.util[s.util.length - 1]!.time - s.util[0]!.time);
      bandU.push(...s.bandUtil(i, w));
      return w;
    });
    const less = (a: BandUtil, b: BandUtil): boolean => a.utilBound < b.utilBound;
    heapInit(bandU, less);
    // Refine bands from the lowest bound up until no band left can lower the result.
    while (bandU.length > 0 && bandU[0]!.utilBound < acc.bound) {
      const i = bandU[0]!.series;
      this.series[i]!.bandMMU(bandU[0]!.i, windows[i]!, acc);
      heapPop(bandU, less);
    }
  }

  /** The minimum mutator utilization over all windows of this many ns, in [0, 1]. */
  mmu(window: number): number {
    const acc = new Accumulator();
    this.run(window, acc);
    return acc.mmu;
  }

  /** Up to n disjoint windows of the lowest utilization, worst first. */
  examples(window: number, n: number): UtilWindow[] {
    const acc = new Accumulator(n);
    this.run(window, acc);
    // Go: sort.Sort(sort.Reverse(heap)) — worst (lowest utilization) first.
    const h = [...acc.wHeap];
    return h.sort((a, b) => {
      if (worstFirst(a, b)) return 1;
      return worstFirst(b, a) ? -1 : 0;
    });
  }

  /** Quantiles of the mutator utilization distribution for this window. */
  mud(window: number, quantiles: readonly number[]): number[] {
    if (quantiles.length === 0) return [];
    const maxQ = Math.max(...quantiles);
    let duration = 0;
    for (const s of this.series) {
      const d = s.util[s.util.length - 1]!.time - s.util[0]!.time;
      if (d >= window) duration += d - window;
    }
    const qMass = duration * maxQ;
    const acc = new Accumulator();
    acc.preciseMass = qMass;
    acc.mud = new Mud();
    acc.mud.setTrackMass(qMass);
    this.run(window, acc);
    return quantiles.map((q) => {
      const [mu] = acc.mud!.invCumulativeSum(duration * q);
      return Number.isNaN(mu) ? acc.mmu : mu;
    });
  }
}

/** What `go tool trace`'s MMU page plots (traceviewer's HandlePlot): windows from xMin to xMax, each with its MMU (or MUD quantiles). */
export function mmuPlot(
  utils: readonly (readonly MutatorUtil[])[],
  quantiles: readonly number[] | null,
): { xMin: number; xMax: number; curve: number[][] } {
  const curve = new MMUCurve(utils);
  let xMin = 1e9;
  while (xMin > 1) {
    if (curve.mmu(xMin) < 0.0001) break;
    xMin = Math.trunc(xMin / 1000);
  }
  let xMax = xMin * 1e6;
  let minEvent = utils[0]![0]!.time;
  let maxEvent = utils[0]![utils[0]!.length - 1]!.time;
  for (const u of utils.slice(1)) {
    minEvent = Math.min(minEvent, u[0]!.time);
    maxEvent = Math.max(maxEvent, u[u.length - 1]!.time);
  }
  xMax = Math.min(xMax, maxEvent - minEvent);
  const logMin = Math.log(xMin);
  const logMax = Math.log(xMax);
  const samples = 100;
  const plot: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const window = Math.trunc(Math.exp((i / (samples - 1)) * (logMax - logMin) + logMin));
    plot.push(quantiles === null ? [window, curve.mmu(window)] : [window, ...curve.mud(window, quantiles)]);
  }
  return { xMin, xMax, curve: plot };
}
