// Profile → the gzipped protobuf `go tool pprof` reads. Node only (zlib).
import { gzipSync } from 'node:zlib';
import type { Profile } from 'pprof-format';
import { writeProfile } from './write-profile.ts';

export function encodeProfile(p: Profile): Buffer {
  return gzipSync(writeProfile(p));
}
