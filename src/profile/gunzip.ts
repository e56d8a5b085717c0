// Gzip behind an interface, so decoding stays isomorphic: node-gunzip.ts (zlib,
// Node only) and stream-gunzip.ts (DecompressionStream, browsers and Node)
// implement it. Also the size limit every implementation enforces by default.
/** Decompresses gzip bytes; refuses output past its size limit with a ProfileError of kind 'too-large'. */
export type Gunzip = (bytes: Uint8Array) => Promise<Uint8Array>;

/**
 * Decompressed profiles larger than this are refused (a gzip bomb is not a
 * profile): the web UI's limit, and the gateway's default --max-decoded-bytes.
 * Go's largest real profiles are tens of MiB.
 */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The message of a too-large ProfileError; `capName` names the setting ("--max-decoded-bytes"). */
export function tooLargeMessage(maxBytes: number, capName?: string): string {
  const size = maxBytes % (1024 * 1024) === 0 ? `${maxBytes / 1024 / 1024} MiB` : `${maxBytes} bytes`;
  return `it decompresses to more than ${size}${capName ? ` (${capName})` : ''}`;
}
