// GET /api/v1/namespaces/{ns}/pods/{pod}/debug/pprof/{type}: authorize, mint a
// pod-bound token, stream the sidecar's answer back. A client abort cancels the
// sidecar request (which frees the app's profiler).
import type { Request, Response } from 'express';
import { PodprofError } from '../../src/errors.ts';
import { readBody } from '../../src/http/body.ts';
import { pprofRequestOf, type PprofRequest } from '../../src/endpoints/policy.ts';
import { pprofResponseHeaders } from '../../src/endpoints/response.ts';
import { missingRule } from '../auth/authz.ts';
import type { AuditEvent, GatewayContext } from '../context.ts';
import { audit, PPROF_PATH, userOf } from '../http-util.ts';
import { routable } from '../pods/targets.ts';
import type { SidecarCall } from '../pods/sidecar-client.ts';
import type { User } from '../auth/user.ts';

/** Takes one of the user's live streams (--max-streams-per-user) until the response closes. */
function holdStream(ctx: GatewayContext, user: User, res: Response): void {
  if (ctx.streams.take(user.name) !== undefined) {
    throw new PodprofError(
      'PODPROF_THROTTLED',
      `${user.name} has ${ctx.streams.of(user.name)} pprof requests running through the gateway (--max-streams-per-user)`,
      1,
    );
  }
  res.once('close', () => ctx.streams.give(user.name));
}

/**
 * Streams the sidecar's answer to the client. The sidecar caps the size (--max-response-bytes); the transfer
 * deadline bounds the time, whichever side is slow: a client that stops reading holds a sidecar connection no
 * longer. The audit line is written when the response closes, so the bytes sent and the outcome are kept on it
 * as they change: "broken" until the last byte is handed over (a client gone before the pod answered too), then "ok".
 */
async function relay(call: SidecarCall, request: PprofRequest, res: Response, a: AuditEvent): Promise<void> {
  a.bytes = 0;
  a.outcome = 'broken';
  const upstream = await call.response;
  const status = upstream.statusCode ?? 502;
  res.writeHead(status, pprofResponseHeaders(request, status, upstream.headers));
  // A plain pump with backpressure: stream.pipeline from an async iterable makes (and aborts) an AbortController
  // per call, whose DOMException with its stack trace cost more CPU per scrape than the rest of the relay.
  try {
    for await (const c of call.body(Number.POSITIVE_INFINITY)) {
      if (res.destroyed) return;
      a.bytes += c.length;
      if (!res.write(c)) await drainedOrClosed(res);
    }
  } catch (err) {
    if (err instanceof PodprofError) a.reason = err.message;
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  a.outcome = 'ok';
  res.end();
}

function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function pprofHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const [, namespace = '', pod = '', type = ''] = PPROF_PATH.exec(req.path) ?? [];
    const user = userOf(res);
    const a = Object.assign(audit(res), { namespace, pod, type });
    const access = { verb: 'get', resource: 'pods', subresource: type, namespace, name: pod } as const;
    const decision = await ctx.authorize(user, access);
    Object.assign(a, { decision: decision.allowed ? 'allowed' : 'denied', reason: decision.reason });
    if (!decision.allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
    const target = ctx.registry.get(namespace, pod);
    if (!target) throw new PodprofError('PODPROF_POD_NOT_FOUND', `no injected pod ${namespace}/${pod}`);
    a.uid = target.uid;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const request = pprofRequestOf(req.method, `${target.path}/${type}${query}`, {
      prefix: target.path,
      profiles: target.profiles,
      maxSeconds: target.maxSeconds,
      flightRecorder: target.flightRecorder,
    });
    a.params = request.params;
    if (!routable(target))
      throw new PodprofError(
        'PODPROF_POD_NOT_READY',
        `${namespace}/${pod} is not ready (pod ready: ${target.podReady}, sidecar ready: ${target.sidecarReady}, ip: ${target.ip || 'none'})`,
      );
    holdStream(ctx, user, res);
    const body = req.method === 'POST' ? await readBody(req, 1024 * 1024) : undefined;
    const call = ctx.sidecars.call(user.name, target, request, body);
    res.on('close', () => {
      if (!res.writableFinished) call.abort();
    });
    await relay(call, request, res, a);
    ctx.metrics.bytes.inc({ type }, a.bytes ?? 0);
  };
}
