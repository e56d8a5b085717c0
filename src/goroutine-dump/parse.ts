// Go's goroutine dump (`/debug/pprof/goroutine?debug=2`: runtime.Stack(all)) as
// data. Pure and isomorphic (the gateway runs it in a worker, the UI could too).
// The format, from runtime/traceback.go (goroutineheader, traceback2,
// printcreatedby) and net/http/pprof (writeGoroutineStacks, which stops at
// 64 MB):
//
//   goroutine 18 [chan receive, 5 minutes, locked to thread]:
//   main.worker(0xc000012345, ...)            function, then its args
//   	/src/main.go:20 +0x45                    tab, file:line, pc offset
//   ...additional frames elided...             past 100 frames (or "...N frames elided...")
//   created by main.main in goroutine 1
//   	/src/main.go:12 +0x65
//                                              a blank line between goroutines
//
// The header may carry `gp=… m=… mp=…` (GOTRACEBACK=system) and, inside the
// brackets after the wait reason, `(scan)`, `(durable)`, `(leaked)`, `N minutes`,
// `locked to thread`, `synctest bubble N`, `labels:{…}`. Bounded by bytes,
// goroutines and frames per stack; text that is not a dump is refused naming
// the line; a dump cut short is read up to the cut and says so.

/** Text that is no goroutine dump podprof reads; the gateway answers it as PODPROF_BAD_GOROUTINE_DUMP (src/errors.ts). */
export class DumpError extends Error {
  override readonly name = 'DumpError';
  readonly code = 'PODPROF_BAD_GOROUTINE_DUMP';
}

export interface DumpFrame {
  /** The function as Go prints it, without its arguments (`main.(*T).Run`, `main.main.func1`). */
  readonly func: string;
  /** The source file, empty when the dump gave none. */
  readonly file: string;
  readonly line: number;
}

export interface DumpGoroutine {
  readonly id: number;
  /** The wait reason or status (`chan receive`, `select`, `running`, `sync.Mutex.Lock`), with `(scan)` and the like kept. */
  readonly state: string;
  /** Minutes blocked, as Go prints it (only from 1 minute on); 0 when it printed none. */
  readonly waitMinutes: number;
  readonly lockedToThread: boolean;
  /** Innermost first. */
  readonly frames: readonly DumpFrame[];
  /** Frames Go left out (`...N frames elided...`, -1 for `...additional frames elided...`) or the parser dropped past maxFrames. */
  readonly elided: number;
  /** `created by <func> in goroutine <n>` and where. */
  readonly createdBy?: DumpFrame & { readonly goroutine?: number };
  /** A line Go wrote instead of a stack (`goroutine running on other thread; stack unavailable`). */
  readonly note?: string;
}

export interface ParsedDump {
  readonly goroutines: readonly DumpGoroutine[];
  /** Set when the dump was read only in part: why, and what is shown. */
  readonly truncated?: string;
}

export interface DumpLimits {
  /** The longest text read (bytes of UTF-8; Go stops writing at 64 MB). */
  readonly maxBytes: number;
  /** Goroutines read; those after are counted as cut. */
  readonly maxGoroutines: number;
  /** Frames kept per stack; the rest are counted as elided. */
  readonly maxFrames: number;
}

export const DEFAULT_DUMP_LIMITS: DumpLimits = { maxBytes: 64 * 1024 * 1024, maxGoroutines: 1_000_000, maxFrames: 256 };

const HEADER = /^goroutine (\d{1,20})(?: [^[]*)? \[(.*)\]:$/;
const FILE_LINE = /^\t(.*):(\d{1,9})(?: .*)?$/;
const CREATED_BY = /^created by (.+?)(?: in goroutine (\d{1,20}))?$/;
const ELIDED_N = /^\.\.\.(\d{1,9}) frames elided\.\.\.$/;
const ELIDED_REST = '...additional frames elided...';
const ORIGINATING = /^\[originating from goroutine \d+\]:$/;

function refuse(message: string): DumpError {
  return new DumpError(message);
}

/** The function of a function line: everything before its argument list (`f(0x1, {0x2, 0x3}, ...)`). */
export function functionOf(line: string): string {
  if (!line.endsWith(')')) return line;
  let depth = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) return i === 0 ? line : line.slice(0, i);
  }
  return line;
}

/** The bracket of a header: state first, then the parts after ", " that Go adds. */
function readBracket(inner: string): { state: string; waitMinutes: number; lockedToThread: boolean } {
  // labels:{…} may hold any text, commas included: it is always last.
  const labels = inner.indexOf(' labels:{');
  const head = labels >= 0 ? inner.slice(0, labels) : inner;
  const parts = head.split(', ');
  let waitMinutes = 0;
  let lockedToThread = false;
  const state: string[] = [];
  for (const [i, p] of parts.entries()) {
    const m = /^(\d{1,12}) minutes$/.exec(p);
    if (i > 0 && m) waitMinutes = Number(m[1]);
    else if (i > 0 && p === 'locked to thread') lockedToThread = true;
    else if (i > 0 && /^synctest bubble \d+$/.test(p)) continue;
    else state.push(p);
  }
  return { state: state.join(', '), waitMinutes, lockedToThread };
}

interface Building {
  id: number;
  state: string;
  waitMinutes: number;
  lockedToThread: boolean;
  frames: DumpFrame[];
  elided: number;
  createdBy?: DumpFrame & { goroutine?: number };
  note?: string;
  /** A function line whose file line has not come yet. */
  pending?: { func: string; created?: number; createdBy: boolean };
  /** Past an `[originating from goroutine N]:` block (tracebackancestors): its frames are not this stack's. */
  ancestors: boolean;
}

