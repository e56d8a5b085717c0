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
import { PodprofError } from '../errors.ts';

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

function refuse(message: string): PodprofError {
  return new PodprofError('PODPROF_BAD_GOROUTINE_DUMP', message);
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

/**
 * Reads a `debug=2` goroutine dump. Throws PODPROF_BAD_GOROUTINE_DUMP for text
 * that is not one (naming the line) or is over `maxBytes`.
 */
export function parseGoroutineDump(text: string, limits: DumpLimits = DEFAULT_DUMP_LIMITS): ParsedDump {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > limits.maxBytes) throw refuse(`the goroutine dump is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  const out: DumpGoroutine[] = [];
  let g: Building | undefined;
  let truncated: string | undefined;
  let skipped = 0;
  const finish = (): void => {
    if (!g) return;
    if (out.length < limits.maxGoroutines) {
      const { pending: _p, ancestors: _a, ...done } = g;
      out.push(done);
    } else skipped++;
    g = undefined;
  };
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const last = n === lines.length - 1;
    if (line === '') {
      if (last) break; // the text's final newline
      if (g?.pending) throw refuse(`line ${n + 1}: goroutine ${g.id}'s ${JSON.stringify(g.pending.func.slice(0, 80))} has no file line`);
      finish();
      continue;
    }
    const where = `line ${n + 1}`;
    const header = HEADER.exec(line);
    if (header) {
      finish();
      if (last && !endsClean) {
        truncated = `the dump ends inside goroutine ${header[1]}'s header`;
        break;
      }
      g = { id: Number(header[1]), ...readBracket(header[2]!), frames: [], elided: 0, ancestors: false };
      continue;
    }
    if (!g) {
      if (out.length === 0 && skipped === 0)
        throw refuse(`${where} is not a goroutine header ("goroutine N [state]:"): ${JSON.stringify(line.slice(0, 80))}`);
      throw refuse(`${where} follows a blank line but starts no goroutine: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (last && !endsClean) {
      truncated = `the dump ends mid-line in goroutine ${g.id}`;
      g = undefined; // the goroutine at the cut is not shown: its stack is incomplete
      break;
    }
    const file = FILE_LINE.exec(line);
    if (file) {
      const p = g.pending;
      if (!p) throw refuse(`${where}: a file line with no function line before it in goroutine ${g.id}`);
      g.pending = undefined;
      if (g.ancestors) continue;
      const frame = { func: p.func, file: file[1]!, line: Number(file[2]) };
      if (p.createdBy) g.createdBy = p.created === undefined ? frame : { ...frame, goroutine: p.created };
      else if (g.frames.length < limits.maxFrames) g.frames.push(frame);
      else if (g.elided >= 0) g.elided++;
      continue;
    }
    if (g.pending) throw refuse(`${where}: goroutine ${g.id}'s ${JSON.stringify(g.pending.func.slice(0, 80))} has no file line`);
    if (line.startsWith('\t') && g.frames.length === 0 && !g.createdBy && g.note === undefined && !g.ancestors) {
      g.note = line.slice(1, 200);
      continue;
    }
    if (line.startsWith('\t')) throw refuse(`${where}: not a file:line in goroutine ${g.id}: ${JSON.stringify(line.slice(0, 80))}`);
    if (line === ELIDED_REST) {
      g.elided = -1;
      continue;
    }
    const elided = ELIDED_N.exec(line);
    if (elided) {
      if (g.elided >= 0) g.elided += Number(elided[1]);
      continue;
    }
    if (ORIGINATING.test(line)) {
      g.ancestors = true;
      continue;
    }
    const created = CREATED_BY.exec(line);
    if (created) {
      g.pending = { func: created[1]!, created: created[2] === undefined ? undefined : Number(created[2]), createdBy: true };
      continue;
    }
    g.pending = { func: functionOf(line), createdBy: false };
  }
  if (g?.pending && truncated === undefined) {
    truncated = `the dump ends in goroutine ${g.id} before the file line of ${g.pending.func}`;
    g = undefined;
  }
  finish();
  if (out.length === 0 && truncated === undefined) throw refuse('the goroutine dump holds no goroutine');
  if (skipped > 0)
    truncated = `only the first ${limits.maxGoroutines} goroutines are read (${skipped} more left out)${truncated ? `; ${truncated}` : ''}`;
  else if (truncated !== undefined) truncated = `${truncated}: the ${out.length} goroutines before the cut are shown`;
  return truncated === undefined ? { goroutines: out } : { goroutines: out, truncated };
}
