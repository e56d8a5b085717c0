// A capture's profile views (Top, Flame graph, Graph, Peek, Source, Labels) over
// the decoded profile with the sample, granularity, refine and diff controls;
// the analysis worker decodes the profile and computes the view's data. A
// trace capture's blocking profiles open here too (tracePprof).
import type { CaptureMeta } from '../../../src/api/types.ts';
import type { TracePprofKind } from '../../../src/trace/pprof.ts';
import { requestView } from './analysis-client.ts';
import type { Summary, ViewData } from './analysis/protocol.ts';
import { button, h, notice } from './dom.ts';
import { capturePath, navigate, SHAPE_PARAMS, type ParamState, type ProfileViewName, type ViewName } from './state.ts';
import { toolbar } from './toolbar.ts';
import { progressBox } from './views/trace-progress.ts';
import type { RenderedView, ViewContext } from './view-context.ts';
import { emptyReason } from './views/empty.ts';
import { flameView } from './views/flame.ts';
import { graphView } from './views/graph.ts';
import { peekView } from './views/peek.ts';
import { podsView } from './views/pods-breakdown.ts';
import { sourceView } from './views/source.ts';
import { topView } from './views/top.ts';

const TABS: readonly [ProfileViewName, string][] = [
  ['top', 'Top'],
  ['flame', 'Flame graph'],
  ['graph', 'Graph'],
  ['peek', 'Peek'],
  ['source', 'Source lines'],
  ['pods', 'Labels'],
];

function tabs(ctx: ViewContext, view: ViewName, labelled: boolean, sub: boolean): HTMLElement {
  return h(
    'nav',
    { class: sub ? 'tabs sub' : 'tabs', 'aria-label': sub ? 'Profile views' : 'Views' },
    ...TABS.filter(([v]) => v !== 'pods' || labelled).map(([v, label]) =>
      h('a', { href: capturePath(ctx.capture.id, v, ctx.params), 'aria-current': v === view ? 'page' : undefined, 'data-view': v }, label),
    ),
  );
}

function renderView(ctx: ViewContext, data: ViewData): RenderedView {
  switch (data.view) {
    case 'error':
      return { el: notice('error', data.title, data.message) };
    case 'flame':
      return flameView(ctx, data);
    case 'graph':
      return graphView(ctx, data);
    case 'peek':
      return { el: peekView(ctx, data) };
    case 'source':
      return { el: sourceView(ctx, data) };
    case 'pods':
      return { el: podsView(ctx, data) };
    default:
      return topView(ctx, data);
  }
}

export interface ProfileOptions {
  /** A trace capture's blocking profile instead of the capture's profile. */
  readonly tracePprof?: TracePprofKind;
  /** Shown above the profile's tabs (a trace capture's views and the profile's kind). */
  readonly nav?: readonly HTMLElement[];
}

function showProfile(
  main: HTMLElement,
  c: CaptureMeta,
  summary: Summary,
  data: ViewData | undefined,
  view: ProfileViewName,
  params: ParamState,
  o: ProfileOptions,
): (() => void) | undefined {
  const merge = (patch: ParamState): ParamState => {
    const next = { ...params, ...patch };
    // A zoom names a frame of this tree; a filter, a pivot or another profile makes another tree.
    if (SHAPE_PARAMS.some((k) => k in patch && patch[k] !== params[k])) delete next.zoom;
    for (const k of Object.keys(next) as (keyof ParamState)[]) if (next[k] === undefined || next[k] === '') delete next[k];
    return next;
  };
  const set = (patch: ParamState, to: ViewName = view): void => navigate(capturePath(c.id, to, merge(patch)));
  const remember = (patch: ParamState): void => {
    const next = merge(patch);
    for (const k of Object.keys(params) as (keyof ParamState)[]) delete params[k];
    Object.assign(params, next);
    history.replaceState(null, '', capturePath(c.id, view, next));
  };
  const ctx: ViewContext = { capture: c, summary, params, diff: params.base !== undefined, set, remember };
  const body = h('section', { class: 'view', id: `view-${view}`, 'aria-live': 'polite' });
  main.append(
    ...(o.nav ?? []),
    tabs(ctx, view, summary.labelKeys.length > 0, o.nav !== undefined),
    toolbar(ctx, view),
    ...summary.warnings.map((w) => notice('info', w)),
    body,
  );
  if (!data) {
    body.append(emptyReason(ctx));
    return undefined;
  }
  const r = renderView(ctx, data);
  body.append(r.el);
  return r.dispose;
}

/** Loads the view's data from the worker and shows it below what `main` has; resolves to its disposer. */
export async function openProfile(
  main: HTMLElement,
  c: CaptureMeta,
  view: ProfileViewName,
  params: ParamState,
  o: ProfileOptions,
  stopped: () => boolean,
): Promise<(() => void) | undefined> {
  // Cancel stops the download (or the worker's work) and goes back to the capture list.
  const stop = new AbortController();
  const progress = progressBox(o.tracePprof ? 'Loading the blocking profile…' : 'Loading the profile…', {
    id: 'profile-loading',
    noun: 'profile',
    cancel: () => {
      stop.abort();
      navigate('/captures');
    },
  });
  main.append(progress.el);
  const fromTrace = o.tracePprof !== undefined && !(c.derived ?? []).includes(`trace-${o.tracePprof}.pb.gz`);
  const a = await requestView(
    { id: c.id, view, params, tracePprof: o.tracePprof, fromTrace },
    { progress: progress.update, signal: stop.signal },
  );
  if (stopped() || (!a.ok && a.stage === 'cancelled')) return undefined;
  progress.el.remove();
  if (a.ok) return showProfile(main, c, a.summary, a.data, view, params, o);
  main.append(...(o.nav ?? []));
  if (a.stage === 'options')
    main.append(
      notice('error', 'These view options do not work', a.message),
      button('Reset options', () => navigate(capturePath(c.id, view, o.tracePprof ? { tp: params.tp } : {}))),
    );
  else main.append(notice('error', 'The profile could not be read', a.message));
  return undefined;
}
