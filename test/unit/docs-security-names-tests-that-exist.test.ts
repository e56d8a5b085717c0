// docs/security.md names, for every attack, the tests that prove it is stopped:
// each named test file must exist, and each numbered attack must name one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = readFileSync(`${ROOT}docs/security.md`, 'utf8');

test('every test file docs/security.md names exists', () => {
  const named = [...new Set([...PAGE.matchAll(/`(test\/[a-z]+\/[a-z0-9-]+\.test\.ts)`/g)].map((m) => m[1]!))];
  assert.ok(named.length >= 10, `names ${named.length} tests`);
  assert.deepEqual(named.filter((f) => !existsSync(`${ROOT}${f}`)), []);
});

test('each numbered attack in docs/security.md names at least one test', () => {
  const sections = PAGE.split(/^### /m).slice(1).filter((s) => /^\d+\./.test(s));
  assert.ok(sections.length >= 5, `${sections.length} attacks`);
  for (const s of sections) assert.match(s, /`test\/[a-z]+\/[a-z0-9-]+\.test\.ts`/, s.split('\n')[0]);
});
