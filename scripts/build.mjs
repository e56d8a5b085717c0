// Bundles the podprof CLI into dist/ with esbuild. npm packages stay external
// (installed with `npm ci --omit=dev` in the images); each subcommand is its own
// chunk so `podprof sidecar` never loads the gateway's Kubernetes client.
import { build } from 'esbuild';

await build({
  entryPoints: { podprof: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
