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
  assert.deepEqual(
    named.filter((f) => !existsSync(`${ROOT}${f}`)),
    [],
  );
});

test('each numbered attack in docs/security.md names at least one test', () => {
  const sections = PAGE.split(/^### /m)
    .slice(1)
    .filter((s) => /^\d+\./.test(s));
  assert.ok(sections.length >= 5, `${sections.length} attacks`);
  for (const s of sections) assert.match(s, /`test\/[a-z]+\/[a-z0-9-]+\.test\.ts`/, s.split('\n')[0]);
});

test('every flag the table of bounds names is a flag of one of the programs', async () => {
  const { GATEWAY_FLAGS } = await import('../../gateway/config.ts');
  const { SIDECAR_FLAGS } = await import('../../sidecar/config.ts');
  const { WEBHOOK_FLAGS } = await import('../../webhook/config.ts');
  const known = new Set([...Object.keys(GATEWAY_FLAGS), ...Object.keys(SIDECAR_FLAGS), ...Object.keys(WEBHOOK_FLAGS)]);
  const table = PAGE.slice(PAGE.indexOf('## Every bound'));
  const named = [...new Set([...table.matchAll(/`--([a-z0-9-]+)`/g)].map((m) => m[1]!))];
  assert.ok(named.length >= 15, `names ${named.length} flags`);
  assert.deepEqual(
    named.filter((f) => !known.has(f)),
    [],
  );
});
