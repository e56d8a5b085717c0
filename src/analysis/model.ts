// The analysis core's profile model: a decoded pprof profile as plain JS data,
// shared by the browser UI and the CLI. Everything here may come from an
// untrusted profile: names, files and labels are plain strings, never markup.
//
// pprof's semantics need the location level (hide/show/show_from rewrite
// locations; "(inline)" is a frame that is not the last of its location), so a
// sample is a list of locations and a location a list of frames; `stackFrames`
// expands a sample to the flat frame list (leaf first) that pprof reports show.

export interface ValueType {
  readonly type: string;
  readonly unit: string;
}

/** One (function, line) of a location: the innermost inlined call comes first in a location. */
export interface Frame {
  /** 0 when the line names no function (pprof then names the node after the mapping). */
  readonly functionId: number;
  readonly name: string;
  readonly systemName: string;
  /** As written in the profile; pprof cleans it (path.Clean) only when naming nodes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly startLine: number;
}

export interface Location {
  readonly id: number;
  /** File of the location's mapping ("" if none): focus/ignore/hide/show match it too. */
  readonly mapping: string;
  /** Indices into `ProfileModel.frames`, innermost (inlined callee) first. */
  readonly frames: readonly number[];
}

export interface NumLabel {
  readonly value: number;
  readonly unit: string;
}

export interface Sample {
  /** Indices into `ProfileModel.locations`, leaf first. */
  readonly locations: readonly number[];
  readonly values: readonly number[];
  /** String labels (e.g. pod → ["web-1"]); a Map so that untrusted keys such as "__proto__" are plain keys. */
  readonly labels: ReadonlyMap<string, readonly string[]>;
  readonly numLabels: ReadonlyMap<string, readonly NumLabel[]>;
}

export interface ProfileModel {
  readonly sampleTypes: readonly ValueType[];
  /** The profile's default_sample_type name, "" if unset (see `sampleIndex`). */
  readonly defaultSampleType: string;
  readonly frames: readonly Frame[];
  readonly locations: readonly Location[];
  readonly samples: readonly Sample[];
  readonly periodType: ValueType | undefined;
  readonly period: number;
  readonly timeNanos: number;
  readonly durationNanos: number;
  readonly comments: readonly string[];
  /** File and build id of the first mapping (pprof's "File:" and "Build ID:" header lines). */
  readonly mainFile: string;
  readonly buildId: string;
  readonly docUrl: string;
}

/** Label that pprof puts on the samples of a -diff_base profile. */
export const DIFF_BASE_LABEL = 'pprof::base';

/** True when the sample came from a diff base (pprof's Sample.DiffBaseSample). */
export function isDiffBaseSample(s: Sample): boolean {
  const v = s.labels.get(DIFF_BASE_LABEL);
  return v !== undefined && v.length === 1 && v[0] === 'true';
}

/** A sample's frames as pprof lists them: leaf first, each location's inlined frames expanded. */
export function stackFrames(p: ProfileModel, s: Sample): { frame: number; inline: boolean }[] {
  const out: { frame: number; inline: boolean }[] = [];
  for (const li of s.locations) {
    const frames = p.locations[li]?.frames ?? [];
    frames.forEach((frame, i) => out.push({ frame, inline: i !== frames.length - 1 }));
  }
  return out;
}

/** A copy of `p` with other samples and locations (used by the pure filters). */
export function withSamples(p: ProfileModel, samples: readonly Sample[], locations = p.locations): ProfileModel {
  return { ...p, samples, locations };
}
