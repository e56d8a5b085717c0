// /api/v1/captures: create (one pod, a selector or a workload; synchronous, or
// ?async=true to poll), upload (a profile file the user has), list, get,
// download, delete. RBAC in API group podprof.io on resource "captures" in the
// capture's namespace (create, list, get, delete; an upload: create
// captures/upload), plus get pods/<type> on every pod a capture asks. Every call audited.
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { PodprofError } from '../../src/errors.ts';
import { missingRule, type Access } from '../auth/authz.ts';
import type { User } from '../auth/user.ts';
import { DUMP_TEXT_FILE, PROFILE_FILE, TRACE_FILE, podFile } from '../captures/files.ts';
import { parseCaptureRequest } from '../captures/request.ts';
import { describeTarget } from '../../src/api/describe.ts';
import type { CaptureList, CaptureMeta } from '../../src/api/types.ts';
import { CAPTURE_ID } from '../captures/request.ts';
import type { GatewayContext } from '../context.ts';
import { audit, userOf } from '../http-util.ts';
import { visibleCaptures } from '../captures/visible.ts';
import { missingPodAccess, shownTo } from '../captures/access.ts';
import { parseUploadRequest } from '../captures/upload.ts';
import { readBody } from '../../src/http/body.ts';

type Handler = (req: Request, res: Response) => Promise<void>;

async function authorizeOrThrow(ctx: GatewayContext, user: User, res: Response, access: Access): Promise<void> {
  const d = await ctx.authorize(user, access);
  Object.assign(audit(res), { namespace: access.namespace, decision: d.allowed ? 'allowed' : 'denied', reason: d.reason });
  if (!d.allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
}

/** The capture named in the path, after RBAC `verb captures/<id>` in its namespace and `get pods/<type>` on each of its pods. */
export async function captureFor(ctx: GatewayContext, id: string, res: Response, verb: 'get' | 'delete'): Promise<CaptureMeta> {
  const meta = CAPTURE_ID.test(id) ? await ctx.captures.store.lookup(id) : undefined;
  Object.assign(audit(res), { params: { capture: id.slice(0, 40) } });
  if (!meta) throw new PodprofError('PODPROF_CAPTURE_NOT_FOUND', `no capture ${id.slice(0, 40)}`);
  const user = userOf(res);
  await authorizeOrThrow(ctx, user, res, { verb, resource: 'captures', namespace: meta.namespace, name: meta.id });
  const missing = await missingPodAccess(ctx.authorize, user, meta);
  if (missing) {
    Object.assign(audit(res), { decision: 'denied', reason: `capture of ${meta.type} from pod ${missing.name}` });
    throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, missing));
  }
  return meta;
}

function create(ctx: GatewayContext): Handler {
  return async (req, res) => {
    const user = userOf(res);
    const request = parseCaptureRequest(req.body);
    const a = Object.assign(audit(res), { namespace: request.namespace, pod: request.target.pod, type: request.type });
    await authorizeOrThrow(ctx, user, res, { verb: 'create', resource: 'captures', namespace: request.namespace });
    const started = await ctx.captures.start(user, request);
    a.params = {
      capture: started.meta.id,
      target: describeTarget(request.namespace, request.target),
      seconds: started.meta.seconds,
      pods: started.meta.pods.length,
    };
    if (req.query.async === 'true' || req.query.async === '1') {
      a.outcome = 'capture-started';
      res.status(202).location(`/api/v1/captures/${started.meta.id}`).json(started.meta);
      return;
    }
    const meta = await started.done;
    Object.assign(a, { outcome: `capture-${meta.status}`, bytes: meta.bytes });
    res.status(201).location(`/api/v1/captures/${meta.id}`).json(meta);
  };
}

/** Bodies an upload takes: the file as is (a JSON or form body would already be parsed, or is no file). */
const UPLOAD_MEDIA = /^(application\/(octet-stream|gzip|x-gzip|vnd\.google\.protobuf)|)$/i;

/**
 * POST /api/v1/captures/upload?namespace=NS[&name=FILE][&type=TYPE], the file as the body: RBAC `create
 * captures/upload` in NS and the running limits and store size (asked before a byte of the body is read), the body up to --max-profile-bytes (413 past
 * it; the server's request timeout bounds its time), decoded in a worker before it is stored (400 if it is no
 * profile). The capture claims no pod.
 */
function upload(ctx: GatewayContext): Handler {
  return async (req, res) => {
    const user = userOf(res);
    const request = parseUploadRequest(req.query);
    const a = Object.assign(audit(res), { namespace: request.namespace, type: request.type, params: { upload: request.name } });
    await authorizeOrThrow(ctx, user, res, { verb: 'create', resource: 'captures', subresource: 'upload', namespace: request.namespace });
    const media = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!UPLOAD_MEDIA.test(media))
      throw new PodprofError(
        'PODPROF_BAD_REQUEST',
        `send the file itself as the body, Content-Type: application/octet-stream (not ${media.slice(0, 60)})`,
      );
    ctx.captures.admitUpload(user, request.namespace);
    const bytes = await readBody(req, ctx.captures.maxUploadBytes);
    if (bytes.length === 0) throw new PodprofError('PODPROF_BAD_PROFILE', 'the body is empty: send the .pb.gz (or .pb) file as the body');
    const meta = await ctx.captures.upload(user, request, bytes);
    Object.assign(a, { outcome: 'uploaded', type: meta.type, bytes: meta.bytes, params: { capture: meta.id, upload: request.name } });
    res.status(201).location(`/api/v1/captures/${meta.id}`).json(meta);
  };
}

