// The Source lines view without sources: flat and cum per file:line (and the
// function at that line), from the profile's line numbers alone, unpruned, as
// pprof's -lines granularity counts them; grouped by file, lines in order.
import { nodeTable, buildGraph } from './graph.ts';
import { compareGo } from './granularity.ts';
import type { Prepared } from './prepare.ts';

export interface SourceLine {
  readonly line: number;
  readonly function: string;
  readonly flat: number;
  readonly cum: number;
}

export interface SourceFile {
  readonly file: string;
  /** Sum of the lines' flat values. */
  readonly flat: number;
  /** Largest cum of any of its lines (cum does not add up across lines). */
  readonly maxCum: number;
  readonly lines: readonly SourceLine[];
}

/** Files heaviest (by flat, then max cum) first; each file's lines by line number. */
export function sourceLines(v: Prepared): SourceFile[] {
  const table = v.granularity === 'lines' ? v.table : nodeTable(v.profile, 'lines');
  const graph = buildGraph(v.profile, table, { valueIndex: v.valueIndex });
  const files = new Map<string, SourceLine[]>();
  for (const n of graph.nodes) {
    const file = n.info.file !== '' ? n.info.file : n.name;
    let list = files.get(file);
    if (!list) files.set(file, (list = []));
    list.push({ line: n.info.line, function: n.info.name, flat: n.flat, cum: n.cum });
  }
  const out: SourceFile[] = [];
  for (const [file, lines] of files) {
    lines.sort((a, b) => a.line - b.line || compareGo(a.function, b.function));
    out.push({
      file,
      flat: lines.reduce((s, l) => s + l.flat, 0),
      maxCum: lines.reduce((m, l) => Math.max(m, Math.abs(l.cum)), 0),
      lines,
    });
  }
  return out.sort((a, b) => Math.abs(b.flat) - Math.abs(a.flat) || b.maxCum - a.maxCum || compareGo(a.file, b.file));
}
