// View state in the URL, with pprof's web UI parameter names, so a link
// reproduces the view: /captures/<id>/<view>?si=&f=&i=&h=&s=&sf=&g=&n=&nf=&ef=&tagfocus=&tagignore=
// plus podprof's own: q (search), pivot + callers + zoom (flame graph), label (the Labels tab's key),
// base + normalize (diff); with, zs and scale (two captures side by side: the
// other capture, whose tree zoom= numbers a node of, b for the other's, and
// shared for one scale for both);
// and for execution traces: tp (which blocking profile the profile views show),
// pod (whose trace), group and gid (goroutines), t0 and t1 (the timeline's window,
// ns from the trace's start), mmu, pct and win (MMU options and window), metric
// (pods side by side), task, region, rfunc and bucket (tasks and regions).
import type { ViewOptions } from '../../../src/analysis/prepare.ts';
import type { Granularity } from '../../../src/analysis/granularity.ts';

/** The views of a pprof profile (a trace capture's blocking profiles use them too). */
export const PROFILE_VIEWS = ['top', 'flame', 'graph', 'peek', 'source', 'pods', 'side'] as const;
export type ProfileViewName = (typeof PROFILE_VIEWS)[number];
/** The views only an execution trace has. */
export const TRACE_VIEWS = ['goroutines', 'timeline', 'tasks', 'mmu', 'compare'] as const;
export type TraceViewName = (typeof TRACE_VIEWS)[number];
export const VIEWS = [...PROFILE_VIEWS, ...TRACE_VIEWS] as const;
export type ViewName = ProfileViewName | TraceViewName;

export const isTraceView = (v: ViewName): v is TraceViewName => (TRACE_VIEWS as readonly string[]).includes(v);

export const PARAMS = [
  'si',
  'f',
  'i',
  'h',
  's',
  'sf',
  'g',
  'n',
  'nf',
  'ef',
  'tagfocus',
  'tagignore',
  'q',
  'pivot',
  'callers',
  'base',
  'normalize',
  'sort',
  'tp',
  'pod',
  'group',
  'gid',
  't0',
  't1',
  'mmu',
  'pct',
  'win',
  'metric',
  'task',
  'region',
  'rfunc',
  'bucket',
  'zoom',
  'label',
  'with',
  'zs',
  'scale',
] as const;
export type Param = (typeof PARAMS)[number];
export type ParamState = Partial<Record<Param, string>>;

export function readParams(search: string): ParamState {
  const u = new URLSearchParams(search);
  const out: ParamState = {};
  for (const p of PARAMS) {
    const v = u.get(p);
    if (v !== null && v !== '') out[p] = v;
  }
  return out;
}

export function writeParams(s: ParamState): string {
  const u = new URLSearchParams();
  for (const p of PARAMS) {
    const v = s[p];
    if (v !== undefined && v !== '') u.set(p, v);
  }
  const q = u.toString();
  return q === '' ? '' : `?${q}`;
}

export function viewOptions(s: ParamState): ViewOptions {
  return {
    si: s.si,
    f: s.f,
    i: s.i,
    h: s.h,
    s: s.s,
    sf: s.sf,
    tagfocus: s.tagfocus,
    tagignore: s.tagignore,
    g: s.g as Granularity | undefined,
  };
}

/** What changes the shape of the tree a view draws: with any of these changed, a zoomed frame is another frame. */
export const SHAPE_PARAMS: readonly Param[] = [
  'si',
  'f',
  'i',
  'h',
  's',
  'sf',
  'g',
  'tagfocus',
  'tagignore',
  'pivot',
  'callers',
  'base',
  'normalize',
  'with',
];

export function numberParam(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A name parameter (group, task, region) standing for the empty name: goroutines with no stack, tasks begun before the trace. */
export const NO_NAME = '(none)';
export const nameParam = (name: string): string => (name === '' ? NO_NAME : name);
export const nameOfParam = (p: string): string => (p === NO_NAME ? '' : p);

/** The URL parameters of the profile views (what a trace capture's blocking profiles keep when switching views). */
export const PROFILE_PARAMS: readonly Param[] = [
  'si',
  'f',
  'i',
  'h',
  's',
  'sf',
  'g',
  'n',
  'nf',
  'ef',
  'tagfocus',
  'tagignore',
  'q',
  'pivot',
  'callers',
  'base',
  'normalize',
  'tp',
];

/** Only the parameters named. */
export function pick(s: ParamState, keep: readonly Param[]): ParamState {
  const out: ParamState = {};
  for (const p of keep) if (s[p] !== undefined) out[p] = s[p];
  return out;
}

/** Navigates within the app (history API) and re-renders. */
export function navigate(path: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('podprof:navigate'));
}

/** Records a new URL for the current view without re-rendering it (the timeline's window as it pans). */
export function replaceQuietly(path: string): void {
  if (location.pathname + location.search !== path) history.replaceState(null, '', path);
}

export function capturePath(id: string, view: ViewName, s: ParamState): string {
  return `/captures/${encodeURIComponent(id)}/${view}${writeParams(s)}`;
}
