// Draws the timeline on a 2D canvas context (the worker's OffscreenCanvas):
// the time axis, the GC lane, one lane per P and the goroutine lanes in view,
// each lane only over the window shown. Spans are walked from the first one
// in the window (a binary search) and merged per pixel: adjacent pixels of
// one colour become one rectangle, and a pixel several spans share takes the
// colour of the most telling one (running over waiting), so a zoomed-out lane
// of 100k spans costs at most a rectangle per pixel. Rectangles are filled a
// colour at a time. Stop-the-world pauses shade every lane.
import { firstEndingAfter, spanBounds } from './timeline-hit.ts';
import type { TimelineModel } from './timeline-model.ts';
import { chrome, COLOUR, COLOURS, goroutineColour, palette, type Swatch } from './timeline-palette.ts';
import { formatTick, tickStep } from '../format-time.ts';

export const GEOMETRY = { axis: 24, row: 18, gutter: 200 } as const;

type Ctx = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

export interface LanePoint {
  readonly lane: number;
  readonly time: number;
  readonly slack: number;
}

export interface Frame {
  readonly t0: number;
  readonly t1: number;
  readonly scrollTop: number;
  /** CSS pixels. */
  readonly width: number;
  readonly height: number;
  readonly hover: LanePoint | undefined;
  readonly selected: LanePoint | undefined;
}

export interface Look {
  readonly swatches: readonly Swatch[];
  readonly chrome: ReturnType<typeof chrome>;
}

export const look = (dark: boolean): Look => ({ swatches: palette(dark), chrome: chrome(dark) });

/** Rectangles by colour, filled one colour at a time. */
class Batch {
  private readonly rects: number[][] = Array.from({ length: COLOURS }, () => []);

  push(c: number, x: number, y: number, w: number, h: number): void {
    this.rects[c]!.push(x, y, w, h);
  }

  fill(g: Ctx, swatches: readonly Swatch[]): void {
    this.rects.forEach((r, c) => {
      if (r.length === 0) return;
      g.fillStyle = swatches[c]!.fill;
      g.beginPath();
      for (let i = 0; i < r.length; i += 4) g.rect(r[i]!, r[i + 1]!, r[i + 2]!, r[i + 3]!);
      g.fill();
      r.length = 0;
    });
  }
}

/** One lane's spans as runs of whole pixels: a run grows while its colour holds, a shared pixel goes to the higher priority. */
class Runs {
  private x0 = 0;
  private x1 = 0;
  private c = -1;
  private y = 0;

  constructor(
    private readonly batch: Batch,
    private readonly swatches: readonly Swatch[],
    private readonly inner: number,
  ) {}

  lane(y: number): void {
    this.flush();
    this.y = y;
  }

  add(px0: number, px1: number, c: number): void {
    if (this.c < 0 || px0 >= this.x1) {
      this.flush();
      this.start(px0, px1, c);
    } else if (c === this.c) {
      if (px1 > this.x1) this.x1 = px1;
    } else if (this.swatches[c]!.priority > this.swatches[this.c]!.priority) {
      if (px0 > this.x0) {
        this.x1 = px0;
        this.flush();
      }
      this.start(px0, px1, c);
    } else if (px1 > this.x1) {
      const from = this.x1;
      this.flush();
      this.start(from, px1, c);
    }
  }

  private start(x0: number, x1: number, c: number): void {
    this.x0 = x0;
    this.x1 = x1;
    this.c = c;
  }

  flush(): void {
    if (this.c < 0) return;
    const s = this.swatches[this.c]!;
    this.batch.push(this.c, this.x0, this.y + s.top * this.inner, this.x1 - this.x0, Math.max(1, s.height * this.inner));
    this.c = -1;
  }
}

interface Span {
  readonly order: Uint32Array;
  readonly lo: number;
  readonly hi: number;
  readonly start: Float64Array;
  readonly end: Float64Array;
  colour(s: number): number;
}

class Painter {
  readonly batch = new Batch();
  readonly runs: Runs;
  readonly scale: number;
  readonly left: number;
  readonly right: number;

  constructor(
    readonly f: Frame,
    readonly look: Look,
  ) {
    this.runs = new Runs(this.batch, look.swatches, GEOMETRY.row - 2);
    this.left = GEOMETRY.gutter;
    this.right = Math.max(this.left + 1, f.width);
    this.scale = (this.right - this.left) / Math.max(1, f.t1 - f.t0);
  }

  x(t: number): number {
    const x = this.left + (t - this.f.t0) * this.scale;
    if (x < this.left) return this.left;
    return x > this.right ? this.right : x;
  }

