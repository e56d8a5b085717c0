// The string table of a decoded profile: a pprof-format StringTable that keeps
// only the strings, decoded with one shared TextDecoder, and builds its index
// (for dedup) and its encoding only if someone asks. pprof-format's own table
// makes a TextDecoder and a copy of the bytes per string, which cost more than
// the rest of decoding. Behaves as StringTable does: dedup finds the last of
// equal strings. Pure and isomorphic.
import { StringTable, emptyTableToken } from 'pprof-format';
import { varintSize } from './wire.ts';

const utf8In = new TextDecoder();
const utf8Out = new TextEncoder();
const STRING_TAG = (6 << 3) | 2;

export class DecodedStrings extends StringTable {
  private positions: Map<string, number> | undefined;

  constructor() {
    super(emptyTableToken);
  }

  override _decodeString(bytes: Uint8Array): void {
    const s = utf8In.decode(bytes);
    this.positions?.set(s, this.strings.length);
    this.strings.push(s);
  }

  override dedup(s: string): number {
    if (typeof s === 'number') return s;
    this.positions ??= new Map(this.strings.map((x, i) => [x, i]));
    const known = this.positions.get(s);
    if (known !== undefined) return known;
    this.positions.set(s, this.strings.length);
    return this.strings.push(s) - 1;
  }

  override get encodedLength(): number {
    let size = 0;
    for (const s of this.strings) {
      const n = utf8Out.encode(s).length;
      size += 1 + varintSize(n) + n;
    }
    return size;
  }

  override _encodeToBuffer(buffer: Uint8Array, offset: number): number {
    for (const s of this.strings) {
      const bytes = utf8Out.encode(s);
      buffer[offset++] = STRING_TAG;
      for (let n = bytes.length; ; n = Math.floor(n / 128)) {
        buffer[offset++] = n < 128 ? n : (n % 128) | 0x80;
        if (n < 128) break;
      }
      buffer.set(bytes, offset);
      offset += bytes.length;
    }
    return offset;
  }

  override encode(buffer = new Uint8Array(this.encodedLength)): Uint8Array {
    this._encodeToBuffer(buffer, 0);
    return buffer;
  }
}
