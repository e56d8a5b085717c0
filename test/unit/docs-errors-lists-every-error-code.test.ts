// docs/errors.md is the user's page for every error code: it must list each code in
// the catalog (src/errors.ts) once, with the catalog's status, and no code the
// catalog does not have.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CATALOG, type ErrorCode } from '../../src/errors.ts';

const PAGE = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Every table row `| \`CODE\` | status | …` on the page, in order. */
function rows(page: string): { code: string; status: number }[] {
  return [...page.matchAll(/^\|\s*`(PODPROF_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]) }));
}

test('docs/errors.md has one row for every code in the catalog, with its status', () => {
  const listed = rows(PAGE);
  const byCode = new Map(listed.map((r) => [r.code, r.status]));
  const missing = Object.keys(CATALOG).filter((code) => !byCode.has(code));
  assert.deepEqual(missing, [], 'codes the page does not list');
  const wrong = listed
    .filter((r) => r.code in CATALOG && CATALOG[r.code as ErrorCode].status !== r.status)
    .map((r) => `${r.code}: page ${r.status}, catalog ${CATALOG[r.code as ErrorCode].status}`);
  assert.deepEqual(wrong, [], 'statuses that differ from the catalog');
});

test('docs/errors.md lists no code twice and none the catalog lacks', () => {
  const codes = rows(PAGE).map((r) => r.code);
  assert.deepEqual(
    codes.filter((c, i) => codes.indexOf(c) !== i),
    [],
    'codes listed twice',
  );
  assert.deepEqual(
    codes.filter((c) => !(c in CATALOG)),
    [],
    'codes the catalog does not have',
  );
});

test('the row reader sees a row, a wrong status and a stale code', () => {
  const page = '| `PODPROF_FORBIDDEN` | 404 | gateway | x | y |\n| `PODPROF_GONE` | 410 | x | y | z |\ntext `PODPROF_INTERNAL` 500\n';
  assert.deepEqual(rows(page), [
    { code: 'PODPROF_FORBIDDEN', status: 404 },
    { code: 'PODPROF_GONE', status: 410 },
  ]);
});
