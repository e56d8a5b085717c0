// Reading a trace's bytes: Go's two uvarint decoders (binary.Uvarint over a
// slice, used for events, and binary.ReadUvarint over a stream, used for batch
// headers and tables) with their distinct failure cases, so errors read as
// Go's. Values are numbers: exact up to 2^53 - 1; a uint64 of 2^63 or more is
// read as the int64 Go would make of it (so the runtime's ^uint64(0) "no
// thread"/"no proc" is -1, exactly); between 2^53 and 2^63 a value is rounded
// (nothing the runtime writes gets there: IDs, sequence numbers, sizes, PCs).
// Pure and isomorphic.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const U64 = 1n << 64n;
const I64_MAX = (1n << 63n) - 1n;

/** Go's errors from binary.ReadUvarint, by name. */
/** What running out of bytes means: in a stream, EOF before a value, an unexpected EOF inside one; in a buffer, short. */
function endOfInput(stream: boolean, i: number): string {
  if (!stream) return 'short';
  return i === 0 ? EOF : UNEXPECTED_EOF;
}

export const EOF = 'EOF';
export const UNEXPECTED_EOF = 'unexpected EOF';
export const OVERFLOW = 'binary: varint overflows a 64-bit integer';

function exact(buf: Uint8Array, from: number, to: number): number {
  let v = 0n;
  for (let p = to - 1; p >= from; p--) v = (v << 7n) | BigInt(buf[p]! & 0x7f);
  v = BigInt.asUintN(64, v);
  return Number(v > I64_MAX ? v - U64 : v);
}

export class ByteReader {
  pos: number;
  /** Why the last uvarint/readUvarint returned NaN: one of EOF, UNEXPECTED_EOF, OVERFLOW, or 'short' (uvarint only). */
  failure = '';

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    public end = buf.length,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** One byte, or -1 at the end. */
  byte(): number {
    return this.pos < this.end ? this.buf[this.pos++]! : -1;
  }

  /** binary.Uvarint: NaN with failure 'short' (ran out of bytes) or OVERFLOW. */
  uvarint(): number {
    const p = this.pos;
    if (p < this.end) {
      const b = this.buf[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
    }
    return this.slow(false);
  }

  /** binary.ReadUvarint: NaN with failure EOF (no byte at all), UNEXPECTED_EOF or OVERFLOW. */
  readUvarint(): number {
    return this.slow(true);
  }

  private slow(stream: boolean): number {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let v = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      // ReadUvarint gives up after ten bytes; Uvarint looks at an eleventh (and calls a short slice short).
      if (i === 10 && stream) return this.fail(OVERFLOW);
      if (p >= this.end) return this.fail(endOfInput(stream, i));
      if (i === 10) return this.fail(OVERFLOW);
      const b = buf[p++]!;
      if (b < 0x80) {
        if (i === 9 && b > 1) return this.fail(OVERFLOW);
        v += b * scale;
        this.pos = p;
        return v <= MAX_SAFE ? v : exact(buf, start, p);
      }
      v += (b & 0x7f) * scale;
      scale *= 128;
    }
  }

  private fail(why: string): number {
    this.failure = why;
    return NaN;
  }
}
