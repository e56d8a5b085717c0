// Builds podprof's images (`npm run images` runs scripts/images.ts) with podman from the Dockerfiles,
// unchanged, and a demo app image, all tagged localhost/podprof-<name>:dev:
//
//   localhost/podprof-sidecar:dev      Dockerfile.sidecar (RUNTIME=bun: what the webhook injects; ADR 5)
//   localhost/podprof-sidecar-node:dev Dockerfile.sidecar with RUNTIME=node (the same bundle on Node 24, for bench/node)
//   localhost/podprof-webhook:dev   Dockerfile.webhook
//   localhost/podprof-gateway:dev   Dockerfile.gateway
//   localhost/podprof-demo-app:dev  demo/go-app (a static Go binary serving net/http/pprof on 127.0.0.1:6060)
//   localhost/podprof-pause:dev     test/fixtures/pause (the test node's pod sandbox image: no registry has one here)
//   localhost/podprof-bench-go-proxy:dev  bench/sidecar/go-proxy (bench/node's Go sidecar: the floor podprof is compared with)
//
// Each image holds only what runs (scripts/rootfs.sh): its final stage is FROM
// scratch. Their build stages start FROM node:24-bookworm-slim. Where no registry is
// reachable and that image is missing, it is made here: Debian bookworm
// (mmdebstrap, minbase, from the machine's Debian mirror) with the Node 24
// binary of the node@24 package this repo already installs and npm from the
// npm registry, laid out as the official image lays them out
// (/usr/local/bin/node, /usr/local/lib/node_modules/npm), tagged
// docker.io/library/node:24-bookworm-slim so `FROM` finds it with --pull=never.
//
// `npm run images -- --only sidecar,gateway` builds a subset; `--print-sizes`
// lists the image sizes at the end (always printed).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildGo } from '../../../demo/go-build.ts';

const execFileP = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
export const BASE_IMAGE = 'docker.io/library/node:24-bookworm-slim';
export const IMAGES: Readonly<Record<ImageName, ImageSpec>> = {
  sidecar: { tag: 'localhost/podprof-sidecar:dev', dockerfile: 'Dockerfile.sidecar', buildArgs: { RUNTIME: 'bun' } },
  'sidecar-node': { tag: 'localhost/podprof-sidecar-node:dev', dockerfile: 'Dockerfile.sidecar', buildArgs: { RUNTIME: 'node' } },
  webhook: { tag: 'localhost/podprof-webhook:dev', dockerfile: 'Dockerfile.webhook' },
  gateway: { tag: 'localhost/podprof-gateway:dev', dockerfile: 'Dockerfile.gateway' },
  'demo-app': { tag: 'localhost/podprof-demo-app:dev' },
  pause: { tag: 'localhost/podprof-pause:dev' },
  'bench-go-proxy': { tag: 'localhost/podprof-bench-go-proxy:dev' },
};
export type ImageName = 'sidecar' | 'sidecar-node' | 'webhook' | 'gateway' | 'demo-app' | 'pause' | 'bench-go-proxy';
export interface ImageSpec {
  readonly tag: string;
  /** Built from this Dockerfile; none: a FROM-scratch image of one static Go binary. */
  readonly dockerfile?: string;
  /** --build-arg NAME=VALUE, always passed (buildah 1.28 does not resolve an ARG's default in FROM). */
  readonly buildArgs?: Readonly<Record<string, string>>;
}
/** podman's global flags: runc, because crun fails on this machine's hybrid cgroups (v1 + a v2 hugetlb-only hierarchy). */
export const PODMAN = ['--runtime', 'runc'] as const;

/**
 * rlimits for the containers a build runs: podman's defaults raise them above
 * this machine's hard limits, which root without CAP_SYS_RESOURCE may not do
 * (runc: "error setting rlimit type 7: operation not permitted"). nofile at the
 * hard limit works; nproc failed here above 32768 (measured, 96367 hard).
 */
