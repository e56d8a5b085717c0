// Gateway benchmark: what `podprof gateway` costs for fan-out,
// merging, service discovery and proxying, each next to a baseline measured in
// the same run. Reports, never asserts: it exits 0 when a target is missed and
// prints MISS. Run with `npm run bench:gateway`.
//
// Setup: test/kit/gateway.ts starts CFG.pods Go fixture "pods" (started with
// -workload=false: 50 busy Go programs would saturate 2 cores), each behind an
// in-process sidecar, and an in-process gateway (static discovery, static auth,
// allow-all, --fanout-concurrency CFG.fanoutConcurrency). This process is also
// the client, so client, gateway and sidecars share one event loop; requests
// are sequential unless said otherwise.
//
//  1. fan-out: wall time of POST /api/v1/captures for deployment/web (every pod,
//     CPU profile, CFG.seconds s) against the slowest single-pod capture through
//     the same gateway; CFG.rounds rounds, alternating which goes first;
//  2. merge of CFG.pods profiles: mergeProfiles (read + decode + merge + encode
//     + write + totals) against `go tool pprof -proto f1 … fN > out` on the
//     same files, median of CFG.mergeRuns, merged totals checked against each other. Two
//     input sets: the fan-out's own per-pod files (idle pods: nearly empty CPU
//     profiles), and CFG.pods "busy replicas" made from one real CPU profile of
//     a fixture running its workload (merge.ts, replicaProfiles). Reference
//     row: the pprof binary `go tool` runs, timed alone — the go command in
//     front of it costs 100–800 ms here, which dominates the asked baseline;
//  3. /sd/targets with CFG.sdPods synthetic pods injected into the running
//     gateway's registry (bench/gateway/pods.ts, built as kubernetes discovery
//     builds targets): p50/p99 of sequential keep-alive HTTPS requests, next to
//     a bare Node HTTPS server answering the same bytes (and, for reference, the
//     same JSON gzipped: what a cached, compressed answer costs); heap per pod from
//     heapUsed before/after adding them, with forced GCs (gc exposed at run
//     time with v8.setFlagsFromString, so no extra node flag is needed);
//  4. GET …/pods/web-0/debug/pprof/goroutine through the gateway against the
//     same sidecar called directly with a minted token, interleaved batches.
//
// Figures go to bench/results/gateway.json. BENCH_QUICK=1 shrinks the counts
// for a smoke run (figures not meant to be quoted; written to gateway-quick.json).
import { ratio, verdict, type Row } from '../lib/report.ts';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as https from 'node:https';
import { type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sdGroups, DEFAULT_SD_TYPES } from '../../gateway/discovery/http-sd.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { createCertificate } from '../../src/tls/x509.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { rawTotals, startHarness, type Harness } from '../../test/kit/product/gateway.ts';
import { mint, REPO } from '../../test/kit/product/sidecar.ts';
import {
  cpuMark,
  foreignCpuShare,
  type MachineInfo,
  machineInfo,
  median,
  type Percentiles,
  round,
  summarize,
  table,
  writeResults,
} from '../lib/stats.ts';
import { rssMiB } from '../../test/kit/measure/rss.ts';
import { expectStatus, send } from './client.ts';
import { ProfileWorkers } from '../../gateway/captures/profile-workers.ts';
import {
  fileTotals,
  mergeInWorker,
  mergeWithGo,
  mergeWithPodprof,
  pprofBinary,
  replicaProfiles,
  shapeOf,
  type MergeFile,
  type ProfileShape,
} from './merge.ts';
import { syntheticTarget } from './pods.ts';
import { killChildrenOnExit, killEverything } from '../lib/children.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  pods: QUICK ? 10 : 50,
  appArgs: ['-workload=false'],
  fanoutConcurrency: QUICK ? 10 : 50,
  seconds: QUICK ? 2 : 10,
  rounds: 2,
  mergeRuns: 5,
  seedSeconds: QUICK ? 2 : 6,
  seedCpuWorkers: 2,
  sdPods: 5000,
  sdWarmup: QUICK ? 5 : 20,
  sdRequests: QUICK ? 50 : 500,
  sdBatches: 10,
  proxyWarmup: QUICK ? 20 : 100,
  proxyRequests: QUICK ? 200 : 1000,
  proxyBatches: 20,
} as const;
// The in-process sidecars all watch the same JWKS file: one StatWatcher with a listener per sidecar.
EventEmitter.defaultMaxListeners = CFG.pods + 10;
const RESULTS = join(REPO, QUICK ? 'bench/results/gateway-quick.json' : 'bench/results/gateway.json'); // a smoke run never overwrites real figures
const MiB = 1024 * 1024;

const TARGETS = {
  fanoutRatio: 1.1,
  mergeRatio: 1.0,
  sdP99Ms: 20,
  proxyAddedP50Ms: 2,
} as const;

