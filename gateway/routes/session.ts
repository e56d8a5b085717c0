// Sessions for the web UI: POST with a bearer token (or through the auth proxy)
// sets the cookie; GET tells who you are; DELETE logs out (the session ends for
// every copy of the cookie).
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { Session } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { Sessions } from '../auth/session.ts';
import type { GatewayContext } from '../context.ts';
import { userOf } from '../http-util.ts';

export function sessionHandlers(ctx: GatewayContext): Record<'create' | 'whoami' | 'remove', (req: Request, res: Response) => void> {
  return {
    create: (req, res) => {
      const user = userOf(res);
      if (user.via === 'session' || user.via === 'link')
        throw new PodprofError('PODPROF_UNAUTHENTICATED', 'log in with a bearer token or through the auth proxy');
      // The token stays in this closure only (never logged): re-checks authenticate with it again.
      const authorization = req.headers.authorization;
      const recheck =
        user.via === 'token' && authorization ? () => ctx.authenticate({ headers: { authorization } } as IncomingMessage) : undefined;
      res.setHeader('set-cookie', ctx.sessions.issue(user, recheck));
      res.status(201).json({ user: user.name, groups: user.groups } satisfies Session);
    },
    whoami: (_req, res) => {
      const user = userOf(res);
      res.json({ user: user.name, groups: user.groups, via: user.via } satisfies Session);
    },
    remove: (req, res) => {
      ctx.sessions.revoke(req);
      res.setHeader('set-cookie', Sessions.clearCookie());
      res.status(204).end();
    },
  };
}
