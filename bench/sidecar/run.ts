// Sidecar benchmark: what the `podprof sidecar` child process costs compared
// with talking to the app directly, in one run. Reports, never asserts: it exits
// 0 when a target is missed and prints MISS. Run with `npm run bench:sidecar`.
//
//  1. added latency, GET /debug/pprof/goroutine on the Go fixture: direct (http
//     keep-alive) vs through the sidecar (https keep-alive), interleaved batches;
//  2. throughput of a 50 MiB GET /debug/pprof/heap served by a Node upstream in
//     its own child process (bench/sidecar/big-upstream.ts), median of 5 runs;
//  3. sidecar RSS idle and while 50 concurrent 50 MiB streams are read, next to
//     a bare `node -e "setInterval(…)"`;
//  4. spawn → /healthz answers, next to a bare node https + /healthz server.
//
// A reference column, "bare https proxy", runs the same measurements through a
// dozen-line Node https → http pipe proxy (no auth, no logging, no metrics): it
// separates what TLS and Node cost from what the sidecar itself adds.
//
// Figures go to bench/results/sidecar.json. BENCH_QUICK=1 shrinks the counts
// for a smoke run (figures not meant to be quoted; written to sidecar-quick.json).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCertificate } from '../../src/tls/x509.ts';
import { startGoTarget } from '../../test/kit/go-fixture.ts';
import { makeKeys, mint, NODE, POD, REPO, startChild, type TestKeys } from '../../test/kit/sidecar.ts';
import { cpuMark, foreignCpuShare, type MachineInfo, machineInfo, median, type Percentiles, resetPeakRss, round, rssMiB, sampleRss, statusKiB, summarize, table, writeResults } from '../lib/stats.ts';
import { exited, killChildrenOnExit, killEverything, spawned, stop, track } from '../lib/children.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  warmup: QUICK ? 20 : 200,
  requests: QUICK ? 200 : 2000,
  batches: 20,
  bodyBytes: 50 * 1024 * 1024,
  throughputRuns: 5,
  streams: QUICK ? 10 : 50,
  rssEveryMs: 20,
  starts: 5,
  pollEveryMs: 5,
} as const;
const TOKEN_TTL = 300; // the longest lifetime the sidecar accepts
const RESULTS = join(REPO, QUICK ? 'bench/results/sidecar-quick.json' : 'bench/results/sidecar.json'); // a smoke run never overwrites real figures
const MiB = 1024 * 1024;

const TARGETS = {
  addedP50Ms: 1,
  addedP99Ms: 3,
  throughputRatio: 0.9,
  idleRssMiB: 60,
  loadRssMiB: 90,
  startupMs: 300,
} as const;

// ---------------------------------------------------------------- processes




killChildrenOnExit();




async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

interface Listener {
  url: string;
  child: ChildProcess;
  pid: number;
}

/** Spawns `node …args` and waits for it to print `listening on <port>`. */
async function startListener(what: string, args: string[], env: Record<string, string>, scheme: 'http' | 'https'): Promise<Listener> {
  const child = track(spawn(NODE, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${stderr}`)), 15_000);
    child.stdout.on('data', (c: Buffer) => {
      const m = /listening on (\d+)/.exec(c.toString());
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}: ${stderr}`)));
  });
  return { url: `${scheme}://127.0.0.1:${port}`, child, pid: child.pid! };
}

interface TlsFiles {
  cert: string;
  key: string;
}