// ---------------------------------------------------------------- processes

killChildrenOnExit();

/** A full, synchronous GC: exposed at run time, so `node --import tsx bench/gateway/run.ts` needs no --expose-gc. */
const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapUsedAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

const agent = (): https.Agent => new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });

/** ABAB… batches, the order flipped every other batch, after `warmup` untimed requests per side. */
async function interleaved<K extends string>(
  sides: Record<K, (record: boolean) => Promise<number>>,
  warmup: number,
  requests: number,
  batches: number,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(sides) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of keys) for (let i = 0; i < warmup; i++) await sides[k](false);
  const per = Math.ceil(requests / batches);
  for (let b = 0; b < batches; b++) {
    for (const k of b % 2 === 0 ? keys : [...keys].reverse()) {
      for (let i = 0; i < per; i++) samples[k].push(await sides[k](true));
    }
  }
  return samples;
}

// ---------------------------------------------------------------- 1. fan-out

interface CaptureRun {
  kind: 'single' | 'fanout';
  wallMs: number;
  status: string;
  pods: number;
  podsOk: number;
  /** Slowest pod: its finishedAt − startedAt (the gateway's timestamps, ms resolution). */
  maxPodMs: number;
  medianPodMs: number;
  /** First pod started → last pod started. */
  startSpreadMs: number;
  /** Last pod finished → the client had the whole response: assemble (decode, merge, write, fsync) and commit. */
  tailMs: number;
  /** Of the tail: last pod finished → the capture's finishedAt (decode, merge, writing each file with fsync). */
  assembleMs: number;
  /** Gateway's startedAt of a pod → its sidecar's handler started (audit line time − durationMs): TLS connect, token, queueing. */
  sidecarLagMedianMs: number;
  sidecarLagMaxMs: number;
  bytes: number;
}

interface FanoutResult {
  runs: CaptureRun[];
  single: number;
  fanout: number;
  ratio: number;
  /** The last fan-out, whose per-pod files feed the merge benchmark. */
  last: CaptureMeta;
}

/** When the pod's sidecar started handling its latest CPU profile request, from its audit line (ms since the epoch). */
function sidecarStart(h: Harness, pod: string): number {
  const logs = h.pods.find((p) => p.name === pod)?.sidecar.logs ?? [];
  for (let i = logs.length - 1; i >= 0; i--) {
    if (!logs[i]!.includes('"pprof request"')) continue;
    const line = JSON.parse(logs[i]!) as { time?: string; audit?: { type?: string; durationMs?: number } };
    if (line.audit?.type === 'profile' && line.time !== undefined) return Date.parse(line.time) - (line.audit.durationMs ?? Number.NaN);
  }
  return Number.NaN;
}

async function capture(
  h: Harness,
  ag: https.Agent,
  body: Record<string, unknown>,
  kind: CaptureRun['kind'],
): Promise<{ run: CaptureRun; meta: CaptureMeta }> {
  const r = expectStatus(
    await send(new URL('/api/v1/captures', h.url), {
      agent: ag,
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      json: body,
      keep: true,
    }),
    201,
    `POST /api/v1/captures ${JSON.stringify(body)}`,
  );
  const meta = JSON.parse(r.body.toString('utf8')) as CaptureMeta;
  const t = (iso: string | undefined): number => (iso === undefined ? Number.NaN : Date.parse(iso));
  const podMs = meta.pods.map((p) => t(p.finishedAt) - t(p.startedAt));
  const starts = meta.pods.map((p) => t(p.startedAt));
  const lastFinish = Math.max(...meta.pods.map((p) => t(p.finishedAt)));
  const lags = meta.pods.map((p) => sidecarStart(h, p.pod) - t(p.startedAt));
  const run: CaptureRun = {
    kind,
    wallMs: r.ms,
    status: meta.status,
    pods: meta.pods.length,
    podsOk: meta.pods.filter((p) => p.status === 'ok').length,
    maxPodMs: Math.max(...podMs),
    medianPodMs: median(podMs),
    startSpreadMs: Math.max(...starts) - Math.min(...starts),
    tailMs: r.endedAt - lastFinish,
    assembleMs: t(meta.finishedAt) - lastFinish,
    sidecarLagMedianMs: median(lags),
    sidecarLagMaxMs: Math.max(...lags),
    bytes: meta.bytes,
  };
  if (meta.status !== 'done')
    throw new Error(`${kind} capture ended ${meta.status}: ${meta.error ?? meta.pods.find((p) => p.error)?.error ?? ''}`);
  return { run, meta };
}

