// A profile a user uploads (POST /api/v1/captures/upload): the request's
// parameters and the name it keeps (its type: src/profile/type-of.ts).
// An upload claims no pod: its target is { upload: <file name> } and it holds
// no pod results, so reading it needs only `get captures` in its namespace.
// Pure; the route (routes/captures.ts) reads the body, Captures.upload checks
// and stores it.
import { PodprofError } from '../../src/errors.ts';
import type { ProfileType } from '../../src/endpoints/catalog.ts';
import { CAPTURE_TYPES } from './request.ts';

export interface UploadRequest {
  readonly namespace: string;
  /** The file's name as the user had it, made safe (letters, digits, . _ -), at most 100 characters. */
  readonly name: string;
  /** The type asked for; undefined: the one its sample types say (uploadType). */
  readonly type: ProfileType | undefined;
}

const NAMESPACE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Types an upload may claim: pprof profiles (a trace or a goroutine dump is no pprof profile). */
export const UPLOAD_TYPES: readonly ProfileType[] = CAPTURE_TYPES.filter((t) => t !== 'trace');
const USAGE = 'want POST /api/v1/captures/upload?namespace=NS[&name=FILE][&type=TYPE] with the .pb.gz (or .pb) as the body';

/** "../my profile.pb.gz" → "my_profile.pb.gz"; empty → "upload.pb.gz". */
export function uploadName(raw: unknown): string {
  const base = typeof raw === 'string' ? (raw.split(/[\\/]/).pop() ?? '') : '';
  const safe = base
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 100);
  return safe === '' ? 'upload.pb.gz' : safe;
}

export function parseUploadRequest(query: Record<string, unknown>): UploadRequest {
  const { namespace, name, type } = query;
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace))
    throw new PodprofError('PODPROF_BAD_PARAMETER', `namespace: required, the namespace to store the profile in; ${USAGE}`);
  if (type !== undefined && (typeof type !== 'string' || !(UPLOAD_TYPES as readonly string[]).includes(type)))
    throw new PodprofError('PODPROF_BAD_PARAMETER', `type: want one of ${UPLOAD_TYPES.join(', ')}, or none to take the profile's own`);
  return { namespace, name: uploadName(name), type: type as ProfileType | undefined };
}
