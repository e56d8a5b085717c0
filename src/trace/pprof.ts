// The four pprof profiles `go tool trace -pprof=net|sync|syscall|sched`
// writes (cmd/trace/pprof.go, internal/trace/traceviewer BuildProfile): for
// each goroutine, every interval it spent in one state (waiting on the
// network; waiting on a channel, mutex or select; in a syscall; runnable but
// not running), counted once and timed, under the stack of the event that
// put it there. Go's quirks are kept: the interval is clipped to the
// goroutine's life in the trace (start of its first run to its end, or the
// trace's end), a goroutine that never ran counts from time 0, stacks are
// told apart by their first 128 PCs (zero-padded, so trailing zero PCs do
// not count), and a merged stack shows the frames of the latest generation
// it was seen in. Pure and isomorphic; encode with src/profile/write-profile.
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { TraceError } from './error.ts';
import { GenerationCursor, KIND, KIND_OF, newTransition, RESOURCE, stackOf, transition, type Transition } from './event-view.ts';
import { generationOf, type ParsedTrace } from './events.ts';
import { GO_STATE } from './spec.ts';
import type { Summary } from './summary.ts';
import type { GenTables } from './tables.ts';

export type TracePprofKind = 'net' | 'sync' | 'syscall' | 'sched';

/** Which goroutine state each profile times, and for which block reasons. */
interface KindSpec {
  readonly state: number;
  readonly reason: (r: string) => boolean;
}

const KINDS: Readonly<Record<TracePprofKind, KindSpec>> = {
  net: { state: GO_STATE.Waiting, reason: (r) => r === 'network' },
  sync: { state: GO_STATE.Waiting, reason: (r) => r.includes('chan') || r.includes('sync') || r.includes('select') },
  syscall: { state: GO_STATE.Syscall, reason: () => true },
  sched: { state: GO_STATE.Runnable, reason: () => true },
};

/** One stack of a profile with its count and total time (traceviewer.ProfileRecord). */
export interface TraceProfileRecord {
  /** The stack's frames, leaf first. */
  readonly frames: readonly { pc: number; func: string; file: string; line: number }[];
  count: number;
  /** Nanoseconds. */
  time: number;
}

const MAX_STACK = 128; // cmd/trace's pprofMaxStack

interface Entry {
  rec: TraceProfileRecord;
  tables: GenTables | undefined;
  stack: number;
  /** The one (generation, stack ID) handle the record is known by. */
  handle: string;
}

/** cmd/trace's stackMap: one record per stack, merged by PCs, keeping the latest stack seen. */
class StackMap {
  private readonly byHandle = new Map<string, Entry>();
  private readonly byPcs = new Map<string, Entry>();
  readonly order: Entry[] = [];

  get(gen: number, tables: GenTables | undefined, stack: number): TraceProfileRecord {
    const handle = `${gen}:${stack}`;
    const known = this.byHandle.get(handle);
    if (known !== undefined) return known.rec;
    const pcs = (tables?.stacks.get(stack) ?? []).slice(0, MAX_STACK);
    while (pcs.length > 0 && pcs[pcs.length - 1] === 0) pcs.pop(); // zero padding makes trailing zeros vanish
    const key = pcs.join(',');
    let entry = this.byPcs.get(key);
    if (entry === undefined) {
      entry = { rec: { frames: [], count: 0, time: 0 }, tables, stack, handle };
      this.byPcs.set(key, entry);
      this.order.push(entry);
    } else {
      // The newest stack wins: the trace is read in order, so it is the one seen again.
      this.byHandle.delete(entry.handle);
      entry.tables = tables;
      entry.stack = stack;
      entry.handle = handle;
    }
    this.byHandle.set(handle, entry);
    return entry.rec;
  }

  records(): TraceProfileRecord[] {
    return this.order.map((e) => ({ ...e.rec, frames: frames(e.tables, e.stack) }));
  }
}

function frames(tables: GenTables | undefined, stack: number): TraceProfileRecord['frames'] {
  const pcs = tables?.stacks.get(stack) ?? [];
  return pcs.slice(0, MAX_STACK + 1).map((pc) => {
    const f = tables!.frames.get(pc);
    return {
      pc,
      func: f ? (tables!.strings.get(f.funcId) ?? '') : '',
      file: f ? (tables!.strings.get(f.fileId) ?? '') : '',
      line: f?.line ?? 0,
    };
  });
}

/** Each goroutine's life in the trace: [first run (0 if none), end or the trace's end], by its summary slot. */
class Lifetimes {
  readonly slot: ReadonlyMap<number, number>;
  readonly start: Float64Array;
  readonly end: Float64Array;

  constructor(t: ParsedTrace, summary: Summary) {
    const g = summary.table;
    const traceEnd = t.time[t.validCount - 1]!;
    this.slot = g.slots;
    this.start = g.startTime;
    this.end = new Float64Array(g.size);
    for (const s of g.slots.values()) this.end[s] = g.endTime[s] === 0 ? traceEnd : g.endTime[s]!;
  }

  /** cmd/trace's interval.overlap with the goroutine's life: the inclusive-bounds intersection's length. */
  overlap(slot: number, start: number, end: number): number {
    const s = this.start[slot]!;
    const e = this.end[slot]!;
    if (e < start || end < s) return 0;
    return Math.min(e, end) - Math.max(s, start);
  }
}

