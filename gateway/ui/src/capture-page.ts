// One capture: its metadata and progress, downloads and commands, then the
// views (Top, Flame graph, Graph, Peek, Source, Pods) over the decoded profile
// with the sample, granularity, refine and diff controls; the analysis
// worker decodes the profile and computes the view's data.
import { describeTarget } from '../../../src/api/describe.ts';
import type { CaptureMeta } from '../../../src/api/types.ts';
import { api, profileUrl, traceUrl } from './api.ts';
import { button, copyText, h, notice, replace } from './dom.ts';
import { ago, TYPE_LABEL } from './format-ui.ts';
import { statusCell } from './captures.ts';
import { requestView } from './analysis-client.ts';
import type { Summary, ViewData } from './analysis/protocol.ts';
import { capturePath, navigate, readParams, SHAPE_PARAMS, type ParamState, type ViewName } from './state.ts';
import { toolbar } from './toolbar.ts';
import type { RenderedView, ViewContext } from './view-context.ts';
import { topView } from './views/top.ts';
import { flameView } from './views/flame.ts';
import { graphView } from './views/graph.ts';
import { peekView } from './views/peek.ts';
import { sourceView } from './views/source.ts';
import { podsView } from './views/pods-breakdown.ts';
import { emptyReason } from './views/empty.ts';

const TABS: readonly [ViewName, string][] = [
  ['top', 'Top'],
  ['flame', 'Flame graph'],
  ['graph', 'Graph'],
  ['peek', 'Peek'],
  ['source', 'Source lines'],
  ['pods', 'Labels'],
];

function commandBox(label: string, text: string): HTMLElement {
  const code = h('code', { class: 'command' }, text);
  const b = button('Copy', () => void copyText(text).then((ok) => (b.textContent = ok ? 'Copied' : 'Select and copy')));
  return h('div', { class: 'command-box' }, h('span', { class: 'muted' }, label), code, b);
}

function downloads(c: CaptureMeta, links: HTMLElement): void {
  const isTrace = c.type === 'trace';
  if (c.status !== 'running' && c.status !== 'failed') {
    const file =
      `${c.namespace}-${c.target.pod ?? c.target.workload?.name ?? 'selector'}-${c.type}-${c.id}${isTrace ? '.trace.out' : '.pb.gz'}`.replace(
        /[^A-Za-z0-9._-]/g,
        '_',
      );
    links.append(
      h(
        'a',
        { href: isTrace ? traceUrl(c.id) : profileUrl(c.id), download: file, class: 'button', id: 'download' },
        isTrace ? 'Download trace.out' : 'Download .pb.gz',
      ),
      commandBox('then', isTrace ? `go tool trace ${file}` : `go tool pprof -http=: ${file}`),
    );
  }
  const pod = c.target.pod ?? c.pods.find((p) => p.status === 'ok')?.pod;
  if (pod) {
    const out = h('div', {});
    links.append(
      button(
        `One-time link for go tool pprof (${pod})`,
        () => {
          api
            .link({
              namespace: c.namespace,
              pod,
              type: c.type,
              seconds: c.type === 'profile' || c.type === 'trace' ? c.seconds : undefined,
            })
            .then(
              (l) =>
                replace(
                  out,
                  commandBox(
                    `new live capture, link valid until ${new Date(l.expiresAt).toLocaleTimeString()}`,
                    isTrace ? `curl -fsSo trace.out '${l.url}' && go tool trace trace.out` : l.command,
                  ),
                ),
              (e: Error) => replace(out, notice('error', 'No link', e.message)),
            );
        },
        { id: 'make-link' },
      ),
      out,
    );
  }
}

function podResults(c: CaptureMeta): HTMLElement | null {
  if (c.pods.length <= 1 && c.status === 'done') return null;
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
    h('h1', {}, `${TYPE_LABEL[c.type] ?? c.type} · ${describeTarget(c.namespace, c.target)}`),
    h('p', { class: 'muted' }, `by ${c.user}, ${ago(c.createdAt)}`, c.seconds !== undefined ? `, ${c.seconds}s` : '', ` · `, statusCell(c)),
    podResults(c),
    c.error ? notice('error', 'The capture failed', c.error) : null,
    links,
  );
}

function tabs(ctx: ViewContext, view: ViewName, labelled: boolean): HTMLElement {
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Views' },
    ...TABS.filter(([v]) => v !== 'pods' || labelled).map(([v, label]) =>
      h('a', { href: capturePath(ctx.capture.id, v, ctx.params), 'aria-current': v === view ? 'page' : undefined, 'data-view': v }, label),
    ),
  );
}

function renderView(ctx: ViewContext, data: ViewData): RenderedView {
  switch (data.view) {
    case 'error':
      return { el: notice('error', data.title, data.message) };
    case 'flame':
      return flameView(ctx, data);
    case 'graph':
      return graphView(ctx, data);
    case 'peek':
      return { el: peekView(ctx, data) };
    case 'source':
      return { el: sourceView(ctx, data) };
    case 'pods':
      return { el: podsView(ctx, data) };
    default:
      return topView(ctx, data);
  }
}

function showProfile(
  main: HTMLElement,
  c: CaptureMeta,
  summary: Summary,
  data: ViewData | undefined,
  view: ViewName,
  params: ParamState,
): (() => void) | undefined {
  const merge = (patch: ParamState): ParamState => {
    const next = { ...params, ...patch };
    // A zoom names a frame of this tree; a filter or pivot makes another tree.
    if (SHAPE_PARAMS.some((k) => k in patch && patch[k] !== params[k])) delete next.zoom;
    for (const k of Object.keys(next) as (keyof ParamState)[]) if (next[k] === undefined || next[k] === '') delete next[k];
    return next;
  };
  const set = (patch: ParamState, to: ViewName = view): void => navigate(capturePath(c.id, to, merge(patch)));
  const remember = (patch: ParamState): void => {
    const next = merge(patch);
    for (const k of Object.keys(params) as (keyof ParamState)[]) delete params[k];
    Object.assign(params, next);
    history.replaceState(null, '', capturePath(c.id, view, next));
  };
  const ctx: ViewContext = { capture: c, summary, params, diff: params.base !== undefined, set, remember };
  const body = h('section', { class: 'view', id: `view-${view}`, 'aria-live': 'polite' });
  main.append(tabs(ctx, view, summary.labelKeys.length > 0), toolbar(ctx, view), ...summary.warnings.map((w) => notice('info', w)), body);
  if (!data) {
    body.append(emptyReason(ctx));
    return undefined;
  }
  const r = renderView(ctx, data);
  body.append(r.el);
  return r.dispose;
}

export function capturePage(main: HTMLElement, id: string, view: ViewName): () => void {
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
        if (c.type === 'trace') {
          main.append(notice('info', 'An execution trace', 'Traces are read with go tool trace: download it, then run the command above.'));
          return;
        }
        const loading = notice('info', 'Loading the profile…');
        loading.id = 'profile-loading';
        main.append(loading);
        const a = await requestView({ id, view, params });
        if (stopped) return;
        loading.remove();
        if (a.ok) dispose = showProfile(main, c, a.summary, a.data, view, params);
        else if (a.stage === 'options')
          main.append(
            notice('error', 'These view options do not work', a.message),
            button('Reset options', () => navigate(capturePath(c.id, view, {}))),
          );
        else main.append(notice('error', 'The profile could not be read', a.message));
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
