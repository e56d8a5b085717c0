// Builds the web UI (gateway/ui) with Vite into gateway/ui/dist, which the
// gateway serves at /. The Graphviz layout runs in its own worker chunk.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../gateway/ui/', import.meta.url));
await build({
  root,
  base: '/',
  logLevel: 'warn',
  configFile: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2023',
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
});
