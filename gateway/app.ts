// The gateway's HTTP API (docs/design.md §2.5). Authentication first (one-time link on
// pprof paths, then session cookie, then the configured mode), then each route
// authorizes with RBAC. One audit event per request; no secret is ever logged.
import express, { type NextFunction, type Request, type Response } from 'express';
import { PodprofError, sendError, toPodprofError } from '../src/errors.ts';
import { loggableUrl } from '../src/log.ts';
import type { GatewayContext } from './context.ts';
import { audit, PPROF_PATH, route } from './http-util.ts';
import { captureRoutes } from './routes/captures.ts';
import { enrollHandler } from './routes/enroll.ts';
import { ENROLL_PATH } from '../src/enrollment.ts';
import { linksHandler } from './routes/links.ts';
import { podsHandler } from './routes/pods.ts';
import { pprofHandler } from './routes/pprof.ts';
import { sdHandler } from './routes/sd.ts';
import { sessionHandlers } from './routes/session.ts';
import { mountUi } from './routes/ui.ts';

const PUBLIC = new Set(['/.well-known/jwks.json']);
/** Paths that need credentials. Case-insensitive, like a router may be: /API/… is no way around it. */
const GUARDED = /^\/(api|sd)\//i;

function authenticate(ctx: GatewayContext): express.RequestHandler {
  const session = ctx.sessions.authenticator();
  return route(async (req, res, next) => {
    if (PUBLIC.has(req.path) || !GUARDED.test(req.path)) return next();
    const pprof = PPROF_PATH.exec(req.path);
    const user = (pprof && /^Basic /i.test(req.headers.authorization ?? '') ? ctx.links.redeem(req, pprof[1]!, pprof[2]!, pprof[3]!) : undefined) ?? (await session(req)) ?? (await ctx.authenticate(req));
    if (!user) throw new PodprofError('PODPROF_UNAUTHENTICATED', 'no credentials: send Authorization: Bearer <your Kubernetes token>, or use a one-time link');
    (res.locals as { user?: unknown }).user = user;
    Object.assign(audit(res), { user: user.name, groups: user.groups, via: user.via });
    next();
  });
}

function auditTrail(ctx: GatewayContext): express.RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('close', () => {
      const ms = performance.now() - started;
      const routeName = PPROF_PATH.test(req.path) ? 'pprof' : req.path.split('/').slice(0, 4).join('/');
      ctx.metrics.requests.inc({ route: routeName, status: String(res.statusCode) });
      ctx.metrics.duration.observe({ route: routeName }, ms / 1000);
      ctx.log.info({ audit: { method: req.method, path: loggableUrl(req.originalUrl), ...audit(res), status: res.statusCode, durationMs: Math.round(ms), aborted: !res.writableFinished || undefined } }, 'request');
    });
    next();
  };
}

export function createApp(ctx: GatewayContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('case sensitive routing', true);
  app.use(auditTrail(ctx));
  app.get('/.well-known/jwks.json', (_req, res) => void res.json(ctx.keyring.jwks()));
  app.use(authenticate(ctx));
  app.use(express.json({ limit: '64kb' }));
  const session = sessionHandlers(ctx);
  app.post('/api/v1/session', session.create);
  app.get('/api/v1/session', session.whoami);
  app.delete('/api/v1/session', session.remove);
  app.get('/api/v1/pods', route(podsHandler(ctx)));
  app.post('/api/v1/links', route(linksHandler(ctx)));
  const captures = captureRoutes(ctx);
  app.post('/api/v1/captures', route(captures.create));
  app.get('/api/v1/captures', route(captures.list));
  app.get('/api/v1/captures/:id', route(captures.get));
  app.get('/api/v1/captures/:id/profile.pb.gz', route(captures.profile));
  app.get('/api/v1/captures/:id/trace.out', route(captures.trace));
  app.get('/api/v1/captures/:id/pods/:pod', route(captures.pod));
  app.delete('/api/v1/captures/:id', route(captures.remove));
  app.get(PPROF_PATH, route(pprofHandler(ctx)));
  app.post(PPROF_PATH, route(pprofHandler(ctx)));
  app.get('/sd/targets', route(sdHandler(ctx)));
  app.post(ENROLL_PATH, route(enrollHandler(ctx)));
  mountUi(app);
  app.use((req: Request) => {
    throw new PodprofError('PODPROF_NO_ROUTE', `${req.method} ${loggableUrl(req.path)}`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = (err as { type?: string }).type === 'entity.parse.failed' ? new PodprofError('PODPROF_BAD_REQUEST', 'the body is not valid JSON') : (err as { type?: string }).type === 'entity.too.large' ? new PodprofError('PODPROF_REQUEST_TOO_LARGE', 'request body too large') : toPodprofError(err);
    if (e.code === 'PODPROF_INTERNAL') ctx.log.error({ err }, 'unexpected error');
    Object.assign(audit(res), { outcome: e.code, reason: audit(res).reason ?? e.message });
    sendError(res, e, PPROF_PATH.test(req.path) ? 'pprof' : 'json');
  });
  return app;
}
