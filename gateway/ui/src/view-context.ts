// What every view of a capture gets: the summary of the decoded profile (from
// the analysis worker), the URL state and a way to change it.
import type { CaptureMeta } from '../../../src/api/types.ts';
import type { Summary } from './analysis/protocol.ts';
import type { ParamState, ViewName } from './state.ts';

export interface ViewContext {
  readonly capture: CaptureMeta;
  readonly summary: Summary;
  readonly params: ParamState;
  readonly diff: boolean;
  /** A file opened in this page (no stored capture): nothing about it is fetched from the gateway (no source code). */
  readonly local: boolean;
  /** A link to a view of this profile with these parameters. */
  href(view: ViewName, params: ParamState): string;
  /** Changes URL parameters (undefined removes one) and re-renders; `view` switches the view too. */
  set(patch: ParamState, view?: ViewName): void;
  /** Records view state in the URL (replacing the entry) without re-rendering: a zoomed frame. */
  remember(patch: ParamState): void;
}

export interface RenderedView {
  readonly el: HTMLElement;
  readonly dispose?: () => void;
}

/** What every view of an execution trace gets. */
export interface TraceViewContext {
  readonly capture: CaptureMeta;
  readonly params: ParamState;
  /** Whose trace (a workload's capture holds one per pod); undefined: the capture's trace.out. */
  readonly pod: string | undefined;
  /** Changes URL parameters (undefined removes one) and re-renders; `view` switches the view too. */
  set(patch: ParamState, view?: ViewName): void;
  /** A link to a view of this capture's trace with these parameters (and the pod). */
  href(view: ViewName, params: ParamState): string;
}
