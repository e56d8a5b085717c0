// Webhook benchmark: how many AdmissionReviews `podprof webhook` answers per
// second on one core, and how fast, in one run. Reports, never asserts: it exits
// 0 when a target is missed and prints MISS. Run after `npm run build`:
//   node_modules/.bin/node --import tsx bench/webhook/run.ts
//
// Two pods (bench/webhook/pods.ts): a typical Deployment pod and a large one
// (10 containers × 200 env vars, with their managedFields), each measured
//  1. in process: the pure decideAdmission() (ops/s, µs per op), and decideAdmission() with what
//     the HTTP layer adds around it (JSON.parse of the body, readReview,
//     JSON.stringify of the answer); plus a breakdown of decideAdmission()'s steps;
//  2. over HTTPS against the real `podprof webhook` child process (the built
//     CLI, TLS from files, logging at info as deployed): latency of sequential
//     requests on one keep-alive connection (interleaved batches), and
//     throughput with CFG.connections concurrent keep-alive connections, with
//     the webhook's CPU use from /proc/<pid>/stat over each round.
// The baseline, measured the same way in the same run, is a minimal Node HTTPS
// server that parses the JSON body and answers a fixed allowed AdmissionReview
// (no mutation): it shows what TLS, HTTP and JSON cost next to podprof's decision.
//
// "One core": on a machine with ≥ 2 cores both servers are pinned (taskset) to
// the last core and this process, the load generator, to the others. The load
// generator is a raw TLS client (bench/webhook/client.ts), far cheaper per
// request than node:https, so the server is what saturates.
//
// Figures go to bench/results/webhook.json. BENCH_QUICK=1 shrinks the counts for
// a smoke run (written to webhook-quick.json); BENCH_PIN=0 turns pinning off.
import { verdict, type Row } from '../lib/report.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPodOptions } from '../../src/annotations.ts';
import { parseFlags } from '../../src/config/flags.ts';
import type { Pod } from '../../src/k8s/types.ts';
import { createCertificate } from '../../src/tls/x509.ts';
import { imageNodeOptions, makeKeys, NODE, REPO } from '../../test/kit/product/sidecar.ts';
import { WEBHOOK_FLAGS } from '../../webhook/config.ts';
import { inject } from '../../webhook/inject.ts';
import { diffPatch } from '../../webhook/patch.ts';
import { decideAdmission, readReview } from '../../webhook/review.ts';
import { loadSettings } from '../../webhook/server.ts';
import type { InjectSettings } from '../../webhook/settings.ts';
import {
  clockTicksPerSecond,
  cpuMark,
  cpuTicks,
  foreignCpuShare,
  type MachineInfo,
  machineInfo,
  percentile,
  type Percentiles,
  round,
  sampleRss,
  summarize,
  table,
  writeResults,
} from '../lib/stats.ts';
import { rssMiB } from '../../test/kit/measure/rss.ts';
import { postBytes, RawConnection, type RawResponse } from './client.ts';
import { admissionReview, largePod, typicalPod } from './pods.ts';
import { killChildrenOnExit, killEverything, spawned, stop } from '../lib/children.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  /** Seconds of timed calls per in-process measurement (after warm-up). */
  inProcessSeconds: QUICK ? 0.3 : 1.5,
  breakdownSeconds: QUICK ? 0.1 : 0.4,
  inProcessWarmup: { typical: QUICK ? 200 : 2000, large: QUICK ? 20 : 100 },
  /** Distinct request uids per pod, cycled through. */
  uids: 64,
  latencyRequests: { typical: QUICK ? 300 : 3000, large: QUICK ? 40 : 400 },
  latencyWarmup: { typical: QUICK ? 100 : 500, large: QUICK ? 10 : 60 },
  batches: 10,
  connections: 8,
  throughputRounds: 3,
  throughputSeconds: QUICK ? 0.5 : 2.5,
} as const;
const RESULTS = join(REPO, QUICK ? 'bench/results/webhook-quick.json' : 'bench/results/webhook.json'); // a smoke run never overwrites real figures
const TARGETS = { typicalReviewsPerSec: 2000, typicalP99Ms: 5 } as const;
const HOST = '127.0.0.1';
const SIDECAR_IMAGE = 'ghcr.io/podprof/podprof-sidecar:0.1.0';

