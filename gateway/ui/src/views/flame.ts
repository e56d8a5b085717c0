// Flame graph on a canvas (callers above callees, root on top). Draws only
// the rows in view and the boxes at least half a pixel wide, so 100k+ nodes
// stay smooth; no DOM per node. Click zooms, the panel pivots (callers of /
// callees from a function), focuses or peeks; the search regex highlights;
// a diff is coloured red (grew) / green (shrank). Keyboard: ←/→ siblings,
// ↑ parent, ↓ heaviest child, Enter zoom, Esc reset.
import { compileRegex, exactNameRegex } from '../../../../src/analysis/regex.ts';
import { percentage } from '../../../../src/analysis/format.ts';
import { valueFormatter } from '../../../../src/analysis/format.ts';
import { button, h, notice, replace } from '../dom.ts';
import type { RenderedView, ViewContext } from '../view-context.ts';
import { ancestry, layoutFlame, nodeAt, type FlameLayout } from './flame-layout.ts';

const ROW = 18;

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

function colours(l: FlameLayout, dark: boolean): string[] {
  return l.nodes.map((n, i) => {
    if (i === 0) return dark ? '#555' : '#c8c8c8';
    if (l.delta) {
      const r = (l.delta[i] ?? 0) / (Math.abs(n.total) || 1);
      const a = Math.min(1, Math.abs(r));
      const light = dark ? 30 + 10 * (1 - a) : 88 - 38 * a;
      return r > 0.001 ? `hsl(0 75% ${light}%)` : r < -0.001 ? `hsl(120 55% ${light}%)` : dark ? '#666' : '#ddd';
    }
    const hv = hash(pkgOf(n.name));
    return `hsl(${(hv % 50) + 5} ${70 + (hv % 20)}% ${dark ? 32 + (hv % 10) : 62 + (hv % 14)}%)`;
  });
}

function searchMatches(l: FlameLayout, q: string | undefined): Uint8Array | undefined {
  if (!q) return undefined;
  const re = compileRegex('search', q);
  const m = new Uint8Array(l.nodes.length);
  const cache = new Map<string, boolean>();
  l.nodes.forEach((n, i) => {
    let hit = cache.get(n.name);
    if (hit === undefined) cache.set(n.name, (hit = re(n.name)));
    if (hit) m[i] = 1;
  });
  return m;
}

/** Sum of the totals of matched nodes that have no matched ancestor. */
function matchedTotal(l: FlameLayout, m: Uint8Array): number {
  const covered = new Uint8Array(l.nodes.length);
  let sum = 0;
  l.nodes.forEach((n, i) => {
    if (i > 0 && covered[n.parent]) covered[i] = 1;
    else if (m[i]) {
      covered[i] = 1;
      sum += Math.abs(n.total);
    }
  });
  return sum;
}

