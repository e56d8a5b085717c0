// Reading and writing pprof profiles as Go serves them (gzipped protobuf), and
// the few numbers everyone needs: sample type names and per-type totals.
// Pure apart from zlib; int64 values are read as signed (delta profiles go negative).
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile, type ValueType } from 'pprof-format';

export type Numeric = number | bigint;

/** Decompressed profiles larger than this are refused (a gzip bomb is not a profile). */
export const MAX_DECODED_BYTES = 1024 * 1024 * 1024;

export class ProfileFormatError extends Error {
  override readonly name = 'ProfileFormatError';
}

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Decodes a profile, gzipped or not. `what` names it in errors ("the profile of team-a/web-1"). */
export function decodeProfile(data: Uint8Array, what = 'the profile'): Profile {
  let raw: Uint8Array;
  try {
    raw = isGzip(data) ? gunzipSync(data, { maxOutputLength: MAX_DECODED_BYTES }) : data;
  } catch (err) {
    throw new ProfileFormatError(`${what} is not a readable gzipped pprof profile: ${(err as Error).message}`, { cause: err });
  }
  let p: Profile;
  try {
    p = Profile.decode(raw);
  } catch (err) {
    throw new ProfileFormatError(`${what} is not a pprof protobuf: ${(err as Error).message}`, { cause: err });
  }
  if (p.sampleType.length === 0) throw new ProfileFormatError(`${what} is not a pprof profile: it declares no sample types`);
  return p;
}

/** The gzipped protobuf, as `go tool pprof` reads it. */
export function encodeProfile(p: Profile): Buffer {
  return gzipSync(p.encode());
}

export function stringAt(p: Profile, index: Numeric): string {
  return p.stringTable.strings[Number(index)] ?? '';
}

/** "cpu/nanoseconds"; "" when absent. */
export function valueTypeName(p: Profile, vt: ValueType | undefined): string {
  return vt ? `${stringAt(p, vt.type)}/${stringAt(p, vt.unit)}` : '';
}

export function sampleTypeNames(p: Profile): string[] {
  return p.sampleType.map((vt) => valueTypeName(p, vt));
}

/** A protobuf int64 as decoded (unsigned varint) → its signed value. */
export function int64(v: Numeric): bigint {
  return BigInt.asIntN(64, BigInt(v));
}

/** Back to what pprof-format encodes: a number when it is exact, else a bigint. */
export function toNumeric(v: bigint): Numeric {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The sum of every sample's value, per sample type, in sample-type order. */
export function totals(p: Profile): bigint[] {
  const out = p.sampleType.map(() => 0n);
  for (const s of p.sample) {
    s.value.forEach((v, i) => {
      if (i < out.length) out[i] = (out[i] ?? 0n) + int64(v);
    });
  }
  return out;
}

/** Per-type totals keyed by name, for messages and metadata: { "cpu/nanoseconds": "1230000000" }. */
export function namedTotals(p: Profile): Record<string, string> {
  const names = sampleTypeNames(p);
  return Object.fromEntries(totals(p).map((t, i) => [names[i] ?? String(i), t.toString()]));
}
