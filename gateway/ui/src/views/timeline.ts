// Timeline: the GC lane, one lane per P and one per goroutine over time, as
// `go tool trace`'s viewer shows them. The canvas is handed to the analysis
// worker (OffscreenCanvas), which holds the trace's timeline and draws only
// the lanes and window in view; this thread keeps the window (zoom, pan,
// scroll), forwards it once per frame and asks the worker what a click hit.
// Input: Ctrl/⌘ + wheel or W/S zoom at the pointer, drag, Shift + wheel or
// A/D (←/→) pan, the wheel scrolls the goroutine lanes, 0 shows the whole
// trace; a click shows the span's stack and what unblocked it.
import { closeTimeline, openTimeline, timelineHit, timelineView as drawWindow } from '../analysis-client.ts';
import type { LanePoint, TimelineLayout } from '../analysis/trace-protocol.ts';
import { button, h, notice, replace } from '../dom.ts';
import { formatNs } from '../format-time.ts';
import { nameParam, numberParam, pick, replaceQuietly } from '../state.ts';
import type { RenderedView, TraceViewContext } from '../view-context.ts';
import { spanDetail, type DetailActions } from './timeline-detail.ts';
import { Viewport } from './timeline-viewport.ts';
import { progressBox, traceSummary } from './trace-progress.ts';

const ZOOM_STEP = 0.8;
const URL_DELAY_MS = 300;

const LEGEND: readonly [string, string][] = [
  ['running', 'running'],
  ['runnable', 'runnable'],
  ['waiting', 'waiting'],
  ['syscall', 'syscall'],
  ['blocked', 'blocked in syscall'],
  ['assist', 'GC assist'],
  ['sweep', 'sweep'],
  ['mark', 'GC mark'],
  ['stw', 'stop-the-world'],
];

function filters(ctx: TraceViewContext): HTMLElement | null {
  const active: [string, string, Record<string, undefined>][] = [];
  if (ctx.params.gid !== undefined) active.push(['goroutine', `G${ctx.params.gid}`, { gid: undefined }]);
  if (ctx.params.group !== undefined) active.push(['group', ctx.params.group, { group: undefined }]);
  if (active.length === 0) return null;
  return h(
    'div',
    { class: 'chips', 'aria-label': 'Lanes shown' },
    ...active.map(([what, value, clear]) =>
      h(
        'span',
        { class: 'chip', 'data-param': what },
        `${what}=`,
        h('code', {}, value),
        button('×', () => ctx.set(clear), { 'aria-label': `show all lanes, not only ${what} ${value}` }),
      ),
    ),
  );
}

interface Parts {
  readonly canvas: HTMLCanvasElement;
  readonly scroller: HTMLElement;
  readonly spacer: HTMLElement;
  readonly tip: HTMLElement;
  readonly panel: HTMLElement;
  readonly status: HTMLElement;
}

