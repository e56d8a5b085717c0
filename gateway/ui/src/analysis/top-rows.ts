// The Top table's rows as the worker sends them: every row's texts in one
// string and where each field starts, so the page receives two objects (a
// string and a transferred Uint32Array) instead of tens of thousands of row
// objects, whose structured clone was a long task on the page's main thread.
import type { TopRow } from '../../../../src/analysis/top.ts';

/** What a Top row shows. */
export type TopRowText = Pick<TopRow, 'name' | 'inline' | 'flatText' | 'flatPct' | 'sumPct' | 'cumText' | 'cumPct'>;

const FIELDS = ['name', 'inline', 'flatText', 'flatPct', 'sumPct', 'cumText', 'cumPct'] as const;

export interface TopRows {
  readonly count: number;
  readonly text: string;
  /** Row i's field f is text[starts[i * 7 + f] .. starts[i * 7 + f + 1]). */
  readonly starts: Uint32Array;
}

export function packTopRows(rows: readonly TopRow[]): TopRows {
  const parts: string[] = [];
  const starts = new Uint32Array(rows.length * FIELDS.length + 1);
  let at = 0;
  let k = 0;
  for (const r of rows) {
    for (const f of FIELDS) {
      starts[k++] = at;
      const s = r[f];
      parts.push(s);
      at += s.length;
    }
  }
  starts[k] = at;
  return { count: rows.length, text: parts.join(''), starts };
}

export function topRowAt(p: TopRows, i: number): TopRowText {
  const field = (f: number): string => p.text.slice(p.starts[i * FIELDS.length + f], p.starts[i * FIELDS.length + f + 1]);
  return {
    name: field(0),
    inline: field(1) as TopRow['inline'],
    flatText: field(2),
    flatPct: field(3),
    sumPct: field(4),
    cumText: field(5),
    cumPct: field(6),
  };
}
