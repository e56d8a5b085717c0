// What the page and the analysis worker (analysis-worker.ts) say to each
// other: the page asks for one view of a capture, the worker answers with the
// view's data, plain and structured-cloneable, the big arrays transferred.
// Execution traces add their own requests (trace-protocol.ts); every request
// is one of WorkerRequest, told apart by `kind`.
import type { CallGraph } from '../../../../src/analysis/callgraph.ts';
import type { Granularity } from '../../../../src/analysis/granularity.ts';
import type { SourceFile } from '../../../../src/analysis/lines.ts';
import type { ValueType } from '../../../../src/analysis/model.ts';
import type { PeekReport } from '../../../../src/analysis/peek.ts';
import type { FlameColumns } from '../../../../src/analysis/tree.ts';
import type { TracePprofKind } from '../../../../src/trace/pprof.ts';
import type { ParamState, ProfileViewName } from '../state.ts';
import type { TopRows } from './top-rows.ts';
import type { TimelineClose, TimelineHit, TimelineOpen, TimelineViewport, TraceRequest } from './trace-protocol.ts';

/** The label a merged capture puts on each sample. */
export const POD_LABEL = 'pod';
/** Graphviz slows down sharply past a few hundred nodes. */
export const MAX_GRAPH_NODES = 400;

/** When a profile was decoded, as epoch milliseconds (the page converts them to its own timeline). */
export interface DecodeTime {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

export interface ViewRequest {
  readonly kind: 'view';
  readonly id: string;
  readonly view: ProfileViewName;
  readonly params: ParamState;
  /**
   * A trace capture's blocking profile instead of the capture's profile: the
   * gateway's derived/trace-<kind>.pb.gz, or (a capture stored before the
   * gateway derived them) the profile computed from its trace.
   */
  readonly tracePprof?: TracePprofKind;
  /** The capture has no derived profiles: compute tracePprof from its trace at once (a base capture is probed). */
  readonly fromTrace?: boolean;
}

/**
 * A profile file the user opened in this page (dropped or picked): the worker decodes it and keeps it under `id`
 * (never fetched, never sent anywhere); views then ask for it by that id like for a capture.
 */
export interface LocalOpen {
  readonly kind: 'local-open';
  readonly id: string;
  /** Transferred: the page keeps its own copy (for an explicit upload). */
  readonly bytes: ArrayBuffer;
}

export type LocalAnswer =
  | { readonly ok: true; readonly sampleTypes: readonly string[]; readonly decoded: DecodeTime }
  | { readonly ok: false; readonly message: string };

/** Stops request `target`'s download (the page's Cancel); its answer, if any, is dropped. */
export interface CancelRequest {
  readonly kind: 'cancel';
  readonly target: number;
}

export type WorkerRequest =
  ViewRequest | LocalOpen | TraceRequest | TimelineOpen | TimelineViewport | TimelineHit | TimelineClose | CancelRequest;

/** What every view shows around its data (toolbar, warnings, empty states). */
export interface Summary {
  readonly sampleTypes: readonly ValueType[];
  readonly valueIndex: number;
  readonly sampleType: ValueType;
  readonly granularity: Granularity;
  /** The report total (percentages are of it). */
  readonly total: number;
  readonly warnings: readonly string[];
  /** Samples carry pod labels (a merged capture). */
  readonly merged: boolean;
  /** Every string label key on the samples (pod, and pprof.Do labels), sorted. */
  readonly labelKeys: readonly string[];
  /** 'filtered': the filters left no sample; 'none': the profile has none of this type. */
  readonly empty: 'no' | 'filtered' | 'none';
}

export interface TopData {
  readonly view: 'top';
  readonly legend: readonly string[];
  /** Sorted and filtered by the search; packed (top-rows.ts), its starts transferred. */
  readonly rows: TopRows;
  readonly allRows: number;
}

export interface FlameData {
  readonly view: 'flame';
  readonly columns: FlameColumns;
  readonly names: readonly string[];
  /** Each node's x and width as fractions of the root. */
  readonly x: Float64Array;
  readonly w: Float64Array;
  /** Signed totals (growth or shrinkage), only for a diff. */
  readonly delta: Float64Array | undefined;
  /** 1 for the nodes the search matches, only with a search. */
  readonly matches: Uint8Array | undefined;
  readonly matchedTotal: number;
  readonly maxDepth: number;
  /** Worker time (epoch ms) at which the flame tree's build began, and at which the tree and its layout were done. */
  readonly startedAt: number;
  readonly builtAt: number;
}

export interface GraphData {
  readonly view: 'graph';
  readonly graph: CallGraph;
  /** The nodes the search (q) matches, by index: drawn highlighted. */
  readonly matches: readonly number[];
}

export interface PeekData {
  readonly view: 'peek';
  readonly report: PeekReport;
  readonly regex: string;
}

export interface SourceData {
  readonly view: 'source';
  readonly files: readonly SourceFile[];
}

export interface PodsData {
  readonly view: 'pods';
  /** The label broken down (pod by default). */
  readonly key: string;
  /** Total per value of the label, heaviest first. */
  readonly totals: readonly (readonly [string, number])[];
}

/** A bad regex in the view's own parameters (search, pivot, peek). */
export interface BadRegex {
  readonly view: 'error';
  readonly title: string;
  readonly message: string;
}

export type ViewData = TopData | FlameData | GraphData | PeekData | SourceData | PodsData | BadRegex;

export type ViewAnswer =
  | { readonly ok: true; readonly summary: Summary; readonly data: ViewData | undefined; readonly decoded: readonly DecodeTime[] }
  | { readonly ok: false; readonly stage: 'profile' | 'options' | 'cancelled'; readonly message: string };

export interface Envelope<T> {
  readonly seq: number;
  readonly body: T;
}

/** What a request's work has come to, before its answer (a trace's download and parse; a profile's download, decode and analysis). */
export interface Progress {
  readonly stage: 'download' | 'parse' | 'summary' | 'timeline' | 'decode' | 'analyse';
  /** Bytes downloaded so far, and of how many (0: unknown). */
  readonly loaded?: number;
  readonly total?: number;
}

/** From the worker: a request's answer, or its progress (several, then the answer). */
export type WorkerMessage<T> = Envelope<T> | { readonly seq: number; readonly progress: Progress };
