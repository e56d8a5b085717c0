// One stack table for a whole trace: each generation has its own stack and
// string IDs, so analyses that outlive a generation (a UI timeline) intern
// stacks into global IDs. Stacks are the same when their PCs are (as
// `go tool trace` merges them); a PC's frame is the first one seen for it.
// Typed arrays throughout. Pure and isomorphic.
import type { GenTables } from './tables.ts';

export interface StackTable {
  /** Stack s (1-based; 0 is "no stack") has frames frames[offsets[s - 1] .. offsets[s]), leaf first. */
  readonly offsets: Uint32Array;
  /** Frame indexes into the frame columns. */
  readonly frames: Uint32Array;
  readonly framePc: Float64Array;
  /** Indexes into `strings`. */
  readonly frameFunc: Uint32Array;
  readonly frameFile: Uint32Array;
  readonly frameLine: Uint32Array;
  readonly strings: readonly string[];
}

class Growing {
  a: Uint32Array;
  n = 0;
  constructor(size = 1024) {
    this.a = new Uint32Array(size);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const next = new Uint32Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.n++] = v;
  }
  done(): Uint32Array {
    return this.a.slice(0, this.n);
  }
}

export class StackInterner {
  private readonly byGen = new Map<GenTables, Map<number, number>>();
  private readonly byPcs = new Map<string, number>();
  private readonly frameOf = new Map<number, number>();
  private readonly offsets = new Growing();
  private readonly frames = new Growing();
  private readonly pcs: number[] = [];
  private readonly funcs = new Growing();
  private readonly files = new Growing();
  private readonly lines = new Growing();
  private readonly stringIndex = new Map<string, number>([['', 0]]);
  readonly strings: string[] = [''];

  constructor() {
    this.offsets.push(0);
  }

  /** The index of a string in `strings`. */
  string(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  /** The global ID of stack `id` of a generation (0 for none or unknown). */
  intern(tables: GenTables | undefined, id: number): number {
    if (id === 0 || tables === undefined) return 0;
    let local = this.byGen.get(tables);
    if (local === undefined) this.byGen.set(tables, (local = new Map<number, number>()));
    const known = local.get(id);
    if (known !== undefined) return known;
    const pcs = tables.stacks.get(id);
    if (pcs === undefined || pcs.length === 0) return 0;
    const key = pcs.join(',');
    let global = this.byPcs.get(key);
    if (global === undefined) {
      for (const pc of pcs) this.frames.push(this.frame(tables, pc));
      this.offsets.push(this.frames.n);
      global = this.offsets.n - 1;
      this.byPcs.set(key, global);
    }
    local.set(id, global);
    return global;
  }

  private frame(tables: GenTables, pc: number): number {
    let f = this.frameOf.get(pc);
    if (f !== undefined) return f;
    const fr = tables.frames.get(pc);
    f = this.pcs.length;
    this.pcs.push(pc);
    this.funcs.push(this.string(fr === undefined ? '' : (tables.strings.get(fr.funcId) ?? '')));
    this.files.push(this.string(fr === undefined ? '' : (tables.strings.get(fr.fileId) ?? '')));
    this.lines.push(fr?.line ?? 0);
    this.frameOf.set(pc, f);
    return f;
  }

  table(): StackTable {
    return {
      offsets: this.offsets.done(),
      frames: this.frames.done(),
      framePc: Float64Array.from(this.pcs),
      frameFunc: this.funcs.done(),
      frameFile: this.files.done(),
      frameLine: this.lines.done(),
      strings: this.strings,
    };
  }
}

/** The frames of global stack s, leaf first, as objects (for display). */
export function stackFrames(t: StackTable, s: number): { pc: number; func: string; file: string; line: number }[] {
  if (s <= 0 || s >= t.offsets.length) return [];
  const out = [];
  for (let k = t.offsets[s - 1]!; k < t.offsets[s]!; k++) {
    const f = t.frames[k]!;
    out.push({ pc: t.framePc[f]!, func: t.strings[t.frameFunc[f]!]!, file: t.strings[t.frameFile[f]!]!, line: t.frameLine[f]! });
  }
  return out;
}
