// V8's CPU and sampling-heap profiles (from node:inspector) turned into Go's
// pprof protobuf, gzipped as net/http/pprof writes it, so `go tool pprof` and
// the podprof sidecar treat the Node demo app like a Go one.
import type { HeapProfiler, Profiler, Runtime } from 'node:inspector';
import { findSourceMap, type SourceMapping } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';

const gzipP = promisify(gzip);

export const CPU_SAMPLING_US = 10_000;
export const HEAP_SAMPLING_BYTES = 32 * 1024;

/** V8's own nodes for "nothing ran": not CPU time, so not in the profile. */
const NOT_CPU = new Set(['(idle)']);
/** Tree roots that are not frames. */
const ROOTS = new Set(['(root)']);

export interface Frame {
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

export interface Stack {
  /** Leaf first, as pprof wants. */
  readonly frames: readonly Frame[];
  readonly values: number[];
}

/** Samples merged by stack, before encoding; what a delta profile subtracts. */
export interface Collected {
  readonly stacks: Map<string, Stack>;
  readonly timeNanos: bigint;
  durationNanos: bigint;
}

export interface Shape {
  readonly sampleTypes: readonly (readonly [string, string])[];
  readonly periodType: readonly [string, string];
  readonly period: number;
  readonly defaultSampleType?: string;
}

export const CPU_SHAPE: Shape = {
  sampleTypes: [
    ['samples', 'count'],
    ['cpu', 'nanoseconds'],
  ],
  periodType: ['cpu', 'nanoseconds'],
  period: CPU_SAMPLING_US * 1000,
};
export const HEAP_SHAPE: Shape = {
  sampleTypes: [
    ['inuse_objects', 'count'],
    ['inuse_space', 'bytes'],
  ],
  periodType: ['space', 'bytes'],
  period: HEAP_SAMPLING_BYTES,
  defaultSampleType: 'inuse_space',
};

/** What HeapProfiler.getSamplingProfile returns (@types/node leaves out ids and samples). */
export interface SamplingHeapProfile {
  readonly head: HeapNode;
  readonly samples: readonly { readonly size: number; readonly nodeId: number }[];
}
interface HeapNode extends HeapProfiler.SamplingHeapProfileNode {
  readonly id: number;
  readonly children: HeapNode[];
}

function displayPath(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url;
}

/** A V8 call frame, mapped back to the TypeScript source when the code has a source map (tsx, or the bundle under --enable-source-maps). */
function frameOf(cf: Runtime.CallFrame): Frame {
  const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
  if (cf.url === '' || cf.lineNumber < 0) return { name, file: cf.url, line: 0 };
  const entry: Partial<SourceMapping> | undefined = cf.url.startsWith('file:')
    ? findSourceMap(cf.url)?.findEntry(cf.lineNumber, cf.columnNumber)
    : undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined)
    return { name, file: displayPath(entry.originalSource), line: entry.originalLine + 1 };
  return { name, file: displayPath(cf.url), line: cf.lineNumber + 1 };
}

function add(stacks: Map<string, Stack>, frames: readonly Frame[], values: readonly number[]): void {
  const key = frames.map((f) => `${f.name}\0${f.file}\0${f.line}`).join('\n');
  const found = stacks.get(key);
  if (found === undefined) stacks.set(key, { frames, values: [...values] });
  else values.forEach((v, i) => (found.values[i] = (found.values[i] ?? 0) + v));
}

