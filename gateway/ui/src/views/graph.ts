// Graph: pprof's pruned call graph (n nodes, nf, ef), as DOT laid out by
// Graphviz in a Web Worker (cancellable), then shown as sanitized SVG. Click
// a node for its actions.
import type { CallGraph } from '../../../../src/analysis/callgraph.ts';
import { exactNameRegex } from '../../../../src/analysis/regex.ts';
import { button, h, notice, replace } from '../dom.ts';
import { MAX_GRAPH_NODES, type GraphData } from '../analysis/protocol.ts';
import { numberParam } from '../state.ts';
import { legend } from '../toolbar.ts';
import type { RenderedView, ViewContext } from '../view-context.ts';
import { callGraphDot } from './dot.ts';
import { sanitizeSvg } from './sanitize-svg.ts';

function nodeActions(ctx: ViewContext, g: CallGraph, i: number): HTMLElement[] {
  const n = g.nodes[i];
  if (!n) return [];
  const exact = exactNameRegex(n.name);
  return [
    h('span', { class: 'selected-frame' }, `${n.name} · flat ${n.flatText} (${n.flatPct}) · cum ${n.cumText} (${n.cumPct})`),
    button('Focus', () => ctx.set({ f: exact })),
    button('Ignore', () => ctx.set({ i: exact })),
    button('Hide', () => ctx.set({ h: exact })),
    button('Peek', () => ctx.set({ q: exact }, 'peek')),
    button('Flame graph callers', () => ctx.set({ pivot: exact, callers: '1' }, 'flame')),
  ];
}

/**
 * Graphviz sized each box for its text in Helvetica's metrics; where the browser's font is wider, the
 * line is squeezed to the box (textLength) instead of spilling over its border.
 */
function fitLabels(svg: SVGSVGElement): void {
  for (const node of svg.querySelectorAll('g.node')) {
    const box = node.querySelector<SVGGraphicsElement>('polygon, ellipse, path');
    if (!box) continue;
    const room = box.getBBox().width - 6;
    for (const t of node.querySelectorAll('text')) {
      if (room > 0 && t.getComputedTextLength() > room) {
        t.setAttribute('textLength', room.toFixed(1));
        t.setAttribute('lengthAdjust', 'spacingAndGlyphs');
      }
    }
  }
}

export function graphView(ctx: ViewContext, { graph: g, matches }: GraphData): RenderedView {
  const asked = numberParam(ctx.params.n);
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const dot = callGraphDot(g, g.legend, dark, matches);
  const status = h('div', { class: 'graph-status', 'aria-live': 'polite' });
  const canvas = h('div', { class: 'graph-canvas', id: 'graph-svg' });
  const panel = h('div', { class: 'flame-panel' }, h('span', { class: 'muted' }, 'Click a node for its actions.'));
  // The SVG's size in CSS pixels (Graphviz writes points); first shown whole, fitted to the canvas, never enlarged.
  let scale = 1;
  let svg: SVGSVGElement | undefined;
  const naturalSize = (): [number, number] => {
    const pt = (a: string): number => Number.parseFloat(svg?.getAttribute(a) ?? '0') * (4 / 3);
    return [pt('width'), pt('height')];
  };
  const fit = (): void => {
    const [w, h] = naturalSize();
    if (w <= 0 || h <= 0) return;
    scale = Math.min(1, (canvas.clientWidth - 2) / w, (canvas.clientHeight - 2) / h);
  };
  const applyScale = (): void => {
    if (!svg) return;
    const [w, h] = naturalSize();
    if (w > 0 && h > 0) {
      svg.style.width = `${Math.round(w * scale)}px`;
      svg.style.height = `${Math.round(h * scale)}px`;
    }
    canvas.dataset.scale = scale.toFixed(3);
  };
  const worker = new Worker(new URL('./graph-worker.ts', import.meta.url), { type: 'module' });
  const started = performance.now();
  let done = false;
  const finish = (): void => {
    done = true;
    worker.terminate();
  };
  replace(
    status,
    `Laying out ${g.nodes.length} nodes and ${g.edges.length} edges… `,
    button(
      'Cancel',
      () => {
        finish();
        replace(status, notice('info', 'Layout cancelled', 'Lower the node count (n) or add a focus filter, then open the graph again.'));
      },
      { id: 'graph-cancel' },
    ),
  );
  worker.addEventListener('message', (e: MessageEvent<{ svg?: string; error?: string }>) => {
    finish();
    if (e.data.error !== undefined || e.data.svg === undefined) {
      replace(status, notice('error', 'Graphviz failed', e.data.error ?? 'no output'));
      return;
    }
    svg = sanitizeSvg(e.data.svg);
    if (!svg) {
      replace(status, notice('error', 'Graphviz gave no SVG'));
      return;
    }
    replace(canvas, svg);
    fitLabels(svg);
    fit();
    applyScale();
    canvas.dataset.rendered = '1';
    replace(
      status,
      h(
        'span',
        { class: 'muted' },
        `${g.nodes.length} nodes, ${g.edges.length} edges, laid out in ${Math.round(performance.now() - started)} ms`,
      ),
      matches.length > 0 ? h('span', { class: 'graph-matches' }, `${matches.length} nodes match the search`) : null,
      button('−', () => ((scale /= 1.25), applyScale()), { 'aria-label': 'zoom out' }),
      button('+', () => ((scale *= 1.25), applyScale()), { 'aria-label': 'zoom in' }),
      button('Fit', () => (fit(), applyScale()), { 'aria-label': 'fit to the window', id: 'graph-fit' }),
    );
  });
  worker.addEventListener('error', (e) => {
    finish();
    replace(status, notice('error', 'The layout worker failed', e.message));
  });
  worker.postMessage({ dot });
  canvas.addEventListener('click', (e) => {
    const node = (e.target as Element).closest('g.node');
    const title = node?.querySelector('title')?.textContent ?? '';
    const m = /^N(\d+)$/.exec(title);
    if (m) replace(panel, ...nodeActions(ctx, g, Number(m[1])));
  });
  const note =
    asked !== undefined && (asked > MAX_GRAPH_NODES || asked === 0)
      ? notice(
          'info',
          `Showing at most ${MAX_GRAPH_NODES} nodes`,
          'Graphviz slows down sharply past a few hundred nodes; focus on a part of the profile to see more of it.',
        )
      : null;
  return {
    el: h('div', { class: 'graph' }, legend(g.legend), note, status, panel, canvas),
    dispose: () => {
      if (!done) finish();
    },
  };
}
