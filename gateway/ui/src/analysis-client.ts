// The page's side of the analysis worker (analysis/analysis-worker.ts): one
// worker per page, started on the first request, holding the decoded
// profiles and parsed traces. The worker's decode times become
// podprof:decode:<id> measures on the page's timeline, its trace parses
// podprof:trace-parse:<id> measures, its timeline's first frame
// podprof:timeline-first-paint (build, model and draw measured apart).
// A view's request can be cancelled (the page's Cancel button): while the
// worker downloads, it aborts the download; once the worker decodes or
// analyses (a long task nothing interrupts), the worker is stopped and a new
// one starts on the next request (a locally opened file goes with it).
import type { Envelope, LocalAnswer, Progress, ViewAnswer, ViewRequest, WorkerMessage, WorkerRequest } from './analysis/protocol.ts';
import type {
  HitAnswer,
  TimelineAnswer,
  TimelineHit,
  TimelineOpen,
  TimelineViewport,
  TraceAnswer,
  TraceInfo,
  TraceRequest,
} from './analysis/trace-protocol.ts';

interface Pending {
  readonly done: (a: unknown) => void;
  readonly fail: (message: string) => void;
  readonly progress: ((p: Progress) => void) | undefined;
  /** The last stage the worker reported (none yet: waiting for the download to start). */
  stage?: Progress['stage'];
}

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, Pending>();
const measured = new Set<string>();

function failAll(message: string): void {
  for (const p of pending.values()) p.fail(message);
  pending.clear();
}

function start(): Worker {
  const w = new Worker(new URL('./analysis/analysis-worker.ts', import.meta.url), { type: 'module', name: 'podprof-analysis' });
  w.addEventListener('message', (e: MessageEvent<WorkerMessage<unknown>>) => {
    const p = pending.get(e.data.seq);
    if ('progress' in e.data) {
      if (p) p.stage = e.data.progress.stage;
      p?.progress?.(e.data.progress);
      return;
    }
    pending.delete(e.data.seq);
    p?.done(e.data.body);
  });
  w.addEventListener('error', (e) => {
    w.terminate();
    worker = undefined;
    failAll(`the analysis worker failed: ${e.message}`);
  });
  return w;
}

function send(body: WorkerRequest, transfer: Transferable[] = []): number {
  worker ??= start();
  const n = ++seq;
  worker.postMessage({ seq: n, body } satisfies Envelope<WorkerRequest>, { transfer });
  return n;
}

function request<T>(
  body: WorkerRequest,
  fail: (message: string) => T,
  progress?: (p: Progress) => void,
  transfer?: Transferable[],
): Promise<T> {
  return new Promise((resolve) => {
    const n = send(body, transfer);
    pending.set(n, { done: (a) => resolve(a as T), fail: (m) => resolve(fail(m)), progress });
  });
}

/** Request `n` answers `answer` now; its worker stops downloading, or stops altogether if it is past its download. */
function cancel<T>(n: number, answer: T): void {
  const p = pending.get(n);
  if (!p || !worker) return;
  pending.delete(n);
  if (p.stage === undefined || p.stage === 'download') send({ kind: 'cancel', target: n });
  else {
    worker.terminate();
    worker = undefined;
    failAll('the analysis was stopped');
  }
  p.done(answer);
}

const onPage = (epochMs: number): number => epochMs - performance.timeOrigin;

/** One view's data for a capture, computed by the worker, telling its progress; `signal` cancels it (answer: stage 'cancelled'). */
export async function requestView(
  body: Omit<ViewRequest, 'kind'>,
  o: { progress?: (p: Progress) => void; signal?: AbortSignal } = {},
): Promise<ViewAnswer> {
  const cancelled: ViewAnswer = { ok: false, stage: 'cancelled', message: 'cancelled' };
  if (o.signal?.aborted) return cancelled;
  const answer = request<ViewAnswer>({ kind: 'view', ...body }, (message) => ({ ok: false, stage: 'profile', message }), o.progress);
  const n = seq;
  o.signal?.addEventListener('abort', () => cancel(n, cancelled), { once: true });
  const a = await answer;
  if (a.ok) for (const d of a.decoded) performance.measure(`podprof:decode:${d.id}`, { start: onPage(d.start), end: onPage(d.end) });
  return a;
}

