// Docker cannot run here, so this builds and runs exactly what Dockerfile.webhook
// puts in the image, stage by stage, from the Dockerfile's own lines: the build
// stage's COPY lines and RUN node scripts/build.mjs (its npm ci stands for the
// repository's node_modules, from the same lockfile), the deps stage's COPY and
// RUN lines verbatim (npm ci --omit=dev, pruning), then the final stage's COPY
// --from lines into a read-only /app (the rootfs stage, the runtime's root
// filesystem made by scripts/rootfs.sh, stands for this machine's Node 24 and is
// not run here). That tree runs as the image's non-root user
// with the image's NODE_OPTIONS: `podprof webhook` answers an AdmissionReview,
// `podprof explain` reads a manifest and `podprof webhook certs` reaches its first
// API call (both load @kubernetes/client-node, which only node_modules holds).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { after, before, test } from 'node:test';
import { httpsRequest } from '../kit/net/http.ts';
import { NODE, REPO, imageNodeOptions, makeKeys } from '../kit/product/sidecar.ts';

const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile.webhook'), 'utf8');
const SIDECAR_IMAGE = 'ghcr.io/podprof/podprof-sidecar:test';
const asRoot = process.getuid?.() === 0;

interface Stage {
  from: string;
  name: string | undefined;
  text: string;
  workdir: string;
}

function stages(dockerfile: string): Stage[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  return joined
    .split(/^(?=FROM )/m)
    .filter((s) => s.startsWith('FROM '))
    .map((text) => {
      const m = /^FROM (\S+)(?: AS (\S+))?/.exec(text)!;
      return { from: m[1]!, name: m[2], text, workdir: /^WORKDIR (\S+)$/m.exec(text)?.[1] ?? '/' };
    });
}

const instructions = (s: Stage, op: string): string[] => [...s.text.matchAll(new RegExp(`^${op} (.+)$`, 'gm'))].map((m) => m[1]!.trim());

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(path)) {
    const p = join(path, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue; // node_modules/.bin: the target gets its own mode
    if (st.isDirectory()) chmodTree(p, dirMode, fileMode);
    else chmodSync(p, fileMode);
  }
  chmodSync(path, dirMode);
}

/** `node <args>` as the image user (uid 65532 when we are root), with the image's environment. */
function asImageUser(args: string[]): { cmd: string; argv: string[] } {
  return asRoot
    ? { cmd: 'setpriv', argv: ['--reuid', '65532', '--regid', '65532', '--clear-groups', NODE, ...args] }
    : { cmd: NODE, argv: args };
}

const imageEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: '/',
  NODE_ENV: 'production',
  NODE_OPTIONS: imageNodeOptions('Dockerfile.webhook'),
});

/** Where `path` (absolute in the stage, or relative to its WORKDIR) lands in `dir`, which stands for the stage's WORKDIR. */
const inStage = (stage: Stage, dir: string, path: string): string =>
  join(dir, posix.relative(stage.workdir, posix.resolve(stage.workdir, path)));

/** A stage's COPY lines from the build context, then its RUN lines (but those `skip` leaves out), in `dir`. */
function runStage(stage: Stage, dir: string, skip: (run: string) => boolean = () => false): void {
  mkdirSync(dir, { recursive: true });
  for (const copy of instructions(stage, 'COPY')) {
    const parts = copy.split(/\s+/);
    assert.ok(!parts[0]!.startsWith('--'), `stage ${stage.name}: COPY from the build context only: ${copy}`);
    const dest = parts.at(-1)!;
    for (const src of parts.slice(0, -1)) {
      const target = dest.endsWith('/') ? join(inStage(stage, dir, dest), basename(src)) : inStage(stage, dir, dest);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(REPO, src), target, { recursive: true });
    }
  }
  // Node 24 first on PATH, as in the image; the local npm cache is preferred over the network.
  const env = { ...process.env, PATH: `${dirname(NODE)}:${process.env.PATH ?? ''}`, npm_config_prefer_offline: 'true' };
  for (const run of instructions(stage, 'RUN')) {
    if (skip(run)) continue;
    const r = spawnSync('sh', ['-c', run], { cwd: dir, encoding: 'utf8', env, timeout: 170_000 });
    assert.equal(r.status, 0, `stage ${stage.name}: RUN ${run}\n${r.stdout}\n${r.stderr}`);
  }
}

const all = stages(DOCKERFILE);
const isRootfs = (s: Stage): boolean => s.name === 'rootfs';
const final = all.at(-1)!;
const deps = all.find((s) => s.name === 'deps');
let root: string;
let app: string;
const links: string[] = [];