type PodKind = 'typical' | 'large';
const PODS: readonly PodKind[] = ['typical', 'large'];
type Side = 'baseline' | 'webhook';
const SIDES: readonly Side[] = ['baseline', 'webhook'];

// ---------------------------------------------------------------- processes

killChildrenOnExit();

interface Pinning {
  serverCore: number | undefined;
  benchCores: string | undefined;
}

/** Pins this process (all its threads) to every core but the last, and leaves the last for the servers. */
function pin(): Pinning {
  const cores = cpus().length;
  if (cores < 2 || process.env.BENCH_PIN === '0') return { serverCore: undefined, benchCores: undefined };
  const benchCores = cores === 2 ? '0' : `0-${cores - 2}`;
  const r = spawnSync('taskset', ['-a', '-cp', benchCores, String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) {
    log(`taskset unavailable (${(r.error?.message ?? r.stderr).trim()}): nothing pinned`);
    return { serverCore: undefined, benchCores: undefined };
  }
  return { serverCore: cores - 1, benchCores };
}

interface Server {
  side: Side;
  child: ChildProcess;
  pid: number;
  port: number;
  logFile: string;
}

/** Spawns `node …args` (pinned when asked) with stdout to a file, and waits for the `"port":N` line. */
async function startServer(
  side: Side,
  args: string[],
  env: Record<string, string>,
  dir: string,
  core: number | undefined,
): Promise<Server> {
  const logFile = join(dir, `${side}.log`);
  const fd = openSync(logFile, 'w');
  const [cmd, argv] = core === undefined ? [NODE, args] : ['taskset', ['-c', String(core), NODE, ...args]];
  const child = spawn(cmd, argv, { cwd: REPO, stdio: ['ignore', fd, 'pipe'], env: { ...process.env, ...env } });
  closeSync(fd);
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const deadline = performance.now() + 15_000;
  for (;;) {
    const m = /"port":(\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m) return { side, child, pid: child.pid!, port: Number(m[1]), logFile };
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${side} exited ${child.exitCode ?? child.signalCode}: ${stderr}`);
    if (performance.now() > deadline) throw new Error(`${side} did not start in 15 s: ${stderr}`);
    await sleep(20);
  }
}

// The floor for any admission webhook in Node: TLS, HTTP, JSON.parse of the
// review, and a fixed "allowed" answer with the request's uid.
const BASELINE = `
const fs = require('node:fs'), https = require('node:https');
const s = https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY), minVersion: 'TLSv1.2' }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
s.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: s.address().port }) + '\\n'));
`;

interface Files {
  dir: string;
  jwks: string;
  cert: string;
  key: string;
}

function files(): Files {
  const keys = makeKeys();
  const c = createCertificate({
    commonName: 'podprof-webhook.podprof-system.svc',
    dnsNames: ['podprof-webhook.podprof-system.svc', 'localhost'],
    ipAddresses: ['127.0.0.1'],
  });
  const f = { dir: keys.dir, jwks: keys.jwksFile, cert: join(keys.dir, 'tls.crt'), key: join(keys.dir, 'tls.key') };
  writeFileSync(f.cert, c.certPem);
  writeFileSync(f.key, c.keyPem, { mode: 0o600 });
  return f;
}

/** The webhook's flags, as manifests/webhook/deployment.yaml passes them (the serving cert doubles as the gateway CA). */
function webhookFlags(f: Files): string[] {
  return [
    '--listen',
    `${HOST}:0`,
    '--health-listen',
    `${HOST}:0`,
    '--tls-cert-file',
    f.cert,
    '--tls-key-file',
    f.key,
    '--sidecar-image',
    SIDECAR_IMAGE,
    '--gateway-url',
    'https://podprof-gateway.podprof-system.svc:8443',
    '--gateway-ca-file',
    f.cert,
    '--jwks-file',
    f.jwks,
  ];
}

// ---------------------------------------------------------------- 1. in process

interface OpStats {
  ops: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

let sink = 0;

/** Calls `fn` for `seconds` after `warmup` calls, timing each call. */
function timeOps(fn: () => number, seconds: number, warmup: number): OpStats {
  for (let i = 0; i < warmup; i++) sink += fn();
  const samples: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let now = t0;
  while (now < end) {
    const a = performance.now();
    sink += fn();
    now = performance.now();
    samples.push(now - a);
  }
  const total = now - t0;
  return {
    ops: samples.length,
    opsPerSec: samples.length / (total / 1000),
    p50Us: percentile(samples, 50) * 1000,
    p99Us: percentile(samples, 99) * 1000,
    meanUs: (total / samples.length) * 1000,
  };
}

interface InProcess {
  requestBytes: number;
  /** decideAdmission() on the parsed request. */
  decide: OpStats;
  /** body → JSON.parse → readReview → decide → JSON.stringify: the handler without HTTP and logging. */
  handler: OpStats;
  /** Mean µs of decideAdmission()'s steps, timed one by one. */
  steps: Record<string, number>;
}

function inProcess(kind: PodKind, pod: Pod, settings: InjectSettings): InProcess {
  const body = Buffer.from(JSON.stringify(admissionReview(pod)));
  const req = readReview(JSON.parse(body.toString('utf8')));
  const check = decideAdmission(req, settings, false);
  if (check.outcome !== 'injected') throw new Error(`in process, ${kind} pod: ${check.outcome}: ${check.reason}`);
  const warmup = CFG.inProcessWarmup[kind];
  const decideStats = timeOps(() => decideAdmission(req, settings, false).response.patch?.length ?? 0, CFG.inProcessSeconds, warmup);
  const handler = timeOps(
    () => {
      const d = decideAdmission(readReview(JSON.parse(body.toString('utf8'))), settings, false);
      return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: d.response }).length;
    },
    CFG.inProcessSeconds,
    warmup,
  );
  const options = readPodOptions(pod).options;
  const injected = inject(pod, options, settings);
  const patch = diffPatch(pod, injected);
  const step = (fn: () => number): number => round(timeOps(fn, CFG.breakdownSeconds, warmup).meanUs, 1);
  const steps = {
    'readPodOptions()': step(() => readPodOptions(pod).problems.length),
    'structuredClone(pod) (inside inject)': step(() => structuredClone(pod).spec?.containers.length ?? 0),
    'inject()': step(() => inject(pod, options, settings).spec?.containers.length ?? 0),
    'diffPatch() (fast-json-patch compare)': step(() => diffPatch(pod, injected).length),
    'patch JSON + base64': step(() => Buffer.from(JSON.stringify(patch)).toString('base64').length),
  };
  return { requestBytes: body.length, decide: decideStats, handler, steps };
}

// ---------------------------------------------------------------- 2. over HTTPS

interface Requests {
  /** Prebuilt request bytes, one per uid. */
  bytes: Buffer[];
  uids: string[];
  /** The uid as it appears in the response, to check cheaply. */
  needles: Buffer[];
  bodyBytes: number;
}

function requestsFor(pod: Pod, port: number): Requests {
  const uids = Array.from({ length: CFG.uids }, (_, i) => `${randomUUID().slice(0, 24)}${String(i).padStart(12, '0')}`);
  const bodies = uids.map((uid) => Buffer.from(JSON.stringify(admissionReview(pod, uid))));
  return {
    bytes: bodies.map((b) => postBytes(HOST, port, '/mutate', b)),
    uids,
    needles: uids.map((u) => Buffer.from(`"uid":"${u}"`)),
    bodyBytes: bodies[0]!.length,
  };
}

const PATCH_NEEDLE = Buffer.from('"patchType":"JSONPatch"');

/** Throws unless the response is a 200 for request `i` (and, from the webhook, carries a patch). */
function checkResponse(side: Side, r: RawResponse, reqs: Requests, i: number): void {
  if (r.status !== 200) throw new Error(`${side}: HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
  if (!r.body.includes(reqs.needles[i]!)) throw new Error(`${side}: the response does not echo uid ${reqs.uids[i]}`);
  if (side === 'webhook' && !r.body.includes(PATCH_NEEDLE))
    throw new Error(`webhook: no JSONPatch in ${r.body.toString('utf8').slice(0, 300)}`);
}

