import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PodprofError } from '../src/errors.ts';
import type { User } from './auth/user.ts';
import type { AuditEvent } from './context.ts';
import { CAPTURE_ID } from './captures/request.ts';

export const PPROF_PATH = /^\/api\/v1\/namespaces\/([a-z0-9-]{1,63})\/pods\/([a-z0-9.-]{1,253})\/debug\/pprof\/([a-z]{1,20})$/;
/** A stored capture's file a one-time link may open: its merged profile or its trace. */
export const CAPTURE_FILE_PATH = new RegExp(
  `^/api/v1/captures/(${CAPTURE_ID.source.replace(/^\^|\$$/g, '')})/(profile\\.pb\\.gz|trace\\.out)$`,
);

export function userOf(res: Response): User {
  const u = (res.locals as { user?: User }).user;
  if (!u) throw new PodprofError('PODPROF_UNAUTHENTICATED', 'no credentials');
  return u;
}

export function audit(res: Response): AuditEvent {
  const l = res.locals as { audit?: AuditEvent };
  return (l.audit ??= {});
}

/** The base URL to give users: --public-url, else what this request came to. */
export function baseUrl(req: Request, publicUrl: URL | undefined): string {
  if (publicUrl) return publicUrl.href.replace(/\/+$/, '');
  return `https://${req.headers.host ?? 'localhost'}`;
}

export type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<void>;

/** Express 5 forwards rejections to the error handler; this keeps the types honest. */
export function route(h: AsyncHandler): RequestHandler {
  return (req, res, next) => {
    h(req, res, next).catch(next);
  };
}