export function ulimitArgs(): string[] {
  const hard = (flag: string): number => Number(spawnSync('bash', ['-c', `ulimit -H${flag}`], { encoding: 'utf8' }).stdout.trim()) || 1024;
  const nofile = hard('n');
  const nproc = Math.min(hard('u'), 32768);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

/**
 * The build's `npm ci` trusts what this machine's npm trusts (a TLS-inspecting
 * egress proxy's CA, say): its CA bundle and an npmrc naming it are mounted
 * into the RUN steps only; the images do not keep them.
 */
function trustArgs(): string[] {
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  if (!existsSync(bundle)) return [];
  const npmrc = join(mkdtempSync(join(tmpdir(), 'podprof-npmrc-')), 'npmrc');
  writeFileSync(npmrc, `cafile=${bundle}\n`);
  return ['-v', `${bundle}:${bundle}:ro`, '-v', `${npmrc}:/usr/local/etc/npmrc:ro`];
}

/** Runs a command with its output on this process's stderr; rejects on a non-zero exit. */
function run(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exited with ${signal ?? code}`)),
    );
  });
}

export async function imageExists(tag: string): Promise<boolean> {
  return execFileP('podman', [...PODMAN, 'image', 'exists', tag]).then(
    () => true,
    () => false,
  );
}

/** node:24-bookworm-slim, made locally: Debian bookworm minbase + Node 24 + npm. */
export async function buildBaseImage(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'podprof-base-'));
  try {
    const nodeVersion = (JSON.parse(readFileSync(join(REPO, 'node_modules/node/package.json'), 'utf8')) as { version: string }).version;
    const overlay = join(work, 'overlay');
    mkdirSync(join(overlay, 'usr/local/bin'), { recursive: true });
    mkdirSync(join(overlay, 'usr/local/lib/node_modules'), { recursive: true });
    copyFileSync(join(REPO, 'node_modules/node/bin/node'), join(overlay, 'usr/local/bin/node'));
    chmodSync(join(overlay, 'usr/local/bin/node'), 0o755);
    await run('strip', [join(overlay, 'usr/local/bin/node')]).catch(() => undefined); // debug info: ~30 MB
    // npm, from the npm registry, where the official image keeps it.
    const { stdout } = await execFileP('npm', ['pack', 'npm@11', '--silent', '--pack-destination', work], { cwd: work });
    await run('tar', ['-xzf', join(work, stdout.trim().split('\n').pop()!), '-C', join(overlay, 'usr/local/lib/node_modules')]);
    await run('mv', [join(overlay, 'usr/local/lib/node_modules/package'), join(overlay, 'usr/local/lib/node_modules/npm')]);
    const rootfs = join(work, 'rootfs.tar');
    await run('mmdebstrap', [
      '--variant=minbase',
      '--include=ca-certificates',
      '--format=tar',
      `--customize-hook=sync-in ${overlay} /`,
      '--customize-hook=chroot "$1" ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm',
      '--customize-hook=chroot "$1" ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx',
      '--customize-hook=chroot "$1" groupadd --gid 1000 node',
      '--customize-hook=chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
      'bookworm',
      rootfs,
      'http://deb.debian.org/debian',
    ]);
    await run('podman', [
      ...PODMAN,
      'import',
      '--change',
      `ENV NODE_VERSION=${nodeVersion}`,
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["node"]',
      rootfs,
      BASE_IMAGE,
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A FROM-scratch image of one static Go binary, run as 65532. */
const GO_IMAGES = {
  'demo-app': { src: 'demo/go-app', about: 'The demo app: a static Go binary serving its work and net/http/pprof on 127.0.0.1:6060.' },
  pause: { src: 'test/fixtures/pause', about: 'The pod sandbox process: holds the namespaces, reaps zombies, exits on SIGTERM.' },
  'bench-go-proxy': {
    src: 'bench/sidecar/go-proxy',
    about: "bench/node's baseline sidecar: a Go TLS reverse proxy doing the podprof sidecar's ES256 check.",
  },
} as const;

async function buildGoImage(name: keyof typeof GO_IMAGES): Promise<void> {
  const { src, about } = GO_IMAGES[name];
  await buildScratchImage(await buildGo(join(REPO, src), `podprof-${name}`), name, IMAGES[name].tag, about);
}

/** A FROM-scratch image of one static binary `bin`, at /`name`, run as 65532, tagged `tag`. */
export async function buildScratchImage(bin: string, name: string, tag: string, about: string): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), `podprof-${name}-image-`));
  try {
    copyFileSync(bin, join(ctx, name));
    chmodSync(join(ctx, name), 0o755);
    writeFileSync(
      join(ctx, 'Containerfile'),
      [`# ${about}`, 'FROM scratch', `COPY ${name} /${name}`, 'USER 65532:65532', `ENTRYPOINT ["/${name}"]`, ''].join('\n'),
    );
    await run('podman', [...PODMAN, 'build', '--pull=never', ...ulimitArgs(), '-f', join(ctx, 'Containerfile'), '-t', tag, ctx]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

export async function buildImages(only: readonly ImageName[] = Object.keys(IMAGES) as ImageName[]): Promise<void> {
  if (only.some((n) => IMAGES[n].dockerfile !== undefined) && !(await imageExists(BASE_IMAGE))) {
    console.error(`== ${BASE_IMAGE} is missing: making it (mmdebstrap bookworm + Node 24 + npm)`);
    await buildBaseImage();
  }
  for (const name of only) {
    const started = Date.now();
    console.error(`== ${IMAGES[name].tag}`);
    const { dockerfile } = IMAGES[name];
    if (dockerfile === undefined) await buildGoImage(name as keyof typeof GO_IMAGES);
    // --network=host: the build's `npm ci` reaches the npm registry as this machine does.
    else
      await run('podman', [
        ...PODMAN,
        'build',
        '--pull=never',
        '--network=host',
        ...ulimitArgs(),
        ...trustArgs(),
        ...Object.entries(IMAGES[name].buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        '-f',
        dockerfile,
        '-t',
        IMAGES[name].tag,
        '.',
      ]);
    console.error(`   (${Math.round((Date.now() - started) / 1000)}s)`);
  }
}

export async function imageSizes(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { tag } of Object.values(IMAGES)) {
    const { stdout } = await execFileP('podman', [...PODMAN, 'image', 'inspect', '--format', '{{.Size}}', tag]).catch(() => ({
      stdout: '',
    }));
    if (stdout.trim() !== '') out[tag] = Number(stdout.trim());
  }
  return out;
}
