// The pod browser: namespaces → workloads → pods, with readiness and injection
// flags, a search box, and a capture dialog for one pod or a whole workload.
import type { PodView } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { button, h, notice, replace } from './dom.ts';
import { captureDialog } from './capture-dialog.ts';

function flag(ok: boolean, yes: string, no: string): HTMLElement {
  return h('span', { class: `flag ${ok ? 'ok' : 'bad'}`, title: ok ? yes : no }, ok ? yes : no);
}

function group(pods: readonly PodView[]): Map<string, Map<string, PodView[]>> {
  const out = new Map<string, Map<string, PodView[]>>();
  for (const p of [...pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))) {
    const ns = out.get(p.namespace) ?? new Map<string, PodView[]>();
    out.set(p.namespace, ns);
    const w = p.workload ? `${p.workload.kind.toLowerCase()}/${p.workload.name}` : '';
    ns.set(w, [...(ns.get(w) ?? []), p]);
  }
  return out;
}

function podRow(p: PodView, host: HTMLElement): HTMLElement {
  return h(
    'tr',
    {},
    h('td', { class: 'name' }, p.name),
    h(
      'td',
      {},
      flag(p.podReady, 'ready', 'not ready'),
      ' ',
      flag(p.sidecarReady, 'sidecar ready', 'sidecar not ready'),
      ' ',
      flag(true, 'injected', ''),
    ),
    h('td', { class: 'muted' }, p.profiles.join(' ')),
    h(
      'td',
      {},
      button('Capture…', () => host.append(captureDialog({ namespace: p.namespace, pod: p.name, workload: p.workload, pods: [p] })), {
        disabled: !p.routable,
        'data-pod': p.name,
      }),
    ),
  );
}

function render(list: HTMLElement, pods: readonly PodView[], query: string, host: HTMLElement): void {
  const q = query.trim().toLowerCase();
  const shown = pods.filter(
    (p) =>
      q === '' ||
      `${p.namespace}/${p.name} ${p.workload?.name ?? ''} ${Object.entries(p.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
        .toLowerCase()
        .includes(q),
  );
  if (shown.length === 0) {
    replace(
      list,
      notice(
        'empty',
        pods.length === 0 ? 'No injected pods you may see' : 'No pod matches the search',
        pods.length === 0
          ? 'Annotate a pod template with podprof.io/inject: "true" so the webhook adds the sidecar, and make sure RBAC lets you list pods in its namespace.'
          : 'Search matches namespace/pod, workload and labels.',
      ),
    );
    return;
  }
  const sections: HTMLElement[] = [];
  for (const [ns, workloads] of group(shown)) {
    const blocks: HTMLElement[] = [];
    for (const [w, ps] of workloads) {
      const first = ps[0] as PodView;
      blocks.push(
        h(
          'div',
          { class: 'workload' },
          h(
            'div',
            { class: 'workload-head' },
            h('h3', {}, w === '' ? 'pods without a workload' : w),
            h('span', { class: 'muted' }, `${ps.length} pod${ps.length === 1 ? '' : 's'}`),
            first.workload
              ? button('Capture workload…', () => host.append(captureDialog({ namespace: ns, workload: first.workload, pods: ps })), {
                  'data-workload': w,
                })
              : null,
          ),
          h('table', { class: 'grid' }, h('tbody', {}, ...ps.map((p) => podRow(p, host)))),
        ),
      );
    }
    sections.push(h('section', { class: 'namespace' }, h('h2', {}, `namespace ${ns}`), ...blocks));
  }
  replace(list, ...sections);
}

export function podsPage(main: HTMLElement): () => void {
  const search = h('input', { type: 'search', placeholder: 'Search pods, workloads, labels', 'aria-label': 'Search pods' });
  const list = h('div', { class: 'pods' }, 'Loading pods…');
  const missed = h('div');
  replace(main, h('div', { class: 'page-head' }, h('h1', {}, 'Pods'), search), missed, list);
  let pods: readonly PodView[] = [];
  api.pods().then(
    (r) => {
      pods = r.items;
      if (r.notInjected.length > 0) {
        replace(
          missed,
          notice(
            'info',
            `${r.notInjected.length} annotated pod(s) were not injected`,
            ...r.notInjected.map((m) => `${m.namespace}/${m.name}${m.reason ? `: ${m.reason}` : ''}`),
            'They were probably created while the webhook was down: restart them.',
          ),
        );
      }
      render(list, pods, search.value, main);
    },
    (err: Error) => replace(list, notice('error', 'Could not list pods', err.message)),
  );
  search.addEventListener('input', () => render(list, pods, search.value, main));
  return () => undefined;
}
