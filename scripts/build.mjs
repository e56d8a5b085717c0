// Bundles the podprof CLI into dist/ with esbuild. Each subcommand is its own
// chunk, so `podprof sidecar` never loads the gateway's code. Dependencies are
// bundled (smaller resident memory, faster start, and the sidecar image needs
// no node_modules) except the gateway's heavy ones, installed with
// `npm ci --omit=dev` where the gateway runs.
import { build } from 'esbuild';
import { rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const EXTERNAL = ['@kubernetes/client-node', 'express'];

// Build into a fresh directory, then swap it in: processes started from dist/
// while a build runs (tests, a running demo) never see it half-written.
const dist = new URL('../dist', import.meta.url);
const next = new URL(`../dist.next-${process.pid}`, import.meta.url);
const old = new URL(`../dist.old-${process.pid}`, import.meta.url);
await build({
  // The gateway decodes profiles in worker threads (gateway/captures/profile-workers.ts).
  entryPoints: { podprof: 'cli/main.ts', 'profile-worker': 'gateway/captures/profile-worker.ts' },
  outdir: fileURLToPath(next),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node built-ins.
  banner: { js: "import { createRequire as __podprofRequire } from 'node:module'; const require = __podprofRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
// Chunk names are content hashes: an unchanged rebuild leaves every path valid
// for processes already running from dist/.
await rename(dist, old).catch(() => undefined);
await rename(next, dist);
await rm(old, { recursive: true, force: true });
