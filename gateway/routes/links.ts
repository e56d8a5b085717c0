// POST /api/v1/links: a one-time URL for go tool pprof, and the command to use it with.
//   {namespace, pod, type, seconds?}  a new live profile of one pod;
//   {capture}                         a stored capture's profile (or trace): what the UI shows.
// The command verifies the gateway's certificate with --link-tls-ca when given (-tls_ca=…).
import type { Request, Response } from 'express';
import { linkCommand } from '../../src/api/link-command.ts';
import type { Link } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { isProfileType } from '../../src/endpoints/catalog.ts';
import { missingRule } from '../auth/authz.ts';
import { PROFILE_FILE, TRACE_FILE } from '../captures/files.ts';
import type { GatewayContext } from '../context.ts';
import { audit, baseUrl, userOf } from '../http-util.ts';
import { LINK_TTL_MS, LINK_USER } from '../links.ts';
import { captureFor, whyNoFile } from './captures.ts';

interface LinkRequest {
  namespace?: unknown;
  pod?: unknown;
  type?: unknown;
  seconds?: unknown;
  capture?: unknown;
}

const WANT =
  'want JSON {"namespace": "...", "pod": "...", "type": "heap", "seconds": 30} for a live profile, or {"capture": "<id>"} for a stored one';

function answer(ctx: GatewayContext, req: Request, res: Response, secret: string, path: string, search: string, trace: boolean): void {
  const base = new URL(baseUrl(req, ctx.publicUrl));
  base.username = LINK_USER;
  base.password = secret;
  base.pathname = path;
  base.search = search;
  res.status(201).json({
    url: base.href,
    expiresAt: new Date(Date.now() + LINK_TTL_MS).toISOString(),
    command: linkCommand(base.href, { trace, ca: ctx.linkTlsCa }),
  } satisfies Link);
}

/** A link to a stored capture's file, for whoever may read that capture (the same RBAC as its download). */
async function storedLink(ctx: GatewayContext, id: string, req: Request, res: Response): Promise<void> {
  const meta = await captureFor(ctx, id, res, 'get');
  if (ctx.captures.store.isRunning(meta.id) || meta.status === 'running')
    throw new PodprofError('PODPROF_CAPTURE_RUNNING', `capture ${meta.id} is still running; make a link when it is done`);
  const file = meta.file === PROFILE_FILE || meta.file === TRACE_FILE ? meta.file : undefined;
  if (!file) throw new PodprofError('PODPROF_CAPTURE_NOT_FOUND', `capture ${meta.id} has no file to link to: ${whyNoFile(meta)}`);
  Object.assign(audit(res), { type: meta.type, decision: 'allowed', outcome: 'link-created' });
  const secret = await ctx.links.createForCapture(userOf(res), meta.id);
  answer(ctx, req, res, secret, `/api/v1/captures/${meta.id}/${file}`, '', file === TRACE_FILE);
}

/** A link to a new live profile of one pod, for whoever may get that pod's profile type. */
async function liveLink(ctx: GatewayContext, b: LinkRequest, req: Request, res: Response): Promise<void> {
  const user = userOf(res);
  const { namespace, pod, type } = b;
  if (typeof namespace !== 'string' || typeof pod !== 'string' || typeof type !== 'string' || !isProfileType(type)) {
    throw new PodprofError('PODPROF_BAD_PARAMETER', WANT);
  }
  const seconds = b.seconds === undefined ? undefined : Number(b.seconds);
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600))
    throw new PodprofError('PODPROF_BAD_PARAMETER', 'seconds: want a whole number from 1 to 3600');
  const access = { verb: 'get', resource: 'pods', subresource: type, namespace, name: pod } as const;
  if (!(await ctx.authorize(user, access)).allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
  if (!ctx.registry.get(namespace, pod)) throw new PodprofError('PODPROF_POD_NOT_FOUND', `no injected pod ${namespace}/${pod}`);
  Object.assign(audit(res), { namespace, pod, type, decision: 'allowed', outcome: 'link-created' });
  const secret = await ctx.links.create(user, namespace, pod, type);
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/debug/pprof/${type}`;
  answer(ctx, req, res, secret, path, seconds === undefined ? '' : `?seconds=${seconds}`, type === 'trace');
}

export function linksHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const b = (req.body ?? {}) as LinkRequest;
    if (b.capture === undefined) return liveLink(ctx, b, req, res);
    if (typeof b.capture !== 'string' || Object.keys(b).some((k) => k !== 'capture')) throw new PodprofError('PODPROF_BAD_PARAMETER', WANT);
    return storedLink(ctx, b.capture, req, res);
  };
}
