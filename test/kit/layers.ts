// The import rule of the tree (README "Layout", docs/design.md §1), as data and
// a check: which top-level folder may import which, and no import cycles
// among the product's modules (type-only imports count: they are how a cycle
// starts). Pure apart from reading the files it is given.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Folder → the folders its modules may import (besides themselves). */
export const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  src: [],
  sidecar: ['src'],
  webhook: ['src'],
  gateway: ['src'],
  demo: ['src', 'sidecar', 'webhook', 'gateway'],
  cli: ['src', 'sidecar', 'webhook', 'gateway', 'demo'],
  test: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli'],
  bench: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli', 'test'],
  scripts: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli', 'test'],
};

/** The folders whose modules ship: no cycles may run among them. */
export const PRODUCT = ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli'];

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

/** Relative import specifiers of one module's source, comments removed. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]!).filter((s) => s.startsWith('.'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/[/\\](node_modules|dist)[/\\]/.test(f));
}

/** Every module under the folders of MAY_IMPORT, repo-relative, with the repo-relative files it imports. */
export function readGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const top of Object.keys(MAY_IMPORT)) {
    let files: string[];
    try {
      files = sourceFiles(join(root, top));
    } catch {
      continue;
    }
    for (const file of files) {
      const targets = importsOf(readFileSync(file, 'utf8')).map((s) => relative(root, resolve(dirname(file), s)));
      graph.set(relative(root, file), targets);
    }
  }
  return graph;
}

const topOf = (path: string): string => path.split(/[/\\]/)[0] ?? '';

/** "a.ts imports b.ts, which its folder may not" for every import across a forbidden boundary. */
export function violations(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const allowed = MAY_IMPORT[topOf(from)];
    if (!allowed) continue;
    for (const to of targets) {
      const t = topOf(to);
      if (t === to) continue; // a file at the root, such as package.json
      if (t !== topOf(from) && !allowed.includes(t))
        out.push(`${from} imports ${to}: ${topOf(from)}/ may import only ${[topOf(from), ...allowed].join(', ')}`);
    }
  }
  return out;
}

/** Each import cycle among the modules of `within` folders, as "a → b → a". */
export function cycles(graph: ImportGraph, within: readonly string[] = PRODUCT): string[] {
  const inScope = (f: string): boolean => within.includes(topOf(f)) && graph.has(f);
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (!inScope(to)) continue;
      if (state.get(to) === 'open') found.push([...stack.slice(stack.indexOf(to)), to].join(' → '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].filter(inScope).sort()) if (!state.has(f)) visit(f);
  return found;
}
