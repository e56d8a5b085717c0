// Diff of two captures, as `go tool pprof -diff_base=base [-normalize] source`:
// the base's samples are negated and marked with the pprof::base label, then
// both sets of samples are combined, so flat/cum show growth (positive) and
// shrinkage (negative), and percentages are of the base's total. `normalize`
// first scales the source to the base's total per sample type (pprof scales
// the source, not the base). Profiles must have the same sample and period types.
import { ProfileError } from '../profile/error.ts';
import { DIFF_BASE_LABEL, type ProfileModel, type Sample, type ValueType } from './model.ts';

const vt = (t: ValueType | undefined): string => (t ? `${t.type}/${t.unit}` : 'none');

function checkCompatible(a: ProfileModel, b: ProfileModel): void {
  if (vt(a.periodType) !== vt(b.periodType)) {
    throw new ProfileError('incompatible', `incompatible period types ${vt(a.periodType)} and ${vt(b.periodType)}`);
  }
  const ta = a.sampleTypes.map(vt).join(' ');
  const tb = b.sampleTypes.map(vt).join(' ');
  if (ta !== tb) throw new ProfileError('incompatible', `incompatible sample types [${ta}] and [${tb}]`);
}

/** Go's math.Round: half away from zero. */
const goRound = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** profile.ScaleN: multiplies values; keeps samples with a non-zero scaled value. */
function scaleSamples(samples: readonly Sample[], ratios: readonly number[]): Sample[] {
  if (ratios.every((r) => r === 1)) return [...samples];
  const out: Sample[] = [];
  for (const s of samples) {
    let keep = false;
    const values = s.values.map((v, i) => {
      const r = ratios[i] ?? 1;
      if (r === 1) return v;
      const scaled = goRound(v * r);
      keep ||= scaled !== 0;
      return scaled;
    });
    if (keep) out.push({ ...s, values });
  }
  return out;
}

function sums(samples: readonly Sample[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const s of samples) s.values.forEach((v, i) => (out[i] = (out[i] ?? 0) + v));
  return out;
}

const isZero = (s: Sample): boolean => s.values.every((v) => v === 0);

/** `source` minus `base` (optionally normalized), as one profile of `source`'s types. */
export function diffProfiles(source: ProfileModel, base: ProfileModel, o: { normalize?: boolean } = {}): ProfileModel {
  checkCompatible(source, base);
  const n = source.sampleTypes.length;
  let sourceSamples: readonly Sample[] = source.samples;
  if (o.normalize) {
    const baseTotals = sums(base.samples, n);
    const srcTotals = sums(source.samples, n);
    sourceSamples = scaleSamples(
      source.samples,
      srcTotals.map((t, i) => (t === 0 ? 0 : (baseTotals[i] ?? 0) / t)),
    );
  }
  const frameOffset = source.frames.length;
  const locationOffset = source.locations.length;
  const baseLocations = base.locations.map((l) => ({ ...l, frames: l.frames.map((f) => f + frameOffset) }));
  const baseSamples = scaleSamples(base.samples, new Array<number>(n).fill(-1)).map((s): Sample => ({
    ...s,
    locations: s.locations.map((l) => l + locationOffset),
    labels: new Map([...s.labels, [DIFF_BASE_LABEL, ['true']]]),
  }));
  const time = [source.timeNanos, base.timeNanos].reduce((t, x) => (t === 0 || x < t ? x : t), 0);
  const comments = [...new Set([...source.comments, ...base.comments])];
  return {
    ...source,
    defaultSampleType: source.defaultSampleType || base.defaultSampleType,
    frames: [...source.frames, ...base.frames],
    locations: [...source.locations, ...baseLocations],
    samples: [...sourceSamples, ...baseSamples].filter((s) => !isZero(s)),
    timeNanos: time,
    durationNanos: source.durationNanos + base.durationNanos,
    period: Math.max(source.period, base.period),
    comments,
    docUrl: source.docUrl || base.docUrl,
  };
}
