// Node-only gunzip for `decodeProfile` (zlib, synchronous, size-capped). The
// browser bundle uses `streamGunzip` from decode.ts instead.
import { gunzipSync } from 'node:zlib';
import { MAX_PROFILE_BYTES, type Gunzip } from './decode.ts';

export function nodeGunzip(maxBytes = MAX_PROFILE_BYTES): Gunzip {
  return (bytes: Uint8Array): Promise<Uint8Array> => {
    try {
      return Promise.resolve(gunzipSync(bytes, { maxOutputLength: maxBytes }));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}
