// Just enough of the zip format to read one file out of a module zip without the
// rest: the end-of-central-directory record from the zip's tail, the central
// directory, then the one entry's local header and data (stored or deflated).
// Pure: the caller fetches the byte ranges (gateway/source/fetcher.ts). Zip64
// (a zip over 4 GiB or 65535 files) is refused: module zips are at most 500 MiB.
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

export interface ZipDirectory {
  readonly offset: number;
  readonly size: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) and the longest comment it may carry. */
export const TAIL_BYTES = 22 + 0xffff;
export const LOCAL_HEADER_BYTES = 30;

export class ZipError extends Error {}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Where the central directory is, from the last TAIL_BYTES (or fewer) of a zip of `total` bytes. */
export function readEnd(tail: Uint8Array, total: number): ZipDirectory {
  const d = view(tail);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (d.getUint32(i, true) !== EOCD) continue;
    const entries = d.getUint16(i + 10, true);
    const size = d.getUint32(i + 12, true);
    const offset = d.getUint32(i + 16, true);
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw new ZipError('zip64 archives are not read');
    if (offset + size > total) throw new ZipError('the central directory lies outside the zip');
    return { offset, size };
  }
  throw new ZipError('no end of central directory: not a zip');
}

/** Every entry of a central directory by name. */
export function readDirectory(dir: Uint8Array): Map<string, ZipEntry> {
  const d = view(dir);
  const out = new Map<string, ZipEntry>();
  const names = new TextDecoder('utf-8', { fatal: false });
  let i = 0;
  while (i + 46 <= dir.length) {
    if (d.getUint32(i, true) !== CENTRAL) throw new ZipError('corrupt central directory');
    const nameLen = d.getUint16(i + 28, true);
    const extraLen = d.getUint16(i + 30, true);
    const commentLen = d.getUint16(i + 32, true);
    if (i + 46 + nameLen > dir.length) throw new ZipError('corrupt central directory');
    const name = names.decode(dir.subarray(i + 46, i + 46 + nameLen));
    const entry: ZipEntry = {
      method: d.getUint16(i + 10, true),
      compressedSize: d.getUint32(i + 20, true),
      size: d.getUint32(i + 24, true),
      localOffset: d.getUint32(i + 42, true),
    };
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff)
      throw new ZipError('zip64 entries are not read');
    out.set(name, entry);
    i += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Where an entry's data starts, from its 30-byte local header. */
export function dataOffset(entry: ZipEntry, header: Uint8Array): number {
  const d = view(header);
  if (header.length < LOCAL_HEADER_BYTES || d.getUint32(0, true) !== LOCAL) throw new ZipError('corrupt local header');
  return entry.localOffset + LOCAL_HEADER_BYTES + d.getUint16(26, true) + d.getUint16(28, true);
}

/** An entry's bytes from its (compressed) data, no more than maxBytes. */
export function inflateEntry(entry: ZipEntry, data: Uint8Array, maxBytes: number): Buffer {
  if (entry.size > maxBytes) throw new ZipError(`the file is ${entry.size} bytes, over ${maxBytes}`);
  if (entry.method === 0) return Buffer.from(data.subarray(0, entry.size));
  if (entry.method !== 8) throw new ZipError(`compression method ${entry.method} is not read`);
  let out: Buffer;
  try {
    out = inflateRawSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch {
    throw new ZipError('the entry does not inflate within its size');
  }
  if (out.length !== entry.size) throw new ZipError('the entry inflates to another size than the directory says');
  return out;
}
