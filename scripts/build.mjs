// Bundles the podprof CLI into dist/ with esbuild. Each subcommand is its own
// chunk, so `podprof sidecar` never loads the gateway's code. Dependencies are
// bundled (smaller resident memory, faster start, and the sidecar image needs
// no node_modules) except the gateway's heavy ones, installed with
// `npm ci --omit=dev` where the gateway runs.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

export const EXTERNAL = ['@kubernetes/client-node', 'express'];

await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { podprof: 'src/cli/main.ts' },
  outdir: 'dist',
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
