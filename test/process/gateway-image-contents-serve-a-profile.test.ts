// Docker cannot run here, so this runs exactly what Dockerfile.gateway puts in
// the image: package.json, bin/ and dist/ from the build stage, node_modules
// made by running the deps stage's own RUN lines on a copy of package.json and
// package-lock.json, and an empty /var/lib/podprof owned by the image user. The
// tree is read-only and runs as uid 65532: `podprof gateway` in static mode
// (static discovery and tokens, allow-all) in front of a real sidecar and the Go
// fixture serves a heap profile, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { testSidecarCa } from '../kit/product/sidecar-ca.ts';
import { NODE, POD, REPO, makeKeys, startInProcess, type TestKeys, type TestSidecar } from '../kit/product/sidecar.ts';
import { waitFor } from '../kit/cluster/http.ts';

const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile.gateway'), 'utf8');
const IMAGE_UID = 65532;
const asRoot = process.getuid?.() === 0;

interface Stage {
  from: string;
  name: string | undefined;
  text: string;
}

function stages(dockerfile: string): Stage[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split(/^(?=FROM )/m)
    .filter((s) => s.startsWith('FROM '))
    .map((text) => {
      const m = /^FROM (\S+)(?: AS (\S+))?/.exec(text)!;
      return { from: m[1]!, name: m[2], text };
    });
}

const instructions = (s: Stage, op: string): string[] => [...s.text.matchAll(new RegExp(`^${op} (.+)$`, 'gm'))].map((m) => m[1]!.trim());

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) chmodTree(p, dirMode, fileMode);
    else chmodSync(p, fileMode);
  }
  chmodSync(path, dirMode);
}

/** A file only the image user may read, as a mounted Secret would be. */
function privateFile(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o600 });
  if (asRoot) chownSync(path, IMAGE_UID, IMAGE_UID);
  return path;
}

const all = stages(DOCKERFILE);
const final = all.at(-1)!;
const deps = all.find((s) => s.name === 'deps');
const STORE = '/var/lib/podprof';
let root: string;
let app: string;
let store: string;
let keys: TestKeys;
let target: GoTarget;
let sidecar: TestSidecar;

before(
  async () => {
    root = mkdtempSync(join(tmpdir(), 'podprof-gateway-image-'));
    chmodSync(root, 0o755);
    app = join(root, 'app');
    for (const part of ['package.json', 'bin', 'dist']) cpSync(join(REPO, part), join(app, part), { recursive: true });
    assert.ok(deps, 'a deps stage makes node_modules');
    const work = join(root, 'deps');
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO, f), join(work, f));
    // The deps stage's RUN lines, verbatim; the local npm cache is preferred over the network.
    for (const run of instructions(deps, 'RUN')) {
      const r = spawnSync('sh', ['-c', run], {
        cwd: work,
        encoding: 'utf8',
        env: { ...process.env, npm_config_prefer_offline: 'true' },
        timeout: 170_000,
      });
      assert.equal(r.status, 0, `RUN ${run}\n${r.stdout}\n${r.stderr}`);
    }
    renameSync(join(work, 'node_modules'), join(app, 'node_modules'));
    chmodTree(app, 0o555, 0o444);
    // The rootfs stage's `install -d -o 65532 -g 65532 -m 0750 /rootfs/var/lib/podprof`.
    store = join(root, STORE);
    // /var and /var/lib as in any image (0755): only the store itself is the image user's, 0750.
    mkdirSync(dirname(store), { recursive: true, mode: 0o755 });
    mkdirSync(store, { mode: 0o750 });
    chmodSync(store, 0o750);
    if (asRoot) chownSync(store, IMAGE_UID, IMAGE_UID);

    keys = makeKeys();
    chmodSync(keys.dir, 0o755);
    if (asRoot) chownSync(keys.keyFile, IMAGE_UID, IMAGE_UID);
    target = await startGoTarget({ listen: '127.0.0.1:0' });
    sidecar = await startInProcess(keys, target.url, testSidecarCa().issueFor('127.0.0.1').args);
  },
  { timeout: 180_000 },
);

