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
import {
  Function as PFunction,
  Line,
  Location,
  Mapping,
  Profile,
  StringTable,
  ValueType,
  type Label,
  type ProfileInput,
} from 'pprof-format';
import { ProfileError } from './error.ts';
import { IntKeys } from './int-keys.ts';
import { Labels } from './merge-labels.ts';
import { leaveEncoded, SampleFields } from './samples.ts';
import { Sums } from './sums.ts';
import { addUint64, difference, int64, stringAt, toNumeric, valueTypeName, type Numeric } from './values.ts';
import { Writer } from './wire.ts';
import { writeSample } from './write-profile.ts';

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
    if (got !== want)
      throw new ProfileError(
        'incompatible',
        `cannot merge ${nameOf(inputs, i)} with ${nameOf(inputs, 0)}: sample types differ: [${got}] vs [${want}]`,
      );
    const period = valueTypeName(p, p.periodType);
    if (period !== wantPeriod)
      throw new ProfileError(
        'incompatible',
        `cannot merge ${nameOf(inputs, i)} with ${nameOf(inputs, 0)}: period types differ: ${period || 'none'} vs ${wantPeriod || 'none'}`,
      );
  });
}

type MappingInfo = { readonly m: Mapping; readonly offset: Numeric };

const id = (v: Numeric): number => Number(v);
const isZero = (v: Numeric): boolean => (typeof v === 'number' ? v === 0 : int64(v) === 0n);

function room(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  return need <= a.length ? a : new Int32Array(Math.max(need, a.length * 2));
}

/** Sorts a[from, to) in place; label lists are short. */
function sortRange(a: Int32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const x = a[i]!;
    let j = i - 1;
    for (; j >= from && a[j]! > x; j--) a[j + 1] = a[j]!;
    a[j + 1] = x;
  }
}

class Merger {
  readonly strings = new StringTable();
  readonly mappings: Mapping[] = [];
  readonly locations: Location[] = [];
  readonly functions: PFunction[] = [];
  private readonly labels = new Labels();
  // A sample's key: [its merged location ids, its label ids sorted, how many labels],
  // then as payload its label ids in their order. Reused for every sample.
  private key = new Int32Array(64);
  private order = new Int32Array(8);
  private readonly samples = new IntKeys();
  private readonly fields = new SampleFields();
  private readonly sums: Sums;
  private readonly mappingByKey = new Map<string, Mapping>();
  private readonly locationByKey = new Map<string, Location>();
  private readonly functionByKey = new Map<string, PFunction>();
  // Per input: source id → merged entity.
  private src = new Profile();
  private srcStrings = new Int32Array(0); // merged index + 1; 0 = not yet
  private srcMappings = new Map<number, Mapping>();
  private srcLocations = new Map<number, Location>();
  private srcFunctions = new Map<number, PFunction>();
  private mappingOf = new Map<number, MappingInfo>();
  private locationOf = new Map<number, number>(); // merged id; 0 = none
  private functionOf = new Map<number, number>();
  private replaced = new Set<string>();
  private extra: ReadonlyArray<[string, string]> = [];
  private extraIds: number[] | undefined;

  constructor(width: number) {
    this.sums = new Sums(width);
  }

  private s(index: Numeric): number {
    const i = Number(index);
    const known = this.srcStrings[i];
    if (known) return known - 1;
    const merged = this.strings.dedup(stringAt(this.src, index));
    if (known === 0) this.srcStrings[i] = merged + 1;
    return merged;
  }

  add(input: MergeInput): void {
    const p = input.profile;
    this.src = p;
    this.srcStrings = new Int32Array(p.stringTable.strings.length);
    this.srcMappings = new Map(p.mapping.map((m) => [id(m.id), m]));
    this.srcLocations = new Map(p.location.map((l) => [id(l.id), l]));
    this.srcFunctions = new Map(p.function.map((f) => [id(f.id), f]));
    this.mappingOf = new Map();
    this.locationOf = new Map();
    this.functionOf = new Map();
    this.extra = Object.entries(input.labels ?? {});
    this.replaced = new Set(this.extra.map(([k]) => k));
    this.extraIds = undefined;
    // The first mapping is the main binary: keep it first, as Go does.
    if (this.mappings.length === 0 && p.mapping[0]) this.mapMapping(id(p.mapping[0].id));
    const f = this.fields;
    f.each(p, () => {
      for (let i = 0; i < f.valueCount; i++) {
        if (!isZero(f.values[i]!)) return this.addSample(f);
      }
    });
  }

  private addSample(f: SampleFields): void {
    const key = (this.key = room(this.key, 1 + 2 * (f.labelCount + this.extra.length) + f.locationCount));
    let n = 0;
    for (let i = 0; i < f.locationCount; i++) {
      const merged = this.mapLocation(id(f.locationIds[i]!));
      if (merged !== 0) key[n++] = merged;
    }
    const labels = this.labelIds(f);
    const order = this.order;
    for (let i = 0; i < labels; i++) key[n + i] = order[i]!;
    sortRange(key, n, n + labels);
    key[n + labels] = labels;
    const len = n + labels + 1;
    let sample = this.samples.find(key, len);
    if (sample < 0) {
      for (let i = 0; i < labels; i++) key[len + i] = order[i]!;
      sample = this.samples.add(key, len, labels);
    }
    this.sums.add(sample, f.values, f.valueCount);
  }

