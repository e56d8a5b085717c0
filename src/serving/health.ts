// The plain-HTTP server on --health-listen, the same in every program:
// /healthz (the process serves), /readyz (what the program says about itself),
// /metrics (its registry: prom-client's, or src/serving/text-metrics.ts), 404 for any other path and 405 for any
// method but GET and HEAD.
import { createServer, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { setSecurityHeaders } from './headers.ts';
import type { MetricsSource } from './text-metrics.ts';

/** A program's readiness: 200 when ok, else 503; the body is `json` as JSON, or the text "ok"/"not ready". */
export interface Readiness {
  readonly ok: boolean;
  readonly json?: unknown;
}

export interface HealthOptions {
  /** Absent: always ready, answering the text "ok". */
  readonly ready?: () => Readiness | Promise<Readiness>;
}

const alwaysReady = (): Readiness => ({ ok: true });

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}

async function answerReady(res: ServerResponse, ready: () => Readiness | Promise<Readiness>): Promise<void> {
  const r = await ready();
  if (r.json === undefined) text(res, r.ok ? 200 : 503, r.ok ? 'ok\n' : 'not ready\n');
  else res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r.json));
}

async function answerMetrics(res: ServerResponse, registry: MetricsSource): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType }).end(body);
}

export function createHealthServer(health: HealthOptions, registry: MetricsSource, options: ServerOptions = {}): Server {
  const ready = health.ready ?? alwaysReady;
  return createServer(options, (req, res) => {
    setSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    const failed = (err: unknown): void => {
      if (!res.headersSent) text(res, 500, `${(err as Error).message}\n`);
      else res.destroy();
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') res.writeHead(405, { allow: 'GET' }).end();
    else if (path === '/healthz') text(res, 200, 'ok\n');
    else if (path === '/readyz') answerReady(res, ready).catch(failed);
    else if (path === '/metrics') answerMetrics(res, registry).catch(failed);
    else text(res, 404, 'not found\n');
  });
}
