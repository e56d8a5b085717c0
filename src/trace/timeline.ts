// A compact timeline of a parsed trace for a UI, as columns of typed arrays:
// - goroutine spans: each goroutine's time cut into running (on which P),
//   runnable, waiting (why, where it blocked, who unblocked it and from
//   where), in a syscall, and blocked in a syscall after losing its P;
// - proc spans: which goroutine each P ran, and when a P sat in a
//   goroutine's syscall;
// - GC spans: the concurrent mark phase, stop-the-world pauses, sweeping on a
//   P and mark assists on a goroutine.
// Spans are stored in the order they ended; per goroutine and per P an
// index lists its spans in time order (`*Ids` ascending, `*First` where each
// one's list starts in `*Spans`, CSR style), so no column is copied to group
// them. Times are the parsed trace's ns; stacks are IDs into one StackTable
// for the whole trace. States and their times
// follow internal/trace/summary.go, so a goroutine's running spans add up to
// its execution time on `go tool trace`'s goroutine page. Pure and
// isomorphic.
import { NO_ID, type ParsedTrace } from './events.ts';
import {
  GenerationCursor,
  KIND,
  KIND_OF,
  newTransition,
  range,
  RESOURCE,
  stackOf,
  transition,
  type RangeView,
  type Transition,
} from './event-view.ts';
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
  /** Goroutine IDs ascending; goroutine k's spans are goroutineSpans[goroutineFirst[k] .. goroutineFirst[k + 1]), in time order. */
  readonly goroutineIds: Float64Array;
  readonly goroutineFirst: Uint32Array;
  readonly goroutineSpans: Uint32Array;
  readonly procs: ProcSpans;
  /** The same for Ps. */
  readonly procIds: Int32Array;
  readonly procFirst: Uint32Array;
  readonly procSpans: Uint32Array;
  readonly gc: GCSpans;
  readonly stacks: StackTable;
  /** Strings the spans refer to (also the stack table's). */
  readonly strings: readonly string[];
}

type NumArray = Float64Array | Int32Array | Uint32Array | Uint8Array;
type NumArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;

/**
 * Columns of one record type, each of its own typed array; rows are added
 * with row() and filled by column index. Sized for the most rows the trace
 * can make (one per state transition), so they seldom grow: growing huge
 * buffers, and the collections that follow, was most of the cost.
 */
class Rows {
  n = 0;
  readonly c: NumArray[];

  constructor(
    private readonly types: readonly NumArrayCtor[],
    capacity: number,
  ) {
    this.c = types.map((T) => new T(Math.max(16, capacity)));
  }

  /** A new row's index. */
  row(): number {
    if (this.n === this.c[0]!.length) {
      for (let k = 0; k < this.c.length; k++) {
        const next = new this.types[k]!(this.n * 2);
        next.set(this.c[k] as never);
        this.c[k] = next;
      }
    }
    return this.n++;
  }

  /**
   * The rows grouped by their resource, IDs ascending, keeping their order
   * within a group (rows of one resource are added in time order): a
   * counting sort over `slot` (a small number per resource; slotIds[s] its
   * ID), so no row is looked up or compared.
   */
  grouped(slot: number, slotIds: readonly number[]): { order: Uint32Array; ids: Float64Array; first: Uint32Array } {
    const slots = this.c[slot]!;
    const byId = Uint32Array.from(slotIds.keys()).sort((a, b) => slotIds[a]! - slotIds[b]!);
    const rank = new Uint32Array(slotIds.length);
    byId.forEach((s, r) => (rank[s] = r));
    const first = new Uint32Array(slotIds.length + 1);
    for (let i = 0; i < this.n; i++) first[rank[slots[i]!]! + 1]!++;
    for (let r = 0; r < slotIds.length; r++) first[r + 1]! += first[r]!;
    const next = first.slice(0, slotIds.length);
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[next[rank[slots[i]!]!]!++] = i;
    // Resources that never had a span keep an empty range.
    return { order, ids: Float64Array.from(byId, (s) => slotIds[s]!), first };
  }