function tlsFiles(dir: string): TlsFiles {
  const c = createCertificate({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const files = { cert: join(dir, 'bench-cert.pem'), key: join(dir, 'bench-key.pem') };
  writeFileSync(files.cert, c.certPem);
  writeFileSync(files.key, c.keyPem, { mode: 0o600 });
  return files;
}

// The floor for any TLS proxy in Node: https in, keep-alive http out, pipe().
const BARE_PROXY = `
const fs = require('node:fs'), http = require('node:http'), https = require('node:https');
const up = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const s = https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (req, res) => {
  const u = http.request({ host: up.hostname, port: up.port, path: req.url, agent, headers: { accept: '*/*' } }, (ur) => {
    res.writeHead(ur.statusCode, { 'content-type': ur.headers['content-type'] || 'application/octet-stream' });
    ur.pipe(res);
  });
  u.on('error', () => res.destroy());
  res.on('close', () => { if (!res.writableFinished) u.destroy(); });
  u.end();
});
s.listen(0, '127.0.0.1', () => process.stdout.write('listening on ' + s.address().port + '\\n'));
`;

function startBareProxy(upstream: string, tls: TlsFiles): Promise<Listener> {
  return startListener('bare https proxy', ['-e', BARE_PROXY], { UPSTREAM: upstream, CERT: tls.cert, KEY: tls.key }, 'https');
}

interface BigUpstream extends Listener {
  stats(): Promise<{ connections: number; requests: number }>;
}

async function startBigUpstream(bytes: number): Promise<BigUpstream> {
  const l = await startListener('big upstream', [join(REPO, 'bench/sidecar/big-upstream.ts')], { BIG_UPSTREAM_BYTES: String(bytes) }, 'http');
  return {
    ...l,
    stats: async () => {
      const r = await get(new URL('/_stats', l.url), { agent: false, keep: true });
      return JSON.parse(r.body) as { connections: number; requests: number };
    },
  };
}

// ---------------------------------------------------------------- requests

interface Timed {
  ms: number;
  status: number;
  bytes: number;
  body: string;
}

/** GET, reading (and discarding, unless `keep` or an error status) the body; `ms` is request start → last byte. */
function get(url: URL, opts: { agent: http.Agent | false; headers?: Record<string, string>; keep?: boolean }): Promise<Timed> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = mod.request(url, { agent: opts.agent, headers: opts.headers, rejectUnauthorized: false }, (res) => {
      let bytes = 0;
      const keep = opts.keep === true || (res.statusCode ?? 0) >= 400;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep && bytes < MiB) chunks.push(c);
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function expectOk(r: Timed, what: string, bytes?: number): Timed {
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  if (bytes !== undefined && r.bytes !== bytes) throw new Error(`${what}: got ${r.bytes} bytes, want ${bytes}`);
  return r;
}

function bearerTokens(keys: TestKeys, type: 'goroutine' | 'heap', n: number): Record<string, string>[] {
  return Array.from({ length: n }, () => ({ authorization: `Bearer ${mint(keys, type, {}, TOKEN_TTL)}` }));
}

type Via = 'direct' | 'bare' | 'sidecar';
const VIAS: readonly Via[] = ['direct', 'bare', 'sidecar'];

interface Route {
  url: URL;
  agent: http.Agent;
  /** Tokens for `n` requests, minted before a timed loop (signing is the gateway's cost, not the sidecar's). */
  headers(n: number): Record<string, string>[];
}

function routes(path: string, bases: Record<Via, string>, keys: TestKeys, type: 'goroutine' | 'heap', maxSockets: number): Record<Via, Route> {
  const plain = (): Record<string, string>[] => [];
  return {
    direct: { url: new URL(path, bases.direct), agent: new http.Agent({ keepAlive: true, maxSockets }), headers: plain },
    bare: { url: new URL(path, bases.bare), agent: new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false }), headers: plain },
    sidecar: { url: new URL(path, bases.sidecar), agent: new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false }), headers: (n) => bearerTokens(keys, type, n) },
  };
}

function destroyAgents(r: Record<Via, Route>): void {
  for (const v of VIAS) r[v].agent.destroy();
}

// ---------------------------------------------------------------- 1. latency


interface LatencyResult {
  requestsPerSide: number;
  responseBytes: number;
  direct: Percentiles;
  bare: Percentiles;
  sidecar: Percentiles;
  addedP50: number;
  addedP99: number;
}


