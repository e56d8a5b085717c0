// Durations and times of a trace as people read them (trace times are ns).
// Pure: the pages and the worker's timeline axis both use it.

const UNITS: readonly (readonly [number, string])[] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

const unitOf = (ns: number): readonly [number, string] => UNITS.find(([u]) => ns >= u) ?? UNITS[UNITS.length - 1]!;

function decimals(v: number, size: number): number {
  if (size === 1 || Math.abs(v) >= 100) return 0;
  return Math.abs(v) >= 10 ? 1 : 2;
}

/** A duration: three significant digits in the largest unit it reaches ("1.23ms", "456µs", "12ns"). */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns === 0) return '0';
  const [size, unit] = unitOf(Math.abs(ns));
  const v = ns / size;
  return `${v.toFixed(decimals(v, size))}${unit}`;
}

/** A tick spacing of 1, 2 or 5 × 10^k ns giving at most `maxTicks` ticks over `range` ns. */
export function tickStep(range: number, maxTicks: number): number {
  const raw = range / Math.max(1, maxTicks);
  const pow = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** A tick's time from the trace's start, with as many decimals as the spacing needs ("12.5ms"). */
export function formatTick(t: number, step: number): string {
  const [size, unit] = unitOf(step * 100);
  const places = Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / size) - 1e-9)));
  return `${(t / size).toFixed(places)}${unit}`;
}

/** A time in the trace (ns from its start) precisely enough to tell events apart: "1,021.345ms". */
export function formatAt(ns: number): string {
  return `${(ns / 1e6).toLocaleString('en', { minimumFractionDigits: 3, maximumFractionDigits: 3 })}ms`;
}
