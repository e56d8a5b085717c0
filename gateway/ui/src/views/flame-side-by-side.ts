// Two captures' flame graphs side by side (before and after a deploy), beside
// the diff: this capture on the left, the one chosen as `with` on the right,
// each built by the analysis worker with the same options (sample type,
// filters, search). Zooming a frame in one zooms the same frame in the other,
// found by its path of functions (src/analysis/flame-path.ts), or its deepest
// caller both have, said so; the search highlights in both. Scale: each graph
// spans the width (pprof's convention), or one scale for both (scale=shared:
// the zoomed frames' widths in proportion to their values). The URL keeps the
// zoom (zoom= a node of the left tree, or with zs=b of the right one).
import { describeTarget } from '../../../../src/api/describe.ts';
import { matchFrame } from '../../../../src/analysis/flame-path.ts';
import { valueFormatter } from '../../../../src/analysis/format.ts';
import type { FlameData, ViewAnswer } from '../analysis/protocol.ts';
import { api } from '../api.ts';
import { h, notice } from '../dom.ts';
import { ago } from '../format-ui.ts';
import { numberParam } from '../state.ts';
import type { RenderedView, ViewContext } from '../view-context.ts';
import { nameOf } from './flame-geometry.ts';
import { flameView, type FlameHandle } from './flame.ts';

/** The other capture's answer from the worker (its flame graph), by its id. */
export interface OtherFlame {
  readonly id: string;
  readonly answer: ViewAnswer;
}

type Side = 'a' | 'b';

function caption(title: string, detail: HTMLElement | string, total: string): HTMLElement {
  return h('div', { class: 'side-caption' }, h('h2', {}, title), h('p', { class: 'muted' }, detail, ' · total ', h('strong', {}, total)));
}

function scaleSelect(ctx: ViewContext): HTMLElement {
  const sel = h(
    'select',
    { id: 'side-scale', 'aria-label': 'Scale' },
    h('option', { value: '', selected: ctx.params.scale !== 'shared' }, 'each spans the width'),
    h('option', { value: 'shared', selected: ctx.params.scale === 'shared' }, 'one scale for both'),
  );
  sel.addEventListener('change', () => ctx.set({ scale: sel.value || undefined }));
  return h('label', {}, 'Scale ', sel);
}

/** Why the right-hand side has no flame graph, or its data. */
function otherData(other: OtherFlame | undefined): FlameData | HTMLElement {
  if (!other)
    return notice(
      'empty',
      'Choose a capture to compare',
      'Pick one in “Side by side with” above: a capture of the same type (before a deploy, another pod). Zooming and searching work on both.',
    );
  const a = other.answer;
  if (!a.ok) return notice('error', `Capture ${other.id} could not be read`, a.message);
  if (!a.data) return notice('empty', 'Nothing to show', `Capture ${other.id} has no samples with these options.`);
  if (a.data.view !== 'flame') return notice('error', a.data.view === 'error' ? a.data.title : 'Not a flame graph', '');
  return a.data;
}

export function flameSideBySide(ctx: ViewContext, left: FlameData, other: OtherFlame | undefined): RenderedView {
  const fmt = valueFormatter(ctx.summary.sampleType.unit, 'auto');
  const right = otherData(other);
  const leftCaption = caption(
    'This capture',
    `${ctx.capture.target.upload !== undefined && ctx.capture.namespace === '' ? `local file ${ctx.capture.target.upload}` : describeTarget(ctx.capture.namespace, ctx.capture.target)} · ${ctx.capture.id}`,
    fmt(ctx.summary.total),
  );
  if (right instanceof HTMLElement) {
    const only = flameView(ctx, left);
    return {
      el: h(
        'div',
        { class: 'side-by-side-flames' },
        h('div', { class: 'side', 'data-side': 'a' }, leftCaption, only.el),
        h('div', { class: 'side', 'data-side': 'b' }, right),
      ),
      dispose: only.dispose,
    };
  }
  const a = other!.answer as Extract<ViewAnswer, { ok: true }>;
  const data: Record<Side, FlameData> = { a: left, b: right };
  const otherSide = (s: Side): Side => (s === 'a' ? 'b' : 'a');
  // The zoom the URL names, on its side, and the same frame on the other.
  const side: Side = ctx.params.zs === 'b' ? 'b' : 'a';
  const asked = numberParam(ctx.params.zoom) ?? 0;
  const n = Number.isInteger(asked) && asked < data[side].columns.size ? asked : 0;
  const zoom: Record<Side, number> = { a: 0, b: 0 };
  zoom[side] = n;
  const first = matchFrame(data[side], n, data[otherSide(side)]);
  zoom[otherSide(side)] = first.node;
  const shared = ctx.params.scale === 'shared';
  const valueAt = (s: Side): number => Math.abs(data[s].columns.total[zoom[s]] ?? 0);
  const widthFraction = (s: Side): number => {
    if (!shared) return 1;
    const most = Math.max(valueAt('a'), valueAt('b'));
    return most > 0 ? valueAt(s) / most : 1;
  };
  const notes: Record<Side, HTMLElement> = {
    a: h('p', { class: 'side-match', hidden: true, role: 'status' }),
    b: h('p', { class: 'side-match', hidden: true, role: 'status' }),
  };
  /** Says on side s that the frame zoomed on the other side is not there in full. */
  const note = (s: Side, from: Side, fromNode: number, exact: boolean): void => {
    notes[s].hidden = exact;
    notes[s].textContent = exact
      ? ''
      : `${nameOf(data[from], fromNode)} is not in this capture at that path: zoomed to the deepest caller both have.`;
  };
  if (n > 0) note(otherSide(side), side, n, first.exact);
  const handles = {} as Record<Side, FlameHandle>;
  const make = (s: Side): FlameHandle =>
    flameView(s === 'a' ? ctx : { ...ctx, summary: a.summary }, data[s], {
      id: `flame-canvas-${s}`,
      zoom: zoom[s],
      widthFraction: () => widthFraction(s),
      onZoom: (node) => {
        const o = otherSide(s);
        const m = matchFrame(data[s], node, data[o]);
        zoom[s] = node;
        zoom[o] = m.node;
        handles[o].zoomTo(m.node);
        note(o, s, node, m.exact);
        notes[s].hidden = true;
        if (shared) handles[s].redraw();
        ctx.remember({ zoom: node > 0 ? String(node) : undefined, zs: node > 0 && s === 'b' ? 'b' : undefined });
      },
    });
  handles.a = make('a');
  handles.b = make('b');
  const rightCaption = caption('Compared with', h('span', {}, other!.id), fmt(a.summary.total));
  void api.capture(other!.id).then(
    (c) =>
      rightCaption.querySelector('p span')?.replaceChildren(`${describeTarget(c.namespace, c.target)} · ${ago(c.createdAt)} · ${c.id}`),
    () => undefined,
  );
  return {
    el: h(
      'div',
      {},
      h(
        'p',
        { class: 'hint' },
        'Zooming a frame on either side zooms the same frame (the same path of functions) on the other; the search highlights on both. ',
        scaleSelect(ctx),
      ),
      h(
        'div',
        { class: 'side-by-side-flames' },
        h('div', { class: 'side', 'data-side': 'a' }, leftCaption, notes.a, handles.a.el),
        h('div', { class: 'side', 'data-side': 'b' }, rightCaption, notes.b, handles.b.el),
      ),
    ),
    dispose: () => {
      handles.a.dispose?.();
      handles.b.dispose?.();
    },
  };
}