async function latency(keys: TestKeys, bases: Record<Via, string>): Promise<LatencyResult> {
  const r = routes('/debug/pprof/goroutine', bases, keys, 'goroutine', 1);
  const samples: Record<Via, number[]> = { direct: [], bare: [], sidecar: [] };
  let responseBytes = 0;
  const batch = async (via: Via, n: number, record: boolean): Promise<void> => {
    const headers = r[via].headers(n);
    for (let i = 0; i < n; i++) {
      const t = expectOk(await get(r[via].url, { agent: r[via].agent, headers: headers[i] }), `goroutine ${via}`);
      responseBytes = t.bytes;
      if (record) samples[via].push(t.ms);
    }
  };
  try {
    for (const v of VIAS) await batch(v, CFG.warmup, false);
    const per = Math.ceil(CFG.requests / CFG.batches);
    for (let b = 0; b < CFG.batches; b++) {
      // ABC, CBA, …: no side always runs right after a given other one
      for (const v of b % 2 === 0 ? VIAS : [...VIAS].reverse()) await batch(v, per, true);
    }
  } finally {
    destroyAgents(r);
  }
  const d = summarize(samples.direct);
  const s = summarize(samples.sidecar);
  return { requestsPerSide: samples.direct.length, responseBytes, direct: d, bare: summarize(samples.bare), sidecar: s, addedP50: s.p50 - d.p50, addedP99: s.p99 - d.p99 };
}

// ---------------------------------------------------------------- 2. throughput

interface ThroughputResult {
  bodyBytes: number;
  runs: Record<Via, number[]>;
  direct: number;
  bare: number;
  sidecar: number;
  ratio: number;
  newUpstreamConnections: number;
}

async function throughput(keys: TestKeys, bases: Record<Via, string>, big: BigUpstream): Promise<ThroughputResult> {
  const r = routes('/debug/pprof/heap', bases, keys, 'heap', 1);
  const runs: Record<Via, number[]> = { direct: [], bare: [], sidecar: [] };
  const once = async (via: Via): Promise<number> => {
    const t = expectOk(await get(r[via].url, { agent: r[via].agent, headers: r[via].headers(1)[0] }), `heap ${via}`, CFG.bodyBytes);
    return t.bytes / MiB / (t.ms / 1000);
  };
  try {
    for (let i = 0; i < 2; i++) for (const v of VIAS) await once(v); // warm-up: connections, TLS, JIT, heap sizing
    const before = await big.stats();
    for (let i = 0; i < CFG.throughputRuns; i++) {
      for (const v of i % 2 === 0 ? VIAS : [...VIAS].reverse()) runs[v].push(await once(v));
    }
    const after = await big.stats();
    const direct = median(runs.direct);
    const sidecar = median(runs.sidecar);
    return {
      bodyBytes: CFG.bodyBytes,
      runs,
      direct,
      bare: median(runs.bare),
      sidecar,
      ratio: sidecar / direct,
      // connections the upstream accepted during the timed runs, less the second /_stats probe: 0 when every side reuses its keep-alive connection
      newUpstreamConnections: after.connections - before.connections - 1,
    };
  } finally {
    destroyAgents(r);
  }
}

// ---------------------------------------------------------------- 3. RSS

interface LoadResult {
  streams: number;
  peakMiB: number;
  samples: number;
  maxSampleGapMs: number;
  kernelPeakMiB: number | undefined;
  seconds: number;
  aggregateMiBs: number;
  failures: string[];
  afterLoadMiB: number;
}

