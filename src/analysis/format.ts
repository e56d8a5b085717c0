// Value and percentage formatting as pprof prints them (measurement.ScaledLabel
// and measurement.Percentage): CPU nanoseconds → "10ms" / "1.50s", bytes →
// "512kB" / "1.50MB", counts plain, percentages "12.34%" / " 0.5%" / "  100%".
import { goFixed, goG, padStart } from './gofloat.ts';
import { scale } from './units.ts';

/** `value` (in unit `from`) shown in unit `to` ("minimum"/"auto" pick one), as measurement.ScaledLabel. */
export function scaledLabel(value: number, from: string, to: string): string {
  const [v, u] = scale(value, from, to);
  let sv = goFixed(v, 2);
  if (sv.endsWith('.00')) sv = sv.slice(0, -3);
  if (sv === '0' || sv === '-0') return '0';
  return sv + u;
}

/** `value` in its own best unit (measurement.Label). */
export function label(value: number, unit: string): string {
  return scaledLabel(value, unit, 'auto');
}

/** Percentage of `total`, padded to 6 characters as in pprof's tables ("12.34%", "  100%", " 0.87%", "0.043%"). */
export function percentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return padStart(goFixed(ratio, 2), 5) + '%';
  return padStart(goG(ratio, 2), 5) + '%';
}

/** A formatter for one report: every value in the same unit, as pprof's report.formatValue. */
export function valueFormatter(sampleUnit: string, outputUnit: string): (v: number) => string {
  return (v) => scaledLabel(v, sampleUnit, outputUnit);
}

/**
 * The unit pprof picks for a whole table (report.selectOutputUnit): the unit of
 * the smallest non-zero value shown, or a larger one if that value is under 1%
 * of the total so that it still reads as ≥ 0.01.
 */
export function selectOutputUnit(values: readonly { flat: number; cum: number }[], total: number, sampleUnit: string): string {
  if (values.length === 0) return 'minimum';
  let minValue = 0;
  for (const n of values) {
    let m = Math.abs(n.flat);
    if (m === 0) m = Math.abs(n.cum);
    if (m > 0 && (minValue === 0 || m < minValue)) minValue = m;
  }
  const maxValue = total;
  if (minValue === 0) minValue = maxValue;
  const [, minUnit] = scale(minValue, sampleUnit, 'minimum');
  const [, maxUnit] = scale(maxValue, sampleUnit, 'minimum');
  let unit = minUnit;
  if (minUnit !== maxUnit && minValue * 100 < maxValue) [, unit] = scale(100 * minValue, sampleUnit, 'minimum');
  return unit !== '' ? unit : sampleUnit;
}
