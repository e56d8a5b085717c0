// The page's side of the analysis worker (analysis/analysis-worker.ts): one
// worker per page, started on the first request, holding the decoded
// profiles. The worker's decode times become podprof:decode:<id> measures on
// the page's timeline.
import type { Envelope, ViewAnswer, ViewRequest } from './analysis/protocol.ts';

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, (a: ViewAnswer) => void>();

function failAll(message: string): void {
  for (const done of pending.values()) done({ ok: false, stage: 'profile', message });
  pending.clear();
}

function start(): Worker {
  const w = new Worker(new URL('./analysis/analysis-worker.ts', import.meta.url), { type: 'module', name: 'podprof-analysis' });
  w.addEventListener('message', (e: MessageEvent<Envelope<ViewAnswer>>) => {
    const done = pending.get(e.data.seq);
    pending.delete(e.data.seq);
    done?.(e.data.body);
  });
  w.addEventListener('error', (e) => {
    w.terminate();
    worker = undefined;
    failAll(`the analysis worker failed: ${e.message}`);
  });
  return w;
}

/** One view's data for a capture, computed by the worker. */
export function requestView(body: ViewRequest): Promise<ViewAnswer> {
  worker ??= start();
  const w = worker;
  return new Promise((resolve) => {
    const n = ++seq;
    pending.set(n, (a) => {
      if (a.ok)
        for (const d of a.decoded)
          performance.measure(`podprof:decode:${d.id}`, { start: d.start - performance.timeOrigin, end: d.end - performance.timeOrigin });
      resolve(a);
    });
    w.postMessage({ seq: n, body } satisfies Envelope<ViewRequest>);
  });
}
