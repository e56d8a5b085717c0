// The MMU view's data, made in the worker as `go tool trace`'s /mmu page
// makes its plot: the mutator utilization of the flags chosen (STW,
// background workers, assists, sweep; whole system or per goroutine), the
// MMU curve over 100 window sizes (with the utilization at Go's percentiles
// when asked), and the worst windows of one size.
import type { ParsedTrace } from '../../../../src/trace/events.ts';
import { MMUCurve, mmuPlot, mutatorUtilization, UTIL, type MutatorUtil } from '../../../../src/trace/mmu.ts';
import { numberParam, type ParamState } from '../state.ts';
import { MMU_QUANTILES, mmuFlags } from './trace-mmu-flags.ts';
import type { MmuData } from './trace-protocol.ts';

const BITS: Readonly<Record<string, number>> = {
  perProc: UTIL.PerProc,
  stw: UTIL.STW,
  background: UTIL.Background,
  assist: UTIL.Assist,
  sweep: UTIL.Sweep,
};
const WORST = 10;

interface Curve {
  readonly util: MutatorUtil[][];
  readonly curve: MMUCurve | undefined;
}

function curveOf(t: ParsedTrace, memo: Map<string, unknown>, flags: readonly string[]): Curve {
  const key = `mmu:${flags.join(',')}`;
  let c = memo.get(key) as Curve | undefined;
  if (!c) {
    const bits = flags.reduce((a, n) => a | (BITS[n] ?? 0), 0);
    const util = mutatorUtilization(t, bits);
    c = { util, curve: util.length > 0 && util.every((u) => u.length > 0) ? new MMUCurve(util) : undefined };
    memo.set(key, c);
  }
  return c;
}

export function mmuData(t: ParsedTrace, memo: Map<string, unknown>, params: ParamState): MmuData {
  const flags = mmuFlags(params.mmu);
  const c = curveOf(t, memo, flags);
  const empty = { view: 'mmu', flags, empty: true, xMin: 0, xMax: 0, curve: [], quantiles: null } as const;
  if (!c.curve) return empty;
  const quantiles = params.pct === '1' ? MMU_QUANTILES : null;
  const plotKey = `plot:${flags.join(',')}:${quantiles !== null}`;
  let plot = memo.get(plotKey) as ReturnType<typeof mmuPlot> | undefined;
  if (!plot) memo.set(plotKey, (plot = mmuPlot(c.util, quantiles)));
  const win = numberParam(params.win);
  return {
    view: 'mmu',
    flags,
    empty: false,
    xMin: plot.xMin,
    xMax: plot.xMax,
    curve: plot.curve,
    quantiles,
    worst:
      win === undefined || win <= 0
        ? undefined
        : { window: win, windows: c.curve.examples(win, WORST).map((w) => ({ time: w.time, util: w.mutatorUtil })) },
  };
}
