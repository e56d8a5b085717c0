// The worker's decoded profiles: fetched and decoded once per page load
// (DecompressionStream gunzip, the isomorphic analysis core), the diff of two
// derived from them, and the last prepared view kept for the next request.
import { diffProfiles } from '../../../../src/analysis/diff.ts';
import { fromPprof } from '../../../../src/analysis/from-pprof.ts';
import type { ProfileModel } from '../../../../src/analysis/model.ts';
import { prepare, type Prepared, type ViewOptions } from '../../../../src/analysis/prepare.ts';
import { decodeProfile } from '../../../../src/profile/decode.ts';
import { streamGunzip } from '../../../../src/profile/stream-gunzip.ts';
import { fetchProfile } from '../api.ts';
import type { DecodeTime } from './protocol.ts';

const now = (): number => performance.timeOrigin + performance.now();
const cache = new Map<string, Promise<ProfileModel>>();
const diffs = new Map<string, ProfileModel>();
let last: { key: string; model: ProfileModel; prepared: Prepared } | undefined;

export function loadProfile(id: string, decoded: DecodeTime[]): Promise<ProfileModel> {
  let p = cache.get(id);
  if (!p) {
    p = fetchProfile(id).then(async (bytes) => {
      const start = now();
      const model = fromPprof(await decodeProfile(bytes, streamGunzip()));
      decoded.push({ id, start, end: now() });
      return model;
    });
    p.catch(() => cache.delete(id));
    cache.set(id, p);
    if (cache.size > 6) cache.delete(cache.keys().next().value as string);
  }
  return p;
}

export async function loadDiff(id: string, base: string, normalize: boolean, decoded: DecodeTime[]): Promise<ProfileModel> {
  const key = `${id}|${base}|${normalize}`;
  const known = diffs.get(key);
  if (known) return known;
  const [a, b] = await Promise.all([loadProfile(id, decoded), loadProfile(base, decoded)]);
  const d = diffProfiles(a, b, { normalize });
  diffs.clear();
  diffs.set(key, d);
  return d;
}

/** `prepare`, remembering the last answer (switching views keeps the options). */
export function prepared(model: ProfileModel, o: ViewOptions): Prepared {
  const key = JSON.stringify(o);
  if (last?.model !== model || last.key !== key) last = { key, model, prepared: prepare(model, o) };
  return last.prepared;
}
