// The few numbers and names everyone reads off a decoded profile: strings,
// sample type names, signed int64 values (delta profiles go negative) and
// per-type totals. Pure.
import type { Profile, ValueType } from 'pprof-format';
import { SampleFields } from './samples.ts';
import type { Numeric } from './wire.ts';

export type { Numeric } from './wire.ts';

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

/**
 * The sum of every sample's value, per sample type, in sample-type order. Read
 * off the encoded samples while they still are (samples.ts): no Sample objects
 * are built. Summed as numbers while exact, the rest as bigints.
 */
export function totals(p: Profile): bigint[] {
  const width = p.sampleType.length;
  const small = new Float64Array(width);
  const big = p.sampleType.map(() => 0n);
  const f = new SampleFields();
  f.each(p, () => {
    for (let i = 0; i < f.valueCount && i < width; i++) {
      const v = f.values[i]!;
      const sum = typeof v === 'number' ? small[i]! + v : NaN;
      if (Number.isSafeInteger(v) && Number.isSafeInteger(sum)) small[i] = sum;
      else big[i] = big[i]! + int64(v);
    }
  });
  return big.map((b, i) => b + BigInt(small[i]!));
}

/** Per-type totals keyed by name, for messages and metadata: { "cpu/nanoseconds": "1230000000" }. */
export function namedTotals(p: Profile): Record<string, string> {
  const names = sampleTypeNames(p);
  return Object.fromEntries(totals(p).map((t, i) => [names[i] ?? String(i), t.toString()]));
}

const exact = (v: Numeric): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** a - b, exactly: a number while that is exact, else a bigint. */
export function difference(a: Numeric, b: Numeric): Numeric {
  const d = exact(a) && exact(b) ? a - b : NaN;
  return Number.isSafeInteger(d) ? d : toNumeric(BigInt(a) - BigInt(b));
}

/** a + b wrapped to uint64 (an address moved by a signed offset): a number while that is exact, else a bigint. */
export function addUint64(a: Numeric, b: Numeric): Numeric {
  const s = exact(a) && exact(b) ? a + b : NaN;
  return s >= 0 && Number.isSafeInteger(s) ? s : toNumeric(BigInt.asUintN(64, BigInt(a) + BigInt(b)));
}
