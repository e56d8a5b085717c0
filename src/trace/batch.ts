// A trace's batches: the header of each (generation, thread, base timestamp,
// size) and where its bytes are, as internal/trace/batch.go reads them. The
// bytes stay in the caller's buffer (a batch is a window on it, not a copy).
// Errors read as Go's. Pure and isomorphic.
import type { ByteReader } from './bytes.ts';
import { EV, MAX_BATCH_SIZE } from './spec.ts';

export interface Batch {
  /** The thread (M) that wrote it; -1 for batches of no thread (strings, stacks, sync). */
  readonly m: number;
  /** Base timestamp, in the trace's clock units. */
  readonly time: number;
  /** The batch's data in the trace buffer: [start, end). */
  readonly start: number;
  readonly end: number;
  /** Experiment ID (0: a regular batch). */
  readonly exp: number;
}

export type BatchRead =
  | { readonly kind: 'batch'; readonly batch: Batch; readonly gen: number }
  | { readonly kind: 'end-of-generation' }
  | { readonly kind: 'eof' }
  | { readonly kind: 'error'; readonly gen: number; readonly message: string };

const fail = (gen: number, message: string): BatchRead => ({ kind: 'error', gen, message });

/** The first byte of a batch's data (-1 when empty): what kind of batch it is. */
export const firstByte = (buf: Uint8Array, b: Batch): number => (b.end > b.start ? buf[b.start]! : -1);

/** Reads the next batch header at r.pos and skips its data (Go's readBatch). */
export function readBatch(r: ByteReader): BatchRead {
  const typ = r.byte();
  if (typ < 0) return { kind: 'eof' };
  if (typ === EV.EndOfGeneration) return { kind: 'end-of-generation' };
  if (typ !== EV.EventBatch && typ !== EV.ExperimentalBatch) return fail(0, `expected batch event, got event ${typ}`);
  let exp = 0;
  if (typ === EV.ExperimentalBatch) {
    exp = r.byte();
    if (exp < 0) return { kind: 'eof' }; // Go returns the bare io.EOF here, which callers take for the end.
  }
  const gen = r.readUvarint();
  if (Number.isNaN(gen)) return fail(0, `error reading batch gen: ${r.failure}`);
  const m = r.readUvarint();
  if (Number.isNaN(m)) return fail(gen, `error reading batch M ID: ${r.failure}`);
  const time = r.readUvarint();
  if (Number.isNaN(time)) return fail(gen, `error reading batch timestamp: ${r.failure}`);
  const size = r.readUvarint();
  if (Number.isNaN(size)) return fail(gen, `error reading batch size: ${r.failure}`);
  // Go compares the uint64; a size read as negative (≥ 2^63) is as invalid.
  if (size > MAX_BATCH_SIZE || size < 0)
    return fail(gen, `invalid batch size ${size < 0 ? BigInt.asUintN(64, BigInt(size)) : size}, maximum is ${MAX_BATCH_SIZE}`);
  const start = r.pos;
  const got = Math.min(size, r.remaining);
  r.pos += got;
  if (got !== size) return fail(gen, `failed to read full batch: read ${got} but wanted ${size}`);
  return { kind: 'batch', gen, batch: { m, time, start, end: start + size, exp } };
}
