// What the sidecar's /readyz says (src/serving/health.ts serves it): ready
// when keys are loaded and it is not shutting down, with the upstream and the
// bypass check reported alongside. Readiness does not follow the app's pprof
// port: a pod must not leave its Service because its profiler endpoint is down;
// nor does it follow enrollment (the gateway being away must not take pods out
// of their Services): /readyz reports the certificate and why it is missing.
import { request } from 'node:http';
import type { Readiness } from '../src/serving/health.ts';
import type { BypassState } from './bypass.ts';

export interface ReadinessDeps {
  readonly upstream: URL;
  readonly prefix: string;
  readonly bypass: () => BypassState;
  readonly ready: () => { ok: boolean; reason?: string };
  /** Where the serving certificate comes from, and why the gateway's is missing if it is. */
  readonly certificate: () => { source: string; notAfter?: string; problem?: string };
}

export function upstreamAnswers(upstream: URL, prefix: string): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request(new URL(`${prefix}/`, upstream), { timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve({ ok: true, detail: `answered ${res.statusCode}` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ ok: false, detail: err.message }));
    req.end();
  });
}

export function sidecarReadiness(deps: ReadinessDeps): () => Promise<Readiness> {
  return async () => {
    const self = deps.ready();
    const upstream = await upstreamAnswers(deps.upstream, deps.prefix);
    return { ok: self.ok, json: { ready: self.ok, reason: self.reason, upstream, bypass: deps.bypass(), certificate: deps.certificate() } };
  };
}