  /** Spans of order[lo..hi) in the window, on the lane at y. */
  lane(y: number, s: Span): void {
    const { t0, t1 } = this.f;
    this.runs.lane(y + 1);
    for (let k = firstEndingAfter(s.order, s.lo, s.hi, s.end, t0); k < s.hi; k++) {
      const i = s.order[k]!;
      const a = s.start[i]!;
      if (a >= t1) break;
      const px0 = Math.floor(this.x(a));
      const px1 = Math.floor(this.x(s.end[i]!));
      this.runs.add(px0, px1 > px0 ? px1 : px0 + 1, s.colour(i));
    }
    this.runs.flush();
  }
}

const all = (list: Uint32Array): Pick<Span, 'order' | 'lo' | 'hi'> => ({ order: list, lo: 0, hi: list.length });

function fixedLanes(p: Painter, m: TimelineModel): void {
  const tl = m.tl;
  const { axis, row } = GEOMETRY;
  const gc = { start: tl.gc.start, end: tl.gc.end };
  p.lane(axis, { ...all(m.marks), ...gc, colour: () => COLOUR.Mark });
  p.lane(axis, { ...all(m.stws), ...gc, colour: () => COLOUR.STW });
  const procs = { start: tl.procs.start, end: tl.procs.end, colour: (s: number) => m.procColour[s]! };
  for (let k = 0; k < tl.procIds.length; k++) {
    const y = axis + (k + 1) * row;
    p.lane(y, { order: tl.procSpans, lo: tl.procFirst[k]!, hi: tl.procFirst[k + 1]!, ...procs });
    const sweeps = m.sweeps.get(tl.procIds[k]!);
    if (sweeps) p.lane(y, { ...all(sweeps), ...gc, colour: () => COLOUR.Sweep });
  }
}

/** The goroutine lanes in view, as [first, last) lane indexes among the goroutine lanes. */
export function visibleGoroutineLanes(m: TimelineModel, f: Frame): [number, number] {
  const top = GEOMETRY.axis + (m.tl.procIds.length + 1) * GEOMETRY.row;
  const first = Math.max(0, Math.floor(f.scrollTop / GEOMETRY.row));
  const last = Math.min(m.lanes.length, Math.ceil((f.scrollTop + Math.max(0, f.height - top)) / GEOMETRY.row));
  return [first, Math.max(first, last)];
}

/** The y of a lane's top on the canvas (a goroutine lane may be scrolled out of view). */
export function laneY(m: TimelineModel, lane: number, scrollTop: number): number {
  const fixed = m.tl.procIds.length + 1;
  if (lane < fixed) return GEOMETRY.axis + lane * GEOMETRY.row;
  return GEOMETRY.axis + fixed * GEOMETRY.row + (lane - fixed) * GEOMETRY.row - scrollTop;
}

function goroutineLanes(p: Painter, m: TimelineModel, g: Ctx): void {
  const tl = m.tl;
  const [first, last] = visibleGoroutineLanes(m, p.f);
  const fixed = tl.procIds.length + 1;
  const own = { start: tl.goroutines.start, end: tl.goroutines.end, colour: (s: number) => goroutineColour(tl.goroutines.kind[s]!) };
  const gc = { start: tl.gc.start, end: tl.gc.end, colour: () => COLOUR.Assist };
  if (m.focus >= first && m.focus < last) {
    g.fillStyle = p.look.chrome.gutter;
    g.fillRect(GEOMETRY.gutter, laneY(m, fixed + m.focus, p.f.scrollTop), p.right - GEOMETRY.gutter, GEOMETRY.row);
  }
  for (let i = first; i < last; i++) {
    const k = m.lanes[i]!;
    const y = laneY(m, fixed + i, p.f.scrollTop);
    p.lane(y, { order: tl.goroutineSpans, lo: tl.goroutineFirst[k]!, hi: tl.goroutineFirst[k + 1]!, ...own });
    const assists = m.assists.get(tl.goroutineIds[k]!);
    if (assists) p.lane(y, { ...all(assists), ...gc });
  }
  p.batch.fill(g, p.look.swatches);
}

function stwShade(p: Painter, m: TimelineModel, g: Ctx): void {
  const gc = m.tl.gc;
  g.fillStyle = p.look.chrome.stw;
  for (let k = firstEndingAfter(m.stws, 0, m.stws.length, gc.end, p.f.t0); k < m.stws.length; k++) {
    const s = m.stws[k]!;
    if (gc.start[s]! >= p.f.t1) break;
    const x0 = p.x(gc.start[s]!);
    g.fillRect(x0, GEOMETRY.axis, Math.max(1, p.x(gc.end[s]!) - x0), p.f.height - GEOMETRY.axis);
  }
}

