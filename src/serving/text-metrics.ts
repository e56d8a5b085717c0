// A few counters, gauges and histograms in the Prometheus text format (0.0.4),
// for the sidecar, which has five metrics: prom-client with its default metrics
// adds ~7.5 MiB when loaded from node_modules (bench/sidecar's dependency
// probe); bundled, it was most of the ~1.3 MiB the sidecar shed with
// jsonwebtoken and http-proxy-3 — in every injected pod. The gateway and the
// webhook keep prom-client (src/serving/metrics.ts). Both satisfy MetricsSource.
import { memoryUsage, cpuUsage } from 'node:process';

/** What the health server serves on /metrics. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

type Labels<L extends string> = Partial<Record<L, string | number>>;

interface Metric {
  render(): string;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function number(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  return v === -Infinity ? '-Inf' : String(v);
}

/** Series keyed by their label values, in the order the label names give. */
class Series<L extends string, V> {
  private readonly byKey = new Map<string, { values: string[]; v: V }>();
  constructor(
    private readonly names: readonly L[],
    private readonly fresh: () => V,
  ) {}

  at(labels: Labels<L> = {}): V {
    const values = this.names.map((n) => String(labels[n] ?? ''));
    const key = values.join('\u0000');
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = { values, v: this.fresh() }));
    return s.v;
  }

  *entries(): Iterable<{ labels: (extra?: string) => string; v: V }> {
    for (const s of this.byKey.values()) yield { labels: (extra) => labelText(this.names, s.values, extra), v: s.v };
  }
}

interface Options<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

function header(o: Options<string>, type: string): string {
  return `# HELP ${o.name} ${o.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${o.name} ${type}\n`;
}

export class Counter<L extends string = never> implements Metric {
  private readonly series: Series<L, { n: number }>;
  constructor(private readonly o: Options<L>) {
    this.series = new Series(o.labelNames ?? [], () => ({ n: 0 }));
  }
  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.o.name}: a counter only goes up`);
    this.series.at(labels).n += by;
  }
  render(): string {
    let out = header(this.o, 'counter');
    for (const s of this.series.entries()) out += `${this.o.name}${s.labels()} ${number(s.v.n)}\n`;
    return out;
  }
}

export class Gauge implements Metric {
  private n = 0;
  constructor(private readonly o: Options<never>) {}
  set(v: number): void {
    this.n = v;
  }
  inc(by = 1): void {
    this.n += by;
  }
  dec(by = 1): void {
    this.n -= by;
  }
  render(): string {
    return `${header(this.o, 'gauge')}${this.o.name} ${number(this.n)}\n`;
  }
}

export class Histogram<L extends string = never> implements Metric {
  private readonly series: Series<L, { counts: number[]; sum: number; count: number }>;
  private readonly buckets: readonly number[];
  constructor(private readonly o: Options<L> & { readonly buckets: readonly number[] }) {
    this.buckets = [...o.buckets].sort((a, b) => a - b);
    this.series = new Series(o.labelNames ?? [], () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
  }
  observe(labels: Labels<L>, v: number): void {
    const s = this.series.at(labels);
    const i = this.buckets.findIndex((b) => v <= b);
    if (i !== -1) s.counts[i]! += 1;
    s.sum += v;
    s.count += 1;
  }
  render(): string {
    let out = header(this.o, 'histogram');
    for (const s of this.series.entries()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.v.counts[i]!;
        out += `${this.o.name}_bucket${s.labels(`le="${number(b)}"`)} ${cumulative}\n`;
      });
      out += `${this.o.name}_bucket${s.labels('le="+Inf"')} ${s.v.count}\n`;
      out += `${this.o.name}_sum${s.labels()} ${number(s.v.sum)}\n${this.o.name}_count${s.labels()} ${s.v.count}\n`;
    }
    return out;
  }
}

/** The process figures prom-client's defaults start with: CPU, resident memory, heap, start time. */
class ProcessMetrics implements Metric {
  private readonly started = Math.round(Date.now() / 1000 - performance.now() / 1000);
  constructor(private readonly prefix: string) {}
  render(): string {
    const cpu = cpuUsage();
    const mem = memoryUsage();
    const p = this.prefix;
    const line = (name: string, type: string, help: string, v: number): string =>
      `# HELP ${p}${name} ${help}\n# TYPE ${p}${name} ${type}\n${p}${name} ${v}\n`;
    return (
      line('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.', cpu.user / 1e6) +
      line('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.', cpu.system / 1e6) +
      line('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6) +
      line('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', this.started) +
      line('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss) +
      line('heap_size_total_bytes', 'gauge', 'Process heap size from the JavaScript engine in bytes.', mem.heapTotal) +
      line('heap_size_used_bytes', 'gauge', 'Process heap size used from the JavaScript engine in bytes.', mem.heapUsed) +
      line('external_memory_bytes', 'gauge', 'Engine external memory size in bytes.', mem.external)
    );
  }
}

/** A registry of this file's metrics plus the process figures, under `prefix` (e.g. "podprof_sidecar_"). */
export class TextRegistry implements MetricsSource {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly all: Metric[];
  constructor(prefix: string) {
    this.all = [new ProcessMetrics(prefix)];
  }
  add<M extends Metric>(m: M): M {
    this.all.push(m);
    return m;
  }
  metrics(): Promise<string> {
    return Promise.resolve(this.all.map((m) => m.render()).join('\n'));
  }
}
