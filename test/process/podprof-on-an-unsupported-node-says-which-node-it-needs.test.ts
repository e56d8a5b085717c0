// `node bin/podprof.mjs` on a Node older than 24 (the machine's /usr/bin/node is
// often one): one line naming the Node podprof needs and how to get it, exit 1 —
// not a stack trace from inside undici, which the bundle loads at start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../kit/product/sidecar.ts';

const OLD_NODE = process.env.PODPROF_TEST_OLD_NODE ?? '/usr/bin/node';

function majorOf(node: string): number | undefined {
  if (!existsSync(node)) return undefined;
  const v = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
  return Number(/^v(\d+)\./.exec(v)?.[1]);
}

const major = majorOf(OLD_NODE);
const skip = major === undefined ? `no ${OLD_NODE}` : major >= 24 ? `${OLD_NODE} is Node ${major}, not an old one` : false;

for (const args of [['demo'], ['--help'], ['capture', 'demo/x', '-o', '-']]) {
  test(
    `podprof ${args.join(' ')} on Node ${major ?? '?'} says it needs Node 24 and how to get it, in one line, and exits 1`,
    { skip },
    () => {
      assert.ok(existsSync(join(REPO, 'dist/podprof.js')), 'dist/ is missing: run `npm run build` first');
      const r = spawnSync(OLD_NODE, [join(REPO, 'bin/podprof.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1, `exit status; stderr: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
      assert.match(lines[0]!, /^podprof needs Node 24 or newer; this is Node v\d+\.\d+\.\d+/);
      assert.match(lines[0]!, /npx podprof/, 'names npx');
      assert.match(lines[0]!, /node@24 devDependency/, 'names the devDependency');
      assert.doesNotMatch(r.stderr, /undici|\n {4}at /, 'no stack trace');
    },
  );
}

test('podprof on Node 24 runs past the check', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/podprof.mjs'), '--help'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: podprof <command>/);
});
