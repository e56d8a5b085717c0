// Goroutines (dump): a goroutine dump capture (goroutine?debug=2) as the
// gateway grouped it (goroutine-dump.json: src/goroutine-dump), the groups of
// goroutines with the same state and stack sorted by count or by longest wait,
// each with its state, count, longest wait, per-pod counts (a workload) and
// its stack (function, file:line, creator); a group opens to its goroutine
// ids. The search is a regex (RE2, as pprof's) over states and functions,
// kept in the URL (q). Everything in a dump is the app's text: text only.
import type { CaptureMeta } from '../../../../src/api/types.ts';
import { compileRegex, type Matcher } from '../../../../src/analysis/regex.ts';
import { groupSearchFields, type DumpGroup, type GoroutineDumpSummary } from '../../../../src/goroutine-dump/group.ts';
import type { DumpFrame } from '../../../../src/goroutine-dump/parse.ts';
import { derivedUrl, fetchOk } from '../api.ts';
import { h, notice, replace } from '../dom.ts';
import { replaceQuietly, writeParams, type ParamState } from '../state.ts';

export const DUMP_FILE = 'goroutine-dump.json';
/** Groups drawn at once; the search narrows the rest. */
const SHOWN = 500;

const minutes = (m: number): string => (m === 0 ? '< 1 min' : `${m.toLocaleString('en')} min`);

function frameItem(f: DumpFrame, cls = ''): HTMLLIElement {
  return h(
    'li',
    { class: cls },
    h('span', { class: 'fn' }, f.func),
    f.file === '' ? null : h('span', { class: 'muted file' }, ` ${f.file}:${f.line}`),
  );
}

/** Go's standard library: the package path's first element has no dot (main aside). */
function inStd(func: string): boolean {
  const slash = func.lastIndexOf('/');
  const dot = func.indexOf('.', slash + 1);
  const pkg = dot < 0 ? func : func.slice(0, dot);
  return pkg !== 'main' && !pkg.split('/')[0]!.includes('.');
}

/** The frame a reader looks for first: the innermost outside the standard library, else the innermost. */
function ownFrame(g: DumpGroup): DumpFrame | undefined {
  return g.frames.find((f) => !inStd(f.func)) ?? g.frames[0];
}

function perPod(g: DumpGroup): string {
  return Object.entries(g.ids)
    .map(([pod, ids]) => `${pod} ${ids.length.toLocaleString('en')}`)
    .join(' · ');
}

function groupBox(g: DumpGroup, workload: boolean): HTMLDetailsElement {
  const top = ownFrame(g)?.func ?? g.note ?? '(no stack)';
  const elided =
    g.elided === 0 ? null : h('li', { class: 'muted' }, g.elided < 0 ? '…additional frames elided…' : `…${g.elided} frames elided…`);
  return h(
    'details',
    { class: 'dump-group', 'data-count': g.count, 'data-state': g.state },
    h(
      'summary',
      {},
      h('span', { class: 'num dump-count', title: 'goroutines' }, g.count.toLocaleString('en')),
      h('span', { class: 'dump-state' }, g.state, g.lockedToThread ? ', locked to thread' : ''),
      h('span', { class: 'dump-wait muted', title: 'the longest wait in the group' }, `waiting ${minutes(g.maxWaitMinutes)}`),
      h('span', { class: 'fn dump-top', title: g.frames[0] ? `innermost: ${g.frames[0].func}` : undefined }, top),
      workload ? h('span', { class: 'dump-pods muted' }, perPod(g)) : null,
    ),
    h(
      'ol',
      { class: 'dump-stack' },
      ...g.frames.map((f) => frameItem(f)),
      elided,
      g.note !== undefined ? h('li', { class: 'muted' }, g.note) : null,
      g.createdBy ? frameItem({ ...g.createdBy, func: `created by ${g.createdBy.func}` }, 'created-by') : null,
    ),
    h(
      'div',
      { class: 'dump-ids' },
      ...Object.entries(g.ids).map(([pod, ids]) =>
        h('p', {}, h('strong', {}, `${pod === '' ? 'goroutines' : pod}: `), ids.map((id) => `#${id}`).join(' ')),
      ),
    ),
  );
}

