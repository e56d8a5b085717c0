// The analysis worker's execution-trace side, loaded (a chunk of its own) the
// first time a trace is asked for: each trace view's data from the parsed
// trace, pods side by side from goroutines.json, a blocking profile computed
// from the trace when the gateway derived none, and the timeline, drawn here
// on the page's OffscreenCanvas so the page's thread only forwards input.
import { fromPprof } from '../../../../src/analysis/from-pprof.ts';
import type { ProfileModel } from '../../../../src/analysis/model.ts';
import { tracePprof, type TracePprofKind } from '../../../../src/trace/pprof.ts';
import { timeline, type Timeline } from '../../../../src/trace/timeline.ts';
import { derivedUrl, fetchOk } from '../api.ts';
import { numberParam, type ParamState } from '../state.ts';
import { compareData, readGoroutinesJson } from './pod-comparison.ts';
import type { Progress, WorkerRequest } from './protocol.ts';
import { drawTimeline, GEOMETRY, look, type Frame, type LanePoint, type Look } from './timeline-draw.ts';
import { describeSpan } from './timeline-hit.ts';
import { timelineModel, type TimelineModel } from './timeline-model.ts';
import { goroutineList, groupsData } from './trace-goroutines.ts';
import { mmuData } from './trace-mmu.ts';
import type { CanvasSize, HitAnswer, TimelineAnswer, TimelineOpen, TraceAnswer, TraceRequest, TraceViewData } from './trace-protocol.ts';
import { tasksData } from './trace-tasks.ts';
import { loadTrace, traceFailure, type LoadedTrace } from './traces.ts';

export interface Reply {
  answer(body: unknown, transfer?: Transferable[]): void;
  progress(p: Progress): void;
}

const now = (): number => performance.timeOrigin + performance.now();

async function traceView(r: TraceRequest, reply: Reply): Promise<[TraceAnswer, Transferable[]]> {
  if (r.view === 'compare') {
    const json: unknown = await (await fetchOk(derivedUrl(r.id, 'goroutines.json'))).json();
    return [{ ok: true, info: undefined, data: compareData(readGoroutinesJson(json), r.params.metric) }, []];
  }
  const t = await loadTrace(r.id, r.pod, (p) => reply.progress(p));
  let data: TraceViewData;
  if (r.view === 'tasks') data = tasksData(t.trace, t.summary, t.memo, r.params);
  else if (r.view === 'mmu') data = mmuData(t.trace, t.memo, r.params);
  else if (r.params.group !== undefined) data = goroutineList(t.summary, r.params.group, r.params.sort, t.trace.time[0] ?? 0);
  else data = groupsData(t.summary, t.memo, r.params.sort);
  const transfer = data.view === 'goroutines' && data.kind === 'list' ? [data.ids.buffer, data.values.buffer] : [];
  return [{ ok: true, info: t.info, data }, transfer as Transferable[]];
}

/** A blocking profile computed from a capture's trace.out (a capture stored before the gateway derived its profiles). */
export async function traceProfileModel(id: string, kind: TracePprofKind): Promise<ProfileModel> {
  const t = await loadTrace(id, undefined, () => undefined);
  return fromPprof(tracePprof(t.trace, kind, t.summary));
}

// The timeline: one at a time (the page shows one).

interface Active {
  readonly g: OffscreenCanvasRenderingContext2D;
  readonly canvas: OffscreenCanvas;
  readonly model: TimelineModel;
  readonly look: Look;
  frame: Frame;
  size: CanvasSize;
  scheduled: boolean;
}

let active: Active | undefined;
const FRAME = 'podprof:timeline-frame';

function timelineOf(t: LoadedTrace, reply: Reply): Timeline {
  let tl = t.memo.get('timeline') as Timeline | undefined;
  if (!tl) {
    reply.progress({ stage: 'timeline' });
    t.memo.set('timeline', (tl = timeline(t.trace)));
  }
  return tl;
}

/** Draws the active window; each draw after the first is the worker's podprof:timeline-frame measure (the latest only). */
function paint(a: Active): void {
  a.scheduled = false;
  const start = performance.now();
  const { width, height, dpr } = a.size;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (a.canvas.width !== w || a.canvas.height !== h) {
    a.canvas.width = w;
    a.canvas.height = h;
  }
  a.g.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawTimeline(a.g, a.model, a.frame, a.look);
  if (active !== a) return;
  performance.clearMeasures(FRAME);
  performance.measure(FRAME, { start, end: performance.now() });
}