/** Wires input to the window once the worker has drawn the first frame. */
function interact(ctx: TraceViewContext, p: Parts, layout: TimelineLayout, size: () => { width: number; height: number }): () => void {
  const v = new Viewport(layout);
  const { canvas, scroller, spacer, tip, panel, status } = p;
  let hover: LanePoint | undefined;
  let selected: LanePoint | undefined;
  let frame = 0;
  let urlTimer: number | undefined;
  let asking = false;
  const dpr = (): number => window.devicePixelRatio || 1;

  const show = (): void => {
    frame = 0;
    drawWindow({
      window: { t0: v.t0, t1: v.t1, scrollTop: v.scrollTop },
      size: { width: v.width, height: v.height, dpr: dpr() },
      hover,
      selected,
    });
    canvas.dataset.t0 = String(v.t0);
    canvas.dataset.t1 = String(v.t1);
    canvas.dataset.scrollTop = String(v.scrollTop);
    status.textContent = `${formatNs(v.t0 - layout.start)} – ${formatNs(v.t1 - layout.start)} of ${formatNs(layout.end - layout.start)} · ${layout.goroutineLanes.toLocaleString('en')} goroutine lanes`;
  };
  const redraw = (): void => {
    if (!frame) frame = requestAnimationFrame(show);
    clearTimeout(urlTimer);
    urlTimer = window.setTimeout(
      () =>
        replaceQuietly(
          ctx.href('timeline', { ...pick(ctx.params, ['group', 'gid']), t0: String(Math.floor(v.t0)), t1: String(Math.ceil(v.t1)) }),
        ),
      URL_DELAY_MS,
    );
  };
  const resize = (): void => {
    const s = size();
    v.resize(s.width, s.height);
    canvas.style.width = `${v.width}px`;
    canvas.style.height = `${v.height}px`;
    spacer.style.height = `${Math.max(0, v.contentHeight - v.height)}px`;
    redraw();
  };
  const local = (e: MouseEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const actions: DetailActions = {
    goroutine: (id) => ctx.href('timeline', { gid: String(id), t0: String(Math.floor(v.t0)), t1: String(Math.ceil(v.t1)) }),
    group: (name) => ctx.href('timeline', { group: nameParam(name), t0: String(Math.floor(v.t0)), t1: String(Math.ceil(v.t1)) }),
    zoom: (a, b) => {
      const pad = Math.max(100, (b - a) * 0.1);
      v.set(a - pad, b + pad);
      redraw();
    },
  };
  const select = (at: LanePoint | undefined): void => {
    selected = at;
    redraw();
    if (!at) {
      replace(panel, h('p', { class: 'muted' }, 'Click a span for its stack and what unblocked it.'));
      return;
    }
    void timelineHit(at).then((a) => {
      if (selected !== at) return;
      if (!a.ok) replace(panel, notice('error', 'No answer', a.message));
      else if (!a.span) replace(panel, h('p', { class: 'muted', id: 'span-none' }, 'Nothing there: click a span.'));
      else replace(panel, spanDetail(a.span, layout.start, actions));
      panel.dataset.shown = String(at.time);
    });
  };
  const hoverAt = (e: MouseEvent): void => {
    const [x, y] = local(e);
    const at = v.pointAt(x, y);
    hover = at;
    redraw();
    if (!at || asking) {
      if (!at) tip.hidden = true;
      return;
    }
    asking = true;
    void timelineHit(at).then((a) => {
      asking = false;
      if (hover !== at || !a.ok || !a.span) {
        tip.hidden = hover !== at ? tip.hidden : true;
        return;
      }
      const s = a.span;
      replace(
        tip,
        h('strong', {}, s.lane),
        h('div', {}, `${s.state}${s.reason ? ` (${s.reason})` : ''}`),
        h('div', {}, formatNs(s.end - s.start)),
      );
      tip.hidden = false;
      const r = scroller.getBoundingClientRect();
      tip.style.transform = `translate(${Math.round(Math.min(e.clientX - r.left + 14, Math.max(0, r.width - 320)))}px, ${Math.round(e.clientY - r.top + 16)}px)`;
    });
  };

  let drag: { x: number; y: number; at: LanePoint | undefined; t0: number; t1: number; top: number; moved: boolean } | undefined;
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const [x, y] = local(e);
    drag = { x: e.clientX, y: e.clientY, at: v.pointAt(x, y), t0: v.t0, t1: v.t1, top: v.scrollTop, moved: false };
    canvas.setPointerCapture(e.pointerId);
    canvas.focus({ preventScroll: true });
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) {
      hoverAt(e);
      return;
    }
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (!drag.moved) return;
    v.set(drag.t0, drag.t1);
    v.pan(-dx);
    if (dy !== 0) scroller.scrollTop = drag.top - dy;
    tip.hidden = true;
    redraw();
  });
  canvas.addEventListener('pointerup', () => {
    const d = drag;
    drag = undefined;
    if (d && !d.moved) select(d.at);
  });
  canvas.addEventListener('pointerleave', () => {
    hover = undefined;
    tip.hidden = true;
    redraw();
  });
  scroller.addEventListener(
    'wheel',
    (e) => {
      const unit = e.deltaMode === 1 ? 16 : 1;
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        v.zoom(Math.exp(e.deltaY * unit * 0.002), v.fraction(local(e)[0]));
        redraw();
      } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        v.pan((e.shiftKey ? e.deltaY : e.deltaX) * unit);
        redraw();
      }
    },
    { passive: false },
  );
  scroller.addEventListener(
    'scroll',
    () => {
      v.scrollTo(scroller.scrollTop);
      redraw();
    },
    { passive: true },
  );
  let lastX: number | undefined;
  canvas.addEventListener('mousemove', (e) => (lastX = local(e)[0]));
  const keys: Record<string, (shift: boolean) => void> = {
    w: () => v.zoom(ZOOM_STEP, lastX === undefined ? 0.5 : v.fraction(lastX)),
    s: () => v.zoom(1 / ZOOM_STEP, lastX === undefined ? 0.5 : v.fraction(lastX)),
    a: (shift) => v.pan(-v.plotWidth * (shift ? 0.5 : 0.1)),
    d: (shift) => v.pan(v.plotWidth * (shift ? 0.5 : 0.1)),
    ArrowUp: () => (scroller.scrollTop -= layout.rowHeight),
    ArrowDown: () => (scroller.scrollTop += layout.rowHeight),
    0: () => v.set(layout.start, layout.end),
    Home: () => v.set(layout.start, layout.end),
    Escape: () => select(undefined),
  };
  keys['+'] = keys['='] = keys.w!;
  keys['-'] = keys.s!;
  keys.ArrowLeft = keys.a!;
  keys.ArrowRight = keys.d!;
  canvas.addEventListener('keydown', (e) => {
    const f = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!f || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    f(e.shiftKey);
    redraw();
  });
  const zoomButtons = [
    button('+', () => (v.zoom(ZOOM_STEP), redraw()), { 'aria-label': 'zoom in', id: 'timeline-zoom-in' }),
    button('−', () => (v.zoom(1 / ZOOM_STEP), redraw()), { 'aria-label': 'zoom out', id: 'timeline-zoom-out' }),
    button('Whole trace', () => (v.set(layout.start, layout.end), redraw()), { id: 'timeline-reset' }),
  ];
  status.before(...zoomButtons);
  const ro = new ResizeObserver(resize);
  ro.observe(scroller);
  resize();
  if (layout.focusLane >= 0) {
    const top = v.reveal(layout.fixedLanes + layout.focusLane);
    if (top !== undefined) scroller.scrollTop = top;
  }
  select(undefined);
  return () => {
    ro.disconnect();
    cancelAnimationFrame(frame);
    clearTimeout(urlTimer);
  };
}

