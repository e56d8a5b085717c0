// The renderer main thread's tasks while a bench drives a page, from a
// Chromium trace (CDP Tracing): each task's wall time (dur) and CPU time
// (tdur). On a shared machine a task's wall time beyond its CPU time is time
// it waited for a core, so the benches report both.
import type { Page } from 'playwright-core';
import { round } from './stats.ts';

/** The renderer main thread's tasks in a Chromium trace: the longest by wall time and by CPU time (ms). */
export interface TracedTasks {
  readonly tasks: number;
  readonly longestWallMs: number;
  /** CPU time of the task with the longest wall time. */
  readonly longestWallCpuMs: number;
  readonly longestCpuMs: number;
  readonly over50WallMs: number;
  readonly over50CpuMs: number;
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly args?: { readonly name?: string };
}

/** Runs `f` under a Chromium trace of the page; the main thread's tasks. */
export async function tracedTasks(page: Page, f: () => Promise<void>): Promise<TracedTasks> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => void events.push(...(d.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', 'devtools.timeline'] }, transferMode: 'ReportEvents' });
  try {
    await f();
  } finally {
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach();
  }
  const main = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  const tasks = events.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`));
  const wall = (e: TraceEvent): number => (e.dur ?? 0) / 1000;
  const cpu = (e: TraceEvent): number => (e.tdur ?? 0) / 1000;
  const byWall = tasks.reduce<TraceEvent | undefined>((a, e) => (a === undefined || wall(e) > wall(a) ? e : a), undefined);
  return {
    tasks: tasks.length,
    longestWallMs: byWall ? round(wall(byWall), 1) : 0,
    longestWallCpuMs: byWall ? round(cpu(byWall), 1) : 0,
    longestCpuMs: round(Math.max(0, ...tasks.map(cpu)), 1),
    over50WallMs: tasks.filter((e) => wall(e) > 50).length,
    over50CpuMs: tasks.filter((e) => cpu(e) > 50).length,
  };
}
