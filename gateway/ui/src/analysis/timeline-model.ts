// The timeline's lanes, made in the worker from the trace's timeline
// (src/trace/timeline.ts) and goroutine summary: a GC lane, one lane per P,
// then one per goroutine (all of them, one group's, or one), and what the
// drawing needs at hand: each P span's colour (by its goroutine's start
// function), the GC spans of each lane in time order, and each lane's label.
import type { Summary } from '../../../../src/trace/summary.ts';
import { GC_SPAN, P_SPAN, type Timeline } from '../../../../src/trace/timeline.ts';
import { NO_NAME, nameOfParam, numberParam, type ParamState } from '../state.ts';
import { COLOUR, GOROUTINE_HUES } from './timeline-palette.ts';

export interface TimelineModel {
  readonly tl: Timeline;
  readonly start: number;
  readonly end: number;
  /** Goroutine lane i shows goroutine tl.goroutineIds[lanes[i]]. */
  readonly lanes: Uint32Array;
  readonly laneLabels: readonly string[];
  /** Each P span's colour. */
  readonly procColour: Uint8Array;
  /** GC spans in time order: mark phases, stop-the-world pauses; sweeps by P, assists by goroutine. */
  readonly marks: Uint32Array;
  readonly stws: Uint32Array;
  readonly sweeps: ReadonlyMap<number, Uint32Array>;
  readonly assists: ReadonlyMap<number, Uint32Array>;
  /** The goroutine lane of the goroutine the URL names (gid), or -1. */
  readonly focus: number;
  /** A goroutine's start function ("" when unknown). */
  nameOf(g: number): string;
}

function hash(s: string): number {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return x >>> 0;
}

/** Goroutine IDs to their start function, from the summary's columns. */
function namer(summary: Summary): (g: number) => string {
  const t = summary.table;
  return (g) => {
    const slot = t.slots.get(g);
    return slot === undefined ? '' : (t.names[slot] ?? '');
  };
}

function byStart(tl: Timeline, keep: (i: number) => boolean): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < tl.gc.count; i++) if (keep(i)) out.push(i);
  return Uint32Array.from(out.sort((a, b) => tl.gc.start[a]! - tl.gc.start[b]!));
}

function grouped(tl: Timeline, kind: number, key: (i: number) => number): Map<number, Uint32Array> {
  const lists = new Map<number, number[]>();
  for (let i = 0; i < tl.gc.count; i++) {
    if (tl.gc.kind[i] !== kind) continue;
    const k = key(i);
    const l = lists.get(k);
    if (l) l.push(i);
    else lists.set(k, [i]);
  }
  return new Map([...lists].map(([k, l]) => [k, Uint32Array.from(l.sort((a, b) => tl.gc.start[a]! - tl.gc.start[b]!))]));
}

/** Which goroutine lanes the URL asks for: one goroutine (gid), one group (group), or all with spans. */
function laneFilter(params: ParamState, nameOf: (g: number) => string): (g: number) => boolean {
  const gid = numberParam(params.gid);
  if (gid !== undefined) return (g) => g === gid;
  if (params.group !== undefined) {
    const name = nameOfParam(params.group);
    return (g) => nameOf(g) === name;
  }
  return () => true;
}

export function timelineModel(tl: Timeline, summary: Summary, params: ParamState): TimelineModel {
  const nameOf = namer(summary);
  const keep = laneFilter(params, nameOf);
  const lanes: number[] = [];
  const laneLabels: string[] = [];
  for (let k = 0; k < tl.goroutineIds.length; k++) {
    const g = tl.goroutineIds[k]!;
    if (tl.goroutineFirst[k] === tl.goroutineFirst[k + 1] || !keep(g)) continue;
    lanes.push(k);
    laneLabels.push(`G${g} ${nameOf(g) || NO_NAME}`);
  }
  const hues = new Map<string, number>();
  const hueOf = (g: number): number => {
    const name = nameOf(g);
    let h = hues.get(name);
    if (h === undefined) hues.set(name, (h = hash(name) % GOROUTINE_HUES));
    return h;
  };
  const procColour = new Uint8Array(tl.procs.count);
  for (let i = 0; i < tl.procs.count; i++) procColour[i] = tl.procs.kind[i] === P_SPAN.Syscall ? COLOUR.ProcSyscall : hueOf(tl.procs.g[i]!);
  const gid = numberParam(params.gid);
  return {
    tl,
    start: tl.start,
    end: tl.end,
    lanes: Uint32Array.from(lanes),
    laneLabels,
    procColour,
    marks: byStart(tl, (i) => tl.gc.kind[i] === GC_SPAN.Mark),
    stws: byStart(tl, (i) => tl.gc.kind[i] === GC_SPAN.STW),
    sweeps: grouped(tl, GC_SPAN.Sweep, (i) => tl.gc.p[i]!),
    assists: grouped(tl, GC_SPAN.Assist, (i) => tl.gc.g[i]!),
    focus: gid === undefined ? -1 : lanes.findIndex((k) => tl.goroutineIds[k] === gid),
    nameOf,
  };
}