export function timelineView(ctx: TraceViewContext, body: HTMLElement, stopped: () => boolean): RenderedView {
  const canvas = h('canvas', {
    id: 'timeline-canvas',
    tabindex: 0,
    role: 'img',
    'aria-label':
      'Timeline of the GC, the Ps and the goroutines. W and S zoom, A and D pan, arrows scroll, 0 shows the whole trace; click a span for its details.',
  });
  const spacer = h('div', { class: 'timeline-spacer' });
  const scroller = h('div', { class: 'timeline-scroller', id: 'timeline-scroller' }, canvas, spacer);
  const tip = h('div', { class: 'flame-tip', role: 'tooltip', hidden: true });
  const panel = h('div', { class: 'timeline-detail', id: 'timeline-detail', 'aria-live': 'polite' });
  const status = h('span', { class: 'muted', id: 'timeline-window' });
  const progress = progressBox('Loading the trace…');
  const info = h('div', {});
  body.append(
    info,
    h('div', { class: 'timeline-bar' }, h('span', { class: 'controls' }, status), filters(ctx) ?? ''),
    h('p', { class: 'legend-swatches' }, ...LEGEND.map(([cls, label]) => h('span', { class: `swatch tl-${cls}` }, label))),
    h(
      'p',
      { class: 'hint' },
      'Ctrl/⌘ + wheel or W/S: zoom at the pointer · drag, Shift + wheel or A/D: pan · wheel: scroll the goroutines · 0: whole trace · click a span for its stack and what unblocked it.',
    ),
    progress.el,
    h('div', { class: 'flame-wrap' }, scroller, tip),
    panel,
  );
  if (typeof canvas.transferControlToOffscreen !== 'function') {
    progress.el.replaceWith(
      notice(
        'error',
        'The timeline needs OffscreenCanvas',
        'This browser cannot draw a canvas in a worker; use a current Chrome, Edge, Firefox or Safari.',
      ),
    );
    return { el: h('span', {}) };
  }
  let stop: (() => void) | undefined;
  let closed = false;
  const size = (): { width: number; height: number } => ({ width: scroller.clientWidth, height: scroller.clientHeight });
  requestAnimationFrame(() => {
    if (closed || stopped()) return;
    const s = size();
    canvas.style.width = `${s.width}px`;
    canvas.style.height = `${s.height}px`;
    const offscreen = canvas.transferControlToOffscreen();
    void openTimeline(
      {
        id: ctx.capture.id,
        pod: ctx.pod,
        canvas: offscreen,
        params: pick(ctx.params, ['group', 'gid', 't0', 't1']),
        size: { ...s, dpr: window.devicePixelRatio || 1 },
        dark: matchMedia('(prefers-color-scheme: dark)').matches,
      },
      progress.update,
    ).then((a) => {
      if (closed || stopped()) return;
      if (!a.ok) {
        progress.el.replaceWith(notice('error', a.title, a.message));
        return;
      }
      progress.el.remove();
      replace(info, traceSummary(a.info, ctx.pod), ...a.info.warnings.map((w) => notice('info', w)));
      if (a.layout.goroutineLanes === 0 && numberParam(ctx.params.gid) !== undefined)
        info.append(
          notice('empty', `No goroutine ${ctx.params.gid ?? ''} in this trace`, 'Remove the goroutine filter to see every lane.'),
        );
      Object.assign(canvas.dataset, {
        painted: '1',
        axis: String(a.layout.axisHeight),
        row: String(a.layout.rowHeight),
        gutter: String(a.layout.gutter),
        fixedLanes: String(a.layout.fixedLanes),
        lanes: String(a.layout.goroutineLanes),
        start: String(a.layout.start),
        end: String(a.layout.end),
      });
      stop = interact(ctx, { canvas, scroller, spacer, tip, panel, status }, a.layout, size);
    });
  });
  return {
    el: h('span', {}),
    dispose: () => {
      closed = true;
      stop?.();
      closeTimeline();
    },
  };
}
