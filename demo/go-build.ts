// Builds a Go program from its source directory into the podprof cache
// (~/.cache/podprof or PODPROF_CACHE_DIR), once per hash of its go.mod, go.sum,
// *.go files and `go version`: later calls, and later runs, reuse the binary.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
export const GO = process.env.GO ?? 'go';

export function cacheDir(): string {
  return process.env.PODPROF_CACHE_DIR ?? join(homedir(), '.cache', 'podprof');
}

async function sourceHash(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go')).sort();
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(dir, name)));
    hash.update('\0');
  }
  const { stdout } = await execFileP(GO, ['version']);
  hash.update(stdout);
  return hash.digest('hex').slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function build(dir: string, name: string): Promise<string> {
  const out = join(cacheDir(), 'fixtures', `${name}-${await sourceHash(dir)}`);
  const bin = join(out, name);
  if (await exists(bin)) return bin;
  await mkdir(out, { recursive: true });
  // Build under a unique name and rename: concurrent builders each produce a
  // complete binary and the last rename wins atomically.
  const tmp = join(out, `.${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await execFileP(GO, ['build', '-trimpath', '-o', tmp, '.'], {
      cwd: dir,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(tmp, bin);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as Error & { stderr?: string };
    throw new Error(`go build of ${dir} failed: ${e.message}\n${e.stderr ?? ''}`, { cause: err });
  }
  return bin;
}

const builds = new Map<string, Promise<string>>();

/** The cached binary of the Go program in `dir`, built if needed (one build per process at a time). */
export function buildGo(dir: string, name: string): Promise<string> {
  let b = builds.get(dir);
  if (!b) {
    b = build(dir, name).catch((err: unknown) => {
      builds.delete(dir);
      throw err;
    });
    builds.set(dir, b);
  }
  return b;
}
