// Goroutine groups and per-goroutine times from the trace core, against what
// the real `go tool trace` shows on its /goroutines and /goroutine?name=
// pages for every recorded trace: the same groups (start function, count,
// total execution time), and for every goroutine the same total time and
// the same execution, scheduler wait, syscall, syscall block, block time by
// reason, unknown time and special-range times, to the nanosecond. The JSON
// groups ([{name, count, execution_ns, sched_wait_ns, syscall_ns, block_ns}])
// are checked against sums of Go's per-goroutine numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goroutineDetails, goroutineGroups } from '../../src/trace/goroutine-groups.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { nonOverlappingStats, summarize } from '../../src/trace/summary.ts';
import { byName, GOLDEN_DIR, groupsFromPages, manifest, readJson, readTrace, sortedKeys, type PagesGolden } from '../kit/traces/goldens.ts';

const m = await manifest();

describe("goroutine groups and times match go tool trace's goroutine pages", () => {
  for (const rec of m.traces) {
    test(rec.name, async () => {
      const pages = await readJson<PagesGolden>(`${GOLDEN_DIR}${rec.name}.pages.json`);
      const t = parseTrace(await readTrace(rec.name));
      const summary = summarize(t);

      // Groups: name, count, execution time; and the JSON shape against Go's sums.
      const ours = goroutineGroups(summary);
      const want = groupsFromPages(pages);
      assert.deepEqual(
        byName(ours).map((g) => ({ ...g, block_ns: sortedKeys(g.block_ns) })),
        byName(want).map((g) => ({ ...g, block_ns: sortedKeys(g.block_ns) })),
      );
      for (const g of want)
        assert.equal(
          g.execution_ns,
          pages.goroutineGroups.find((p) => p.name === g.name)!.goroutines.reduce((s, x) => s + (x.stats['Execution time'] ?? 0), 0),
          `${g.name}: the page's total is the sum of its goroutines`,
        );

      // Every goroutine: total, every column of its group's table (a missing stat shows as 0s), every special range.
      for (const group of pages.goroutineGroups) {
        const details = new Map(goroutineDetails(summary, group.name).map((d) => [d.id, d]));
        assert.equal(details.size, group.goroutines.length, `${group.name}: goroutines in the group`);
        for (const want of group.goroutines) {
          const g = summary.goroutines.get(want.id);
          assert.ok(g, `goroutine ${want.id}`);
          assert.equal(g.stats.totalTime, want.total, `goroutine ${want.id} total`);
          const stats = nonOverlappingStats(g.stats);
          for (const [col, ns] of Object.entries(want.stats)) assert.equal(stats.get(col) ?? 0, ns, `goroutine ${want.id}: ${col}`);
          for (const [name, ns] of Object.entries(want.ranges))
            assert.equal(g.stats.rangeTime.get(name) ?? 0, ns, `goroutine ${want.id}: range ${name}`);
          const d = details.get(want.id)!;
          assert.equal(d.total_ns, want.total);
          assert.equal(d.execution_ns, want.stats['Execution time'] ?? 0);
          assert.equal(d.unknown_ns, want.stats['Unknown time'] ?? 0);
        }
      }
    });
  }

  test('the goldens exercise the interesting cases: blocking on chan, sync, select and network, syscalls, sched waits, special ranges', async () => {
    const reasons = new Set<string>();
    let ranges = 0;
    const all = await Promise.all(m.traces.map((rec) => readJson<PagesGolden>(`${GOLDEN_DIR}${rec.name}.pages.json`)));
    for (const x of all.flatMap((p) => p.goroutineGroups.flatMap((g) => g.goroutines))) {
      for (const [k, v] of Object.entries(x.stats)) if (v > 0) reasons.add(k);
      ranges += Object.keys(x.ranges).length;
    }
    for (const col of [
      'Execution time',
      'Sched wait time',
      'Syscall execution time',
      'Block time (syscall)',
      'Block time (chan receive)',
      'Block time (chan send)',
      'Block time (sync)',
      'Block time (select)',
      'Block time (network)',
    ]) {
      assert.ok(reasons.has(col), `some goroutine has ${col}`);
    }
    assert.ok(ranges > 0, 'some goroutine has special-range time');
  });
});