  /** Column k, cut to the rows added (a view, not a copy). */
  col<T extends NumArray>(k: number): T {
    return this.c[k]!.subarray(0, this.n) as T;
  }
}

// Column indexes of each kind of span.
const G = { g: 0, start: 1, end: 2, kind: 3, p: 4, stack: 5, reason: 6, unblockedBy: 7, unblockStack: 8, slot: 9 } as const;
const G_TYPES = [
  Float64Array,
  Float64Array,
  Float64Array,
  Uint8Array,
  Int32Array,
  Uint32Array,
  Uint32Array,
  Float64Array,
  Uint32Array,
  Uint32Array,
];
const P = { p: 0, start: 1, end: 2, kind: 3, g: 4, slot: 5 } as const;
const P_TYPES = [Int32Array, Float64Array, Float64Array, Uint8Array, Float64Array, Uint32Array];
const C = { kind: 0, start: 1, end: 2, p: 3, g: 4, name: 5 } as const;
const C_TYPES = [Uint8Array, Float64Array, Float64Array, Int32Array, Float64Array, Uint32Array];

/** What is open on a goroutine. */
interface Open {
  /** The goroutine's number in order of first appearance (spans carry it, to group them without a lookup). */
  readonly slot: number;
  /** The open span (kind 0: none). */
  kind: number;
  start: number;
  p: number;
  stack: number;
  reason: number;
}

class Builder {
  readonly stacks = new StackInterner();
  readonly gSpans: Rows;
  readonly pSpans: Rows;
  readonly gcSpans = new Rows(C_TYPES, 64);
  private readonly open = new Map<number, Open>();
  /** Per P: the goroutine whose running or syscall span is open on it. */
  private readonly procOpen = new Map<number, { readonly slot: number; kind: number; start: number; g: number }>(); // kind 0: nothing open
  /** The ID of each goroutine slot and proc slot. */
  readonly gSlotIds: number[] = [];
  readonly pSlotIds: number[] = [];
  private readonly syscallingP = new Map<number, number>();
  /** Open GC ranges by key (kind and resource). */
  private readonly gcOpen = new Map<string, { start: number; p: number; g: number; name: number }>();
  private syncTs = 0;
  private readonly tr: Transition = newTransition();
  private readonly rv: RangeView = { name: '', scope: 0, scopeId: 0 };

