// The traces view (`go tool pprof -traces`): every sample's stack, leaf first,
// with its labels and value, in profile order; samples left with no frame are
// skipped. Values are each in their own best unit, as pprof prints them.
import { label, scaledLabel } from './format.ts';
import { padStart } from './gofloat.ts';
import { compareGo } from './granularity.ts';
import { profileLabels } from './header.ts';
import type { Prepared } from './prepare.ts';
import { numLabelUnits } from './tagfilter.ts';

interface Entry {
  readonly key: string;
  readonly values: readonly string[];
}

export interface TraceFrame {
  readonly name: string;
  /** Inlined into the next frame (the caller) of the same location. */
  readonly inline: boolean;
}

export interface Trace {
  readonly value: number;
  readonly valueText: string;
  /** String labels, then numeric ones formatted with their units, each in pprof's order. */
  readonly labels: readonly Entry[];
  readonly numLabels: readonly Entry[];
  readonly frames: readonly TraceFrame[];
}

export interface TracesReport {
  readonly legend: readonly string[];
  readonly traces: readonly Trace[];
}

/** pprof sorts the printed "%10s:  %s" lines, so shorter keys (more padding) come first. */
const line = (e: Entry): string => `${padStart(e.key, 10)}:  ${e.values.join(' ')}`;
const sorted = (entries: Entry[]): Entry[] => entries.sort((a, b) => compareGo(line(a), line(b)));

export function traces(v: Prepared): TracesReport {
  const p = v.profile;
  const unit = v.sampleType.unit;
  const formatValue = (x: number): string => scaledLabel(x, unit, 'minimum');
  const units = numLabelUnits(p);
  const out: Trace[] = [];
  for (const s of p.samples) {
    const frames: TraceFrame[] = [];
    for (const li of s.locations) {
      const ids = v.table.locationNodes[li] ?? [];
      ids.forEach((id, i) => frames.push({ name: v.table.names[id] ?? '', inline: i !== ids.length - 1 }));
    }
    if (frames.length === 0) continue;
    const value = s.values[v.valueIndex] ?? 0;
    out.push({
      value,
      valueText: formatValue(value),
      labels: sorted([...s.labels].map(([key, vals]) => ({ key, values: vals }))),
      numLabels: sorted([...s.numLabels].map(([key, vals]) => ({ key, values: vals.map((n) => label(n.value, units.get(key) ?? key)) }))),
      frames,
    });
  }
  const legend = profileLabels({ profile: p, sampleType: v.sampleType.type, sampleUnit: unit, total: v.total, formatValue });
  return { legend, traces: out };
}