async function fanout(h: Harness): Promise<FanoutResult> {
  const ag = agent();
  const single = { namespace: 'team-a', pod: h.pods[0]!.name, type: 'profile', seconds: CFG.seconds };
  const all = { namespace: 'team-a', workload: 'deployment/web', type: 'profile', seconds: CFG.seconds };
  try {
    log(`1. warm-up: 1 s captures, one pod and all ${h.pods.length}`);
    await capture(h, ag, { ...single, seconds: 1 }, 'single');
    await capture(h, ag, { ...all, seconds: 1 }, 'fanout');
    const runs: CaptureRun[] = [];
    let last: CaptureMeta | undefined;
    for (let round = 0; round < CFG.rounds; round++) {
      const order: Array<CaptureRun['kind']> = round % 2 === 0 ? ['single', 'fanout'] : ['fanout', 'single'];
      for (const kind of order) {
        log(`1. round ${round + 1}/${CFG.rounds}: ${kind === 'single' ? 'one pod' : `${h.pods.length} pods`}, ${CFG.seconds} s CPU`);
        const { run, meta } = await capture(h, ag, kind === 'single' ? single : all, kind);
        runs.push(run);
        if (kind === 'fanout') last = meta;
        log(
          `   ${run.wallMs.toFixed(0)} ms (slowest pod ${run.maxPodMs} ms, sidecars reached after ≤ ${run.sidecarLagMaxMs} ms, tail ${run.tailMs} ms of which assemble ${run.assembleMs} ms)`,
        );
      }
    }
    const worst = (k: CaptureRun['kind']): number => Math.max(...runs.filter((r) => r.kind === k).map((r) => r.wallMs));
    return { runs, single: worst('single'), fanout: worst('fanout'), ratio: worst('fanout') / worst('single'), last: last! };
  } finally {
    ag.destroy();
  }
}

// ---------------------------------------------------------------- 2. merge

interface MergeSet {
  name: string;
  inputs: number;
  inputBytes: number;
  /** Per input file, mean. */
  inputShape: ProfileShape;
  podprofMs: number[];
  /** The gateway's path: ProfileWorkers (per-pod checks, then the merge job, in a worker thread). */
  workerMs: number[];
  worker: number;
  goToolMs: number[];
  /** The pprof binary alone (no `go` command in front), for reference. */
  pprofBinaryMs: number[];
  podprof: number;
  goTool: number;
  pprofBinary: number | undefined;
  ratio: number;
  mergedPodprof: ProfileShape;
  mergedGo: ProfileShape;
  totals: { inputsSummed: string[]; podprof: string[]; go: string[]; podprofReadByGo: string[]; equal: boolean };
}

async function mergeSet(name: string, files: readonly MergeFile[], dir: string): Promise<MergeSet> {
  const ours = join(dir, `${name}.podprof.pb.gz`);
  const theirs = join(dir, `${name}.go.pb.gz`);
  const scratch = join(dir, `${name}.scratch.pb.gz`);
  const goTool = ['go', 'tool', 'pprof'];
  const bin = pprofBinary();
  // Warm-up, untimed: JIT for ours, page cache (and Go's tool build cache) for theirs.
  await mergeWithPodprof(files, ours);
  await mergeWithGo(goTool, files, theirs);
  const podprofMs: number[] = [];
  const workerMs: number[] = [];
  const goToolMs: number[] = [];
  const pprofBinaryMs: number[] = [];
  const workers = new ProfileWorkers({ workers: 1, heapMiB: 256, timeoutMs: 120_000 });
  await mergeInWorker(workers, files, scratch); // warm-up: the worker starts and compiles
  for (let i = 0; i < CFG.mergeRuns; i++) {
    const runs: Array<() => Promise<void>> = [
      async () => void podprofMs.push(await mergeWithPodprof(files, scratch)),
      async () => void workerMs.push(await mergeInWorker(workers, files, scratch)),
      async () => void goToolMs.push(await mergeWithGo(goTool, files, scratch)),
      async () => void (bin && pprofBinaryMs.push(await mergeWithGo([bin], files, scratch))),
    ];
    for (const run of i % 2 === 0 ? runs : [...runs].reverse()) await run();
  }
  await workers.close();
  const shapes = await Promise.all(files.map((f) => shapeOf(f.path)));
  const mean = (k: keyof ProfileShape): number => round(shapes.reduce((s, x) => s + x[k], 0) / shapes.length, 1);
  const inputTotals = await Promise.all(files.map((f) => fileTotals(f.path)));
  const summed = inputTotals[0]!.map((_, i) => inputTotals.reduce((s, t) => s + t[i]!, 0n));
  const podprofTotals = await fileTotals(ours);
  const goTotals = await fileTotals(theirs);
  const readByGo = (await rawTotals(ours)).totals;
  const str = (xs: readonly bigint[]): string[] => xs.map(String);
  const equal = [podprofTotals, goTotals, readByGo].every((t) => str(t).join() === str(summed).join());
  const p = median(podprofMs);
  const g = median(goToolMs);
  return {
    name,
    inputs: files.length,
    inputBytes: shapes.reduce((s, x) => s + x.bytes, 0),
    inputShape: { bytes: mean('bytes'), samples: mean('samples'), locations: mean('locations'), functions: mean('functions') },
    podprofMs,
    workerMs,
    worker: median(workerMs),
    goToolMs,
    pprofBinaryMs,
    podprof: p,
    goTool: g,
    pprofBinary: pprofBinaryMs.length > 0 ? median(pprofBinaryMs) : undefined,
    ratio: p / g,
    mergedPodprof: await shapeOf(ours),
    mergedGo: await shapeOf(theirs),
    totals: { inputsSummed: str(summed), podprof: str(podprofTotals), go: str(goTotals), podprofReadByGo: str(readByGo), equal },
  };
}

