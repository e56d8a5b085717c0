// pprof-format Profile (decoded by src/profile, or merged) → the analysis
// model: strings resolved, frames shared, ids turned into indexes. Pure and
// isomorphic. Dangling references fail with a ProfileError of kind 'malformed'.
import type { Profile } from 'pprof-format';
import { ProfileError } from '../profile/error.ts';
import type { Numeric } from '../profile/values.ts';
import type { Frame, Location, NumLabel, ProfileModel, Sample, ValueType } from './model.ts';
import { setStackIds, StackTable } from './stack-groups.ts';

/** A protobuf int64 (pprof-format gives unsigned varints) as a signed JS number. */
export function toInt(v: Numeric): number {
  return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v));
}

// Most samples carry no labels (a CPU profile without pprof.Do): they share these two, read-only in the model.
const NO_LABELS: ReadonlyMap<string, readonly string[]> = new Map();
const NO_NUM_LABELS: ReadonlyMap<string, readonly NumLabel[]> = new Map();

class Decoder {
  readonly frames: Frame[] = [];
  private readonly frameIndex = new Map<string, number>();
  private readonly functions = new Map<number, Profile['function'][number]>();
  private readonly mappings = new Map<number, string>();
  readonly locations: Location[] = [];
  readonly locationIndex = new Map<number, number>();
  private denseIndex = new Int32Array(0);
  /** Samples with equal location lists share one array; stackOf[s] numbers sample s's list. */
  private readonly stacks: StackTable;
  readonly stackArrays: (readonly number[])[] = [];
  private scratch = new Int32Array(64);
  stackOf = new Int32Array(0);

  constructor(private readonly p: Profile) {
    this.stacks = new StackTable(p.sample.length);
    for (const f of p.function) this.functions.set(toInt(f.id), f);
    for (const m of p.mapping) this.mappings.set(toInt(m.id), this.str(m.filename));
  }

  str(i: Numeric): string {
    const s = this.p.stringTable.strings[toInt(i)];
    if (s === undefined) throw malformed(`string index ${toInt(i)} is out of range`);
    return s;
  }

  private frame(functionId: number, line: number, column: number): number {
    const key = `${functionId}:${line}:${column}`;
    const known = this.frameIndex.get(key);
    if (known !== undefined) return known;
    const f = functionId === 0 ? undefined : this.functions.get(functionId);
    if (functionId !== 0 && f === undefined) throw malformed(`function id ${functionId} not found`);
    this.frames.push({
      functionId,
      name: f ? this.str(f.name) : '',
      systemName: f ? this.str(f.systemName) : '',
      file: f ? this.str(f.filename) : '',
      line,
      column,
      startLine: f ? toInt(f.startLine) : 0,
    });
    this.frameIndex.set(key, this.frames.length - 1);
    return this.frames.length - 1;
  }

  addLocations(): void {
    for (const l of this.p.location) {
      const id = toInt(l.id);
      const mappingId = toInt(l.mappingId);
      const mapping = mappingId === 0 ? '' : this.mappings.get(mappingId);
      if (mapping === undefined) throw malformed(`location ${id}: mapping id ${mappingId} not found`);
      const frames = l.line.map((ln) => this.frame(toInt(ln.functionId), toInt(ln.line), toInt(ln.column)));
      this.locationIndex.set(id, this.locations.length);
      this.locations.push({ id, mapping, frames });
    }
    // Go numbers locations 1, 2, …: then an array indexed by id answers the samples' millions of lookups.
    let max = 0;
    for (const l of this.locations) max = l.id < 0 ? Infinity : Math.max(max, l.id);
    if (max <= 4 * this.locations.length + 1024) {
      this.denseIndex = new Int32Array(max + 1).fill(-1);
      this.locations.forEach((l, i) => (this.denseIndex[l.id] = i));
    }
  }

  /** Location id → index, -1 if unknown. */
  private locationAt(raw: Numeric): number {
    const id = toInt(raw);
    if (id >= 0 && id < this.denseIndex.length) return this.denseIndex[id] as number;
    return this.denseIndex.length > 0 ? -1 : (this.locationIndex.get(id) ?? -1);
  }

  private stackLocations(ids: readonly Numeric[], sample: number): readonly number[] {
    if (ids.length > this.scratch.length) this.scratch = new Int32Array(2 * ids.length);
    const indexes = this.scratch;
    for (let k = 0; k < ids.length; k++) {
      const i = this.locationAt(ids[k] as Numeric);
      if (i < 0) throw malformed(`sample refers to location id ${toInt(ids[k] as Numeric)}, which does not exist`);
      indexes[k] = i;
    }
    const id = this.stacks.id(indexes, ids.length);
    this.stackOf[sample] = id;
    if (id === this.stackArrays.length) this.stackArrays.push(Array.from(indexes.subarray(0, ids.length)));
    return this.stackArrays[id] as readonly number[];
  }

  sample(s: Profile['sample'][number], index: number, types: number): Sample {
    const locations = this.stackLocations(s.locationId, index);
    if (s.value.length !== types) {
      throw malformed(`mismatch: sample has ${s.value.length} values vs. ${types} types`);
    }
    if (s.label.length === 0) return { locations, values: s.value.map(toInt), labels: NO_LABELS, numLabels: NO_NUM_LABELS };
    const labels = new Map<string, string[]>();
    const numLabels = new Map<string, NumLabel[]>();
    for (const l of s.label) {
      const key = this.str(l.key);
      if (toInt(l.str) !== 0) labels.set(key, [...(labels.get(key) ?? []), this.str(l.str)]);
      else if (toInt(l.num) !== 0 || toInt(l.numUnit) !== 0) {
        numLabels.set(key, [...(numLabels.get(key) ?? []), { value: toInt(l.num), unit: this.str(l.numUnit) }]);
      }
    }
    return { locations, values: s.value.map(toInt), labels, numLabels };
  }
}

function valueType(d: Decoder, vt: { type: Numeric; unit: Numeric }): ValueType {
  return { type: d.str(vt.type), unit: d.str(vt.unit) };
}

/** Converts a pprof-format Profile (decoded or merged) into the analysis model. */
export function fromPprof(p: Profile): ProfileModel {
  try {
    const d = new Decoder(p);
    const sampleTypes = p.sampleType.map((vt) => valueType(d, vt));
    if (sampleTypes.length === 0) throw new ProfileError('no-sample-types', 'the profile declares no sample types');
    d.addLocations();
    d.stackOf = new Int32Array(p.sample.length);
    const samples = p.sample.map((s, i) => d.sample(s, i, sampleTypes.length));
    setStackIds(samples, { of: d.stackOf, count: d.stackArrays.length });
    const first = p.mapping[0];
    return {
      sampleTypes,
      defaultSampleType: d.str(p.defaultSampleType),
      frames: d.frames,
      locations: d.locations,
      samples,
      periodType: p.periodType ? valueType(d, p.periodType) : undefined,
      period: toInt(p.period),
      timeNanos: toInt(p.timeNanos),
      durationNanos: toInt(p.durationNanos),
      comments: p.comment.map((c) => d.str(c)),
      mainFile: first ? d.str(first.filename) : '',
      buildId: first ? d.str(first.buildId) : '',
      docUrl: d.str(p.docUrl),
    };
  } catch (err) {
    if (err instanceof ProfileError) throw err;
    throw new ProfileError('malformed', `malformed profile: ${(err as Error).message}`, { cause: err });
  }
}

function malformed(message: string): ProfileError {
  return new ProfileError('malformed', message);
}
