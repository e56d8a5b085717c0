// The text `go tool trace -d=parsed` prints for a parsed trace: each event as
// internal/trace's Event.String() writes it, then a newline (Println), then
// the error if parsing stopped on one. For comparing this parser with Go's
// event for event; not a format for users. Pure and isomorphic.
import { absoluteTime, ARGS, type ParsedTrace } from './events.ts';
import {
  KIND,
  KIND_NAMES,
  KIND_OF,
  METRIC_NAMES,
  newTransition,
  range,
  RESOURCE,
  stackOf,
  transition,
  type RangeView,
} from './event-view.ts';
import { goQuote } from './go-quote.ts';
import { EV, goStateName, procStateName, SPECS } from './spec.ts';
import type { GenTables } from './tables.ts';

const NO_TASK = '18446744073709551615';
const u64 = (v: number, radix = 10): string => (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v).toString(radix);
const task = (v: number): string => (v === -1 ? NO_TASK : u64(v));
const value = (v: number): string => `Value{Uint64(${u64(v)})}`;

/** Go's printStack: two lines a frame, each prefixed. */
export function stackText(tables: GenTables | undefined, id: number, prefix: string): string {
  const pcs = tables?.stacks.get(id);
  if (pcs === undefined || tables === undefined) return '';
  let out = '';
  for (const pc of pcs) {
    const f = tables.frames.get(pc);
    const fn = f === undefined ? '' : (tables.strings.get(f.funcId) ?? '');
    const file = f === undefined ? '' : (tables.strings.get(f.fileId) ?? '');
    out += `${prefix}${fn} @ 0x${u64(pc, 16)}\n${prefix}\t${file}:${f === undefined ? 0 : u64(f.line)}\n`;
  }
  return out;
}

/** time.Unix(sec, nsec).UTC().Format(time.RFC3339Nano). */
export function rfc3339Nano(sec: number, nsec: number): string {
  const total = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
  const s = total / 1_000_000_000n - (total % 1_000_000_000n < 0n ? 1n : 0n);
  const ns = Number(total - s * 1_000_000_000n);
  const date = new Date(Number(s) * 1000).toISOString().slice(0, 19);
  const frac = ns === 0 ? '' : `.${String(ns).padStart(9, '0').replace(/0+$/, '')}`;
  return `${date}${frac}Z`;
}

const str = (tables: GenTables | undefined, id: number): string => tables?.strings.get(id) ?? '';

class Formatter {
  private readonly tr = newTransition();
  private readonly rv: RangeView = { name: '', scope: 0, scopeId: 0 };

  constructor(private readonly t: ParsedTrace) {}

  private scope(scope: number, id: number): string {
    return scope === RESOURCE.None ? 'None' : `${scope === RESOURCE.Goroutine ? 'Goroutine' : 'Proc'}(${id})`;
  }

  /** The kind-specific part of Event.String(). */
  private details(i: number, kind: number, tables: GenTables | undefined): string {
    const t = this.t;
    const a = i * ARGS;
    const arg = (k: number): number => t.args[a + k]!;
    switch (kind) {
      case KIND.Metric:
        return ` Name=${goQuote(METRIC_NAMES[t.type[i]!]!)} Value=${value(arg(0))}`;
      case KIND.Label:
        return ` Label=${goQuote(str(tables, arg(0)))} Resource=Goroutine(${t.g[i]})`;
      case KIND.RangeBegin:
      case KIND.RangeActive:
      case KIND.RangeEnd:
        return this.rangeText(i, kind, tables);
      case KIND.TaskBegin:
        return ` ID=${task(arg(0))} Parent=${task(arg(1))} Type=${goQuote(str(tables, arg(2)))}`;
      case KIND.TaskEnd:
        return ` ID=${task(arg(0))} Parent=${task(arg(2))} Type=${goQuote(t.extraStrings[arg(3)] ?? '')}`;
      case KIND.RegionBegin:
      case KIND.RegionEnd:
        return ` Task=${task(arg(0))} Type=${goQuote(str(tables, arg(1)))}`;
      case KIND.Log:
        return ` Task=${task(arg(0))} Category=${goQuote(str(tables, arg(1)))} Message=${goQuote(str(tables, arg(2)))}`;
      case KIND.StateTransition:
        return this.transitionText(i, tables);
      case KIND.Experimental:
        return this.experimentalText(i);
      case KIND.Sync:
        return this.syncText(i);
      default:
        return '';
    }
  }

  private rangeText(i: number, kind: number, tables: GenTables | undefined): string {
    const r = range(this.t, i, tables, this.rv);
    let out = ` Name=${goQuote(r.name)} Scope=${this.scope(r.scope, r.scopeId)}`;
    if (kind === KIND.RangeEnd) {
      const a = i * ARGS;
      const attrs =
        this.t.type[i] === EV.GCSweepEnd ? `"bytes swept"=${value(this.t.args[a]!)} "bytes reclaimed"=${value(this.t.args[a + 1]!)}` : '';
      out += ` Attributes=[${attrs}]`;
    }
    return out;
  }

  private transitionText(i: number, tables: GenTables | undefined): string {
    const s = transition(this.t, i, this.tr);
    let out =
      s.resource === RESOURCE.Goroutine
        ? ` GoID=${s.id} ${goStateName(s.from)}->${goStateName(s.to)}`
        : ` ProcID=${s.id} ${procStateName(s.from)}->${procStateName(s.to)}`;
    out += ` Reason=${goQuote(str(tables, s.reason))}`;
    if (s.stackShown) out += `\nTransitionStack=\n${stackText(tables, s.stack, '\t')}`;
    return out;
  }

  private experimentalText(i: number): string {
    const spec = SPECS[this.t.type[i]!]!;
    const args = spec.args.slice(1).map((name, k) => `${name}=${value(this.t.args[i * ARGS + k]!)}`);
    return ` Name=${spec.name} Args=[${args.join(', ')}]`;
  }

  private syncText(i: number): string {
    const t = this.t;
    const gen = t.args[i * ARGS + 1]!;
    let out = ` N=${t.args[i * ARGS]}`;
    const g = gen >= 0 ? t.generations[gen] : undefined;
    if (g?.hasClockSnapshot === true)
      out += ` Trace=${absoluteTime(t, g.snapTime)} Mono=${g.snapMono} Wall=${rfc3339Nano(g.snapSec, g.snapNsec)}`;
    return out;
  }

  /** Event.String() of event i. */
  event(i: number, tables: GenTables | undefined): string {
    const t = this.t;
    const typ = t.type[i]!;
    const kind = KIND_OF[typ]!;
    let out = `M=${t.m[i]} P=${t.p[i]} G=${t.g[i]} ${KIND_NAMES[kind]} Time=${absoluteTime(t, t.time[i]!)}`;
    out += this.details(i, kind, tables);
    if (typ !== EV.SyncEvent) {
      const stack = stackOf(t, i);
      if (stack !== 0 || typ === EV.CPUSample) out += `\nStack=\n${stackText(tables, stack, '\t')}`;
    }
    return out;
  }
}

/** Every line `go tool trace -d=parsed` prints to stdout, as one string per event (each ends with "\n"). */
export function* formatParsed(t: ParsedTrace): Generator<string> {
  const f = new Formatter(t);
  let tables: GenTables | undefined;
  for (let i = 0; i < t.count; i++) {
    if (t.type[i] === EV.SyncEvent) {
      const g = t.args[i * ARGS + 1]!;
      tables = g >= 0 ? t.generations[g] : undefined;
    }
    yield `${f.event(i, tables)}\n`;
  }
}
