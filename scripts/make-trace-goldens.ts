// Regenerates the trace analysis core's fixtures and goldens: real Go
// execution traces and what the real `go tool trace` makes of them.
//
//   PATH=/usr/local/go/bin:$PATH node_modules/.bin/node --import tsx scripts/make-trace-goldens.ts [--traces-only|--goldens-only|--truncations-only|--testdata-only|--only=RUN,…]
//
// 1. Builds the programs under test/fixtures/traces/programs (channels,
//    mutexes, loopback network, syscalls, scheduler pressure, user tasks and
//    regions, a multi-generation run with the CPU profiler on, iter.Pull
//    coroutines, the alloc/free experiment) with the
//    machine's Go and with older toolchains from the module proxy
//    (GOTOOLCHAIN), one per trace format (1.22, 1.23, 1.25, 1.26), runs each,
//    and keeps its trace in recorded/ (each well under 1 MB).
// 2. For each trace, with the machine's `go tool trace` (TZ=UTC):
//    -d=parsed (a hash and line count, and the text gzipped when small),
//    the four -pprof= profiles as Go writes them, and, from `go tool trace
//    -http` (the goroutine, task and region statistics are only on its pages;
//    summary.go lives in internal/trace, which no program outside the Go tree
//    can import, so reading the pages is the one way to get go tool trace's
//    own numbers): /goroutines and each /goroutine?name= page, /userregions,
//    /userregion, /usertasks, /usertask, and /mmu plots and worst windows.
//    Durations on the pages are Duration.String(), which is exact.
// 3. Converts Go's own corpus of tricky traces (src/internal/trace/testdata:
//    the .test files, text, and the FuzzReader seeds) to binary traces with
//    Go's own raw writer (copied from GOROOT into a scratch module, since it
//    is internal), and records what `go tool trace -d=parsed` says of each.
//
// Traces change on every run; regenerate traces and goldens together and
// commit both. --goldens-only rereads the committed traces.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  CUTS,
  cutAt,
  goDuration,
  GO_TESTDATA_DIR,
  TRUNCATED,
  TRUNCATED_PPROF,
  GOLDEN_DIR,
  PPROF_KINDS,
  RECORDED_DIR,
  TRACES_DIR,
  type GoroutineGroupGolden,
  type Manifest,
  type MmuPlotGolden,
  type PagesGolden,
  type ParsedGolden,
  type RecordedTrace,
  type RegionGolden,
  type TaskGolden,
} from '../test/kit/traces/goldens.ts';

const execFileP = promisify(execFile);
const GO = process.env.GO ?? 'go';
/** What to record: a name, the program (a directory of programs/) and its environment. */
interface ProgramRun {
  readonly name: string;
  readonly dir: string;
  readonly env?: Readonly<Record<string, string>>;
}
const RUNS: readonly ProgramRun[] = [
  ...['chan', 'mutex', 'net', 'syscall', 'sched', 'tasks', 'generations', 'coro'].map((name) => ({ name, dir: name })),
  // The alloc/free experiment's events and batches (Go 1.23+).
  { name: 'allocfree', dir: 'tasks', env: { GODEBUG: 'traceallocfree=1' } },
];
const PROGRAMS = RUNS.map((r) => r.name);
/** Older toolchains, one per trace format before the machine's (1.24 writes 1.23's), and the programs each records (fewer, to keep the fixtures small; coroutines need 1.23). */
const OLDER: Readonly<Record<string, readonly string[]>> = {
  'go1.22.12': ['chan', 'net', 'syscall', 'tasks', 'generations'],
  'go1.23.12': ['chan', 'net', 'syscall', 'tasks', 'generations', 'coro'],
  'go1.25.5': ['chan', 'net', 'syscall', 'tasks', 'generations', 'coro', 'allocfree'],
};
const MAX_TRACE = 1 << 20;
const MAX_PARSED_GZ = 160 << 10;
const MMU_FLAGS = ['stw|background|assist|sweep', 'perProc|stw|background|assist|sweep', 'mut|stw|background|assist|sweep', 'stw'];

async function go(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileP(GO, args, {
      cwd: opts.cwd,
      env: { ...process.env, TZ: 'UTC', ...opts.env },
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    });
    return { stdout, stderr: stderr.toString(), code: 0 };
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; code?: number };
    if (typeof e.code !== 'number') throw err;
    return { stdout: e.stdout ?? Buffer.alloc(0), stderr: e.stderr?.toString() ?? '', code: e.code };
  }
}

