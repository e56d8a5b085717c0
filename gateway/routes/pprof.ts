// GET /api/v1/namespaces/{ns}/pods/{pod}/debug/pprof/{type}: authorize, mint a
// pod-bound token, stream the sidecar's answer back. A client abort cancels the
// sidecar request (which frees the app's profiler).
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream';
import { PodprofError } from '../../src/errors.ts';
import { readBody } from '../../src/http/body.ts';
import { decide } from '../../src/endpoints/policy.ts';
import { pprofResponseHeaders } from '../../src/endpoints/response.ts';
import { missingRule } from '../auth/authz.ts';
import type { GatewayContext } from '../context.ts';
import { audit, PPROF_PATH, userOf } from '../http-util.ts';
import { routable } from '../targets.ts';

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
    const request = decide(req.method, `${target.path}/${type}${query}`, { prefix: target.path, profiles: target.profiles, maxSeconds: target.maxSeconds });
    a.params = request.params;
    if (!routable(target)) throw new PodprofError('PODPROF_POD_NOT_READY', `${namespace}/${pod} is not ready (pod ready: ${target.podReady}, sidecar ready: ${target.sidecarReady}, ip: ${target.ip || 'none'})`);
    const body = req.method === 'POST' ? await readBody(req, 1024 * 1024) : undefined;
    const call = ctx.sidecars.call(user.name, target, request, body);
    res.on('close', () => {
      if (!res.writableFinished) call.abort();
    });
    const upstream = await call.response;
    const status = upstream.statusCode ?? 502;
    res.writeHead(status, pprofResponseHeaders(request, status, upstream.headers));
    let bytes = 0;
    upstream.on('data', (c: Buffer) => (bytes += c.length));
    await new Promise<void>((resolve) => {
      pipeline(upstream, res, (err) => {
        Object.assign(a, { bytes, outcome: err ? 'broken' : 'ok' });
        ctx.metrics.bytes.inc({ type }, bytes);
        resolve();
      });
    });
  };
}