function axis(p: Painter, m: TimelineModel, g: Ctx): void {
  const { t0, t1, width } = p.f;
  const c = p.look.chrome;
  g.fillStyle = c.bg;
  g.fillRect(0, 0, width, GEOMETRY.axis);
  const step = tickStep(t1 - t0, (p.right - p.left) / 90);
  g.strokeStyle = c.line;
  g.fillStyle = c.muted;
  g.textBaseline = 'middle';
  g.beginPath();
  for (let t = Math.ceil((t0 - m.start) / step) * step + m.start; t <= t1; t += step) {
    const x = Math.round(p.x(t)) + 0.5;
    g.moveTo(x, GEOMETRY.axis - 6);
    g.lineTo(x, GEOMETRY.axis);
    g.fillText(formatTick(t - m.start, step), x + 3, GEOMETRY.axis / 2);
  }
  g.moveTo(0, GEOMETRY.axis - 0.5);
  g.lineTo(width, GEOMETRY.axis - 0.5);
  g.stroke();
}

const truncated = new Map<string, string>();

function fit(g: Ctx, label: string, width: number): string {
  const key = `${width}\u0000${label}`;
  let out = truncated.get(key);
  if (out !== undefined) return out;
  out = label;
  if (g.measureText(label).width > width) {
    let n = label.length;
    while (n > 1 && g.measureText(`${label.slice(0, n)}…`).width > width) n--;
    out = `${label.slice(0, n)}…`;
  }
  if (truncated.size > 10_000) truncated.clear();
  truncated.set(key, out);
  return out;
}

function gutter(p: Painter, m: TimelineModel, g: Ctx): void {
  const { axis: top, row, gutter: w } = GEOMETRY;
  const c = p.look.chrome;
  g.fillStyle = c.gutter;
  g.fillRect(0, top, w, p.f.height - top);
  g.fillStyle = c.text;
  g.textBaseline = 'middle';
  const label = (text: string, y: number): void => void g.fillText(fit(g, text, w - 10), 6, y + row / 2);
  const fixed = m.tl.procIds.length + 1;
  const [first, last] = visibleGoroutineLanes(m, p.f);
  for (let i = first; i < last; i++) label(m.laneLabels[i]!, laneY(m, fixed + i, p.f.scrollTop));
  g.fillStyle = c.gutter;
  g.fillRect(0, top, w, fixed * row);
  g.fillStyle = c.text;
  label('GC', top);
  m.tl.procIds.forEach((id, k) => label(`Proc ${id}`, top + (k + 1) * row));
  g.strokeStyle = c.line;
  g.beginPath();
  g.moveTo(0, top + fixed * row - 0.5);
  g.lineTo(p.f.width, top + fixed * row - 0.5);
  g.moveTo(w - 0.5, top);
  g.lineTo(w - 0.5, p.f.height);
  g.stroke();
}

function outline(p: Painter, m: TimelineModel, g: Ctx, at: LanePoint | undefined, width: number): void {
  if (!at) return;
  const b = spanBounds(m, at.lane, at.time, at.slack);
  if (!b) return;
  const y = laneY(m, at.lane, p.f.scrollTop);
  const fixedBottom = GEOMETRY.axis + (m.tl.procIds.length + 1) * GEOMETRY.row;
  if (at.lane > m.tl.procIds.length && y < fixedBottom) return;
  const x0 = p.x(b[0]);
  g.strokeStyle = p.look.chrome.outline;
  g.lineWidth = width;
  g.strokeRect(Math.round(x0) + 0.5, y + 0.5, Math.max(2, Math.round(p.x(b[1]) - x0)), GEOMETRY.row - 1);
  g.lineWidth = 1;
}

export function drawTimeline(g: Ctx, m: TimelineModel, f: Frame, l: Look): void {
  const p = new Painter(f, l);
  g.fillStyle = l.chrome.bg;
  g.fillRect(0, 0, f.width, f.height);
  g.font = '11.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  goroutineLanes(p, m, g);
  // The fixed lanes cover goroutine lanes scrolled up under them.
  g.fillStyle = l.chrome.bg;
  g.fillRect(0, GEOMETRY.axis, f.width, (m.tl.procIds.length + 1) * GEOMETRY.row);
  fixedLanes(p, m);
  p.batch.fill(g, l.swatches);
  stwShade(p, m, g);
  gutter(p, m, g);
  axis(p, m, g);
  outline(p, m, g, f.selected, 2);
  outline(p, m, g, f.hover, 1);
}
