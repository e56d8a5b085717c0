// What the page and the analysis worker say about execution traces: a trace
// view's request and answer (goroutines, tasks and regions, MMU, pods side by
// side), and the timeline's messages (the page hands the worker an
// OffscreenCanvas, then sends it the window to draw and asks what is under
// the pointer). Plain, structured-cloneable data; big columns as typed arrays.
import type { TimeSplit } from '../../../../src/trace/goroutine-groups.ts';
import type { ParamState, TraceViewName } from '../state.ts';

export interface TraceRequest {
  readonly kind: 'trace';
  readonly id: string;
  /** Whose trace (a workload's capture holds one per pod); undefined: the capture's trace.out. */
  readonly pod: string | undefined;
  readonly view: Exclude<TraceViewName, 'timeline'>;
  readonly params: ParamState;
}

/** What the parsed trace is, shown above its views. */
export interface TraceInfo {
  readonly bytes: number;
  readonly events: number;
  readonly goroutines: number;
  /** From the first event kept to the last. */
  readonly durationNs: number;
  /** The Go version whose format it is (1.22 → 22). */
  readonly version: number;
  readonly warnings: readonly string[];
  /** When the worker parsed it (epoch ms), once per capture and pod. */
  readonly parsed: { readonly start: number; readonly end: number };
}

export interface GroupRow {
  readonly name: string;
  readonly count: number;
  readonly execution_ns: number;
  readonly sched_wait_ns: number;
  readonly syscall_ns: number;
  readonly block_ns: Readonly<Record<string, number>>;
}

/** The goroutine groups (by start function), sorted as the URL says. */
export interface GoroutineGroupsData {
  readonly view: 'goroutines';
  readonly kind: 'groups';
  /** Every block reason of any group, in column order. */
  readonly reasons: readonly string[];
  readonly groups: readonly GroupRow[];
  readonly goroutines: number;
}

/** One group's goroutines as columns: goroutine i's value of column k is values[i * columns.length + k]. */
export interface GoroutineListData {
  readonly view: 'goroutines';
  readonly kind: 'list';
  readonly group: string;
  readonly reasons: readonly string[];
  /** Column keys: total, exec, sched, syscall, block:<reason>…, unknown, created, started, ended (NaN: none). */
  readonly columns: readonly string[];
  readonly ids: Float64Array;
  readonly values: Float64Array;
}

/** Durations in Go's log buckets, five per power of ten (traceviewer.TimeHistogram). */
export interface Histogram {
  /** The first bucket's index (bucket i holds durations from bucketMin(i) up to bucketMin(i + 1)). */
  readonly first: number;
  readonly counts: readonly number[];
  readonly count: number;
}

export interface TaskType {
  readonly name: string;
  /** Complete and incomplete. */
  readonly count: number;
  /** Of complete tasks only, as Go's page counts them. */
  readonly histogram: Histogram;
}

export interface RegionType {
  readonly name: string;
  /** Where the regions began (the root frame of their begin's stack). */
  readonly func: string;
  readonly pc: number;
  readonly count: number;
  readonly histogram: Histogram;
}

export interface TaskRow {
  readonly id: number;
  readonly parent: number | null;
  readonly start_ns: number | null;
  readonly end_ns: number | null;
  readonly duration_ns: number;
  readonly complete: boolean;
  readonly goroutines: readonly number[];
  readonly logs: number;
  readonly regions: number;
}

export interface RegionRow {
  readonly goroutine: number;
  readonly task: number;
  readonly start_ns: number | null;
  readonly end_ns: number | null;
  readonly duration_ns: number;
  readonly stats: TimeSplit;
}

export interface TasksData {
  readonly view: 'tasks';
  /** The trace's first and last event (a task or region missing its begin or end stands from or to them). */
  readonly bounds: readonly [number, number];
  readonly taskTypes: readonly TaskType[];
  readonly regionTypes: readonly RegionType[];
  /** The tasks of one type (in one duration bucket), when the URL names a type. */
  readonly tasks?: { readonly name: string; readonly bucket: number | undefined; readonly rows: readonly TaskRow[] };
  readonly regions?: {
    readonly name: string;
    readonly func: string;
    readonly bucket: number | undefined;
    readonly rows: readonly RegionRow[];
  };
}

export interface MmuData {
  readonly view: 'mmu';
  /** Go's flag names: stw, background, assist, sweep, perProc. */
  readonly flags: readonly string[];
  /** No GOMAXPROCS event: nothing to plot. */
  readonly empty: boolean;
  readonly xMin: number;
  readonly xMax: number;
  /** [window ns, MMU, then the utilization at each quantile]. */
  readonly curve: readonly (readonly number[])[];
  readonly quantiles: readonly number[] | null;
  /** The lowest-utilization windows of the size the URL picked. */
  readonly worst?: { readonly window: number; readonly windows: readonly { readonly time: number; readonly util: number }[] };
}

