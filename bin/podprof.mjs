#!/usr/bin/env node
// The podprof CLI. Run `npm run build` first in a source checkout.
// The Node version is checked first; the bundle is imported only on a Node that runs it.
import { unsupportedNode } from './node-version.mjs';

const unsupported = unsupportedNode(process.version);
if (unsupported) {
  process.stderr.write(`${unsupported}\n`);
  process.exitCode = 1;
} else {
  await import('../dist/podprof.js');
}