const quote = (s: string): string => JSON.stringify(s.slice(0, 80));

/** A file line: the pending function's (or creator's) place. */
function fileLine(g: Building, file: RegExpExecArray, where: string, maxFrames: number): void {
  const p = g.pending;
  if (!p) throw refuse(`${where}: a file line with no function line before it in goroutine ${g.id}`);
  g.pending = undefined;
  if (g.ancestors) return;
  const frame = { func: p.func, file: file[1]!, line: Number(file[2]) };
  if (p.createdBy) g.createdBy = p.created === undefined ? frame : { ...frame, goroutine: p.created };
  else if (g.frames.length < maxFrames) g.frames.push(frame);
  else if (g.elided >= 0) g.elided++;
}

/** Any other line inside a goroutine: a note, an elision, an ancestors block, a creator or a function. */
function stackLine(g: Building, line: string, where: string): void {
  if (g.pending) throw refuse(`${where}: goroutine ${g.id}'s ${quote(g.pending.func)} has no file line`);
  if (line.startsWith('\t')) {
    if (g.frames.length > 0 || g.createdBy || g.note !== undefined || g.ancestors)
      throw refuse(`${where}: not a file:line in goroutine ${g.id}: ${quote(line)}`);
    g.note = line.slice(1, 200);
    return;
  }
  const elided = ELIDED_N.exec(line);
  const created = CREATED_BY.exec(line);
  if (line === ELIDED_REST) g.elided = -1;
  else if (elided) g.elided = g.elided < 0 ? g.elided : g.elided + Number(elided[1]);
  else if (ORIGINATING.test(line)) g.ancestors = true;
  else if (created) g.pending = { func: created[1]!, created: created[2] === undefined ? undefined : Number(created[2]), createdBy: true };
  else g.pending = { func: functionOf(line), createdBy: false };
}

class DumpReader {
  readonly out: DumpGoroutine[] = [];
  g: Building | undefined;
  truncated: string | undefined;
  skipped = 0;

  constructor(private readonly limits: DumpLimits) {}

  finish(): void {
    if (!this.g) return;
    if (this.out.length < this.limits.maxGoroutines) {
      const { pending: _p, ancestors: _a, ...done } = this.g;
      this.out.push(done);
    } else this.skipped++;
    this.g = undefined;
  }

  /** The text stops here, inside the goroutine being read: it is not shown (its stack is incomplete). */
  cut(why: string): void {
    this.truncated = why;
    this.g = undefined;
  }

  /** One line (n from 0); false once the text is cut. */
  line(line: string, n: number, cutHere: boolean): boolean {
    const where = `line ${n + 1}`;
    const g = this.g;
    if (line === '') {
      if (g?.pending) throw refuse(`${where}: goroutine ${g.id}'s ${quote(g.pending.func)} has no file line`);
      this.finish();
      return true;
    }
    const header = HEADER.exec(line);
    if (header) {
      this.finish();
      if (cutHere) this.cut(`the dump ends inside goroutine ${header[1]}'s header`);
      else this.g = { id: Number(header[1]), ...readBracket(header[2]!), frames: [], elided: 0, ancestors: false };
      return !cutHere;
    }
    if (!g) {
      if (this.out.length === 0 && this.skipped === 0)
        throw refuse(`${where} is not a goroutine header ("goroutine N [state]:"): ${quote(line)}`);
      throw refuse(`${where} follows a blank line but starts no goroutine: ${quote(line)}`);
    }
    if (cutHere) {
      this.cut(`the dump ends mid-line in goroutine ${g.id}`);
      return false;
    }
    const file = FILE_LINE.exec(line);
    if (file) fileLine(g, file, where, this.limits.maxFrames);
    else stackLine(g, line, where);
    return true;
  }

  result(): ParsedDump {
    const g = this.g;
    if (g?.pending && this.truncated === undefined)
      this.cut(`the dump ends in goroutine ${g.id} before the file line of ${g.pending.func}`);
    this.finish();
    const { out, skipped, limits } = this;
    let truncated = this.truncated;
    if (out.length === 0 && truncated === undefined) throw refuse('the goroutine dump holds no goroutine');
    if (skipped > 0)
      truncated = `only the first ${limits.maxGoroutines} goroutines are read (${skipped} more left out)${truncated ? `; ${truncated}` : ''}`;
    else if (truncated !== undefined) truncated = `${truncated}: the ${out.length} goroutines before the cut are shown`;
    return truncated === undefined ? { goroutines: out } : { goroutines: out, truncated };
  }
}

/**
 * Reads a `debug=2` goroutine dump. Throws a DumpError for text
 * that is not one (naming the line) or is over `maxBytes`.
 */
export function parseGoroutineDump(text: string, limits: DumpLimits = DEFAULT_DUMP_LIMITS): ParsedDump {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > limits.maxBytes) throw refuse(`the goroutine dump is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  const reader = new DumpReader(limits);
  const lines = text.split('\n');
  // The element after the final newline is empty; a text without one was cut mid-line.
  const cutAt = text.endsWith('\n') ? lines.length : lines.length - 1;
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  for (let n = 0; n < count; n++) {
    const raw = lines[n]!;
    if (!reader.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw, n, n === cutAt)) break;
  }
  return reader.result();
}