async function must(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Buffer> {
  const r = await go(args, opts);
  if (r.code !== 0) throw new Error(`go ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

async function goVersion(toolchain: string | null): Promise<string> {
  const out = await must(['env', 'GOVERSION'], { env: toolchain ? { GOTOOLCHAIN: toolchain } : {} });
  return out.toString().trim();
}

// 1. Record.

/** Records the runs named in `only` (all when null), with every toolchain that records them. */
async function record(tmp: string, only: readonly string[] | null): Promise<RecordedTrace[]> {
  if (only === null) await rm(RECORDED_DIR, { recursive: true, force: true });
  await mkdir(RECORDED_DIR, { recursive: true });
  const programsDir = `${TRACES_DIR}programs`;
  const out: RecordedTrace[] = [];
  for (const toolchain of [null, ...Object.keys(OLDER)]) {
    const version = await goVersion(toolchain);
    const label = version.split('.').slice(0, 2).join('.');
    const names = (toolchain === null ? PROGRAMS : OLDER[toolchain]!).filter((n) => only === null || only.includes(n));
    for (const run of RUNS.filter((r) => names.includes(r.name))) {
      const bin = join(tmp, `${run.dir}-${version}`);
      await must(['build', '-o', bin, `./${run.dir}`], {
        cwd: programsDir,
        env: { CGO_ENABLED: '0', ...(toolchain ? { GOTOOLCHAIN: toolchain } : {}) },
      });
      const name = `${run.name}.${label}`;
      const file = `${RECORDED_DIR}${name}.trace`;
      await execFileP(bin, [file], { env: { ...process.env, ...run.env } });
      const bytes = (await stat(file)).size;
      if (bytes > MAX_TRACE) throw new Error(`${name}.trace is ${bytes} bytes; keep fixtures under ${MAX_TRACE}`);
      const head = (await readFile(file)).subarray(0, 16).toString('latin1');
      out.push({ name, program: run.name, toolchain: version, format: Number(/^go 1\.(\d+) trace/.exec(head)![1]), bytes });
      console.log(`recorded ${name} (${bytes} bytes, ${version})`);
    }
  }
  return out;
}

// 2. Goldens from go tool trace.

async function parsedGolden(trace: string, base: string): Promise<ParsedGolden> {
  const r = await go(['tool', 'trace', '-d=parsed', trace]);
  const text = r.stdout;
  const gz = gzipSync(text, { level: 9 });
  const small = gz.length <= MAX_PARSED_GZ;
  if (small) await writeFile(`${base}.parsed.txt.gz`, gz);
  const lines = text.toString().split('\n').length - 1;
  return { sha256: createHash('sha256').update(text).digest('hex'), lines, error: r.code === 0 ? null : r.stderr.trim(), text: small };
}

async function pprofGoldens(trace: string, base: string): Promise<void> {
  for (const kind of PPROF_KINDS) await writeFile(`${base}.${kind}.pb.gz`, await must(['tool', 'trace', `-pprof=${kind}`, trace]));
}

/** The four profiles, or the error go tool trace gives instead (in `${base}.pprof-error.txt`). */
async function pprofGoldensOrError(trace: string, base: string): Promise<void> {
  for (const kind of PPROF_KINDS) {
    const r = await go(['tool', 'trace', `-pprof=${kind}`, trace]);
    if (r.code === 0) await writeFile(`${base}.${kind}.pb.gz`, r.stdout);
    else await writeFile(`${base}.pprof-error.txt`, `${r.stderr.trim()}\n`);
  }
}

const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const cells = (row: string): string[] => [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
const text = (html: string): string => unescapeHtml(html.replace(/<[^>]*>/g, '')).trim();
const tables = (html: string, cls: string): string[] =>
  [...html.matchAll(new RegExp(`<table class="${cls}">([\\s\\S]*?)</table>`, 'g'))].map((m) => m[1]!);
const rows = (table: string): string[] => [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
const headers = (table: string): string[] => [...table.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => text(m[1]!));

/** The per-goroutine tables of a /goroutine or /userregion page: leading columns, then one per stat. */
function statRows(html: string, lead: number): { lead: string[]; total: number; stats: Record<string, number> }[] {
  const [details] = tables(html, 'details');
  if (details === undefined) return [];
  const names = headers(details).slice(lead + 2); // the lead columns, Total, the bar graph
  return rows(details)
    .slice(1)
    .map((r) => {
      const c = cells(r).map(text);
      return {
        lead: c.slice(0, lead),
        total: goDuration(c[lead]!),
        stats: Object.fromEntries(names.map((n, k) => [n, goDuration(c[lead + 2 + k]!)])),
      };
    });
}

function rangeRows(html: string): Map<number, Record<string, number>> {
  const ranges = tables(html, 'details')[1];
  const out = new Map<number, Record<string, number>>();
  if (ranges === undefined) return out;
  const names = headers(ranges).slice(2);
  for (const r of rows(ranges).slice(1)) {
    const c = cells(r).map(text);
    out.set(Number(c[0]), Object.fromEntries(names.map((n, k) => [n, goDuration(c[2 + k]!)])));
  }
  return out;
}

async function goroutineGroups(get: (path: string) => Promise<string>): Promise<GoroutineGroupGolden[]> {
  const list = await get('/goroutines');
  const groups: GoroutineGroupGolden[] = [];
  for (const r of rows(/<table>([\s\S]*?)<\/table>/.exec(list)![1]!).slice(1)) {
    const c = cells(r);
    const href = /href="\/goroutine\?name=([^"]*)"/.exec(c[0]!)![1]!;
    const name = decodeURIComponent(unescapeHtml(href));
    const page = await get(`/goroutine?name=${encodeURIComponent(name)}`);
    const ranges = rangeRows(page);
    const goroutines = statRows(page, 1).map((g) => ({
      id: Number(g.lead[0]),
      total: g.total,
      stats: g.stats,
      ranges: ranges.get(Number(g.lead[0])) ?? {},
    }));
    groups.push({ name, count: Number(text(c[1]!)), execTime: goDuration(text(c[2]!)), goroutines });
  }
  return groups;
}

// The type pages hold a histogram table in a cell of each row, so rows are matched by their first cells.
async function regionPages(get: (path: string) => Promise<string>): Promise<Pick<PagesGolden, 'regionTypes' | 'regions'>> {
  const types = await get('/userregions');
  const regionTypes = [...types.matchAll(/<td><pre>([\s\S]*?)<\/pre><\/td>\s*<td><a href="[^"]*">(\d+)<\/a><\/td>/g)].map((m) => {
    const pre = m[1]!.split('<br>').map((x) => unescapeHtml(x));
    const [func, pc] = pre[1]!.split(' @ ');
    return { type: JSON.parse(pre[0]!) as string, func: func!, pc: Number(pc), count: Number(m[2]) };
  });
  const regions: RegionGolden[] = statRows(await get('/userregion'), 2).map((r) => ({
    goroutine: Number(r.lead[0]),
    task: r.lead[1] === '' ? 0 : Number(r.lead[1]),
    total: r.total,
    stats: r.stats,
  }));
  return { regionTypes, regions };
}

async function taskPages(get: (path: string) => Promise<string>): Promise<Pick<PagesGolden, 'taskTypes' | 'tasks'>> {
  const types = await get('/usertasks');
  const taskTypes = [...types.matchAll(/<td>([^<]*)<\/td>\s*<td><a href="\/usertask\?type=[^"]*">(\d+)<\/a><\/td>/g)].map((m) => ({
    type: unescapeHtml(m[1]!),
    count: Number(m[2]),
  }));
  const page = await get('/usertask');
  const tasks: TaskGolden[] = [...page.matchAll(/<tr class="first">([\s\S]*?)<\/tr>/g)].map((m) => {
    const c = cells(m[1]!);
    return { id: Number(/Task (\d+)/.exec(c[3]!)![1]), duration: goDuration(text(c[1]!)), complete: /\(complete\)/.test(c[3]!) };
  });
  return { taskTypes, tasks };
}

async function mmuPages(get: (path: string) => Promise<string>): Promise<Pick<PagesGolden, 'mmuPlots' | 'mmuDetails'>> {
  const mmuPlots: Record<string, MmuPlotGolden> = {};
  for (const flags of MMU_FLAGS)
    mmuPlots[flags] = JSON.parse(await get(`/mmu?mode=plot&flags=${encodeURIComponent(flags)}`)) as MmuPlotGolden;
  const mmuDetails: PagesGolden['mmuDetails'][number][] = [];
  for (const flags of MMU_FLAGS.slice(0, 2)) {
    for (const k of [10, 40, 70]) {
      const window = mmuPlots[flags]!.curve[k]![0]!;
      // Times are int64 ns; keep them as strings so none is rounded.
      const raw = (await get(`/mmu?mode=details&flags=${encodeURIComponent(flags)}&window=${window}`)).replace(
        /"Time":(\d+)/g,
        '"Time":"$1"',
      );
      const worst = (JSON.parse(raw) as { Time: string; MutatorUtil: number }[] | null) ?? [];
      mmuDetails.push({ flags, window, worst: worst.map((w) => ({ Time: w.Time, MutatorUtil: w.MutatorUtil })) });
    }
  }
  return { mmuPlots, mmuDetails };
}

/** Serves the trace with `go tool trace -http` and reads its pages. */
async function pages(trace: string): Promise<PagesGolden> {
  const tool = (await must(['tool', '-n', 'trace'])).toString().trim(); // built on demand since Go 1.24, into the build cache
  const child = spawn(tool, ['-http=127.0.0.1:0', trace], {
    env: { ...process.env, BROWSER: 'true', TZ: 'UTC' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        err += d;
        const m = /listening on (http:\/\/[0-9.:]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`go tool trace -http exited ${code}: ${err}`)));
    });
    const get = async (path: string): Promise<string> => {
      const res = await fetch(url + path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return res.text();
    };
    return {
      goroutineGroups: await goroutineGroups(get),
      ...(await regionPages(get)),
      ...(await taskPages(get)),
      ...(await mmuPages(get)),
    };
  } finally {
    child.kill();
  }
}

async function goldens(traces: readonly RecordedTrace[], clean: boolean): Promise<void> {
  if (clean) await rm(GOLDEN_DIR, { recursive: true, force: true });
  await mkdir(GOLDEN_DIR, { recursive: true });
  for (const t of traces) {
    const trace = `${RECORDED_DIR}${t.name}.trace`;
    const base = `${GOLDEN_DIR}${t.name}`;
    await writeFile(`${base}.parsed.json`, `${JSON.stringify(await parsedGolden(trace, base), null, 1)}\n`);
    await pprofGoldens(trace, base);
    await writeFile(`${base}.pages.json`, `${JSON.stringify(await pages(trace))}\n`);
    console.log(`goldens for ${t.name}`);
  }
}

// 2b. Truncated traces: what go tool trace makes of a trace cut short.

async function truncations(tmp: string): Promise<void> {
  for (const name of TRUNCATED) {
    const bytes = await readFile(`${RECORDED_DIR}${name}.trace`);
    const out: { cut: number; bytes: number; golden: ParsedGolden }[] = [];
    for (const cut of CUTS) {
      const n = cutAt(bytes.length, cut);
      const file = join(tmp, `${name}.cut${n}.trace`);
      await writeFile(file, bytes.subarray(0, n));
      const r = await go(['tool', 'trace', '-d=parsed', file]);
      const lines = r.stdout.toString().split('\n').length - 1;
      out.push({
        cut,
        bytes: n,
        golden: {
          sha256: createHash('sha256').update(r.stdout).digest('hex'),
          lines,
          error: r.code === 0 ? null : r.stderr.trim(),
          text: false,
        },
      });
      if (TRUNCATED_PPROF.includes(name) && (cut === 0.5 || cut === 0.75))
        await pprofGoldensOrError(file, `${GOLDEN_DIR}${name}.cut${cut * 100}`);
    }
    await writeFile(`${GOLDEN_DIR}${name}.truncated.json`, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`truncations of ${name}`);
  }
}

// 3. Go's corpus.

const CONVERTER = `// Converts Go's trace test corpus to binary traces with Go's own raw writer.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"tracecopy/raw"
)

func txtar(data []byte) map[string][]byte {
	files := map[string][]byte{}
	name := ""
	for _, line := range strings.SplitAfter(string(data), "\\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "-- "), " --")
			continue
		}
		files[name] = append(files[name], line...)
	}
	return files
}

func convertTest(path, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	files := txtar(data)
	tr, err := raw.NewTextReader(bytes.NewReader(files["trace"]))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := raw.NewWriter(&buf, tr.Version())
	if err != nil {
		return err
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := w.WriteEvent(ev); err != nil {
			return err
		}
	}
	name := strings.TrimSuffix(filepath.Base(path), ".test")
	if err := os.WriteFile(filepath.Join(out, name+".trace"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, name+".expect"), files["expect"], 0o644)
}

func convertFuzz(path, out string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.SplitN(string(data), "\\n", 2)
	lit := strings.TrimSpace(lines[1])
	lit = strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")")
	s, err := strconv.Unquote(lit)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "fuzz-"+filepath.Base(path)+".trace"), []byte(s), 0o644)
}