/** `CFG.streams` concurrent 50 MiB GETs through `url` while sampling the RSS of `pid`. */
async function underLoad(url: URL, pid: number, headers: Record<string, string>[] | undefined): Promise<LoadResult> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CFG.streams, rejectUnauthorized: false });
  const hwmReset = resetPeakRss(pid);
  const sampler = sampleRss(pid, CFG.rssEveryMs);
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: CFG.streams }, (_, i) => get(url, { agent, headers: headers?.[i] })));
  const seconds = (performance.now() - t0) / 1000;
  const sampled = sampler.stop();
  const hwm = statusKiB(pid, 'VmHWM');
  agent.destroy();
  const failures: string[] = [];
  let bytes = 0;
  for (const r of results) {
    if (r.status === 'rejected') failures.push(String(r.reason));
    else {
      bytes += r.value.bytes;
      if (r.value.status !== 200 || r.value.bytes !== CFG.bodyBytes) failures.push(`HTTP ${r.value.status} after ${r.value.bytes} bytes ${r.value.body.slice(0, 200)}`);
    }
  }
  await sleep(1000);
  return {
    streams: CFG.streams,
    peakMiB: sampled.peakMiB,
    samples: sampled.samples,
    maxSampleGapMs: sampled.maxGapMs,
    kernelPeakMiB: hwmReset && hwm !== undefined ? hwm / 1024 : undefined,
    seconds,
    aggregateMiBs: bytes / MiB / seconds,
    failures,
    afterLoadMiB: rssMiB(pid),
  };
}

async function bareNodeRss(): Promise<number> {
  const child = track(spawn(NODE, ['-e', 'setInterval(()=>{},1000)'], { stdio: 'ignore' }));
  try {
    await sleep(1000);
    return rssMiB(child.pid!);
  } finally {
    await stop(child);
  }
}

// ---------------------------------------------------------------- 4. startup

async function untilHealthy(url: URL, deadline: number): Promise<void> {
  for (;;) {
    try {
      if ((await get(url, { agent: false })).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url.href} did not answer in time`);
    await sleep(CFG.pollEveryMs);
  }
}

async function timeStart(args: string[], env: Record<string, string>, healthPort: number): Promise<number> {
  const t0 = performance.now();
  const child = track(spawn(NODE, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } }));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await Promise.race([
      untilHealthy(new URL(`http://127.0.0.1:${healthPort}/healthz`), t0 + 15_000),
      exited(child).then(() => {
        throw new Error(`${args.slice(0, 2).join(' ')} exited ${child.exitCode}: ${stderr}`);
      }),
    ]);
    return performance.now() - t0;
  } finally {
    await stop(child);
  }
}

// The baseline has the sidecar's shape: an https server with a certificate read
// from files, then a plain http server on a known port answering /healthz.
const BARE_HTTPS = `
const fs = require('node:fs'), http = require('node:http'), https = require('node:https');
const s = https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (q, r) => r.end('ok'));
s.listen(0, '127.0.0.1', () => http.createServer((q, r) => r.writeHead(q.url === '/healthz' ? 200 : 404).end('ok\\n')).listen(Number(process.env.HEALTH_PORT), '127.0.0.1'));
`;

interface StartupResult {
  bareMs: number[];
  sidecarMs: number[];
  bare: number;
  sidecar: number;
}

async function startup(keys: TestKeys, tls: TlsFiles, upstream: string): Promise<StartupResult> {
  const bare: number[] = [];
  const side: number[] = [];
  for (let i = 0; i < CFG.starts; i++) {
    const hp1 = await freePort();
    bare.push(await timeStart(['-e', BARE_HTTPS], { CERT: tls.cert, KEY: tls.key, HEALTH_PORT: String(hp1) }, hp1));
    const hp2 = await freePort();
    const args = [join(REPO, 'bin/podprof.mjs'), 'sidecar', '--listen', '127.0.0.1:0', '--health-listen', `127.0.0.1:${hp2}`, '--upstream', upstream, '--jwks-file', keys.jwksFile, '--pod-namespace', POD.namespace, '--pod-name', POD.pod, '--pod-uid', POD.uid, '--bypass-check-interval', '0'];
    side.push(await timeStart(args, {}, hp2));
  }
  return { bareMs: bare, sidecarMs: side, bare: median(bare), sidecar: median(side) };
}

// ---------------------------------------------------------------- report

interface Row {
  metric: string;
  baseline: string;
  bareProxy: string;
  sidecar: string;
  compare: string;
  target: string;
  pass: boolean | undefined;
}

