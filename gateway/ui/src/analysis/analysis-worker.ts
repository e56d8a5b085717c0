// The analysis worker: decodes capture profiles and computes each view's data
// off the main thread, so a large profile never blocks the page. One request
// per view shown; answers carry the request's sequence number, and a view's
// progress (download, decode, analyse) comes before its answer. A cancel
// aborts a view's download (the page stops a busy worker itself). Execution
// traces (their views, their timeline) are handled by trace-worker.ts, a
// chunk loaded the first time a trace is asked for.
import { viewOptions } from '../state.ts';
import { flameBuffers } from './flame-data.ts';
import { loadDiff, loadProfile, openLocal, prepared, type LoadWatch } from './profiles.ts';
import type {
  DecodeTime,
  LocalAnswer,
  LocalOpen,
  Progress,
  ViewAnswer,
  ViewData,
  ViewRequest,
  WorkerMessage,
  WorkerRequest,
} from './protocol.ts';
import { summary, viewData } from './view-data.ts';

/** The downloads a cancel can stop, by request. */
const downloads = new Map<number, AbortController>();

async function answer(r: ViewRequest, w: LoadWatch): Promise<[ViewAnswer, ArrayBuffer[]]> {
  const decoded: DecodeTime[] = [];
  const { base, normalize } = r.params;
  let model;
  try {
    model = base
      ? await loadDiff(r.id, base, normalize === '1', decoded, r.tracePprof, r.fromTrace, w)
      : await loadProfile(r.id, decoded, r.tracePprof, r.fromTrace, w);
  } catch (err) {
    if (w.signal?.aborted) return [{ ok: false, stage: 'cancelled', message: 'cancelled' }, []];
    return [{ ok: false, stage: 'profile', message: (err as Error).message }, []];
  }
  w.progress({ stage: 'analyse' });
  let p;
  try {
    p = prepared(model, viewOptions(r.params));
  } catch (err) {
    return [{ ok: false, stage: 'options', message: (err as Error).message }, []];
  }
  const s = summary(model, p);
  const data = s.empty === 'no' ? viewData(r.view, p, r.params) : undefined;
  return [{ ok: true, summary: s, data, decoded }, transferred(data)];
}

/** The buffers to transfer (not copy) to the page. */
function transferred(data: ViewData | undefined): ArrayBuffer[] {
  if (data?.view === 'flame') return flameBuffers(data);
  if (data?.view === 'top') return [data.rows.starts.buffer as ArrayBuffer];
  return [];
}

async function local(r: LocalOpen): Promise<LocalAnswer> {
  try {
    const { model, decoded } = await openLocal(r.id, new Uint8Array(r.bytes));
    return { ok: true, sampleTypes: model.sampleTypes.map((t) => `${t.type}/${t.unit}`), decoded };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const post = (m: WorkerMessage<unknown>, transfer: Transferable[] = []): void => self.postMessage(m, { transfer });

self.addEventListener('message', (e: MessageEvent<{ seq: number; body: WorkerRequest }>) => {
  const { seq, body } = e.data;
  if (body.kind === 'cancel') {
    downloads.get(body.target)?.abort();
    return;
  }
  const progress = (p: Progress): void => post({ seq, progress: p });
  if (body.kind === 'view') {
    const stop = new AbortController();
    downloads.set(seq, stop);
    answer(body, { progress, signal: stop.signal })
      .then(
        ([a, transfer]) => post({ seq, body: a }, transfer),
        (err: Error) => post({ seq, body: { ok: false, stage: 'profile', message: err.message } satisfies ViewAnswer }),
      )
      .finally(() => downloads.delete(seq));
    return;
  }
  if (body.kind === 'local-open') {
    void local(body).then((a) => post({ seq, body: a }));
    return;
  }
  const reply = {
    answer: (a: unknown, transfer: Transferable[] = []): void => post({ seq, body: a }, transfer),
    progress,
  };
  import('./trace-worker.ts')
    .then((m) => m.handleTrace(body, reply))
    .catch((err: Error) => reply.answer({ ok: false, title: 'The trace analysis failed', message: err.message }));
});