function schedule(a: Active): void {
  if (a.scheduled) return;
  a.scheduled = true;
  const next = (): void => {
    if (active === a) paint(a);
  };
  if (typeof self.requestAnimationFrame === 'function') self.requestAnimationFrame(next);
  else setTimeout(next, 16);
}

/** The window first shown: the URL's, else the goroutine's life (gid), else the whole trace. */
function firstWindow(m: TimelineModel, params: ParamState): [number, number] {
  const t0 = numberParam(params.t0);
  const t1 = numberParam(params.t1);
  if (t0 !== undefined && t1 !== undefined && t1 > t0) return [t0, t1];
  if (m.focus >= 0) {
    const tl = m.tl;
    const k = m.lanes[m.focus]!;
    const first = tl.goroutineSpans[tl.goroutineFirst[k]!]!;
    const last = tl.goroutineSpans[tl.goroutineFirst[k + 1]! - 1]!;
    const a = tl.goroutines.start[first]!;
    const b = tl.goroutines.end[last]!;
    const pad = Math.max(1000, (b - a) * 0.02);
    return [Math.max(m.start, a - pad), Math.min(m.end, b + pad)];
  }
  return [m.start, Math.max(m.end, m.start + 1)];
}

async function openTimeline(o: TimelineOpen, reply: Reply): Promise<TimelineAnswer> {
  active = undefined;
  const t = await loadTrace(o.id, o.pod, (p) => reply.progress(p));
  const startedAt = now();
  const tl = timelineOf(t, reply);
  const builtAt = now();
  const model = timelineModel(tl, t.summary, o.params);
  const g = o.canvas.getContext('2d');
  if (!g) return { ok: false, title: 'The timeline cannot be drawn', message: 'this browser gives workers no 2D canvas' };
  const [t0, t1] = firstWindow(model, o.params);
  const a: Active = {
    g,
    canvas: o.canvas,
    model,
    look: look(o.dark),
    frame: { t0, t1, scrollTop: 0, width: o.size.width, height: o.size.height, hover: undefined, selected: undefined },
    size: o.size,
    scheduled: false,
  };
  const modelledAt = now();
  paint(a);
  active = a;
  return {
    ok: true,
    info: t.info,
    layout: {
      start: model.start,
      end: model.end,
      t0,
      t1,
      fixedLanes: model.tl.procIds.length + 1,
      goroutineLanes: model.lanes.length,
      focusLane: model.focus,
      axisHeight: GEOMETRY.axis,
      rowHeight: GEOMETRY.row,
      gutter: GEOMETRY.gutter,
    },
    startedAt,
    builtAt,
    modelledAt,
    paintedAt: now(),
  };
}

function hit(lane: number, time: number, slack: number): HitAnswer {
  if (!active) return { ok: false, message: 'the timeline is not open' };
  return { ok: true, span: describeSpan(active.model, lane, time, slack) };
}

const asPoint = (p: LanePoint | undefined): LanePoint | undefined => (p ? { lane: p.lane, time: p.time, slack: p.slack } : undefined);

/** Handles a trace request or a timeline message; answers (if it has an answer) through `reply`. */
export async function handleTrace(body: Exclude<WorkerRequest, { kind: 'view' | 'cancel' }>, reply: Reply): Promise<void> {
  switch (body.kind) {
    case 'trace': {
      const [a, transfer] = await traceView(body, reply).catch((err: unknown): [TraceAnswer, Transferable[]] => [
        { ok: false, ...traceFailure(err) },
        [],
      ]);
      reply.answer(a, transfer);
      return;
    }
    case 'timeline-open':
      reply.answer(await openTimeline(body, reply).catch((err: unknown): TimelineAnswer => ({ ok: false, ...traceFailure(err) })));
      return;
    case 'timeline-view':
      if (!active) return;
      active.frame = {
        ...body.window,
        width: body.size.width,
        height: body.size.height,
        hover: asPoint(body.hover),
        selected: asPoint(body.selected),
      };
      active.size = body.size;
      schedule(active);
      return;
    case 'timeline-hit':
      reply.answer(hit(body.lane, body.time, body.slack));
      return;
    case 'timeline-close':
      active = undefined;
      return;
  }
}
