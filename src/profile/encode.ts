// Profile → the gzipped protobuf `go tool pprof` reads. Node only (zlib).
import { gzipSync } from 'node:zlib';
import type { Profile } from 'pprof-format';

export function encodeProfile(p: Profile): Buffer {
  return gzipSync(p.encode());
}
