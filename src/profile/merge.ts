// Merges N pprof profiles into one, as `go tool pprof -proto a b c` does
// (github.com/google/pprof/profile.Merge), and labels every sample with where it
// came from (pod=<name>). Pure.
//
// Same rules as Go: identical period type and sample types in the same order or
// the merge is refused; timeNanos is the earliest non-zero one, durationNanos
// the SUM of the inputs, period the largest; strings, functions, mappings and
// locations are re-interned and deduplicated (mappings by size, offset and
// build id or file, with addresses rebased for ASLR); samples with the same
// stack and labels are summed; all-zero samples are dropped.
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType, type ProfileInput } from 'pprof-format';
import { ProfileError } from './error.ts';
import { int64, stringAt, toNumeric, valueTypeName, type Numeric } from './values.ts';

export interface MergeInput {
  readonly profile: Profile;
  /** String labels put on every sample of this input, replacing labels of the same key (e.g. { pod: 'web-1' }). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Names the input in errors. */
  readonly name?: string;
}

const nameOf = (inputs: readonly MergeInput[], i: number): string => inputs[i]?.name ?? `profile ${i + 1}`;

/** Throws a ProfileError of kind 'incompatible' naming the first input whose period type or sample types differ from the first input's. */
export function checkCompatible(inputs: readonly MergeInput[]): void {
  const first = inputs[0]?.profile;
  if (!first) throw new ProfileError('incompatible', 'no profiles to merge');
  const want = first.sampleType.map((vt) => valueTypeName(first, vt)).join(' ');
  const wantPeriod = valueTypeName(first, first.periodType);
  inputs.forEach(({ profile: p }, i) => {
    const got = p.sampleType.map((vt) => valueTypeName(p, vt)).join(' ');
    if (got !== want) throw new ProfileError('incompatible', `cannot merge ${nameOf(inputs, i)} with ${nameOf(inputs, 0)}: sample types differ: [${got}] vs [${want}]`);
    const period = valueTypeName(p, p.periodType);
    if (period !== wantPeriod) throw new ProfileError('incompatible', `cannot merge ${nameOf(inputs, i)} with ${nameOf(inputs, 0)}: period types differ: ${period || 'none'} vs ${wantPeriod || 'none'}`);
  });
}

type MappingInfo = { readonly m: Mapping; readonly offset: bigint };

const id = (v: Numeric): number => Number(v);
const u64 = (v: bigint): Numeric => toNumeric(BigInt.asUintN(64, v));

class Merger {
  readonly strings = new StringTable();
  readonly mappings: Mapping[] = [];
  readonly locations: Location[] = [];
  readonly functions: PFunction[] = [];
  private readonly samples = new Map<string, { s: Sample; values: bigint[] }>();
  private readonly mappingByKey = new Map<string, Mapping>();
  private readonly locationByKey = new Map<string, Location>();
  private readonly functionByKey = new Map<string, PFunction>();
  // Per input: source id → merged entity.
  private src = new Profile();
  private srcMappings = new Map<number, Mapping>();
  private srcLocations = new Map<number, Location>();
  private srcFunctions = new Map<number, PFunction>();
  private mappingOf = new Map<number, MappingInfo>();
  private locationOf = new Map<number, Location>();
  private functionOf = new Map<number, PFunction>();

  private s(index: Numeric): number {
    return this.strings.dedup(stringAt(this.src, index));
  }

  add(input: MergeInput): void {
    const p = input.profile;
    this.src = p;
    this.srcMappings = new Map(p.mapping.map((m) => [id(m.id), m]));
    this.srcLocations = new Map(p.location.map((l) => [id(l.id), l]));
    this.srcFunctions = new Map(p.function.map((f) => [id(f.id), f]));
    this.mappingOf = new Map();
    this.locationOf = new Map();
    this.functionOf = new Map();
    // The first mapping is the main binary: keep it first, as Go does.
    if (this.mappings.length === 0 && p.mapping[0]) this.mapMapping(id(p.mapping[0].id));
    const extra = Object.entries(input.labels ?? {});
    for (const sample of p.sample) {
      if (sample.value.every((v) => int64(v) === 0n)) continue;
      this.addSample(sample, extra);
    }
  }

  private addSample(src: Sample, extra: ReadonlyArray<[string, string]>): void {
    const locationId = src.locationId.map((l) => this.mapLocation(id(l))).filter((l): l is Location => l !== undefined).map((l) => l.id);
    const replaced = new Set(extra.map(([k]) => k));
    const label = src.label
      .filter((l) => !replaced.has(stringAt(this.src, l.key)))
      .map((l) => new Label({ key: this.s(l.key), str: id(l.str) === 0 ? 0 : this.s(l.str), num: l.num, numUnit: id(l.numUnit) === 0 ? 0 : this.s(l.numUnit) }));
    for (const [k, v] of extra) label.push(new Label({ key: this.strings.dedup(k), str: this.strings.dedup(v) }));
    const labelKey = label.map((l) => `${this.strings.strings[id(l.key)]}\u0000${this.strings.strings[id(l.str)]}\u0000${int64(l.num)}\u0000${this.strings.strings[id(l.numUnit)]}`).sort();
    const key = `${locationId.join(',')}\u0001${labelKey.join('\u0001')}`;
    const values = src.value.map(int64);
    const hit = this.samples.get(key);
    if (hit) values.forEach((v, i) => (hit.values[i] = (hit.values[i] ?? 0n) + v));
    else this.samples.set(key, { s: new Sample({ locationId, label }), values });
  }

