// Flame graph on a canvas (callers above callees, root on top), from the tree
// the analysis worker built and laid out (typed arrays). Draws only the rows
// in view and the boxes at least half a pixel wide, so 100k+ nodes stay
// smooth; no DOM per node; colours are made per name, when first drawn. Click zooms, the panel pivots (callers of /
// callees from a function), focuses or peeks; the search regex highlights;
// a diff is coloured red (grew) / green (shrank). Keyboard: ←/→ siblings,
// ↑ parent, ↓ heaviest child, Enter zoom, Esc reset.
import { exactNameRegex } from '../../../../src/analysis/regex.ts';
import { fittingLabel, shortNameList } from '../../../../src/analysis/short-names.ts';
import { percentage, valueFormatter } from '../../../../src/analysis/format.ts';
import type { FlameData } from '../analysis/protocol.ts';
import { button, h, replace } from '../dom.ts';
import { numberParam } from '../state.ts';
import type { RenderedView, ViewContext } from '../view-context.ts';
import { ancestry, childrenOf, isInline, nameOf, nodeAt } from './flame-geometry.ts';

const ROW = 18;
/** The first draw fills the boxes this wide or wider first, the narrower two frames later. */
const FIRST_PX = 2;

function hash(s: string): number {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return x >>> 0;
}

function pkgOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A diff box's colour: red as it grew, green as it shrank (r: its change over its volume), grey when even. */
function diffColour(r: number, dark: boolean): string {
  const a = Math.min(1, Math.abs(r));
  const light = dark ? 30 + 10 * (1 - a) : 88 - 38 * a;
  if (r > 0.001) return `hsl(0 75% ${light}%)`;
  if (r < -0.001) return `hsl(120 55% ${light}%)`;
  return dark ? '#666' : '#ddd';
}

/** The root box's label: the pivot it stands for, or root. */
function rootLabel(pivot: string | undefined, sep: string): string {
  return pivot ? `pivot${sep} ${pivot}` : 'root';
}

/** Box colours: by package (cached per name), or for a diff by growth (red) or shrinkage (green). */
function colours(l: FlameData, dark: boolean): (n: number) => string {
  const byName: string[] = [];
  return (n) => {
    if (n === 0) return dark ? '#555' : '#c8c8c8';
    if (l.delta) {
      const r = (l.delta[n] ?? 0) / (Math.abs(l.columns.total[n] ?? 0) || 1);
      return diffColour(r, dark);
    }
    const id = (l.columns.key[n] ?? 0) >> 1;
    let colour = byName[id];
    if (colour === undefined) {
      const hv = hash(pkgOf(l.names[id] ?? ''));
      colour = byName[id] = `hsl(${(hv % 50) + 5} ${70 + (hv % 20)}% ${dark ? 32 + (hv % 10) : 62 + (hv % 14)}%)`;
    }
    return colour;
  };
}

/** A flame graph that zooms with another (two captures side by side, views/flame-side-by-side.ts). */
export interface FlameSync {
  /** The canvas's id: two flame graphs share a page. */
  readonly id: string;
  /** The zoomed frame to start from. */
  readonly zoom: number;
  /** A zoom the user made here (click, Enter, Escape, Reset): the other graph follows; the URL records it. */
  onZoom(n: number): void;
  /** The fraction of the width the zoomed frame spans (1: all of it; less: a shared scale with the other graph). */
  widthFraction(zoom: number): number;
}

export interface FlameHandle extends RenderedView {
  /** Zooms to node n as the other graph asked (no onZoom). */
  zoomTo(n: number): void;
  /** Draws again (the shared scale changed). */
  redraw(): void;
}

