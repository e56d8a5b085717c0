// A compact timeline of a parsed trace for a UI, as columns of typed arrays:
// - goroutine spans: each goroutine's time cut into running (on which P),
//   runnable, waiting (why, where it blocked, who unblocked it and from
//   where), in a syscall, and blocked in a syscall after losing its P;
// - proc spans: which goroutine each P ran, and when a P sat in a
//   goroutine's syscall;
// - GC spans: the concurrent mark phase, stop-the-world pauses, sweeping on a
//   P and mark assists on a goroutine.
// Spans come sorted by their resource, then start; `*First` gives each
// resource's first span (CSR style). Times are the parsed trace's ns; stacks
// are IDs into one StackTable for the whole trace. States and their times
// follow internal/trace/summary.go, so a goroutine's running spans add up to
// its execution time on `go tool trace`'s goroutine page. Pure and
// isomorphic.
import { NO_ID, type ParsedTrace } from './events.ts';
import { GenerationCursor, KIND, KIND_OF, newTransition, range, RESOURCE, stackOf, transition, type RangeView, type Transition } from './event-view.ts';
import { EV, GO_STATE, PROC_STATE } from './spec.ts';
import { StackInterner, type StackTable } from './stack-table.ts';
import type { GenTables } from './tables.ts';

/** Goroutine span kinds. */
export const G_SPAN = { Running: 1, Runnable: 2, Waiting: 3, Syscall: 4, SyscallBlocked: 5 } as const;
/** Proc span kinds. */
export const P_SPAN = { Running: 1, Syscall: 2 } as const;
/** GC span kinds. */
export const GC_SPAN = { Mark: 1, STW: 2, Sweep: 3, Assist: 4 } as const;

export interface GoroutineSpans {
  readonly count: number;
  readonly g: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly kind: Uint8Array;
  /** Running: the P; Syscall: the P it held; else -1. */
  readonly p: Int32Array;
  /** Stack of the event that began the span (the block, the yield, the syscall, the unblock that made it runnable); 0: none. */
  readonly stack: Uint32Array;
  /** Waiting and Runnable: why (a string index: "chan receive", "sync", "preempted", …); 0: "". */
  readonly reason: Uint32Array;
  /** Waiting: the goroutine that unblocked it (-1: none, e.g. the network poller or a timer). */
  readonly unblockedBy: Float64Array;
  /** Waiting: the stack of the unblock. */
  readonly unblockStack: Uint32Array;
}

export interface ProcSpans {
  readonly count: number;
  readonly p: Int32Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly kind: Uint8Array;
  readonly g: Float64Array;
}

export interface GCSpans {
  readonly count: number;
  readonly kind: Uint8Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** Sweep: the P; else -1. */
  readonly p: Int32Array;
  /** Assist: the goroutine; STW: the goroutine that stopped the world; else -1. */
  readonly g: Float64Array;
  /** A string index: the range's name ("stop-the-world (GC mark termination)", …). */
  readonly name: Uint32Array;
}

export interface Timeline {
  readonly start: number;
  readonly end: number;
  readonly goroutines: GoroutineSpans;
  /** Goroutine IDs in order, and the index of each one's first span (one more entry: the end). */
  readonly goroutineIds: Float64Array;
  readonly goroutineFirst: Uint32Array;
  readonly procs: ProcSpans;
  readonly procIds: Int32Array;
  readonly procFirst: Uint32Array;
  readonly gc: GCSpans;
  readonly stacks: StackTable;
  /** Strings the spans refer to (also the stack table's). */
  readonly strings: readonly string[];
}

/** Growable columns of one record type. */
class Columns<K extends string> {
  n = 0;
  private readonly cols: Record<K, Float64Array>;

  constructor(names: readonly K[]) {
    this.cols = Object.fromEntries(names.map((k) => [k, new Float64Array(1024)])) as Record<K, Float64Array>;
  }