/** The image's /app, made by the Dockerfile's stages. */
before(
  () => {
    root = mkdtempSync(join(tmpdir(), 'podprof-webhook-image-'));
    chmodSync(root, 0o755);
    const dirs = new Map<string, string>();
    for (const stage of all.slice(0, -1)) {
      if (isRootfs(stage)) continue; // the runtime: this machine's Node 24 stands for it
      const dir = join(root, stage.name ?? String(dirs.size));
      dirs.set(stage.name ?? String(dirs.size), dir);
      const installs = (run: string): boolean => /^npm ci\b/.test(run) && !/--omit=dev/.test(run);
      if (instructions(stage, 'RUN').some(installs)) {
        mkdirSync(dir, { recursive: true });
        symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
        links.push(join(dir, 'node_modules'));
      }
      runStage(stage, dir, installs);
    }
    app = join(root, 'image');
    for (const copy of instructions(final, 'COPY')) {
      if (copy === '--from=rootfs /rootfs/ /') continue;
      const m = /^--from=(\S+) (\S+) (\S+)$/.exec(copy);
      assert.ok(m, `the final stage copies from earlier stages only: ${copy}`);
      const [, from, src, dest] = m;
      const stage = all.find((s) => s.name === from)!;
      const source = inStage(stage, dirs.get(from!)!, src!);
      assert.ok(existsSync(source), `COPY ${copy}: stage ${from} has no ${src}`);
      cpSync(source, inStage(final, app, dest!), { recursive: true });
    }
    chmodTree(app, 0o555, 0o444);
  },
  { timeout: 180_000 },
);

after(() => {
  for (const l of links) unlinkSync(l); // never through the link into the repository's node_modules
  if (!root) return;
  if (existsSync(app)) chmodTree(app, 0o755, 0o644);
  rmSync(root, { recursive: true, force: true });
});

test('Dockerfile.webhook: Node 24 stages, a FROM-scratch final stage with only the runtime, non-root, entrypoint podprof webhook, only package.json, bin, dist and production node_modules copied', () => {
  const building = all.slice(0, -1);
  assert.ok(
    building.length >= 2 && building.every((s) => s.from.startsWith('node:24')),
    `build stages on Node 24: ${building.map((s) => s.from).join(', ')}`,
  );
  assert.equal(final.from, 'scratch', 'the final stage holds only what is copied into it');
  const rootfs = all.find(isRootfs);
  assert.ok(rootfs, 'a rootfs stage makes the runtime root filesystem');
  assert.ok(
    instructions(rootfs, 'RUN').some((r) => /rootfs\.sh \/rootfs \/usr\/local\/bin\/node$/.test(r)),
    'scripts/rootfs.sh: Node, the libraries it links and the CA bundle',
  );
  const build = all.find((s) => s.name === 'build');
  assert.ok(build && instructions(build, 'RUN').includes('node scripts/build.mjs'), 'the build stage bundles with scripts/build.mjs');
  assert.match(final.text, /^USER 65532:65532$/m);
  assert.match(final.text, /^ENTRYPOINT \["node", "\/app\/bin\/podprof\.mjs", "webhook"\]$/m);
  assert.match(final.text, /^EXPOSE 8443 8081$/m);
  assert.deepEqual(instructions(final, 'RUN'), [], 'the final stage writes nothing: only COPY');
  const copied = instructions(final, 'COPY')
    .map((c) => c.split(/\s+/).slice(0, 2).join(' '))
    .sort();
  assert.deepEqual(copied, [
    '--from=build /src/bin',
    '--from=build /src/dist',
    '--from=build /src/package.json',
    '--from=deps /src/node_modules',
    '--from=rootfs /rootfs/',
  ]);
  assert.ok(deps, 'a deps stage makes node_modules');
  assert.deepEqual(
    instructions(deps, 'COPY'),
    ['package.json package-lock.json ./'],
    'the deps stage sees only the manifest and the lockfile',
  );
  assert.ok(
    instructions(deps, 'RUN').some((r) => /^npm ci\b.*--omit=dev\b.*--ignore-scripts\b/.test(r)),
    'production dependencies, from the lockfile, no install scripts',
  );
});

