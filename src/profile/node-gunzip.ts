// Node-only Gunzip (zlib, size-capped). The browser bundle uses stream-gunzip.ts
// instead and must never import this file. The bytes are first inflated into
// nothing, counting, and only a profile under the cap is inflated for real: a
// gzip bomb then costs CPU up to the cap but no memory, and a real profile at
// most its own size.
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ProfileError } from './error.ts';
import { MAX_DECODED_BYTES, tooLargeMessage, type Gunzip } from './gunzip.ts';

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

/** `capName` names the setting of the cap in the error ("--max-decoded-bytes"). */
export function nodeGunzip(maxBytes = MAX_DECODED_BYTES, capName?: string): Gunzip {
  return async (bytes: Uint8Array): Promise<Uint8Array> => {
    if ((await inflatedSize(bytes, maxBytes)) > maxBytes) throw new ProfileError('too-large', tooLargeMessage(maxBytes, capName));
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  };
}