  private mapMapping(srcId: number): MappingInfo | undefined {
    if (srcId === 0) return undefined;
    const known = this.mappingOf.get(srcId);
    if (known) return known;
    const m = this.srcMappings.get(srcId);
    if (!m) return undefined;
    const size = ((BigInt(m.memoryLimit) - BigInt(m.memoryStart) + 0xfffn) / 0x1000n) * 0x1000n;
    const key = `${size}|${BigInt(m.fileOffset)}|${stringAt(this.src, m.buildId) || stringAt(this.src, m.filename)}`;
    let merged = this.mappingByKey.get(key);
    if (!merged) {
      merged = new Mapping({ ...m, id: this.mappings.length + 1, filename: this.s(m.filename), buildId: this.s(m.buildId) });
      this.mappings.push(merged);
      this.mappingByKey.set(key, merged);
    }
    const info = { m: merged, offset: BigInt(merged.memoryStart) - BigInt(m.memoryStart) };
    this.mappingOf.set(srcId, info);
    return info;
  }

  private mapFunction(srcId: number): number {
    const known = this.functionOf.get(srcId);
    if (known) return id(known.id);
    const f = this.srcFunctions.get(srcId);
    if (!f) return 0;
    const key = [f.startLine, stringAt(this.src, f.name), stringAt(this.src, f.systemName), stringAt(this.src, f.filename)].join('\u0000');
    let merged = this.functionByKey.get(key);
    if (!merged) {
      merged = new PFunction({ id: this.functions.length + 1, name: this.s(f.name), systemName: this.s(f.systemName), filename: this.s(f.filename), startLine: f.startLine });
      this.functions.push(merged);
      this.functionByKey.set(key, merged);
    }
    this.functionOf.set(srcId, merged);
    return id(merged.id);
  }

  private mapLocation(srcId: number): Location | undefined {
    const known = this.locationOf.get(srcId);
    if (known) return known;
    const l = this.srcLocations.get(srcId);
    if (!l) return undefined;
    const mi = this.mapMapping(id(l.mappingId));
    const address = BigInt.asUintN(64, BigInt(l.address) + (mi?.offset ?? 0n));
    const line = l.line.map((ln) => new Line({ functionId: this.mapFunction(id(ln.functionId)), line: ln.line, column: ln.column }));
    const relative = mi ? address - BigInt(mi.m.memoryStart) : address;
    const key = `${mi ? id(mi.m.id) : 0}|${relative}|${l.isFolded}|${line.map((x) => `${id(x.functionId)}:${x.line}:${x.column}`).join(',')}`;
    let merged = this.locationByKey.get(key);
    if (!merged) {
      merged = new Location({ id: this.locations.length + 1, mappingId: mi ? mi.m.id : 0, address: u64(address), line, isFolded: l.isFolded });
      this.locations.push(merged);
      this.locationByKey.set(key, merged);
    }
    this.locationOf.set(srcId, merged);
    return merged;
  }

  sampleList(): Sample[] {
    const out: Sample[] = [];
    for (const { s, values } of this.samples.values()) {
      if (values.every((v) => v === 0n)) continue;
      out.push(new Sample({ locationId: s.locationId, label: s.label, value: values.map(toNumeric) }));
    }
    return out;
  }
}

function header(inputs: readonly MergeInput[], strings: StringTable): ProfileInput {
  const first = inputs[0]!.profile;
  const times = inputs.map((i) => BigInt(i.profile.timeNanos)).filter((t) => t !== 0n);
  const firstNonEmpty = (pick: (p: Profile) => Numeric): string => inputs.map((i) => stringAt(i.profile, pick(i.profile))).find((x) => x !== '') ?? '';
  const comments = [...new Set(inputs.flatMap((i) => i.profile.comment.map((c) => stringAt(i.profile, c))))];
  const vt = (v: ValueType): ValueType => new ValueType({ type: strings.dedup(stringAt(first, v.type)), unit: strings.dedup(stringAt(first, v.unit)) });
  const defaultType = firstNonEmpty((p) => p.defaultSampleType);
  const docUrl = firstNonEmpty((p) => p.docUrl);
  return {
    sampleType: first.sampleType.map(vt),
    periodType: first.periodType ? vt(first.periodType) : undefined,
    period: toNumeric(inputs.reduce((max, i) => (int64(i.profile.period) > max ? int64(i.profile.period) : max), 0n)),
    timeNanos: times.length === 0 ? 0 : toNumeric(times.reduce((a, b) => (b < a ? b : a))),
    durationNanos: toNumeric(inputs.reduce((sum, i) => sum + int64(i.profile.durationNanos), 0n)),
    comment: comments.map((c) => strings.dedup(c)),
    defaultSampleType: defaultType === '' ? 0 : strings.dedup(defaultType),
    docUrl: docUrl === '' ? 0 : strings.dedup(docUrl),
    dropFrames: strings.dedup(stringAt(first, first.dropFrames)),
    keepFrames: strings.dedup(stringAt(first, first.keepFrames)),
  };
}

/** One profile holding every input's samples, each labelled with its input's labels. */
export function mergeProfiles(inputs: readonly MergeInput[]): Profile {
  checkCompatible(inputs);
  const m = new Merger();
  const head = header(inputs, m.strings);
  for (const input of inputs) m.add(input);
  const sample = m.sampleList();
  return new Profile({ ...head, sample, mapping: m.mappings, location: m.locations, function: m.functions, stringTable: m.strings });
}