/** One pass of cmd/trace's makeComputePprofFunc for several kinds at once. */
class ProfilePass {
  private readonly lives: Lifetimes;
  private readonly specs: readonly KindSpec[];
  readonly stacks: readonly StackMap[];
  /** Per goroutine slot and kind, the index of the event that put it in the kind's state (-1: not there). */
  private readonly tracking: Float64Array;

  constructor(
    private readonly t: ParsedTrace,
    summary: Summary,
    kinds: readonly TracePprofKind[],
  ) {
    this.lives = new Lifetimes(t, summary);
    this.specs = kinds.map((k) => KINDS[k]);
    this.stacks = kinds.map(() => new StackMap());
    this.tracking = new Float64Array(summary.table.size * kinds.length).fill(-1);
  }

  /** A goroutine's transition at event i, through each profile's tracking. */
  transition(i: number, st: Transition, tables: GenTables | undefined): void {
    const t = this.t;
    const slot = this.lives.slot.get(st.id);
    if (slot === undefined) return; // the summary saw every goroutine the events name
    const n = this.specs.length;
    for (let k = 0; k < n; k++) {
      const { state, reason } = this.specs[k]!;
      const started = this.tracking[slot * n + k]!;
      if (started < 0) {
        if (st.to === state && reason(tables?.strings.get(st.reason) ?? '')) this.tracking[slot * n + k] = i;
        continue;
      }
      if (st.to === state) continue; // still in the state
      this.tracking[slot * n + k] = -1;
      const d = this.lives.overlap(slot, t.time[started]!, t.time[i]!);
      if (d <= 0) continue;
      const gen = generationOf(t, started);
      const rec = this.stacks[k]!.get(gen, t.generations[gen], stackOf(t, started));
      rec.count++;
      rec.time += d;
    }
  }
}

/**
 * The records of several profiles in one pass over the events cmd/trace
 * keeps (makeComputePprofFunc over pprofMatchingGoroutines("") for each kind).
 */
export function traceProfiles(
  t: ParsedTrace,
  summary: Summary,
  kinds: readonly TracePprofKind[] = ['net', 'sync', 'syscall', 'sched'],
): Map<TracePprofKind, TraceProfileRecord[]> {
  if (t.validCount === 0) throw new TraceError('format', `failed to parse any useful part of the trace: ${t.error?.message ?? ''}`);
  // cmd/trace asks for the goroutines named "" (all of them) and refuses when there are none.
  if (summary.table.slots.size === 0) throw new TraceError('format', 'failed to find matching goroutines for name: ');
  const pass = new ProfilePass(t, summary, kinds);
  const tr = newTransition();
  const gc = new GenerationCursor(t);
  for (let i = 0; i < t.validCount; i++) {
    gc.at(i);
    if (KIND_OF[t.type[i]!] !== KIND.StateTransition) continue;
    const st = transition(t, i, tr);
    if (st.resource === RESOURCE.Goroutine) pass.transition(i, st, gc.tables);
  }
  return new Map(kinds.map((k, n) => [k, pass.stacks[n]!.records()]));
}

/** The records of one profile. */
export function traceProfileRecords(t: ParsedTrace, kind: TracePprofKind, summary: Summary): TraceProfileRecord[] {
  return traceProfiles(t, summary, [kind]).get(kind)!;
}

/** traceviewer.BuildProfile: a location per PC (its first frame), a function per file and name. */
export function buildTraceProfile(records: readonly TraceProfileRecord[]): Profile {
  const st = new StringTable();
  const locs = new Map<number, Location>();
  const funcs = new Map<string, PFunction>();
  const functions: PFunction[] = [];
  const locations: Location[] = [];
  const samples: Sample[] = [];
  for (const rec of records) {
    const ids: number[] = [];
    for (const f of rec.frames) {
      let loc = locs.get(f.pc);
      if (loc === undefined) {
        let fn = funcs.get(f.file + f.func);
        if (fn === undefined) {
          fn = new PFunction({
            id: functions.length + 1,
            name: st.dedup(f.func),
            systemName: st.dedup(f.func),
            filename: st.dedup(f.file),
          });
          functions.push(fn);
          funcs.set(f.file + f.func, fn);
        }
        loc = new Location({ id: locations.length + 1, address: f.pc, line: [new Line({ functionId: fn.id, line: f.line })] });
        locations.push(loc);
        locs.set(f.pc, loc);
      }
      ids.push(Number(loc.id));
    }
    samples.push(new Sample({ locationId: ids, value: [rec.count, rec.time] }));
  }
  return new Profile({
    sampleType: [
      new ValueType({ type: st.dedup('contentions'), unit: st.dedup('count') }),
      new ValueType({ type: st.dedup('delay'), unit: st.dedup('nanoseconds') }),
    ],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
    periodType: new ValueType({ type: st.dedup('trace'), unit: st.dedup('count') }),
    period: 1,
  });
}

/** One of `go tool trace -pprof=…`'s profiles, as a pprof Profile. */
export function tracePprof(t: ParsedTrace, kind: TracePprofKind, summary: Summary): Profile {
  return buildTraceProfile(traceProfileRecords(t, kind, summary));
}

/** All four profiles in one pass over the events. */
export function tracePprofs(t: ParsedTrace, summary: Summary): Record<TracePprofKind, Profile> {
  const all = traceProfiles(t, summary);
  return {
    net: buildTraceProfile(all.get('net')!),
    sync: buildTraceProfile(all.get('sync')!),
    syscall: buildTraceProfile(all.get('syscall')!),
    sched: buildTraceProfile(all.get('sched')!),
  };
}
