// One row of a benchmark's result table, the same in every benchmark: what was
// measured, the baseline measured in the same run, podprof's figure, how they
// compare, the goal, and whether it was met (undefined: information only).
export interface Row {
  metric: string;
  baseline: string;
  podprof: string;
  compare: string;
  target: string;
  pass: boolean | undefined;
}

export const ROW_HEADER = ['', 'baseline', 'podprof', 'compare', 'goal', ''] as const;

export function verdict(r: Row): string {
  if (r.pass === undefined) return '';
  return r.pass ? 'pass' : 'MISS';
}

/** `× 1.234`: podprof's figure over the baseline's. */
export const ratio = (n: number, digits = 3): string => `× ${n.toFixed(digits)}`;

/** The table rows of `rows`, ready for a text table. */
export const rowCells = (rows: readonly Row[]): string[][] =>
  rows.map((r) => [r.metric, r.baseline, r.podprof, r.compare, r.target, verdict(r)]);
