// Trace analysis benchmark: the TypeScript trace core (parse, goroutine
// summary, the four -pprof profiles encoded, goroutine groups) against
// `go tool trace -pprof=sched` (parse, summary, one profile) on the same ~5 MB
// trace of the demo app, in the same run. Reports, never asserts.
//
//   PATH=/usr/local/go/bin:$PATH node_modules/.bin/node --import tsx bench/trace/run.ts [--refresh]
//
// 1. The trace: demo/go-app under load, about 5 MB (bench/trace/record.ts).
//    Kept in the podprof cache and reused; --refresh records a new one.
// 2. Both sides run as child processes, interleaved, CFG.runs times each:
//    Node runs bench/trace/analyse.ts bundled by esbuild (no TypeScript
//    loader in the timing); Go runs the trace tool binary itself (not through
//    `go tool`, which would add the go command's start-up). Wall time is from
//    spawn to exit; CPU time (user + system, all threads: Go collects garbage
//    on several) and peak RSS are the kernel's (/usr/bin/time), the RSS
//    sampled from /proc when /usr/bin/time is missing. The share of the
//    machine's CPU that other processes used during the runs is reported: on
//    a shared machine the wall times mean little when it is high.
// 3. Medians, and Node/Go ratios, go to bench/results/trace.json.
// BENCH_QUICK=1 runs 2 rounds (trace-quick.json).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GO } from '../../demo/go-build.ts';
import { killChildrenOnExit, track } from '../lib/children.ts';
import { benchTrace } from './record.ts';
import { cpuMark, foreignCpuShare, machineInfo, median, round, sampleRss, table, writeResults } from '../lib/stats.ts';

const execFileP = promisify(execFile);
const QUICK = process.env.BENCH_QUICK === '1';
const CFG = { runs: QUICK ? 2 : 5 };
const HERE = fileURLToPath(new URL('./', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const TIME = '/usr/bin/time';

interface Run {
  wallMs: number;
  peakRssMiB: number;
  /** User + system CPU time, all threads (NaN without /usr/bin/time). */
  cpuMs: number;
  stdout: string;
}

/** Runs a command to completion, timing it and taking its peak RSS. */
async function measure(cmd: string, args: string[]): Promise<Run> {
  const useTime = existsSync(TIME);
  const started = performance.now();
  const child = track(
    spawn(useTime ? TIME : cmd, useTime ? ['-f', '%M %U %S', cmd, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const rss = useTime ? null : sampleRss(child.pid!, 5);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  const wallMs = performance.now() - started;
  const sampled = rss?.stop().peakMiB;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${stderr}`);
  const [kib = NaN, user = NaN, sys = NaN] = useTime ? stderr.trim().split('\n').pop()!.split(' ').map(Number) : [];
  return { wallMs, peakRssMiB: useTime ? kib / 1024 : sampled!, cpuMs: (user + sys) * 1000, stdout };
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const trace = await benchTrace(process.argv.includes('--refresh'));
  const traceBytes = statSync(trace).size;

  const tmp = mkdtempSync(join(tmpdir(), 'podprof-trace-bench-'));
  try {
    const bundle = join(tmp, 'analyse.mjs');
    await execFileP(join(REPO, 'node_modules/.bin/esbuild'), [
      `${HERE}analyse.ts`,
      '--bundle',
      '--platform=node',
      '--format=esm',
      `--outfile=${bundle}`,
      '--log-level=warning',
    ]);
    const goTool = (await execFileP(GO, ['tool', '-n', 'trace'])).stdout.trim();
    const goVersion = (await execFileP(GO, ['env', 'GOVERSION'])).stdout.trim();

    const node: Run[] = [];
    const go: Run[] = [];
    const from = cpuMark();
    // Warm the page cache and both binaries once, unmeasured.
    await measure(NODE, [bundle, trace]);
    await measure(goTool, ['-pprof=sched', trace]);
    for (let r = 0; r < CFG.runs; r++) {
      node.push(await measure(NODE, [bundle, trace]));
      go.push(await measure(goTool, ['-pprof=sched', trace]));
      console.log(
        `run ${r + 1}: node ${round(node[r]!.wallMs, 0)} ms ${round(node[r]!.peakRssMiB, 0)} MiB, go ${round(go[r]!.wallMs, 0)} ms ${round(go[r]!.peakRssMiB, 0)} MiB`,
      );
    }
    const foreign = foreignCpuShare(from, cpuMark());

    const inside = node.map(
      (r) =>
        JSON.parse(r.stdout) as {
          events: number;
          generations: number;
          goroutines: number;
          phasesMs: Record<string, number>;
          totalMs: number;
        },
    );
    const med = (xs: number[]): number => round(median(xs), 1);
    const nodeWall = med(node.map((r) => r.wallMs));
    const goWall = med(go.map((r) => r.wallMs));
    const nodeRss = med(node.map((r) => r.peakRssMiB));
    const goRss = med(go.map((r) => r.peakRssMiB));
    const nodeCpu = med(node.map((r) => r.cpuMs));
    const goCpu = med(go.map((r) => r.cpuMs));
    const phases = Object.fromEntries(Object.keys(inside[0]!.phasesMs).map((k) => [k, med(inside.map((x) => x.phasesMs[k]!))]));
    const results = {
      machine: { ...machineInfo(), go: goVersion, loadavg: loadavg().map((x) => round(x)), foreignCpuShare: round(foreign, 3) },
      trace: { bytes: traceBytes, events: inside[0]!.events, generations: inside[0]!.generations, goroutines: inside[0]!.goroutines },
      runs: CFG.runs,
      node: {
        what: 'parse + summary + net/sync/syscall/sched profiles (encoded) + goroutine groups',
        wallMs: nodeWall,
        cpuMs: nodeCpu,
        peakRssMiB: nodeRss,
        inProcessMs: med(inside.map((x) => x.totalMs)),
        phasesMs: phases,
      },
      go: { what: 'go tool trace -pprof=sched (parse + summary + one profile)', wallMs: goWall, cpuMs: goCpu, peakRssMiB: goRss },
      ratio: { wall: round(nodeWall / goWall, 2), cpu: round(nodeCpu / goCpu, 2), peakRss: round(nodeRss / goRss, 2) },
      samples: {
        nodeWallMs: node.map((r) => round(r.wallMs)),
        goWallMs: go.map((r) => round(r.wallMs)),
        nodeCpuMs: node.map((r) => round(r.cpuMs)),
        goCpuMs: go.map((r) => round(r.cpuMs)),
        nodeRssMiB: node.map((r) => round(r.peakRssMiB)),
        goRssMiB: go.map((r) => round(r.peakRssMiB)),
      },
    };
    console.log(
      `\ntrace: ${traceBytes} bytes, ${results.trace.events} events, ${results.trace.goroutines} goroutines, ${results.trace.generations} generations`,
    );
    console.log(
      table([
        ['', 'wall ms (median)', 'CPU ms (median)', 'peak RSS MiB (median)'],
        ['node: parse+summary+4 profiles+groups', String(nodeWall), String(nodeCpu), String(nodeRss)],
        ['go tool trace -pprof=sched', String(goWall), String(goCpu), String(goRss)],
        ['ratio node/go', String(results.ratio.wall), String(results.ratio.cpu), String(results.ratio.peakRss)],
      ]),
    );
    console.log(
      `node phases (median ms): ${Object.entries(phases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; other load on the machine: ${round(foreign * 100, 0)}% of its CPU`,
    );
    writeResults(join(REPO, 'bench/results', QUICK ? 'trace-quick.json' : 'trace.json'), results);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
