// GET /api/v1/captures/:id/source?file=…&fn=…[&go=go1.22.3]: the text of a file a
// capture's profile names, through the Go module proxy (gateway/source/fetcher.ts),
// for whoever may read the capture (RBAC as for its download). The file name is
// the profile's, so it is the attacker's: src/source/locate.ts turns it into a
// validated module@version/file or refuses it; nothing else reaches a URL.
import type { Request, Response } from 'express';
import type { BuildInfo, SourceAnswer } from '../../src/api/types.ts';
import { PodprofError } from '../../src/errors.ts';
import { locateSource, parseGoVersion, type SourceHints } from '../../src/source/locate.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { GatewayContext } from '../context.ts';
import { audit, userOf } from '../http-util.ts';
import { captureFor } from './captures.ts';

const param = (req: Request, name: string): string | undefined => {
  const v = req.query[name];
  return typeof v === 'string' ? v : undefined;
};

/** The Go version and main module the capture's pods declare (the first pod still known that declares them). */
export function hintsOf(ctx: GatewayContext, meta: CaptureMeta): SourceHints {
  let goVersion: string | undefined;
  let mainModule: SourceHints['mainModule'];
  for (const p of meta.pods) {
    const t = ctx.registry.get(meta.namespace, p.pod);
    goVersion ??= t?.goVersion;
    mainModule ??= t?.mainModule;
  }
  return { goVersion, mainModule };
}

export function sourceHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const meta = await captureFor(ctx, String(req.params.id), res, 'get');
    const a = Object.assign(audit(res), { type: meta.type });
    const file = param(req, 'file');
    if (file === undefined || file === '') throw new PodprofError('PODPROF_BAD_PARAMETER', 'file: the file name of a frame is required');
    const fn = param(req, 'fn') ?? '';
    const go = param(req, 'go');
    let hints = hintsOf(ctx, meta);
    if (go !== undefined && go !== '') {
      const v = parseGoVersion(go);
      if (!v.ok) throw new PodprofError('PODPROF_BAD_PARAMETER', `go: ${v.reason}`);
      hints = { ...hints, goVersion: v.version };
    }
    const located = locateSource(file, fn, hints);
    a.params = { capture: meta.id, file: file.slice(0, 200) };
    if (!located.ok) {
      a.outcome = `source-${located.why}`;
      throw new PodprofError(located.why === 'invalid' ? 'PODPROF_SOURCE_INVALID' : 'PODPROF_SOURCE_UNKNOWN', located.reason);
    }
    const found = await ctx.sources.file(userOf(res).name, located.ref);
    Object.assign(a, { outcome: 'source', bytes: found.text.length });
    res.setHeader('cache-control', 'private, max-age=3600');
    res.json({
      file,
      kind: located.ref.kind,
      module: located.ref.module,
      version: located.ref.version,
      path: located.ref.file,
      url: found.url,
      text: found.text,
    } satisfies SourceAnswer);
  };
}

/** GET /api/v1/captures/:id/build: the Go version and main module the capture's pods declare (the UI resolves file names with them). */
export function buildHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const meta = await captureFor(ctx, String(req.params.id), res, 'get');
    Object.assign(audit(res), { type: meta.type, outcome: 'read' });
    const hints = hintsOf(ctx, meta);
    res.setHeader('cache-control', 'no-store');
    res.json({ goVersion: hints.goVersion, mainModule: hints.mainModule } satisfies BuildInfo);
  };
}