export function flameView(ctx: ViewContext, l: FlameData, sync?: FlameSync): FlameHandle {
  const onPage = (epochMs: number): number => epochMs - performance.timeOrigin;
  performance.mark('podprof:flame-start', { startTime: onPage(l.startedAt) });
  performance.measure('podprof:flame-build', { start: onPage(l.startedAt), end: onPage(l.builtAt) });
  performance.measure('podprof:flame-transfer', { start: onPage(l.builtAt), end: performance.now() });
  performance.mark('podprof:flame-view');
  const matches = l.matches;
  const c = l.columns;
  const fmt = valueFormatter(ctx.summary.sampleType.unit, 'auto');
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const fill = colours(l, dark);
  const canvas = h('canvas', {
    tabindex: 0,
    id: sync?.id ?? 'flame-canvas',
    role: 'img',
    'aria-label': 'Flame graph. Arrow keys move between frames, Enter zooms, Escape resets.',
  });
  const spacer = h('div', { class: 'flame-spacer' });
  const scroller = h('div', { class: 'flame-scroller' }, canvas, spacer);
  const tip = h('div', { class: 'flame-tip', role: 'tooltip', hidden: true });
  const panel = h('div', { class: 'flame-panel', 'aria-live': 'polite' });
  const g = canvas.getContext('2d') as CanvasRenderingContext2D;
  // The zoomed frame survives a search and a reload (zoom= in the URL; dropped when a filter changes the tree).
  const asked = sync ? sync.zoom : numberParam(ctx.params.zoom);
  let zoom = asked !== undefined && Number.isInteger(asked) && asked < c.size ? asked : 0;
  let selected = zoom > 0 ? zoom : -1;
  let hover = -1;
  let width = 0;
  let height = 0;
  let charW = 7;
  let painted = false;
  let raf = 0;

  const total = ctx.summary.total;
  const describe = (n: number): string[] => {
    if (n < 0 || n >= c.size) return [];
    const cum = c.total[n] as number;
    const lines = [n === 0 ? rootLabel(ctx.params.pivot, '') : nameOf(l, n) + (isInline(l, n) ? ' (inline)' : '')];
    if (l.delta)
      lines.push(
        `change ${(l.delta[n] ?? 0) > 0 ? '+' : ''}${fmt(l.delta[n] ?? 0)} (${(l.delta[n] ?? 0) < 0 ? '-' : '+'}${percentage(l.delta[n] ?? 0, total).trim()} of base)`,
        `volume ${fmt(cum)}`,
      );
    else
      lines.push(
        `cum ${fmt(cum)} (${percentage(cum, total).trim()})`,
        `flat ${fmt(c.self[n] as number)} (${percentage(c.self[n] as number, total).trim()})`,
      );
    return lines;
  };

  const sizeCanvas = (): number => {
    const dpr = window.devicePixelRatio || 1;
    width = scroller.clientWidth;
    height = Math.max(ROW, scroller.clientHeight);
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    spacer.style.height = `${Math.max(0, (l.maxDepth + 1) * ROW - height)}px`;
    return dpr;
  };
  const labelOf = (n: number): string => (n === 0 ? rootLabel(ctx.params.pivot, ':') : nameOf(l, n));
  // pprof's short forms of each name, longest first (package path dropped), made once per node drawn.
  const shortForms = new Map<number, string[]>();
  const shortLabelsOf = (n: number): string[] => {
    let forms = shortForms.get(n);
    if (!forms) shortForms.set(n, (forms = n === 0 ? [labelOf(n)] : shortNameList(labelOf(n))));
    return forms;
  };
  const matchColour = dark ? '#c040c0' : '#e060e0';
  const selectedColour = dark ? '#fff' : '#000';
  const colourOf = (n: number): string => (matches?.[n] ? matchColour : fill(n));
  const outline = (n: number, px: number, y: number, pw: number): void => {
    if (n !== selected && n !== hover) return;
    g.strokeStyle = n === selected ? selectedColour : '#888';
    g.lineWidth = n === selected ? 2 : 1;
    g.strokeRect(px + 1, y + 1, Math.max(pw - 2, 1), ROW - 3);
  };
  const markPainted = (): void => {
    if (painted) return;
    painted = true;
    performance.mark('podprof:flame-painted');
    performance.measure('podprof:flame-first-paint', 'podprof:flame-start', 'podprof:flame-painted');
    performance.measure('podprof:flame-draw', 'podprof:flame-view', 'podprof:flame-painted');
    canvas.dataset.painted = '1';
  };

  /** The boxes in rows firstRow..lastRow at least `minWidth` pixels wide, as (node, x, width) triples. */
  const span = (): number => width * Math.min(1, Math.max(0, sync?.widthFraction(zoom) ?? 1));
  const boxesInView = (firstRow: number, lastRow: number, minWidth: number): number[] => {
    const x0 = l.x[zoom] ?? 0;
    const scale = span() / (l.w[zoom] || 1);
    const boxes: number[] = [];
    const visit = (n: number, px: number, pw: number): void => {
      const d = c.depth[n] ?? 0;
      if (d >= firstRow && d <= lastRow) boxes.push(n, px, pw);
    };
    for (const a of ancestry(l, zoom)) if (a !== zoom) visit(a, 0, span());
    const stack = [zoom];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      const pw = (l.w[n] ?? 0) * scale;
      if ((c.depth[n] as number) > lastRow || pw < minWidth) continue;
      visit(n, ((l.x[n] ?? 0) - x0) * scale, pw);
      if ((c.depth[n] as number) === lastRow) continue;
      // Children come heaviest, so widest, first: the walk stops at the first one too narrow to draw.
      const from = c.childStart[n] as number;
      const end = c.childStart[n + 1] as number;
      let to = from;
      while (to < end && (l.w[c.children[to] as number] as number) * scale >= minWidth) to++;
      for (let i = to - 1; i >= from; i--) stack.push(c.children[i] as number);
    }
    return boxes;
  };
  /** Fills the boxes with one fillStyle per colour, those the search does not match dimmed. */
  const fillBoxes = (boxes: readonly number[], yOf: (n: number) => number): void => {
    for (const dim of matches ? [true, false] : [false]) {
      const byColour = new Map<string, number[]>();
      for (let i = 0; i < boxes.length; i += 3) {
        const n = boxes[i] as number;
        if (dim !== (matches !== undefined && !matches[n])) continue;
        const colour = colourOf(n);
        const list = byColour.get(colour);
        if (list) list.push(i);
        else byColour.set(colour, [i]);
      }
      g.globalAlpha = dim ? 0.35 : 1;
      for (const [colour, list] of byColour) {
        g.fillStyle = colour;
        for (const i of list)
          g.fillRect(boxes[i + 1] as number, yOf(boxes[i] as number), Math.max((boxes[i + 2] as number) - 0.5, 0.5), ROW - 1);
      }
    }
    g.globalAlpha = 1;
  };
  const labelBoxes = (boxes: readonly number[], yOf: (n: number) => number): void => {
    g.fillStyle = dark ? '#f2f2f2' : '#111';
    for (let i = 0; i < boxes.length; i += 3) {
      const n = boxes[i] as number;
      const px = boxes[i + 1] as number;
      const pw = boxes[i + 2] as number;
      if (pw > 3 * charW) {
        g.fillText(fittingLabel(shortLabelsOf(n), Math.floor((pw - 6) / charW)), px + 3, yOf(n) + ROW / 2);
      }
      outline(n, px, yOf(n), pw);
    }
  };

  // One pass collects the boxes in view; then the fills, the labels and the outlines. The first time, that work is
  // spread over three frames so that no task is long on a 257k-node tree: the boxes FIRST_PX wide or more are
  // filled, the next frame writes their labels and outlines (the first paint: a graph with its names), and the
  // one after fills the boxes between half a pixel and FIRST_PX wide (too narrow for a label). A redraw asked
  // meanwhile (scroll, resize, hover) drops the frames still to come and draws everything at once.
  const rowsInView = (): [number, number, (n: number) => number] => {
    const top = scroller.scrollTop;
    return [Math.floor(top / ROW), Math.ceil((top + height) / ROW), (n) => (c.depth[n] as number) * ROW - top];
  };
  let staged = true; // only the first draw is spread over frames
  let stageAhead = false; // raf is one of its later frames
  const then = (step: () => void): void => {
    stageAhead = true;
    raf = requestAnimationFrame(() => {
      raf = 0;
      stageAhead = false;
      step();
    });
  };
  function draw(): void {
    raf = 0;
    const first = staged;
    staged = false;
    const dpr = sizeCanvas();
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    g.textBaseline = 'middle';
    charW = g.measureText('M').width || 7;
    const [top, bottom, yOf] = rowsInView();
    const boxes = boxesInView(top, bottom, first ? FIRST_PX : 0.5);
    fillBoxes(boxes, yOf);
    if (!first) {
      labelBoxes(boxes, yOf);
      markPainted();
      return;
    }
    then(() => {
      labelBoxes(boxes, yOf);
      markPainted();
      then(drawThin);
    });
  }
  function drawThin(): void {
    const [top, bottom, yOf] = rowsInView();
    const all = boxesInView(top, bottom, 0.5);
    const thin: number[] = [];
    for (let i = 0; i < all.length; i += 3)
      if ((all[i + 2] as number) < FIRST_PX) thin.push(all[i] as number, all[i + 1] as number, all[i + 2] as number);
    fillBoxes(thin, yOf);
    for (let i = 0; i < thin.length; i += 3)
      outline(thin[i] as number, thin[i + 1] as number, yOf(thin[i] as number), thin[i + 2] as number);
  }
  const redraw = (): void => {
    if (stageAhead) {
      cancelAnimationFrame(raf);
      raf = 0;
      stageAhead = false;
    }
    if (!raf) raf = requestAnimationFrame(draw);
  };

  const hitTest = (ev: MouseEvent): number => {
    const r = canvas.getBoundingClientRect();
    const depth = Math.floor((ev.clientY - r.top + scroller.scrollTop) / ROW);
    const zd = c.depth[zoom] ?? 0;
    if (depth <= zd) return ancestry(l, zoom)[depth] ?? -1;
    const across = (ev.clientX - r.left) / (span() || 1);
    if (across >= 1) return -1;
    const frac = (l.x[zoom] ?? 0) + across * (l.w[zoom] || 1);
    return nodeAt(l, zoom, depth, frac);
  };

  const showPanel = (): void => {
    if (selected < 0) {
      replace(panel, h('span', { class: 'muted' }, 'Click a frame to zoom; its details and actions appear here.'));
      return;
    }
    const name = nameOf(l, selected);
    const exact = exactNameRegex(name);
    replace(
      panel,
      h('span', { class: 'selected-frame' }, describe(selected).join(' · ')),
      button('Reset zoom', () => setZoom(0)),
      selected > 0 ? button('Callers (pivot)', () => ctx.set({ pivot: exact, callers: '1' }), { 'data-action': 'pivot-callers' }) : null,
      selected > 0
        ? button('Callees (pivot)', () => ctx.set({ pivot: exact, callers: undefined }), { 'data-action': 'pivot-callees' })
        : null,
      selected > 0 ? button('Focus', () => ctx.set({ f: exact })) : null,
      selected > 0 ? button('Ignore', () => ctx.set({ i: exact })) : null,
      selected > 0 ? button('Peek', () => ctx.set({ q: exact }, 'peek')) : null,
    );
  };
  const zoomTo = (n: number): void => {
    zoom = n;
    selected = n;
    showPanel();
    redraw();
  };
  const setZoom = (n: number): void => {
    zoomTo(n);
    if (sync) sync.onZoom(n);
    else ctx.remember({ zoom: n > 0 ? String(n) : undefined });
  };
  const select = (n: number): void => {
    if (n < 0) return;
    selected = n;
    const d = c.depth[n] ?? 0;
    if (d * ROW < scroller.scrollTop || (d + 1) * ROW > scroller.scrollTop + height) scroller.scrollTop = Math.max(0, d * ROW - height / 2);
    showPanel();
    redraw();
  };

  canvas.addEventListener('mousemove', (ev) => {
    const n = hitTest(ev);
    if (n !== hover) {
      hover = n;
      redraw();
    }
    if (n < 0) {
      tip.hidden = true;
      return;
    }
    replace(tip, ...describe(n).map((line, i) => h(i === 0 ? 'strong' : 'div', {}, line)));
    tip.hidden = false;
    const r = scroller.getBoundingClientRect();
    const left = Math.min(ev.clientX - r.left + 14, Math.max(0, r.width - 360));
    tip.style.transform = `translate(${Math.round(left)}px, ${Math.round(ev.clientY - r.top + 16)}px)`;
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
    hover = -1;
    redraw();
  });
  canvas.addEventListener('click', (ev) => {
    const n = hitTest(ev);
    if (n >= 0) setZoom(n);
  });
  canvas.addEventListener('keydown', (ev) => {
    const cur = selected < 0 ? zoom : selected;
    const parent = c.parent[cur] ?? -1;
    const siblings = parent < 0 ? Int32Array.of(cur) : childrenOf(l, parent);
    const at = siblings.indexOf(cur);
    const target: Record<string, () => void> = {
      ArrowUp: () => select(parent),
      ArrowDown: () => select(childrenOf(l, cur)[0] ?? -1),
      ArrowLeft: () => select(siblings[at - 1] ?? -1),
      ArrowRight: () => select(siblings[at + 1] ?? -1),
      Enter: () => setZoom(cur),
      Escape: () => setZoom(0),
    };
    const f = target[ev.key];
    if (f) {
      ev.preventDefault();
      f();
    }
  });
  scroller.addEventListener('scroll', redraw, { passive: true });
  const ro = new ResizeObserver(redraw);
  ro.observe(scroller);
  const media = matchMedia('(prefers-color-scheme: dark)');
  showPanel();

  const summary = h(
    'p',
    { class: 'muted' },
    `${c.size - 1} frames in ${l.maxDepth} levels`,
    matches ? ` · search matches ${fmt(l.matchedTotal)} (${percentage(l.matchedTotal, total).trim()})` : '',
    l.delta ? ' · red grew, green shrank (against the base)' : '',
  );
  const el = h('div', { class: 'flame' }, summary, panel, h('div', { class: 'flame-wrap' }, scroller, tip));
  return {
    el,
    zoomTo,
    redraw,
    dispose: () => {
      ro.disconnect();
      cancelAnimationFrame(raf);
      void media;
    },
  };
}