interface MergeResult {
  fanout: MergeSet;
  busy: MergeSet;
  seed: ProfileShape;
}

async function merges(h: Harness, last: CaptureMeta, dir: string): Promise<MergeResult> {
  const captured = last.pods.map((p) => ({ path: join(h.storeDir, last.id, p.file!), pod: p.pod }));
  log(`2. merge: the fan-out's ${captured.length} per-pod files`);
  const fanoutSet = await mergeSet('fanout', captured, dir);
  log(`2. merge: seed CPU profile, ${CFG.seedSeconds} s of a fixture running its workload (-cpu-workers ${CFG.seedCpuWorkers})`);
  const busy = await startGoTarget({ args: ['-cpu-workers', String(CFG.seedCpuWorkers)] });
  let seed: Buffer;
  try {
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${busy.url}/debug/pprof/profile?seconds=${CFG.seedSeconds}`);
    if (res.status !== 200) throw new Error(`seed profile: HTTP ${res.status}`);
    seed = Buffer.from(await res.arrayBuffer());
  } finally {
    await busy.stop();
  }
  const files = await replicaProfiles(seed, CFG.pods, dir, 'busy');
  log(`2. merge: ${files.length} busy replicas`);
  const busySet = await mergeSet('busy', files, dir);
  const seedFile = join(dir, 'seed.pb.gz');
  writeFileSync(seedFile, seed);
  return { fanout: fanoutSet, busy: busySet, seed: await shapeOf(seedFile) };
}

// ---------------------------------------------------------------- 3. /sd/targets

interface SdResult {
  pods: number;
  groups: number;
  responseBytes: number;
  heapBeforeMiB: number;
  heapAfterMiB: number;
  heapPerPodBytes: number;
  rssDeltaMiB: number;
  requestsPerSide: number;
  bare: Percentiles;
  gateway: Percentiles;
  addedP50: number;
  addedP99: number;
  /** A bare server answering the same JSON gzipped (what a cached, compressed answer would cost; the client does not inflate). */
  bareGzip: Percentiles;
  gatewayGzip: Percentiles;
  gzipBytes: number;
  /** In process, median of 20: where a request's time goes. */
  breakdownMs: { list: number; sdGroups: number; stringify: number };
}

/** A bare Node https server answering fixed bytes (gzip: with content-encoding: gzip). */
async function bareServer(body: Buffer, gzip = false): Promise<{ url: URL; close(): Promise<void> }> {
  const c = createCertificate({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const s = https.createServer({ cert: c.certPem, key: c.keyPem }, (_req, res) => {
    res
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  return {
    url: new URL(`https://127.0.0.1:${port}/sd/targets`),
    close: () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

function timeMedian(n: number, fn: () => unknown): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function sd(h: Harness): Promise<SdResult> {
  const registry = h.gateway.context.registry;
  const base = registry.size;
  log(`3. /sd/targets: adding ${CFG.sdPods} synthetic pods to the gateway's registry`);
  const rss0 = rssMiB(process.pid);
  const heap0 = heapUsedAfterGc();
  for (let i = 0; i < CFG.sdPods; i++) registry.upsert(syntheticTarget(i));
  const heap1 = heapUsedAfterGc();
  const rss1 = rssMiB(process.pid);
  if (registry.size !== base + CFG.sdPods) throw new Error(`registry holds ${registry.size}, want ${base + CFG.sdPods}`);

  const gwUrl = new URL('/sd/targets', h.url);
  const headers = { authorization: `Bearer ${h.token}` };
  const gwAgent = agent();
  const bareAgent = agent();
  const first = expectStatus(await send(gwUrl, { agent: gwAgent, headers, keep: true }), 200, 'GET /sd/targets');
  const groups = (JSON.parse(first.body.toString('utf8')) as unknown[]).length;
  const want = registry.size * DEFAULT_SD_TYPES.length;
  if (groups !== want) throw new Error(`/sd/targets answered ${groups} groups, want ${want}`);
  const gzipped = gzipSync(first.body);
  const bare = await bareServer(first.body);
  const bareGz = await bareServer(gzipped, true);
  const gzAgent = agent();
  const gzGwAgent = agent();
  try {
    log(`3. /sd/targets: ${CFG.sdRequests} requests per side (${(first.bytes / MiB).toFixed(1)} MiB each)`);
    const samples = await interleaved(
      {
        bare: async () => expectStatus(await send(bare.url, { agent: bareAgent }), 200, 'bare sd').ms,
        bareGzip: async () => expectStatus(await send(bareGz.url, { agent: gzAgent }), 200, 'bare gzip sd').ms,
        gateway: async () => expectStatus(await send(gwUrl, { agent: gwAgent, headers }), 200, 'GET /sd/targets').ms,
        // As Prometheus and Alloy ask: Go's HTTP client sends Accept-Encoding: gzip by default.
        gatewayGzip: async () =>
          expectStatus(
            await send(gwUrl, { agent: gzGwAgent, headers: { ...headers, 'accept-encoding': 'gzip' } }),
            200,
            'GET /sd/targets gzip',
          ).ms,
      },
      CFG.sdWarmup,
      CFG.sdRequests,
      CFG.sdBatches,
    );
    const host = `127.0.0.1:${h.gateway.ports.main}`;
    const targets = registry.list({});
    const groupsList = sdGroups(targets, DEFAULT_SD_TYPES, host);
    const breakdownMs = {
      list: timeMedian(20, () => registry.list({})),
      sdGroups: timeMedian(20, () => sdGroups(targets, DEFAULT_SD_TYPES, host)),
      stringify: timeMedian(20, () => JSON.stringify(groupsList)),
    };
    const g = summarize(samples.gateway);
    const b = summarize(samples.bare);
    return {
      pods: CFG.sdPods,
      groups,
      responseBytes: first.bytes,
      heapBeforeMiB: heap0 / MiB,
      heapAfterMiB: heap1 / MiB,
      heapPerPodBytes: (heap1 - heap0) / CFG.sdPods,
      rssDeltaMiB: rss1 - rss0,
      requestsPerSide: samples.gateway.length,
      bare: b,
      gateway: g,
      addedP50: g.p50 - b.p50,
      addedP99: g.p99 - b.p99,
      bareGzip: summarize(samples.bareGzip),
      gatewayGzip: summarize(samples.gatewayGzip),
      gzipBytes: gzipped.length,
      breakdownMs,
    };
  } finally {
    gwAgent.destroy();
    bareAgent.destroy();
    gzAgent.destroy();
    gzGwAgent.destroy();
    await bare.close();
    await bareGz.close();
    for (const t of registry.list({})) if (t.namespace.startsWith('bench-sd-')) registry.remove(t.namespace, t.name);
  }
}

// ---------------------------------------------------------------- 4. proxy

interface ProxyResult {
  requestsPerSide: number;
  responseBytes: number;
  direct: Percentiles;
  gateway: Percentiles;
  addedP50: number;
  addedP99: number;
}

async function proxy(h: Harness): Promise<ProxyResult> {
  const pod = h.pods[0]!;
  const viaGateway = new URL(`/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/debug/pprof/goroutine`, h.url);
  const direct = new URL('/debug/pprof/goroutine', pod.sidecar.url);
  const gwAgent = agent();
  const directAgent = agent();
  const gwHeaders = { authorization: `Bearer ${h.token}` };
  let responseBytes = 0;
  // Tokens are minted outside the timed requests: signing is the gateway's job, which the gateway side pays for.
  const tokens: string[] = [];
  const token = (): string => tokens.pop() ?? mint(h.keys, 'goroutine', { namespace: pod.namespace, pod: pod.name, uid: pod.uid }, 300);
  const refill = (n: number): void => {
    while (tokens.length < n) tokens.push(mint(h.keys, 'goroutine', { namespace: pod.namespace, pod: pod.name, uid: pod.uid }, 300));
  };
  log(`4. goroutine via the gateway vs the sidecar directly: ${CFG.proxyRequests} requests per side`);
  try {
    refill(CFG.proxyWarmup + Math.ceil(CFG.proxyRequests / CFG.proxyBatches));
    const samples = await interleaved(
      {
        direct: async () => {
          const headers = { authorization: `Bearer ${token()}` };
          const r = expectStatus(await send(direct, { agent: directAgent, headers }), 200, 'goroutine direct');
          if (tokens.length === 0) refill(Math.ceil(CFG.proxyRequests / CFG.proxyBatches));
          responseBytes = r.bytes;
          return r.ms;
        },
        gateway: async () =>
          expectStatus(await send(viaGateway, { agent: gwAgent, headers: gwHeaders }), 200, 'goroutine via the gateway').ms,
      },
      CFG.proxyWarmup,
      CFG.proxyRequests,
      CFG.proxyBatches,
    );
    const d = summarize(samples.direct);
    const g = summarize(samples.gateway);
    return {
      requestsPerSide: samples.gateway.length,
      responseBytes,
      direct: d,
      gateway: g,
      addedP50: g.p50 - d.p50,
      addedP99: g.p99 - d.p99,
    };
  } finally {
    gwAgent.destroy();
    directAgent.destroy();
  }
}

// ---------------------------------------------------------------- report

interface Measured {
  startupMs: number;
  fan: FanoutResult;
  merge: MergeResult;
  sd: SdResult;
  proxy: ProxyResult;
}

const f = (n: number, digits: number, unit: string): string => `${n.toFixed(digits)} ${unit}`;
const signed = (n: number, digits: number, unit: string): string => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(digits)} ${unit}`;

function mergeRows(s: MergeSet, what: string): Row[] {
  const bin = s.pprofBinary;
  return [
    {
      metric: `merge ${s.inputs} ${what}, median of ${CFG.mergeRuns}`,
      baseline: f(s.goTool, 1, 'ms'),
      podprof: f(s.podprof, 1, 'ms'),
      compare: ratio(s.ratio),
      target: `≤ × ${TARGETS.mergeRatio.toFixed(1)}`,
      pass: s.ratio <= TARGETS.mergeRatio,
    },
    {
      metric: '  same, as the gateway runs it: worker thread, each pod checked, then merged',
      baseline: `in-process: ${f(s.podprof, 1, 'ms')}`,
      podprof: f(s.worker, 1, 'ms'),
      compare: ratio(s.worker / s.podprof),
      target: '(info)',
      pass: undefined,
    },
    {
      metric: '  same, vs the pprof binary alone (no go command)',
      baseline: bin === undefined ? 'n/a' : f(bin, 1, 'ms'),
      podprof: f(s.podprof, 1, 'ms'),
      compare: bin === undefined ? '' : ratio(s.podprof / bin),
      target: `≤ × ${TARGETS.mergeRatio.toFixed(1)} (issue 13)`,
      pass: bin === undefined ? undefined : s.podprof / bin <= TARGETS.mergeRatio,
    },
    {
      metric: `  merged totals (${s.name})`,
      baseline: s.totals.go.join(' / '),
      podprof: s.totals.podprof.join(' / '),
      compare: s.totals.equal ? 'equal' : 'DIFFER',
      target: '= Σ inputs',
      pass: s.totals.equal,
    },
  ];
}

function rows(m: Measured): Row[] {
  const { fan, merge, sd: s, proxy: p } = m;
  return [
    {
      metric: `fan-out ${CFG.pods} pods × ${CFG.seconds} s CPU, POST wall (worst of ${CFG.rounds})`,
      baseline: f(fan.single, 0, 'ms'),
      podprof: f(fan.fanout, 0, 'ms'),
      compare: ratio(fan.ratio),
      target: `≤ × ${TARGETS.fanoutRatio}`,
      pass: fan.ratio <= TARGETS.fanoutRatio,
    },
    ...mergeRows(merge.fanout, 'fan-out files (idle pods)'),
    ...mergeRows(merge.busy, 'busy-replica CPU profiles'),
    {
      metric: `/sd/targets ${s.pods} pods (${(s.responseBytes / MiB).toFixed(1)} MiB) p50`,
      baseline: f(s.bare.p50, 2, 'ms'),
      podprof: f(s.gateway.p50, 2, 'ms'),
      compare: signed(s.addedP50, 2, 'ms'),
      target: '(info)',
      pass: undefined,
    },
    {
      metric: `/sd/targets ${s.pods} pods p99, uncompressed`,
      baseline: f(s.bare.p99, 2, 'ms'),
      podprof: f(s.gateway.p99, 2, 'ms'),
      compare: signed(s.addedP99, 2, 'ms'),
      target: '(info)',
      pass: undefined,
    },
    {
      metric: `/sd/targets ${s.pods} pods p50, gzip as scrapers ask (${(s.gzipBytes / 1024).toFixed(0)} KiB)`,
      baseline: f(s.bareGzip.p50, 2, 'ms'),
      podprof: f(s.gatewayGzip.p50, 2, 'ms'),
      compare: signed(s.gatewayGzip.p50 - s.bareGzip.p50, 2, 'ms'),
      target: '(info)',
      pass: undefined,
    },
    {
      metric: `/sd/targets ${s.pods} pods p99, gzip as scrapers ask`,
      baseline: f(s.bareGzip.p99, 2, 'ms'),
      podprof: f(s.gatewayGzip.p99, 2, 'ms'),
      compare: signed(s.gatewayGzip.p99 - s.bareGzip.p99, 2, 'ms'),
      target: `p99 ≤ ${TARGETS.sdP99Ms} ms`,
      pass: s.gatewayGzip.p99 <= TARGETS.sdP99Ms,
    },
    {
      metric: 'registry heap per pod (forced GC)',
      baseline: '',
      podprof: f(s.heapPerPodBytes / 1024, 2, 'KiB'),
      compare: `${f(s.heapAfterMiB - s.heapBeforeMiB, 1, 'MiB')} / ${s.pods} pods`,
      target: '(info)',
      pass: undefined,
    },
    {
      metric: 'goroutine via gateway p50',
      baseline: f(p.direct.p50, 3, 'ms'),
      podprof: f(p.gateway.p50, 3, 'ms'),
      compare: signed(p.addedP50, 3, 'ms'),
      target: `added ≤ ${TARGETS.proxyAddedP50Ms} ms`,
      pass: p.addedP50 <= TARGETS.proxyAddedP50Ms,
    },
    {
      metric: 'goroutine via gateway p99',
      baseline: f(p.direct.p99, 3, 'ms'),
      podprof: f(p.gateway.p99, 3, 'ms'),
      compare: signed(p.addedP99, 3, 'ms'),
      target: '(info)',
      pass: undefined,
    },
  ];
}

const list = (xs: readonly number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join(', ');

function mergeNote(s: MergeSet): string {
  return (
    `merge ${s.name}: ${s.inputs} inputs, ${(s.inputBytes / 1024).toFixed(0)} KiB in all, per input ≈ ${s.inputShape.samples} samples, ${s.inputShape.locations} locations; ` +
    `ms podprof [${list(s.podprofMs, 1)}], go tool pprof [${list(s.goToolMs, 1)}], pprof binary alone [${list(s.pprofBinaryMs, 1)}] (median ${s.pprofBinary === undefined ? 'n/a' : f(s.pprofBinary, 1, 'ms')}); ` +
    `merged: podprof ${s.mergedPodprof.samples} samples / ${(s.mergedPodprof.bytes / 1024).toFixed(1)} KiB (labelled pod=<name>, so per-pod samples stay apart), go ${s.mergedGo.samples} samples / ${(s.mergedGo.bytes / 1024).toFixed(1)} KiB; ` +
    `totals Σ inputs ${s.totals.inputsSummed.join(' / ')}, podprof's file as go reads it ${s.totals.podprofReadByGo.join(' / ')}`
  );
}

