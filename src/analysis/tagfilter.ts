// pprof's tag filters (tagfocus / tagignore, driver_focus.go): keep or drop
// whole samples by their labels, e.g. `pod=web-1` on a merged capture.
//   "key=re1,re2"  a string label `key` with a value matching any regex;
//   "re1,re2"      every regex matches some "key:value" of the sample;
//   "[key=]32kb", "4mb:", ":64kb", "1kb:8mb"  numeric label ranges (units scaled).
import type { ProfileModel, Sample } from './model.ts';
import { withSamples } from './model.ts';
import { compileRegex } from './regex.ts';
import { scale } from './units.ts';

export type SampleMatcher = (s: Sample) => boolean;

type NumFilter = (value: number, unit: string) => boolean;

/** Units of numeric label keys: the first unit seen, else inferred from the key (profile.NumLabelUnits). */
export function numLabelUnits(p: ProfileModel): Map<string, string> {
  const units = new Map<string, string>();
  for (const s of p.samples) {
    for (const [k, vals] of s.numLabels) {
      for (const v of vals) if (v.unit !== '' && !units.has(k)) units.set(k, v.unit);
      if (!units.has(k)) units.set(k, '');
    }
  }
  for (const [k, u] of units) if (u === '') units.set(k, k === 'alignment' || k === 'request' ? 'bytes' : k);
  return units;
}

function rangeFilter(value: string): NumFilter | undefined {
  const ranges = [...value.matchAll(/([+-]?[0-9]+)([A-Za-z]+)?/g)].slice(0, 2);
  const [r0, r1] = ranges;
  if (!r0) return undefined;
  const [lo, unit] = scale(Number(r0[1]), r0[2] ?? '', r0[2] ?? '');
  const at = (v: number, u: string): number | undefined => {
    const [sv, su] = scale(v, u, unit);
    return su === unit ? sv : undefined;
  };
  if (!r1) {
    const m = r0[0];
    if (value === m) return (v, u) => at(v, u) === lo;
    if (value === m + ':') return (v, u) => (at(v, u) ?? -Infinity) >= lo;
    if (value === ':' + m) return (v, u) => (at(v, u) ?? Infinity) <= lo;
    return undefined;
  }
  if (value !== `${r0[0]}:${r1[0]}`) return undefined;
  const [hi, unit2] = scale(Number(r1[1]), r1[2] ?? '', unit);
  if (unit !== unit2) return undefined;
  return (v, u) => {
    const sv = at(v, u);
    return sv !== undefined && sv >= lo && sv <= hi;
  };
}

function numericMatcher(filter: NumFilter, wantKey: string, units: Map<string, string>): SampleMatcher {
  const any = (key: string, vals: readonly { value: number }[]): boolean => vals.some((v) => filter(v.value, units.get(key) ?? key));
  if (wantKey === '') return (s) => [...s.numLabels].some(([k, vals]) => any(k, vals));
  return (s) => {
    const vals = s.numLabels.get(wantKey);
    return vals !== undefined && any(wantKey, vals);
  };
}

/** Compiles a tagfocus/tagignore expression (`option` names it in errors). */
export function compileTagFilter(option: string, expr: string, units: Map<string, string>): SampleMatcher {
  const eq = expr.indexOf('=');
  const wantKey = eq >= 0 ? expr.slice(0, eq) : '';
  const value = eq >= 0 ? expr.slice(eq + 1) : expr;
  const num = rangeFilter(value);
  if (num) return numericMatcher(num, wantKey, units);
  const res = value.split(',').map((v) => compileRegex(option, v));
  if (wantKey === '') {
    return (s) => res.every((re) => [...s.labels].some(([k, vals]) => vals.some((v) => re(`${k}:${v}`))));
  }
  return (s) => {
    const vals = s.labels.get(wantKey);
    return vals !== undefined && res.some((re) => vals.some((v) => re(v)));
  };
}

export interface TagFilters {
  readonly tagfocus?: string;
  readonly tagignore?: string;
}

/** Keeps the samples that match tagfocus (if set) and not tagignore (if set). */
export function filterByTag(p: ProfileModel, f: TagFilters): { profile: ProfileModel; matched: { tagfocus: boolean; tagignore: boolean } } {
  const units = numLabelUnits(p);
  const focus = f.tagfocus ? compileTagFilter('tagfocus', f.tagfocus, units) : undefined;
  const ignore = f.tagignore ? compileTagFilter('tagignore', f.tagignore, units) : undefined;
  const matched = { tagfocus: false, tagignore: false };
  if (!focus && !ignore) return { profile: p, matched };
  const samples = p.samples.filter((s) => {
    const focused = focus ? focus(s) : true;
    const ignored = ignore ? ignore(s) : false;
    matched.tagfocus ||= focused;
    matched.tagignore ||= ignored;
    return focused && !ignored;
  });
  return { profile: withSamples(p, samples), matched };
}
