// One capture: its metadata and progress, downloads and commands, then its
// views: a profile's (profile-page.ts), or an execution trace's
// (trace-page.ts, which opens its blocking profiles in the profile views), or a
// goroutine dump's (views/goroutine-dump.ts).
import { describeTarget } from '../../../src/api/describe.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { downloads } from './capture-downloads.ts';
import { failureNotice } from './capture-failure.ts';
import { statusCell } from './captures.ts';
import { h, notice, replace } from './dom.ts';
import { ago, TYPE_LABEL } from './format-ui.ts';
import { openProfile } from './profile-page.ts';
import { isTraceView, readParams, type ViewName } from './state.ts';
import { openTrace } from './trace-page.ts';
import { openDump } from './views/goroutine-dump.ts';

function podResults(c: CaptureMeta): HTMLElement | null {
  // One pod: the failure notice says it (or it succeeded); several: each pod's outcome.
  if (c.pods.length <= 1 && c.status !== 'running') return null;
  return h(
    'details',
    { open: c.status !== 'done' },
    h('summary', {}, `${c.pods.length} pod(s)`),
    h(
      'ul',
      { class: 'pod-results' },
      ...c.pods.map((p) => h('li', {}, h('span', { class: `status ${p.status}` }, p.status), ` ${p.pod}`, p.error ? ` — ${p.error}` : '')),
    ),
  );
}

function header(c: CaptureMeta): HTMLElement {
  const links = h('div', { class: 'links' });
  downloads(c, links);
  return h(
    'div',
    { class: 'capture-head' },
    h('h1', {}, `${c.debug === 2 ? 'goroutine dump' : (TYPE_LABEL[c.type] ?? c.type)} · ${describeTarget(c.namespace, c.target)}`),
    h('p', { class: 'muted' }, `by ${c.user}, ${ago(c.createdAt)}`, c.seconds !== undefined ? `, ${c.seconds}s` : '', ` · `, statusCell(c)),
    podResults(c),
    failureNotice(c),
    links,
  );
}

/** The capture page; `view` undefined: the capture's first view (Top for a profile, Goroutines for a trace). */
export function capturePage(main: HTMLElement, id: string, view: ViewName | undefined): () => void {
  let stopped = false;
  let timer: number | undefined;
  let dispose: (() => void) | undefined;
  const params = readParams(location.search);
  const load = (): void => {
    api.capture(id).then(
      async (c) => {
        if (stopped) return;
        replace(main, header(c));
        if (c.status === 'running') {
          main.append(notice('info', 'Capturing…', 'The views open when every pod has answered.'));
          timer = window.setTimeout(load, 1000);
          return;
        }
        if (c.status === 'failed') return;
        if (c.debug === 2) await openDump(main, c, params, () => stopped);
        else if (c.type === 'trace') dispose = await openTrace(main, c, view ?? 'goroutines', params, () => stopped);
        else if (view !== undefined && isTraceView(view))
          main.append(notice('error', 'Not a trace', `This capture is a ${c.type} profile.`));
        else dispose = await openProfile(main, c, view ?? 'top', params, {}, () => stopped);
        if (stopped) dispose?.();
      },
      (err: Error) => replace(main, notice('error', `Capture ${id}`, err.message)),
    );
  };
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    dispose?.();
  };
}
