// Scrape benchmark (issue 11): continuous profiling of many pods through one
// gateway, against the same load sent straight to the sidecars, in one run.
// Reports, never asserts. `npm run bench:scrape` (BENCH_PODS=N to change the
// pod count, BENCH_INTERVALS=N the intervals per mode, BENCH_GATEWAY_NODE_ARGS
// node flags for the gateway; BENCH_QUICK=1 for a smoke run whose figures are
// not to be quoted).
//
// Three processes besides this one, so the gateway's own CPU and memory can be
// read from /proc: N synthetic sidecars (bench/scrape/sidecars.ts: real Go
// profile bytes, a CPU profile after the seconds asked, a 429 on an overlapping
// CPU capture), `podprof gateway` as users run it (the bundle, static discovery
// of the N pods, static token, allow-all authorization, audit log on), and the
// scraper (bench/scrape/scraper.ts), shaped as Alloy's scrape loops: the five
// default types per pod every 15 s, CPU for 14 s.
//
//  1. direct: the scraper calls each sidecar itself (the baseline);
//  2. gateway: the scraper discovers the targets at /sd/targets and scrapes the
//     URLs it yields, as Alloy does with podprof's config;
//  2b. share: a new gateway alone, scraped for the pods replica 0 gets in mode
//     3 (a third of them): one gateway at a replica's load, the baseline of
//     the scaling figure, since a gateway's CPU per scrape grows as its load falls;
//  3. replicas: the same through BENCH_REPLICAS (3) gateways on one shared
//     store, each pod's scrapes pinned to one replica as a Service's
//     connection balancing pins a keep-alive connection (pod k → replica k mod N).
//  4. capacity: the same replicas, each limited to BENCH_CAPACITY_CORES (0.25)
//     of a core by a CPU cgroup, as `limits.cpu` limits a pod, under a load
//     that keeps 32 scrapes in flight per replica (bench/scrape/saturate.ts):
//     the scrapes a second replica 0 alone answers for every pod, and the three
//     together, each for its share. Their ratio is the scaling, measured rather
//     than computed, at the load where capacity is decided. Needs root and a
//     writable cgroup tree; says so and goes on without.
//
// Per mode: scrapes and failures, latency of the non-CPU scrapes (p50/p99),
// CPU scrape duration, and for the gateway: CPU ms per scrape (utime+stime
// from /proc), over the whole run and after the first interval (the steady
// state: JIT, token caches and sidecar connections warm, as in a gateway
// running for days; every mode's gateways are started anew), its main thread's
// and the kernel's part, the main thread's wakeups per scrape, RSS (peak and at
// the end), open sockets (peak), the cores it used, and the pods one core
// carries at the steady state's CPU per scrape; the TLS handshakes the sidecars
// accepted per scrape; before any load, the gateway's idle CPU and wakeups a
// second. For replicas the CPU, RSS and sockets are summed over them, and
// the scaling is N × the replicas' pods per core over one gateway's at a
// replica's load (mode 2b), and over the one gateway carrying every pod (mode
// 2): what N replicas carry when each has a core (the machine has 2, so it is
// computed here; mode 4 measures it with a limit instead of a core each).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCertificate } from '../../src/tls/x509.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { makeKeys, REPO } from '../../test/kit/product/sidecar.ts';
import { killChildrenOnExit, stop, track } from '../lib/children.ts';
import { CPU_PERIOD_US, type CpuQuota, limitCpu } from '../lib/cpu-quota.ts';
import {
  clockTicksPerSecond,
  cpuMark,
  cpuTicks,
  cpuTimes,
  type CpuMark,
  machineInfo,
  round,
  summarize,
  table,
  wakeups,
  writeResults,
} from '../lib/stats.ts';
import { rssMiB } from '../../test/kit/measure/rss.ts';
import type { GroupResult } from './saturate.ts';
import type { Scrape } from './scraper.ts';
import { SCRAPE_TYPES, SIDECAR_PORT, sidecarIp } from './sidecars.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  pods: Number(process.env.BENCH_PODS ?? (QUICK ? 50 : 500)),
  intervalS: 15,
  intervals: Number(process.env.BENCH_INTERVALS ?? (QUICK ? 2 : 3)),
  namespaces: 20,
  replicas: Number(process.env.BENCH_REPLICAS ?? 3),
  /** Mode 4: each gateway's CPU limit, the scrapes kept in flight per gateway, the measured window in seconds, the rounds, the warm-up at the limit. */
  capacityCores: Number(process.env.BENCH_CAPACITY_CORES ?? 0.25),
  capacityInFlight: 32,
  capacityS: QUICK ? 5 : 10,
  capacityRounds: QUICK ? 1 : 4,
  /** A limited gateway's first ~45 s are up to 40 % slower (trials): warmed at the limit before any round counts. */
  capacityWarmS: QUICK ? 5 : 30,
};
const NODE = process.execPath;
const TSX = ['--import', 'tsx'];