interface RssResult {
  bareNode: number;
  bareProxyIdle: number;
  sidecarAtReady: number;
  sidecarIdle: number;
  bareProxyLoad: LoadResult;
  sidecarLoad: LoadResult;
}

const f = (n: number, digits: number, unit: string): string => `${n.toFixed(digits)} ${unit}`;
const signed = (n: number, digits: number, unit: string): string => `${n >= 0 ? '+' : ''}${n.toFixed(digits)} ${unit}`;

function rows(lat: LatencyResult, tp: ThroughputResult, rss: RssResult, st: StartupResult): Row[] {
  const size = `${tp.bodyBytes / MiB} MiB`;
  return [
    { metric: 'goroutine latency p50', baseline: f(lat.direct.p50, 3, 'ms'), bareProxy: f(lat.bare.p50, 3, 'ms'), sidecar: f(lat.sidecar.p50, 3, 'ms'), compare: signed(lat.addedP50, 3, 'ms'), target: `added ≤ ${TARGETS.addedP50Ms} ms`, pass: lat.addedP50 <= TARGETS.addedP50Ms },
    { metric: 'goroutine latency p99', baseline: f(lat.direct.p99, 3, 'ms'), bareProxy: f(lat.bare.p99, 3, 'ms'), sidecar: f(lat.sidecar.p99, 3, 'ms'), compare: signed(lat.addedP99, 3, 'ms'), target: `added ≤ ${TARGETS.addedP99Ms} ms`, pass: lat.addedP99 <= TARGETS.addedP99Ms },
    { metric: `heap ${size} throughput, median of ${CFG.throughputRuns}`, baseline: f(tp.direct, 0, 'MiB/s'), bareProxy: f(tp.bare, 0, 'MiB/s'), sidecar: f(tp.sidecar, 0, 'MiB/s'), compare: f(tp.ratio * 100, 1, '%'), target: `≥ ${TARGETS.throughputRatio * 100} %`, pass: tp.ratio >= TARGETS.throughputRatio },
    { metric: 'RSS idle, at ready', baseline: f(rss.bareNode, 1, 'MiB'), bareProxy: '', sidecar: f(rss.sidecarAtReady, 1, 'MiB'), compare: signed(rss.sidecarAtReady - rss.bareNode, 1, 'MiB'), target: '(info)', pass: undefined },
    { metric: 'RSS idle, 1 s after ready', baseline: f(rss.bareNode, 1, 'MiB'), bareProxy: f(rss.bareProxyIdle, 1, 'MiB'), sidecar: f(rss.sidecarIdle, 1, 'MiB'), compare: signed(rss.sidecarIdle - rss.bareNode, 1, 'MiB'), target: `≤ ${TARGETS.idleRssMiB} MiB`, pass: rss.sidecarIdle <= TARGETS.idleRssMiB },
    { metric: `RSS peak, ${rss.sidecarLoad.streams} × ${size} streams`, baseline: f(rss.bareNode, 1, 'MiB'), bareProxy: f(rss.bareProxyLoad.peakMiB, 1, 'MiB'), sidecar: f(rss.sidecarLoad.peakMiB, 1, 'MiB'), compare: signed(rss.sidecarLoad.peakMiB - rss.bareNode, 1, 'MiB'), target: `≤ ${TARGETS.loadRssMiB} MiB`, pass: rss.sidecarLoad.peakMiB <= TARGETS.loadRssMiB && rss.sidecarLoad.failures.length === 0 },
    { metric: 'RSS 1 s after that load', baseline: f(rss.bareNode, 1, 'MiB'), bareProxy: f(rss.bareProxyLoad.afterLoadMiB, 1, 'MiB'), sidecar: f(rss.sidecarLoad.afterLoadMiB, 1, 'MiB'), compare: signed(rss.sidecarLoad.afterLoadMiB - rss.bareNode, 1, 'MiB'), target: '(info)', pass: undefined },
    { metric: `start → /healthz, median of ${CFG.starts}`, baseline: f(st.bare, 0, 'ms'), bareProxy: '', sidecar: f(st.sidecar, 0, 'ms'), compare: `× ${(st.sidecar / st.bare).toFixed(2)}`, target: `≤ ${TARGETS.startupMs} ms`, pass: st.sidecar <= TARGETS.startupMs },
  ];
}