after(async () => {
  await sidecar?.close();
  await target?.stop();
  if (!root) return;
  if (existsSync(app)) chmodTree(app, 0o755, 0o644);
  rmSync(root, { recursive: true, force: true });
  rmSync(keys.dir, { recursive: true, force: true });
});

test('Dockerfile.gateway: Node 24 stages, production node_modules for the packages the bundle leaves external, a FROM-scratch final stage with only the runtime, non-root, only the store writable, entrypoint podprof gateway', () => {
  const building = all.slice(0, -1);
  assert.ok(
    building.length >= 2 && building.every((s) => s.from.startsWith('node:24')),
    `build stages on Node 24: ${building.map((s) => s.from).join(', ')}`,
  );
  assert.equal(final.from, 'scratch', 'the final stage holds only what is copied into it');
  const rootfs = all.find((s) => s.name === 'rootfs');
  assert.ok(rootfs, 'a rootfs stage makes the runtime root filesystem');
  assert.deepEqual(
    instructions(rootfs, 'RUN').map((r) => r.replace(/\s+/g, ' ')),
    [`sh /usr/local/bin/rootfs.sh /rootfs /usr/local/bin/node && install -d -o ${IMAGE_UID} -g ${IMAGE_UID} -m 0750 /rootfs${STORE}`],
    'scripts/rootfs.sh (Node, the libraries it links, the CA bundle) and the store directory, owned by the image user',
  );
  const build = all.find((s) => s.name === 'build');
  const runs = build ? instructions(build, 'RUN').join('\n') : '';
  assert.ok(runs.includes('node scripts/build.mjs'), 'the build stage bundles with scripts/build.mjs');
  assert.ok(runs.includes('node scripts/build-ui.mjs'), 'the build stage builds the web UI');
  assert.deepEqual(
    instructions(deps!, 'COPY'),
    ['package.json package-lock.json ./'],
    'the deps stage sees only the manifest and the lockfile',
  );
  assert.ok(
    instructions(deps!, 'RUN').some((r) => /^npm ci\b.*--omit=dev\b.*--ignore-scripts\b/.test(r)),
    'production dependencies, from the lockfile, no install scripts',
  );
  const external = JSON.parse(
    (/export const EXTERNAL = (\[[^\]]*\])/.exec(readFileSync(join(REPO, 'scripts/build.mjs'), 'utf8'))?.[1] ?? '[]').replace(/'/g, '"'),
  ) as string[];
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual(external.sort(), ['@kubernetes/client-node', 'express']);
  for (const name of external) assert.ok(pkg.dependencies[name], `${name}, external to the bundle, is a production dependency`);

  const copied = instructions(final, 'COPY')
    .map((c) => c.split(/\s+/).slice(0, 2).join(' '))
    .sort();
  assert.deepEqual(copied, [
    '--from=build /src/bin',
    '--from=build /src/dist',
    '--from=build /src/gateway/ui/dist',
    '--from=build /src/package.json',
    '--from=deps /src/node_modules',
    '--from=rootfs /rootfs/',
  ]);
  assert.deepEqual(instructions(final, 'RUN'), [], 'the final stage runs nothing: it has no shell');
  assert.match(final.text, /^USER 65532:65532$/m);
  assert.match(final.text, /^VOLUME \["\/var\/lib\/podprof"\]$/m);
  assert.match(final.text, /^EXPOSE 8443 8081$/m);
  assert.match(final.text, /^ENTRYPOINT \["node", "\/app\/bin\/podprof\.mjs", "gateway"\]$/m);
  assert.doesNotMatch(final.text, /NODE_OPTIONS/);
});

