// What gateway replicas share: a flat key space of immutable-ish objects.
// Two implementations: a local directory (the embedded default, one replica)
// and an S3-compatible bucket (--store s3://…, any number of replicas).
// Keys are '/'-separated, each segment [A-Za-z0-9._-]+ with no '..'; the
// stores refuse anything else, so a key can never name a path outside the root.
// Only putIfAbsent is a coordination primitive (S3: If-None-Match: *; a
// directory: open with O_EXCL): a link is spent once, a lease taken once,
// whichever replica asks first.
import type { Readable } from 'node:stream';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  /** When it was last written (ms since the epoch). */
  readonly modified: number;
}

export interface ObjectStore {
  /** What it is, for logs and /readyz ("dir /var/lib/podprof", "s3 bucket/prefix at endpoint"). */
  readonly describe: string;
  /** The whole object, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object as a stream with its size, or undefined when there is none. */
  open(key: string): Promise<{ stream: Readable; size: number } | undefined>;
  /** Writes (replaces) an object; a reader sees the old one or the new one, never part of either. */
  put(key: string, body: Uint8Array | string): Promise<void>;
  /**
   * Streams an object in; it is visible only once complete. Returns its size.
   * `size`, when the caller knows it (a local file), lets S3 stream it rather than buffer it.
   */
  putStream(key: string, body: AsyncIterable<Uint8Array>, size?: number): Promise<number>;
  /** Creates the object only if no object has the key: true when this call created it. */
  putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /** Deletes the object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Resolves when the store answers; rejects with why it does not (for /readyz and 503s). */
  ping(): Promise<void>;
}

/** Thrown when the store cannot be reached or answers with an error: routes answer 503 (PODPROF_STORE_UNAVAILABLE). */
export class StoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailable';
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws unless `key` is a safe key (see the header). */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (key.length > 900 || parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..'))
    throw new Error(`not a valid store key: ${JSON.stringify(key)}`);
  return key;
}
