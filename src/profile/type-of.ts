// Which of Go's profile types a profile is, by its sample types ("cpu/nanoseconds", …):
// what an uploaded or locally opened file is shown and compared as. Pure.
import type { ProfileType } from '../endpoints/catalog.ts';

/**
 * A CPU profile, a heap profile, goroutines, threads, or contentions (block; a mutex profile has the same sample
 * types, so it needs saying); anything else (not Go's) counts as a CPU-like "profile".
 */
export function profileTypeOf(sampleTypes: readonly string[]): ProfileType {
  const has = (t: string): boolean => sampleTypes.some((s) => s.split('/')[0] === t);
  if (has('cpu')) return 'profile';
  if (has('inuse_space') || has('alloc_space')) return 'heap';
  if (has('goroutine')) return 'goroutine';
  if (has('threadcreate')) return 'threadcreate';
  if (has('contentions') || has('delay')) return 'block';
  return 'profile';
}
