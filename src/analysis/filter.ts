// pprof's name filters (profile/filter.go), as pure functions on the model:
//   focus f / ignore i: keep samples with a location matching focus and none matching ignore;
//   hide h / show s: drop (keep) the matching frames of every location, then stacks' empty locations;
//   show_from sf: drop the frames above the root-most match (and samples with no match).
// A location matches when one of its frames' function name or file name, or
// its mapping's file, contains a match.
import type { Frame, Location, ProfileModel, Sample } from './model.ts';
import { withSamples } from './model.ts';
import { optionalRegex, type Matcher } from './regex.ts';

export interface NameFilters {
  readonly focus?: string;
  readonly ignore?: string;
  readonly hide?: string;
  readonly show?: string;
  readonly showFrom?: string;
}

/** Which filters matched something (pprof warns "<Option> expression matched no samples" otherwise). */
export interface FilterMatches {
  focus: boolean;
  ignore: boolean;
  hide: boolean;
  show: boolean;
  showFrom: boolean;
}

const frameMatches = (f: Frame | undefined, re: Matcher): boolean => f !== undefined && f.functionId !== 0 && (re(f.name) || re(f.file));

function locationMatches(p: ProfileModel, loc: Location, re: Matcher): boolean {
  return loc.frames.some((fi) => frameMatches(p.frames[fi], re)) || (loc.mapping !== '' && re(loc.mapping));
}

/** Frames kept by hide (`keep` false) or show (`keep` true); frames with no function survive both. */
function selectFrames(p: ProfileModel, loc: Location, re: Matcher, keep: boolean): readonly number[] {
  if (loc.mapping !== '' && re(loc.mapping)) return keep ? loc.frames : [];
  return loc.frames.filter((fi) => {
    const f = p.frames[fi];
    if (f === undefined || f.functionId === 0) return true;
    return (re(f.name) || re(f.file)) === keep;
  });
}

type Mark = 'focus' | 'ignore' | undefined;

function keepSample(s: Sample, marks: readonly Mark[]): boolean {
  let focused = false;
  for (const li of s.locations) {
    const m = marks[li];
    if (m === 'ignore') return false;
    if (m === 'focus') focused = true;
  }
  return focused;
}

function byName(p: ProfileModel, f: NameFilters, matched: FilterMatches): ProfileModel {
  const focus = optionalRegex('focus', f.focus);
  const ignore = optionalRegex('ignore', f.ignore);
  const hide = optionalRegex('hide', f.hide);
  const show = optionalRegex('show', f.show);
  if (!focus && !ignore && !hide && !show) {
    matched.focus = true;
    return p;
  }
  const marks: Mark[] = [];
  const hidden: boolean[] = [];
  const locations = p.locations.map((loc, li) => {
    if (ignore && locationMatches(p, loc, ignore)) {
      matched.ignore = true;
      marks[li] = 'ignore';
    } else if (!focus || locationMatches(p, loc, focus)) {
      matched.focus = true;
      marks[li] = 'focus';
    }
    let frames = loc.frames;
    if (hide && locationMatches(p, loc, hide)) {
      matched.hide = true;
      frames = selectFrames(p, { ...loc, frames }, hide, false);
      if (frames.length === 0) hidden[li] = true;
    }
    if (show) {
      frames = selectFrames(p, { ...loc, frames }, show, true);
      if (frames.length === 0) hidden[li] = true;
      else matched.show = true;
    }
    return frames === loc.frames ? loc : { ...loc, frames };
  });
  const samples: Sample[] = [];
  for (const s of p.samples) {
    if (!keepSample(s, marks)) continue;
    const locs = hidden.length > 0 ? s.locations.filter((li) => !hidden[li]) : s.locations;
    if (locs.length > 0) samples.push(locs === s.locations ? s : { ...s, locations: locs });
  }
  return withSamples(p, samples, locations);
}

function lastMatchedFrame(p: ProfileModel, loc: Location, re: Matcher): number {
  for (let i = loc.frames.length - 1; i >= 0; i--) {
    if (frameMatches(p.frames[loc.frames[i] ?? -1], re)) return i;
  }
  return -1;
}

function showFrom(p: ProfileModel, pattern: string | undefined, matched: FilterMatches): ProfileModel {
  const re = optionalRegex('show_from', pattern);
  if (!re) return p;
  const hit: boolean[] = [];
  const locations = p.locations.map((loc, li) => {
    if (loc.mapping !== '' && re(loc.mapping)) {
      hit[li] = true;
      return loc;
    }
    const i = lastMatchedFrame(p, loc, re);
    if (i < 0) return loc;
    hit[li] = true;
    return { ...loc, frames: loc.frames.slice(0, i + 1) };
  });
  matched.showFrom = hit.some(Boolean);
  const samples: Sample[] = [];
  for (const s of p.samples) {
    for (let i = s.locations.length - 1; i >= 0; i--) {
      if (hit[s.locations[i] ?? -1]) {
        samples.push({ ...s, locations: s.locations.slice(0, i + 1) });
        break;
      }
    }
  }
  return withSamples(p, samples, locations);
}

/** Applies focus, ignore, hide, show, then show_from, in pprof's order. */
export function filterByName(p: ProfileModel, f: NameFilters): { profile: ProfileModel; matched: FilterMatches } {
  const matched: FilterMatches = { focus: false, ignore: false, hide: false, show: false, showFrom: false };
  const named = byName(p, f, matched);
  return { profile: showFrom(named, f.showFrom, matched), matched };
}
