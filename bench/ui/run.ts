// UI bench (npm run bench:ui):
//  1. decode + top of a ≥ 10 MB profile with the analysis core in Node, against
//     `go tool pprof -top` on the same file (ratio = ours / go, median of runs);
//  2. flame graph first paint in Chromium for the same profile (its flame tree
//     has well over 100k nodes): performance.measure('podprof:flame-first-paint')
//     from view start (tree built from the decoded profile) to the first canvas draw;
//  3. the main thread while the page loads that profile (decoded and analysed
//     in the analysis worker): the longest task (PerformanceObserver
//     'longtask', which reports tasks over 50 ms; 0 = none) and the longest gap
//     between animation frames, from navigation to the first paint of the flame
//     graph, and to the Top table with every function (nf=0); and from a
//     Chromium trace of another load (a trace streamed to this process takes
//     CPU from the page), the main thread's longest task by wall time and by
//     CPU time (a shared machine's wait for a core is wall time);
//     the first paint's parts: the flame tree's build and layout in the worker
//     (podprof:flame-build), the transfer and the page's view up to the flame
//     (podprof:flame-transfer) and the first canvas draw (podprof:flame-draw);
//  4. the UI bundle's gzip size, without the Graphviz worker (wasm inside).
// The share of the machine's CPU other processes used meanwhile is reported
// with the figures (the machine is shared).
// The profile is synthesized (test/browser/synthetic-profile.ts), seeded into a
// real gateway's capture store, and opened in the real UI.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { top } from '../../src/analysis/top.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import { ensureUiBuilt, launch, ROOT } from '../../test/kit/browser/browser.ts';
import { startHarness } from '../../test/kit/product/gateway.ts';
import { cpuMark, foreignCpuShare, machineInfo, median, round, writeResults } from '../lib/stats.ts';
import { tracedTasks, type TracedTasks } from '../lib/chromium-tasks.ts';
import { syntheticProfile } from '../../test/kit/browser/synthetic-profile.ts';

const execFileP = promisify(execFile);
const RUNS = Number(process.env.RUNS ?? 3);

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

async function decodeAndTop(file: string): Promise<{ ms: number; rows: number; nodes: number }> {
  const [ms, r] = await timed(async () => {
    const bytes = new Uint8Array(readFileSync(file));
    const m = fromPprof(await decodeProfile(bytes, nodeGunzip()));
    return top(prepare(m));
  });
  return { ms, rows: r.rows.length, nodes: 0 };
}

async function goTop(file: string): Promise<number> {
  const [ms] = await timed(() =>
    execFileP('go', ['tool', 'pprof', '-top', file], { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, PPROF_TMPDIR: tmpdir() } }),
  );
  return ms;
}

function bundleSize(): { gzipBytes: number; files: Record<string, number>; workerGzipBytes: number } {
  const dir = join(ROOT, 'gateway/ui/dist');
  const files: Record<string, number> = {};
  let total = 0;
  let worker = 0;
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else {
        const gz = gzipSync(readFileSync(join(d, e.name)), { level: 9 }).length;
        files[`${rel}${e.name}`] = gz;
        if (/graph-worker/.test(e.name)) worker += gz;
        else total += gz;
      }
    }
  };
  walk(dir, '');
  return { gzipBytes: total, files, workerGzipBytes: worker };
}

/** Installed before the page's own scripts: the longest task and the longest gap between animation frames. */
const MAIN_THREAD_PROBE = `(() => {
  const probe = { longestTask: 0, longestFrameGap: 0 };
  window.__mainThread = probe;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) probe.longestTask = Math.max(probe.longestTask, e.duration); }).observe({ type: 'longtask', buffered: true });
  let last = performance.now();
  const tick = (t) => { probe.longestFrameGap = Math.max(probe.longestFrameGap, t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`;

interface MainThread {
  readonly longestTask: number;
  readonly longestFrameGap: number;
}

/** The first paint's parts (ms). */
interface PaintParts {
  readonly build: number;
  readonly transfer: number;
  readonly draw: number;
}

interface PageRuns {
  readonly firstPaintMs: number[];
  readonly parts: PaintParts[];
  readonly flameTraced: TracedTasks[];
  readonly decodeMs: number[];
  readonly flameMainThread: MainThread[];
  readonly topMainThread: MainThread[];
  topRows: number;
}

