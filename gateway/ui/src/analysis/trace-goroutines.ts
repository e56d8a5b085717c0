// The Goroutines view's data, made in the worker: the groups by start function
// (`go tool trace`'s /goroutines page) with their times, sorted as the URL
// says; and one group's goroutines (its /goroutine?name= page) as columns,
// so tens of thousands of them cost the page no objects.
import { goroutineDetails, goroutineGroups, type GoroutineGroup } from '../../../../src/trace/goroutine-groups.ts';
import type { Summary } from '../../../../src/trace/summary.ts';
import { NO_NAME } from '../state.ts';
import { groupValue, reasonsOf } from './group-values.ts';
import type { GoroutineGroupsData, GoroutineListData, GroupRow } from './trace-protocol.ts';

/** Rows by a sort key: names ascending, values descending (ties by name). */
export function sortGroups(rows: readonly GroupRow[], key: string | undefined): GroupRow[] {
  const copy = [...rows];
  if (key === 'name') return copy.sort((a, b) => (a.name < b.name ? -1 : Number(a.name > b.name)));
  const k = key ?? 'exec';
  return copy.sort((a, b) => groupValue(b, k) - groupValue(a, k) || (a.name < b.name ? -1 : Number(a.name > b.name)));
}

function groups(summary: Summary, memo: Map<string, unknown>): GoroutineGroup[] {
  let g = memo.get('groups') as GoroutineGroup[] | undefined;
  if (!g) memo.set('groups', (g = goroutineGroups(summary)));
  return g;
}

export function groupsData(summary: Summary, memo: Map<string, unknown>, sort: string | undefined): GoroutineGroupsData {
  const all = groups(summary, memo);
  return {
    view: 'goroutines',
    kind: 'groups',
    reasons: reasonsOf(all),
    groups: sortGroups(all, sort),
    goroutines: summary.table.slots.size,
  };
}

/**
 * The goroutines of group `name` (NO_NAME: those without a stack) as columns, sorted by a column key (default
 * total, descending); when each was created, first ran and ended, from the trace's first event (`origin`).
 */
export function goroutineList(summary: Summary, name: string, sort: string | undefined, origin: number): GoroutineListData {
  const group = name === NO_NAME ? '' : name;
  const details = goroutineDetails(summary, group);
  const reasons = reasonsOf(details);
  const columns = ['total', 'exec', 'sched', 'syscall', ...reasons.map((r) => `block:${r}`), 'unknown', 'created', 'started', 'ended'];
  const k = columns.length;
  const values = new Float64Array(details.length * k);
  details.forEach((d, i) => {
    const row = [
      d.total_ns,
      d.execution_ns,
      d.sched_wait_ns,
      d.syscall_ns,
      ...reasons.map((r) => d.block_ns[r] ?? 0),
      d.unknown_ns,
      d.created_ns - origin,
      (d.started_ns ?? NaN) - origin,
      (d.ended_ns ?? NaN) - origin,
    ];
    values.set(row, i * k);
  });
  const ids = Float64Array.from(details, (d) => d.id);
  const by = sort === 'id' ? -1 : Math.max(0, columns.indexOf(sort ?? 'total'));
  const order = Array.from(details.keys()).sort((a, b) => {
    if (by < 0) return ids[a]! - ids[b]!;
    return (values[b * k + by] || 0) - (values[a * k + by] || 0) || ids[a]! - ids[b]!;
  });
  const sortedValues = new Float64Array(values.length);
  order.forEach((from, to) => sortedValues.set(values.subarray(from * k, from * k + k), to * k));
  return {
    view: 'goroutines',
    kind: 'list',
    group,
    reasons,
    columns,
    ids: Float64Array.from(order, (i) => ids[i]!),
    values: sortedValues,
  };
}