  push(values: Record<K, number>): void {
    if (this.n === Object.values<Float64Array>(this.cols)[0]!.length) {
      for (const k of Object.keys(this.cols) as K[]) {
        const next = new Float64Array(this.n * 2);
        next.set(this.cols[k]);
        this.cols[k] = next;
      }
    }
    for (const k of Object.keys(values) as K[]) this.cols[k][this.n] = values[k];
    this.n++;
  }

  /** The records sorted by (key, start), each column converted by `as`. */
  sorted(key: K): { order: Uint32Array; col: (k: K) => Float64Array } {
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const by = this.cols[key];
    const start = this.cols['start' as K];
    order.sort((a, b) => by[a]! - by[b]! || start[a]! - start[b]! || a - b);
    return { order, col: (k) => Float64Array.from(order, (i) => this.cols[k][i]!) };
  }
}

const G_COLS = ['g', 'start', 'end', 'kind', 'p', 'stack', 'reason', 'unblockedBy', 'unblockStack'] as const;
const P_COLS = ['p', 'start', 'end', 'kind', 'g'] as const;
const GC_COLS = ['kind', 'start', 'end', 'p', 'g', 'name'] as const;

/** What is open on a goroutine. */
interface Open {
  kind: number;
  start: number;
  p: number;
  stack: number;
  reason: number;
}

class Builder {
  readonly stacks = new StackInterner();
  readonly gSpans = new Columns(G_COLS);
  readonly pSpans = new Columns(P_COLS);
  readonly gcSpans = new Columns(GC_COLS);
  private readonly open = new Map<number, Open>();
  /** Per P: the goroutine whose running or syscall span is open on it. */
  private readonly procOpen = new Map<number, { kind: number; start: number; g: number }>();
  private readonly syscallingP = new Map<number, number>();
  /** Open GC ranges by key (kind and resource). */
  private readonly gcOpen = new Map<string, { start: number; p: number; g: number; name: number }>();
  private syncTs = 0;
  private readonly tr: Transition = newTransition();
  private readonly rv: RangeView = { name: '', scope: 0, scopeId: 0 };

  constructor(private readonly t: ParsedTrace) {}

  event(i: number, tables: GenTables | undefined): void {
    const kind = KIND_OF[this.t.type[i]!];
    if (kind === KIND.Sync) this.syncTs = this.t.time[i]!;
    else if (kind === KIND.StateTransition) {
      const st = transition(this.t, i, this.tr);
      if (st.resource === RESOURCE.Goroutine) this.goroutine(i, st, tables);
      else if (st.resource === RESOURCE.Proc) this.proc(i, st);
    } else if (kind === KIND.RangeBegin || kind === KIND.RangeActive) this.gcBegin(i, kind, tables);
    else if (kind === KIND.RangeEnd) this.gcEnd(i, tables);
  }

  private closeG(g: number, o: Open, end: number, unblockedBy = NO_ID, unblockStack = 0): void {
    this.gSpans.push({ g, start: o.start, end, kind: o.kind, p: o.p, stack: o.stack, reason: o.reason, unblockedBy, unblockStack });
  }

  private goroutine(i: number, st: Transition, tables: GenTables | undefined): void {
    if (st.from === st.to) return;
    const now = this.t.time[i]!;
    this.leave(i, st, tables, now);
    if (st.from === GO_STATE.Running || st.from === GO_STATE.Syscall) this.closeProcOf(st.id, now);
    this.enter(i, st, tables, now);
  }

  /** Closes the goroutine's span; a wait ended by an unblock records who did it (the event's goroutine) and from where. */
  private leave(i: number, st: Transition, tables: GenTables | undefined, now: number): void {
    const prev = this.open.get(st.id);
    if (prev === undefined) return;
    const unblock = st.from === GO_STATE.Waiting && st.to === GO_STATE.Runnable;
    this.closeG(st.id, prev, now, unblock ? this.t.g[i]! : NO_ID, unblock ? this.stacks.intern(tables, stackOf(this.t, i)) : 0);
    this.open.delete(st.id);
    if (prev.kind === G_SPAN.Syscall || prev.kind === G_SPAN.SyscallBlocked) this.syscallingP.delete(prev.p);
  }

