// The images `npm run images` builds from the Dockerfiles (podman + runc; the
// base image made locally when no registry is reachable), run as containers:
// each declares the non-root user its manifest runs it as, starts on a
// read-only root filesystem as that user, and the demo app and the sidecar (on Node, and on Bun),
// sharing the host's loopback as an app and its sidecar share a pod's, serve a
// CPU profile to a gateway-minted token — and nothing to a missing one. The
// podprof images hold only what runs: no shell, no package manager, no npm.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { buildImages, imageExists, IMAGES, PODMAN, ulimitArgs, type ImageName } from '../kit/images/images.ts';
import { freePorts } from '../kit/cluster/ports.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { POD, makeKeys, mint } from '../kit/product/sidecar.ts';

const execFileP = promisify(execFile);
const keys = makeKeys();
const names: string[] = [];

const podman = (args: readonly string[]): Promise<{ stdout: string; stderr: string }> =>
  execFileP('podman', [...PODMAN, ...args], { maxBuffer: 16 * 1024 * 1024 });

before(async () => {
  const missing: ImageName[] = [];
  for (const n of Object.keys(IMAGES) as ImageName[]) if (!(await imageExists(IMAGES[n].tag))) missing.push(n);
  if (missing.length > 0) await buildImages(missing);
});

after(async () => {
  if (names.length > 0) await podman(['rm', '-f', '-t', '2', ...names]).catch(() => undefined);
});

test('every image declares a non-root user, and the podprof images start read-only as that user', async () => {
  for (const [name, { tag }] of Object.entries(IMAGES)) {
    const { stdout } = await podman(['image', 'inspect', '--format', '{{.Config.User}}', tag]);
    assert.equal(stdout.trim(), '65532:65532', `${name} runs as 65532`);
    if (IMAGES[name as ImageName].dockerfile === undefined) continue; // the Go images (demo-app, pause, bench-go-proxy) take no --help
    const { stdout: help } = await podman(['run', '--rm', '--read-only', '--network=none', ...ulimitArgs(), tag, '--help']);
    assert.match(help, /--listen/, `${name} --help`);
  }
});

for (const image of ['sidecar', 'sidecar-node'] as const)
  test(`the demo app and the ${image} image, as a pod runs them, serve a CPU profile to a minted token only`, async () => {
    const [appPort, port, healthPort] = await freePorts(3);
    chmodSync(keys.dir, 0o755);
    chmodSync(keys.jwksFile, 0o644);
    const app = `podprof-test-app-${image}-${process.pid}`;
    const sidecar = `podprof-test-${image}-${process.pid}`;
    names.push(app, sidecar);
    await podman([
      'run',
      '-d',
      '--name',
      app,
      '--read-only',
      '--network=host',
      ...ulimitArgs(),
      IMAGES['demo-app'].tag,
      '-listen',
      `127.0.0.1:${appPort}`,
    ]);
    await podman([
      'run',
      '-d',
      '--name',
      sidecar,
      '--read-only',
      '--network=host',
      ...ulimitArgs(),
      '-v',
      `${keys.dir}:/keys:ro`,
      '-e',
      `POD_NAMESPACE=${POD.namespace}`,
      '-e',
      `POD_NAME=${POD.pod}`,
      '-e',
      `POD_UID=${POD.uid}`,
      IMAGES[image].tag,
      '--listen',
      `127.0.0.1:${port}`,
      '--health-listen',
      `127.0.0.1:${healthPort}`,
      '--upstream',
      `http://127.0.0.1:${appPort}`,
      '--jwks-file',
      '/keys/jwks.json',
    ]);
    const url = `https://127.0.0.1:${port}/debug/pprof/profile?seconds=1`;
    let r: Awaited<ReturnType<typeof httpsRequest>> | undefined;
    for (let i = 0; i < 100; i++) {
      r = await httpsRequest(url, { headers: bearer(mint(keys, 'profile')) }).catch(() => undefined);
      if (r?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const logs = async (): Promise<string> => (await podman(['logs', sidecar]).catch(() => ({ stdout: '', stderr: '' }))).stderr;
    assert.equal(r?.status, 200, `${r?.text ?? 'no answer'}\n${await logs()}`);
    assert.ok(Profile.decode(gunzipSync(r.body)).sample.length > 0, 'a CPU profile with samples');
    const refused = await httpsRequest(url);
    assert.equal(refused.status, 401);
    const { stdout: user } = await podman(['top', sidecar, 'user']);
    assert.match(user, /65532/, 'the sidecar process runs as 65532');
  });

test('the podprof images hold only what runs: no shell, no package manager, no npm, and /bin/sh cannot start', async () => {
  const forbidden =
    /^(?:usr\/)?(?:local\/)?s?bin\/(?:sh|bash|dash|ash|busybox|apt|apt-get|dpkg|npm|npx|corepack)$|(?:^|\/)node_modules\/npm\//;
  for (const [name, { tag, dockerfile }] of Object.entries(IMAGES)) {
    if (dockerfile === undefined) continue; // the Go images: one static Go binary each, FROM scratch
    const shell = await podman([
      'run',
      '--rm',
      '--read-only',
      '--network=none',
      ...ulimitArgs(),
      '--entrypoint',
      '/bin/sh',
      tag,
      '-c',
      'true',
    ]).then(
      () => 'ran',
      (e: Error) => e.message,
    );
    assert.notEqual(shell, 'ran', `${name}: /bin/sh started`);
    const box = `podprof-test-contents-${name}-${process.pid}`;
    names.push(box);
    await podman(['create', '--name', box, tag]);
    const { stdout } = await execFileP('sh', ['-c', `podman ${PODMAN.join(' ')} export ${box} | tar -t`], { maxBuffer: 256 * 1024 * 1024 });
    const files = stdout.split('\n').map((f) => f.replace(/^\.?\//, ''));
    const found = files.filter((f) => forbidden.test(f));
    assert.deepEqual(found, [], `${name} holds no shell, package manager or npm`);
    assert.ok(files.includes('etc/ssl/certs/ca-certificates.crt'), `${name} has the CA bundle`);
    assert.ok(!files.some((f) => f.startsWith('var/lib/dpkg/') || f.startsWith('usr/share/doc/')), `${name} holds no Debian system`);
  }
});
