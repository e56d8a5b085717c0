// pprof-format Profile → protobuf bytes, byte for byte what Profile.encode
// writes (same fields, same order, zeros left out), in one pass into one
// growing buffer: no per-field arrays, no size pass. Samples still encoded
// (samples.ts) are copied as they are. Pure and isomorphic.
import type { Function as PFunction, Label, Line, Location, Mapping, Profile, ValueType } from 'pprof-format';
import { encodedSamples } from './samples.ts';
import type { Numeric } from './values.ts';
import { Writer } from './wire.ts';

const utf8 = new TextEncoder();

function valueType(w: Writer, field: number, vt: ValueType): void {
  const m = w.begin(field);
  w.field(1, vt.type);
  w.field(2, vt.unit);
  w.end(m);
}

function label(w: Writer, l: Label): void {
  const m = w.begin(3);
  w.field(1, l.key);
  w.field(2, l.str);
  w.field(3, l.num);
  w.field(4, l.numUnit);
  w.end(m);
}

/** A Sample message of locationIds[from, to), values and labels; returns where its body starts (it ends at w.size). */
export function writeSample(
  w: Writer,
  locationIds: ArrayLike<Numeric>,
  from: number,
  to: number,
  values: readonly Numeric[],
  labels: readonly Label[],
): number {
  const m = w.begin(2);
  w.packed(1, locationIds, from, to);
  w.packed(2, values);
  for (let i = 0; i < labels.length; i++) label(w, labels[i]!);
  return w.end(m);
}

function mapping(w: Writer, x: Mapping): void {
  const m = w.begin(3);
  w.field(1, x.id);
  w.field(2, x.memoryStart);
  w.field(3, x.memoryLimit);
  w.field(4, x.fileOffset);
  w.field(5, x.filename);
  w.field(6, x.buildId);
  w.field(7, x.hasFunctions);
  w.field(8, x.hasFilenames);
  w.field(9, x.hasLineNumbers);
  w.field(10, x.hasInlineFrames);
  w.end(m);
}

function line(w: Writer, l: Line): void {
  const m = w.begin(4);
  w.field(1, l.functionId);
  w.field(2, l.line);
  w.field(3, l.column);
  w.end(m);
}

function location(w: Writer, l: Location): void {
  const m = w.begin(4);
  w.field(1, l.id);
  w.field(2, l.mappingId);
  w.field(3, l.address);
  for (const x of l.line) line(w, x);
  w.field(5, l.isFolded);
  w.end(m);
}

function func(w: Writer, f: PFunction): void {
  const m = w.begin(5);
  w.field(1, f.id);
  w.field(2, f.name);
  w.field(3, f.systemName);
  w.field(4, f.filename);
  w.field(5, f.startLine);
  w.end(m);
}

export function writeProfile(p: Profile): Uint8Array {
  const w = new Writer();
  for (const vt of p.sampleType) valueType(w, 1, vt);
  const encoded = encodedSamples(p);
  if (encoded) for (let i = 0; i < encoded.spans.length; i += 2) w.copyField(2, encoded.bytes, encoded.spans[i]!, encoded.spans[i + 1]!);
  else for (const s of p.sample) writeSample(w, s.locationId, 0, s.locationId.length, s.value, s.label);
  for (const m of p.mapping) mapping(w, m);
  for (const l of p.location) location(w, l);
  for (const f of p.function) func(w, f);
  for (const s of p.stringTable.strings) w.bytesField(6, utf8.encode(s));
  w.field(7, p.dropFrames);
  w.field(8, p.keepFrames);
  w.field(9, p.timeNanos);
  w.field(10, p.durationNanos);
  if (p.periodType) valueType(w, 11, p.periodType);
  w.field(12, p.period);
  w.packed(13, p.comment);
  w.field(14, p.defaultSampleType);
  w.field(15, p.docUrl);
  return w.finish();
}
