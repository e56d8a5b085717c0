// Go's duration histogram (internal/trace/traceviewer.TimeHistogram): five
// log buckets per power of ten; bucket i holds durations from bucketMin(i) up
// to bucketMin(i + 1). Pure.
import type { Histogram } from './trace-protocol.ts';

const LOG_DIV = Math.log(Math.pow(10, 1 / 5));

/** The bucket of a duration in ns (0 for 0 and below, as Go's). */
export function bucketOf(ns: number): number {
  return ns > 0 ? Math.trunc(Math.log(ns) / LOG_DIV) : 0;
}

/** The shortest duration of bucket b, in ns (Go truncates it to a time.Duration). */
export function bucketMin(b: number): number {
  return Math.trunc(Math.exp(b * LOG_DIV));
}

export function histogram(durations: Iterable<number>): Histogram {
  const byBucket = new Map<number, number>();
  let count = 0;
  for (const d of durations) {
    const b = bucketOf(d);
    byBucket.set(b, (byBucket.get(b) ?? 0) + 1);
    count++;
  }
  if (count === 0) return { first: 0, counts: [], count: 0 };
  const first = Math.min(...byBucket.keys());
  const last = Math.max(...byBucket.keys());
  return { first, counts: Array.from({ length: last - first + 1 }, (_, i) => byBucket.get(first + i) ?? 0), count };
}