/** One figure per pod. */
export interface PodFigures {
  readonly key: string;
  readonly label: string;
  /** null: the pod has no such group. */
  readonly values: readonly (number | null)[];
}

export interface CompareData {
  readonly view: 'compare';
  readonly pods: readonly string[];
  /** Each pod's totals: goroutines, execution, scheduler wait, syscall, and block time by reason. */
  readonly totals: readonly PodFigures[];
  /** The metric the groups table shows (a totals key), and the choices. */
  readonly metric: string;
  readonly metrics: readonly { readonly key: string; readonly label: string }[];
  /** Each goroutine group's figure of that metric per pod, the largest first. */
  readonly groups: readonly PodFigures[];
}

export type TraceViewData = GoroutineGroupsData | GoroutineListData | TasksData | MmuData | CompareData;

export type TraceAnswer =
  | { readonly ok: true; readonly info: TraceInfo | undefined; readonly data: TraceViewData }
  | { readonly ok: false; readonly title: string; readonly message: string };

// The timeline.

/** The canvas's size in CSS pixels, and the device pixel ratio. */
export interface CanvasSize {
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
}

/** What the page shows: a window of time and how far down the goroutine lanes it has scrolled. */
export interface TimelineWindow {
  readonly t0: number;
  readonly t1: number;
  readonly scrollTop: number;
}

export interface TimelineOpen {
  readonly kind: 'timeline-open';
  readonly id: string;
  readonly pod: string | undefined;
  readonly canvas: OffscreenCanvas;
  /** group, gid, t0 and t1 from the URL. */
  readonly params: ParamState;
  readonly size: CanvasSize;
  readonly dark: boolean;
}

/** The page's window changed (no answer: the worker draws it on its next frame). */
export interface TimelineViewport {
  readonly kind: 'timeline-view';
  readonly window: TimelineWindow;
  readonly size: CanvasSize;
  /** The span under the pointer, and the one clicked, outlined. */
  readonly hover: LanePoint | undefined;
  readonly selected: LanePoint | undefined;
}

/** A point on a lane, and how far (ns) a span may be from it and still count as under it. */
export interface LanePoint {
  readonly lane: number;
  readonly time: number;
  readonly slack: number;
}

/** What is in lane `lane` at `time` (or within `slack` ns of it). */
export interface TimelineHit {
  readonly kind: 'timeline-hit';
  readonly lane: number;
  readonly time: number;
  readonly slack: number;
}

export interface TimelineClose {
  readonly kind: 'timeline-close';
}

/** Where things are on the timeline's canvas; lanes 0 .. fixedLanes - 1 stay put, the others scroll. */
export interface TimelineLayout {
  /** The trace's first and last event. */
  readonly start: number;
  readonly end: number;
  /** The window drawn first. */
  readonly t0: number;
  readonly t1: number;
  /** The GC lane and one lane per P. */
  readonly fixedLanes: number;
  readonly goroutineLanes: number;
  /** The lane of the goroutine the URL names (gid), or -1. */
  readonly focusLane: number;
  readonly axisHeight: number;
  readonly rowHeight: number;
  readonly gutter: number;
}

export type TimelineAnswer =
  | {
      readonly ok: true;
      readonly info: TraceInfo;
      readonly layout: TimelineLayout;
      /**
       * Epoch ms: when the timeline's build began (after the parse), when its spans were built, when the lanes
       * were laid out (the model) and when its first frame was drawn.
       */
      readonly startedAt: number;
      readonly builtAt: number;
      readonly modelledAt: number;
      readonly paintedAt: number;
    }
  | { readonly ok: false; readonly title: string; readonly message: string };

export interface StackFrame {
  readonly func: string;
  readonly file: string;
  readonly line: number;
}

export interface GoroutineRef {
  readonly id: number;
  readonly name: string;
}

/** A span of the timeline, described. */
export interface SpanDetail {
  /** What the lane is: "G12 main.worker", "Proc 3", "GC". */
  readonly lane: string;
  /** running, runnable, waiting, syscall, blocked in syscall; or for a P: running G…, in syscall; or a GC phase. */
  readonly state: string;
  readonly start: number;
  readonly end: number;
  /** Why it waited or was runnable ("chan receive", "preempted"…), or the GC range's name. */
  readonly reason: string;
  readonly goroutine: GoroutineRef | undefined;
  readonly proc: number | undefined;
  /** Where the span began: the block, the syscall, or the unblock that made it runnable. */
  readonly stack: readonly StackFrame[];
  /** Who ended the wait, and from where. */
  readonly unblockedBy: GoroutineRef | undefined;
  readonly unblockStack: readonly StackFrame[];
}

export type HitAnswer = { readonly ok: true; readonly span: SpanDetail | undefined } | { readonly ok: false; readonly message: string };
