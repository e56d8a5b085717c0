// `podprof gateway`.
import { serve } from './serve.ts';
import { GATEWAY_FLAGS, gatewayConfigProblems } from '../gateway/config.ts';
import { startGateway } from '../gateway/server.ts';

export function runGateway(argv: readonly string[]): Promise<number> {
  return serve(
    {
      command: 'gateway',
      summary:
        'The podprof gateway: authenticates users, authorizes with RBAC, routes per-pod pprof requests with pod-bound tokens, serves http_sd and one-time links for go tool pprof.',
      flags: GATEWAY_FLAGS,
      problems: gatewayConfigProblems,
      start: startGateway,
    },
    argv,
  );
}
