// GET /sd/targets?types=&namespace=: Prometheus-style HTTP service discovery
// (docs/design.md §2.7; the groups are built in discovery/http-sd.ts), for
// Prometheus http_sd_configs, Grafana Alloy discovery.http → pyroscope.scrape,
// and Parca. RBAC `list targets`; always 200 with the full list.
import type { Request, Response } from 'express';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PodprofError } from '../../src/errors.ts';
import { missingRule } from '../auth/authz.ts';
import type { GatewayContext } from '../context.ts';
import { AnswerCache, HOST, namespaceOf, parseTypes, sdGroups } from '../discovery/http-sd.ts';
import { userOf } from '../http-util.ts';

const gzipAsync = promisify(gzip);

/** The host:port the targets name: --public-url's (the Host a caller sends then changes nothing, nor the cache key), else the request's. */
function hostOf(req: Request, publicUrl: URL | undefined): string {
  if (publicUrl) return publicUrl.host;
  const sent = req.headers.host ?? 'localhost';
  if (!HOST.test(sent)) throw new PodprofError('PODPROF_BAD_REQUEST', 'the Host header is not a host[:port]; set --public-url');
  return new URL(`https://${sent}`).host;
}

export function sdHandler(ctx: GatewayContext): (req: Request, res: Response) => Promise<void> {
  const cache = new AnswerCache();
  return async (req, res) => {
    const user = userOf(res);
    const namespace = namespaceOf(req.query.namespace);
    const types = parseTypes(req.query.types);
    const access = { verb: 'list', resource: 'targets', namespace } as const;
    if (!(await ctx.authorize(user, access)).allowed) throw new PodprofError('PODPROF_FORBIDDEN', missingRule(user, access));
    const host = hostOf(req, ctx.publicUrl);
    const key = `${namespace ?? ''} ${types.join(',')} ${ctx.publicUrl ? '' : host}`;
    let hit = cache.get(key);
    if (hit?.version !== ctx.registry.version) {
      const json = Buffer.from(JSON.stringify(sdGroups(ctx.registry.list({ namespace }), types, host)));
      hit = { version: ctx.registry.version, json, gzip: await gzipAsync(json, { level: 6 }) };
      cache.set(key, hit);
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': 'application/json',
      vary: 'Accept-Encoding',
      ...(gz ? { 'content-encoding': 'gzip' } : {}),
      'content-length': String((gz ? hit.gzip : hit.json).length),
    });
    res.end(gz ? hit.gzip : hit.json);
  };
}