  private enter(i: number, st: Transition, tables: GenTables | undefined, now: number): void {
    const kind = gSpanKind(st.to);
    if (kind === 0) return;
    // First seen at a generation's start: it has been in the state since the sync.
    let start = st.from === GO_STATE.Undetermined ? this.syncTs : now;
    const executing = st.to === GO_STATE.Running || st.to === GO_STATE.Syscall;
    const p = executing ? this.t.p[i]! : NO_ID;
    const reason = executing ? 0 : this.stacks.string(tables?.strings.get(st.reason) ?? '');
    const stack = this.stacks.intern(tables, stackOf(this.t, i));
    if (st.from === GO_STATE.Undetermined && st.to === GO_STATE.Syscall && p === NO_ID) {
      // In a syscall without a P since the sync: blocked until now, then (as Go's summary counts it) executing it.
      this.closeG(st.id, { kind: G_SPAN.SyscallBlocked, start, p, stack, reason }, now);
      start = now;
    }
    this.open.set(st.id, { kind, start, p, stack, reason });
    if (p === NO_ID) return;
    this.openProc(p, st.to === GO_STATE.Running ? P_SPAN.Running : P_SPAN.Syscall, start, st.id);
    if (st.to === GO_STATE.Syscall) this.syscallingP.set(p, st.id);
  }

  private openProc(p: number, kind: number, start: number, g: number): void {
    const prev = this.procOpen.get(p);
    if (prev !== undefined) this.pSpans.push({ p, start: prev.start, end: start, kind: prev.kind, g: prev.g });
    this.procOpen.set(p, { kind, start, g });
  }

  private closeProcOf(g: number, end: number): void {
    for (const [p, o] of this.procOpen) {
      if (o.g !== g) continue;
      this.pSpans.push({ p, start: o.start, end, kind: o.kind, g });
      this.procOpen.delete(p);
      return;
    }
  }

  /** A P going idle: whatever ran on it stops; a goroutine in a syscall on it now blocks without it. */
  private proc(i: number, st: Transition): void {
    if (st.from === st.to || st.to !== PROC_STATE.Idle) return;
    const now = this.t.time[i]!;
    const o = this.procOpen.get(st.id);
    if (o !== undefined) {
      this.pSpans.push({ p: st.id, start: o.start, end: now, kind: o.kind, g: o.g });
      this.procOpen.delete(st.id);
    }
    const g = this.syscallingP.get(st.id);
    if (g === undefined) return;
    this.syscallingP.delete(st.id);
    const span = this.open.get(g);
    if (span?.kind !== G_SPAN.Syscall) return;
    this.closeG(g, span, now);
    this.open.set(g, { ...span, kind: G_SPAN.SyscallBlocked, start: now, p: NO_ID });
  }

  private gcKey(i: number, tables: GenTables | undefined): { kind: number; key: string; p: number; g: number; name: string } | null {
    const r = range(this.t, i, tables, this.rv);
    const typ = this.t.type[i]!;
    if (typ === EV.STWBegin || typ === EV.STWEnd) return { kind: GC_SPAN.STW, key: `stw:${r.scopeId}`, p: NO_ID, g: r.scopeId, name: r.name };
    if (r.name === 'GC concurrent mark phase') return { kind: GC_SPAN.Mark, key: 'mark', p: NO_ID, g: NO_ID, name: r.name };
    if (r.name === 'GC incremental sweep') return { kind: GC_SPAN.Sweep, key: `sweep:${r.scopeId}`, p: r.scopeId, g: NO_ID, name: r.name };
    if (r.name === 'GC mark assist') return { kind: GC_SPAN.Assist, key: `assist:${r.scopeId}`, p: NO_ID, g: r.scopeId, name: r.name };
    return null;
  }

