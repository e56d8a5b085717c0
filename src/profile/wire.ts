// Protocol buffers at the byte level, as much as pprof needs: a reader of tags,
// varints and length-delimited fields, and a growable writer. Varints come back
// as a number while they are exact (≤ 2^53 - 1) and only past that as a bigint
// (unsigned, as pprof-format gives them), so the usual ids, addresses and
// values never touch BigInt. Pure and isomorphic.

/** A protobuf integer as read: a number while exact, else a bigint. */
export type Numeric = number | bigint;

export const VARINT = 0;
export const DELIMITED = 2;

const U64 = (1n << 64n) - 1n;

export class Reader {
  pos = 0;
  /** End of the message being read; nested messages narrow it (`enter`) and restore it (`leave`). */
  limit: number;

  constructor(readonly buf: Uint8Array) {
    this.limit = buf.length;
  }

  get more(): boolean {
    return this.pos < this.limit;
  }

  varint(): Numeric {
    const buf = this.buf;
    let p = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= this.limit) throw new Error('truncated varint');
      const byte = buf[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        const start = this.pos;
        this.pos = p;
        return value <= Number.MAX_SAFE_INTEGER ? value : bigVarint(buf, start, p);
      }
      scale *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** A varint that must be a number: tags, lengths. */
  int(): number {
    const v = this.varint();
    if (typeof v !== 'number') throw new Error(`length or tag out of range: ${v}`);
    return v;
  }

  /** Reads a length and narrows `limit` to it; returns the limit to restore with `leave`. */
  enter(): number {
    const len = this.int();
    const outer = this.limit;
    if (len > outer - this.pos) throw new Error('truncated length-delimited field');
    this.limit = this.pos + len;
    return outer;
  }

  leave(outer: number): void {
    this.pos = this.limit;
    this.limit = outer;
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const outer = this.enter();
    const out = this.buf.subarray(this.pos, this.limit);
    this.leave(outer);
    return out;
  }

  /** Skips a field of wire type `wire`; only varints and length-delimited fields exist in pprof. */
  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === DELIMITED) this.leave(this.enter());
    else throw new Error(`unsupported wire type ${wire}`);
  }

  /** A repeated scalar field, packed (DELIMITED) or not (VARINT), stored from out[n]; returns the new count. */
  repeated(wire: number, out: Numeric[], n: number): number {
    if (wire === VARINT) {
      out[n++] = this.varint();
      return n;
    }
    if (wire !== DELIMITED) throw new Error(`unsupported wire type ${wire}`);
    const outer = this.enter();
    while (this.pos < this.limit) out[n++] = this.varint();
    this.leave(outer);
    return n;
  }
}

function bigVarint(buf: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let p = to - 1; p >= from; p--) v = (v << 7n) | BigInt(buf[p]! & 0x7f);
  if (v > U64) throw new Error('varint overflows 64 bits');
  return v;
}

/** Bytes a varint of `v` takes; negative numbers are int64, ten bytes. */
export function varintSize(v: Numeric): number {
  if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
    let n = 1;
    for (let x = v; x >= 128; x = Math.floor(x / 128)) n++;
    return n;
  }
  let x = BigInt.asUintN(64, BigInt(v));
  let n = 1;
  for (; x >= 128n; x >>= 7n) n++;
  return n;
}

export class Writer {
  private buf = new Uint8Array(64 * 1024);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** A varint; numbers that are not non-negative safe integers, and bigints, as int64/uint64. */
  varint(v: Numeric): void {
    this.room(10);
    const buf = this.buf;
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      let x = v;
      for (; x >= 0x80000000; x = Math.floor(x / 128)) buf[this.pos++] = (x % 128) | 0x80;
      for (; x >= 128; x >>>= 7) buf[this.pos++] = (x & 0x7f) | 0x80;
      buf[this.pos++] = x;
      return;
    }
    let x = BigInt.asUintN(64, BigInt(v));
    for (; x >= 128n; x >>= 7n) buf[this.pos++] = Number(x & 0x7fn) | 0x80;
    buf[this.pos++] = Number(x);
  }

  tag(field: number, wire: number): void {
    this.room(1);
    this.buf[this.pos++] = (field << 3) | wire; // pprof's field numbers are all < 16
  }

  /** A varint field, left out when zero (proto3). */
  field(field: number, v: Numeric | boolean): void {
    if (!v) return;
    this.tag(field, VARINT);
    this.varint(v === true ? 1 : v);
  }

  /** Starts a length-delimited field; returns the mark `end` takes. One byte is kept for the length. */
  begin(field: number): number {
    this.tag(field, DELIMITED);
    this.room(1);
    return this.pos++;
  }

  /** Ends the field `begin` started, writing its length (moving the body if it needs more than one byte); returns where the body starts. */
  end(mark: number): number {
    const len = this.pos - mark - 1;
    const extra = varintSize(len) - 1;
    if (extra > 0) {
      this.room(extra);
      this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    }
    const body = this.pos + extra;
    this.pos = mark;
    this.varint(len);
    this.pos = body;
    return mark + 1 + extra;
  }

  /** A packed repeated varint field of values[from, to), left out when empty (elements that are zero still count). */
  packed(field: number, values: ArrayLike<Numeric>, from = 0, to = values.length): void {
    if (to <= from) return;
    const mark = this.begin(field);
    for (let i = from; i < to; i++) this.varint(values[i]!);
    this.end(mark);
  }

  /** A length-delimited field holding bytes[from, to). */
  copyField(field: number, bytes: Uint8Array, from: number, to: number): void {
    this.tag(field, DELIMITED);
    this.varint(to - from);
    this.room(to - from);
    for (let i = from; i < to; i++) this.buf[this.pos++] = bytes[i]!;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.copyField(field, bytes, 0, bytes.length);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
