// View state in the URL, with pprof's web UI parameter names, so a link
// reproduces the view: /captures/<id>/<view>?si=&f=&i=&h=&s=&sf=&g=&n=&nf=&ef=&tagfocus=&tagignore=
// plus podprof's own: q (search), pivot + callers + zoom (flame graph), base + normalize (diff).
import type { ViewOptions } from '../../../src/analysis/prepare.ts';
import type { Granularity } from '../../../src/analysis/granularity.ts';

export const VIEWS = ['top', 'flame', 'graph', 'peek', 'source', 'pods'] as const;
export type ViewName = (typeof VIEWS)[number];

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
  'zoom',
  'label',
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
];

export function numberParam(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Navigates within the app (history API) and re-renders. */
export function navigate(path: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('podprof:navigate'));
}

export function capturePath(id: string, view: ViewName, s: ParamState): string {
  return `/captures/${encodeURIComponent(id)}/${view}${writeParams(s)}`;
}
