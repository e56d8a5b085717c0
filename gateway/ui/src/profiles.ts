// Fetches and decodes capture profiles once per page load (DecompressionStream
// gunzip, the isomorphic analysis core), and derives the diff of two.
import { diffProfiles } from '../../../src/analysis/diff.ts';
import { fromPprof } from '../../../src/analysis/from-pprof.ts';
import type { ProfileModel } from '../../../src/analysis/model.ts';
import { decodeProfile } from '../../../src/profile/decode.ts';
import { streamGunzip } from '../../../src/profile/stream-gunzip.ts';
import { fetchProfile } from './api.ts';

const cache = new Map<string, Promise<ProfileModel>>();
const diffs = new Map<string, ProfileModel>();

export function loadProfile(id: string): Promise<ProfileModel> {
  let p = cache.get(id);
  if (!p) {
    p = fetchProfile(id).then((bytes) => {
      performance.mark(`podprof:decode-start:${id}`);
      return decodeProfile(bytes, streamGunzip()).then(fromPprof).finally(() => performance.measure(`podprof:decode:${id}`, `podprof:decode-start:${id}`));
    });
    p.catch(() => cache.delete(id));
    cache.set(id, p);
    if (cache.size > 6) cache.delete(cache.keys().next().value as string);
  }
  return p;
}

export async function loadDiff(id: string, base: string, normalize: boolean): Promise<ProfileModel> {
  const key = `${id}|${base}|${normalize}`;
  const known = diffs.get(key);
  if (known) return known;
  const [a, b] = await Promise.all([loadProfile(id), loadProfile(base)]);
  const d = diffProfiles(a, b, { normalize });
  diffs.clear();
  diffs.set(key, d);
  return d;
}
