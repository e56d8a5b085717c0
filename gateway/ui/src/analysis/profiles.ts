// The worker's decoded profiles: fetched and decoded once per page load
// (DecompressionStream gunzip, the isomorphic analysis core), the diff of two
// derived from them, and the last prepared view kept for the next request.
// A file the user opened locally is decoded here from the bytes the page sent
// and kept by its id (local:<n>): never fetched, never evicted while the page
// has it open.
// A trace capture's blocking profile is the gateway's derived
// trace-<kind>.pb.gz, or for a capture stored before the gateway derived
// them, computed from its trace. A download tells its progress and stops
// when the page cancels it (its AbortSignal).
import { diffProfiles } from '../../../../src/analysis/diff.ts';
import { fromPprof } from '../../../../src/analysis/from-pprof.ts';
import type { ProfileModel } from '../../../../src/analysis/model.ts';
import { prepare, type Prepared, type ViewOptions } from '../../../../src/analysis/prepare.ts';
import { decodeProfile } from '../../../../src/profile/decode.ts';
import { streamGunzip } from '../../../../src/profile/stream-gunzip.ts';
import type { TracePprofKind } from '../../../../src/trace/pprof.ts';
import { ApiError } from '../../../../src/api/error.ts';
import { fetchOk, profileFileUrl } from '../api.ts';
import type { DecodeTime, Progress } from './protocol.ts';
import { readBody } from './read-body.ts';

const now = (): number => performance.timeOrigin + performance.now();
const cache = new Map<string, Promise<ProfileModel>>();
const diffs = new Map<string, ProfileModel>();
const locals = new Map<string, Promise<ProfileModel>>();
let last: { key: string; model: ProfileModel; prepared: Prepared } | undefined;

/** Who waits for a load: told its progress (download, decode), and able to stop its download. */
export interface LoadWatch {
  readonly progress: (p: Progress) => void;
  readonly signal?: AbortSignal;
}

const unwatched: LoadWatch = { progress: () => undefined };

async function decoded(id: string, file: string | undefined, times: DecodeTime[], w: LoadWatch): Promise<ProfileModel> {
  const res = await fetchOk(profileFileUrl(id, file), w.signal);
  const bytes = await readBody(res, { progress: (loaded, total) => w.progress({ stage: 'download', loaded, total }) });
  w.progress({ stage: 'decode', loaded: bytes.length, total: bytes.length });
  const start = now();
  const model = fromPprof(await decodeProfile(bytes, streamGunzip()));
  times.push({ id, start, end: now() });
  return model;
}

async function computed(id: string, kind: TracePprofKind): Promise<ProfileModel> {
  const { traceProfileModel } = await import('./trace-worker.ts');
  return traceProfileModel(id, kind);
}

/** A trace capture's blocking profile: derived by the gateway, else (none derived: a 404) computed here from its trace. */
async function traceProfile(
  id: string,
  kind: TracePprofKind,
  times: DecodeTime[],
  fromTrace: boolean,
  w: LoadWatch,
): Promise<ProfileModel> {
  if (fromTrace) return computed(id, kind);
  try {
    return await decoded(id, `trace-${kind}.pb.gz`, times, w);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    return computed(id, kind);
  }
}

/** Decodes a locally opened file (size-capped gunzip, the same decoder as captures) and keeps it as `id`, the only local one. */
export async function openLocal(id: string, bytes: Uint8Array): Promise<{ model: ProfileModel; decoded: DecodeTime }> {
  const start = now();
  const p = decodeProfile(bytes, streamGunzip(), 'the file').then(fromPprof);
  locals.clear();
  locals.set(id, p);
  p.catch(() => locals.delete(id));
  const model = await p;
  return { model, decoded: { id, start, end: now() } };
}

export function loadProfile(
  id: string,
  times: DecodeTime[],
  tracePprof?: TracePprofKind,
  fromTrace = false,
  w: LoadWatch = unwatched,
): Promise<ProfileModel> {
  const local = locals.get(id);
  if (local) return local;
  if (id.startsWith('local:')) return Promise.reject(new Error('the local file is no longer open here: open it again'));
  const key = tracePprof ? `${id}|${tracePprof}` : id;
  let p = cache.get(key);
  if (!p) {
    p = tracePprof ? traceProfile(id, tracePprof, times, fromTrace, w) : decoded(id, undefined, times, w);
    p.catch(() => cache.delete(key));
    cache.set(key, p);
    if (cache.size > 6) cache.delete(cache.keys().next().value as string);
  }
  return p;
}

export async function loadDiff(
  id: string,
  base: string,
  normalize: boolean,
  times: DecodeTime[],
  tracePprof?: TracePprofKind,
  fromTrace = false,
  w: LoadWatch = unwatched,
): Promise<ProfileModel> {
  const key = `${id}|${base}|${normalize}|${tracePprof ?? ''}`;
  const known = diffs.get(key);
  if (known) return known;
  const [a, b] = await Promise.all([loadProfile(id, times, tracePprof, fromTrace, w), loadProfile(base, times, tracePprof, false, w)]);
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