export function flameView(ctx: ViewContext): RenderedView {
  performance.mark('podprof:flame-start');
  let layout: FlameLayout;
  let matches: Uint8Array | undefined;
  try {
    layout = layoutFlame(ctx.prepared, { pivot: ctx.params.pivot, callers: ctx.params.callers === '1' }, ctx.diff);
    matches = searchMatches(layout, ctx.params.q);
  } catch (err) {
    return { el: notice('error', 'Bad regex', (err as Error).message) };
  }
  const l = layout;
  const fmt = valueFormatter(ctx.prepared.sampleType.unit, 'auto');
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const fill = colours(l, dark);
  const canvas = h('canvas', { tabindex: 0, id: 'flame-canvas', role: 'img', 'aria-label': 'Flame graph. Arrow keys move between frames, Enter zooms, Escape resets.' });
  const spacer = h('div', { class: 'flame-spacer' });
  const scroller = h('div', { class: 'flame-scroller' }, canvas, spacer);
  const tip = h('div', { class: 'flame-tip', role: 'tooltip', hidden: true });
  const panel = h('div', { class: 'flame-panel', 'aria-live': 'polite' });
  const g = canvas.getContext('2d') as CanvasRenderingContext2D;
  let zoom = 0;
  let selected = -1;
  let hover = -1;
  let width = 0;
  let height = 0;
  let charW = 7;
  let painted = false;
  let raf = 0;

  const describe = (n: number): string[] => {
    const node = l.nodes[n];
    if (!node) return [];
    const lines = [n === 0 ? (ctx.params.pivot ? `pivot ${ctx.params.pivot}` : 'root') : node.name + (node.inline ? ' (inline)' : '')];
    if (l.delta) lines.push(`change ${(l.delta[n] ?? 0) > 0 ? '+' : ''}${fmt(l.delta[n] ?? 0)} (${(l.delta[n] ?? 0) < 0 ? '-' : '+'}${percentage(l.delta[n] ?? 0, l.total).trim()} of base)`, `volume ${fmt(node.total)}`);
    else lines.push(`cum ${fmt(node.total)} (${percentage(node.total, l.total).trim()})`, `flat ${fmt(node.self)} (${percentage(node.self, l.total).trim()})`);
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
  const labelOf = (n: number): string => (n === 0 ? (ctx.params.pivot ? `pivot: ${ctx.params.pivot}` : 'root') : (l.nodes[n]?.name ?? ''));
  const colourOf = (n: number): string => (matches?.[n] ? (dark ? '#c040c0' : '#e060e0') : (fill[n] ?? '#ccc'));
  const outline = (n: number, px: number, y: number, pw: number): void => {
    if (n !== selected && n !== hover) return;
    g.strokeStyle = n === selected ? (dark ? '#fff' : '#000') : '#888';
    g.lineWidth = n === selected ? 2 : 1;
    g.strokeRect(px + 1, y + 1, Math.max(pw - 2, 1), ROW - 3);
  };
  const markPainted = (): void => {
    if (painted) return;
    painted = true;
    performance.mark('podprof:flame-painted');
    performance.measure('podprof:flame-first-paint', 'podprof:flame-start', 'podprof:flame-painted');
    canvas.dataset.painted = '1';
  };

  function draw(): void {
    raf = 0;
    const dpr = sizeCanvas();
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    g.textBaseline = 'middle';
    charW = g.measureText('M').width || 7;
    const top = scroller.scrollTop;
    const firstRow = Math.floor(top / ROW);
    const lastRow = Math.ceil((top + height) / ROW);
    const x0 = l.x[zoom] ?? 0;
    const scale = width / (l.w[zoom] || 1);
    const text = dark ? '#f2f2f2' : '#111';
    const box = (n: number, px: number, pw: number): void => {
      const d = l.nodes[n]?.depth ?? 0;
      if (d < firstRow || d > lastRow) return;
      const y = d * ROW - top;
      g.fillStyle = colourOf(n);
      g.globalAlpha = matches !== undefined && !matches[n] ? 0.35 : 1;
      g.fillRect(px, y, Math.max(pw - 0.5, 0.5), ROW - 1);
      if (pw > 3 * charW) {
        const label = labelOf(n);
        const fit = Math.floor((pw - 6) / charW);
        g.fillStyle = text;
        g.fillText(label.length > fit ? `${label.slice(0, Math.max(fit - 1, 1))}…` : label, px + 3, y + ROW / 2);
      }
      g.globalAlpha = 1;
      outline(n, px, y, pw);
    };
    for (const a of ancestry(l, zoom)) if (a !== zoom) box(a, 0, width);
    const stack = [zoom];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      const node = l.nodes[n];
      if (!node || node.depth > lastRow) continue;
      const pw = (l.w[n] ?? 0) * scale;
      if (pw < 0.5) continue;
      box(n, ((l.x[n] ?? 0) - x0) * scale, pw);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as number);
    }
    markPainted();
  }
  const redraw = (): void => {
    if (!raf) raf = requestAnimationFrame(draw);
  };

  const hitTest = (ev: MouseEvent): number => {
    const r = canvas.getBoundingClientRect();
    const depth = Math.floor((ev.clientY - r.top + scroller.scrollTop) / ROW);
    const zd = l.nodes[zoom]?.depth ?? 0;
    if (depth <= zd) return ancestry(l, zoom)[depth] ?? -1;
    const frac = (l.x[zoom] ?? 0) + ((ev.clientX - r.left) / width) * (l.w[zoom] || 1);
    return nodeAt(l, zoom, depth, frac);
  };

  const showPanel = (): void => {
    if (selected < 0) {
      replace(panel, h('span', { class: 'muted' }, 'Click a frame to zoom; its details and actions appear here.'));
      return;
    }
    const name = l.nodes[selected]?.name ?? '';
    const exact = exactNameRegex(name);
    replace(
      panel,
      h('span', { class: 'selected-frame' }, describe(selected).join(' · ')),
      button('Reset zoom', () => setZoom(0)),
      selected > 0 ? button('Callers (pivot)', () => ctx.set({ pivot: exact, callers: '1' }), { 'data-action': 'pivot-callers' }) : null,
      selected > 0 ? button('Callees (pivot)', () => ctx.set({ pivot: exact, callers: undefined }), { 'data-action': 'pivot-callees' }) : null,
      selected > 0 ? button('Focus', () => ctx.set({ f: exact })) : null,
      selected > 0 ? button('Ignore', () => ctx.set({ i: exact })) : null,
      selected > 0 ? button('Peek', () => ctx.set({ q: exact }, 'peek')) : null,
    );
  };
  const setZoom = (n: number): void => {
    zoom = n;
    selected = n;
    showPanel();
    redraw();
  };
  const select = (n: number): void => {
    if (n < 0) return;
    selected = n;
    const d = l.nodes[n]?.depth ?? 0;
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
    const node = l.nodes[cur];
    if (!node) return;
    const siblings = l.nodes[node.parent]?.children ?? [cur];
    const at = siblings.indexOf(cur);
    const target: Record<string, () => void> = {
      ArrowUp: () => select(node.parent),
      ArrowDown: () => select(node.children[0] ?? -1),
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
    `${l.nodes.length - 1} frames in ${l.maxDepth} levels`,
    matches ? ` · search matches ${fmt(matchedTotal(l, matches))} (${percentage(matchedTotal(l, matches), l.total).trim()})` : '',
    l.delta ? ' · red grew, green shrank (against the base)' : '',
  );
  const el = h('div', { class: 'flame' }, summary, panel, h('div', { class: 'flame-wrap' }, scroller, tip));
  return {
    el,
    dispose: () => {
      ro.disconnect();
      cancelAnimationFrame(raf);
      void media;
    },
  };
}
