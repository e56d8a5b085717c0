// Hand-made execution traces for the parser's tests: the wire format's
// header, batches and events as bytes, so a test can build exactly the
// broken or hostile trace it means (bad varints, huge sizes, threads out of
// order) without a Go program.
import { EV } from '../../src/trace/spec.ts';

/** An unsigned LEB128 varint; negative numbers as the uint64 Go would write (-1: ^uint64(0)). */
export function uvarint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

/** An event: its type byte, then each argument as a varint (timed events: the time delta first). */
export const ev = (type: number, ...args: (number | bigint)[]): number[] => [type, ...args.flatMap(uvarint)];

export interface RawBatch {
  gen: number;
  /** The thread; -1 for none (strings, stacks, sync batches). */
  m: number;
  time: number;
  data: number[];
  /** Overrides the size in the header (to lie about it). */
  size?: number | bigint;
}

export function batch(b: RawBatch): number[] {
  return [EV.EventBatch, ...uvarint(b.gen), ...uvarint(b.m), ...uvarint(b.time), ...uvarint(b.size ?? b.data.length), ...b.data];
}

export function header(version: number): number[] {
  return [...new TextEncoder().encode(`go 1.${version} trace\0\0\0`)];
}

/** A trace of the given version from batches (and any raw bytes after them). */
export function traceBytes(version: number, batches: readonly RawBatch[], tail: readonly number[] = []): Uint8Array {
  return Uint8Array.from([...header(version), ...batches.flatMap(batch), ...tail]);
}

/** The sync batch of a Go 1.22/1.23 trace: the frequency alone (ns clock, 64 ns a tick). */
export const frequencyBatch = (gen: number): RawBatch => ({ gen, m: -1, time: 1, data: ev(EV.Frequency, 15_625_000) });

/** A strings batch. */
export function stringsBatch(gen: number, strings: readonly [number, string | number[]][]): RawBatch {
  const data: number[] = [EV.Strings];
  for (const [id, s] of strings) {
    const bytes = typeof s === 'string' ? [...new TextEncoder().encode(s)] : s;
    data.push(EV.String, ...uvarint(id), ...uvarint(bytes.length), ...bytes);
  }
  return { gen, m: -1, time: 1, data };
}
