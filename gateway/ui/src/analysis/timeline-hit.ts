// What is at a point of the timeline: the span of a lane at a time (or the
// nearest within a few pixels' worth of ns), and that span described for the
// page: its state and times, why it waited, the stack where it began, and
// which goroutine ended the wait and from where. In the worker.
import { stackFrames } from '../../../../src/trace/stack-table.ts';
import { G_SPAN, GC_SPAN, P_SPAN } from '../../../../src/trace/timeline.ts';
import { NO_NAME } from '../state.ts';
import type { TimelineModel } from './timeline-model.ts';
import type { GoroutineRef, SpanDetail, StackFrame } from './trace-protocol.ts';

/** The first k in [lo, hi) whose span ends after t (spans in time order, not overlapping), or hi. */
export function firstEndingAfter(order: Uint32Array, lo: number, hi: number, end: Float64Array, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end[order[mid]!]! > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The span of order[lo..hi) at t: the one holding it, else the nearest within slack; -1 if none. */
export function spanAt(
  order: Uint32Array,
  lo: number,
  hi: number,
  start: Float64Array,
  end: Float64Array,
  t: number,
  slack: number,
): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let k = firstEndingAfter(order, lo, hi, end, t - slack); k < hi; k++) {
    const s = order[k]!;
    if (start[s]! > t + slack) break;
    if (start[s]! <= t && t < end[s]!) return s;
    const d = t < start[s]! ? start[s]! - t : t - end[s]!;
    if (d < bestDistance) {
      best = s;
      bestDistance = d;
    }
  }
  return best;
}

export type LaneKind = { kind: 'gc' } | { kind: 'proc'; index: number } | { kind: 'goroutine'; index: number } | { kind: 'none' };

export function laneKind(m: TimelineModel, lane: number): LaneKind {
  const procs = m.tl.procIds.length;
  if (lane === 0) return { kind: 'gc' };
  if (lane <= procs) return { kind: 'proc', index: lane - 1 };
  const g = lane - 1 - procs;
  return g >= 0 && g < m.lanes.length ? { kind: 'goroutine', index: g } : { kind: 'none' };
}

/** The span under a point, as [start, end] (for the outline), or undefined. */
export function spanBounds(m: TimelineModel, lane: number, t: number, slack: number): [number, number] | undefined {
  const tl = m.tl;
  const l = laneKind(m, lane);
  let found: { start: Float64Array; end: Float64Array; s: number } | undefined;
  if (l.kind === 'goroutine') {
    const k = m.lanes[l.index]!;
    const s = spanAt(tl.goroutineSpans, tl.goroutineFirst[k]!, tl.goroutineFirst[k + 1]!, tl.goroutines.start, tl.goroutines.end, t, slack);
    found = { start: tl.goroutines.start, end: tl.goroutines.end, s };
  } else if (l.kind === 'proc') {
    const s = spanAt(tl.procSpans, tl.procFirst[l.index]!, tl.procFirst[l.index + 1]!, tl.procs.start, tl.procs.end, t, slack);
    found = { start: tl.procs.start, end: tl.procs.end, s };
  } else if (l.kind === 'gc') {
    const s = gcAt(m, t, slack);
    found = { start: tl.gc.start, end: tl.gc.end, s };
  }
  if (!found || found.s < 0) return undefined;
  return [found.start[found.s]!, found.end[found.s]!];
}

function gcAt(m: TimelineModel, t: number, slack: number): number {
  const gc = m.tl.gc;
  const stw = spanAt(m.stws, 0, m.stws.length, gc.start, gc.end, t, slack);
  return stw >= 0 ? stw : spanAt(m.marks, 0, m.marks.length, gc.start, gc.end, t, slack);
}

const G_STATES: Readonly<Record<number, string>> = {
  [G_SPAN.Running]: 'running',
  [G_SPAN.Runnable]: 'runnable',
  [G_SPAN.Waiting]: 'waiting',
  [G_SPAN.Syscall]: 'in a syscall',
  [G_SPAN.SyscallBlocked]: 'blocked in a syscall',
};

