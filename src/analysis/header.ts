// The legend lines pprof prints above its reports (report.ProfileLabels and
// reportLabels): File, Build ID, Type, Time, Duration, active filters, "Showing
// nodes accounting for …", "Dropped N nodes (cum <= …)", "Showing top N nodes out of M".
import { baseName } from './granularity.ts';
import { label, percentage } from './format.ts';
import type { ProfileModel } from './model.ts';
import { scale } from './units.ts';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go's time layout "2006-01-02 15:04:05 MST", in UTC (the browser's zone is not the server's). */
export function formatTime(nanos: number): string {
  const d = new Date(Math.floor(nanos / 1e6));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`;
}

export interface LegendContext {
  readonly profile: ProfileModel;
  /** Sample type name shown as "Type:". */
  readonly sampleType: string;
  readonly sampleUnit: string;
  readonly total: number;
  readonly formatValue: (v: number) => string;
}

/** File, Build ID, comments, Type, Doc, Time, Duration lines. */
export function profileLabels(c: LegendContext): string[] {
  const p = c.profile;
  const out: string[] = [];
  if (p.mainFile !== '') out.push(`File: ${baseName(p.mainFile)}`);
  if (p.buildId !== '') out.push(`Build ID: ${p.buildId}`);
  for (const comment of p.comments) if (!comment.startsWith('#')) out.push(comment);
  if (c.sampleType !== '') out.push(`Type: ${c.sampleType}`);
  if (p.docUrl !== '') out.push(`Doc: ${p.docUrl}`);
  if (p.timeNanos !== 0) out.push(`Time: ${formatTime(p.timeNanos)}`);
  if (p.durationNanos !== 0) {
    const [totalNanos, unit] = scale(c.total, c.sampleUnit, 'nanoseconds');
    const ratio = unit === 'ns' && totalNanos !== 0 ? `(${percentage(Math.trunc(totalNanos), p.durationNanos)})` : '';
    out.push(`Duration: ${label(p.durationNanos, 'nanoseconds')}, Total samples = ${c.formatValue(c.total)} ${ratio}`);
  }
  return out;
}

/** "Active filters:" and its "   focus=…" lines (each cut at 80 characters). */
export function activeFilterLabels(filters: readonly string[]): string[] {
  if (filters.length === 0) return [];
  return ['Active filters:', ...filters.map((f) => '   ' + (f.length > 80 ? f.slice(0, 80) + '…' : f))];
}

export interface ShownContext {
  readonly shownTotal: number;
  readonly nodeCount: number;
  readonly origCount: number;
  readonly droppedNodes: number;
  readonly droppedEdges: number;
  readonly nodeFraction: number;
  readonly edgeFraction: number;
}

/** The "Showing nodes …" / "Dropped …" / "Showing top …" lines of a pruned report. */
export function shownLabels(c: LegendContext, s: ShownContext): string[] {
  const out = [
    `Showing nodes accounting for ${c.formatValue(s.shownTotal)}, ${percentage(s.shownTotal, c.total).trim()} of ${c.formatValue(c.total)} total`,
  ];
  if (c.total === 0) return out;
  const plural = (n: number, what: string): string => (n > 1 ? `${what}s` : what);
  if (s.droppedNodes > 0) {
    out.push(
      `Dropped ${s.droppedNodes} ${plural(s.droppedNodes, 'node')} (cum <= ${c.formatValue(Math.abs(Math.trunc(c.total * s.nodeFraction)))})`,
    );
  }
  if (s.droppedEdges > 0) {
    out.push(
      `Dropped ${s.droppedEdges} ${plural(s.droppedEdges, 'edge')} (freq <= ${c.formatValue(Math.abs(Math.trunc(c.total * s.edgeFraction)))})`,
    );
  }
  if (s.nodeCount > 0 && s.nodeCount < s.origCount) out.push(`Showing top ${s.nodeCount} nodes out of ${s.origCount}`);
  return out;
}