function notes(m: Measured, foreign: number): string[] {
  const { fan, merge, sd: s, proxy: p } = m;
  const runs = fan.runs.map(
    (r) =>
      `${r.kind} ${r.wallMs.toFixed(0)} ms (slowest pod ${r.maxPodMs} ms, median pod ${r.medianPodMs} ms, start spread ${r.startSpreadMs} ms, sidecar reached after median ${r.sidecarLagMedianMs} / max ${r.sidecarLagMaxMs} ms, tail ${r.tailMs} ms = assemble ${r.assembleMs} + commit/answer ${r.tailMs - r.assembleMs}, ${r.podsOk}/${r.pods} ok)`,
  );
  return [
    `setup: ${CFG.pods} Go fixture pods (${CFG.appArgs.join(' ')}) + in-process sidecars + in-process gateway (--fanout-concurrency ${CFG.fanoutConcurrency}) started in ${f(m.startupMs, 0, 'ms')}; client, gateway and sidecars share this process's event loop.`,
    `fan-out: baseline is the slowest one-pod capture through the same gateway; runs: ${runs.join('; ')}. "tail" = last pod finished → response received (decode, merge, write + fsync of every file, commit).`,
    mergeNote(merge.fanout),
    `merge busy: seed = ${CFG.seedSeconds} s CPU profile of a fixture with -cpu-workers ${CFG.seedCpuWorkers} (${merge.seed.samples} samples, ${merge.seed.locations} locations, ${(merge.seed.bytes / 1024).toFixed(1)} KiB); ${merge.busy.inputs} replicas keep each sample with p = 0.8, values × 1–3.`,
    mergeNote(merge.busy),
    `sd: ${s.groups} target groups (${DEFAULT_SD_TYPES.length} types × pods), ${(s.responseBytes / MiB).toFixed(2)} MiB per answer; baseline = a bare Node https server in this process answering the same bytes; ${s.requestsPerSide} requests per side in ${CFG.sdBatches} interleaved batches; means bare ${f(s.bare.mean, 2, 'ms')}, bare gzipped ${f(s.bareGzip.mean, 2, 'ms')} (${(s.gzipBytes / 1024).toFixed(0)} KiB, not inflated by the client), gateway ${f(s.gateway.mean, 2, 'ms')}, max gateway ${f(s.gateway.max, 1, 'ms')}.`,
    `sd in process (median of 20): registry.list ${f(s.breakdownMs.list, 2, 'ms')}, sdGroups ${f(s.breakdownMs.sdGroups, 2, 'ms')}, JSON.stringify ${f(s.breakdownMs.stringify, 2, 'ms')}.`,
    `registry memory: heapUsed ${f(s.heapBeforeMiB, 1, 'MiB')} → ${f(s.heapAfterMiB, 1, 'MiB')} for ${s.pods} targets (built by targetOf from JSON pods, as kubernetes discovery does; the informer's own pod cache is not part of this); RSS ${signed(s.rssDeltaMiB, 1, 'MiB')}.`,
    `proxy: goroutine profile ${p.responseBytes} bytes; ${p.requestsPerSide} requests per side in ${CFG.proxyBatches} interleaved batches after ${CFG.proxyWarmup} warm-ups; direct = https keep-alive to the sidecar with a token minted beforehand; means direct ${f(p.direct.mean, 3, 'ms')}, gateway ${f(p.gateway.mean, 3, 'ms')}.`,
    `other processes used ≈ ${f(foreign * 100, 0, '%')} of the machine's CPU during the run${foreign > 0.1 ? ' — the machine was shared; figures are noisier than on an idle one' : ''}`,
  ];
}