test('the image contents start as a non-root user on a read-only tree and answer an AdmissionReview with the sidecar patch', async () => {
  const keys = makeKeys();
  chmodSync(keys.dir, 0o755);
  chmodSync(keys.jwksFile, 0o644);
  const { cmd, argv } = asImageUser([
    join(app, 'bin/podprof.mjs'),
    'webhook',
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--sidecar-image',
    SIDECAR_IMAGE,
    '--jwks-file',
    keys.jwksFile,
  ]);
  const child = spawn(cmd, argv, { cwd: app, env: imageEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
      assert.equal(uid, '65532', 'runs as the image user');
    }
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: '7c1e4a52-9d3b-4f60-8a2e-5b6c7d8e9f01',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: 'shop',
        operation: 'CREATE',
        object: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: 'checkout-7d9f8c6b5-',
            namespace: 'shop',
            annotations: { 'podprof.io/inject': 'true', 'podprof.io/port': '6060' },
          },
          spec: {
            containers: [{ name: 'checkout', image: 'registry.example.com/shop/checkout:1.14.2', ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    };
    const r = await httpsRequest(`https://127.0.0.1:${ready.port}/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(review),
    });
    assert.equal(r.status, 200, r.text);
    const answer = JSON.parse(r.text) as {
      apiVersion: string;
      kind: string;
      response: { uid: string; allowed: boolean; patchType?: string; patch?: string };
    };
    assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
    assert.equal(answer.kind, 'AdmissionReview');
    assert.equal(answer.response.uid, review.request.uid);
    assert.equal(answer.response.allowed, true);
    assert.equal(answer.response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(answer.response.patch ?? '', 'base64').toString('utf8')) as Array<{
      op: string;
      path: string;
      value?: unknown;
    }>;
    const sidecars = patch.find((p) => p.op === 'add' && p.path === '/spec/initContainers')?.value as
      Array<{ name: string; image: string; args: string[] }> | undefined;
    assert.equal(sidecars?.[0]?.name, 'podprof-sidecar', JSON.stringify(patch));
    assert.equal(sidecars[0].image, SIDECAR_IMAGE);
    assert.ok(sidecars[0].args.includes('--upstream=http://127.0.0.1:6060'), sidecars[0].args.join(' '));
    const health = await fetch(`http://127.0.0.1:${ready.healthPort}/readyz`);
    assert.equal(health.status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `a clean exit on SIGTERM: ${stderr}`);
  assert.match(stdout, /"outcome":"injected"/, 'one log line per review');
});

test(
  'podprof explain and podprof webhook certs run from the image contents, loading @kubernetes/client-node from its node_modules',
  { skip: deps === undefined && 'the image has no node_modules' },
  () => {
    assert.ok(existsSync(join(app, 'node_modules/@kubernetes/client-node/package.json')));
    assert.ok(!existsSync(join(dirname(root), 'node_modules')), 'nothing above the copy to fall back on');
    const dir = mkdtempSync(join(tmpdir(), 'podprof-explain-'));
    chmodSync(dir, 0o755);
    const manifest = join(dir, 'deployment.yaml');
    writeFileSync(
      manifest,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  selector:
    matchLabels: { app: checkout }
  template:
    metadata:
      labels: { app: checkout }
      annotations:
        podprof.io/inject: "true"
    spec:
      containers:
        - name: checkout
          image: registry.example.com/shop/checkout:1.14.2
`,
      { mode: 0o644 },
    );
    // An API server that is not there: certs gets as far as its first call.
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: none, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]
users: [{ name: none, user: { token: none } }]
contexts: [{ name: none, context: { cluster: none, user: none } }]
current-context: none
`,
      { mode: 0o644 },
    );
    try {
      const explain = asImageUser([
        join(app, 'bin/podprof.mjs'),
        'explain',
        manifest,
        '--output',
        'yaml',
        '--sidecar-image',
        SIDECAR_IMAGE,
      ]);
      const r = spawnSync(explain.cmd, explain.argv, { cwd: app, env: imageEnv(), encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^Deployment shop\/checkout: would inject — /m);
      assert.match(r.stdout, /name: podprof-sidecar/);
      assert.match(r.stdout, new RegExp(`image: ${SIDECAR_IMAGE}`));

      const certs = asImageUser([join(app, 'bin/podprof.mjs'), 'webhook', 'certs', '--namespace', 'podprof-system']);
      const c = spawnSync(certs.cmd, certs.argv, {
        cwd: app,
        env: { ...imageEnv(), KUBECONFIG: kubeconfig },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(c.status, 1, `${c.stdout}\n${c.stderr}`);
      assert.doesNotMatch(c.stderr, /Cannot find (package|module)/);
      assert.match(c.stderr, /podprof-system\/podprof-webhook-tls/, 'it loaded the client and called the API server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