async function flamePaint(file: string): Promise<PageRuns> {
  // The page opens a stored file: the pod's app runs no workload, which would take one of the machine's two cores from the browser.
  const h = await startHarness({ pods: 1, appArgs: ['-workload=false'] });
  const id = `${Date.now().toString(36)}-0a1b2c3d4e`;
  try {
    const dir = join(h.storeDir, id);
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, 'profile.pb.gz'));
    const now = new Date().toISOString();
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({
        id,
        user: 'bench',
        groups: [],
        createdAt: now,
        finishedAt: now,
        namespace: 'team-a',
        target: { workload: { kind: 'Deployment', name: 'web' } },
        type: 'profile',
        seconds: 30,
        status: 'done',
        pods: [{ pod: 'web-0', uid: 'u', status: 'ok' }],
        file: 'profile.pb.gz',
        bytes: statSync(file).size,
      }),
    );
    await h.restartGateway();
    const s = await launch();
    await s.context.addInitScript(MAIN_THREAD_PROBE);
    try {
      await s.page.request.post(`${h.url}/api/v1/session`, { headers: { authorization: `Bearer ${h.token}` } });
      const runs: PageRuns = {
        firstPaintMs: [],
        parts: [],
        flameTraced: [],
        decodeMs: [],
        flameMainThread: [],
        topMainThread: [],
        topRows: 0,
      };
      const mainThread = (): Promise<MainThread> => s.page.evaluate<MainThread>('window.__mainThread');
      const openFlame = async (): Promise<void> => {
        await s.page.goto(`${h.url}/captures/${id}/flame`);
        await s.page.waitForSelector('canvas[data-painted]', { timeout: 300_000 });
      };
      for (let i = 0; i < RUNS; i++) {
        // Traced in a load of its own: the trace's events stream to this process as the page loads, which
        // takes CPU from the browser on two cores; the figures below come from an untraced load.
        runs.flameTraced.push(await tracedTasks(s.page, openFlame));
        await openFlame();
        const m = await s.page.evaluate<{ paint: number; decode: number } & PaintParts>(
          `(() => { const d = (n) => performance.getEntriesByName(n)[0]?.duration ?? NaN; return { paint: d('podprof:flame-first-paint'), decode: d('podprof:decode:${id}'), build: d('podprof:flame-build'), transfer: d('podprof:flame-transfer'), draw: d('podprof:flame-draw') }; })()`,
        );
        runs.firstPaintMs.push(m.paint);
        runs.parts.push({ build: m.build, transfer: m.transfer, draw: m.draw });
        runs.decodeMs.push(m.decode);
        runs.flameMainThread.push(await mainThread());
        await s.page.goto(`${h.url}/captures/${id}/top?nf=0`);
        await s.page.waitForSelector('#top-table tbody tr[data-name]', { timeout: 300_000 });
        runs.topMainThread.push(await mainThread());
        runs.topRows = Number(await s.page.getAttribute('#top-table', 'aria-rowcount')) - 1;
      }
      if (s.pageErrors.length > 0) throw new Error(`page errors: ${s.pageErrors.join('; ')}`);
      return runs;
    } finally {
      await s.close();
    }
  } finally {
    await h.close();
  }
}

ensureUiBuilt();
const file = join(tmpdir(), 'podprof-ui-bench.pb.gz');
const [genMs, bytes] = await timed(() => Promise.resolve(syntheticProfile()));
writeFileSync(file, bytes);
const model = fromPprof(await decodeProfile(bytes, nodeGunzip()));
const flameNodes = flameTree(prepare(model)).nodes.length;
console.log(
  `profile: ${(bytes.length / 1e6).toFixed(2)} MB gzipped, ${model.samples.length} samples, ${model.locations.length} locations, flame tree ${flameNodes} nodes (generated in ${Math.round(genMs)} ms)`,
);

