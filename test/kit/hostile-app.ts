// An app a hostile pod owner runs behind the sidecar: every pprof path answers
// 200 with text/html and a script that, run on the gateway's origin, would act
// with the viewer's session (mint links, read pods) and mark the page pwned.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './gateway.ts';

export const HOSTILE_HTML = `<!doctype html><html><body><h1 id="pwned-marker">hello</h1><script>
window.__pwned = true; document.title = 'pwned';
fetch('/api/v1/links', { method: 'POST', headers: { 'content-type': 'application/json', 'x-podprof-request': '1' }, body: JSON.stringify({ namespace: 'kube-system', pod: 'etcd-0', type: 'heap', pwned: true }) });
</script></body></html>`;

export interface HostileApp extends App {
  /** Paths the app was asked for, in order. */
  readonly asked: string[];
}

export async function startHostileApp(body = HOSTILE_HTML): Promise<HostileApp> {
  const asked: string[] = [];
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-disposition': 'inline', 'x-content-type-options': 'sniff-me', 'set-cookie': 'podprof-session=evil; Path=/' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
