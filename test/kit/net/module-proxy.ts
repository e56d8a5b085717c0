// A Go module proxy on loopback serving a folder in the GOPROXY layout — this
// machine's module download cache (~/go/pkg/mod/cache/download), which is what
// proxy.golang.org served it — so the gateway's fetcher is tested on real module
// zips without the network. It answers byte ranges (as proxy.golang.org does) or,
// with `ranges: false`, whole files only (as a plain static server may); with
// `redirectTo` every request is sent there instead. It logs what it was asked.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { GO } from '../../../demo/go-build.ts';

export const MODULE_CACHE = join(homedir(), 'go', 'pkg', 'mod', 'cache', 'download');

/**
 * The zip of module@version in MODULE_CACHE (its path under it: `module/@v/version.zip`), downloaded by
 * `go mod download` from the machine's module proxy when missing, as a fresh machine needs.
 */
export async function inModuleCache(module: string, version: string): Promise<string> {
  const zip = `${module}/@v/${version}.zip`;
  if (!existsSync(join(MODULE_CACHE, zip)))
    await promisify(execFile)(GO, ['mod', 'download', `${module}@${version}`], { cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 });
  return zip;
}

export interface ModuleProxy {
  readonly url: string;
  /** Each request: method, path, Range header. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startModuleProxy(o: { dir?: string; ranges?: boolean; redirectTo?: string } = {}): Promise<ModuleProxy> {
  const dir = o.dir ?? MODULE_CACHE;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`.trim());
    if (o.redirectTo !== undefined) {
      res.writeHead(302, { location: o.redirectTo }).end();
      return;
    }
    const path = normalize(join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    let size: number;
    try {
      if (!path.startsWith(dir + sep)) throw new Error('outside');
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const m = o.ranges === false ? null : /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/zip' });
      createReadStream(path).pipe(res);
      return;
    }
    const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
    const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    createReadStream(path, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
