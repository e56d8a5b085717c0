// Node-only Gunzip (zlib, size-capped). The browser bundle uses stream-gunzip.ts
// instead and must never import this file. A gzip member ends with its
// inflated size (ISIZE): when that is small, the bytes are inflated at once
// with the output capped at that size, so a lying trailer costs at most
// TRUSTED_ISIZE. Otherwise, or when the trailer lied, the bytes are first
// inflated into nothing, counting, and only a profile under the cap is
// inflated for real: a gzip bomb then costs CPU up to the cap but no memory,
// and a real profile at most its own size.
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ProfileError } from './error.ts';
import { MAX_DECODED_BYTES, tooLargeMessage, type Gunzip } from './gunzip.ts';

/** Largest trailer size inflated without counting first. */
const TRUSTED_ISIZE = 16 * 1024 * 1024;

/** Inflated size of `bytes`, counting no further than just past `cap`. */
async function inflatedSize(bytes: Uint8Array, cap: number): Promise<number> {
  const gunzip = createGunzip();
  let size = 0;
  for await (const chunk of Readable.from([bytes]).pipe(gunzip) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) {
      gunzip.destroy();
      break;
    }
  }
  return size;
}

/** The bytes inflated in one go if their trailer's size is small and true; else undefined. */
function inflateAsTrailerSays(bytes: Uint8Array, cap: number): Uint8Array | undefined {
  if (bytes.length < 18) return undefined;
  const isize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
  if (isize === 0 || isize > Math.min(cap, TRUSTED_ISIZE)) return undefined;
  try {
    return gunzipSync(bytes, { maxOutputLength: isize });
  } catch {
    return undefined; // longer than it says, or not gzip: the counting path decides and reports
  }
}

/** `capName` names the setting of the cap in the error ("--max-decoded-bytes"). */
export function nodeGunzip(maxBytes = MAX_DECODED_BYTES, capName?: string): Gunzip {
  return async (bytes: Uint8Array): Promise<Uint8Array> => {
    const inflated = inflateAsTrailerSays(bytes, maxBytes);
    if (inflated) return inflated;
    if ((await inflatedSize(bytes, maxBytes)) > maxBytes) throw new ProfileError('too-large', tooLargeMessage(maxBytes, capName));
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  };
}
