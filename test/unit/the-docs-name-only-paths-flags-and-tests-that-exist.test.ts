// The prose cannot drift from the code: every repository path (a test file
// included) and every podprof flag that the README, docs/*.md, the ADRs and
// the READMEs of manifests/ and test/kit/ name in code spans exists. A path is
// a code span that starts with one of the repository's top folders; a flag, a
// code span that starts with `--`. Flags of other tools are named with them
// (`kubectl … --audience`), so a span that is a flag alone is podprof's.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOPS = ['src', 'sidecar', 'webhook', 'gateway', 'cli', 'demo', 'test', 'bench', 'scripts', 'manifests', 'docs', 'bin', '.ci'];

function docs(): string[] {
  const adrs = readdirSync(join(ROOT, 'docs/adr')).map((f) => `docs/adr/${f}`);
  const top = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', 'manifests/README.md', 'test/kit/README.md', ...top, ...adrs].filter((f) => f.endsWith('.md'));
}

/** Every code span of a Markdown file (fenced blocks left out: they are commands and output). */
function spans(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

/** A repository path in a span: `test/unit/x.test.ts`, `gateway/captures/`, `manifests/overlays/local` — not globs or placeholders. */
function pathIn(span: string): string | undefined {
  const p = span
    .split(/\s/)[0]!
    .replace(/[.,:;)]+$/, '')
    .replace(/#.*$/, '');
  if (!TOPS.some((t) => p === t || p.startsWith(`${t}/`))) return undefined;
  if (/[{}<>*$[\]|]|\.\.\.|…/.test(p)) return undefined;
  return p;
}

/** Every flag a podprof flag table defines: `'name': flag(` in the product's sources. */
function knownFlags(): Set<string> {
  const out = new Set<string>(['help']);
  for (const top of ['src', 'sidecar', 'webhook', 'gateway', 'cli', 'demo']) {
    for (const e of readdirSync(join(ROOT, top), { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || !e.name.endsWith('.ts') || e.parentPath.includes('node_modules')) continue;
      const source = readFileSync(join(e.parentPath, e.name), 'utf8');
      for (const m of source.matchAll(/['"]?([a-z][a-z0-9-]*)['"]?:\s*flag\(/g)) out.add(m[1]!);
    }
  }
  return out;
}

test('every repository path the docs name exists', () => {
  const missing: string[] = [];
  let named = 0;
  for (const doc of docs()) {
    for (const span of spans(readFileSync(join(ROOT, doc), 'utf8'))) {
      const p = pathIn(span);
      if (p === undefined) continue;
      named++;
      // A README in a subfolder may name paths from its own folder (manifests/README.md: `gateway/service.yaml`).
      if (!existsSync(join(ROOT, p)) && !existsSync(join(ROOT, dirname(doc), p))) missing.push(`${doc}: ${p}`);
    }
  }
  assert.ok(named > 100, `the docs name ${named} paths`);
  assert.deepEqual(missing, []);
});

test('every podprof flag the docs name is defined by a flag table', () => {
  const flags = knownFlags();
  assert.ok(
    flags.has('max-connections-per-address') && flags.has('transfer-timeout') && flags.has('send-token-unverified'),
    'the tables are read',
  );
  const unknown: string[] = [];
  for (const doc of docs()) {
    for (const span of spans(readFileSync(join(ROOT, doc), 'utf8'))) {
      const m = /^--([a-z][a-z0-9-]*)/.exec(span);
      if (m && !flags.has(m[1]!)) unknown.push(`${doc}: --${m[1]}`);
    }
  }
  assert.deepEqual(unknown, []);
});

test('the checks catch a missing path and an unknown flag', () => {
  assert.equal(pathIn('test/unit/no-such.test.ts'), 'test/unit/no-such.test.ts');
  assert.equal(pathIn('gateway/captures/ (the store)'), 'gateway/captures/');
  assert.equal(pathIn('test/{unit,process}'), undefined, 'a glob is not a path');
  assert.equal(pathIn('<store-dir>/.sidecar-ca/'), undefined);
  assert.equal(pathIn('kubectl apply -k manifests/'), undefined, 'a command is not a path');
  assert.ok(!knownFlags().has('decode-threads'));
});