const ours: number[] = [];
const go: number[] = [];
// PAGE_ONLY=1: only the page's figures (an A/B of two UI builds on a busy machine); the results file is not written.
const PAGE_ONLY = process.env.PAGE_ONLY === '1';
for (let i = 0; i < (PAGE_ONLY ? 0 : RUNS); i++) {
  ours.push((await decodeAndTop(file)).ms);
  go.push(await goTop(file));
}
if (!PAGE_ONLY) console.log(`decode+top: podprof ${Math.round(median(ours))} ms, go tool pprof -top ${Math.round(median(go))} ms`);
const from = cpuMark();
const paint = await flamePaint(file);
const foreign = foreignCpuShare(from, cpuMark());
const part = (k: keyof PaintParts): number[] => paint.parts.map((p) => round(p[k], 1));
console.log(
  `flame first paint (Chromium): ${paint.firstPaintMs.map(Math.round).join(', ')} ms (build ${part('build').join(', ')}; transfer ${part('transfer').join(', ')}; draw ${part('draw').join(', ')}); in-browser decode ${paint.decodeMs.map(Math.round).join(', ')} ms; other processes used ${Math.round(foreign * 100)} % of the machine's CPU meanwhile`,
);
console.log(
  `main thread, load to flame paint (Chromium trace): longest task ${paint.flameTraced.map((t) => t.longestWallMs).join(', ')} ms wall (CPU ${paint.flameTraced.map((t) => t.longestWallCpuMs).join(', ')} ms); longest by CPU ${paint.flameTraced.map((t) => t.longestCpuMs).join(', ')} ms; tasks over 50 ms CPU: ${paint.flameTraced.map((t) => t.over50CpuMs).join(', ')}`,
);
const longest = (runs: MainThread[], k: keyof MainThread): number[] => runs.map((r) => round(r[k], 1));
console.log(
  `main thread, load to flame paint: longest task ${longest(paint.flameMainThread, 'longestTask').join(', ')} ms, longest frame gap ${longest(paint.flameMainThread, 'longestFrameGap').join(', ')} ms`,
);
console.log(
  `main thread, load to Top (${paint.topRows} rows): longest task ${longest(paint.topMainThread, 'longestTask').join(', ')} ms, longest frame gap ${longest(paint.topMainThread, 'longestFrameGap').join(', ')} ms`,
);
const bundle = bundleSize();
console.log(
  `bundle: ${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzipped without the Graphviz worker (${(bundle.workerGzipBytes / 1024).toFixed(0)} KiB)`,
);

const result = {
  machine: machineInfo(),
  profile: {
    how: 'synthetic, test/browser/synthetic-profile.ts (seed 42)',
    gzipBytes: bytes.length,
    samples: model.samples.length,
    locations: model.locations.length,
    functions: new Set(model.frames.map((f) => f.functionId)).size,
    flameTreeNodes: flameNodes,
  },
  decodeTop: {
    podprofMs: ours.map((x) => round(x, 1)),
    goPprofTopMs: go.map((x) => round(x, 1)),
    medianPodprofMs: round(median(ours), 1),
    medianGoMs: round(median(go), 1),
    ratio: round(median(ours) / median(go), 3),
    target: '≤ 1.0',
  },
  flameFirstPaint: {
    ms: paint.firstPaintMs.map((x) => round(x, 1)),
    medianMs: round(median(paint.firstPaintMs), 1),
    browserDecodeMs: paint.decodeMs.map((x) => round(x, 1)),
    buildMs: part('build'),
    transferMs: part('transfer'),
    drawMs: part('draw'),
    foreignCpuShare: round(foreign, 3),
    target: '≤ 500 ms',
    measure:
      'podprof:flame-first-paint: from the start of the flame tree build in the analysis worker (after decode and prepare) through layout, the transfer to the page and the first canvas draw, 1280x800',
  },
  mainThread: {
    flame: {
      longestTaskMs: longest(paint.flameMainThread, 'longestTask'),
      longestFrameGapMs: longest(paint.flameMainThread, 'longestFrameGap'),
      traced: paint.flameTraced,
    },
    top: {
      rows: paint.topRows,
      longestTaskMs: longest(paint.topMainThread, 'longestTask'),
      longestFrameGapMs: longest(paint.topMainThread, 'longestFrameGap'),
    },
    target: '≤ 50 ms',
    measure:
      "navigation to the flame graph's first paint, and to the Top table with nf=0: the longest task ('longtask' entries are the tasks over 50 ms; 0 = none) and the longest gap between requestAnimationFrame callbacks",
  },
  bundle: {
    gzipBytes: bundle.gzipBytes,
    gzipKiB: round(bundle.gzipBytes / 1024, 1),
    workerGzipBytes: bundle.workerGzipBytes,
    files: bundle.files,
    target: '≤ 300 KB gz without the Graphviz wasm',
  },
};
if (!PAGE_ONLY) {
  writeResults(join(ROOT, 'bench/results/ui.json'), result);
  console.log(`wrote bench/results/ui.json`);
}
