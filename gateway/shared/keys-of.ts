// The names shared state is stored under, pure: a user's tag (a keyed hash of
// the name, so the store and URLs name no user), a secret's digest (the store
// never holds a secret), and an expiry written into the key itself, so counting
// a user's open links or sessions, or sweeping expired ones, is a list with no reads.
import { createHash, createHmac } from 'node:crypto';
import { PodprofError } from '../../src/errors.ts';
import { StoreUnavailable } from './object-store.ts';

/** Hex characters of a user's tag at the start of a link secret or session id. */
export const TAG_CHARS = 16;
/** Base-36 characters of an expiry (ms since the epoch) in a secret or id: enough until the year 5188. */
export const UNTIL_CHARS = 9;

/** A user's tag: HMAC(shared key, name), the same on every replica that holds the key. */
export const userTag = (key: Buffer, name: string): string =>
  createHmac('sha256', key).update(`podprof user\0${name}`).digest('hex').slice(0, TAG_CHARS);

/** What the store keeps in place of a secret or session id. */
export const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export const untilText = (until: number): string => Math.max(0, Math.floor(until)).toString(36).padStart(UNTIL_CHARS, '0');

/** A secret or id: the owner's tag, its expiry, then `random` (base64url). */
export const compose = (tag: string, until: number, random: string): string => `${tag}${untilText(until)}${random}`;

/** The tag and expiry a secret or id carries, or undefined when it is not one of ours. */
export function parseSecret(secret: string, randomChars: number): { tag: string; until: number } | undefined {
  const re = new RegExp(`^([0-9a-f]{${TAG_CHARS}})([0-9a-z]{${UNTIL_CHARS}})[A-Za-z0-9_-]{${randomChars}}$`);
  const m = re.exec(secret);
  return m ? { tag: m[1]!, until: parseInt(m[2]!, 36) } : undefined;
}

/** `<prefix>/<tag>/<until>-<digest>`: where a secret's record lives. */
export const recordKey = (prefix: string, secret: string, tag: string, until: number): string =>
  `${prefix}/${tag}/${untilText(until)}-${digestOf(secret)}`;

/** The expiry written in a record's (or marker's) key name; NaN when the name is not one of ours. */
export function untilOfKey(key: string): number {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return /^[0-9a-z]{9}-[A-Za-z0-9_-]{43}$/.test(name) ? parseInt(name.slice(0, UNTIL_CHARS), 36) : Number.NaN;
}

/** Runs a store call; whatever it throws becomes a 503 that says the shared store failed. */
export async function viaStore<T>(describe: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PodprofError) throw err;
    const why = err instanceof StoreUnavailable ? err.message : `${describe}: ${(err as Error).message}`;
    throw new PodprofError('PODPROF_STORE_UNAVAILABLE', `the store replicas share (${why}) failed`);
  }
}
