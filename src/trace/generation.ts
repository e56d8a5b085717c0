// A generation: all the batches of one trace generation, sorted out as
// internal/trace/generation.go does: table batches read into GenTables, event
// batches grouped by thread (in the order threads first appear), experimental
// batches kept aside. Before Go 1.26 a generation ends where a batch of the
// next one starts (that batch "spills" into the next read); from Go 1.26 an
// EndOfGeneration byte ends it. Errors read as Go's. Pure and isomorphic.
import { readBatch, firstByte, type Batch } from './batch.ts';
import { ByteReader } from './bytes.ts';
import { broken, TraceError } from './error.ts';
import { EV } from './spec.ts';
import { addCpuSamples, addStacks, addStrings, GenTables, setSync, validateStackStrings } from './tables.ts';

export interface Generation {
  /** The generation number in the batch headers. */
  gen: number;
  /** Threads with event batches, in the order they first appear. */
  readonly batchMs: number[];
  readonly batches: Map<number, Batch[]>;
  /** Smallest batch base timestamp (raw clock units). */
  minTs: number;
  readonly tables: GenTables;
  readonly expBatches: Batch[];
}

/** What generations may hold in total, checked as tables are read. */
export interface TableBudget {
  readonly maxTableBytes: number;
  used: number;
}

function newGeneration(): Generation {
  return { gen: 0, batchMs: [], batches: new Map(), minTs: 0, tables: new GenTables(), expBatches: [] };
}

function isSyncBatch(first: number, version: number): boolean {
  return version < 25 ? first === EV.Frequency : first === EV.Sync;
}

function processBatch(g: Generation, b: Batch, buf: Uint8Array, version: number, budget: TableBudget): void {
  const first = firstByte(buf, b);
  const r = new ByteReader(buf, b.start, b.end);
  const t = g.tables;
  if (b.exp !== 0) {
    g.expBatches.push(b);
    return;
  }
  const before = t.cost;
  if (first === EV.Strings) addStrings(t, r);
  else if (first === EV.Stacks) addStacks(t, r);
  else if (first === EV.CPUSamples) addCpuSamples(t, r);
  else if (first >= 0 && isSyncBatch(first, version)) setSync(t, r, b.time, version);
  else {
    let list = g.batches.get(b.m);
    if (list === undefined) {
      list = [];
      g.batches.set(b.m, list);
      g.batchMs.push(b.m);
    }
    list.push(b);
  }
  budget.used += t.cost - before + (first === EV.CPUSamples ? 64 * t.cpuSamples.length : 0);
  if (budget.used > budget.maxTableBytes) {
    throw new TraceError(
      'limit',
      `the trace's string, stack and sample tables need more than ${budget.maxTableBytes} bytes (TraceLimits.maxTableBytes)`,
    );
  }
}

function noteMinTs(g: Generation, b: Batch): void {
  if (g.minTs === 0 || b.time < g.minTs) g.minTs = b.time;
}

/** Checks and finishes a generation whose batches are all read. */
function finish(g: Generation, needSnapshot: boolean): Generation {
  const t = g.tables;
  if (t.freq === 0) throw broken('no frequency event found');
  if (needSnapshot && !t.hasClockSnapshot) throw broken('no clock snapshot event found');
  t.stacks.compact();
  t.strings.compact();
  validateStackStrings(t);
  return g;
}

export interface Spilled {
  readonly gen: number;
  readonly batch: Batch;
}

export interface SpillRead {
  /** The generation read, or null when reading failed before it was complete (see error). */
  readonly generation: Generation | null;
  /** The first batch of the next generation, if one was seen. */
  readonly spill: Spilled | null;
  /** An error to report after this generation (a broken batch where the next one would start), or the error that stopped it. */
  readonly error: string | null;
}

/** Go's readGenerationWithSpill, for traces before Go 1.26. */
export function readGenerationWithSpill(r: ByteReader, spill: Spilled | null, version: number, budget: TableBudget): SpillRead {
  const g = newGeneration();
  try {
    if (spill !== null) {
      g.gen = spill.gen;
      g.minTs = spill.batch.time;
      processBatch(g, spill.batch, r.buf, version, budget);
    }
    let next: Spilled | null = null;
    let spillErr: string | null = null;
    for (;;) {
      const res = readBatch(r);
      if (res.kind === 'eof') break;
      if (res.kind === 'error') {
        // Maybe a broken first batch of the next generation: keep what came before.
        if (g.gen !== 0) {
          spillErr = res.message;
          break;
        }
        throw broken(res.message);
      }
      const gen = res.kind === 'batch' ? res.gen : 0;
      if (gen === 0 || res.kind !== 'batch') throw broken('invalid generation number 0');
      if (g.gen === 0) g.gen = gen;
      if (gen === g.gen + 1) {
        next = { gen, batch: res.batch };
        break;
      }
      if (gen !== g.gen) throw broken('generations out of order');
      noteMinTs(g, res.batch);
      processBatch(g, res.batch, r.buf, version, budget);
    }
    return { generation: finish(g, version >= 25), spill: next, error: spillErr };
  } catch (err) {
    if (err instanceof TraceError && err.kind === 'format') return { generation: null, spill: null, error: err.message };
    throw err;
  }
}

/** Go's readGeneration, for Go 1.26 traces: null at a clean end of the trace. */
export function readGeneration(r: ByteReader, version: number, budget: TableBudget): Generation | null {
  const g = newGeneration();
  for (;;) {
    const res = readBatch(r);
    if (res.kind === 'eof') {
      if (g.batches.size !== 0) throw broken('incomplete generation found; trace likely truncated');
      return null;
    }
    if (res.kind === 'error') throw broken(res.message);
    if (res.kind === 'end-of-generation') break;
    if (g.gen === 0) g.gen = res.gen;
    if (res.gen === 0) throw broken('invalid generation number 0');
    if (res.gen !== g.gen) throw broken('broken trace: missing end-of-generation event, or generations are interleaved');
    noteMinTs(g, res.batch);
    processBatch(g, res.batch, r.buf, version, budget);
  }
  return finish(g, true);
}
