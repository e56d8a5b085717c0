// The trace parser against the real `go tool trace -d=parsed`: every event of
// real traces (recorded by Go 1.22, 1.23, 1.25 and 1.26 from the programs in
// test/fixtures/traces/programs) printed as Go's Event.String() prints it, in
// the same order, line for line (or, where the text was too big to commit,
// by SHA-256 and line count). Then Go's own corpus of tricky traces
// (src/internal/trace/testdata): each parses to the same events, or stops
// with the same error after the same events.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { formatParsed } from '../../src/trace/format-parsed.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { GO_TESTDATA_DIR, GOLDEN_DIR, manifest, readJson, readTrace, type ParsedGolden } from '../kit/traces/goldens.ts';

/** Our -d=parsed output, and the error as Go's tool prints it (or null). */
function printParsed(bytes: Uint8Array): { text: string; error: string | null } {
  let t;
  try {
    t = parseTrace(bytes);
  } catch (err) {
    return { text: '', error: (err as Error).message };
  }
  let text = '';
  for (const line of formatParsed(t)) text += line;
  return { text, error: t.error?.message ?? null };
}

/** Fails at the first line that differs, showing it and the ones around it. */
function sameLines(got: string, want: string, what: string): void {
  if (got === want) return;
  const g = got.split('\n');
  const w = want.split('\n');
  let i = 0;
  while (i < g.length && i < w.length && g[i] === w[i]) i++;
  const around = (lines: string[]): string => lines.slice(Math.max(0, i - 3), i + 3).join('\n');
  assert.fail(`${what}: line ${i + 1} differs (${g.length} lines vs ${w.length})\n--- ours\n${around(g)}\n--- go tool trace\n${around(w)}`);
}

const m = await manifest();

describe('every event of real traces prints as go tool trace -d=parsed prints it', () => {
  test('the fixtures cover every trace format (Go 1.22, 1.23, 1.25, 1.26) and every program', () => {
    assert.deepEqual([...new Set(m.traces.map((t) => t.format))].sort(), [22, 23, 25, 26]);
    assert.deepEqual([...new Set(m.traces.map((t) => t.program))].sort(), [
      'allocfree',
      'chan',
      'coro',
      'generations',
      'mutex',
      'net',
      'sched',
      'syscall',
      'tasks',
    ]);
  });

  for (const rec of m.traces) {
    test(`${rec.name} (${rec.toolchain}, format 1.${rec.format})`, async () => {
      const golden = await readJson<ParsedGolden>(`${GOLDEN_DIR}${rec.name}.parsed.json`);
      const { text, error } = printParsed(await readTrace(rec.name));
      assert.equal(error, golden.error);
      if (golden.text) sameLines(text, gunzipSync(await readFile(`${GOLDEN_DIR}${rec.name}.parsed.txt.gz`)).toString(), rec.name);
      assert.equal(text.split('\n').length - 1, golden.lines);
      assert.equal(createHash('sha256').update(text).digest('hex'), golden.sha256);
    });
  }
});

describe("Go's corpus of tricky traces parses, or fails, as go tool trace does", async () => {
  const names = (await readdir(GO_TESTDATA_DIR)).filter((n) => n.endsWith('.trace')).map((n) => n.slice(0, -'.trace'.length));

  test('the corpus is all there: 22 generated tests and 17 fuzz seeds', () => {
    assert.equal(names.filter((n) => !n.startsWith('fuzz-')).length, 22);
    assert.equal(names.filter((n) => n.startsWith('fuzz-')).length, 17);
  });

  for (const name of names) {
    test(name, async () => {
      const want = gunzipSync(await readFile(`${GO_TESTDATA_DIR}${name}.parsed.txt.gz`)).toString();
      const result = await readJson<{ exit: number; error: string | null }>(`${GO_TESTDATA_DIR}${name}.result.json`);
      const bytes = new Uint8Array(await readFile(`${GO_TESTDATA_DIR}${name}.trace`));
      const { text, error } = printParsed(bytes);
      if (/^go 1\.(11|19|21) trace/.test(new TextDecoder().decode(bytes.subarray(0, 16)))) {
        // A pre-1.22 trace: Go reads those with another parser; this one refuses them, saying why.
        assert.notEqual(result.error, null);
        assert.match(error ?? '', /traces \(made by Go 1\.21 and older\) are not supported/);
        return;
      }
      sameLines(text, want, name);
      if (result.error === null) {
        assert.equal(error, null);
        return;
      }
      // "failed to advance" dumps the parser's state after its first line; Go prints its maps in random order.
      const head = (e: string): string => (e.startsWith('broken trace: failed to advance') ? e.split('\n\n')[0]! : e);
      assert.equal(head(error ?? '(no error)'), head(result.error));
    });
  }

  test("the generated tests' own expectations hold (SUCCESS, or an error matching FAILURE's pattern)", async () => {
    for (const name of names.filter((n) => !n.startsWith('fuzz-'))) {
      const expect = (await readFile(`${GO_TESTDATA_DIR}${name}.expect`, 'utf8')).trim();
      const { error } = printParsed(new Uint8Array(await readFile(`${GO_TESTDATA_DIR}${name}.trace`)));
      if (expect === 'SUCCESS') assert.equal(error, null, name);
      else assert.match(error ?? '', new RegExp(JSON.parse(expect.slice('FAILURE '.length)) as string), name);
    }
  });
});
