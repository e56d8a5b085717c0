// The analysis worker: decodes capture profiles and computes each view's data
// off the main thread, so a large profile never blocks the page. One request
// per view shown; answers carry the request's sequence number. Execution
// traces (their views, their timeline) are handled by trace-worker.ts, a
// chunk loaded the first time a trace is asked for.
import { viewOptions } from '../state.ts';
import { flameBuffers } from './flame-data.ts';
import { loadDiff, loadProfile, openLocal, prepared } from './profiles.ts';
import type { DecodeTime, LocalAnswer, LocalOpen, Progress, ViewAnswer, ViewRequest, WorkerMessage, WorkerRequest } from './protocol.ts';
import { summary, viewData } from './view-data.ts';

async function answer(r: ViewRequest): Promise<[ViewAnswer, ArrayBuffer[]]> {
  const decoded: DecodeTime[] = [];
  const { base, normalize } = r.params;
  let model;
  try {
    model = base ? await loadDiff(r.id, base, normalize === '1', decoded, r.tracePprof) : await loadProfile(r.id, decoded, r.tracePprof);
  } catch (err) {
    return [{ ok: false, stage: 'profile', message: (err as Error).message }, []];
  }
  let p;
  try {
    p = prepared(model, viewOptions(r.params));
  } catch (err) {
    return [{ ok: false, stage: 'options', message: (err as Error).message }, []];
  }
  const s = summary(model, p);
  const data = s.empty === 'no' ? viewData(r.view, p, r.params) : undefined;
  return [{ ok: true, summary: s, data, decoded }, data?.view === 'flame' ? flameBuffers(data) : []];
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
  if (body.kind === 'view') {
    answer(body).then(
      ([a, transfer]) => post({ seq, body: a }, transfer),
      (err: Error) => post({ seq, body: { ok: false, stage: 'profile', message: err.message } satisfies ViewAnswer }),
    );
    return;
  }
  if (body.kind === 'local-open') {
    void local(body).then((a) => post({ seq, body: a }));
    return;
  }
  const reply = {
    answer: (a: unknown, transfer: Transferable[] = []): void => post({ seq, body: a }, transfer),
    progress: (p: Progress): void => post({ seq, progress: p }),
  };
  import('./trace-worker.ts')
    .then((m) => m.handleTrace(body, reply))
    .catch((err: Error) => reply.answer({ ok: false, title: 'The trace analysis failed', message: err.message }));
});
