// Source lines: for each file, the code around its sampled lines with flat and
// cum per line (as pprof's weblist/-source_path shows them: each function's
// sampled lines and a few lines around, gaps marked), when the gateway can fetch
// the file through the Go module proxy (a dependency's module@version, the
// standard library at the pod's Go version, the main module at its declared
// version); otherwise flat and cum per file:line from the profile alone, with
// the reason. Every table has the same columns, widths fixed, so files align.
import { ApiError } from '../../../../src/api/error.ts';
import { percentage, selectOutputUnit, valueFormatter } from '../../../../src/analysis/format.ts';
import type { SourceFile, SourceLine } from '../../../../src/analysis/lines.ts';
import type { BuildInfo, SourceAnswer } from '../../../../src/api/types.ts';
import { locateSource } from '../../../../src/source/locate.ts';
import { api } from '../api.ts';
import type { SourceData } from '../analysis/protocol.ts';
import { button, h, notice } from '../dom.ts';
import type { ViewContext } from '../view-context.ts';
import { keyboardRows } from './table-keys.ts';

const FILES = 30;
/** Lines of code shown before a function's first sampled line and after its last. */
const CONTEXT = 3;
/** Source fetches at once (the gateway allows a user 4 by default). */
const AT_ONCE = 3;

/** The line ranges to show: each function's sampled lines widened by CONTEXT, overlaps merged. */
export function shownRanges(lines: readonly SourceLine[], last: number): [number, number][] {
  const byFn = new Map<string, [number, number]>();
  for (const l of lines) {
    const r = byFn.get(l.function);
    byFn.set(l.function, r ? [Math.min(r[0], l.line), Math.max(r[1], l.line)] : [l.line, l.line]);
  }
  const ranges = [...byFn.values()]
    .map(([a, b]): [number, number] => [Math.max(1, a - CONTEXT), Math.min(last, b + CONTEXT)])
    .filter(([a, b]) => a <= b)
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const r of ranges) {
    const prev = out[out.length - 1];
    if (prev && r[0] <= prev[1] + 1) prev[1] = Math.max(prev[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** One queue of fetches for the view, AT_ONCE at a time. */
function queue(): (job: () => Promise<void>) => void {
  let running = 0;
  const waiting: (() => Promise<void>)[] = [];
  const next = (): void => {
    while (running < AT_ONCE && waiting.length > 0) {
      const job = waiting.shift()!;
      running++;
      void job().finally(() => {
        running--;
        next();
      });
    }
  };
  return (job) => {
    waiting.push(job);
    next();
  };
}

const COLUMNS = ['line', 'flat', 'cum', 'cum%'];

/** What each capture's pods declare (asked once per capture; nothing when the gateway cannot say). */
const builds = new Map<string, Promise<BuildInfo>>();
function buildOf(id: string): Promise<BuildInfo> {
  let b = builds.get(id);
  if (!b) builds.set(id, (b = api.build(id).catch(() => ({}))));
  return b;
}

function table(cls: string, last: string, body: HTMLElement): HTMLElement {
  return h(
    'table',
    { class: `grid data source-table ${cls}` },
    h('colgroup', {}, ...COLUMNS.map((c) => h('col', { class: `c-${c.replace('%', 'p')}` })), h('col', {})),
    h('thead', {}, h('tr', {}, ...[...COLUMNS, last].map((t, i) => h('th', { scope: 'col', class: i < 4 ? 'num' : '' }, t)))),
    body,
  );
}

export function sourceView(ctx: ViewContext, { files }: SourceData): HTMLElement {
  if (files.length === 0) return notice('empty', 'No lines', 'No file:line matches the search.');
  const all = files.flatMap((f) => f.lines);
  const unit = ctx.summary.sampleType.unit;
  const fmt = valueFormatter(unit, selectOutputUnit(all, ctx.summary.total, unit));
  const total = ctx.summary.total;
  const enqueue = queue();
  const numbers = (flat: number, cum: number): HTMLElement[] => [
    h('td', { class: 'num' }, flat === 0 ? '.' : fmt(flat)),
    h('td', { class: 'num' }, cum === 0 ? '.' : fmt(cum)),
    h('td', { class: 'num' }, cum === 0 ? '' : percentage(cum, total)),
  ];

  const linesTable = (f: SourceFile): HTMLElement => {
    const tbody = h(
      'tbody',
      {},
      ...f.lines.map((l) =>
        h(
          'tr',
          { tabindex: -1, 'data-line': `${f.file}:${l.line}` },
          h('td', { class: 'num' }, String(l.line)),
          ...numbers(l.flat, l.cum),
          h('td', { class: 'fn' }, l.function),
        ),
      ),
    );
    keyboardRows(tbody, () => undefined);
    return table('lines-only', 'function', tbody);
  };

  const codeTable = (f: SourceFile, src: SourceAnswer): HTMLElement => {
    const code = src.text.split('\n');
    const at = new Map<number, { flat: number; cum: number; fns: string[] }>();
    for (const l of f.lines) {
      const e = at.get(l.line) ?? { flat: 0, cum: 0, fns: [] };
      e.flat += l.flat;
      e.cum += l.cum;
      e.fns.push(l.function);
      at.set(l.line, e);
    }
    const rows: HTMLElement[] = [];
    for (const [i, [a, b]] of shownRanges(f.lines, code.length).entries()) {
      if (i > 0 || a > 1) rows.push(h('tr', { class: 'gap' }, h('td', { class: 'num muted' }, '⋮'), h('td', { colspan: 4 }, '')));
      for (let n = a; n <= b; n++) {
        const s = at.get(n);
        rows.push(
          h(
            'tr',
            { tabindex: -1, 'data-line': `${f.file}:${n}`, class: s ? 'sampled' : '', title: s ? s.fns.join(', ') : '' },
            h('td', { class: 'num' }, String(n)),
            ...numbers(s?.flat ?? 0, s?.cum ?? 0),
            h('td', { class: 'code' }, code[n - 1] ?? ''),
          ),
        );
      }
    }
    // Sampled lines past the file's end (another version than the binary's): listed, not lost.
    for (const l of f.lines.filter((x) => x.line > code.length))
      rows.push(
        h(
          'tr',
          { class: 'sampled' },
          h('td', { class: 'num' }, String(l.line)),
          ...numbers(l.flat, l.cum),
          h('td', { class: 'muted' }, `past the end of the file (${l.function})`),
        ),
      );
    const tbody = h('tbody', {}, ...rows);
    keyboardRows(tbody, () => undefined);
    return table('with-code', 'code', tbody);
  };

  const fileBlock = (f: SourceFile): HTMLElement => {
    const status = h('span', { class: 'source-status muted' }, ' · fetching the source…');
    const body = h('div', { class: 'source-body' }, linesTable(f));
    const block = h(
      'details',
      { class: 'source-file', open: true, 'data-file': f.file },
      h(
        'summary',
        {},
        h('code', {}, f.file),
        h('span', { class: 'muted' }, ` flat ${fmt(f.flat)} (${percentage(f.flat, total).trim()}) · max cum ${fmt(f.maxCum)}`),
        status,
      ),
      body,
    );
    const fn = f.lines.find((l) => l.function !== '')?.function ?? '';
    if (ctx.local) {
      status.textContent = ' · no source: a file opened here is analysed in this browser only; no code is fetched for it';
      block.dataset.source = 'none';
      return block;
    }
    enqueue(async () => {
      try {
        // Resolved here first with what the pods declare: a file no module names is not asked for.
        const located = locateSource(f.file, fn, await buildOf(ctx.capture.id));
        if (!located.ok) {
          status.textContent = ` · no source: ${located.reason}`;
          block.dataset.source = 'none';
          return;
        }
        const src = await api.source(ctx.capture.id, f.file, fn);
        body.replaceChildren(codeTable(f, src));
        status.textContent = ` · ${src.module}@${src.version}`;
        block.dataset.source = 'code';
      } catch (err) {
        const why = err instanceof ApiError ? `${err.message}${err.code.startsWith('PODPROF_') ? ` (${err.code})` : ''}` : String(err);
        status.textContent = ` · no source: ${why}`;
        status.title = err instanceof ApiError ? (err.hint ?? '') : '';
        block.dataset.source = 'none';
      }
    });
    return block;
  };

  const list = h('div', { class: 'source', id: 'source-list' }, ...files.slice(0, FILES).map(fileBlock));
  if (files.length > FILES) {
    const more = button(`Show all ${files.length} files`, () => {
      list.append(...files.slice(FILES).map(fileBlock));
      more.remove();
    });
    list.append(more);
  }
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'hint' },
      'Files heaviest first. Code comes from the Go module proxy the gateway uses: a dependency by the module@version in its path, the standard library by the pod’s podprof.io/go-version, the main module by its podprof.io/main-module; other files list flat and cum per line only.',
    ),
    list,
  );
}
