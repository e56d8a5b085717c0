// What podprof computes from one execution trace for its capture views and
// its CLI, in one call: the trace parsed within limits, its goroutine
// summary, the four blocking profiles `go tool trace -pprof=net|sync|syscall|sched`
// writes, and the goroutine groups `go tool trace` shows. Pure and isomorphic:
// the gateway's workers and the web UI's analysis worker both call it.
import type { Profile } from 'pprof-format';
import { goroutineGroups, type GoroutineGroup } from './goroutine-groups.ts';
import type { TraceLimits } from './limits.ts';
import { parseTrace } from './parse.ts';
import type { ParsedTrace } from './events.ts';
import { tracePprofs, type TracePprofKind } from './pprof.ts';
import { summarize, type Summary } from './summary.ts';

export const TRACE_PPROF_KINDS: readonly TracePprofKind[] = ['net', 'sync', 'syscall', 'sched'];

export interface TraceAnalysis {
  readonly trace: ParsedTrace;
  readonly summary: Summary;
  readonly profiles: Record<TracePprofKind, Profile>;
  readonly groups: GoroutineGroup[];
}

/**
 * Parses and analyses a trace: a TraceError for a bad header, a limit passed, or nothing whole to analyse (a
 * trace cut short keeps its whole generations, as `go tool trace` does).
 */
export function analyseTraceBytes(bytes: Uint8Array, limits: TraceLimits): TraceAnalysis {
  const trace = parseTrace(bytes, limits);
  if (trace.error !== null && trace.validCount === 0) throw trace.error;
  const summary = summarize(trace);
  return { trace, summary, profiles: tracePprofs(trace, summary), groups: goroutineGroups(summary) };
}