/**
 * Hands a file the user opened to the worker (a copy: the page keeps `bytes`), which decodes and keeps it as
 * `id`. A file the worker has not decoded within `timeoutMs` (a hostile one) stops the worker, so the next
 * request starts a fresh one: the page never waits forever.
 */
export async function openLocalFile(id: string, bytes: Uint8Array, timeoutMs = 60_000): Promise<LocalAnswer> {
  const copy = bytes.slice().buffer;
  let timer: number | undefined;
  const timedOut = new Promise<LocalAnswer>((resolve) => {
    timer = window.setTimeout(() => {
      worker?.terminate();
      worker = undefined;
      failAll('the analysis worker was stopped');
      resolve({ ok: false, message: `the file did not decode within ${timeoutMs / 1000}s; it is too large or malformed` });
    }, timeoutMs);
  });
  const a = await Promise.race([
    request<LocalAnswer>({ kind: 'local-open', id, bytes: copy }, (message) => ({ ok: false, message }), undefined, [copy]),
    timedOut,
  ]);
  clearTimeout(timer);
  if (a.ok) performance.measure(`podprof:decode:${id}`, { start: onPage(a.decoded.start), end: onPage(a.decoded.end) });
  return a;
}

/** The parse of a trace, once, on the page's timeline. */
function measureParse(id: string, info: TraceInfo | undefined): void {
  if (!info || measured.has(`${id}:${info.parsed.start}`)) return;
  measured.add(`${id}:${info.parsed.start}`);
  performance.measure(`podprof:trace-parse:${id}`, { start: onPage(info.parsed.start), end: onPage(info.parsed.end) });
}

const traceFailed = (message: string): { ok: false; title: string; message: string } => ({
  ok: false,
  title: 'The trace analysis failed',
  message,
});

/** One trace view's data (the worker downloads and parses the trace first, reporting progress). */
export async function requestTrace(body: Omit<TraceRequest, 'kind'>, progress: (p: Progress) => void): Promise<TraceAnswer> {
  const a = await request<TraceAnswer>({ kind: 'trace', ...body }, traceFailed, progress);
  if (a.ok) measureParse(body.id, a.info);
  return a;
}

/** Hands the canvas to the worker, which builds the trace's timeline and draws its first frame. */
export async function openTimeline(o: Omit<TimelineOpen, 'kind'>, progress: (p: Progress) => void): Promise<TimelineAnswer> {
  const a = await request<TimelineAnswer>({ kind: 'timeline-open', ...o }, traceFailed, progress, [o.canvas]);
  if (a.ok) {
    measureParse(o.id, a.info);
    performance.measure('podprof:timeline-build', { start: onPage(a.startedAt), end: onPage(a.builtAt) });
    performance.measure('podprof:timeline-model', { start: onPage(a.builtAt), end: onPage(a.modelledAt) });
    performance.measure('podprof:timeline-draw', { start: onPage(a.modelledAt), end: onPage(a.paintedAt) });
    performance.measure('podprof:timeline-first-paint', { start: onPage(a.startedAt), end: onPage(a.paintedAt) });
  }
  return a;
}

/** The window to draw next (no answer: the worker draws it on its next frame). */
export function timelineView(v: Omit<TimelineViewport, 'kind'>): void {
  send({ kind: 'timeline-view', ...v });
}

export function timelineHit(h: Omit<TimelineHit, 'kind'>): Promise<HitAnswer> {
  return request<HitAnswer>({ kind: 'timeline-hit', ...h }, (message) => ({ ok: false, message }));
}

export function closeTimeline(): void {
  if (worker) send({ kind: 'timeline-close' });
}
