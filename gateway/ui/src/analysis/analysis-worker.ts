// The analysis worker: decodes capture profiles and computes each view's data
// off the main thread, so a large profile never blocks the page. One request
// per view shown; answers carry the request's sequence number.
import { viewOptions } from '../state.ts';
import { flameBuffers } from './flame-data.ts';
import { loadDiff, loadProfile, prepared } from './profiles.ts';
import type { DecodeTime, Envelope, ViewAnswer, ViewRequest } from './protocol.ts';
import { summary, viewData } from './view-data.ts';

async function answer(r: ViewRequest): Promise<[ViewAnswer, ArrayBuffer[]]> {
  const decoded: DecodeTime[] = [];
  const { base, normalize } = r.params;
  let model;
  try {
    model = base ? await loadDiff(r.id, base, normalize === '1', decoded) : await loadProfile(r.id, decoded);
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

self.addEventListener('message', (e: MessageEvent<Envelope<ViewRequest>>) => {
  const { seq, body } = e.data;
  answer(body).then(
    ([a, transfer]) => self.postMessage({ seq, body: a } satisfies Envelope<ViewAnswer>, { transfer }),
    (err: Error) => self.postMessage({ seq, body: { ok: false, stage: 'profile', message: err.message } } satisfies Envelope<ViewAnswer>),
  );
});
