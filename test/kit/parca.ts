// A real Parca server (github.com/parca-dev/parca v0.28.0, Apache-2.0) for the
// scraper tests: its module from the Go module proxy, built with an empty
// embedded UI (its API is what the tests use) into the podprof cache, once per
// Go version. `npm run parca:build` (run by .ci/run) builds it ahead of the tests.
import { execFile } from 'node:child_process';
import { access, cp, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, GO } from '../../demo/go-build.ts';

const execFileP = promisify(execFile);
export const PARCA_VERSION = 'v0.28.0';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

export async function buildParca(): Promise<string> {
  const { stdout: goVersion } = await execFileP(GO, ['env', 'GOVERSION']);
  const dir = join(cacheDir(), 'parca', `${PARCA_VERSION}-${goVersion.trim()}`);
  const bin = join(dir, 'parca');
  if (await exists(bin)) return bin;
  const { stdout } = await execFileP(GO, ['mod', 'download', '-json', `github.com/parca-dev/parca@${PARCA_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
  const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const src = join(dir, 'src');
  await rm(src, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(moduleDir, src, { recursive: true });
  await execFileP('chmod', ['-R', 'u+w', src]);
  // The UI is embedded from ui/packages/app/web/build, which the module does not ship.
  await mkdir(join(src, 'ui/packages/app/web/build'), { recursive: true });
  await writeFile(join(src, 'ui/packages/app/web/build/index.html'), '<!doctype html><title>parca</title>\n');
  const tmp = `${bin}.tmp-${process.pid}`;
  await execFileP(GO, ['build', '-trimpath', '-o', tmp, './cmd/parca'], { cwd: src, env: { ...process.env, CGO_ENABLED: '0' }, maxBuffer: 64 * 1024 * 1024 });
  await chmod(tmp, 0o755);
  await rename(tmp, bin);
  await rm(src, { recursive: true, force: true });
  return bin;
}

if (process.argv[1]?.endsWith('parca.ts') && process.argv[2] === 'build') {
  const started = Date.now();
  console.log(`parca ${PARCA_VERSION}: ${await buildParca()} (${Math.round((Date.now() - started) / 1000)}s)`);
}
