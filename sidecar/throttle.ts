// Requests that hurt the app if repeated: a forced GC before a heap profile
// (gc=1), and a full goroutine dump (debug=2, stops the world, can be tens of MB).
// Each may run at most once per interval per pod.
import { PodprofError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';

export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  check(r: PprofRequest, now = Date.now()): void {
    const key =
      r.type === 'heap' && r.params.gc === 1
        ? 'heap gc=1'
        : r.type === 'goroutine' && r.params.debug === 2
          ? 'goroutine debug=2'
          : undefined;
    if (key === undefined) return;
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev < this.intervalMs) {
      const wait = Math.ceil((this.intervalMs - (now - prev)) / 1000);
      throw new PodprofError('PODPROF_THROTTLED', `${key} runs at most once every ${this.intervalMs / 1000}s on this pod`, wait);
    }
    this.last.set(key, now);
  }
}
