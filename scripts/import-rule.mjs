// The import rule of the tree (README "Layout", docs/design.md §1.1), as data
// and checks, read with the TypeScript compiler so every import form counts:
// `import`, `import type`, `export … from`, `import()` and `import('…').T`.
// ESLint reports it in the editor (scripts/eslint-podprof.mjs, one file at a
// time); a unit test checks the whole tree, cycles and what the sidecar loads.
// Plain JavaScript so that eslint.config.js can load it as it is.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Folder → the folders its modules may import (besides themselves). @type {Readonly<Record<string, readonly string[]>>} */
export const MAY_IMPORT = {
  src: [],
  sidecar: ['src'],
  webhook: ['src'],
  gateway: ['src'],
  demo: ['src', 'sidecar', 'webhook', 'gateway'],
  cli: ['src', 'sidecar', 'webhook', 'gateway', 'demo'],
  test: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli', 'scripts'],
  bench: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli', 'test', 'scripts'],
  scripts: ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli', 'test'],
};

/** The folders whose modules ship: no cycles may run among them. */
export const PRODUCT = ['src', 'sidecar', 'webhook', 'gateway', 'demo', 'cli'];

/**
 * Packages a program must never load, and where it starts: the sidecar runs in
 * every injected pod, and each of these cost it memory for what a few lines do
 * (docs/adr/0005). Checked on what the entry reaches through value imports.
 */
export const FORBIDDEN_PACKAGES = [
  { program: 'sidecar', entry: 'cli/sidecar.ts', folders: ['sidecar'], packages: ['prom-client', 'jsonwebtoken', 'http-proxy-3'] },
];

/** @typedef {{ specifier: string; kind: 'value' | 'type' | 'dynamic' }} Import */

const typeOnlyClause = (/** @type {ts.ImportClause | undefined} */ c) =>
  c !== undefined &&
  (c.isTypeOnly ||
    (c.name === undefined &&
      c.namedBindings !== undefined &&
      ts.isNamedImports(c.namedBindings) &&
      c.namedBindings.elements.length > 0 &&
      c.namedBindings.elements.every((e) => e.isTypeOnly)));

/** Every import of one module's source, by the TypeScript compiler: its specifier and whether it loads anything. @returns {Import[]} */
export function importsOf(source, fileName = 'module.ts') {
  const sf = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.Latest,
    false,
    fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  /** @type {Import[]} */
  const out = [];
  const visit = (/** @type {ts.Node} */ n) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push({ specifier: n.moduleSpecifier.text, kind: typeOnlyClause(n.importClause) ? 'type' : 'value' });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push({ specifier: n.moduleSpecifier.text, kind: n.isTypeOnly ? 'type' : 'value' });
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      out.push({ specifier: n.arguments[0].text, kind: 'dynamic' });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push({ specifier: n.argument.literal.text, kind: 'type' });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const topOf = (/** @type {string} */ path) => path.split(/[/\\]/)[0] ?? '';

/** Why `from` (repo-relative) may not import `to` (repo-relative), or undefined when it may. */
export function layerViolation(from, to) {
  const allowed = MAY_IMPORT[topOf(from)];
  const target = topOf(to);
  if (!allowed || target === to || target === topOf(from) || allowed.includes(target)) return undefined;
  return `${from} imports ${to}: ${topOf(from)}/ may import only ${[topOf(from), ...allowed].join(', ')}`;
}

/** A package `from` may not import directly, or undefined. */
export function packageViolation(from, specifier) {
  for (const rule of FORBIDDEN_PACKAGES) {
    if (!rule.folders.includes(topOf(from))) continue;
    const pkg = rule.packages.find((p) => specifier === p || specifier.startsWith(`${p}/`));
    if (pkg) return `${from} imports ${pkg}, which the ${rule.program} must never load (docs/adr/0005)`;
  }
  return undefined;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !/\.d\.m?ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !/[/\\](node_modules|dist)[/\\]/.test(f));
}

/**
 * Every module under the folders of MAY_IMPORT, repo-relative, with what it imports:
 * relative imports as repo-relative files, packages as they are named.
 * @returns {Map<string, Array<Import & { target: string; relative: boolean }>>}
 */
export function readGraph(root) {
  const graph = new Map();
  for (const top of Object.keys(MAY_IMPORT)) {
    let files;
    try {
      files = sourceFiles(join(root, top));
    } catch {
      continue;
    }
    for (const file of files) {
      const imports = importsOf(readFileSync(file, 'utf8'), file).map((i) => {
        const rel = i.specifier.startsWith('.');
        return { ...i, relative: rel, target: rel ? relative(root, resolve(dirname(file), i.specifier)) : i.specifier };
      });
      graph.set(relative(root, file), imports);
    }
  }
  return graph;
}

/** Every import across a forbidden boundary, and every forbidden package imported directly. */
export function violations(graph) {
  const out = [];
  for (const [from, imports] of graph) {
    for (const i of imports) {
      const v = i.relative ? layerViolation(from, i.target) : packageViolation(from, i.specifier);
      if (v) out.push(v);
    }
  }
  return out;
}

/** Each import cycle among the modules of `within` folders (type-only imports count: they are how a cycle starts), as "a → b → a". */
export function cycles(graph, within = PRODUCT) {
  const inScope = (f) => within.includes(topOf(f)) && graph.has(f);
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (f) => {
    state.set(f, 'open');
    stack.push(f);
    for (const { target, relative: rel } of graph.get(f) ?? []) {
      if (!rel || !inScope(target)) continue;
      if (state.get(target) === 'open') found.push([...stack.slice(stack.indexOf(target)), target].join(' → '));
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].filter(inScope).sort()) if (!state.has(f)) visit(f);
  return found;
}

/**
 * For each program of FORBIDDEN_PACKAGES: the forbidden packages its entry loads, through
 * value imports (dynamic ones load later, in another chunk), each with the path that loads it.
 */
export function loadedForbidden(graph) {
  const out = [];
  for (const rule of FORBIDDEN_PACKAGES) {
    const seen = new Map([[rule.entry, [rule.entry]]]);
    const queue = [rule.entry];
    while (queue.length > 0) {
      const f = queue.shift();
      for (const i of graph.get(f) ?? []) {
        if (i.kind !== 'value') continue;
        if (!i.relative) {
          const pkg = rule.packages.find((p) => i.specifier === p || i.specifier.startsWith(`${p}/`));
          if (pkg) out.push(`the ${rule.program} loads ${pkg}: ${[...seen.get(f), pkg].join(' → ')}`);
          continue;
        }
        if (seen.has(i.target) || !graph.has(i.target)) continue;
        seen.set(i.target, [...seen.get(f), i.target]);
        queue.push(i.target);
      }
    }
  }
  return out;
}
