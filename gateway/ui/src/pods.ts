// The pod browser: namespaces → workloads → pods, with readiness and injection
// flags, whether the app's pprof answers its sidecar, a search box, and a
// capture dialog for one pod or a whole workload.
import type { PodView } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { button, h, notice, replace } from './dom.ts';
import { captureDialog } from './capture-dialog.ts';

function flag(ok: boolean, yes: string, no: string): HTMLElement {
  return h('span', { class: `flag ${ok ? 'ok' : 'bad'}`, title: ok ? yes : no }, ok ? yes : no);
}

const UPSTREAM_FLAGS: Readonly<Record<PodView['upstream']['state'], readonly [string, string]>> = {
  answering: ['ok', 'app answering'],
  'not answering': ['bad', 'app not answering'],
  unknown: ['unknown', 'app unknown'],
};

/** Whether the app's pprof answers its sidecar: a pod can be ready while its profiler does not answer (docs/adr/0002). */
function upstreamFlag(p: PodView): HTMLElement {
  const u = p.upstream;
  const checked = u.checkedAt ? ` (checked ${new Date(u.checkedAt).toLocaleTimeString()})` : '';
  const [cls, text] = UPSTREAM_FLAGS[u.state];
  return h('span', { class: `flag ${cls} upstream`, 'data-upstream': u.state, title: `${u.detail}${checked}` }, text);
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

function podRow(p: PodView, siblings: readonly PodView[], host: HTMLElement, gone: boolean): HTMLElement {
  return h(
    'tr',
    { class: gone ? 'gone' : undefined, 'data-row': p.name },
    h('td', { class: 'name' }, p.name),
    h(
      'td',
      {},
      gone ? h('span', { class: 'flag bad', title: 'no longer in the cluster' }, 'gone') : null,
      gone ? ' ' : null,
      flag(p.podReady, 'ready', 'not ready'),
      ' ',
      flag(p.sidecarReady, 'sidecar ready', 'sidecar not ready'),
      ' ',
      flag(true, 'injected', ''),
      ' ',
      upstreamFlag(p),
      p.upstream.state === 'not answering' ? h('span', { class: 'muted upstream-detail' }, ` ${p.upstream.detail}`) : null,
    ),
    h('td', { class: 'muted' }, p.profiles.join(' ')),
    h(
      'td',
      {},
      button('Capture…', () => host.append(captureDialog({ namespace: p.namespace, pod: p.name, workload: p.workload, pods: siblings })), {
        disabled: gone || !p.routable,
        'data-pod': p.name,
      }),
    ),
  );
}

function render(list: HTMLElement, pods: readonly PodView[], query: string, host: HTMLElement, gone: ReadonlySet<string>): void {
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
              ? button(
                  'Capture workload…',
                  () => host.append(captureDialog({ namespace: ns, workload: first.workload, pods: ps.filter((x) => !gone.has(x.uid)) })),
                  { 'data-workload': w },
                )
              : null,
          ),
          h(
            'table',
            { class: 'grid' },
            h(
              'tbody',
              {},
              ...ps.map((p) =>
                podRow(
                  p,
                  ps.filter((x) => !gone.has(x.uid)),
                  host,
                  gone.has(p.uid),
                ),
              ),
            ),
          ),
        ),
      );
    }
    sections.push(h('section', { class: 'namespace' }, h('h2', {}, `namespace ${ns}`), ...blocks));
  }
  replace(list, ...sections);
}

/** How often the list asks again: pods come and go while it is open. */
const REFRESH_MS = 5000;

export function podsPage(main: HTMLElement): () => void {
  const search = h('input', { type: 'search', placeholder: 'Search pods, workloads, labels', 'aria-label': 'Search pods' });
  const list = h('div', { class: 'pods' }, 'Loading pods…');
  const missed = h('div');
  const updated = h('span', { class: 'muted', id: 'pods-updated', 'aria-live': 'polite' });
  replace(main, h('div', { class: 'page-head' }, h('h1', {}, 'Pods'), search, updated), missed, list);
  let pods: readonly PodView[] = [];
  // Pods that were listed and no longer are: shown as gone (Capture disabled) until the page is left.
  const gone = new Map<string, PodView>();
  let stopped = false;
  let timer: number | undefined;
  const show = (): void => render(list, [...pods, ...gone.values()], search.value, main, new Set(gone.keys()));
  const load = (): void => {
    api.pods().then(
      (r) => {
        if (stopped) return;
        const now = new Set(r.items.map((p) => p.uid));
        for (const p of pods) if (!now.has(p.uid)) gone.set(p.uid, p);
        for (const uid of now) gone.delete(uid);
        pods = r.items;
        replace(updated, `updated ${new Date().toLocaleTimeString()}`);
        refreshMissed(r);
        show();
        timer = window.setTimeout(load, REFRESH_MS);
      },
      (err: Error) => {
        if (stopped) return;
        replace(list, notice('error', 'Could not list pods', err.message));
        timer = window.setTimeout(load, REFRESH_MS);
      },
    );
  };
  const refreshMissed = (r: Awaited<ReturnType<typeof api.pods>>): void => {
    if (r.notInjected.length === 0) {
      replace(missed);
      return;
    }
    replace(
      missed,
      notice(
        'info',
        `${r.notInjected.length} annotated pod(s) were not injected`,
        ...r.notInjected.map((m) => `${m.namespace}/${m.name}${m.reason ? `: ${m.reason}` : ''}`),
        'They were probably created while the webhook was down: restart them.',
      ),
    );
  };
  load();
  search.addEventListener('input', show);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
