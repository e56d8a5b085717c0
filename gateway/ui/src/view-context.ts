// What every view of a capture gets: the decoded profile, the prepared
// (filtered, indexed) view, the URL state and a way to change it.
import type { ProfileModel } from '../../../src/analysis/model.ts';
import type { Prepared } from '../../../src/analysis/prepare.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import type { ParamState, ViewName } from './state.ts';

export interface ViewContext {
  readonly capture: CaptureMeta;
  readonly model: ProfileModel;
  readonly prepared: Prepared;
  readonly params: ParamState;
  readonly diff: boolean;
  /** Changes URL parameters (undefined removes one) and re-renders; `view` switches the view too. */
  set(patch: ParamState, view?: ViewName): void;
}

export interface RenderedView {
  readonly el: HTMLElement;
  readonly dispose?: () => void;
}
