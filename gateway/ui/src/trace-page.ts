// An execution trace's page: its views (Goroutines, Timeline, Tasks and
// regions, MMU, Pods side by side for a workload) and its four blocking
// profiles in the profile views. A workload's capture holds a trace per pod:
// the trace views show one pod's (pod=), the blocking profiles are merged
// over the pods (each sample labelled with its pod).
import type { CaptureMeta } from '../../../src/api/types.ts';
import type { TracePprofKind } from '../../../src/trace/pprof.ts';
import { requestTrace } from './analysis-client.ts';
import type { TraceViewData } from './analysis/trace-protocol.ts';
import { append, h, notice } from './dom.ts';
import { openProfile } from './profile-page.ts';
import {
  capturePath,
  isTraceView,
  navigate,
  pick,
  PROFILE_PARAMS,
  type ParamState,
  type ProfileViewName,
  type TraceViewName,
  type ViewName,
} from './state.ts';
import type { RenderedView, TraceViewContext } from './view-context.ts';
import { goroutinesView } from './views/goroutines.ts';
import { mmuView } from './views/mmu.ts';
import { podsSideBySide } from './views/pods-side-by-side.ts';
import { tasksView } from './views/tasks.ts';
import { timelineView } from './views/timeline.ts';
import { progressBox, traceSummary } from './views/trace-progress.ts';

const KINDS: readonly [TracePprofKind, string][] = [
  ['net', 'Network blocking'],
  ['sync', 'Synchronization blocking'],
  ['syscall', 'Syscall'],
  ['sched', 'Scheduler latency'],
];
const DEFAULT_KIND: TracePprofKind = 'sync';

/** Pods with a trace of their own (a workload's capture), in the capture's order. */
export function tracedPods(c: CaptureMeta): string[] {
  return c.pods.filter((p) => p.status === 'ok' && p.file !== undefined).map((p) => p.pod);
}

function kindOf(params: ParamState): TracePprofKind {
  return KINDS.find(([k]) => k === params.tp)?.[0] ?? DEFAULT_KIND;
}

function tabs(c: CaptureMeta, view: ViewName, params: ParamState): HTMLElement {
  const keep = pick(params, ['pod']);
  const link = (v: ViewName, label: string, p: ParamState, current: boolean): HTMLElement =>
    h('a', { href: capturePath(c.id, v, p), 'aria-current': current ? 'page' : undefined, 'data-view': v }, label);
  const blocking = isTraceView(view) ? { tp: kindOf(params) } : pick(params, PROFILE_PARAMS);
  const compare = tracedPods(c).length > 0 && (c.derived ?? []).includes('goroutines.json');
  return h(
    'nav',
    { class: 'tabs', 'aria-label': 'Trace views' },
    link('goroutines', 'Goroutines', keep, view === 'goroutines'),
    link('timeline', 'Timeline', keep, view === 'timeline'),
    link('tasks', 'Tasks and regions', keep, view === 'tasks'),
    link('mmu', 'MMU', keep, view === 'mmu'),
    h(
      'a',
      {
        href: capturePath(c.id, isTraceView(view) ? 'top' : view, blocking),
        'aria-current': isTraceView(view) ? undefined : 'page',
        'data-view': 'blocking',
      },
      'Blocking profiles',
    ),
    compare ? link('compare', 'Pods side by side', {}, view === 'compare') : null,
  );
}

function kindNav(c: CaptureMeta, view: ProfileViewName, params: ParamState): HTMLElement {
  const current = kindOf(params);
  return h(
    'nav',
    { class: 'tabs kinds', 'aria-label': 'Blocking profile' },
    ...KINDS.map(([k, label]) =>
      h(
        'a',
        {
          href: capturePath(c.id, view, { ...pick(params, PROFILE_PARAMS), tp: k }),
          'aria-current': k === current ? 'page' : undefined,
          'data-kind': k,
        },
        label,
      ),
    ),
  );
}

function podSelect(ctx: TraceViewContext, pods: readonly string[]): HTMLElement {
  const sel = h(
    'select',
    { id: 'trace-pod', 'aria-label': 'Pod' },
    ...pods.map((p) => h('option', { value: p, selected: p === ctx.pod }, p)),
  );
  sel.addEventListener('change', () => ctx.set({ pod: sel.value }));
  return h('label', { class: 'trace-pod' }, 'Trace of pod ', sel);
}

function render(ctx: TraceViewContext, data: TraceViewData): RenderedView {
  switch (data.view) {
    case 'goroutines':
      return goroutinesView(ctx, data);
    case 'tasks':
      return { el: tasksView(ctx, data) };
    case 'mmu':
      return mmuView(ctx, data);
    default:
      return { el: podsSideBySide(ctx, data) };
  }
}

async function loadView(
  ctx: TraceViewContext,
  view: Exclude<TraceViewName, 'timeline'>,
  body: HTMLElement,
  stopped: () => boolean,
): Promise<(() => void) | undefined> {
  const progress = progressBox(view === 'compare' ? 'Loading the pods’ figures…' : 'Loading the trace…');
  body.append(progress.el);
  const a = await requestTrace({ id: ctx.capture.id, pod: ctx.pod, view, params: ctx.params }, progress.update);
  if (stopped()) return undefined;
  progress.el.remove();
  if (!a.ok) {
    body.append(notice('error', a.title, a.message));
    return undefined;
  }
  if (a.info) body.append(traceSummary(a.info, ctx.pod), ...a.info.warnings.map((w) => notice('info', w)));
  const r = render(ctx, a.data);
  body.append(r.el);
  return r.dispose;
}

/** Shows a trace capture's view below what `main` has; resolves to its disposer. */
export async function openTrace(
  main: HTMLElement,
  c: CaptureMeta,
  view: ViewName,
  params: ParamState,
  stopped: () => boolean,
): Promise<(() => void) | undefined> {
  if (!isTraceView(view)) {
    const tp = kindOf(params);
    return openProfile(
      main,
      c,
      view,
      { ...params, tp },
      { tracePprof: tp, nav: [tabs(c, view, params), kindNav(c, view, params)] },
      stopped,
    );
  }
  const pods = tracedPods(c);
  const pod = pods.length === 0 ? undefined : (pods.find((p) => p === params.pod) ?? pods[0]);
  const ctx: TraceViewContext = {
    capture: c,
    params,
    pod,
    set: (patch, to = view) => {
      const next: ParamState = { ...params, ...patch };
      for (const k of Object.keys(next) as (keyof ParamState)[]) if (next[k] === undefined || next[k] === '') delete next[k];
      navigate(capturePath(c.id, to, next));
    },
    href: (v, p) => capturePath(c.id, v, pod === undefined ? p : { pod, ...p }),
  };
  const body = h('section', { class: 'view trace-view', id: `view-${view}`, 'aria-live': 'polite' });
  append(main, [
    tabs(c, view, params),
    pods.length > 1 && view !== 'compare' ? h('div', { class: 'toolbar' }, podSelect(ctx, pods)) : null,
    body,
  ]);
  if (view === 'timeline') {
    const r = timelineView(ctx, body, stopped);
    return r.dispose;
  }
  return loadView(ctx, view, body, stopped);
}
