// Isomorphic Gunzip on DecompressionStream (browsers and Node), size-capped:
// what the web UI decodes captures with.
import { ProfileError } from './error.ts';
import { MAX_DECODED_BYTES, tooLargeMessage, type Gunzip } from './gunzip.ts';

export function streamGunzip(maxBytes = MAX_DECODED_BYTES): Gunzip {
  return async (bytes: Uint8Array): Promise<Uint8Array> => {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    const reader: ReadableStreamDefaultReader<Uint8Array> = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw new ProfileError('too-large', tooLargeMessage(maxBytes));
      }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  };
}
