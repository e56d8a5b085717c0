// The gateway's HTTP API (docs/design.md §2.5). Authentication first (one-time link on
// pprof paths and stored captures' files, then session cookie, then the configured mode), then each route
// authorizes with RBAC. One audit event per request; no secret is ever logged.
// Request metrics are labelled with the route's own pattern and a known status:
// nothing a caller sends (a path, a status an app made up) adds a series.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PodprofError, sendError, toPodprofError } from '../src/errors.ts';
import { loggableUrl } from '../src/log.ts';
import type { GatewayContext } from './context.ts';
import { audit, CAPTURE_FILE_PATH, PPROF_PATH, route } from './http-util.ts';
import { routeLabel, statusLabel } from './metrics.ts';
import { captureRoutes } from './routes/captures.ts';
import { buildHandler, sourceHandler } from './routes/source.ts';
import { enrollHandler } from './routes/enroll.ts';
import { ENROLL_PATH } from '../src/enrollment.ts';
import { linksHandler } from './routes/links.ts';
import { podsHandler } from './routes/pods.ts';
import { pprofHandler } from './routes/pprof.ts';
import { sdHandler } from './routes/sd.ts';
import { sessionHandlers } from './routes/session.ts';
import { mountOidc } from './routes/oidc.ts';
import { mountUi } from './routes/ui.ts';

const PUBLIC = new Set(['/.well-known/jwks.json']);
/** Paths that need credentials. Case-insensitive, like a router may be: /API/… is no way around it. */
const GUARDED = /^\/(api|sd)\//i;

const isPprof = (req: { url?: string }): boolean => PPROF_PATH.test((req.url ?? '').split('?')[0] ?? '');

async function linkOf(ctx: GatewayContext, req: Request): ReturnType<GatewayContext['links']['redeem']> {
  if (!/^Basic /i.test(req.headers.authorization ?? '')) return undefined;
  const pprof = PPROF_PATH.exec(req.path);
  if (pprof) return ctx.links.redeem(req, pprof[1]!, pprof[2]!, pprof[3]!);
  const stored = req.method === 'GET' ? CAPTURE_FILE_PATH.exec(req.path) : null;
  return stored ? ctx.links.redeemCapture(req, stored[1]!) : undefined;
}

/** Paths go tool pprof opens (live profiles, and stored ones through a link): errors as text it prints. */
const forPprof = (req: Request): boolean =>
  PPROF_PATH.test(req.path) || (CAPTURE_FILE_PATH.test(req.path) && /^Basic /i.test(req.headers.authorization ?? ''));

function authenticate(ctx: GatewayContext): RequestHandler {
  const session = ctx.sessions.authenticator(isPprof);
  return route(async (req, res, next) => {
    if (PUBLIC.has(req.path) || !GUARDED.test(req.path)) return next();
    const user = (await linkOf(ctx, req)) ?? (await session(req)) ?? (await ctx.authenticate(req));
    if (!user)
      throw new PodprofError(
        'PODPROF_UNAUTHENTICATED',
        'no credentials: send Authorization: Bearer <your Kubernetes token>, or use a one-time link',
      );
    (res.locals as { user?: unknown }).user = user;
    Object.assign(audit(res), { user: user.name, groups: user.groups, via: user.via });
    next();
  });
}

function auditTrail(ctx: GatewayContext): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('close', () => {
      const ms = performance.now() - started;
      const labels = { route: routeLabel(res), status: statusLabel(res.statusCode) };
      ctx.metrics.requests.inc(labels);
      ctx.metrics.duration.observe({ route: labels.route }, ms / 1000);
      ctx.log.info(
        {
          audit: {
            method: req.method,
            path: loggableUrl(req.originalUrl),
            ...audit(res),
            status: res.statusCode,
            durationMs: Math.round(ms),
            aborted: !res.writableFinished || undefined,
          },
        },
        'request',
      );
    });
    next();
  };
}

/** The error an Express body parser threw, as the catalog names it. */
function catalogErrorOf(err: unknown): PodprofError {
  const type = (err as { type?: string }).type;
  if (type === 'entity.parse.failed') return new PodprofError('PODPROF_BAD_REQUEST', 'the body is not valid JSON');
  if (type === 'entity.too.large') return new PodprofError('PODPROF_REQUEST_TOO_LARGE', 'request body too large');
  return toPodprofError(err);
}

type Method = 'get' | 'post' | 'delete';

export function createApp(ctx: GatewayContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('case sensitive routing', true);
  app.use(auditTrail(ctx));
  app.get('/.well-known/jwks.json', (_req, res) => void res.json(ctx.keyring.jwks()));
  app.use(authenticate(ctx));
  app.use(express.json({ limit: '64kb' }));
  /** A route, named in metrics by its pattern ("GET /api/v1/captures/:id"). */
  const on = (method: Method, path: string | RegExp, name: string, handler: RequestHandler): void => {
    app[method](
      path,
      (_req, res, next) => {
        (res.locals as { route?: string }).route = `${method.toUpperCase()} ${name}`;
        next();
      },
      handler,
    );
  };
  const session = sessionHandlers(ctx);
  on('post', '/api/v1/session', '/api/v1/session', route(session.create));
  on('get', '/api/v1/session', '/api/v1/session', route(session.whoami));
  on('delete', '/api/v1/session', '/api/v1/session', route(session.remove));
  on('get', '/api/v1/pods', '/api/v1/pods', route(podsHandler(ctx)));
  on('post', '/api/v1/links', '/api/v1/links', route(linksHandler(ctx)));
  const captures = captureRoutes(ctx);
  on('post', '/api/v1/captures', '/api/v1/captures', route(captures.create));
  on('post', '/api/v1/captures/upload', '/api/v1/captures/upload', route(captures.upload));
  on('get', '/api/v1/captures', '/api/v1/captures', route(captures.list));
  for (const [path, handler] of [
    ['/api/v1/captures/:id', captures.get],
    ['/api/v1/captures/:id/profile.pb.gz', captures.profile],
    ['/api/v1/captures/:id/trace.out', captures.trace],
    ['/api/v1/captures/:id/goroutines.txt', captures.dumpText],
    ['/api/v1/captures/:id/pods/:pod', captures.pod],
    ['/api/v1/captures/:id/derived/:name', captures.derived],
    ['/api/v1/captures/:id/source', sourceHandler(ctx)],
    ['/api/v1/captures/:id/build', buildHandler(ctx)],
  ] as const) {
    on('get', path, path, route(handler));
  }
  on('delete', '/api/v1/captures/:id', '/api/v1/captures/:id', route(captures.remove));
  const pprof = '/api/v1/namespaces/:namespace/pods/:pod/debug/pprof/:type';
  on('get', PPROF_PATH, pprof, route(pprofHandler(ctx)));
  on('post', PPROF_PATH, pprof, route(pprofHandler(ctx)));
  on('get', '/sd/targets', '/sd/targets', route(sdHandler(ctx)));
  on('post', ENROLL_PATH, ENROLL_PATH, route(enrollHandler(ctx)));
  mountOidc(app, ctx);
  mountUi(app);
  app.use((req: Request) => {
    throw new PodprofError('PODPROF_NO_ROUTE', `${req.method} ${loggableUrl(req.path)}`);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = catalogErrorOf(err);
    if (e.code === 'PODPROF_INTERNAL') ctx.log.error({ err }, 'unexpected error');
    Object.assign(audit(res), { outcome: e.code, reason: audit(res).reason ?? e.message });
    sendError(res, e, forPprof(req) ? 'pprof' : 'json');
  });
  return app;
}