killChildrenOnExit();

function startChild(args: string[], name: string): { child: ChildProcess; lines: AsyncIterator<string>; output: Promise<string> } {
  const child = track(spawn(NODE, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], detached: true }));
  const rl = createInterface({ input: child.stdout });
  const lines = rl[Symbol.asyncIterator]();
  const output = new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) =>
      code === 0 || signal === 'SIGTERM' ? resolve('') : reject(new Error(`${name} exited with ${signal ?? code}`)),
    );
  });
  return { child, lines, output };
}

async function nextLine(it: AsyncIterator<string>, what: string): Promise<string> {
  const r = await it.next();
  if (r.done === true) throw new Error(`${what}: no output`);
  return r.value;
}

function openSockets(pid: number): number {
  let n = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return n;
}

async function realProfiles(dir: string): Promise<void> {
  const app = await startGoTarget({ args: ['-cpu-workers', '1'] });
  try {
    for (const type of SCRAPE_TYPES) {
      const r = await fetch(`${app.url}/debug/pprof/${type}${type === 'profile' ? '?seconds=2' : ''}`);
      writeFileSync(join(dir, type), Buffer.from(await r.arrayBuffer()));
    }
  } finally {
    await app.stop();
  }
}

interface ModeResult {
  scrapes: number;
  failed: Record<string, number>;
  nonCpuMs: ReturnType<typeof summarize>;
  cpuS: ReturnType<typeof summarize>;
  wallS: number;
  scraperCpuS: number;
  gateway?: {
    cpuS: number;
    cpuMsPerScrape: number;
    cores: number;
    /**
     * After the first interval (JIT, token caches and connections warm): what a gateway running for days costs.
     * mainCpuMsPerScrape: the main thread's share (JavaScript, TLS, syscalls); the rest is V8's and libuv's helper threads (GC, JIT).
     * mainWakeupsPerScrape: how often the main thread slept and woke per scrape (fewer when a busy event loop batches events).
     * kernelCpuMsPerScrape: the part spent in the kernel (syscalls, loopback TCP, scheduling), all threads.
     */
    steady: {
      cpuS: number;
      cpuMsPerScrape: number;
      mainCpuMsPerScrape: number;
      kernelCpuMsPerScrape: number;
      mainWakeupsPerScrape: number;
      cores: number;
    };
    rssPeakMiB: number;
    rssEndMiB: number;
    socketsPeak: number;
    rssStartMiB: number;
  };
}

