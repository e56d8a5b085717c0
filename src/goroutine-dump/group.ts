// Goroutine dumps grouped as a Go developer reads a deadlock: goroutines with
// the same state and the same stack (frames and creator, by function and
// file:line) are one group, with how many there are, the longest any of them
// has waited, and their ids; over a workload the pods' dumps are merged, each
// group saying how many of its goroutines each pod holds. Pure.
import type { DumpFrame, ParsedDump } from './parse.ts';

export interface DumpGroup {
  /** The wait reason or status shared by the group (`chan receive`). */
  readonly state: string;
  readonly lockedToThread: boolean;
  readonly count: number;
  /** The longest wait in the group, in minutes (Go prints waits from 1 minute on). */
  readonly maxWaitMinutes: number;
  readonly frames: readonly DumpFrame[];
  /** Frames Go (or the parser) left out of the stack; -1: "additional frames elided". */
  readonly elided: number;
  readonly createdBy?: DumpFrame & { readonly goroutine?: number };
  readonly note?: string;
  /** Goroutine ids per pod ("" for a dump of one pod's capture). */
  readonly ids: Readonly<Record<string, readonly number[]>>;
}

export interface PodDump {
  readonly pod: string;
  readonly goroutines: number;
  readonly truncated?: string;
}

/** What the gateway stores for a dump capture (goroutine-dump.json) and the UI shows. */
export interface GoroutineDumpSummary {
  readonly goroutines: number;
  readonly pods: readonly PodDump[];
  /** By count, then by longest wait, descending. */
  readonly groups: readonly DumpGroup[];
}

const frameKey = (f: DumpFrame): string => `${f.func}\u0000${f.file}:${f.line}`;

/** Groups goroutines by state and stack over one or more pods' dumps. */
export function groupDumps(dumps: readonly { readonly pod: string; readonly dump: ParsedDump }[]): GoroutineDumpSummary {
  const groups = new Map<
    string,
    { g: Omit<DumpGroup, 'ids' | 'count' | 'maxWaitMinutes'>; count: number; wait: number; ids: Map<string, number[]> }
  >();
  let total = 0;
  for (const { pod, dump } of dumps) {
    for (const gr of dump.goroutines) {
      total++;
      const key = [
        gr.state,
        gr.lockedToThread ? 'L' : '',
        String(gr.elided),
        gr.note ?? '',
        ...gr.frames.map(frameKey),
        gr.createdBy ? `created ${frameKey(gr.createdBy)}` : '',
      ].join('\n');
      let e = groups.get(key);
      if (!e) {
        const { createdBy } = gr;
        e = {
          g: {
            state: gr.state,
            lockedToThread: gr.lockedToThread,
            frames: gr.frames,
            elided: gr.elided,
            // The creator's goroutine id differs per goroutine: the group keeps where, not who.
            ...(createdBy ? { createdBy: { func: createdBy.func, file: createdBy.file, line: createdBy.line } } : {}),
            ...(gr.note !== undefined ? { note: gr.note } : {}),
          },
          count: 0,
          wait: 0,
          ids: new Map(),
        };
        groups.set(key, e);
      }
      e.count++;
      e.wait = Math.max(e.wait, gr.waitMinutes);
      let ids = e.ids.get(pod);
      if (!ids) e.ids.set(pod, (ids = []));
      ids.push(gr.id);
    }
  }
  const out: DumpGroup[] = [...groups.values()].map((e) => ({
    ...e.g,
    count: e.count,
    maxWaitMinutes: e.wait,
    ids: Object.fromEntries(e.ids),
  }));
  out.sort((a, b) => b.count - a.count || b.maxWaitMinutes - a.maxWaitMinutes || a.state.localeCompare(b.state));
  return {
    goroutines: total,
    pods: dumps.map(({ pod, dump }) => ({
      pod,
      goroutines: dump.goroutines.length,
      ...(dump.truncated !== undefined ? { truncated: dump.truncated } : {}),
    })),
    groups: out,
  };
}

/** What a group is searched by, each on its own: its state, and every function of its stack and creator. */
export function groupSearchFields(g: DumpGroup): string[] {
  const fns = g.frames.map((f) => f.func);
  if (g.createdBy) fns.push(g.createdBy.func);
  return [g.state, ...fns];
}