/** Numbers rounded to 3 decimals, for the JSON file. */
function rounded(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : round(v, 3);
  if (Array.isArray(v)) return v.map(rounded);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x)]));
  return v;
}

function report(m: Measured, machine: MachineInfo, foreign: number, loadAtStart: number[], totalMs: number): void {
  const tableRows = rows(m);
  const misses = tableRows.filter((r) => r.pass === false).length;
  const text = table([
    ['metric', 'baseline', 'podprof', 'ratio / added', 'target', 'result'],
    ...tableRows.map((r) => [r.metric, r.baseline, r.podprof, r.compare, r.target, verdict(r)]),
  ]);
  process.stdout.write(
    `\npodprof gateway benchmark — ${machine.cpu} (${machine.cores} cores), node ${machine.node}, ${machine.date}${QUICK ? ' — BENCH_QUICK smoke run' : ''}\n\n${text}\n\n`,
  );
  process.stdout.write(`${notes(m, foreign).join('\n')}\n\n`);
  process.stdout.write(
    `${misses === 0 ? 'all targets met' : `${misses} target(s) MISSED`}; whole run ${(totalMs / 1000).toFixed(0)} s; figures in ${RESULTS}\n`,
  );
  const { fan, merge, sd: s, proxy: p } = m;
  const { last: _last, ...fanOut } = fan;
  writeResults(
    RESULTS,
    rounded({
      machine: { ...machine, loadavgAtStart: loadAtStart, foreignCpuShare: round(foreign, 3) },
      quick: QUICK,
      config: CFG,
      targets: TARGETS,
      runSeconds: round(totalMs / 1000, 1),
      setup: { startupMs: round(m.startupMs, 0), sharedEventLoop: 'client, gateway and sidecars run in this process' },
      fanout: {
        unit: 'ms',
        baseline: 'slowest one-pod capture through the same gateway',
        ...fanOut,
        runs: fanOut.runs.map((r) => ({ ...r, wallMs: round(r.wallMs, 1) })),
      },
      merge: { unit: 'ms', baseline: 'go tool pprof -proto FILES > out (spawn to exit)', ...merge },
      sd: {
        unit: 'ms',
        baseline: 'bare Node https server in this process answering the same bytes',
        heapMethod: 'heapUsed after 3 forced GCs, before and after upserting the targets into the running gateway registry',
        ...s,
      },
      proxy: {
        unit: 'ms',
        baseline: 'GET /debug/pprof/goroutine straight to the sidecar (https keep-alive, token minted beforehand)',
        ...p,
      },
      table: tableRows.map((r) => ({ ...r, result: r.pass === undefined ? 'info' : r.pass ? 'pass' : 'MISS' })),
    }),
  );
}