function list(ctx: GatewayContext): Handler {
  return async (req, res) => {
    const user = userOf(res);
    const namespace = typeof req.query.namespace === 'string' && req.query.namespace !== '' ? req.query.namespace : undefined;
    if (namespace) await authorizeOrThrow(ctx, user, res, { verb: 'list', resource: 'captures', namespace });
    const items = await visibleCaptures(ctx, user, namespace);
    Object.assign(audit(res), { outcome: 'listed', params: { captures: items.length } });
    res.json({ items } satisfies CaptureList);
  };
}

function get(ctx: GatewayContext): Handler {
  return async (req, res) => {
    const meta = await captureFor(ctx, String(req.params.id), res, 'get');
    Object.assign(audit(res), { type: meta.type, outcome: 'read' });
    res.setHeader('cache-control', 'no-store');
    res.json(shownTo(userOf(res), meta));
  };
}

/** Why a finished capture has no file to give for a download. */
export function whyNoFile(meta: CaptureMeta): string {
  if (meta.status === 'failed') return `it failed: ${meta.error ?? 'no pod answered'}`;
  if (meta.type === 'trace') return `it is a trace: download ${meta.file ?? "each pod's trace under pods/"}`;
  if (meta.debug === 2) return `it is a goroutine dump: download ${meta.file ?? "each pod's dump under pods/"}`;
  return 'no such file in it';
}

function contentTypeOf(file: string): string {
  if (file.endsWith('.json')) return 'application/json';
  return file.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'application/octet-stream';
}

function extensionOf(file: string): string {
  if (file.endsWith('trace.out')) return '.trace.out';
  if (file.endsWith('goroutines.txt')) return '.goroutines.txt';
  return file.endsWith('.json') ? '.json' : '.pb.gz';
}

/** The name a download is saved as: <namespace>-<target>-<type>-<id>, then what the file is. */
function downloadName(meta: CaptureMeta, file: string): string {
  const what = extensionOf(file);
  const derived = meta.derived?.includes(file) ? `-${file.replace(/\.(pb\.gz|json)$/, '')}` : '';
  return `${meta.namespace}-${meta.target.pod ?? meta.target.workload?.name ?? (meta.target.upload ? 'upload' : 'selector')}-${meta.type}-${meta.id}${derived}${what}`;
}

/** Streams one file of a finished capture: the merged profile, the trace, one pod's file, or a file derived from a trace. */
function download(ctx: GatewayContext, fileOf: (req: Request, meta: CaptureMeta) => string | undefined): Handler {
  return async (req, res) => {
    const meta = await captureFor(ctx, String(req.params.id), res, 'get');
    const a = Object.assign(audit(res), { type: meta.type });
    if (meta.status === 'running') throw new PodprofError('PODPROF_CAPTURE_RUNNING', `capture ${meta.id} is still running`);
    const file = fileOf(req, meta);
    const found = file === undefined ? undefined : await ctx.captures.store.read(meta.id, file);
    if (!file || !found) {
      const why = whyNoFile(meta);
      throw new PodprofError(
        'PODPROF_CAPTURE_NOT_FOUND',
        `capture ${meta.id} has no ${String(req.params.pod ?? req.path.split('/').pop())}: ${why}`,
      );
    }
    const name = downloadName(meta, file);
    res.writeHead(200, {
      'content-type': contentTypeOf(file),
      'content-length': String(found.size),
      'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    Object.assign(a, { bytes: found.size, outcome: 'downloaded' });
    await pipeline(found.stream, res).catch(() => (a.outcome = 'broken'));
  };
}

function remove(ctx: GatewayContext): Handler {
  return async (req, res) => {
    const meta = await captureFor(ctx, String(req.params.id), res, 'delete');
    if (ctx.captures.store.isRunning(meta.id))
      throw new PodprofError('PODPROF_CAPTURE_RUNNING', `capture ${meta.id} is still running; delete it when it is done`);
    await ctx.captures.store.delete(meta.id);
    Object.assign(audit(res), { type: meta.type, outcome: 'deleted' });
    res.status(204).end();
  };
}

export interface CaptureRoutes {
  readonly create: Handler;
  readonly upload: Handler;
  readonly list: Handler;
  readonly get: Handler;
  readonly profile: Handler;
  readonly trace: Handler;
  readonly dumpText: Handler;
  readonly pod: Handler;
  readonly derived: Handler;
  readonly remove: Handler;
}

export function captureRoutes(ctx: GatewayContext): CaptureRoutes {
  return {
    create: create(ctx),
    upload: upload(ctx),
    list: list(ctx),
    get: get(ctx),
    profile: download(ctx, (_req, m) => (m.file === PROFILE_FILE ? PROFILE_FILE : undefined)),
    trace: download(ctx, (_req, m) => (m.file === TRACE_FILE ? TRACE_FILE : undefined)),
    dumpText: download(ctx, (_req, m) => (m.file === DUMP_TEXT_FILE ? DUMP_TEXT_FILE : undefined)),
    pod: download(
      ctx,
      (req, m) =>
        m.pods.find(
          (p) =>
            p.file !== undefined &&
            p.file === podFile(String(req.params.pod).replace(/\.(pb\.gz|trace\.out|goroutines\.txt)$/, ''), m.type, m.debug),
        )?.file,
    ),
    derived: download(ctx, (req, m) => m.derived?.find((f) => f === String(req.params.name))),
    remove: remove(ctx),
  };
}