const verdict = (r: Row): string => (r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS');
const list = (xs: number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join(', ');

function notes(m: Measured, foreign: number): string[] {
  const { lat, tp, rss, st } = m;
  const loadNote = (name: string, l: LoadResult): string =>
    `${name}: ${l.streams} streams in ${l.seconds.toFixed(1)} s (${l.aggregateMiBs.toFixed(0)} MiB/s aggregate), ${l.samples} RSS samples (largest gap ${l.maxSampleGapMs.toFixed(0)} ms), kernel peak VmHWM ${l.kernelPeakMiB === undefined ? 'n/a' : f(l.kernelPeakMiB, 1, 'MiB')}` +
    (l.failures.length > 0 ? `; ${l.failures.length} stream(s) FAILED: ${l.failures.slice(0, 2).join(' | ')}` : '');
  return [
    'direct / baseline: latency and throughput straight to the upstream over plain http; RSS of a bare `node -e "setInterval(…)"`; start of a bare node https + http /healthz server.',
    'bare https proxy: a minimal Node https → http pipe proxy (no auth, log or metrics), a reference for what TLS and Node cost. The ratio / added column compares sidecar with direct.',
    `latency: ${lat.requestsPerSide} timed requests per side in ${CFG.batches} interleaved batches after ${CFG.warmup} warm-ups; goroutine profile ${lat.responseBytes} bytes; means direct ${f(lat.direct.mean, 3, 'ms')}, bare proxy ${f(lat.bare.mean, 3, 'ms')}, sidecar ${f(lat.sidecar.mean, 3, 'ms')}; sidecar − bare proxy: p50 ${signed(lat.sidecar.p50 - lat.bare.p50, 3, 'ms')}, p99 ${signed(lat.sidecar.p99 - lat.bare.p99, 3, 'ms')}`,
    `throughput MiB/s per run: direct ${list(tp.runs.direct)}; bare proxy ${list(tp.runs.bare)}; sidecar ${list(tp.runs.sidecar)}; sidecar / bare proxy ${f((tp.sidecar / tp.bare) * 100, 1, '%')}; new upstream connections during the runs: ${tp.newUpstreamConnections}`,
    loadNote('load, bare proxy', rss.bareProxyLoad),
    loadNote('load, sidecar', rss.sidecarLoad),
    `start → /healthz ms: bare ${list(st.bareMs)}; sidecar ${list(st.sidecarMs)}`,
    `other processes used ≈ ${f(foreign * 100, 0, '%')} of the machine's CPU during the run${foreign > 0.1 ? ' — the machine was shared; figures are noisier than on an idle one' : ''}`,
  ];
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------- main

interface Measured {
  lat: LatencyResult;
  tp: ThroughputResult;
  rss: RssResult;
  st: StartupResult;
}

async function measure(stopLater: (fn: () => Promise<void>) => void): Promise<Measured> {
  const keys = makeKeys();
  const tls = tlsFiles(keys.dir);
  // -workload=false: the fixture's synthetic workload burns ~40 % of a core,
  // noise for both sides on a 2-core machine.
  const target = await startGoTarget({ args: ['-workload=false'] });
  stopLater(() => target.stop());

  log('4. start → /healthz');
  const st = await startup(keys, tls, target.url);

  log('1. goroutine latency');
  const sideA = await startChild(keys, target.url);
  spawned.add(sideA.child);
  const proxyA = await startBareProxy(target.url, tls);
  const lat = await latency(keys, { direct: target.url, bare: proxyA.url, sidecar: sideA.url });
  await sideA.close();
  await stop(proxyA.child);

  log('3. bare node RSS');
  const bareNode = await bareNodeRss();

  log('2. big body throughput');
  const big = await startBigUpstream(CFG.bodyBytes);
  stopLater(() => stop(big.child));
  const sideB = await startChild(keys, big.url, ['--max-response-bytes', '1GiB']);
  spawned.add(sideB.child);
  stopLater(() => sideB.close());
  const sidePid = sideB.child.pid!;
  const sidecarAtReady = rssMiB(sidePid);
  const proxyB = await startBareProxy(big.url, tls);
  stopLater(() => stop(proxyB.child));
  await sleep(1000);
  const sidecarIdle = rssMiB(sidePid);
  const bareProxyIdle = rssMiB(proxyB.pid);
  const tp = await throughput(keys, { direct: big.url, bare: proxyB.url, sidecar: sideB.url }, big);

  log(`3. RSS under ${CFG.streams} concurrent streams`);
  const bareProxyLoad = await underLoad(new URL('/debug/pprof/heap', proxyB.url), proxyB.pid, undefined);
  const sidecarLoad = await underLoad(new URL('/debug/pprof/heap', sideB.url), sidePid, bearerTokens(keys, 'heap', CFG.streams));
  return { lat, tp, st, rss: { bareNode, bareProxyIdle, sidecarAtReady, sidecarIdle, bareProxyLoad, sidecarLoad } };
}

function report(m: Measured, machine: MachineInfo, foreign: number, loadAtStart: number[]): void {
  const tableRows = rows(m.lat, m.tp, m.rss, m.st);
  const misses = tableRows.filter((r) => r.pass === false).length;
  const text = table([['metric', 'direct / baseline', 'bare https proxy', 'sidecar', 'ratio / added', 'target', 'result'], ...tableRows.map((r) => [r.metric, r.baseline, r.bareProxy, r.sidecar, r.compare, r.target, verdict(r)])]);
  process.stdout.write(`\npodprof sidecar benchmark — ${machine.cpu} (${machine.cores} cores), node ${machine.node}, ${machine.date}${QUICK ? ' — BENCH_QUICK smoke run' : ''}\n\n${text}\n\n`);
  process.stdout.write(`${notes(m, foreign).join('\n')}\n\n`);
  process.stdout.write(`${misses === 0 ? 'all targets met' : `${misses} target(s) MISSED`}; figures in ${RESULTS}\n`);
  const { rss } = m;
  writeResults(RESULTS, {
    machine: { ...machine, loadavgAtStart: loadAtStart, foreignCpuShare: round(foreign, 3) },
    quick: QUICK,
    config: CFG,
    targets: TARGETS,
    latency: { unit: 'ms', ...m.lat },
    throughput: { unit: 'MiB/s', upstream: 'separate node child process (bench/sidecar/big-upstream.ts): 64 KiB chunked writes, no content-length', ...m.tp },
    rss: { unit: 'MiB', ...rss, bareNode: round(rss.bareNode), sidecarAtReady: round(rss.sidecarAtReady), sidecarIdle: round(rss.sidecarIdle), bareProxyIdle: round(rss.bareProxyIdle) },
    startup: { unit: 'ms', baseline: 'node -e: https server (cert from files) + http /healthz', ...m.st },
    table: tableRows.map((r) => ({ ...r, result: r.pass === undefined ? 'info' : r.pass ? 'pass' : 'MISS' })),
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const loadAtStart = loadavg().map((x) => round(x));
  log(`${machine.cpu}, ${machine.cores} cores, node ${machine.node}, load average ${loadAtStart.join(' ')}${QUICK ? ' (BENCH_QUICK smoke run)' : ''}`);
  const cpu0 = cpuMark();
  const stops: Array<() => Promise<void>> = [];
  let measured: Measured;
  try {
    measured = await measure((fn) => void stops.push(fn));
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    killEverything();
  }
  report(measured, machine, foreignCpuShare(cpu0, cpuMark()), loadAtStart);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  killEverything();
  process.exitCode = 1;
});
