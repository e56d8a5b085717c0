// The headers of a pprof answer, decided by podprof from what was asked, never
// taken from the app: a pod's app could otherwise answer with text/html and run
// script on the gateway's origin. Profiles are binary downloads; text forms
// (debug > 0, cmdline, symbol, every error) are plain text. The sidecar and the
// gateway both use this, so neither passes on a type the app chose.
import type { IncomingHttpHeaders } from 'node:http';
import { CATALOG } from './catalog.ts';
import type { PprofRequest } from './policy.ts';

export const BINARY = 'application/octet-stream';
export const TEXT = 'text/plain; charset=utf-8';

/** Headers that may pass from upstream, each checked; everything else is ours. */
export function pprofResponseHeaders(
  request: Pick<PprofRequest, 'type' | 'params'>,
  status: number,
  upstream: IncomingHttpHeaders,
): Record<string, string> {
  const binary =
    status === 200 && (CATALOG[request.type].proto || request.type === 'trace') && !(request.params.debug && request.params.debug > 0);
  const out: Record<string, string> = { 'content-type': binary ? BINARY : TEXT, 'cache-control': 'no-store' };
  if (binary) out['content-disposition'] = `attachment; filename="${request.type}"`;
  const length = upstream['content-length'];
  if (typeof length === 'string' && /^\d{1,15}$/.test(length)) out['content-length'] = length;
  if (upstream['x-go-pprof'] === '1') out['x-go-pprof'] = '1';
  const retry = upstream['retry-after'];
  if (typeof retry === 'string' && /^\d{1,6}$/.test(retry)) out['retry-after'] = retry;
  return out;
}
