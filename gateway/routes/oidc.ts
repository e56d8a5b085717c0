// Sign-in with the OIDC provider (authorization code + PKCE), outside /api so
// no credential is asked for: GET /auth/oidc/config tells the UI the issuer ({} without one);
// /auth/oidc/login sends the browser to the provider; /auth/oidc/callback
// takes it back, starts the session (the same cookie as a pasted token gives)
// and lands on the page the user came from. A failed sign-in lands on the
// login page with the reason. The code and state ride in the callback's query,
// which the audit log never writes (it logs paths only).
import type { Express, Request, Response } from 'express';
import { toPodprofError } from '../../src/errors.ts';
import { clearStateCookie, cookieOf, setStateCookie } from '../auth/oidc/flow.ts';
import type { GatewayContext } from '../context.ts';
import { audit, route } from '../http-util.ts';

export const OIDC_CALLBACK = '/auth/oidc/callback';

/** The callback URL the provider must have registered: --public-url, or this request's origin. */
function callbackUrl(ctx: GatewayContext, req: Request): string {
  const base = ctx.publicUrl?.href ?? `https://${req.headers.host ?? 'localhost'}/`;
  return new URL(OIDC_CALLBACK.slice(1), base.endsWith('/') ? base : `${base}/`).href;
}

export function mountOidc(app: Express, ctx: GatewayContext): void {
  const oidc = ctx.oidc;
  // Always answered (200, {} without OIDC), so the login page asks without a failed request in the console.
  app.get('/auth/oidc/config', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(oidc ? { issuer: oidc.issuer, clientId: oidc.clientId, scopes: oidc.scopes } : {});
  });
  if (!oidc) return;
  app.get(
    '/auth/oidc/login',
    route(async (req, res) => {
      const { location, cookie } = await oidc.start(req.query.next, callbackUrl(ctx, req));
      res.setHeader('set-cookie', cookie === '' ? clearStateCookie() : setStateCookie(cookie));
      res.setHeader('cache-control', 'no-store');
      res.redirect(303, location);
    }),
  );
  app.get(
    OIDC_CALLBACK,
    route(async (req: Request, res: Response) => {
      res.setHeader('cache-control', 'no-store');
      try {
        const done = await oidc.finish(req.query, cookieOf(req.headers.cookie), callbackUrl(ctx, req));
        Object.assign(audit(res), { user: done.user.name, groups: done.user.groups });
        res.setHeader('set-cookie', [clearStateCookie(), await ctx.sessions.issue(done.user, done.credential)]);
        res.redirect(303, done.next);
      } catch (err) {
        const e = toPodprofError(err);
        if (e.code === 'PODPROF_INTERNAL') ctx.log.error({ err }, 'unexpected error in the OIDC callback');
        Object.assign(audit(res), { outcome: e.code, reason: e.message });
        res.setHeader('set-cookie', clearStateCookie());
        res.redirect(303, `/login?error=${encodeURIComponent(`${e.message} (${e.code})`)}`);
      }
    }),
  );
}