function frames(m: TimelineModel, stack: number): StackFrame[] {
  return stackFrames(m.tl.stacks, stack).map((f) => ({ func: f.func, file: f.file, line: f.line }));
}

function ref(m: TimelineModel, g: number): GoroutineRef | undefined {
  return g < 0 ? undefined : { id: g, name: m.nameOf(g) };
}

function goroutineSpan(m: TimelineModel, s: number, lane: string): SpanDetail {
  const c = m.tl.goroutines;
  return {
    lane,
    state: G_STATES[c.kind[s]!] ?? 'unknown',
    start: c.start[s]!,
    end: c.end[s]!,
    reason: m.tl.strings[c.reason[s]!] ?? '',
    goroutine: ref(m, c.g[s]!),
    proc: c.p[s]! >= 0 ? c.p[s]! : undefined,
    stack: frames(m, c.stack[s]!),
    unblockedBy: ref(m, c.unblockedBy[s]!),
    unblockStack: frames(m, c.unblockStack[s]!),
  };
}

/** The goroutine's own span at t (what a P lane's span stands for). */
function ownSpan(m: TimelineModel, g: number, t: number): number {
  const tl = m.tl;
  const ids = tl.goroutineIds;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < g) lo = mid + 1;
    else hi = mid;
  }
  if (ids[lo] !== g) return -1;
  return spanAt(tl.goroutineSpans, tl.goroutineFirst[lo]!, tl.goroutineFirst[lo + 1]!, tl.goroutines.start, tl.goroutines.end, t, 0);
}

function procSpan(m: TimelineModel, index: number, s: number): SpanDetail {
  const c = m.tl.procs;
  const p = m.tl.procIds[index]!;
  const g = c.g[s]!;
  const lane = `Proc ${p}`;
  const own = ownSpan(m, g, (c.start[s]! + c.end[s]!) / 2);
  const base = own >= 0 ? goroutineSpan(m, own, lane) : undefined;
  return {
    lane,
    state: c.kind[s] === P_SPAN.Syscall ? `G${g} in a syscall` : `running G${g}`,
    start: c.start[s]!,
    end: c.end[s]!,
    reason: base?.reason ?? '',
    goroutine: ref(m, g),
    proc: p,
    stack: base?.stack ?? [],
    unblockedBy: undefined,
    unblockStack: [],
  };
}

function gcSpan(m: TimelineModel, s: number): SpanDetail {
  const c = m.tl.gc;
  const names: Readonly<Record<number, string>> = { [GC_SPAN.Mark]: 'GC mark phase', [GC_SPAN.STW]: 'stop-the-world' };
  return {
    lane: 'GC',
    state: names[c.kind[s]!] ?? 'GC',
    start: c.start[s]!,
    end: c.end[s]!,
    reason: m.tl.strings[c.name[s]!] ?? '',
    goroutine: ref(m, c.g[s]!),
    proc: undefined,
    stack: [],
    unblockedBy: undefined,
    unblockStack: [],
  };
}

/** The span at a lane and time, described; undefined when the lane has none there. */
export function describeSpan(m: TimelineModel, lane: number, t: number, slack: number): SpanDetail | undefined {
  const tl = m.tl;
  const l = laneKind(m, lane);
  if (l.kind === 'goroutine') {
    const k = m.lanes[l.index]!;
    const s = spanAt(tl.goroutineSpans, tl.goroutineFirst[k]!, tl.goroutineFirst[k + 1]!, tl.goroutines.start, tl.goroutines.end, t, slack);
    return s < 0 ? undefined : goroutineSpan(m, s, m.laneLabels[l.index] ?? NO_NAME);
  }
  if (l.kind === 'proc') {
    const s = spanAt(tl.procSpans, tl.procFirst[l.index]!, tl.procFirst[l.index + 1]!, tl.procs.start, tl.procs.end, t, slack);
    return s < 0 ? undefined : procSpan(m, l.index, s);
  }
  if (l.kind === 'gc') {
    const s = gcAt(m, t, slack);
    return s < 0 ? undefined : gcSpan(m, s);
  }
  return undefined;
}
