// Sidecar benchmark: podprof's sidecar beside its anchors, in one run, in front
// of the same upstreams (bench/sidecar/anchors.ts): a Go TLS proxy checking the
// same tokens (the baseline), a bare Node https pipe, and the sidecar bundle on
// Node (as the image runs it), Bun and Deno; `direct` is plain http to the app.
// Reports, never asserts: it exits 0 when a goal is missed and prints MISS.
// Run with `npm run bench:sidecar`.
//
//  1. small profile (goroutine, Go fixture): start → listening, idle RSS,
//     latency p50/p99 in interleaved batches, RSS growth over 10,000 requests;
//  2. 50 MiB body (bench/sidecar/big-upstream.ts, its own process): throughput,
//     median of 5, and peak RSS while 50 streams are read at once;
//  3. what each dependency adds at start, on Node and Bun (dependency-probe.mjs).
//
// Figures go to bench/results/sidecar.json. BENCH_QUICK=1 shrinks the counts
// for a smoke run (written to sidecar-quick.json, not meant to be quoted).
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGoTarget } from '../../demo/go-target.ts';
import { makeKeys, NODE, REPO } from '../../test/kit/product/sidecar.ts';
import { killChildrenOnExit, killEverything, printedPort, processGroups, stop, track } from '../lib/children.ts';
import { cpuMark, foreignCpuShare, machineInfo, round, table, writeResults, type Percentiles } from '../lib/stats.ts';
import { anchorContext, ANCHORS, startAnchor, type AnchorContext, type AnchorName, type Running } from './anchors.ts';
import { expectOk, get, side, type Side } from './client.ts';
import { growth, latency, memory, throughput, underLoad, type Growth, type LoadResult, type Memory } from './measure.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  warmup: QUICK ? 20 : 200,
  requests: QUICK ? 200 : 2000,
  batches: 20,
  growthRequests: QUICK ? 1000 : 10_000,
  growthConcurrency: 8,
  bodyBytes: 50 * 1024 * 1024,
  throughputRuns: QUICK ? 2 : 5,
  streams: QUICK ? 10 : 50,
} as const;
const RESULTS = join(REPO, QUICK ? 'bench/results/sidecar-quick.json' : 'bench/results/sidecar.json');
/** The runtime the image ships (Dockerfile.sidecar): the goals are judged on it; the other sidecars are for comparison. */
const SHIPPED: AnchorName = 'sidecar-node';
const GOALS = {
  idleRssMiB: 32,
  idleVsGo: 2,
  loadRssMiB: 64,
  growth: 0.05,
  addedP50Ms: 1,
  addedP99Ms: 3,
  addedVsGo: 1.5,
  throughputVsGo: 0.9,
} as const;

killChildrenOnExit();
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

interface Small {
  startMs: number;
  idle: Memory;
  latency: Percentiles & { bytes: number };
  growth: Growth;
}
interface Big {
  idle: Memory;
  throughput: { median: number; runs: number[] };
  load: LoadResult;
  afterLoad: Memory;
}
type PerAnchor<T> = Partial<Record<AnchorName, T | { error: string }>>;
const ok = <T>(v: T | { error: string } | undefined): T | undefined =>
  v === undefined || (typeof v === 'object' && v !== null && 'error' in v) ? undefined : v;

