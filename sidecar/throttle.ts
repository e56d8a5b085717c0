// Requests that hurt the app if repeated: a forced GC before a heap profile
// (gc=1), and a full goroutine dump (debug=2, stops the world, can be tens of MB).
// Each may run at most once per interval per pod.
import { PodprofError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';

/** The kind of a request that hurts the app if repeated, or undefined. */
function throttledKind(r: PprofRequest): string | undefined {
  if (r.type === 'heap' && r.params.gc === 1) return 'heap gc=1';
  if (r.type === 'goroutine' && r.params.debug === 2) return 'goroutine debug=2';
  return undefined;
}

export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  check(r: PprofRequest, now = Date.now()): void {
    const key = throttledKind(r);
    if (key === undefined) return;
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.intervalMs) {
      const wait = Math.ceil((this.intervalMs - (now - prev)) / 1000);
      throw new PodprofError('PODPROF_THROTTLED', `${key} runs at most once every ${this.intervalMs / 1000}s on this pod`, wait);
    }
    this.last.set(key, now);
  }
}
