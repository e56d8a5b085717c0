// Node-only Gunzip (zlib, synchronous, size-capped). The browser bundle uses
// stream-gunzip.ts instead and must never import this file.
import { gunzipSync } from 'node:zlib';
import { ProfileError } from './error.ts';
import { MAX_DECODED_BYTES, type Gunzip } from './gunzip.ts';

export function nodeGunzip(maxBytes = MAX_DECODED_BYTES): Gunzip {
  return (bytes: Uint8Array): Promise<Uint8Array> => {
    try {
      return Promise.resolve(gunzipSync(bytes, { maxOutputLength: maxBytes }));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return Promise.reject(tooLarge ? new ProfileError('too-large', e.message, { cause: e }) : e);
    }
  };
}