/** One full check of each side's answer, before anything is timed; returns the response sizes. */
async function validate(server: Server, reqs: Requests): Promise<number> {
  const c = new RawConnection(HOST, server.port);
  await c.connect();
  try {
    const r = await c.request(reqs.bytes[0]!);
    sent[server.side]++;
    checkResponse(server.side, r, reqs, 0);
    const review = JSON.parse(r.body.toString('utf8')) as { response?: { uid?: string; allowed?: boolean; patch?: string } };
    const response = review.response;
    if (!response || response.uid !== reqs.uids[0] || response.allowed !== true)
      throw new Error(`${server.side}: unexpected answer ${r.body.toString('utf8').slice(0, 300)}`);
    if (server.side === 'webhook') {
      const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8')) as Array<{
        op: string;
        path: string;
        value?: unknown;
      }>;
      const added = patch.find((p) => p.op === 'add' && p.path === '/spec/initContainers');
      if (!JSON.stringify(added?.value ?? '').includes('"name":"podprof-sidecar"'))
        throw new Error(`webhook: the patch does not add podprof-sidecar: ${JSON.stringify(patch).slice(0, 300)}`);
    }
    return r.body.length;
  } finally {
    c.close();
  }
}

/** Review counter per side, to check the webhook logged one line per review. */
const sent: Record<Side, number> = { baseline: 0, webhook: 0 };