  constructor(private readonly t: ParsedTrace) {
    let transitions = 0;
    for (let i = 0; i < t.validCount; i++) if (KIND_OF[t.type[i]!] === KIND.StateTransition) transitions++;
    // A goroutine span ends at a transition (or the trace's end, or splits at a P's loss); so does a proc span.
    this.gSpans = new Rows(G_TYPES, Math.ceil(transitions * 1.125));
    this.pSpans = new Rows(P_TYPES, transitions);
  }

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
    const s = this.gSpans;
    const r = s.row();
    const c = s.c;
    c[G.g]![r] = g;
    c[G.start]![r] = o.start;
    c[G.end]![r] = end;
    c[G.kind]![r] = o.kind;
    c[G.p]![r] = o.p;
    c[G.stack]![r] = o.stack;
    c[G.reason]![r] = o.reason;
    c[G.unblockedBy]![r] = unblockedBy;
    c[G.unblockStack]![r] = unblockStack;
    c[G.slot]![r] = o.slot;
  }

  private pushP(slot: number, p: number, start: number, end: number, kind: number, g: number): void {
    const r = this.pSpans.row();
    const c = this.pSpans.c;
    c[P.slot]![r] = slot;
    c[P.p]![r] = p;
    c[P.start]![r] = start;
    c[P.end]![r] = end;
    c[P.kind]![r] = kind;
    c[P.g]![r] = g;
  }

  private pushGC(kind: number, start: number, end: number, p: number, g: number, name: number): void {
    const r = this.gcSpans.row();
    const c = this.gcSpans.c;
    c[C.kind]![r] = kind;
    c[C.start]![r] = start;
    c[C.end]![r] = end;
    c[C.p]![r] = p;
    c[C.g]![r] = g;
    c[C.name]![r] = name;
  }

  private goroutine(i: number, st: Transition, tables: GenTables | undefined): void {
    if (st.from === st.to) return;
    const now = this.t.time[i]!;
    const open = this.open.get(st.id);
    if (open !== undefined && open.kind !== 0) this.leave(i, st, open, tables, now);
    this.enter(i, st, open, tables, now);
  }

  /** Closes the goroutine's span; a wait ended by an unblock records who did it (the event's goroutine) and from where. */
  private leave(i: number, st: Transition, prev: Open, tables: GenTables | undefined, now: number): void {
    const unblock = st.from === GO_STATE.Waiting && st.to === GO_STATE.Runnable;
    this.closeG(st.id, prev, now, unblock ? this.t.g[i]! : NO_ID, unblock ? this.stacks.intern(tables, stackOf(this.t, i)) : 0);
    if (prev.p !== NO_ID) {
      // Whatever the goroutine had open on its P (running, or holding it in a syscall) ends too.
      const o = this.procOpen.get(prev.p);
      if (o !== undefined && o.kind !== 0 && o.g === st.id) {
        this.pushP(o.slot, prev.p, o.start, now, o.kind, st.id);
        o.kind = 0;
      }
      if (prev.kind === G_SPAN.Syscall) this.syscallingP.delete(prev.p);
    }
    prev.kind = 0;
  }

  /** The goroutine's record, made (with the next slot) the first time it is seen. */
  private record(id: number, open: Open | undefined): Open {
    if (open !== undefined) return open;
    const made: Open = { slot: this.gSlotIds.length, kind: 0, start: 0, p: NO_ID, stack: 0, reason: 0 };
    this.open.set(id, made);
    this.gSlotIds.push(id);
    return made;
  }

  /** Opens the goroutine's new span (reusing its record: one per goroutine, not one per span). */
  private enter(i: number, st: Transition, open: Open | undefined, tables: GenTables | undefined, now: number): void {
    const kind = gSpanKind(st.to);
    if (kind === 0) return; // gone: its record stays, with nothing open
    const o = this.record(st.id, open);
    const executing = st.to === GO_STATE.Running || st.to === GO_STATE.Syscall;
    o.kind = kind;
    // First seen at a generation's start: it has been in the state since the sync.
    o.start = st.from === GO_STATE.Undetermined ? this.syncTs : now;
    o.p = executing ? this.t.p[i]! : NO_ID;
    o.reason = executing ? 0 : this.stacks.string(tables?.strings.get(st.reason) ?? '');
    o.stack = this.stacks.intern(tables, stackOf(this.t, i));
    if (st.from === GO_STATE.Undetermined && st.to === GO_STATE.Syscall && o.p === NO_ID) {
      // In a syscall without a P since the sync: blocked until now, then (as Go's summary counts it) executing it.
      this.closeG(st.id, { ...o, kind: G_SPAN.SyscallBlocked }, now);
      o.start = now;
    }
    if (o.p === NO_ID) return;
    this.openProc(o.p, st.to === GO_STATE.Running ? P_SPAN.Running : P_SPAN.Syscall, o.start, st.id);
    if (st.to === GO_STATE.Syscall) this.syscallingP.set(o.p, st.id);
  }

  private openProc(p: number, kind: number, start: number, g: number): void {
    const o = this.procOpen.get(p);
    if (o === undefined) {
      this.procOpen.set(p, { slot: this.pSlotIds.length, kind, start, g });
      this.pSlotIds.push(p);
      return;
    }
    if (o.kind !== 0) this.pushP(o.slot, p, o.start, start, o.kind, o.g);
    o.kind = kind;
    o.start = start;
    o.g = g;
  }

  /** A P going idle: whatever ran on it stops; a goroutine in a syscall on it now blocks without it. */
  private proc(i: number, st: Transition): void {
    if (st.from === st.to || st.to !== PROC_STATE.Idle) return;
    const now = this.t.time[i]!;
    const o = this.procOpen.get(st.id);
    if (o !== undefined && o.kind !== 0) {
      this.pushP(o.slot, st.id, o.start, now, o.kind, o.g);
      o.kind = 0;
    }
    const g = this.syscallingP.get(st.id);
    if (g === undefined) return;
    this.syscallingP.delete(st.id);
    const span = this.open.get(g);
    if (span?.kind !== G_SPAN.Syscall) return;
    this.closeG(g, span, now);
    span.kind = G_SPAN.SyscallBlocked;
    span.start = now;
    span.p = NO_ID;
  }

  private gcKey(i: number, tables: GenTables | undefined): { kind: number; key: string; p: number; g: number; name: string } | null {
    const r = range(this.t, i, tables, this.rv);
    const typ = this.t.type[i]!;
    if (typ === EV.STWBegin || typ === EV.STWEnd)
      return { kind: GC_SPAN.STW, key: `stw:${r.scopeId}`, p: NO_ID, g: r.scopeId, name: r.name };
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
    this.pushGC(k.kind, o.start, this.t.time[i]!, o.p, o.g, o.name);
  }

  /** Closes everything still open at the trace's end. */
  finish(end: number): void {
    for (const [g, o] of this.open) if (o.kind !== 0) this.closeG(g, o, end);
    for (const [p, o] of this.procOpen) if (o.kind !== 0) this.pushP(o.slot, p, o.start, end, o.kind, o.g);
    for (const [key, o] of this.gcOpen) this.pushGC(Number(key.split(':')[0]), o.start, end, o.p, o.g, o.name);
  }
}

