// The analysis core against the real `go tool pprof`: for every -top and
// -traces golden that scripts/make-analysis-goldens.ts wrote (real Go
// profiles, many option sets), run the same profile and options through
// src/analysis, print the result as pprof does, and compare: legend lines
// exactly, table rows number for number, traces line for line.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { prepare } from '../../src/analysis/prepare.ts';
import { top } from '../../src/analysis/top.ts';
import { traces } from '../../src/analysis/traces.ts';
import {
  goldens,
  parseArgs,
  parseTop,
  profileFor,
  PROFILES_DIR,
  renderTop,
  renderTraces,
  type TopRowText,
} from '../kit/profiles/goldens.ts';

/** Rows that pprof orders arbitrarily (same flat, same printed name) compare as a multiset. */
function tieGroups(rows: readonly TopRowText[]): string[] {
  const groups: string[] = [];
  let i = 0;
  while (i < rows.length) {
    const head = rows[i]!;
    const key = `${head.flat}\u0000${head.name.replace(/ \((partial-)?inline\)$/, '')}`;
    const group: string[] = [];
    const sums: string[] = [];
    while (i < rows.length && `${rows[i]!.flat}\u0000${rows[i]!.name.replace(/ \((partial-)?inline\)$/, '')}` === key) {
      const r = rows[i]!;
      group.push([r.flat, r.flatPct, r.cum, r.cumPct, r.name].join(' | '));
      sums.push(r.sumPct); // positional: a running sum
      i++;
    }
    groups.push(`${group.sort().join('\n')}\nsum% ${sums.join(' ')}`);
  }
  return groups;
}

const all = await goldens();

describe('analysis core matches go tool pprof -top number for number', () => {
  for (const g of all.filter((x) => x.kind === 'top')) {
    test(`${g.profile} ${g.args.join(' ') || '(defaults)'}`, async () => {
      const want = parseTop(await readFile(`${PROFILES_DIR}golden/${g.file}`, 'utf8'));
      const a = parseArgs(g.args);
      const report = top(prepare(await profileFor(g, a), a.view), a.prune);
      const got = parseTop(renderTop(report));
      assert.deepEqual(got.legend, want.legend);
      assert.equal(got.rows.length, want.rows.length, 'row count');
      assert.deepEqual(tieGroups(got.rows), tieGroups(want.rows));
    });
  }
});

describe('analysis core matches go tool pprof -traces line for line', () => {
  for (const g of all.filter((x) => x.kind === 'traces')) {
    test(`${g.profile} ${g.args.join(' ') || '(defaults)'}`, async () => {
      const want = await readFile(`${PROFILES_DIR}golden/${g.file}`, 'utf8');
      const a = parseArgs(g.args);
      assert.equal(renderTraces(traces(prepare(await profileFor(g, a), a.view))), want);
    });
  }
});
