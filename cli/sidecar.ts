// `podprof sidecar`.
import { serve } from './serve.ts';
import { SIDECAR_FLAGS, sidecarConfigProblems } from '../sidecar/config.ts';
import { startSidecar } from '../sidecar/server.ts';

export function runSidecar(argv: readonly string[]): Promise<number> {
  return serve(
    {
      command: 'sidecar',
      summary:
        "Guards one pod's loopback net/http/pprof: HTTPS, gateway-signed pod-bound tokens, a parameter policy and single-flight CPU/trace captures. On SIGTERM, in-flight captures finish within --shutdown-grace.",
      flags: SIDECAR_FLAGS,
      problems: sidecarConfigProblems,
      start: startSidecar,
    },
    argv,
  );
}
