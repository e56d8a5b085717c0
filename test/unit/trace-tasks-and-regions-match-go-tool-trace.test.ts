// User tasks and regions from the trace core, against the real `go tool
// trace`'s /usertasks, /usertask, /userregions and /userregion pages for
// every recorded trace: the same tasks with the same durations and
// completeness, the same task types with their counts, the same regions
// (goroutine, task, time and its split, to the ns) and region types (name
// and starting frame) with their counts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTrace } from '../../src/trace/parse.ts';
import { nonOverlappingStats, summarize } from '../../src/trace/summary.ts';
import { userRegions, userTasks } from '../../src/trace/user-annotations.ts';
import { GOLDEN_DIR, manifest, readJson, readTrace, type PagesGolden } from '../kit/traces/goldens.ts';

const m = await manifest();
const NO_TASK = Number(2n ** 64n - 1n); // Go's NoTask as the page prints it, read as a number
const counts = (keys: string[]): [string, number][] =>
  [...keys.reduce((acc, k) => acc.set(k, (acc.get(k) ?? 0) + 1), new Map<string, number>())].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );

describe("tasks and regions match go tool trace's task and region pages", () => {
  for (const rec of m.traces) {
    test(rec.name, async () => {
      const pages = await readJson<PagesGolden>(`${GOLDEN_DIR}${rec.name}.pages.json`);
      const t = parseTrace(await readTrace(rec.name));
      const summary = summarize(t);

      const tasks = userTasks(t, summary);
      const key = (x: { id: number; duration: number; complete: boolean }): string => `${x.id} ${x.duration} ${x.complete}`;
      assert.deepEqual(
        tasks.map((x) => key({ id: x.id === -1 ? NO_TASK : x.id, duration: x.duration_ns, complete: x.complete })).sort(),
        pages.tasks.map(key).sort(),
      );
      assert.deepEqual(
        counts(tasks.map((x) => x.name)),
        pages.taskTypes.map((x) => [x.type, x.count]).sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
      );

      const regions = userRegions(t, summary);
      assert.deepEqual(
        counts(regions.map((r) => `${JSON.stringify(r.name)} ${r.func} @ ${r.pc}`)),
        counts(pages.regionTypes.flatMap((x) => Array<string>(x.count).fill(`${JSON.stringify(x.type)} ${x.func} @ ${x.pc}`))),
      );
      // Every region: goroutine, task, total and each column of the page (a stat a region lacks shows as 0s).
      const columns = [...new Set(pages.regions.flatMap((r) => Object.keys(r.stats)))];
      const row = (goroutine: number, task: number, total: number, stat: (c: string) => number): string =>
        `${goroutine} ${task} ${total} ${columns.map(stat).join(' ')}`;
      const ours = [...summary.goroutines.values()].flatMap((g) =>
        g.regions.map((r) => {
          const stats = nonOverlappingStats(r.stats);
          return row(g.id, r.taskId, r.stats.totalTime, (c) => stats.get(c) ?? 0);
        }),
      );
      assert.deepEqual(ours.sort(), pages.regions.map((r) => row(r.goroutine, r.task, r.total, (c) => r.stats[c] ?? 0)).sort());
      // A region's duration (what the histograms bin) is its time in the goroutine's life.
      for (const r of regions)
        if (r.start_ns !== null) assert.equal(r.duration_ns, r.stats.total_ns, `${r.name} on goroutine ${r.goroutine}`);
    });
  }

  test('the goldens have complete and incomplete tasks, subtasks, open regions and inherited tasks', async () => {
    const pages = await readJson<PagesGolden>(`${GOLDEN_DIR}tasks.go1.26.pages.json`);
    assert.ok(pages.tasks.some((x) => x.complete) && pages.tasks.some((x) => !x.complete));
    assert.deepEqual(pages.taskTypes.map((x) => x.type).sort(), ['', 'handoff', 'lookup', 'request']);
    assert.ok(pages.regionTypes.some((x) => x.type === 'still-open') && pages.regionTypes.some((x) => x.type === ''));
    const t = parseTrace(new Uint8Array(await readTrace('tasks.go1.26')));
    const tasks = userTasks(t, summarize(t));
    assert.ok(tasks.some((x) => x.name === 'lookup' && x.parent !== null && tasks.find((p) => p.id === x.parent)?.name === 'request'));
  });
});
