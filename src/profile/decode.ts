// Bytes → pprof-format Profile, gzipped or not: the one decoder. Isomorphic:
// the caller passes the Gunzip (nodeGunzip in Node, streamGunzip in browsers).
// Anything wrong with the bytes fails with a ProfileError.
import type { Profile } from 'pprof-format';
import { ProfileError } from './error.ts';
import { isGzip, type Gunzip } from './gunzip.ts';
import { readProfile } from './read-profile.ts';

/** Decodes a profile. `what` names it in errors ("the profile of team-a/web-1"). */
export async function decodeProfile(bytes: Uint8Array, gunzip: Gunzip, what = 'the profile'): Promise<Profile> {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = await gunzip(bytes);
    } catch (err) {
      const kind = err instanceof ProfileError ? err.kind : 'gzip';
      throw new ProfileError(
        kind,
        `${what} ${kind === 'too-large' ? 'is too large' : 'is not a readable gzipped pprof profile'}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  let p: Profile;
  try {
    p = readProfile(raw);
  } catch (err) {
    throw new ProfileError('protobuf', `${what} is not a pprof protobuf: ${(err as Error).message}`, { cause: err });
  }
  if (p.sampleType.length === 0) throw new ProfileError('no-sample-types', `${what} is not a pprof profile: it declares no sample types`);
  return p;
}
