// Which pprof requests may pass, and in what normalized form (docs/design.md §2.2).
// Pure: takes the method and raw URL, returns the upstream request or a PodprofError.
import { PodprofError } from '../errors.ts';
import { CATALOG, isProfileType, type ProfileType } from './catalog.ts';

export interface PolicyLimits {
  readonly prefix: string;
  readonly profiles: readonly ProfileType[];
  readonly maxSeconds: number;
  /** Where the app serves its runtime/trace.FlightRecorder snapshot (podprof.io/flight-recorder); absent: none. */
  readonly flightRecorder?: string;
}

export interface PprofRequest {
  readonly type: ProfileType;
  /** Validated parameters, in Go's names. `seconds` is always set for timed captures. */
  readonly params: Readonly<{ seconds?: number; gc?: number; debug?: number; flight?: number }>;
  /** Raw query of a symbol lookup (addresses joined by '+'), validated. */
  readonly symbolQuery?: string;
  /** Path and query to send upstream (to the app). */
  readonly upstreamPath: string;
  /** The request in normal form, as a sidecar takes it: what the gateway sends (a flight snapshot's differs from its upstreamPath). */
  readonly path: string;
  /** Seconds the request may legitimately take upstream (0 for snapshots). */
  readonly seconds: number;
  readonly exclusive: boolean;
  /** What an exclusive request holds: Go's CPU profiler, its tracer, or the app's flight recorder (one snapshot at a time). */
  readonly holds?: 'profile' | 'trace' | 'flight';
}

const MAX_URL = 2048;
const SYMBOL_QUERY = /^0x[0-9a-fA-F]{1,16}(\+0x[0-9a-fA-F]{1,16}){0,255}$/;

function bad(message: string): PodprofError {
  return new PodprofError('PODPROF_BAD_PARAMETER', message);
}

/** The profile type named by a path, or an error. Refuses every encoding trick outright. */
export function profileTypeOfPath(path: string, prefix: string): ProfileType {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (path.length > MAX_URL || /[%\\]|\/\/|\/\.\.?(\/|$)|[\x00-\x20\x7f]/.test(path)) {
    throw new PodprofError('PODPROF_NOT_FOUND', 'path refused: encoded characters, backslashes, "//" and dot segments are not allowed');
  }
  const rest = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
  if (rest === undefined || !isProfileType(rest)) {
    throw new PodprofError('PODPROF_NOT_FOUND', `no such pprof endpoint: ${path.slice(0, 100)}`);
  }
  return rest;
}

function parseIntParam(name: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(raw)) throw bad(`${name}=${raw.slice(0, 20)}: want a whole number from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw bad(`${name}=${n}: want a whole number from ${min} to ${max}`);
  return n;
}

function parseSeconds(type: ProfileType, raw: string, maxSeconds: number): number {
  if (CATALOG[type].fractionalSeconds === true) {
    const n = /^\d{1,6}(\.\d{1,6})?$/.test(raw) ? Number(raw) : NaN;
    if (!(n > 0) || n > maxSeconds) throw bad(`seconds=${raw.slice(0, 20)}: want a number above 0 and at most ${maxSeconds}`);
    return n;
  }
  return parseIntParam('seconds', raw, 1, maxSeconds);
}

function readParams(type: ProfileType, query: URLSearchParams, limits: PolicyLimits): PprofRequest['params'] {
  const spec = CATALOG[type];
  const out: { seconds?: number; gc?: number; debug?: number; flight?: number } = {};
  const seen = new Set<string>();
  for (const [name, raw] of query) {
    if (seen.has(name)) throw bad(`${name.slice(0, 20)} given twice`);
    seen.add(name);
    if (!(spec.params as readonly string[]).includes(name)) {
      const allowed = spec.params.length > 0 ? spec.params.join(', ') : 'none';
      throw bad(`unknown parameter "${name.slice(0, 20)}" for ${type}; allowed: ${allowed}`);
    }
    if (name === 'seconds') out.seconds = parseSeconds(type, raw, limits.maxSeconds);
    else if (name === 'gc') out.gc = parseIntParam('gc', raw, 0, 1);
    else if (name === 'flight') out.flight = parseIntParam('flight', raw, 1, 1);
    else out.debug = parseIntParam('debug', raw, 0, spec.maxDebug ?? 0);
  }
  if (out.seconds !== undefined && (out.debug ?? 0) !== 0) throw bad('seconds cannot be combined with debug other than 0 (Go answers 400)');
  if (out.flight !== undefined) return checkedFlight(out, limits);
  if (spec.defaultSeconds !== undefined && out.seconds === undefined) out.seconds = Math.min(spec.defaultSeconds, limits.maxSeconds);
  return out;
}

/** flight=1: a snapshot of the app's flight recorder, which the pod must have, and which takes no seconds. */
function checkedFlight<P extends PprofRequest['params']>(params: P, limits: PolicyLimits): P {
  if (params.seconds !== undefined)
    throw bad("flight=1 takes no seconds: the app's flight recorder keeps the last seconds it was configured to");
  if (limits.flightRecorder === undefined)
    throw new PodprofError('PODPROF_PROFILE_DISABLED', 'this pod serves no flight recorder (podprof.io/flight-recorder)');
  return params;
}

function queryString(params: PprofRequest['params']): string {
  const q = new URLSearchParams();
  for (const k of ['seconds', 'gc', 'debug', 'flight'] as const) {
    const v = params[k];
    if (v !== undefined) q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Decide a request. `rawUrl` is the request target as received (path + query). */
export function pprofRequestOf(method: string, rawUrl: string, limits: PolicyLimits): PprofRequest {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
  const type = profileTypeOfPath(rawPath, limits.prefix);
  const spec = CATALOG[type];
  if (!spec.methods.includes(method)) {
    throw new PodprofError(
      'PODPROF_METHOD_NOT_ALLOWED',
      `${method.slice(0, 10)} is not allowed on ${type}; use ${spec.methods.join(' or ')}`,
    );
  }
  if (!limits.profiles.includes(type)) {
    throw new PodprofError('PODPROF_PROFILE_DISABLED', `the ${type} profile is disabled on this pod`);
  }
  if (rawQuery.length > MAX_URL) throw bad('query string too long');
  if (type === 'symbol') {
    if (rawQuery !== '' && !SYMBOL_QUERY.test(rawQuery)) throw bad('symbol lookups take addresses like ?0x4a1b2c+0x4a1b3d');
    const upstreamPath = `${limits.prefix}/symbol${rawQuery === '' ? '' : `?${rawQuery}`}`;
    return { type, params: {}, symbolQuery: rawQuery, upstreamPath, path: upstreamPath, seconds: 0, exclusive: false };
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(rawQuery)) throw bad('malformed percent-encoding in the query string');
  const params = readParams(type, new URLSearchParams(rawQuery), limits);
  const path = `${limits.prefix}/${type}${queryString(params)}`;
  if (params.flight !== undefined)
    return { type, params, upstreamPath: limits.flightRecorder!, path, seconds: 0, exclusive: true, holds: 'flight' };
  const holds = type === 'profile' || type === 'trace' ? type : undefined;
  return { type, params, upstreamPath: path, path, seconds: params.seconds ?? 0, exclusive: spec.exclusive, holds };
}
