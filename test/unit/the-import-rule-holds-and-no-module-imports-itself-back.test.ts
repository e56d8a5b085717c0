// The layout's import rule (README "Layout", scripts/import-rule.mjs): src/
// imports nothing above it; sidecar/, webhook/ and gateway/ import only src/
// and never each other; demo/ and cli/ may import everything below them;
// nothing that ships imports test/, bench/ or scripts/; no import cycle runs
// among the shipped modules; and the sidecar never loads the packages it must
// not (prom-client, jsonwebtoken, http-proxy-3), directly or through src/. Every
// import form counts: the TypeScript compiler reads them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cycles, importsOf, loadedForbidden, readGraph, violations } from '../../scripts/import-rule.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const graph = readGraph(ROOT);

test('every import in the tree crosses only the boundaries the layout allows', () => {
  assert.ok(graph.size > 200, `read the whole tree (${graph.size} modules)`);
  assert.ok(
    [...graph.keys()].some((f) => f.startsWith('cli/')) && [...graph.keys()].some((f) => f.startsWith('gateway/ui/src/')),
    'cli/ and the UI are read too',
  );
  assert.deepEqual(violations(graph), []);
});

test('no import cycle runs among the modules of src, sidecar, webhook, gateway, demo and cli', () => {
  assert.deepEqual(cycles(graph), []);
});

test('the sidecar loads none of prom-client, jsonwebtoken and http-proxy-3, through any chain of imports', () => {
  assert.ok(graph.has('cli/sidecar.ts'));
  assert.deepEqual(loadedForbidden(graph), []);
});

const edge = (
  target: string,
  kind: 'value' | 'type' | 'dynamic' = 'value',
  relative = true,
): { specifier: string; kind: typeof kind; relative: boolean; target: string } => ({ specifier: target, kind, relative, target });

test('the checks see a forbidden import, a forbidden package, a cycle, and a package the sidecar reaches through src/', () => {
  const g = new Map([
    ['src/a.ts', [edge('gateway/b.ts'), edge('prom-client', 'value', false)]],
    ['sidecar/x.ts', [edge('webhook/y.ts'), edge('src/a.ts'), edge('jsonwebtoken', 'value', false)]],
    ['gateway/b.ts', [edge('gateway/c.ts', 'type')]],
    ['gateway/c.ts', [edge('gateway/b.ts')]],
    ['cli/sidecar.ts', [edge('sidecar/x.ts'), edge('gateway/b.ts', 'dynamic')]],
  ]);
  assert.deepEqual(violations(g), [
    'src/a.ts imports gateway/b.ts: src/ may import only src',
    'sidecar/x.ts imports webhook/y.ts: sidecar/ may import only sidecar, src',
    'sidecar/x.ts imports jsonwebtoken, which the sidecar must never load (docs/adr/0005)',
  ]);
  assert.deepEqual(cycles(g), ['gateway/b.ts → gateway/c.ts → gateway/b.ts'], 'a type-only import closes a cycle too');
  assert.deepEqual(loadedForbidden(g), [
    'the sidecar loads jsonwebtoken: cli/sidecar.ts → sidecar/x.ts → jsonwebtoken',
    'the sidecar loads prom-client: cli/sidecar.ts → sidecar/x.ts → src/a.ts → prom-client',
  ]);
});

test('every import form is read by the TypeScript compiler, quotes either way, comments ignored', () => {
  const source = [
    "import type { A } from './a.ts';",
    'import {',
    '  b,',
    '} from "../b.ts";',
    "import { type T1, type T2 } from './types.ts';",
    "const c = await import('./c.ts');",
    "export * from './d.ts';",
    "export type { E } from './e.ts';",
    "type F = import('./f.ts').F;",
    "// import { old } from './commented-out.ts';",
    "/* import x from './commented-block.ts'; */",
    "import { readFile } from 'node:fs';",
    "import 'prom-client';",
  ].join('\n');
  assert.deepEqual(importsOf(source), [
    { specifier: './a.ts', kind: 'type' },
    { specifier: '../b.ts', kind: 'value' },
    { specifier: './types.ts', kind: 'type' },
    { specifier: './c.ts', kind: 'dynamic' },
    { specifier: './d.ts', kind: 'value' },
    { specifier: './e.ts', kind: 'type' },
    { specifier: './f.ts', kind: 'type' },
    { specifier: 'node:fs', kind: 'value' },
    { specifier: 'prom-client', kind: 'value' },
  ]);
});
