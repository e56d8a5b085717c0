// Tasks and regions (runtime/trace NewTask, StartRegion, WithRegion), as
// `go tool trace`'s user task and region pages show them: each task type with
// its count and a histogram of the complete tasks' durations, each region
// type (name and where it began) with a histogram of its regions' durations.
// A type, or one bucket of its histogram, lists its tasks or regions, each
// linking to its stretch of the timeline. Names come from the trace: text only.
import { bucketMin } from '../analysis/histogram.ts';
import type { RegionRow, TaskRow, TasksData } from '../analysis/trace-protocol.ts';
import { button, h, notice } from '../dom.ts';
import { formatNs } from '../format-time.ts';
import { nameParam } from '../state.ts';
import type { TraceViewContext } from '../view-context.ts';
import { nsCell } from './goroutines.ts';
import { histogramTable } from './histogram.ts';

const CLEARED = { task: undefined, region: undefined, rfunc: undefined, bucket: undefined };

/** The timeline's window around a stretch of time (a little either side). */
export function around(start: number | null, end: number | null, fallback: readonly [number, number]): { t0: string; t1: string } {
  const a = start ?? fallback[0];
  const b = end ?? fallback[1];
  const pad = Math.max(1000, (b - a) * 0.05);
  return { t0: String(Math.max(0, Math.floor(a - pad))), t1: String(Math.ceil(b + pad)) };
}

const label = (name: string): string => name || '(unnamed)';

function taskTypes(ctx: TraceViewContext, d: TasksData): HTMLElement {
  if (d.taskTypes.length === 0)
    return notice('empty', 'No user tasks', 'Tasks come from runtime/trace.NewTask in the app; this trace has none.');
  const selected = d.tasks?.name;
  return h(
    'table',
    { class: 'grid data', id: 'task-types' },
    h('thead', {}, h('tr', {}, ...['Task type', 'Count', 'Duration of complete tasks'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...d.taskTypes.map((t) =>
        h(
          'tr',
          { 'data-name': t.name, class: t.name === selected ? 'selected' : undefined },
          h(
            'td',
            { class: 'fn' },
            button(label(t.name), () => ctx.set({ ...CLEARED, task: nameParam(t.name) }), { class: 'link' }),
          ),
          h('td', { class: 'num', 'data-count': t.count }, String(t.count)),
          h(
            'td',
            {},
            histogramTable(
              t.histogram,
              (b) => ctx.set({ ...CLEARED, task: nameParam(t.name), bucket: String(b) }),
              t.name === selected ? d.tasks?.bucket : undefined,
            ),
          ),
        ),
      ),
    ),
  );
}

function regionTypes(ctx: TraceViewContext, d: TasksData): HTMLElement {
  if (d.regionTypes.length === 0)
    return notice(
      'empty',
      'No user regions',
      'Regions come from runtime/trace.StartRegion and WithRegion in the app; this trace has none.',
    );
  const sel = d.regions;
  return h(
    'table',
    { class: 'grid data', id: 'region-types' },
    h('thead', {}, h('tr', {}, ...['Region type', 'Where it begins', 'Count', 'Duration'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...d.regionTypes.map((r) => {
        const open = (bucket?: number): void =>
          ctx.set({
            ...CLEARED,
            region: nameParam(r.name),
            rfunc: nameParam(r.func),
            bucket: bucket === undefined ? undefined : String(bucket),
          });
        const isSel = sel?.name === r.name && sel.func === r.func;
        return h(
          'tr',
          { 'data-name': r.name, 'data-func': r.func, class: isSel ? 'selected' : undefined },
          h(
            'td',
            { class: 'fn' },
            button(label(r.name), () => open(), { class: 'link' }),
          ),
          h('td', { class: 'fn' }, r.func),
          h('td', { class: 'num', 'data-count': r.count }, String(r.count)),
          h('td', {}, histogramTable(r.histogram, open, isSel ? sel.bucket : undefined)),
        );
      }),
    ),
  );
}

function range(bucket: number | undefined): string {
  return bucket === undefined ? '' : `, ${formatNs(bucketMin(bucket))} to ${formatNs(bucketMin(bucket + 1))}`;
}

function taskList(ctx: TraceViewContext, list: NonNullable<TasksData['tasks']>, bounds: readonly [number, number]): HTMLElement {
  const row = (t: TaskRow): HTMLElement =>
    h(
      'tr',
      { 'data-task': t.id },
      h('td', { class: 'num' }, String(t.id)),
      h('td', { class: 'num' }, t.parent === null ? '' : String(t.parent)),
      nsCell(t.start_ns ?? NaN),
      nsCell(t.duration_ns),
      h('td', {}, t.complete ? 'complete' : 'incomplete'),
      h(
        'td',
        {},
        ...t.goroutines.flatMap((g) => [
          h('a', { href: ctx.href('timeline', { gid: String(g), ...around(t.start_ns, t.end_ns, bounds) }) }, `G${g}`),
          ' ',
        ]),
      ),
      h('td', { class: 'num' }, String(t.logs)),
      h('td', { class: 'num' }, String(t.regions)),
      h('td', {}, h('a', { href: ctx.href('timeline', around(t.start_ns, t.end_ns, bounds)) }, 'timeline')),
    );
  return h(
    'section',
    { class: 'trace-list', id: 'task-list' },
    h('h2', {}, `Tasks “${label(list.name)}”${range(list.bucket)}: ${list.rows.length}`),
    h(
      'table',
      { class: 'grid data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['ID', 'Parent', 'Start', 'Duration', '', 'Goroutines', 'Logs', 'Regions', ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, ...list.rows.map(row)),
    ),
  );
}

function regionList(ctx: TraceViewContext, list: NonNullable<TasksData['regions']>, bounds: readonly [number, number]): HTMLElement {
  const row = (r: RegionRow): HTMLElement =>
    h(
      'tr',
      { 'data-goroutine': r.goroutine },
      h(
        'td',
        { class: 'num' },
        h('a', { href: ctx.href('timeline', { gid: String(r.goroutine), ...around(r.start_ns, r.end_ns, bounds) }) }, `G${r.goroutine}`),
      ),
      h('td', { class: 'num' }, r.task === 0 ? '' : String(r.task)),
      nsCell(r.start_ns ?? NaN),
      nsCell(r.duration_ns),
      nsCell(r.stats.execution_ns),
      nsCell(r.stats.sched_wait_ns),
      nsCell(r.stats.syscall_ns),
      nsCell(Object.values(r.stats.block_ns).reduce((a, b) => a + b, 0)),
    );
  return h(
    'section',
    { class: 'trace-list', id: 'region-list' },
    h('h2', {}, `Regions “${label(list.name)}” in ${list.func || '?'}${range(list.bucket)}: ${list.rows.length}`),
    h(
      'table',
      { class: 'grid data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Goroutine', 'Task', 'Start', 'Duration', 'Execution', 'Scheduler wait', 'Syscall', 'Blocked'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h('tbody', {}, ...list.rows.map(row)),
    ),
  );
}

export function tasksView(ctx: TraceViewContext, d: TasksData): HTMLElement {
  return h(
    'div',
    { class: 'tasks' },
    h(
      'p',
      { class: 'hint' },
      'Durations in Go’s log buckets (five per power of ten). Click a type, or a bucket, for its tasks or regions.',
    ),
    d.tasks ? taskList(ctx, d.tasks, d.bounds) : null,
    d.regions ? regionList(ctx, d.regions, d.bounds) : null,
    h('h2', {}, 'Tasks'),
    taskTypes(ctx, d),
    h('h2', {}, 'Regions'),
    regionTypes(ctx, d),
  );
}