function sorted(groups: readonly DumpGroup[], sort: string | undefined): DumpGroup[] {
  const out = [...groups];
  if (sort === 'wait') out.sort((a, b) => b.maxWaitMinutes - a.maxWaitMinutes || b.count - a.count);
  return out;
}

/** The groups matching the search, drawn into `list`; a bad regex says why. */
function drawGroups(list: HTMLElement, d: GoroutineDumpSummary, s: ParamState, workload: boolean): void {
  let match: Matcher | undefined;
  try {
    match = s.q ? compileRegex('search', s.q) : undefined;
  } catch (err) {
    replace(list, notice('error', 'Bad search', (err as Error).message));
    return;
  }
  const hits = sorted(d.groups, s.sort).filter((g) => !match || groupSearchFields(g).some((f) => match(f)));
  const goroutines = hits.reduce((n, g) => n + g.count, 0);
  replace(
    list,
    h(
      'p',
      { class: 'hint', id: 'dump-count' },
      `${goroutines.toLocaleString('en')} goroutines in ${hits.length.toLocaleString('en')} groups`,
      s.q ? ` matching ${s.q}` : '',
      hits.length > SHOWN ? ` (the first ${SHOWN} shown: search to narrow)` : '',
      '. Open a group for its goroutine ids.',
    ),
    ...hits.slice(0, SHOWN).map((g) => groupBox(g, workload)),
  );
}

function header(d: GoroutineDumpSummary, c: CaptureMeta): HTMLElement {
  return h(
    'div',
    { class: 'dump-head' },
    h(
      'p',
      { class: 'hint' },
      `${d.goroutines.toLocaleString('en')} goroutines in ${d.groups.length.toLocaleString('en')} groups of the same state and stack`,
      c.target.pod === undefined ? `, over ${d.pods.length} pods: ${d.pods.map((p) => `${p.pod} ${p.goroutines}`).join(' · ')}` : '',
      '. Waits are Go’s, in whole minutes (under one minute it prints none).',
    ),
    ...d.pods
      .filter((p) => p.truncated !== undefined)
      .map((p) => notice('info', `${c.target.pod === undefined ? `${p.pod}: ` : ''}the dump was cut short`, p.truncated!)),
  );
}

/** The view: fetches the grouped dump and draws it with its search and sort. */
export async function openDump(main: HTMLElement, c: CaptureMeta, params: ParamState, stopped: () => boolean): Promise<void> {
  const box = h('div', { class: 'dump' }, notice('info', 'Loading the goroutine dump…'));
  main.append(box);
  let d: GoroutineDumpSummary;
  try {
    d = (await (await fetchOk(derivedUrl(c.id, DUMP_FILE))).json()) as GoroutineDumpSummary;
  } catch (err) {
    replace(box, notice('error', 'The goroutine dump cannot be shown', (err as Error).message));
    return;
  }
  if (stopped()) return;
  const s: ParamState = { q: params.q, sort: params.sort };
  const list = h('div', { class: 'dump-groups', id: 'dump-groups' });
  const workload = c.target.pod === undefined;
  const search = h('input', {
    type: 'search',
    id: 'dump-search',
    placeholder: 'regex over states and functions',
    'aria-label': 'Search states and functions (regex)',
    value: s.q ?? '',
  });
  const sort = h(
    'select',
    { id: 'dump-sort', 'aria-label': 'Sort groups' },
    h('option', { value: 'count' }, 'by count'),
    h('option', { value: 'wait' }, 'by longest wait'),
  );
  sort.value = s.sort === 'wait' ? 'wait' : 'count';
  const redraw = (): void => {
    s.q = search.value === '' ? undefined : search.value;
    s.sort = sort.value === 'wait' ? 'wait' : undefined;
    replaceQuietly(`${location.pathname}${writeParams(s)}`);
    drawGroups(list, d, s, workload);
  };
  search.addEventListener('input', redraw);
  sort.addEventListener('change', redraw);
  replace(
    box,
    h('h2', {}, 'Goroutines (dump)'),
    header(d, c),
    h('div', { class: 'toolbar dump-tools' }, h('label', {}, 'Search ', search), h('label', {}, 'Sort ', sort)),
    list,
  );
  drawGroups(list, d, s, workload);
}
