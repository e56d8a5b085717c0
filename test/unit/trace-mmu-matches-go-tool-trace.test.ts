// Minimum mutator utilization from the trace core, against the real `go tool
// trace`'s /mmu page for every recorded trace and several flag sets (STW,
// background workers, assists, sweeping; per P or not; the "mut" quantile
// view): the same window sizes and the same MMU at each, bit for bit (they
// are float64s printed as JSON), and the same worst windows at a few sizes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { absoluteTime } from '../../src/trace/events.ts';
import { MMUCurve, mmuPlot, mutatorUtilization, UTIL } from '../../src/trace/mmu.ts';
import { parseTrace } from '../../src/trace/parse.ts';
import { GOLDEN_DIR, manifest, readJson, readTrace, type PagesGolden } from '../kit/traces/goldens.ts';

const m = await manifest();
const FLAG_BITS: Readonly<Record<string, number>> = {
  perProc: UTIL.PerProc,
  stw: UTIL.STW,
  background: UTIL.Background,
  assist: UTIL.Assist,
  sweep: UTIL.Sweep,
};
const bits = (flags: string): number => flags.split('|').reduce((b, f) => b | (FLAG_BITS[f] ?? 0), 0);

describe("MMU curves match go tool trace's /mmu page", () => {
  for (const rec of m.traces) {
    test(rec.name, async () => {
      const pages = await readJson<PagesGolden>(`${GOLDEN_DIR}${rec.name}.pages.json`);
      const t = parseTrace(await readTrace(rec.name));
      for (const [flags, want] of Object.entries(pages.mmuPlots)) {
        const util = mutatorUtilization(t, bits(flags));
        const got = mmuPlot(util, flags.split('|').includes('mut') ? [0, 1 - 0.999, 1 - 0.99, 1 - 0.95] : null);
        assert.equal(got.xMin, want.xMin, `${flags}: xMin`);
        assert.equal(got.xMax, want.xMax, `${flags}: xMax`);
        assert.deepEqual(got.curve, want.curve, `${flags}: curve`);
      }
      for (const d of pages.mmuDetails) {
        const worst = new MMUCurve(mutatorUtilization(t, bits(d.flags))).examples(d.window, 10);
        assert.deepEqual(
          worst.map((w) => ({ Time: absoluteTime(t, w.time).toString(), MutatorUtil: w.mutatorUtil })),
          d.worst,
          `${d.flags} window ${d.window}`,
        );
      }
    });
  }

  test('the goldens are not trivial: some MMU curve dips below 1 and some worst window is below full utilization', async () => {
    const pages = await Promise.all(m.traces.map((r) => readJson<PagesGolden>(`${GOLDEN_DIR}${r.name}.pages.json`)));
    assert.ok(pages.some((p) => Object.values(p.mmuPlots).some((plot) => plot.curve.some((pt) => pt[1]! < 0.5))));
    assert.ok(pages.some((p) => p.mmuDetails.some((d) => d.worst.some((w) => w.MutatorUtil < 1))));
  });
});