async function started(
  names: readonly AnchorName[],
  ctx: AnchorContext,
  upstream: string,
  extra: readonly string[],
  failed: PerAnchor<unknown>,
): Promise<Running[]> {
  const out: Running[] = [];
  for (const n of names) {
    try {
      const r = await startAnchor(n, ctx, upstream, n.startsWith('sidecar') ? extra : []);
      processGroups.add(r.pid);
      out.push(r);
    } catch (err) {
      failed[n] = { error: (err as Error).message.slice(0, 300) };
      log(`${n} failed to start: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  return out;
}

/** Three requests on one keep-alive connection, each answered within 5 s: a side that cannot is reported, not measured. */
async function answering(
  running: Running[],
  ctx: AnchorContext,
  path: string,
  type: 'goroutine' | 'heap',
  failed: PerAnchor<unknown>,
): Promise<Running[]> {
  const out: Running[] = [];
  for (const r of running) {
    const s = sideOf(r, ctx, path, type, 1);
    try {
      for (const h of s.headers(3)) expectOk(await get(s.url, s.agent, h, 5000), `${r.name} probe`);
      out.push(r);
    } catch (err) {
      failed[r.name] = { error: `keep-alive probe: ${(err as Error).message.slice(0, 200)}` };
      log(`${r.name} is left out: ${(err as Error).message.slice(0, 200)}`);
      await stop(r.child);
    }
    s.agent.destroy();
  }
  return out;
}

const sideOf = (r: Running, ctx: AnchorContext, path: string, type: 'goroutine' | 'heap', sockets: number): Side =>
  side(r.name, r.url, path, r.tokens ? ctx.keys : undefined, type, sockets);

async function smallProfile(ctx: AnchorContext): Promise<{ direct: Percentiles; per: PerAnchor<Small> }> {
  // -workload=false: the fixture's synthetic workload burns ~40 % of a core, noise for every side.
  const target = await startGoTarget({ args: ['-workload=false'] });
  const per: PerAnchor<Small> = {};
  const running = await answering(await started(ANCHORS, ctx, target.url, [], per), ctx, '/debug/pprof/goroutine', 'goroutine', per);
  try {
    await sleep(1000);
    const idle = new Map(running.map((r) => [r.name, memory(r.pid)]));
    log('1. latency, small profile');
    const sides = [
      side('direct', target.url, '/debug/pprof/goroutine', undefined, 'goroutine', 1),
      ...running.map((r) => sideOf(r, ctx, '/debug/pprof/goroutine', 'goroutine', 1)),
    ];
    const lat = await latency(sides, CFG);
    for (const s of sides) s.agent.destroy();
    for (const r of running) {
      log(`1. RSS across ${CFG.growthRequests} requests: ${r.name}`);
      const s = sideOf(r, ctx, '/debug/pprof/goroutine', 'goroutine', CFG.growthConcurrency);
      try {
        per[r.name] = {
          startMs: r.startMs,
          idle: idle.get(r.name)!,
          latency: lat[r.name]!,
          growth: await growth(s, r.pid, CFG.growthRequests, CFG.growthConcurrency),
        };
      } catch (err) {
        per[r.name] = { error: (err as Error).message.slice(0, 300) };
      }
      s.agent.destroy();
    }
    return { direct: lat.direct!, per };
  } finally {
    for (const r of running) await stop(r.child);
    await target.stop();
  }
}

async function startBigUpstream(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = track(
    spawn(NODE, [join(REPO, 'bench/sidecar/big-upstream.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BIG_UPSTREAM_BYTES: String(CFG.bodyBytes) },
    }),
  );
  const port = await printedPort(child, 'big upstream');
  return { url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

async function bigBody(ctx: AnchorContext): Promise<{ direct: number; per: PerAnchor<Big> }> {
  const big = await startBigUpstream();
  const per: PerAnchor<Big> = {};
  const running = await answering(
    await started(ANCHORS, ctx, big.url, ['--max-response-bytes', '1GiB'], per),
    ctx,
    '/debug/pprof/heap',
    'heap',
    per,
  );
  try {
    await sleep(1000);
    const idle = new Map(running.map((r) => [r.name, memory(r.pid)]));
    log('2. throughput, 50 MiB');
    const sides = [
      side('direct', big.url, '/debug/pprof/heap', undefined, 'heap', 1),
      ...running.map((r) => sideOf(r, ctx, '/debug/pprof/heap', 'heap', 1)),
    ];
    const tp = await throughput(sides, CFG.bodyBytes, CFG.throughputRuns);
    for (const s of sides) s.agent.destroy();
    for (const r of running) {
      log(`2. RSS under ${CFG.streams} streams: ${r.name}`);
      const s = sideOf(r, ctx, '/debug/pprof/heap', 'heap', CFG.streams);
      const load = await underLoad(s, r.pid, CFG.streams, CFG.bodyBytes);
      s.agent.destroy();
      await sleep(1000);
      per[r.name] = { idle: idle.get(r.name)!, throughput: tp[r.name]!, load, afterLoad: memory(r.pid) };
    }
    return { direct: tp.direct!.median, per };
  } finally {
    for (const r of running) await stop(r.child);
    await big.stop();
  }
}

function dependencies(): Record<string, Array<{ step: string; rssMiB: number }>> {
  const runtimes = { node: [NODE, '--expose-gc'], bun: [join(REPO, 'node_modules/.bin/bun')] };
  const out: Record<string, Array<{ step: string; rssMiB: number }>> = {};
  for (const [name, [cmd, ...args]] of Object.entries(runtimes)) {
    const r = spawnSync(cmd!, [...args, join(REPO, 'bench/sidecar/dependency-probe.mjs')], { encoding: 'utf8', timeout: 30_000 });
    out[name] = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{"step"'))
      .map((l) => JSON.parse(l) as { step: string; rssMiB: number });
  }
  return out;
}

// ---------------------------------------------------------------- report

const f = (n: number | undefined, d: number, unit = ''): string => (n === undefined || Number.isNaN(n) ? '—' : `${n.toFixed(d)}${unit}`);

interface Goal {
  metric: string;
  value: (s: Small | undefined, b: Big | undefined) => number | undefined;
  digits: number;
  unit: string;
  goal: string;
  met: (v: number, go: number | undefined) => boolean;
}

function goals(direct: { latency: Percentiles; throughput: number }): Goal[] {
  return [
    {
      metric: 'idle RSS (MiB)',
      value: (s) => s?.idle.rss,
      digits: 1,
      unit: '',
      goal: `≤ ${GOALS.idleRssMiB} and ≤ ${GOALS.idleVsGo}× go`,
      met: (v, go) => v <= GOALS.idleRssMiB && go !== undefined && v <= GOALS.idleVsGo * go,
    },
    { metric: '  of it anonymous (own) memory', value: (s) => s?.idle.anon, digits: 1, unit: '', goal: '(info)', met: () => true },
    {
      metric: `RSS peak, ${CFG.streams} × 50 MiB streams`,
      value: (_, b) => b?.load.peakMiB,
      digits: 1,
      unit: '',
      goal: `≤ ${GOALS.loadRssMiB}`,
      met: (v) => v <= GOALS.loadRssMiB,
    },
    {
      metric: `RSS growth over ${CFG.growthRequests} requests`,
      value: (s) => (s ? s.growth.growth * 100 : undefined),
      digits: 1,
      unit: ' %',
      goal: `≤ ${GOALS.growth * 100} %`,
      met: (v) => v <= GOALS.growth * 100,
    },
    { metric: 'start → listening (ms)', value: (s) => s?.startMs, digits: 0, unit: '', goal: '(info)', met: () => true },
    {
      metric: 'added latency p50, small profile (ms)',
      value: (s) => (s ? s.latency.p50 - direct.latency.p50 : undefined),
      digits: 3,
      unit: '',
      goal: `≤ ${GOALS.addedP50Ms} and ≤ ${GOALS.addedVsGo}× go`,
      met: (v, go) => v <= GOALS.addedP50Ms && go !== undefined && v <= GOALS.addedVsGo * go,
    },
    {
      metric: 'added latency p99, small profile (ms)',
      value: (s) => (s ? s.latency.p99 - direct.latency.p99 : undefined),
      digits: 3,
      unit: '',
      goal: `≤ ${GOALS.addedP99Ms} and ≤ ${GOALS.addedVsGo}× go`,
      met: (v, go) => v <= GOALS.addedP99Ms && go !== undefined && v <= GOALS.addedVsGo * go,
    },
    {
      metric: '50 MiB throughput (MiB/s)',
      value: (_, b) => b?.throughput.median,
      digits: 0,
      unit: '',
      goal: `≥ ${GOALS.throughputVsGo * 100} % of go`,
      met: (v, go) => go !== undefined && v >= GOALS.throughputVsGo * go,
    },
  ];
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadAtStart = loadavg().map((x) => round(x));
  log(
    `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load average ${loadAtStart.join(' ')}${QUICK ? ' (BENCH_QUICK smoke run)' : ''}`,
  );
  const cpu0 = cpuMark();
  const ctx = await anchorContext(makeKeys());
  let small: Awaited<ReturnType<typeof smallProfile>>;
  let big: Awaited<ReturnType<typeof bigBody>>;
  try {
    small = await smallProfile(ctx);
    big = await bigBody(ctx);
  } finally {
    killEverything();
  }
  log('3. dependency shares');
  const deps = dependencies();
  const foreign = foreignCpuShare(cpu0, cpuMark());

  const rows = goals({ latency: small.direct, throughput: big.direct }).map((g) => {
    const v = (n: AnchorName): number | undefined => g.value(ok(small.per[n]), ok(big.per[n]));
    const shipped = v(SHIPPED);
    const result = g.goal === '(info)' ? '' : shipped === undefined ? 'n/a' : g.met(shipped, v('go')) ? 'pass' : 'MISS';
    return {
      metric: g.metric,
      ...Object.fromEntries(ANCHORS.map((n) => [n, f(v(n), g.digits, g.unit)])),
      vsGo: shipped !== undefined && v('go') ? `× ${(shipped / v('go')!).toFixed(2)}` : '—',
      goal: g.goal,
      result,
    };
  });
  const header = ['metric', ...ANCHORS, `${SHIPPED} / go`, 'goal', `result (${SHIPPED})`];
  const text = table([
    header,
    ...rows.map((r) => [r.metric, ...ANCHORS.map((n) => (r as unknown as Record<string, string>)[n]!), r.vsGo, r.goal, r.result]),
  ]);
  const misses = rows.filter((r) => r.result === 'MISS').length;
  const depLines = Object.entries(deps).map(
    ([rt, steps]) =>
      `${rt}: ${steps.map((s, i) => `${s.step} ${i === 0 ? f(s.rssMiB, 1) : `+${f(s.rssMiB - steps[i - 1]!.rssMiB, 1)}`}`).join('; ')} (MiB)`,
  );
  const errors = ANCHORS.flatMap((n) =>
    [small.per[n], big.per[n]].filter((x) => x && 'error' in x).map((x) => `${n}: ${(x as { error: string }).error}`),
  );
  process.stdout.write(
    `\npodprof sidecar benchmark — ${machine.cpu} (${machine.cores} cores), ${machine.date}${QUICK ? ' — BENCH_QUICK smoke run' : ''}\n\n${text}\n\n`,
  );
  process.stdout.write(
    [
      `direct (no proxy): small profile p50 ${f(small.direct.p50, 3)} ms, p99 ${f(small.direct.p99, 3)} ms; 50 MiB ${f(big.direct, 0)} MiB/s`,
      `go: Go TLS reverse proxy with the same ES256 check (bench/sidecar/go-proxy); bare-node: Node https → http pipe, no auth; the sidecars run the same bundle (dist/), Node with the image's NODE_OPTIONS`,
      `dependencies at start (RSS after each step, dependency-probe.mjs): ${depLines.join(' | ')}`,
      ...errors.map((e) => `FAILED ${e}`),
      `other processes used ≈ ${f(foreign * 100, 0)} % of the machine's CPU during the run`,
      `${misses === 0 ? 'all goals met' : `${misses} goal(s) MISSED`} by ${SHIPPED}; figures in ${RESULTS}`,
    ].join('\n') + '\n',
  );
  writeResults(RESULTS, {
    machine: { ...machine, loadavgAtStart: loadAtStart, foreignCpuShare: round(foreign, 3) },
    quick: QUICK,
    config: CFG,
    goals: GOALS,
    shipped: SHIPPED,
    direct: { latency: small.direct, throughputMiBs: big.direct },
    small: small.per,
    big: big.per,
    dependencies: deps,
    table: rows,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killEverything();
  process.exitCode = 1;
});