async function sequential(
  side: Side,
  c: RawConnection,
  reqs: Requests,
  n: number,
  from: number,
  into: number[] | undefined,
): Promise<void> {
  for (let k = 0; k < n; k++) {
    const i = (from + k) % reqs.bytes.length;
    await c.connect(); // reconnects (untimed) if the server closed an idle connection
    const r = await c.request(reqs.bytes[i]!);
    sent[side]++;
    checkResponse(side, r, reqs, i);
    into?.push(r.ms);
  }
}

/** Sequential requests on one keep-alive connection per side, in interleaved batches. */
async function latency(kind: PodKind, servers: Record<Side, Server>, reqs: Record<Side, Requests>): Promise<Record<Side, Percentiles>> {
  const conns = { baseline: new RawConnection(HOST, servers.baseline.port), webhook: new RawConnection(HOST, servers.webhook.port) };
  const samples: Record<Side, number[]> = { baseline: [], webhook: [] };
  try {
    for (const side of SIDES) await sequential(side, conns[side], reqs[side], CFG.latencyWarmup[kind], 0, undefined);
    const perBatch = Math.ceil(CFG.latencyRequests[kind] / CFG.batches);
    for (let b = 0; b < CFG.batches; b++) {
      for (const side of b % 2 === 0 ? SIDES : [...SIDES].reverse())
        await sequential(side, conns[side], reqs[side], perBatch, b * perBatch, samples[side]);
    }
  } finally {
    for (const side of SIDES) conns[side].close();
  }
  return { baseline: summarize(samples.baseline, 3), webhook: summarize(samples.webhook, 3) };
}

interface Round {
  reviews: number;
  seconds: number;
  perSec: number;
  /** The server's CPU time over the round, in cores (1 = one core fully busy). */
  serverCpu: number;
  /** This process's (the load generator's) CPU time over the round, in cores. */
  clientCpu: number;
}

const CLK_TCK = clockTicksPerSecond();