  /** Puts the ids of the sample's labels, the input's own last, into `order`; returns how many. */
  private labelIds(f: SampleFields): number {
    const order = (this.order = room(this.order, f.labelCount + this.extra.length));
    let n = 0;
    for (let i = 0; i < f.labelCount; i++) {
      const key = f.labelKeys[i]!;
      if (this.replaced.has(stringAt(this.src, key))) continue;
      const str = f.labelStrs[i]!;
      const unit = f.labelUnits[i]!;
      order[n++] = this.labels.id(this.s(key), id(str) === 0 ? 0 : this.s(str), f.labelNums[i]!, id(unit) === 0 ? 0 : this.s(unit));
    }
    this.extraIds ??= this.extra.map(([k, v]) => this.labels.id(this.strings.dedup(k), this.strings.dedup(v), 0, 0));
    for (const l of this.extraIds) order[n++] = l;
    return n;
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
    const info = { m: merged, offset: difference(merged.memoryStart, m.memoryStart) };
    this.mappingOf.set(srcId, info);
    return info;
  }

  private mapFunction(srcId: number): number {
    const known = this.functionOf.get(srcId);
    if (known !== undefined) return known;
    const f = this.srcFunctions.get(srcId);
    if (!f) return 0;
    const key = `${f.startLine}\u0000${stringAt(this.src, f.name)}\u0000${stringAt(this.src, f.systemName)}\u0000${stringAt(this.src, f.filename)}`;
    let merged = this.functionByKey.get(key);
    if (!merged) {
      merged = new PFunction({
        id: this.functions.length + 1,
        name: this.s(f.name),
        systemName: this.s(f.systemName),
        filename: this.s(f.filename),
        startLine: f.startLine,
      });
      this.functions.push(merged);
      this.functionByKey.set(key, merged);
    }
    this.functionOf.set(srcId, id(merged.id));
    return id(merged.id);
  }

  /** The merged id of a source location; 0 when there is no such location. */
  private mapLocation(srcId: number): number {
    const known = this.locationOf.get(srcId);
    if (known !== undefined) return known;
    const l = this.srcLocations.get(srcId);
    const merged = l ? id(this.internLocation(l).id) : 0;
    this.locationOf.set(srcId, merged);
    return merged;
  }

  private internLocation(l: Location): Location {
    const mi = this.mapMapping(id(l.mappingId));
    const address = addUint64(l.address, mi?.offset ?? 0);
    const relative = mi ? difference(address, mi.m.memoryStart) : address;
    let key = `${mi ? id(mi.m.id) : 0}|${relative}|${l.isFolded}|`;
    for (let i = 0; i < l.line.length; i++) {
      const ln = l.line[i]!;
      key += `${i === 0 ? '' : ','}${this.mapFunction(id(ln.functionId))}:${ln.line}:${ln.column}`;
    }
    let merged = this.locationByKey.get(key);
    if (!merged) {
      // Lines are built only for a new location (mapFunction answers from its map now).
      const line = l.line.map((ln) => new Line({ functionId: this.mapFunction(id(ln.functionId)), line: ln.line, column: ln.column }));
      merged = new Location({ id: this.locations.length + 1, mappingId: mi ? mi.m.id : 0, address, line, isFolded: l.isFolded });
      this.locations.push(merged);
      this.locationByKey.set(key, merged);
    }
    return merged;
  }

  /** The merged samples, encoded: the bytes and each Sample message body's start and end. */
  writeSamples(): { bytes: Uint8Array; spans: number[] } {
    const w = new Writer();
    const spans: number[] = [];
    const pool = this.samples.pool;
    const label: Label[] = [];
    for (let i = 0; i < this.samples.size; i++) {
      const value = this.sums.get(i);
      if (!value) continue;
      const at = this.samples.start(i);
      const end = at + this.samples.length(i);
      const labels = pool[end - 1]!;
      label.length = 0;
      for (let p = end; p < end + labels; p++) label.push(this.labels.get(pool[p]!));
      spans.push(writeSample(w, pool, at, end - 1 - labels, value, label), w.size);
    }
    return { bytes: w.finish(), spans };
  }
}

function header(inputs: readonly MergeInput[], strings: StringTable): ProfileInput {
  const first = inputs[0]!.profile;
  const times = inputs.map((i) => BigInt(i.profile.timeNanos)).filter((t) => t !== 0n);
  const firstNonEmpty = (pick: (p: Profile) => Numeric): string =>
    inputs.map((i) => stringAt(i.profile, pick(i.profile))).find((x) => x !== '') ?? '';
  const comments = [...new Set(inputs.flatMap((i) => i.profile.comment.map((c) => stringAt(i.profile, c))))];
  const vt = (v: ValueType): ValueType =>
    new ValueType({ type: strings.dedup(stringAt(first, v.type)), unit: strings.dedup(stringAt(first, v.unit)) });
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
  const m = new Merger(inputs[0]!.profile.sampleType.length);
  const head = header(inputs, m.strings);
  for (const input of inputs) m.add(input);
  const samples = m.writeSamples();
  const merged = new Profile({ ...head, mapping: m.mappings, location: m.locations, function: m.functions, stringTable: m.strings });
  leaveEncoded(merged, samples.bytes, samples.spans);
  return merged;
}
