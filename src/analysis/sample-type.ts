// Which sample value a view shows (pprof's -sample_index / `si=`) and the
// report total pprof divides by.
import { isDiffBaseSample, type ProfileModel } from './model.ts';

export class SampleTypeError extends Error {
  override readonly name = 'SampleTypeError';
}

/**
 * The index of the sample type named `si` (a type name, a number, or a legacy
 * "inuse_" name), or with no `si` the default one: `default_sample_type` when
 * it names a type (Go's allocs profile says alloc_space), else the last type
 * (heap: inuse_space; cpu: cpu). As profile.SampleIndexByName.
 */
export function sampleIndex(p: ProfileModel, si?: string): number {
  const types = p.sampleTypes;
  if (si === undefined || si === '') {
    const d = p.defaultSampleType;
    const i = d === '' ? -1 : types.findIndex((t) => t.type === d);
    return i >= 0 ? i : types.length - 1;
  }
  if (/^[+-]?\d+$/.test(si)) {
    const i = Number(si);
    if (i < 0 || i >= types.length) {
      throw new SampleTypeError(`sample_index ${si} is outside the range [0..${types.length - 1}]`);
    }
    return i;
  }
  const noInuse = si.startsWith('inuse_') ? si.slice('inuse_'.length) : si;
  const i = types.findIndex((t) => t.type === si || t.type === noInuse);
  if (i < 0) {
    throw new SampleTypeError(`sample_index "${si}" must be one of: [${types.map((t) => t.type).join(' ')}]`);
  }
  return i;
}

/**
 * The total pprof's percentages are relative to: the sum of absolute sample
 * values, or, when the profile holds a diff base, of the base's samples only.
 */
export function reportTotal(p: ProfileModel, valueIndex: number): number {
  let total = 0;
  let diffTotal = 0;
  for (const s of p.samples) {
    const v = Math.abs(s.values[valueIndex] ?? 0);
    total += v;
    if (isDiffBaseSample(s)) diffTotal += v;
  }
  return diffTotal > 0 ? diffTotal : total;
}
