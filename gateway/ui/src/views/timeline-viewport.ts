// The timeline's window on the page: which stretch of time is shown and how
// far down the goroutine lanes, with zooming at a point, panning, and what
// lane and time a point of the canvas stands for. Pure arithmetic over the
// layout the worker sent; no DOM.
import type { LanePoint, TimelineLayout } from '../analysis/trace-protocol.ts';

/** The shortest window: a few hundred ns is finer than any trace clock. */
export const MIN_WINDOW_NS = 200;
/** How far (CSS px) from a span a click still picks it. */
export const SLACK_PX = 3;

export class Viewport {
  t0: number;
  t1: number;
  scrollTop = 0;
  width = 1;
  height = 1;

  constructor(readonly layout: TimelineLayout) {
    this.t0 = layout.t0;
    this.t1 = layout.t1;
    this.clamp();
  }

  get plotWidth(): number {
    return Math.max(1, this.width - this.layout.gutter);
  }

  /** ns per CSS pixel. */
  get nsPerPx(): number {
    return (this.t1 - this.t0) / this.plotWidth;
  }

  /** The height of every lane, for the scroller. */
  get contentHeight(): number {
    const l = this.layout;
    return l.axisHeight + (l.fixedLanes + l.goroutineLanes) * l.rowHeight;
  }

  private clamp(): void {
    const full = Math.max(MIN_WINDOW_NS, this.layout.end - this.layout.start);
    const span = Math.min(full, Math.max(MIN_WINDOW_NS, this.t1 - this.t0));
    const t0 = Math.min(Math.max(this.t0, this.layout.start), this.layout.start + full - span);
    this.t0 = t0;
    this.t1 = t0 + span;
    this.scrollTop = Math.min(Math.max(0, this.scrollTop), Math.max(0, this.contentHeight - this.height));
  }

  /** Zooms by `factor` (< 1 in, > 1 out) keeping the time at plot fraction `at` where it is. */
  zoom(factor: number, at = 0.5): void {
    const t = this.t0 + at * (this.t1 - this.t0);
    const span = (this.t1 - this.t0) * factor;
    this.t0 = t - at * span;
    this.t1 = this.t0 + span;
    this.clamp();
  }

  /** Moves the window by `px` CSS pixels of time (positive: later). */
  pan(px: number): void {
    const d = px * this.nsPerPx;
    this.t0 += d;
    this.t1 += d;
    this.clamp();
  }

  scrollTo(top: number): void {
    this.scrollTop = top;
    this.clamp();
  }

  set(t0: number, t1: number): void {
    this.t0 = t0;
    this.t1 = t1;
    this.clamp();
  }

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.clamp();
  }

  /** The plot fraction of an x on the canvas (0 at the gutter's edge). */
  fraction(x: number): number {
    return Math.min(1, Math.max(0, (x - this.layout.gutter) / this.plotWidth));
  }

  /** The lane and time at a point of the canvas (CSS px from its top left), or undefined off the lanes. */
  pointAt(x: number, y: number): LanePoint | undefined {
    const l = this.layout;
    if (x < l.gutter || y < l.axisHeight) return undefined;
    const fixedBottom = l.axisHeight + l.fixedLanes * l.rowHeight;
    const lane =
      y < fixedBottom
        ? Math.floor((y - l.axisHeight) / l.rowHeight)
        : l.fixedLanes + Math.floor((y - fixedBottom + this.scrollTop) / l.rowHeight);
    if (lane >= l.fixedLanes + l.goroutineLanes) return undefined;
    return { lane, time: this.t0 + this.fraction(x) * (this.t1 - this.t0), slack: SLACK_PX * this.nsPerPx };
  }

  /** The scrollTop that brings a goroutine lane into view (undefined: it is in view). */
  reveal(lane: number): number | undefined {
    const l = this.layout;
    const top = (lane - l.fixedLanes) * l.rowHeight;
    const room = this.height - l.axisHeight - l.fixedLanes * l.rowHeight;
    if (top >= this.scrollTop && top + l.rowHeight <= this.scrollTop + room) return undefined;
    return Math.max(0, top - room / 2);
  }
}
