// The capture list: who, when, what, status; running captures show live
// progress (polled every second while any runs).
import { describeTarget } from '../../../src/api/describe.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { button, h, notice, replace } from './dom.ts';
import { ago, bytes, TYPE_LABEL } from './format-ui.ts';

export function progress(c: CaptureMeta): HTMLElement {
  const done = c.pods.filter((p) => p.status === 'ok' || p.status === 'failed' || p.status === 'forbidden').length;
  const elapsed = (Date.now() - Date.parse(c.createdAt)) / 1000;
  const want = c.type === 'profile' || c.type === 'trace' ? (c.seconds ?? 30) : (c.seconds ?? 1);
  const pct = Math.min(100, Math.round((100 * elapsed) / Math.max(want, 1)));
  return h(
    'span',
    { class: 'progress' },
    h('progress', { max: 100, value: pct }),
    ` ${Math.min(elapsed, want).toFixed(0)}/${want}s · ${done}/${c.pods.length} pods`,
  );
}

export function statusCell(c: CaptureMeta): HTMLElement {
  if (c.status === 'running') return h('span', { class: 'status running' }, 'running ', progress(c));
  const failed = c.pods.filter((p) => p.status !== 'ok').length;
  return h(
    'span',
    { class: `status ${c.status}`, title: c.error ?? '' },
    c.status,
    c.status === 'partial' ? ` (${failed} of ${c.pods.length} pods failed)` : '',
  );
}

/** Delete asks first; a failed capture holds nothing, so it is dismissed at once. */
function deleteButton(c: CaptureMeta, reload: () => void): HTMLElement {
  const failed = c.status === 'failed';
  return button(
    failed ? 'Dismiss' : 'Delete',
    () => {
      if (failed || confirm(`Delete capture ${c.id}?`)) void api.deleteCapture(c.id).then(reload, (e: Error) => alert(e.message));
    },
    { 'data-action': failed ? 'dismiss' : 'delete' },
  );
}

function row(c: CaptureMeta, reload: () => void): HTMLElement {
  return h(
    'tr',
    { 'data-capture': c.id },
    h('td', {}, h('a', { href: `/captures/${encodeURIComponent(c.id)}` }, describeTarget(c.namespace, c.target))),
    h('td', {}, TYPE_LABEL[c.type] ?? c.type, c.seconds !== undefined ? ` ${c.seconds}s` : ''),
    h('td', {}, String(c.pods.length)),
    h('td', {}, c.user),
    h('td', { title: c.createdAt }, ago(c.createdAt)),
    h('td', {}, statusCell(c)),
    h('td', { class: 'num' }, c.status === 'running' ? '' : bytes(c.bytes)),
    h('td', {}, c.status === 'running' ? null : deleteButton(c, reload)),
  );
}

export function capturesPage(main: HTMLElement): () => void {
  const body = h('div', {}, 'Loading captures…');
  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Captures'),
      h('a', { href: '/pods', class: 'button' }, 'New capture (pick a pod)'),
      h(
        'a',
        { href: '/local', class: 'button', title: 'analyse a .pb.gz in this browser; store it only if you choose to' },
        'Open a local file',
      ),
    ),
    body,
  );
  let timer: number | undefined;
  let stopped = false;
  const load = (): void => {
    api.captures().then(
      (r) => {
        if (stopped) return;
        if (r.items.length === 0)
          replace(
            body,
            notice(
              'empty',
              'No captures yet',
              'Open Pods and capture a CPU profile from a pod or a whole workload; captures are kept by the gateway and listed here.',
            ),
          );
        else
          replace(
            body,
            h(
              'table',
              { class: 'grid captures' },
              h(
                'thead',
                {},
                h('tr', {}, ...['target', 'type', 'pods', 'who', 'when', 'status', 'size', ''].map((t) => h('th', { scope: 'col' }, t))),
              ),
              h('tbody', {}, ...r.items.map((c) => row(c, load))),
            ),
          );
        if (r.items.some((c) => c.status === 'running')) timer = window.setTimeout(load, 1000);
      },
      (err: Error) => replace(body, notice('error', 'Could not list captures', err.message)),
    );
  };
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
