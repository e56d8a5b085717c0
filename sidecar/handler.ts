// The sidecar's request pipeline: refuse tokens in URLs → authenticate →
// policy → authorize and spend the jti → throttles → single-flight or stream.
// GET /podprof/upstream (whether the app's pprof answers, for the gateway's
// pod list) takes any token bound to this pod, spends it, and answers the
// cached check. Every request ends in exactly one audit line; no token is ever logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PodprofError, sendError, toPodprofError } from '../src/errors.ts';
import { readBody } from '../src/http/body.ts';
import { loggableUrl, type Logger } from '../src/log.ts';
import { statusLabel } from '../src/serving/status-label.ts';
import { pprofRequestOf, type PolicyLimits, type PprofRequest } from '../src/endpoints/policy.ts';
import type { SidecarClaims } from '../src/token/claims.ts';
import { authenticate, authorize, refuseTokenInQuery, spend, type AuthContext } from './auth.ts';
import type { FlightBoard } from './flight.ts';
import type { SidecarMetrics } from './metrics.ts';
import type { StreamProxy } from './proxy.ts';
import type { Throttle } from './throttle.ts';
import { UPSTREAM_PATH, type UpstreamReport } from './upstream-state.ts';

export interface HandlerDeps {
  readonly auth: AuthContext;
  readonly limits: PolicyLimits;
  readonly flights: FlightBoard;
  readonly proxy: StreamProxy;
  readonly throttle: Throttle;
  readonly metrics: SidecarMetrics;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  readonly isShuttingDown: () => boolean;
  /** Whether the app's pprof answers (cached: sidecar/upstream-state.ts). */
  readonly upstreamState: () => Promise<UpstreamReport>;
}

interface Outcome {
  status: number;
  bytes: number;
  outcome: string;
  code?: string;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HandlerDeps,
  claims: SidecarClaims,
  request: PprofRequest,
): Promise<Outcome> {
  const body = request.type === 'symbol' && req.method === 'POST' ? await readBody(req, deps.maxBodyBytes) : undefined;
  if (!body && hasBody(req))
    throw new PodprofError('PODPROF_BAD_REQUEST', `${req.method ?? 'GET'} requests to ${request.type} carry no body`);
  deps.throttle.check(request);
  if (request.exclusive) return deps.flights.serve(request, res);
  return deps.proxy(req, res, request, body);
}

async function answerUpstream(res: ServerResponse, deps: HandlerDeps, claims: SidecarClaims): Promise<Outcome> {
  spend(claims, deps.auth.replay);
  const body = JSON.stringify(await deps.upstreamState());
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  return { status: 200, bytes: body.length, outcome: 'ok' };
}

export function createHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = process.hrtime.bigint();
    let claims: SidecarClaims | undefined;
    let request: PprofRequest | undefined;
    let upstream = false;
    deps.metrics.inflight.inc();
    const run = async (): Promise<Outcome> => {
      if (deps.isShuttingDown()) throw new PodprofError('PODPROF_SHUTTING_DOWN', 'the sidecar is shutting down');
      const rawUrl = req.url ?? '/';
      refuseTokenInQuery(rawUrl);
      claims = await authenticate(req, deps.auth);
      upstream = rawUrl === UPSTREAM_PATH && req.method === 'GET';
      if (upstream) return answerUpstream(res, deps, claims);
      request = pprofRequestOf(req.method ?? 'GET', rawUrl, deps.limits);
      authorize(claims, request, deps.auth.replay);
      return serve(req, res, deps, claims, request);
    };
    run()
      .catch((err: unknown): Outcome => {
        const e = toPodprofError(err);
        if (e.code === 'PODPROF_INTERNAL') deps.log.error({ err }, 'unexpected error');
        sendError(res, e, 'pprof');
        return { status: e.status, bytes: 0, outcome: 'refused', code: e.code };
      })
      .then((o) => {
        deps.metrics.inflight.dec();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const type = request?.type ?? (upstream ? 'upstream' : 'none');
        deps.metrics.requests.inc({ type, outcome: o.outcome, code: o.code ?? statusLabel(o.status) });
        deps.metrics.bytes.inc({ type }, o.bytes);
        deps.metrics.duration.observe({ type }, seconds);
        deps.log.info(
          {
            audit: {
              subject: claims?.sub,
              namespace: deps.auth.self.namespace,
              pod: deps.auth.self.pod,
              type,
              params: request?.params,
              method: req.method,
              path: loggableUrl(req.url),
              status: o.status,
              code: o.code,
              bytes: o.bytes,
              durationMs: Math.round(seconds * 1000),
              outcome: o.outcome,
              remote: req.socket.remoteAddress,
            },
          },
          'pprof request',
        );
      })
      .catch((err: unknown) => deps.log.error({ err }, 'audit failed'));
  };
}