/** CFG.connections keep-alive connections, each sending its next request as soon as the last is answered. */
async function throughputRound(server: Server, reqs: Requests, latencies: number[]): Promise<Round> {
  const conns = Array.from({ length: CFG.connections }, () => new RawConnection(HOST, server.port));
  await Promise.all(conns.map((c) => c.connect()));
  let reviews = 0;
  try {
    const ticks0 = cpuTicks(server.pid) ?? Number.NaN;
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + CFG.throughputSeconds * 1000;
    await Promise.all(
      conns.map(async (c, ci) => {
        for (let i = ci; performance.now() < end; i += CFG.connections) {
          const k = i % reqs.bytes.length;
          const r = await c.request(reqs.bytes[k]!);
          sent[server.side]++;
          checkResponse(server.side, r, reqs, k);
          latencies.push(r.ms);
          reviews++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const own = process.cpuUsage(own0);
    const ticks = (cpuTicks(server.pid) ?? Number.NaN) - ticks0;
    return {
      reviews,
      seconds,
      perSec: reviews / seconds,
      serverCpu: ticks / CLK_TCK / seconds,
      clientCpu: (own.user + own.system) / 1e6 / seconds,
    };
  } finally {
    for (const c of conns) c.close();
  }
}

interface Throughput {
  rounds: Round[];
  /** Median reviews/s over the rounds. */
  perSec: number;
  /** Server CPU in cores over all rounds. */
  serverCpu: number;
  /** Reviews per second of server CPU time, over all rounds: one full core's capacity, whatever else ran. */
  perCpuSecond: number;
  clientCpu: number;
  /** Latency of each request under that load. */
  underLoad: Percentiles;
  rssPeakMiB: number;
}

async function throughput(servers: Record<Side, Server>, reqs: Record<Side, Requests>): Promise<Record<Side, Throughput>> {
  const rounds: Record<Side, Round[]> = { baseline: [], webhook: [] };
  const lat: Record<Side, number[]> = { baseline: [], webhook: [] };
  const peaks: Record<Side, number> = { baseline: 0, webhook: 0 };
  for (let r = 0; r < CFG.throughputRounds; r++) {
    for (const side of r % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const sampler = sampleRss(servers[side].pid, 50);
      rounds[side].push(await throughputRound(servers[side], reqs[side], lat[side]));
      peaks[side] = Math.max(peaks[side], sampler.stop().peakMiB);
    }
  }
  const summary = (side: Side): Throughput => {
    const rs = rounds[side];
    const secs = rs.reduce((a, x) => a + x.seconds, 0);
    return {
      rounds: rs.map((x) => ({
        reviews: x.reviews,
        seconds: round(x.seconds, 3),
        perSec: round(x.perSec, 0),
        serverCpu: round(x.serverCpu, 3),
        clientCpu: round(x.clientCpu, 3),
      })),
      perSec: round(
        percentile(
          rs.map((x) => x.perSec),
          50,
        ),
        0,
      ),
      serverCpu: round(rs.reduce((a, x) => a + x.serverCpu * x.seconds, 0) / secs, 3),
      perCpuSecond: round(rs.reduce((a, x) => a + x.reviews, 0) / rs.reduce((a, x) => a + x.serverCpu * x.seconds, 0), 0),
      clientCpu: round(rs.reduce((a, x) => a + x.clientCpu * x.seconds, 0) / secs, 3),
      underLoad: summarize(lat[side], 3),
      rssPeakMiB: round(peaks[side], 1),
    };
  };
  return { baseline: summary('baseline'), webhook: summary('webhook') };
}

interface OverHttps {
  requestBytes: number;
  responseBytes: Record<Side, number>;
  latency: Record<Side, Percentiles>;
  throughput: Record<Side, Throughput>;
}

// ---------------------------------------------------------------- report

interface Measured {
  inProcess: Record<PodKind, InProcess>;
  https: Record<PodKind, OverHttps>;
  rssIdleMiB: Record<Side, number>;
  logLines: { reviews: number; lines: number };
}

const f = (n: number, digits: number, unit: string): string => `${n.toFixed(digits)} ${unit}`;
const times = (a: number, b: number): string => `× ${(b / a).toFixed(2)}`;
const added = (a: number, b: number, digits: number, unit: string): string =>
  `${times(a, b)} (${b - a >= 0 ? '+' : ''}${(b - a).toFixed(digits)} ${unit})`;
const share = (a: number, b: number): string => `${((b / a) * 100).toFixed(0)} %`;

function httpsRows(kind: PodKind, h: OverHttps): Row[] {
  const { latency: l, throughput: t } = h;
  const typical = kind === 'typical';
  const label = `${kind}, ${(h.requestBytes / 1024).toFixed(h.requestBytes < 10240 ? 1 : 0)} KiB`;
  return [
    {
      metric: `${label}: latency p50, 1 conn`,
      baseline: f(l.baseline.p50, 3, 'ms'),
      podprof: f(l.webhook.p50, 3, 'ms'),
      compare: added(l.baseline.p50, l.webhook.p50, 3, 'ms'),
      target: '',
      pass: undefined,
    },
    {
      metric: `${label}: latency p99, 1 conn`,
      baseline: f(l.baseline.p99, 3, 'ms'),
      podprof: f(l.webhook.p99, 3, 'ms'),
      compare: added(l.baseline.p99, l.webhook.p99, 3, 'ms'),
      target: typical ? `≤ ${TARGETS.typicalP99Ms} ms` : '',
      pass: typical ? l.webhook.p99 <= TARGETS.typicalP99Ms : undefined,
    },
    {
      metric: `${label}: reviews/s, ${CFG.connections} conns`,
      baseline: f(t.baseline.perSec, 0, '/s'),
      podprof: f(t.webhook.perSec, 0, '/s'),
      compare: share(t.baseline.perSec, t.webhook.perSec),
      target: typical ? `≥ ${TARGETS.typicalReviewsPerSec} /s` : '',
      pass: typical ? t.webhook.perSec >= TARGETS.typicalReviewsPerSec : undefined,
    },
    {
      metric: `${label}: server CPU meanwhile`,
      baseline: f(t.baseline.serverCpu * 100, 0, '%'),
      podprof: f(t.webhook.serverCpu * 100, 0, '%'),
      compare: '',
      target: '',
      pass: undefined,
    },
    {
      metric: `${label}: reviews per CPU-second`,
      baseline: f(t.baseline.perCpuSecond, 0, '/s'),
      podprof: f(t.webhook.perCpuSecond, 0, '/s'),
      compare: share(t.baseline.perCpuSecond, t.webhook.perCpuSecond),
      target: '',
      pass: undefined,
    },
    {
      metric: `${label}: latency p99, ${CFG.connections} conns`,
      baseline: f(t.baseline.underLoad.p99, 2, 'ms'),
      podprof: f(t.webhook.underLoad.p99, 2, 'ms'),
      compare: times(t.baseline.underLoad.p99, t.webhook.underLoad.p99),
      target: '',
      pass: undefined,
    },
  ];
}

function rows(m: Measured): Row[] {
  return [
    ...PODS.flatMap((k) => httpsRows(k, m.https[k])),
    {
      metric: 'RSS idle, after start',
      baseline: f(m.rssIdleMiB.baseline, 1, 'MiB'),
      podprof: f(m.rssIdleMiB.webhook, 1, 'MiB'),
      compare: `+${(m.rssIdleMiB.webhook - m.rssIdleMiB.baseline).toFixed(1)} MiB`,
      target: '',
      pass: undefined,
    },
    {
      metric: 'RSS peak under load (large pod)',
      baseline: f(m.https.large.throughput.baseline.rssPeakMiB, 1, 'MiB'),
      podprof: f(m.https.large.throughput.webhook.rssPeakMiB, 1, 'MiB'),
      compare: '',
      target: '',
      pass: undefined,
    },
  ];
}

function inProcessTable(m: Measured): string {
  const r = (kind: PodKind, what: 'decide' | 'handler'): string[] => {
    const s = m.inProcess[kind][what];
    return [
      `${kind}: ${what === 'decide' ? 'decideAdmission()' : 'parse + decideAdmission() + serialize'}`,
      f(s.opsPerSec, 0, 'ops/s'),
      f(s.meanUs, 1, 'µs'),
      f(s.p50Us, 1, 'µs'),
      f(s.p99Us, 1, 'µs'),
    ];
  };
  return table([['in process (this core)', 'throughput', 'mean', 'p50', 'p99'], ...PODS.flatMap((k) => [r(k, 'decide'), r(k, 'handler')])]);
}

function notes(m: Measured, pinning: Pinning, foreign: number): string[] {
  const out: string[] = [];
  for (const kind of PODS) {
    const h = m.https[kind];
    const ip = m.inProcess[kind];
    const wl = h.latency.webhook;
    const base = h.latency.baseline;
    const steps = Object.entries(ip.steps)
      .map(([k, v]) => `${k} ${v} µs`)
      .join(', ');
    out.push(
      `${kind}: request ${h.requestBytes} B, answer ${h.responseBytes.webhook} B (baseline ${h.responseBytes.baseline} B); decideAdmission() ${ip.decide.meanUs.toFixed(1)} µs = ${((ip.decide.meanUs / 1000 / wl.mean) * 100).toFixed(0)} % of the webhook's mean latency ${wl.mean.toFixed(3)} ms; ` +
        `parse + decide + serialize ${ip.handler.meanUs.toFixed(1)} µs; webhook − baseline mean ${(wl.mean - base.mean).toFixed(3)} ms; ` +
        `server CPU per review ${(1e6 / h.throughput.webhook.perCpuSecond).toFixed(0)} µs (baseline ${(1e6 / h.throughput.baseline.perCpuSecond).toFixed(0)} µs)`,
    );
    out.push(`${kind}: decideAdmission() steps, mean: ${steps}`);
    const rounds = (s: Side): string =>
      h.throughput[s].rounds.map((x) => `${x.perSec}/s at ${(x.serverCpu * 100).toFixed(0)} % CPU`).join(', ');
    out.push(
      `${kind}: rounds of ${CFG.throughputSeconds} s — baseline ${rounds('baseline')}; webhook ${rounds('webhook')}; load generator CPU ${(h.throughput.webhook.clientCpu * 100).toFixed(0)} % (webhook), ${(h.throughput.baseline.clientCpu * 100).toFixed(0)} % (baseline)`,
    );
  }
  out.push(
    pinning.serverCore === undefined
      ? 'not pinned: servers and load generator share every core'
      : `servers pinned to core ${pinning.serverCore}, this process (load generator, in-process figures) to core(s) ${pinning.benchCores}`,
    `the webhook logged ${m.logLines.lines} "admission review" lines for ${m.logLines.reviews} reviews sent`,
    `other processes used ≈ ${f(foreign * 100, 0, '%')} of the machine's CPU during the run${foreign > 0.1 ? ' — the machine was shared; figures are noisier than on an idle one' : ''}`,
  );
  return out;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------- main

async function measure(pinning: Pinning, stopLater: (s: Server) => void): Promise<Measured> {
  const fl = files();
  const flags = webhookFlags(fl);
  const settings = loadSettings(parseFlags(WEBHOOK_FLAGS, flags, {}));
  const pods: Record<PodKind, Pod> = { typical: typicalPod(), large: largePod() };

  log('1. decideAdmission() in process');
  const inProc = { typical: inProcess('typical', pods.typical, settings), large: inProcess('large', pods.large, settings) };

  log('2. start the webhook and the baseline');
  const env = { NODE_ENV: 'production', NODE_OPTIONS: imageNodeOptions('Dockerfile.webhook') };
  const dir = mkdtempSync(join(tmpdir(), 'podprof-bench-webhook-'));
  const webhook = await startServer('webhook', [join(REPO, 'bin/podprof.mjs'), 'webhook', ...flags], env, dir, pinning.serverCore);
  stopLater(webhook);
  const baseline = await startServer('baseline', ['-e', BASELINE], { ...env, CERT: fl.cert, KEY: fl.key }, dir, pinning.serverCore);
  stopLater(baseline);
  const servers = { baseline, webhook };
  await sleep(1000);
  const rssIdleMiB = { baseline: round(rssMiB(baseline.pid), 1), webhook: round(rssMiB(webhook.pid), 1) };

  const https = {} as Record<PodKind, OverHttps>;
  for (const kind of PODS) {
    const reqs = { baseline: requestsFor(pods[kind], baseline.port), webhook: requestsFor(pods[kind], webhook.port) };
    const responseBytes = { baseline: await validate(baseline, reqs.baseline), webhook: await validate(webhook, reqs.webhook) };
    log(`3. ${kind} pod: latency, sequential`);
    const lat = await latency(kind, servers, reqs);
    log(`4. ${kind} pod: throughput, ${CFG.connections} connections`);
    const tp = await throughput(servers, reqs);
    https[kind] = { requestBytes: reqs.webhook.bodyBytes, responseBytes, latency: lat, throughput: tp };
  }

  await stop(webhook.child);
  const lines = readFileSync(webhook.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"admission review"')).length;
  return { inProcess: inProc, https, rssIdleMiB, logLines: { reviews: sent.webhook, lines } };
}

function report(m: Measured, machine: MachineInfo, pinning: Pinning, foreign: number, loadAtStart: number[]): void {
  const tableRows = rows(m);
  const misses = tableRows.filter((r) => r.pass === false).length;
  const httpsTable = table([
    ['over HTTPS (server on one core)', 'baseline https', 'podprof webhook', 'webhook vs baseline', 'target', 'result'],
    ...tableRows.map((r) => [r.metric, r.baseline, r.podprof, r.compare, r.target, verdict(r)]),
  ]);
  process.stdout.write(
    `\npodprof webhook benchmark — ${machine.cpu} (${machine.cores} cores), node ${machine.node}, ${machine.date}${QUICK ? ' — BENCH_QUICK smoke run' : ''}\n\n`,
  );
  process.stdout.write(`${inProcessTable(m)}\n\n${httpsTable}\n\n${notes(m, pinning, foreign).join('\n')}\n\n`);
  process.stdout.write(`${misses === 0 ? 'all targets met' : `${misses} target(s) MISSED`}; figures in ${RESULTS}\n`);
  const rounded = (s: OpStats): OpStats => ({
    ops: s.ops,
    opsPerSec: round(s.opsPerSec, 0),
    meanUs: round(s.meanUs, 1),
    p50Us: round(s.p50Us, 1),
    p99Us: round(s.p99Us, 1),
  });
  writeResults(RESULTS, {
    machine: { ...machine, loadavgAtStart: loadAtStart, foreignCpuShare: round(foreign, 3), pinning },
    quick: QUICK,
    config: CFG,
    targets: TARGETS,
    baseline: 'node https server (same certificate): JSON.parse of the body, a fixed { allowed: true } answer with the request uid',
    inProcess: Object.fromEntries(
      PODS.map((k) => [k, { ...m.inProcess[k], decide: rounded(m.inProcess[k].decide), handler: rounded(m.inProcess[k].handler) }]),
    ),
    https: { latencyUnit: 'ms', cpuUnit: 'cores', ...m.https },
    rssIdleMiB: m.rssIdleMiB,
    logLines: m.logLines,
    table: tableRows.map((r) => ({ ...r, result: r.pass === undefined ? 'info' : r.pass ? 'pass' : 'MISS' })),
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadAtStart = loadavg().map((x) => round(x));
  const pinning = pin();
  log(
    `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load average ${loadAtStart.join(' ')}${QUICK ? ' (BENCH_QUICK smoke run)' : ''}`,
  );
  const cpu0 = cpuMark();
  const servers: Server[] = [];
  let measured: Measured;
  try {
    measured = await measure(pinning, (s) => void servers.push(s));
  } finally {
    for (const s of servers.reverse()) await stop(s.child).catch(() => undefined);
    killEverything();
  }
  report(measured, machine, pinning, foreignCpuShare(cpu0, cpuMark()), loadAtStart);
  if (sink === 0) log('(unreachable: keeps the timed calls observable)');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killEverything();
  process.exitCode = 1;
});
