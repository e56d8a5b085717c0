// The common first steps of every view, in pprof's order: pick the sample type
// (`si`), take the report total (before any filter, as pprof does unless asked
// for relative percentages), apply focus/ignore/hide/show/show_from and the tag
// filters, then index nodes at the chosen granularity. Option names are the
// web UI's URL parameters.
import { filterByName } from './filter.ts';
import { GRANULARITIES, type Granularity } from './granularity.ts';
import { nodeTable, type NodeTable } from './graph.ts';
import type { ProfileModel, ValueType } from './model.ts';
import { reportTotal, sampleIndex } from './sample-type.ts';
import { filterByTag } from './tagfilter.ts';

export interface ViewOptions {
  /** Sample type: name, index, or legacy inuse_ name (default: the profile's default). */
  readonly si?: string;
  /** focus, ignore, hide, show, show_from regexes (RE2). */
  readonly f?: string;
  readonly i?: string;
  readonly h?: string;
  readonly s?: string;
  readonly sf?: string;
  readonly tagfocus?: string;
  readonly tagignore?: string;
  /** Granularity (default functions; pprof's flame graph uses filefunctions). */
  readonly g?: Granularity;
}

export interface Prepared {
  /** The profile after filtering. */
  readonly profile: ProfileModel;
  readonly valueIndex: number;
  readonly sampleType: ValueType;
  /** What percentages are relative to (pprof's rpt.total). */
  readonly total: number;
  readonly granularity: Granularity;
  readonly table: NodeTable;
  /** "focus=…" entries for the legend, in pprof's order. */
  readonly activeFilters: readonly string[];
  /** pprof's "Focus expression matched no samples" and the like. */
  readonly warnings: readonly string[];
}

export class ViewOptionError extends Error {
  override readonly name = 'ViewOptionError';
}

function activeFilters(o: ViewOptions): string[] {
  const pairs: [string, string | undefined][] = [
    ['focus', o.f],
    ['ignore', o.i],
    ['hide', o.h],
    ['show', o.s],
    ['show_from', o.sf],
    ['tagfocus', o.tagfocus],
    ['tagignore', o.tagignore],
  ];
  return pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${v}`);
}

function warnings(o: ViewOptions, m: Record<string, boolean>): string[] {
  const checks: [string, string | undefined, boolean | undefined][] = [
    ['Focus', o.f, m.focus],
    ['Ignore', o.i, m.ignore],
    ['Hide', o.h, m.hide],
    ['Show', o.s, m.show],
    ['ShowFrom', o.sf, m.showFrom],
    ['TagFocus', o.tagfocus, m.tagfocus],
    ['TagIgnore', o.tagignore, m.tagignore],
  ];
  return checks
    .filter(([, v, hit]) => v !== undefined && v !== '' && hit !== true)
    .map(([name]) => `${name} expression matched no samples`);
}

export function prepare(source: ProfileModel, o: ViewOptions = {}): Prepared {
  const granularity = o.g ?? 'functions';
  if (!GRANULARITIES.includes(granularity)) throw new ViewOptionError(`unknown granularity ${JSON.stringify(granularity)}`);
  const valueIndex = sampleIndex(source, o.si);
  const total = reportTotal(source, valueIndex);
  const named = filterByName(source, { focus: o.f, ignore: o.i, hide: o.h, show: o.s, showFrom: o.sf });
  const tagged = filterByTag(named.profile, { tagfocus: o.tagfocus, tagignore: o.tagignore });
  const profile = tagged.profile;
  return {
    profile,
    valueIndex,
    sampleType: source.sampleTypes[valueIndex] as ValueType,
    total,
    granularity,
    table: nodeTable(profile, granularity),
    activeFilters: activeFilters(o),
    warnings: warnings(o, { ...named.matched, ...tagged.matched }),
  };
}
