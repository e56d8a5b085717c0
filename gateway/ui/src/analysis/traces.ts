// The worker's parsed traces: a capture's trace (or one pod's) downloaded
// once with progress, parsed within limits a browser tab can afford (a parsed
// event costs about 60 bytes, its timeline as much again), summarized, and
// kept for the next view. Two at most: each can be hundreds of MB.
import { TraceError } from '../../../../src/trace/error.ts';
import type { ParsedTrace } from '../../../../src/trace/events.ts';
import type { TraceLimits } from '../../../../src/trace/limits.ts';
import { parseTrace } from '../../../../src/trace/parse.ts';
import { summarize, type Summary } from '../../../../src/trace/summary.ts';
import { fetchOk, traceFileUrl } from '../api.ts';
import type { Progress } from './protocol.ts';
import { readBody } from './read-body.ts';
import type { TraceInfo } from './trace-protocol.ts';

/** Smaller than the gateway's: the page's worker shares the tab's memory. */
export const BROWSER_TRACE_LIMITS: TraceLimits = {
  maxBytes: 64 << 20,
  maxEvents: 4_000_000,
  maxTableBytes: 128 << 20,
  maxAdvanceAttemptsPerEvent: 64,
};
const KEEP = 2;

export interface LoadedTrace {
  readonly key: string;
  readonly trace: ParsedTrace;
  readonly summary: Summary;
  readonly info: TraceInfo;
  /** What views made from it, by name, made once. */
  readonly memo: Map<string, unknown>;
}

export type OnProgress = (p: Progress) => void;

const now = (): number => performance.timeOrigin + performance.now();
const cache = new Map<string, { done: Promise<LoadedTrace>; listeners: Set<OnProgress> }>();

/** The body, at most `max` bytes (a limit TraceError past it), reporting progress. */
async function download(url: string, max: number, progress: OnProgress): Promise<Uint8Array> {
  return readBody(await fetchOk(url), {
    max,
    tooLarge: (n) => new TraceError('limit', `the trace is ${n} bytes or more, more than the ${max} the browser analyses`),
    progress: (loaded, total) => progress({ stage: 'download', loaded, total }),
  });
}

function parse(key: string, bytes: Uint8Array, progress: OnProgress): LoadedTrace {
  progress({ stage: 'parse', loaded: bytes.length, total: bytes.length });
  const start = now();
  const trace = parseTrace(bytes, BROWSER_TRACE_LIMITS);
  if (trace.error !== null && trace.validCount === 0) throw trace.error;
  progress({ stage: 'summary' });
  const summary = summarize(trace);
  const n = trace.validCount;
  const warnings =
    trace.error === null
      ? []
      : [
          `The trace is cut short (${trace.error.message}): the views show its first ${n} of ${trace.count} events, the whole generations before the damage, as go tool trace does.`,
        ];
  const info: TraceInfo = {
    bytes: bytes.length,
    events: n,
    goroutines: summary.table.slots.size,
    durationNs: n > 0 ? trace.time[n - 1]! - trace.time[0]! : 0,
    version: trace.version,
    warnings,
    parsed: { start, end: now() },
  };
  return { key, trace, summary, info, memo: new Map() };
}

/** The parsed trace of a capture (of one of its pods), from the cache or downloaded and parsed now. */
export function loadTrace(id: string, pod: string | undefined, progress: OnProgress): Promise<LoadedTrace> {
  const key = `${id}|${pod ?? ''}`;
  const known = cache.get(key);
  if (known) {
    known.listeners.add(progress);
    return known.done;
  }
  const listeners = new Set<OnProgress>([progress]);
  const tell: OnProgress = (p) => listeners.forEach((l) => l(p));
  const done = download(traceFileUrl(id, pod), BROWSER_TRACE_LIMITS.maxBytes, tell).then((bytes) => parse(key, bytes, tell));
  done.then(
    () => listeners.clear(),
    () => cache.delete(key),
  );
  cache.set(key, { done, listeners });
  while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
  return done;
}

/** What to tell the user about a trace the worker could not analyse. */
export function traceFailure(err: unknown): { title: string; message: string } {
  const message = (err as Error).message;
  if (err instanceof TraceError && err.kind === 'limit')
    return {
      title: 'This trace is too large to analyse in the browser',
      message: `${message}. Download it and open it with go tool trace, or capture a shorter one.`,
    };
  if (err instanceof TraceError) return { title: 'podprof cannot read this trace', message };
  return { title: 'The trace could not be loaded', message };
}