function gSpanKind(state: number): number {
  switch (state) {
    case GO_STATE.Running:
      return G_SPAN.Running;
    case GO_STATE.Runnable:
      return G_SPAN.Runnable;
    case GO_STATE.Waiting:
      return G_SPAN.Waiting;
    case GO_STATE.Syscall:
      return G_SPAN.Syscall;
    default:
      return 0;
  }
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

  const g = b.gSpans.grouped(G.slot, b.gSlotIds);
  const p = b.pSpans.grouped(P.slot, b.pSlotIds);
  const gs = b.gSpans;
  const ps = b.pSpans;
  const cs = b.gcSpans;
  return {
    start: n > 0 ? t.time[0]! : 0,
    end,
    goroutines: {
      count: gs.n,
      g: gs.col(G.g),
      start: gs.col(G.start),
      end: gs.col(G.end),
      kind: gs.col(G.kind),
      p: gs.col(G.p),
      stack: gs.col(G.stack),
      reason: gs.col(G.reason),
      unblockedBy: gs.col(G.unblockedBy),
      unblockStack: gs.col(G.unblockStack),
    },
    goroutineIds: g.ids,
    goroutineFirst: g.first,
    goroutineSpans: g.order,
    procs: { count: ps.n, p: ps.col(P.p), start: ps.col(P.start), end: ps.col(P.end), kind: ps.col(P.kind), g: ps.col(P.g) },
    procIds: Int32Array.from(p.ids),
    procFirst: p.first,
    procSpans: p.order,
    gc: {
      count: cs.n,
      kind: cs.col(C.kind),
      start: cs.col(C.start),
      end: cs.col(C.end),
      p: cs.col(C.p),
      g: cs.col(C.g),
      name: cs.col(C.name),
    },
    stacks: b.stacks.table(),
    strings: b.stacks.strings,
  };
}
