// The processes bench/sidecar puts in front of the same upstream, each started
// the way it runs for real and measured the same way:
//   go          a Go TLS reverse proxy checking the same ES256 tokens (bench/sidecar/go-proxy): the baseline
//   bare-node   a dozen-line Node https → http pipe, no auth, log or metrics: Node's own floor
//   sidecar on  node (the image's runtime and NODE_OPTIONS), bun and deno (from node_modules): podprof's
//               sidecar bundle, unchanged
// `direct` (no proxy at all) is the other reference: plain http to the upstream.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGo } from '../../demo/go-build.ts';
import { createCertificate } from '../../src/tls/x509.ts';
import { imageNodeOptions, NODE, POD, REPO, runtime, type TestKeys } from '../../test/kit/product/sidecar.ts';
import { printedPort, track } from '../lib/children.ts';

export type AnchorName = 'go' | 'bare-node' | 'sidecar-node' | 'sidecar-bun' | 'sidecar-deno';
export const ANCHORS: readonly AnchorName[] = ['go', 'bare-node', 'sidecar-node', 'sidecar-bun', 'sidecar-deno'];

export interface Running {
  readonly name: AnchorName;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Whether requests need a fresh token each. */
  readonly tokens: boolean;
  /** spawn → the port printed (every anchor prints it once it listens). */
  readonly startMs: number;
}

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export function tlsFiles(dir: string): TlsFiles {
  const c = createCertificate({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const files = { cert: join(dir, 'bench-cert.pem'), key: join(dir, 'bench-key.pem') };
  writeFileSync(files.cert, c.certPem);
  writeFileSync(files.key, c.keyPem, { mode: 0o600 });
  return files;
}

// Node's floor for any TLS proxy: https in, keep-alive http out, pipe().
const BARE_PROXY = `
const fs = require('node:fs'), http = require('node:http'), https = require('node:https');
const up = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const s = https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (req, res) => {
  const u = http.request({ host: up.hostname, port: up.port, path: req.url, agent, headers: { accept: '*/*' } }, (ur) => {
    res.writeHead(ur.statusCode, { 'content-type': ur.headers['content-type'] || 'application/octet-stream' });
    ur.pipe(res);
  });
  u.on('error', () => res.destroy());
  res.on('close', () => { if (!res.writableFinished) u.destroy(); });
  u.end();
});
s.listen(0, '127.0.0.1', () => process.stdout.write('listening on ' + s.address().port + '\\n'));
`;

export interface AnchorContext {
  readonly keys: TestKeys;
  readonly tls: TlsFiles;
  readonly goProxy: string;
}

export async function anchorContext(keys: TestKeys): Promise<AnchorContext> {
  return { keys, tls: tlsFiles(keys.dir), goProxy: await buildGo(join(REPO, 'bench/sidecar/go-proxy'), 'podprof-bench-go-proxy') };
}

function command(
  name: AnchorName,
  ctx: AnchorContext,
  upstream: string,
  extra: readonly string[],
): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const pod = ['--pod-namespace', POD.namespace, '--pod-name', POD.pod, '--pod-uid', POD.uid];
  if (name === 'go')
    return {
      file: ctx.goProxy,
      args: [
        '-upstream',
        upstream,
        '-jwks-file',
        ctx.keys.jwksFile,
        '-cert',
        ctx.tls.cert,
        '-key',
        ctx.tls.key,
        ...pod.map((a) => a.replace(/^--/, '-')),
      ],
      env: process.env,
    };
  if (name === 'bare-node')
    return { file: NODE, args: ['-e', BARE_PROXY], env: { ...process.env, UPSTREAM: upstream, CERT: ctx.tls.cert, KEY: ctx.tls.key } };
  const rt = runtime(name.slice('sidecar-'.length));
  const sidecar = [
    'sidecar',
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--upstream',
    upstream,
    '--jwks-file',
    ctx.keys.jwksFile,
    ...pod,
    '--bypass-check-interval',
    '0',
    ...extra,
  ];
  return {
    file: rt.command,
    args: [...rt.args, join(REPO, 'bin/podprof.mjs'), ...sidecar],
    env: { ...process.env, NODE_OPTIONS: name === 'sidecar-node' ? imageNodeOptions() : '' },
  };
}

/** Starts an anchor in front of `upstream` and resolves once it prints its port. */
export async function startAnchor(name: AnchorName, ctx: AnchorContext, upstream: string, extra: readonly string[] = []): Promise<Running> {
  const c = command(name, ctx, upstream, extra);
  const t0 = performance.now();
  const child = track(spawn(c.file, c.args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: c.env, detached: true }));
  const port = await printedPort(child, name);
  return { name, url: `https://127.0.0.1:${port}`, pid: child.pid!, child, tokens: name !== 'bare-node', startMs: performance.now() - t0 };
}