  private gcBegin(i: number, kind: number, tables: GenTables | undefined): void {
    const k = this.gcKey(i, tables);
    if (k === null || this.gcOpen.has(`${k.kind}:${k.key}`)) return;
    // Active since before this generation: since its sync, at the latest.
    const start = kind === KIND.RangeActive ? this.syncTs : this.t.time[i]!;
    this.gcOpen.set(`${k.kind}:${k.key}`, { start, p: k.p, g: k.g, name: this.stacks.string(k.name) });
  }

  private gcEnd(i: number, tables: GenTables | undefined): void {
    const k = this.gcKey(i, tables);
    if (k === null) return;
    const o = this.gcOpen.get(`${k.kind}:${k.key}`);
    if (o === undefined) return;
    this.gcOpen.delete(`${k.kind}:${k.key}`);
    this.gcSpans.push({ kind: k.kind, start: o.start, end: this.t.time[i]!, p: o.p, g: o.g, name: o.name });
  }

  /** Closes everything still open at the trace's end. */
  finish(end: number): void {
    for (const [g, o] of this.open) this.closeG(g, o, end);
    for (const [p, o] of this.procOpen) this.pSpans.push({ p, start: o.start, end, kind: o.kind, g: o.g });
    for (const [key, o] of this.gcOpen) this.gcSpans.push({ kind: Number(key.split(':')[0]), start: o.start, end, p: o.p, g: o.g, name: o.name });
  }
}

function gSpanKind(state: number): number {
  switch (state) {
    case GO_STATE.Running: return G_SPAN.Running;
    case GO_STATE.Runnable: return G_SPAN.Runnable;
    case GO_STATE.Waiting: return G_SPAN.Waiting;
    case GO_STATE.Syscall: return G_SPAN.Syscall;
    default: return 0;
  }
}

/** CSR index over sorted keys: the distinct keys and where each one's records start. */
function index(keys: Float64Array): { ids: Float64Array; first: Uint32Array } {
  const ids: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (i === 0 || keys[i] !== keys[i - 1]) {
      ids.push(keys[i]!);
      first.push(i);
    }
  }
  first.push(keys.length);
  return { ids: Float64Array.from(ids), first: Uint32Array.from(first) };
}

/** The timeline of the events `go tool trace` keeps (validCount). */
export function timeline(t: ParsedTrace): Timeline {
  const n = t.validCount;
  const b = new Builder(t);
  const gc = new GenerationCursor(t);
  for (let i = 0; i < n; i++) {
    gc.at(i);
    b.event(i, gc.tables);
  }
  const end = n > 0 ? t.time[n - 1]! : 0;
  b.finish(end);

  const g = b.gSpans.sorted('g');
  const gIds = g.col('g');
  const gi = index(gIds);
  const p = b.pSpans.sorted('p');
  const pIds = p.col('p');
  const pi = index(pIds);
  const c = b.gcSpans.sorted('kind');
  return {
    start: n > 0 ? t.time[0]! : 0,
    end,
    goroutines: {
      count: b.gSpans.n,
      g: gIds,
      start: g.col('start'),
      end: g.col('end'),
      kind: Uint8Array.from(g.col('kind')),
      p: Int32Array.from(g.col('p')),
      stack: Uint32Array.from(g.col('stack')),
      reason: Uint32Array.from(g.col('reason')),
      unblockedBy: g.col('unblockedBy'),
      unblockStack: Uint32Array.from(g.col('unblockStack')),
    },
    goroutineIds: gi.ids,
    goroutineFirst: gi.first,
    procs: { count: b.pSpans.n, p: Int32Array.from(pIds), start: p.col('start'), end: p.col('end'), kind: Uint8Array.from(p.col('kind')), g: p.col('g') },
    procIds: Int32Array.from(pi.ids),
    procFirst: pi.first,
    gc: { count: b.gcSpans.n, kind: Uint8Array.from(c.col('kind')), start: c.col('start'), end: c.col('end'), p: Int32Array.from(c.col('p')), g: c.col('g'), name: Uint32Array.from(c.col('name')) },
    stacks: b.stacks.table(),
    strings: b.stacks.strings,
  };
}