// ---------------------------------------------------------------- main

async function measure(stopLater: (fn: () => Promise<void>) => void): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-bench-gateway-'));
  stopLater(() => rm(dir, { recursive: true, force: true }));
  log(`starting ${CFG.pods} Go fixture pods (${CFG.appArgs.join(' ')}), their sidecars and the gateway`);
  const t0 = performance.now();
  const h = await startHarness({
    pods: CFG.pods,
    appArgs: CFG.appArgs,
    gatewayArgs: ['--fanout-concurrency', String(CFG.fanoutConcurrency)],
  });
  const startupMs = performance.now() - t0;
  stopLater(() => h.close());
  const fan = await fanout(h);
  const merge = await merges(h, fan.last, dir);
  const sdResult = await sd(h);
  const proxyResult = await proxy(h);
  return { startupMs, fan, merge, sd: sdResult, proxy: proxyResult };
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = machineInfo();
  const loadAtStart = loadavg().map((x) => round(x));
  log(
    `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load average ${loadAtStart.join(' ')}${QUICK ? ' (BENCH_QUICK smoke run)' : ''}`,
  );
  const cpu0 = cpuMark();
  const stops: Array<() => Promise<void>> = [];
  let measured: Measured;
  try {
    measured = await measure((fn) => void stops.push(fn));
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    killEverything();
  }
  report(measured, machine, foreignCpuShare(cpu0, cpuMark()), loadAtStart, performance.now() - started);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killEverything();
  process.exitCode = 1;
});
