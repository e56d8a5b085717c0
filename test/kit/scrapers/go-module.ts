// Builds a program from a Go module the module proxy serves (as the control
// plane is built), into the podprof cache, once per module version, Go version
// and overlay: `go mod download` the module, copy it to a writable tree, add
// the overlay (nested modules a `replace ./dir` points at, which a module zip
// leaves out, and extra files), and `go build` the package.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, GO } from '../../../demo/go-build.ts';

const execFileP = promisify(execFile);
const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

export interface ModuleBuild {
  /** The binary's name, and its folder in the cache. */
  readonly name: string;
  readonly module: string;
  readonly version: string;
  /** The package to build, relative to the module's root. */
  readonly pkg: string;
  /** Modules copied into the tree at `into` (for `replace … => ./into`). */
  readonly nested?: readonly { readonly module: string; readonly version: string; readonly into: string }[];
  /** Files written into the tree: path relative to the root → content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Let `go build` raise requirements a nested module needs (-mod=mod). */
  readonly updateRequirements?: boolean;
  /** Extra `go build -ldflags` (e.g. -X for a version string). */
  readonly ldflags?: string;
}

async function download(module: string, version: string): Promise<string> {
  const { stdout } = await execFileP(GO, ['mod', 'download', '-json', `${module}@${version}`], { maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '{}' }),
  );
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (info.Dir === undefined) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'failed'}`);
  return info.Dir;
}

export async function buildModule(b: ModuleBuild): Promise<string> {
  const { stdout: goVersion } = await execFileP(GO, ['env', 'GOVERSION']);
  const overlay = createHash('sha256')
    .update(
      JSON.stringify([
        b.pkg,
        b.nested ?? [],
        b.files ?? {},
        b.updateRequirements === true,
        ...(b.ldflags === undefined ? [] : [b.ldflags]),
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir(), b.name, `${b.version}-${goVersion.trim()}-${overlay}`);
  const bin = join(dir, b.name);
  if (await exists(bin)) return bin;
  const src = join(dir, 'src');
  await rm(src, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(await download(b.module, b.version), src, { recursive: true });
  for (const n of b.nested ?? []) {
    await rm(join(src, n.into), { recursive: true, force: true });
    await cp(await download(n.module, n.version), join(src, n.into), { recursive: true });
  }
  await execFileP('chmod', ['-R', 'u+w', src]);
  for (const [path, content] of Object.entries(b.files ?? {})) {
    await mkdir(dirname(join(src, path)), { recursive: true });
    await writeFile(join(src, path), content);
  }
  const tmp = `${bin}.tmp-${process.pid}`;
  await execFileP(
    GO,
    [
      'build',
      ...(b.updateRequirements === true ? ['-mod=mod'] : []),
      ...(b.ldflags === undefined ? [] : ['-ldflags', b.ldflags]),
      '-trimpath',
      '-o',
      tmp,
      b.pkg,
    ],
    {
      cwd: src,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  await chmod(tmp, 0o755);
  await rename(tmp, bin);
  await rm(src, { recursive: true, force: true });
  return bin;
}