test('the image contents start as uid 65532 on a read-only tree and, in static mode, serve a heap profile from a real sidecar in front of the Go app', async () => {
  assert.ok(
    existsSync(join(app, 'node_modules/express/package.json')) &&
      existsSync(join(app, 'node_modules/@kubernetes/client-node/package.json')),
  );
  assert.ok(!existsSync(join(app, 'node_modules/typescript')), 'no dev dependencies');
  assert.ok(!existsSync(join(dirname(root), 'node_modules')), 'nothing above the copy to fall back on');
  const conf = mkdtempSync(join(tmpdir(), 'podprof-gateway-image-conf-'));
  chmodSync(conf, 0o755);
  const token = `image-test-${randomBytes(18).toString('base64url')}`;
  const tokensFile = privateFile(join(conf, 'tokens.csv'), `${token},alice,team-a\n`);
  const targetsFile = privateFile(
    join(conf, 'targets.json'),
    JSON.stringify([
      {
        namespace: POD.namespace,
        name: POD.pod,
        uid: POD.uid,
        ip: '127.0.0.1',
        port: sidecar.port,
        container: 'app',
        labels: { app: 'web' },
      },
    ]),
  );
  const gatewayArgs = [
    join(app, 'bin/podprof.mjs'),
    'gateway',
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--auth',
    'static',
    '--tokens-file',
    tokensFile,
    '--authz',
    'allow-all',
    '--discovery',
    'static',
    '--targets-file',
    targetsFile,
    '--signing-key-file',
    keys.keyFile,
    '--store-dir',
    store,
    '--sidecar-ca-file',
    testSidecarCa().caFile,
  ];
  const [cmd, argv] = asRoot
    ? ['setpriv', ['--reuid', String(IMAGE_UID), '--regid', String(IMAGE_UID), '--clear-groups', NODE, ...gatewayArgs]]
    : [NODE, gatewayArgs];
  const child = spawn(cmd, argv, {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', HOME: '/', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const ready = await new Promise<{ port: number; healthPort: number }>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /"port":(\d+),"healthPort":(\d+)/.exec(stdout);
        if (m) resolve({ port: Number(m[1]), healthPort: Number(m[2]) });
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    if (asRoot) {
      const uid = spawnSync('ps', ['-o', 'uid=', '-p', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
      assert.equal(uid, String(IMAGE_UID), 'runs as the image user');
    }
    const readyz = await fetch(`http://127.0.0.1:${ready.healthPort}/readyz`);
    assert.equal(readyz.status, 200, await readyz.text());
    const url = `https://127.0.0.1:${ready.port}/api/v1/namespaces/${POD.namespace}/pods/${POD.pod}/debug/pprof/heap`;
    const heap = await httpsRequest(url, { headers: bearer(token) });
    assert.equal(heap.status, 200, heap.text);
    const profile = Profile.decode(gunzipSync(heap.body));
    assert.equal(profile.sampleType.length, 4, 'alloc_objects, alloc_space, inuse_objects, inuse_space');
    assert.equal((await httpsRequest(url)).status, 401, 'the static tokens are enforced');
    await waitFor('the sidecar served alice (its audit line)', () =>
      sidecar.logs.some((l) => l.includes('"subject":"alice"') && l.includes('"type":"heap"') && l.includes('"status":200')),
    );
  } finally {
    child.kill('SIGTERM');
    rmSync(conf, { recursive: true, force: true });
  }
  assert.equal(await exited, 0, `a clean exit on SIGTERM: ${stderr}`);
  assert.ok(!stdout.includes(token), 'the token is never logged');
  assert.deepEqual(readdirSync(app).sort(), ['bin', 'dist', 'node_modules', 'package.json'], 'nothing written into /app');
});

test('without node_modules the bundle cannot start the gateway: express and @kubernetes/client-node are loaded at run time', () => {
  const bare = join(root, 'bare');
  for (const part of ['package.json', 'bin', 'dist']) cpSync(join(REPO, part), join(bare, part), { recursive: true });
  const r = spawnSync(
    NODE,
    [
      join(bare, 'bin/podprof.mjs'),
      'gateway',
      '--auth',
      'static',
      '--tokens-file',
      '/nonexistent',
      '--authz',
      'allow-all',
      '--discovery',
      'static',
      '--targets-file',
      '/nonexistent',
      '--signing-key-file',
      '/nonexistent',
    ],
    {
      cwd: bare,
      env: { PATH: process.env.PATH ?? '', HOME: '/', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /Cannot find (package|module) '(express|@kubernetes\/client-node)'/);
});
