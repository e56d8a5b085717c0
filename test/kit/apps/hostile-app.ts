// An app a hostile pod owner runs behind the sidecar: every pprof path answers
// 200 with what the owner chose — by default text/html and a script that, run
// on the gateway's origin, would act with the viewer's session (mint links,
// read pods) and mark the page pwned; or a gzip bomb (gzipBomb).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import type { App } from '../product/gateway.ts';

export const HOSTILE_HTML = `<!doctype html><html><body><h1 id="pwned-marker">hello</h1><script>
window.__pwned = true; document.title = 'pwned';
fetch('/api/v1/links', { method: 'POST', headers: { 'content-type': 'application/json', 'x-podprof-request': '1' }, body: JSON.stringify({ namespace: 'kube-system', pod: 'etcd-0', type: 'heap', pwned: true }) });
</script></body></html>`;

export interface HostileApp extends App {
  /** Paths the app was asked for, in order. */
  readonly asked: string[];
}

/** Answers every path with `body` (HTML with a script by default) as `type`. */
export async function startHostileApp(body: string | Buffer = HOSTILE_HTML, type = 'text/html; charset=utf-8'): Promise<HostileApp> {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res
      .writeHead(200, {
        'content-type': type,
        'content-disposition': 'inline',
        'x-content-type-options': 'sniff-me',
        'set-cookie': 'podprof-session=evil; Path=/',
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `decodedMiB` MiB of zeros, gzipped (about 1 MiB per GiB): not a profile, and large once inflated. */
export async function gzipBomb(decodedMiB: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => gz.on('end', resolve).on('error', reject));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < decodedMiB; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}
