// The key every replica signs session cookies and tags users with: from
// --session-key-file (a mounted Secret: every replica reads the same bytes), or
// else made once and kept in the shared store at keys/session-key (created with
// putIfAbsent, so replicas sharing a store agree on one; a single replica keeps
// its users signed in across restarts). Until it is loaded, sign-ins, sessions
// and links answer 503 and /readyz says why.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PodprofError } from '../../src/errors.ts';
import type { ObjectStore } from './object-store.ts';

export const STORED_KEY = 'keys/session-key';
/** Shortest key a file may hold: an HMAC key of less than 128 bits is guessable. */
export const MIN_KEY_BYTES = 16;

export class SharedKey {
  private key?: Buffer;
  private problem = 'not loaded yet';
  private loading?: Promise<void>;
  readonly source: string;

  constructor(
    file: string | undefined,
    private readonly store: ObjectStore,
  ) {
    this.source = file ?? `${store.describe} ${STORED_KEY}`;
    if (file !== undefined) {
      const bytes = readFileSync(file);
      if (bytes.length < MIN_KEY_BYTES)
        throw new Error(`--session-key-file ${file}: want at least ${MIN_KEY_BYTES} bytes, it has ${bytes.length}`);
      this.key = bytes;
    }
  }

  /** Loads (or first makes) the stored key; never throws: `missing` then says why. */
  load(): Promise<void> {
    if (this.key) return Promise.resolve();
    this.loading ??= this.fromStore()
      .then((k) => void (this.key = k))
      .catch((err: unknown) => void (this.problem = (err as Error).message))
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fromStore(): Promise<Buffer> {
    await this.store.putIfAbsent(STORED_KEY, randomBytes(32).toString('base64'));
    const stored = await this.store.get(STORED_KEY);
    const key = stored === undefined ? undefined : Buffer.from(Buffer.from(stored).toString('utf8'), 'base64');
    if (!key || key.length < MIN_KEY_BYTES) throw new Error(`${STORED_KEY} in the store is missing or shorter than ${MIN_KEY_BYTES} bytes`);
    return key;
  }

  /** Why the key is not there; undefined once it is. */
  get missing(): string | undefined {
    return this.key ? undefined : this.problem;
  }

  /** The key; a 503 when it is not loaded. */
  readonly current = (): Buffer => {
    if (this.key) return this.key;
    void this.load();
    throw new PodprofError('PODPROF_STORE_UNAVAILABLE', `the session key is not loaded (${this.source}): ${this.problem}`);
  };
}