func main() {
	out := os.Args[1]
	for _, p := range os.Args[2:] {
		var err error
		if strings.HasSuffix(p, ".test") {
			err = convertTest(p, out)
		} else {
			err = convertFuzz(p, out)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, p, err)
			os.Exit(1)
		}
	}
}
`;

async function goTestdata(tmp: string): Promise<void> {
  const goroot = (await must(['env', 'GOROOT'])).toString().trim();
  const src = `${goroot}/src/internal/trace`;
  const mod = join(tmp, 'tracecopy');
  for (const pkg of ['raw', 'tracev2', 'version']) {
    await mkdir(join(mod, pkg), { recursive: true });
    for (const f of (await readdir(join(src, pkg))).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go'))) {
      const code = (await readFile(join(src, pkg, f), 'utf8')).replace(/"internal\/trace\//g, '"tracecopy/');
      await writeFile(join(mod, pkg, f), code);
    }
  }
  await writeFile(join(mod, 'go.mod'), 'module tracecopy\n\ngo 1.26\n');
  await mkdir(join(mod, 'cmd'), { recursive: true });
  await writeFile(join(mod, 'cmd', 'main.go'), CONVERTER);
  const converter = join(tmp, 'convert');
  await must(['build', '-o', converter, './cmd'], { cwd: mod });

  await rm(GO_TESTDATA_DIR, { recursive: true, force: true });
  await mkdir(GO_TESTDATA_DIR, { recursive: true });
  const tests = (await readdir(`${src}/testdata/tests`)).filter((n) => n.endsWith('.test')).map((n) => `${src}/testdata/tests/${n}`);
  const fuzz = (await readdir(`${src}/testdata/fuzz/FuzzReader`)).map((n) => `${src}/testdata/fuzz/FuzzReader/${n}`);
  await execFileP(converter, [GO_TESTDATA_DIR, ...tests, ...fuzz]);
  await cp(`${goroot}/LICENSE`, `${GO_TESTDATA_DIR}LICENSE`);
  const version = await goVersion(null);
  await writeFile(
    `${GO_TESTDATA_DIR}README.md`,
    `# Go's trace test corpus\n\nFrom ${version}'s src/internal/trace/testdata (the \`tests/*.test\` traces, written as text, and the\n\`fuzz/FuzzReader\` seeds), converted to binary traces with Go's own internal/trace/raw writer by\nscripts/make-trace-goldens.ts. \`NAME.expect\` is the test's expectation; \`NAME.parsed.txt\` and\n\`NAME.result.json\` are what \`go tool trace -d=parsed\` (${version}) printed and how it exited.\n\nCopyright 2023 The Go Authors; used under the BSD-style licence in LICENSE.\n`,
  );
  for (const f of (await readdir(GO_TESTDATA_DIR)).filter((n) => n.endsWith('.trace'))) {
    const r = await go(['tool', 'trace', '-d=parsed', `${GO_TESTDATA_DIR}${f}`]);
    const name = basename(f, '.trace');
    await writeFile(`${GO_TESTDATA_DIR}${name}.parsed.txt.gz`, gzipSync(r.stdout, { level: 9 }));
    await writeFile(
      `${GO_TESTDATA_DIR}${name}.result.json`,
      `${JSON.stringify({ exit: r.code, error: r.code === 0 ? null : r.stderr.trim() }, null, 1)}\n`,
    );
  }
  console.log(`converted ${tests.length} tests and ${fuzz.length} fuzz seeds`);
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? '';
  // --only=a,b: re-record just those runs (every toolchain that has them) and redo their goldens.
  const only = mode.startsWith('--only=') ? mode.slice('--only='.length).split(',') : null;
  const tmp = await mkdtemp(join(tmpdir(), 'podprof-trace-goldens-'));
  try {
    const manifestFile = `${TRACES_DIR}goldens.json`;
    if (mode === '' || mode === '--traces-only' || only !== null) {
      const recorded = await record(tmp, only);
      const kept =
        only === null ? [] : (JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest).traces.filter((t) => !only.includes(t.program));
      const m: Manifest = { goldenTool: await goVersion(null), traces: [...kept, ...recorded] };
      await writeFile(manifestFile, `${JSON.stringify(m, null, 1)}\n`);
      if (only !== null) await goldens(recorded, false);
    }
    if (mode === '' || mode === '--goldens-only') {
      const m = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
      await goldens(m.traces, true);
    }
    if (mode === '' || mode === '--goldens-only' || mode === '--truncations-only') await truncations(tmp);
    if (mode === '' || mode === '--testdata-only') await goTestdata(tmp);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
