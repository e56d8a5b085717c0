// What passes from the sidecar to the app: allowlisted request headers (the
// answer's headers are podprof's own: src/endpoints/response.ts), and upstream
// failures mapped to errors a user can act on.
import type { IncomingHttpHeaders } from 'node:http';
import { PodprofError } from '../src/errors.ts';

/** Request headers that may reach the app. Authorization, Cookie and hop-by-hop headers never do. */
export const REQUEST_HEADER_ALLOWLIST = ['accept', 'accept-encoding', 'user-agent', 'content-type', 'content-length'] as const;

export function requestHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REQUEST_HEADER_ALLOWLIST) {
    const v = h[name];
    if (typeof v === 'string' && v.length <= 1024) out[name] = v;
  }
  return out;
}

export function upstreamError(err: NodeJS.ErrnoException): PodprofError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new PodprofError('PODPROF_UPSTREAM_UNAVAILABLE', 'the app refused the connection on its pprof port');
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return new PodprofError('PODPROF_UPSTREAM_TIMEOUT', 'the app did not answer in time');
    default:
      return new PodprofError('PODPROF_UPSTREAM_FAILED', `the request to the app failed (${err.code ?? err.message})`);
  }
}