/** How often each node was the leaf of a sample: V8's `samples` array, else the nodes' hitCount. */
function hitsOf(p: Profiler.Profile): Map<number, number> {
  const hits = new Map<number, number>();
  if (p.samples === undefined) for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
  else for (const id of p.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  return hits;
}

/** One pprof sample per distinct stack; (idle) is dropped, (program) and (garbage collector) are kept. */
export function collectCpu(p: Profiler.Profile, startedAtMs: number): Collected {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<string, Stack>();
  for (const [id, count] of hitsOf(p)) {
    const frames: Frame[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = nodes.get(cur)?.callFrame;
      if (cf !== undefined && !ROOTS.has(cf.functionName)) frames.push(frameOf(cf));
    }
    const leaf = frames[0];
    if (count > 0 && leaf !== undefined && !NOT_CPU.has(leaf.name)) add(stacks, frames, [count, count * CPU_SHAPE.period]);
  }
  return { stacks, timeNanos: BigInt(startedAtMs) * 1_000_000n, durationNanos: BigInt(Math.round(p.endTime - p.startTime)) * 1000n };
}

/** Live sampled allocations by stack, each scaled up by 1/(1-e^(-size/interval)) as Go scales its heap samples. */
export function collectHeap(p: SamplingHeapProfile, interval = HEAP_SAMPLING_BYTES): Collected {
  const framesOf = new Map<number, Frame[]>();
  const todo: { node: HeapNode; under: Frame[] }[] = [{ node: p.head, under: [] }];
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const { node, under } = item;
    const frames = ROOTS.has(node.callFrame.functionName) ? under : [frameOf(node.callFrame), ...under];
    framesOf.set(node.id, frames);
    for (const child of node.children) todo.push({ node: child, under: frames });
  }
  const stacks = new Map<string, Stack>();
  for (const s of p.samples) {
    const scale = 1 / (1 - Math.exp(-s.size / interval));
    add(stacks, framesOf.get(s.nodeId) ?? [{ name: '(unknown)', file: '', line: 0 }], [scale, s.size * scale]);
  }
  return { stacks, timeNanos: BigInt(Date.now()) * 1_000_000n, durationNanos: 0n };
}

/** after − before, stack by stack (values may go negative), like Go's `?seconds=N` delta profiles. */
export function delta(before: Collected, after: Collected): Collected {
  const stacks = new Map<string, Stack>();
  for (const s of after.stacks.values()) add(stacks, s.frames, s.values);
  for (const s of before.stacks.values())
    add(
      stacks,
      s.frames,
      s.values.map((v) => -v),
    );
  for (const [key, s] of stacks) if (s.values.every((v) => Math.round(v) === 0)) stacks.delete(key);
  return { stacks, timeNanos: after.timeNanos, durationNanos: after.timeNanos - before.timeNanos };
}

/** The pprof protobuf, gzipped. */
export async function encodePprof(c: Collected, shape: Shape): Promise<Buffer> {
  const strings = new StringTable();
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<string, Location>();
  const locationOf = (f: Frame): number => {
    const key = `${f.name}\0${f.file}\0${f.line}`;
    let fn = functions.get(key);
    if (fn === undefined) {
      fn = new PprofFunction({
        id: functions.size + 1,
        name: strings.dedup(f.name),
        systemName: strings.dedup(f.name),
        filename: strings.dedup(f.file),
        startLine: f.line,
      });
      functions.set(key, fn);
    }
    let loc = locations.get(key);
    if (loc === undefined) {
      loc = new Location({ id: locations.size + 1, mappingId: 1, line: [new Line({ functionId: fn.id, line: f.line })] });
      locations.set(key, loc);
    }
    return Number(loc.id);
  };
  const sample = [...c.stacks.values()].map(
    (s) => new Sample({ locationId: s.frames.map(locationOf), value: s.values.map((v) => Math.round(v)) }),
  );
  const profile = new Profile({
    sampleType: shape.sampleTypes.map(([type, unit]) => new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) })),
    sample,
    mapping: [
      new Mapping({ id: 1, filename: strings.dedup(process.execPath), hasFunctions: true, hasFilenames: true, hasLineNumbers: true }),
    ],
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: strings,
    timeNanos: c.timeNanos,
    durationNanos: c.durationNanos,
    periodType: new ValueType({ type: strings.dedup(shape.periodType[0]), unit: strings.dedup(shape.periodType[1]) }),
    period: shape.period,
    defaultSampleType: shape.defaultSampleType === undefined ? 0 : strings.dedup(shape.defaultSampleType),
  });
  return gzipP(profile.encode());
}

/** A readable listing for `?debug=1`, in the spirit of Go's legacy text heap profile. */
export function renderText(c: Collected, shape: Shape): string {
  const names = shape.sampleTypes.map(([type, unit]) => `${type}/${unit}`).join(' ');
  const rows = [...c.stacks.values()].sort((a, b) => (b.values.at(-1) ?? 0) - (a.values.at(-1) ?? 0));
  const lines = [`node heap profile: ${rows.length} stacks (${names}), sampled every ${shape.period} bytes`];
  for (const s of rows) {
    lines.push(`${s.values.map((v) => Math.round(v)).join(': ')} @`);
    for (const f of s.frames) lines.push(`#\t${f.name}\t${f.file}:${f.line}`);
  }
  return `${lines.join('\n')}\n`;
}
