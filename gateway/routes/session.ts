// Sessions for the web UI: POST with a bearer token (or through the auth proxy)
// sets the cookie; GET tells who you are; DELETE logs out (the session ends for
// every copy of the cookie).
import type { Request, Response } from 'express';
import type { Session } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { Sessions } from '../auth/session.ts';
import type { GatewayContext } from '../context.ts';
import { userOf } from '../http-util.ts';

export function sessionHandlers(
  ctx: GatewayContext,
): Record<'create' | 'whoami' | 'remove', (req: Request, res: Response) => Promise<void>> {
  return {
    create: async (req, res) => {
      const user = userOf(res);
      if (user.via === 'session' || user.via === 'link')
        throw new PodprofError('PODPROF_UNAUTHENTICATED', 'log in with a bearer token or through the auth proxy');
      // The token goes into the session record sealed (shared/seal.ts), never in clear or to a log: re-checks authenticate with it again.
      const authorization = user.via === 'token' ? req.headers.authorization : undefined;
      res.setHeader('set-cookie', await ctx.sessions.issue(user, authorization));
      res.status(201).json({ user: user.name, groups: user.groups } satisfies Session);
    },
    whoami: (_req, res) => {
      const user = userOf(res);
      res.json({ user: user.name, groups: user.groups, via: user.via } satisfies Session);
      return Promise.resolve();
    },
    remove: async (req, res) => {
      await ctx.sessions.revoke(req);
      res.setHeader('set-cookie', Sessions.clearCookie());
      res.status(204).end();
    },
  };
}
