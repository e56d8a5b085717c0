// Plain HTTP on --health-listen: /healthz (the process serves), /readyz (keys
// loaded, listener up, not shutting down; reports the upstream and the bypass
// check) and /metrics. Readiness does not follow the app's pprof port: a pod
// must not leave its Service because its profiler endpoint is down.
import { createServer, request, type Server } from 'node:http';
import type { BypassState } from './bypass.ts';
import type { SidecarMetrics } from './metrics.ts';

export interface HealthDeps {
  readonly metrics: SidecarMetrics;
  readonly upstream: URL;
  readonly prefix: string;
  readonly bypass: () => BypassState;
  readonly ready: () => { ok: boolean; reason?: string };
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

export function createHealthServer(deps: HealthDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const self = deps.ready();
      void upstreamAnswers(deps.upstream, deps.prefix).then((upstream) => {
        const body = JSON.stringify({ ready: self.ok, reason: self.reason, upstream, bypass: deps.bypass() });
        res.writeHead(self.ok ? 200 : 503, { 'content-type': 'application/json' }).end(body);
      });
    } else if (path === '/metrics') {
      void deps.metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
}
