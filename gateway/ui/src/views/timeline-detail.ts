// The timeline's panel for a clicked span: its lane, state and why, when and
// how long, the stack where it began, and for a wait ended by another
// goroutine, that goroutine and the stack it did it from; with links to the
// goroutines involved. Trace strings are text only.
import type { GoroutineRef, SpanDetail, StackFrame } from '../analysis/trace-protocol.ts';
import { button, h } from '../dom.ts';
import { formatAt, formatNs } from '../format-time.ts';

export interface DetailActions {
  /** Shows only this goroutine's lane, in the same window. */
  goroutine(id: number): string;
  /** Shows the lanes of a goroutine group. */
  group(name: string): string;
  /** Zooms to the span. */
  zoom(start: number, end: number): void;
}

const STACK_TITLES: Readonly<Record<string, string>> = {
  waiting: 'Where it blocked',
  runnable: 'Where it was made runnable',
  'in a syscall': 'The syscall',
  'blocked in a syscall': 'The syscall',
};

function stack(frames: readonly StackFrame[], id: string): HTMLElement {
  if (frames.length === 0) return h('p', { class: 'muted', id }, 'No stack recorded for this event.');
  return h(
    'ol',
    { class: 'stack', id },
    ...frames.map((f) => h('li', {}, h('code', { class: 'fn' }, f.func || '?'), h('span', { class: 'muted' }, ` ${f.file}:${f.line}`))),
  );
}

function goroutineLink(g: GoroutineRef, a: DetailActions): HTMLElement {
  return h('a', { href: a.goroutine(g.id), class: 'goroutine', 'data-goroutine': g.id }, `G${g.id} ${g.name || '(no stack)'}`);
}

export function spanDetail(s: SpanDetail, origin: number, a: DetailActions): HTMLElement {
  const why = s.reason ? ` (${s.reason})` : '';
  const woken = s.unblockedBy
    ? [
        h('h4', {}, 'Unblocked by ', goroutineLink(s.unblockedBy, a), ` at ${formatAt(s.end - origin)}, from`),
        stack(s.unblockStack, 'span-unblock-stack'),
      ]
    : [];
  const runtime =
    s.state === 'waiting' && !s.unblockedBy && s.unblockStack.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'No goroutine ended this wait in the trace (the runtime did — a timer, the network poller — or the trace ended first).',
        )
      : null;
  return h(
    'div',
    { class: 'span-detail', 'data-state': s.state },
    h('h3', {}, s.lane),
    h(
      'p',
      {},
      h('strong', { id: 'span-state' }, `${s.state}${why}`),
      ` · ${formatAt(s.start - origin)} → ${formatAt(s.end - origin)} (${formatNs(s.end - s.start)})`,
      s.proc === undefined ? '' : ` · on Proc ${s.proc}`,
      ' ',
      button('Zoom to it', () => a.zoom(s.start, s.end), { id: 'span-zoom' }),
    ),
    s.goroutine && !s.lane.startsWith('G') ? h('p', {}, 'Goroutine ', goroutineLink(s.goroutine, a)) : null,
    s.goroutine && s.lane.startsWith('G')
      ? h(
          'p',
          {},
          h('a', { href: a.goroutine(s.goroutine.id) }, 'This goroutine only'),
          ' · ',
          h('a', { href: a.group(s.goroutine.name) }, 'its group'),
          ' (',
          h('code', {}, s.goroutine.name || '(no stack)'),
          ')',
        )
      : null,
    h('h4', {}, STACK_TITLES[s.state] ?? 'Stack'),
    stack(s.stack, 'span-stack'),
    ...woken,
    runtime,
  );
}
