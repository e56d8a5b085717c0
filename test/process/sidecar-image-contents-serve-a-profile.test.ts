// Docker cannot run here, so this runs exactly what Dockerfile.sidecar puts in
// the image: package.json, bin/ and dist/ (no node_modules), read-only, as the
// image's non-root user, with the image's NODE_OPTIONS, and fetches a profile.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { NODE, POD, REPO, imageNodeOptions, makeKeys, mint } from '../kit/product/sidecar.ts';

const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile.sidecar'), 'utf8');
const keys = makeKeys();
let target: GoTarget;

before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
});
after(() => target.stop());

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) chmodTree(p, dirMode, fileMode);
    else chmodSync(p, fileMode);
  }
  chmodSync(path, dirMode);
}

test('Dockerfile.sidecar: Node 24 build stages, FROM-scratch runtime stages (Bun by default, Node with RUNTIME=node), non-root, entrypoint podprof sidecar, only package.json, bin and dist copied', () => {
  const froms = [...DOCKERFILE.matchAll(/^FROM (\S+)(?: AS (\S+))?/gm)].map((m) => ({ from: m[1]!, name: m[2] }));
  const building = froms.filter((f) => f.from !== 'scratch' && !f.from.startsWith('runtime-'));
  assert.ok(
    building.length >= 2 && building.every((f) => f.from.startsWith('node:24')),
    `build stages on Node 24: ${froms.map((f) => f.from).join(', ')}`,
  );
  assert.deepEqual(
    froms.filter((f) => f.from === 'scratch').map((f) => f.name),
    ['runtime-node', 'runtime-bun'],
    'the runtimes: nothing but what is copied in',
  );
  assert.equal(froms.at(-1)?.from, 'runtime-${RUNTIME}');
  assert.match(DOCKERFILE, /^ARG RUNTIME=bun$/m);
  assert.match(DOCKERFILE, /^RUN sh \/usr\/local\/bin\/rootfs\.sh \/rootfs \/usr\/local\/bin\/node$/m);
  assert.match(DOCKERFILE, /^RUN sh \/usr\/local\/bin\/rootfs\.sh \/rootfs \/usr\/local\/bin\/bun$/m);
  assert.match(DOCKERFILE, /^USER 65532:65532$/m);
  assert.match(DOCKERFILE, /^ENTRYPOINT \["node", "\/app\/bin\/podprof\.mjs", "sidecar"\]$/m);
  assert.match(DOCKERFILE, /^ENTRYPOINT \["bun", "\/app\/bin\/podprof\.mjs", "sidecar"\]$/m);
  const finalStage = DOCKERFILE.slice(DOCKERFILE.lastIndexOf('FROM '));
  const copied = [...finalStage.matchAll(/^COPY --from=build \/src\/(\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(copied.sort(), ['bin', 'dist', 'package.json']);
  assert.doesNotMatch(finalStage, /node_modules/);
});

test('the image contents start as a non-root user on a read-only tree and serve a CPU profile', async () => {
  const root = mkdtempSync(join(tmpdir(), 'podprof-image-'));
  chmodSync(root, 0o755);
  const app = join(root, 'app');
  for (const part of ['package.json', 'bin', 'dist']) cpSync(join(REPO, part), join(app, part), { recursive: true });
  chmodTree(app, 0o555, 0o444);
  chmodSync(keys.dir, 0o755);
  chmodSync(keys.jwksFile, 0o644);
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? 'setpriv' : NODE;
  const prefix = asRoot ? ['--reuid', '65532', '--regid', '65532', '--clear-groups', NODE] : [];
  const args = [
    ...prefix,
    join(app, 'bin/podprof.mjs'),
    'sidecar',
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--upstream',
    target.url,
    '--jwks-file',
    keys.jwksFile,
  ];
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    NODE_OPTIONS: imageNodeOptions(),
    POD_NAMESPACE: POD.namespace,
    POD_NAME: POD.pod,
    POD_UID: POD.uid,
  };
  const child = spawn(cmd, args, { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        const m = /"port":(\d+)/.exec(c.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    if (asRoot) {
      const uid = spawnSync('ps', ['-o', 'uid=', '-p', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      assert.equal(uid, '65532', 'runs as the image user');
    }
    const r = await httpsRequest(`https://127.0.0.1:${port}/debug/pprof/profile?seconds=1`, { headers: bearer(mint(keys, 'profile')) });
    assert.equal(r.status, 200, r.text);
    assert.ok(Profile.decode(gunzipSync(r.body)).sample.length > 0);
  } finally {
    child.kill('SIGTERM');
  }
});
