// A capture's profile views (Top, Flame graph, Graph, Peek, Source, Labels) over
// the decoded profile with the sample, granularity, refine and diff controls;
// the analysis worker decodes the profile and computes the view's data. A
// trace capture's blocking profiles open here too (tracePprof).
import type { CaptureMeta } from '../../../src/api/types.ts';
import type { TracePprofKind } from '../../../src/trace/pprof.ts';
import { requestView } from './analysis-client.ts';
import type { Progress, Summary, ViewAnswer, ViewData } from './analysis/protocol.ts';
import { button, h, notice } from './dom.ts';
import { capturePath, navigate, SHAPE_PARAMS, writeParams, type ParamState, type ProfileViewName, type ViewName } from './state.ts';
import { toolbar } from './toolbar.ts';
import { progressBox } from './views/trace-progress.ts';
import type { RenderedView, ViewContext } from './view-context.ts';
import { emptyReason } from './views/empty.ts';
import { flameView } from './views/flame.ts';
import { flameSideBySide, type OtherFlame } from './views/flame-side-by-side.ts';
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
  ['side', 'Side by side'],
];

/** A zoom on the side by side's right-hand tree (zs=b) names no node of this capture's own flame graph. */
function paramsFor(view: ProfileViewName, p: ParamState): ParamState {
  if (view === 'side' || p.zs === undefined) return p;
  const { zs: _zs, zoom: _zoom, ...rest } = p;
  return rest;
}

function tabs(ctx: ViewContext, view: ViewName, labelled: boolean, sub: boolean): HTMLElement {
  return h(
    'nav',
    { class: sub ? 'tabs sub' : 'tabs', 'aria-label': sub ? 'Profile views' : 'Views' },
    // A trace's blocking profiles have no side by side (sub: under the trace's own views).
    ...TABS.filter(([v]) => (v !== 'pods' || labelled) && (v !== 'side' || !sub)).map(([v, label]) =>
      h('a', { href: ctx.href(v, paramsFor(v, ctx.params)), 'aria-current': v === view ? 'page' : undefined, 'data-view': v }, label),
    ),
  );
}

function renderView(ctx: ViewContext, data: ViewData, view: ProfileViewName, other: OtherFlame | undefined): RenderedView {
  if (view === 'side' && data.view === 'flame') return flameSideBySide(ctx, data, other);
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
  /** A file opened in this page, not a stored capture: its views live under /local, and nothing about it is fetched. */
  readonly local?: boolean;
}

/** Where a view of the profile lives: /captures/<id>/<view>, or /local/<view> for a file opened in this page. */
export function profilePath(c: CaptureMeta, o: ProfileOptions, view: ViewName, params: ParamState): string {
  return o.local ? `/local/${view}${writeParams(params)}` : capturePath(c.id, view, params);
}

function showProfile(
  main: HTMLElement,
  c: CaptureMeta,
  summary: Summary,
  data: ViewData | undefined,
  view: ProfileViewName,
  params: ParamState,
  o: ProfileOptions,
  other: OtherFlame | undefined,
): (() => void) | undefined {
  const merge = (patch: ParamState): ParamState => {
    const next = { ...params, ...patch };
    // A zoom names a frame of this tree; a filter, a pivot or another profile makes another tree.
    if (SHAPE_PARAMS.some((k) => k in patch && patch[k] !== params[k])) {
      delete next.zoom;
      delete next.zs;
    }
    for (const k of Object.keys(next) as (keyof ParamState)[]) if (next[k] === undefined || next[k] === '') delete next[k];
    return next;
  };
  const href = (to: ViewName, p: ParamState): string => profilePath(c, o, to, p);
  const set = (patch: ParamState, to: ViewName = view): void => navigate(href(to, merge(patch)));
  const remember = (patch: ParamState): void => {
    const next = merge(patch);
    for (const k of Object.keys(params) as (keyof ParamState)[]) delete params[k];
    Object.assign(params, next);
    history.replaceState(null, '', href(view, next));
  };
  const ctx: ViewContext = { capture: c, summary, params, diff: params.base !== undefined, local: o.local === true, set, remember, href };
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
  const r = renderView(ctx, data, view, other);
  body.append(r.el);
  return r.dispose;
}

/** The view's answer, and side by side the other capture's flame graph (`with`), with the same options and no diff. */
function requestViews(
  c: CaptureMeta,
  view: ProfileViewName,
  params: ParamState,
  o: ProfileOptions,
  watch: { progress: (p: Progress) => void; signal: AbortSignal },
): Promise<[ViewAnswer, ViewAnswer | undefined]> {
  const fromTrace = o.tracePprof !== undefined && !(c.derived ?? []).includes(`trace-${o.tracePprof}.pb.gz`);
  const side = view === 'side';
  const asked = side ? { ...params, base: undefined, normalize: undefined } : params;
  return Promise.all([
    requestView({ id: c.id, view: side ? 'flame' : view, params: asked, tracePprof: o.tracePprof, fromTrace }, watch),
    side && params.with !== undefined
      ? requestView({ id: params.with, view: 'flame', params: asked }, { signal: watch.signal })
      : undefined,
  ]);
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
  const [a, other] = await requestViews(c, view, params, o, { progress: progress.update, signal: stop.signal });
  if (stopped() || (!a.ok && a.stage === 'cancelled')) return undefined;
  progress.el.remove();
  if (a.ok)
    return showProfile(main, c, a.summary, a.data, view, params, o, other && params.with ? { id: params.with, answer: other } : undefined);
  main.append(...(o.nav ?? []));
  if (a.stage === 'options')
    main.append(
      notice('error', 'These view options do not work', a.message),
      button('Reset options', () => navigate(profilePath(c, o, view, o.tracePprof ? { tp: params.tp } : {}))),
    );
  else main.append(notice('error', 'The profile could not be read', a.message));
  return undefined;
}