async function runScraper(
  plan: { readonly intervalS: number; readonly [k: string]: unknown },
  dir: string,
  name: string,
  watch?: number[],
): Promise<ModeResult> {
  const planFile = join(dir, `${name}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  const hz = clockTicksPerSecond();
  const sum = (f: (pid: number) => number): number => (watch ?? []).reduce((a, pid) => a + f(pid), 0);
  const g0 = sum((pid) => cpuTicks(pid) ?? 0);
  const rssStart = sum(rssMiB);
  let rssPeak = rssStart;
  let socketsPeak = 0;
  // The watched gateways' counters now, summed: CPU ticks (all threads; the kernel's part; the main thread's) and main-thread wakeups.
  const counters = (): { at: number; ticks: number; kernel: number; main: number; woke: number } => {
    const times = (watch ?? []).map((pid) => cpuTimes(pid) ?? { user: 0, kernel: 0 });
    return {
      at: Date.now(),
      ticks: times.reduce((a, t) => a + t.user + t.kernel, 0),
      kernel: times.reduce((a, t) => a + t.kernel, 0),
      main: sum((pid) => cpuTicks(pid, pid) ?? 0),
      woke: sum((pid) => wakeups(pid) ?? 0),
    };
  };
  const samples: ReturnType<typeof counters>[] = [];
  const sampler =
    watch !== undefined
      ? setInterval(() => {
          rssPeak = Math.max(rssPeak, sum(rssMiB));
          socketsPeak = Math.max(socketsPeak, sum(openSockets));
          samples.push(counters());
        }, 250)
      : undefined;
  const s = startChild([...TSX, 'bench/scrape/scraper.ts', planFile], 'scraper');
  const line = await nextLine(s.lines, 'scraper');
  const scraperTicks = cpuTicks(s.child.pid!) ?? 0;
  await s.output;
  if (sampler) clearInterval(sampler);
  const out = JSON.parse(line) as { scrapes: Scrape[]; started: number; ended: number };
  const failed: Record<string, number> = {};
  for (const x of out.scrapes) if (x.status !== 200) failed[`${x.type} ${x.status}`] = (failed[`${x.type} ${x.status}`] ?? 0) + 1;
  const wallS = (out.ended - out.started) / 1000;
  const result: ModeResult = {
    scrapes: out.scrapes.length,
    failed,
    nonCpuMs: summarize(
      out.scrapes.filter((x) => x.type !== 'profile' && x.status === 200).map((x) => x.ms),
      2,
    ),
    cpuS: summarize(
      out.scrapes.filter((x) => x.type === 'profile' && x.status === 200).map((x) => x.ms / 1000),
      2,
    ),
    wallS: round(wallS, 1),
    scraperCpuS: round(scraperTicks / hz, 1),
  };
  if (watch !== undefined) {
    const end = counters();
    const cpuS = (end.ticks - g0) / hz;
    // Steady state: from the first sample past the first interval to the end, and the scrapes of later intervals.
    const from = samples.find((t) => t.at >= out.started + plan.intervalS * 1000) ?? { ...end, at: out.ended };
    const steadyCpuS = (end.ticks - from.ticks) / hz;
    const steadyScrapes = out.scrapes.filter((x) => x.round >= 1).length;
    const steadyWallS = (out.ended - from.at) / 1000;
    const perSteadyScrape = (n: number, digits: number): number => round(n / Math.max(1, steadyScrapes), digits);
    const msPerSteadyScrape = (ticks: number): number => perSteadyScrape((ticks / hz) * 1000, 3);
    result.gateway = {
      cpuS: round(cpuS, 1),
      cpuMsPerScrape: round((cpuS * 1000) / out.scrapes.length, 3),
      cores: round(cpuS / wallS, 3),
      steady: {
        cpuS: round(steadyCpuS, 1),
        cpuMsPerScrape: msPerSteadyScrape(end.ticks - from.ticks),
        mainCpuMsPerScrape: msPerSteadyScrape(end.main - from.main),
        kernelCpuMsPerScrape: msPerSteadyScrape(end.kernel - from.kernel),
        mainWakeupsPerScrape: perSteadyScrape(end.woke - from.woke, 2),
        cores: round(steadyCpuS / Math.max(0.001, steadyWallS), 3),
      },
      rssStartMiB: round(rssStart, 1),
      rssPeakMiB: round(rssPeak, 1),
      rssEndMiB: round(sum(rssMiB), 1),
      socketsPeak,
    };
  }
  return result;
}

interface CapacityRound {
  /** Scrapes answered 200 a second, all loaded gateways together. */
  scrapesPerS: number;
  failed: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  /** The loaded gateways' CPU over the window, summed, in cores: at their limits when the load saturates them. */
  coresUsed: number;
  /** Share of the limit periods in which a loaded gateway ran out of its quota (1: every one). */
  throttledShare: number;
  /** Share of the machine's CPU left idle: when it is near 0, the machine, not the limits, set the figure. */
  machineIdle: number;
  /** Pods (5 types every 15 s) the gateways carry at this throughput. */
  pods: number;
  /** TLS connections the sidecars accepted per scrape: connections the gateways' pools did not keep. */
  handshakesPerScrape: number;
}

/** Several rounds as one: each round's scrapes a second, the means of the rest, the worst latencies, every failure. */
type CapacityRun = Omit<CapacityRound, 'scrapesPerS'> & { scrapesPerS: number[] };

/** Counts by key, summed. */
function addCounts(all: readonly Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all) for (const [k, n] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + n;
  return sum;
}

/**
 * Mode 4: capacity. Each gateway gets the same CPU limit (CFG.capacityCores, as a Deployment's `limits.cpu`), then a
 * load that keeps CFG.capacityInFlight scrapes in flight per gateway, non-CPU types only (a CPU scrape holds its
 * request for 14 s and costs the gateway what another type costs). `one`: gateway 0 carries every pod; `all`: group
 * i on gateway i. The throughput `all` sustains over `one`'s is the scaling, measured: each replica with its own
 * share of CPU, whatever load the others put on the machine's two cores. First gateway 0 alone without a limit: it
 * has connections to only a third of the sidecars after mode 3, and a new TLS connection per scrape made its first
 * limited round 4× slower in trials, which would measure the warm-up, not a gateway. Then each at its limit
 * for CFG.capacityWarmS, as a limited gateway's first ~45 s were up to 40 % slower in trials. Then CFG.capacityRounds
 * rounds of one and all (a 10 s round of one limited gateway moved by up to 40 % in trials; the scaling is the
 * rounds' totals over each other).
 */
async function measureCapacity(
  pids: number[],
  one: string[][],
  all: string[][],
  o: { token: string; caFile: string; dir: string; handshakes: () => Promise<number> },
): Promise<{ coresPerGateway: number; one: CapacityRun; all: CapacityRun; scaling: number; eachRound: number[] } | { skipped: string }> {
  const hz = clockTicksPerSecond();
  const sleepUntil = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const load = async (name: string, groups: string[][], quotas: CpuQuota[], windowS = CFG.capacityS): Promise<CapacityRound> => {
    const loaded = pids.slice(0, groups.length);
    const planFile = join(o.dir, `capacity-${name}.json`);
    const from = Date.now() + 3000; // the child's start and its connections, at full load
    const plan = { groups, concurrency: CFG.capacityInFlight, from, measureS: windowS, token: o.token, caFile: o.caFile };
    writeFileSync(planFile, JSON.stringify(plan));
    const s = startChild([...TSX, 'bench/scrape/saturate.ts', planFile], `capacity ${name}`);
    const mark = (): { ticks: number; throttled: number; machine: CpuMark } => ({
      ticks: loaded.reduce((a, pid) => a + (cpuTicks(pid) ?? 0), 0),
      throttled: quotas.slice(0, groups.length).reduce((a, q) => a + q.throttledPeriods(), 0),
      machine: cpuMark(),
    });
    await sleepUntil(from);
    const m0 = mark();
    const h0 = await o.handshakes();
    await sleepUntil(from + windowS * 1000);
    const m1 = mark();
    const h1 = await o.handshakes();
    const out = JSON.parse(await nextLine(s.lines, `capacity ${name}`)) as { groups: GroupResult[] };
    await s.output;
    const scrapesPerS = out.groups.reduce((a, g) => a + g.ok, 0) / windowS;
    return {
      scrapesPerS: round(scrapesPerS, 1),
      failed: addCounts(out.groups.map((g) => g.failed)),
      p50Ms: round(Math.max(...out.groups.map((g) => g.p50Ms)), 1),
      p99Ms: round(Math.max(...out.groups.map((g) => g.p99Ms)), 1),
      coresUsed: round((m1.ticks - m0.ticks) / hz / windowS, 3),
      throttledShare: round((m1.throttled - m0.throttled) / groups.length / ((windowS * 1e6) / CPU_PERIOD_US), 2),
      machineIdle: round(1 - (m1.machine.busy - m0.machine.busy) / Math.max(1, m1.machine.total - m0.machine.total), 2),
      pods: Math.floor((scrapesPerS * CFG.intervalS) / SCRAPE_TYPES.length),
      handshakesPerScrape: round((h1 - h0) / Math.max(1, scrapesPerS * windowS), 3),
    };
  };
  await load('warm-up', one, [], 10);
  const quotas = pids.map((pid, i) => limitCpu(pid, CFG.capacityCores, `podprof-bench-${process.pid}-${i}`));
  try {
    const limited = quotas.filter((q) => q !== undefined);
    if (limited.length < pids.length)
      return { skipped: 'this machine lets the benchmark make no CPU cgroup (root and a writable cgroup tree are needed)' };
    await load('warm-up', one, limited, CFG.capacityWarmS);
    await load('warm-up', all, limited, CFG.capacityWarmS);
    // Rounds in the order one, all, all, one, one, all…: a steady drift weighs on both alike.
    const groupsOf = { one, all };
    const rounds: Record<keyof typeof groupsOf, CapacityRound>[] = [];
    for (let k = 0; k < CFG.capacityRounds; k++) {
      const r = {} as (typeof rounds)[number];
      for (const which of k % 2 === 0 ? (['one', 'all'] as const) : (['all', 'one'] as const))
        r[which] = await load(which, groupsOf[which], limited);
      rounds.push(r);
    }
    const oneRuns = rounds.map((r) => r.one);
    const allRuns = rounds.map((r) => r.all);
    const total = (runs: CapacityRound[]): number => runs.reduce((a, r) => a + r.scrapesPerS, 0);
    return {
      coresPerGateway: CFG.capacityCores,
      one: overRounds(oneRuns),
      all: overRounds(allRuns),
      scaling: round(total(allRuns) / total(oneRuns), 2),
      eachRound: rounds.map((r) => round(r.all.scrapesPerS / r.one.scrapesPerS, 2)),
    };
  } finally {
    for (const q of quotas) q?.remove();
  }
}

function overRounds(runs: CapacityRound[]): CapacityRun {
  const mean = (f: (r: CapacityRound) => number, digits: number): number => round(runs.reduce((a, r) => a + f(r), 0) / runs.length, digits);
  return {
    scrapesPerS: runs.map((r) => r.scrapesPerS),
    failed: addCounts(runs.map((r) => r.failed)),
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    coresUsed: mean((r) => r.coresUsed, 3),
    throttledShare: mean((r) => r.throttledShare, 2),
    machineIdle: mean((r) => r.machineIdle, 2),
    pods: Math.floor(mean((r) => r.pods, 0)),
    handshakesPerScrape: mean((r) => r.handshakesPerScrape, 3),
  };
}

/** A gateway with nothing to serve: its CPU and main-thread wakeups a second, over 10 s, after 3 s to settle. */
async function idleCost(pid: number): Promise<{ cpuMsPerS: number; mainWakeupsPerS: number }> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  await sleep(3000);
  const t0 = cpuTicks(pid) ?? 0;
  const w0 = wakeups(pid) ?? 0;
  const at = performance.now();
  await sleep(QUICK ? 3000 : 10_000);
  const s = (performance.now() - at) / 1000;
  return {
    cpuMsPerS: round((((cpuTicks(pid) ?? 0) - t0) / clockTicksPerSecond() / s) * 1000, 1),
    mainWakeupsPerS: round(((wakeups(pid) ?? 0) - w0) / s, 1),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-bench-scrape-'));
  const profiles = join(dir, 'profiles');
  mkdirSync(profiles);
  await realProfiles(profiles);

  const ca = createCertificate({ commonName: 'bench sidecar CA', isCA: true });
  const leaf = createCertificate({
    commonName: 'bench sidecars',
    ipAddresses: Array.from({ length: CFG.pods }, (_, i) => sidecarIp(i)),
    issuer: { commonName: 'bench sidecar CA', key: ca.key },
  });
  const gwCa = createCertificate({ commonName: 'bench gateway CA', isCA: true });
  const gwLeaf = createCertificate({
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    issuer: { commonName: 'bench gateway CA', key: gwCa.key },
  });
  const f = (name: string, content: string): string => {
    writeFileSync(join(dir, name), content, { mode: 0o600 });
    return join(dir, name);
  };
  const files = {
    sidecarCa: f('sidecar-ca.crt', ca.certPem),
    sidecarCert: f('sidecars.crt', leaf.certPem),
    sidecarKey: f('sidecars.key', leaf.keyPem),
    gwCa: f('gw-ca.crt', gwCa.certPem),
    gwCert: f('gw.crt', gwLeaf.certPem),
    gwKey: f('gw.key', gwLeaf.keyPem),
  };
  const token = `podprof-bench-${randomBytes(18).toString('base64url')}`;
  const tokens = f('tokens.csv', `${token},alloy,system:serviceaccounts\n`);
  const targets = Array.from({ length: CFG.pods }, (_, i) => ({
    namespace: `bench-${String(i % CFG.namespaces).padStart(2, '0')}`,
    name: `web-${i}`,
    uid: randomUUID(),
    ip: sidecarIp(i),
    port: SIDECAR_PORT,
    container: 'app',
    node: `node-${i % 10}`,
    labels: { app: 'web' },
    workload: { kind: 'Deployment', name: 'web' },
  }));
  const targetsFile = f('targets.json', JSON.stringify(targets));
  const keys = makeKeys();

  const sidecars = startChild(
    [...TSX, 'bench/scrape/sidecars.ts', String(CFG.pods), files.sidecarCert, files.sidecarKey, profiles],
    'sidecars',
  );
  if ((await nextLine(sidecars.lines, 'sidecars')) !== 'ready') throw new Error('sidecars did not start');
  type SidecarCounts = { served: number; refused: number; unknown: number; handshakes: number };
  const sidecarCountsNow = async (): Promise<SidecarCounts> => {
    sidecars.child.kill('SIGUSR2');
    return JSON.parse(await nextLine(sidecars.lines, 'sidecars')) as SidecarCounts;
  };
  // TLS connections the sidecars accepted during a mode, per scrape: the connections their keep-alive did not keep.
  const handshakes: Record<string, number> = {};
  const counted = async (mode: string, run: () => Promise<ModeResult>): Promise<ModeResult> => {
    const before = (await sidecarCountsNow()).handshakes;
    const r = await run();
    handshakes[mode] = round(((await sidecarCountsNow()).handshakes - before) / r.scrapes, 3);
    return r;
  };

  // BENCH_GATEWAY_NODE_ARGS: node flags for the gateways (e.g. to try V8 heap settings).
  const gatewayNodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const firstPort = 20000 + Math.floor(Math.random() * 20000);
  // Replicas share the store directory, the signing key and the sidecar CA, as a Deployment's pods share their volumes and Secrets.
  const startGateway = (port: number): ReturnType<typeof startChild> => {
    const g = startChild(
      [
        ...gatewayNodeArgs,
        'dist/podprof.js',
        'gateway',
        '--listen',
        `127.0.0.1:${port}`,
        '--health-listen',
        '127.0.0.1:0',
        '--tls-cert-file',
        files.gwCert,
        '--tls-key-file',
        files.gwKey,
        '--auth',
        'static',
        '--tokens-file',
        tokens,
        '--authz',
        'allow-all',
        '--discovery',
        'static',
        '--targets-file',
        targetsFile,
        '--signing-key-file',
        keys.keyFile,
        '--store-dir',
        join(dir, 'store'),
        '--sidecar-ca-file',
        files.sidecarCa,
      ],
      `gateway :${port}`,
    );
    void (async () => {
      for (;;) if ((await g.lines.next()).done === true) return; // the audit log: read and dropped
    })();
    return g;
  };
  const gateway = startGateway(firstPort);
  const port = firstPort;
  const agent = new Agent({ ca: readFileSync(files.gwCa) });
  const sd = async (base = `https://127.0.0.1:${port}`): Promise<{ targets: string[]; labels: Record<string, string> }[] | undefined> =>
    new Promise((resolve) => {
      const r = request(`${base}/sd/targets`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? (JSON.parse(Buffer.concat(parts).toString('utf8')) as { targets: string[]; labels: Record<string, string> }[])
              : undefined,
          ),
        );
      });
      r.on('error', () => resolve(undefined));
      r.end();
    });
  const listed = async (base?: string): Promise<NonNullable<Awaited<ReturnType<typeof sd>>>> => {
    let groups: Awaited<ReturnType<typeof sd>>;
    for (let i = 0; i < 200 && (groups = await sd(base))?.length !== CFG.pods * SCRAPE_TYPES.length; i++)
      await new Promise((r) => setTimeout(r, 100));
    if (groups?.length !== CFG.pods * SCRAPE_TYPES.length)
      throw new Error(`the gateway ${base ?? ''} did not list ${CFG.pods * SCRAPE_TYPES.length} targets`);
    return groups;
  };
  const groups = await listed();
  const idle = await idleCost(gateway.child.pid!);

  const seconds = CFG.intervalS - 1;
  const q = (type: string): string => (type === 'profile' ? `?seconds=${seconds}` : '');
  const direct = targets.flatMap((t) =>
    SCRAPE_TYPES.map((type) => ({ type, url: `https://${t.ip}:${SIDECAR_PORT}/debug/pprof/${type}${q(type)}` })),
  );
  const viaGateway = groups.map((g) => {
    const type = g.labels.__profile_path__!.replace('/debug/pprof/', '');
    return {
      type,
      url: `${g.labels.__scheme__}://${g.targets[0]}${g.labels.__profile_path_prefix__}${g.labels.__profile_path__}${q(type)}`,
    };
  });
  const plan = { intervalS: CFG.intervalS, intervals: CFG.intervals };
  console.log(
    `${CFG.pods} pods × ${SCRAPE_TYPES.length} types every ${CFG.intervalS} s (CPU ${seconds} s), ${CFG.intervals} intervals per mode`,
  );
  const gatewayPid = gateway.child.pid!;
  const idleRss = rssMiB(gatewayPid);
  const directRun = await counted('direct', () =>
    runScraper({ ...plan, targets: direct, token: 'bench', caFile: files.sidecarCa }, dir, 'direct'),
  );
  const single = await counted('gateway', () =>
    runScraper({ ...plan, targets: viaGateway, token, caFile: files.gwCa }, dir, 'gateway', [gatewayPid]),
  );
  await stop(gateway.child);
  // A scrape URL's pod: its path before /debug/pprof/. Each pod's scrapes go to one replica, as a Service pins a keep-alive connection.
  const podOf = (url: string): string => new URL(url).pathname.split('/debug/pprof/')[0]!;
  const replicaOf = (url: string): number =>
    Number.parseInt(createHash('sha256').update(podOf(url)).digest('hex').slice(0, 8), 16) % CFG.replicas;
  const onPort = (t: { type: string; url: string }, port: number): { type: string; url: string } => {
    const u = new URL(t.url);
    u.port = String(port);
    return { ...t, url: u.toString() };
  };
  // Mode 2b: a new gateway alone, carrying what replica 0 carries in mode 3: the baseline at a replica's load.
  const sharePort = firstPort + 1 + CFG.replicas;
  const alone = startGateway(sharePort);
  await listed(`https://127.0.0.1:${sharePort}`);
  const shareTargets = viaGateway.filter((t) => replicaOf(t.url) === 0).map((t) => onPort(t, sharePort));
  const share = await counted('share', () =>
    runScraper({ ...plan, targets: shareTargets, token, caFile: files.gwCa }, dir, 'share', [alone.child.pid!]),
  );
  await stop(alone.child);
  // Mode 3: N new replicas, each started as the gateways above were: none carries another mode's heap, connections and JIT state.
  const others = Array.from({ length: CFG.replicas }, (_, i) => startGateway(firstPort + 1 + i));
  for (let i = 0; i < others.length; i++) await listed(`https://127.0.0.1:${firstPort + 1 + i}`);
  const viaReplicas = viaGateway.map((t) => onPort(t, firstPort + 1 + replicaOf(t.url)));
  const replicas = await counted('replicas', () =>
    runScraper(
      { ...plan, targets: viaReplicas, token, caFile: files.gwCa },
      dir,
      'replicas',
      others.map((o) => o.child.pid!),
    ),
  );
  // Mode 4: the replicas' capacity, each limited to the same CPU: replica 0 alone carrying every pod, and all three sharing them.
  const nonCpu = (urls: { type: string; url: string }[]): string[] => urls.filter((t) => t.type !== 'profile').map((t) => t.url);
  const capacity = await measureCapacity(
    others.map((o) => o.child.pid!),
    [nonCpu(viaGateway.map((t) => onPort(t, firstPort + 1)))],
    Array.from({ length: CFG.replicas }, (_, i) => nonCpu(viaReplicas.filter((t) => replicaOf(t.url) === i))),
    { token, caFile: files.gwCa, dir, handshakes: async () => (await sidecarCountsNow()).handshakes },
  );
  const results = { direct: directRun, gateway: single, share, replicas };
  sidecars.child.kill('SIGTERM');
  const sidecarCounts = JSON.parse(await nextLine(sidecars.lines, 'sidecars')) as SidecarCounts;
  for (const g of others) await stop(g.child);

  const d = results.direct;
  const g = results.gateway;
  const gw = g.gateway!;
  const scrapesPerSecond = (CFG.pods * SCRAPE_TYPES.length) / CFG.intervalS;
  // Pods per core from the steady state's CPU per scrape (each pod is scraped SCRAPE_TYPES.length times an interval).
  const perCore = (msPerScrape: number): number => Math.floor(1000 / ((msPerScrape * SCRAPE_TYPES.length) / CFG.intervalS));
  const podsPerCore = perCore(gw.steady.cpuMsPerScrape);
  const r = results.replicas;
  const rw = r.gateway!;
  const replicaPodsPerCore = perCore(rw.steady.cpuMsPerScrape);
  const sw = results.share.gateway!;
  const sharePods = new Set(shareTargets.map((t) => podOf(t.url))).size;
  const sharePodsPerCore = perCore(sw.steady.cpuMsPerScrape);
  // N replicas with a core each carry N × their pods per core. The goal compares that with one gateway's pods per
  // core at the same load per process (a gateway's CPU per scrape grows as its load falls: mode 2b); against the
  // one gateway carrying all N shares, the ratio also holds that load effect.
  const scaling = round((CFG.replicas * replicaPodsPerCore) / sharePodsPerCore, 2);
  const scalingVsAll = round((CFG.replicas * replicaPodsPerCore) / podsPerCore, 2);
  console.log(
    table([
      ['', 'direct to sidecars', 'through the gateway', `through ${CFG.replicas} replicas`, 'ratio gateway / direct'],
      ['scrapes', String(d.scrapes), String(g.scrapes), String(r.scrapes), ''],
      ['failed', JSON.stringify(d.failed), JSON.stringify(g.failed), JSON.stringify(r.failed), ''],
      [
        'non-CPU scrape p50 ms',
        String(d.nonCpuMs.p50),
        String(g.nonCpuMs.p50),
        String(r.nonCpuMs.p50),
        `×${round(g.nonCpuMs.p50 / d.nonCpuMs.p50, 2)}`,
      ],
      [
        'non-CPU scrape p99 ms',
        String(d.nonCpuMs.p99),
        String(g.nonCpuMs.p99),
        String(r.nonCpuMs.p99),
        `×${round(g.nonCpuMs.p99 / d.nonCpuMs.p99, 2)}`,
      ],
      ['CPU scrape p50 / p99 s', `${d.cpuS.p50} / ${d.cpuS.p99}`, `${g.cpuS.p50} / ${g.cpuS.p99}`, `${r.cpuS.p50} / ${r.cpuS.p99}`, ''],
      ['scraper CPU s', String(d.scraperCpuS), String(g.scraperCpuS), String(r.scraperCpuS), ''],
      ['sidecar TLS handshakes per scrape', String(handshakes.direct), String(handshakes.gateway), String(handshakes.replicas), ''],
    ]),
  );
  // One steady-state figure of the three gateway modes, as a table row.
  const steadyRow = (label: string, key: keyof NonNullable<ModeResult['gateway']>['steady']): string[] => [
    label,
    ...[gw, sw, rw].map((x) => String(x.steady[key])),
  ];
  console.log(
    table([
      ['', `one gateway, ${CFG.pods} pods`, `one gateway, replica 0's ${sharePods} pods`, `${CFG.replicas} replicas (summed)`],
      ['CPU ms per scrape, whole run', String(gw.cpuMsPerScrape), String(sw.cpuMsPerScrape), String(rw.cpuMsPerScrape)],
      steadyRow('CPU ms per scrape, after the first interval', 'cpuMsPerScrape'),
      steadyRow('  of which the main thread', 'mainCpuMsPerScrape'),
      steadyRow('  of which in the kernel (all threads)', 'kernelCpuMsPerScrape'),
      steadyRow('main-thread wakeups per scrape, after the first interval', 'mainWakeupsPerScrape'),
      ['idle: CPU ms / s, main-thread wakeups / s', `${idle.cpuMsPerS}, ${idle.mainWakeupsPerS}`, '', ''],
      ['cores used, whole run', `${gw.cores} (${round(scrapesPerSecond, 1)} scrapes/s)`, String(sw.cores), String(rw.cores)],
      [
        'RSS idle → peak → end MiB',
        `${round(idleRss, 1)} → ${gw.rssPeakMiB} → ${gw.rssEndMiB}`,
        `${sw.rssStartMiB} → ${sw.rssPeakMiB} → ${sw.rssEndMiB}`,
        `${rw.rssStartMiB} → ${rw.rssPeakMiB} → ${rw.rssEndMiB}`,
      ],
      ['open sockets, peak', String(gw.socketsPeak), String(sw.socketsPeak), String(rw.socketsPeak)],
      [
        'pods per core (5 types / 15 s), after the first interval',
        String(podsPerCore),
        String(sharePodsPerCore),
        String(replicaPodsPerCore),
      ],
      ['pods carried, a core each, vs one gateway at a replica’s load', '', '×1', `×${scaling}`],
      ['the same vs one gateway carrying all the pods', '×1', '', `×${scalingVsAll}`],
      ['sidecar 429s (overlapping CPU)', String(sidecarCounts.refused), '', ''],
    ]),
  );
  if ('skipped' in capacity) console.log(`capacity (mode 4): not measured: ${capacity.skipped}`);
  else {
    const row = (label: string, f: (x: CapacityRun) => string): string[] => [label, f(capacity.one), f(capacity.all)];
    console.log(
      table([
        [
          `capacity, each gateway limited to ${capacity.coresPerGateway} core, ${CFG.capacityInFlight} non-CPU scrapes in flight per gateway`,
          'replica 0 alone, every pod',
          `${CFG.replicas} replicas, a share each`,
        ],
        row('scrapes / s answered, each round', (x) => x.scrapesPerS.join(', ')),
        row('failed', (x) => JSON.stringify(x.failed)),
        row('latency p50 / p99 ms (the slowest gateway)', (x) => `${x.p50Ms} / ${x.p99Ms}`),
        row('gateway cores used (summed)', (x) => String(x.coresUsed)),
        row('limit periods throttled', (x) => `${Math.round(x.throttledShare * 100)} %`),
        row('machine idle', (x) => `${Math.round(x.machineIdle * 100)} %`),
        row('sidecar TLS handshakes per scrape', (x) => String(x.handshakesPerScrape)),
        row('gateway CPU ms per scrape', (x) =>
          String(round((x.coresUsed * 1000 * x.scrapesPerS.length) / x.scrapesPerS.reduce((a, n) => a + n, 0), 3)),
        ),
        row('pods carried (5 types / 15 s)', (x) => String(x.pods)),
        row('pods per core', (x) => String(Math.floor(x.pods / x.coresUsed))),
        ['throughput vs replica 0 alone (each round)', '×1', `×${capacity.scaling} (${capacity.eachRound.map((r) => `×${r}`).join(', ')})`],
      ]),
    );
  }
  writeResults(join(REPO, 'bench/results', QUICK ? 'scrape-quick.json' : 'scrape.json'), {
    machine: machineInfo(),
    config: CFG,
    results,
    gatewayIdleRssMiB: round(idleRss, 1),
    gatewayIdle: idle,
    sidecars: sidecarCounts,
    sidecarHandshakesPerScrape: handshakes,
    podsPerCore,
    sharePods,
    sharePodsPerCore,
    replicaPodsPerCore,
    scaling,
    scalingVsAll,
    capacity,
  });
  await rm(dir, { recursive: true, force: true });
  await rm(keys.dir, { recursive: true, force: true });
}

await main();
process.exit(0);
