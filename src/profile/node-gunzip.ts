// Node-only Gunzip (zlib, synchronous, size-capped). The browser bundle uses
// stream-gunzip.ts instead and must never import this file. zlib stops as soon
// as the output passes the cap, so a gzip bomb costs at most the cap.
import { gunzipSync } from 'node:zlib';
import { ProfileError } from './error.ts';
import { MAX_DECODED_BYTES, tooLargeMessage, type Gunzip } from './gunzip.ts';

/** `capName` names the setting of the cap in the error ("--max-decoded-bytes"). */
export function nodeGunzip(maxBytes = MAX_DECODED_BYTES, capName?: string): Gunzip {
  return (bytes: Uint8Array): Promise<Uint8Array> => {
    try {
      return Promise.resolve(gunzipSync(bytes, { maxOutputLength: maxBytes }));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return Promise.reject(e);
      return Promise.reject(new ProfileError('too-large', tooLargeMessage(maxBytes, capName), { cause: e }));
    }
  };
}
