// The layout's import rule (README "Layout"): src/ imports nothing above it;
// sidecar/, webhook/ and gateway/ import only src/ and never each other; demo/
// and cli/ may import everything below them; nothing that ships imports test/
// or bench/; and no import cycle runs among the shipped modules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, importsOf, readGraph, violations } from '../kit/layers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every import in the tree crosses only the boundaries the layout allows', () => {
  const graph = readGraph(ROOT);
  assert.ok(graph.size > 200, `read the whole tree (${graph.size} modules)`);
  assert.ok(
    [...graph.keys()].some((f) => f.startsWith('cli/')) && [...graph.keys()].some((f) => f.startsWith('gateway/ui/src/')),
    'cli/ and the UI are read too',
  );
  assert.deepEqual(violations(graph), []);
});

test('no import cycle runs among the modules of src, sidecar, webhook, gateway, demo and cli', () => {
  assert.deepEqual(cycles(readGraph(ROOT)), []);
});

test('the check sees a forbidden import, a cycle, type-only and dynamic imports, and ignores comments', () => {
  const graph = new Map([
    ['src/a.ts', ['gateway/b.ts']],
    ['sidecar/x.ts', ['webhook/y.ts', 'src/a.ts']],
    ['gateway/b.ts', ['gateway/c.ts']],
    ['gateway/c.ts', ['gateway/b.ts']],
    ['cli/main.ts', ['gateway/b.ts', 'demo/demo.ts']],
  ]);
  assert.deepEqual(
    violations(graph).map((v) => v.split(':')[0]),
    ['src/a.ts imports gateway/b.ts', 'sidecar/x.ts imports webhook/y.ts'],
  );
  assert.deepEqual(cycles(graph), ['gateway/b.ts → gateway/c.ts → gateway/b.ts']);
  const source = [
    "import type { A } from './a.ts';",
    'import {',
    '  b,',
    "} from '../b.ts';",
    "const c = await import('./c.ts');",
    "export * from './d.ts';",
    "// import { old } from './commented-out.ts';",
    "import { readFile } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(importsOf(source), ['./a.ts', '../b.ts', './c.ts', './d.ts']);
});
