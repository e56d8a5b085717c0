// Empty states that say why: nothing sampled at all (and what the app must do
// for block and mutex profiles), or nothing left after the filters.
import { notice } from '../dom.ts';
import type { ViewContext } from '../view-context.ts';

/** Why a view has no data (the worker sends none when the summary says empty). */
export function emptyReason(ctx: ViewContext): HTMLElement {
  const { summary, capture } = ctx;
  if (summary.empty === 'filtered')
    return notice('empty', 'No samples match the filters', 'Remove a filter above (focus, ignore, tagfocus…) to see data again.');
  switch (capture.type) {
    case 'block':
      return notice(
        'empty',
        'The block profile is empty',
        'Go records blocking events only after the app calls runtime.SetBlockProfileRate(rate) with a rate > 0 (e.g. 10000 ns). Set it at start-up, then capture again.',
      );
    case 'mutex':
      return notice(
        'empty',
        'The mutex profile is empty',
        'Go records mutex contention only after the app calls runtime.SetMutexProfileFraction(n) with n > 0 (e.g. 100). Set it at start-up, then capture again.',
      );
    case 'profile':
      return notice(
        'empty',
        'No CPU samples',
        'The process used no CPU while it was profiled (it sampled at 100 Hz): capture longer or while it is busy.',
      );
    default:
      return notice(
        'empty',
        `No ${summary.sampleType.type} samples`,
        'The profile has no non-zero values of this sample type; try another one in the Sample menu.',
      );
  }
}
