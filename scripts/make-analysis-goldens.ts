// Regenerates the analysis core's golden files: real Go profiles and what the
// real `go tool pprof` prints for them.
//
//   node_modules/.bin/node --import tsx scripts/make-analysis-goldens.ts
//
// 1. Starts the Go fixture (test/kit/go-fixture.ts) twice, as two "pods",
//    and captures from them: CPU (seconds=3), heap, allocs, goroutine, mutex,
//    block, plus a second CPU and heap capture from the other pod (diff bases).
// 2. Labels each pod's CPU and heap capture with pod=web-1 / pod=web-2 and
//    merges them with `go tool pprof -proto a b` (merged-cpu, merged-heap).
// 3. Writes hostile.pb.gz, a synthetic profile whose names, files and labels
//    are markup and javascript: URLs (escaping is the UI's job; the model and
//    pprof pass them through as text).
// 4. For each profile and option set, runs `go tool pprof -top <opts>` (and
//    `-traces`, `-peek=<regex>` and `-dot` for a few option sets) with TZ=UTC,
//    and writes the output to test/fixtures/profiles/golden/<profile>.<name>.<kind>.
//    test/fixtures/profiles/goldens.json lists every golden with its pprof
//    flags; test/analysis-goldens.test.ts replays each through src/analysis.
//
// The profiles change on every run (the workload is live), so regenerate the
// profiles and goldens together, then commit both; `--goldens-only` keeps the
// profiles and rewrites only pprof's outputs (e.g. after adding an option set).
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { startGoTarget, type GoTarget } from '../demo/go-target.ts';

const execFileP = promisify(execFile);
const DIR = fileURLToPath(new URL('../test/fixtures/profiles/', import.meta.url));
const GOLDEN = join(DIR, 'golden');

interface Golden {
  profile: string;
  name: string;
  kind: 'top' | 'traces' | 'peek' | 'dot';
  args: string[];
  file: string;
}

async function fetchProfile(t: GoTarget, path: string): Promise<Buffer> {
  const res = await fetch(`${t.url}/debug/pprof/${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

function withPodLabel(gz: Buffer, pod: string): Buffer {
  const p = Profile.decode(gunzipSync(gz));
  const key = p.stringTable.dedup('pod');
  const str = p.stringTable.dedup(pod);
  for (const s of p.sample) s.label.push(new Label({ key, str }));
  return gzipSync(p.encode());
}

function hostileProfile(): Buffer {
  const st = new StringTable();
  const fn = (id: number, name: string, file: string): PFunction =>
    new PFunction({ id, name: st.dedup(name), systemName: st.dedup(name), filename: st.dedup(file), startLine: 1 });
  const functions = [
    fn(1, '<script>alert(1)</script>', 'javascript:alert(1)//x.go'),
    fn(2, 'javascript:alert(document.cookie)', '"><img src=x onerror=alert(1)>.go'),
    fn(3, 'main.(*T).Method<svg/onload=alert(1)>', 'main.go'),
    fn(4, 'main.main', 'main.go'),
  ];
  const mapping = new Mapping({ id: 1, filename: st.dedup('/bin/<b>bold</b>'), hasFunctions: true });
  const loc = (id: number, ...fns: number[]): Location =>
    new Location({ id, mappingId: 1, address: 0x1000 + id, line: fns.map((f) => new Line({ functionId: f, line: 10 + f })) });
  const locations = [loc(1, 1), loc(2, 2, 3), loc(3, 4)];
  const label = (k: string, v: string): Label => new Label({ key: st.dedup(k), str: st.dedup(v) });
  const sample = (ids: number[], v: number, pod: string): Sample =>
    new Sample({ locationId: ids, value: [v, v * 1e7], label: [label('pod', pod)] });
  const p = new Profile({
    sampleType: [
      new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }),
      new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    ],
    sample: [sample([1, 2, 3], 5, '<img src=x onerror=alert(1)>'), sample([2, 3], 3, 'javascript:alert(1)'), sample([3], 1, 'web-1')],
    mapping: [mapping],
    location: locations,
    function: functions,
    stringTable: st,
    periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    period: 10_000_000,
  });
  return gzipSync(p.encode());
}

async function capture(): Promise<void> {
  const [a, b] = await Promise.all([startGoTarget(), startGoTarget()]);
  const save = async (t: GoTarget, path: string, name: string): Promise<Buffer> => {
    const buf = await fetchProfile(t, path);
    await writeFile(join(DIR, `${name}.pb.gz`), buf);
    return buf;
  };
  try {
    await new Promise((r) => setTimeout(r, 2_000)); // let the workload warm up
    const [cpuA, cpuB] = await Promise.all([save(a, 'profile?seconds=3', 'cpu'), save(b, 'profile?seconds=3', 'cpu-2')]);
    const [heapA, heapB] = await Promise.all([save(a, 'heap', 'heap'), save(b, 'heap', 'heap-2')]);
    await Promise.all([
      save(a, 'allocs', 'allocs'),
      save(a, 'goroutine', 'goroutine'),
      save(a, 'mutex', 'mutex'),
      save(a, 'block', 'block'),
    ]);
    for (const [kind, x, y] of [
      ['cpu', cpuA, cpuB],
      ['heap', heapA, heapB],
    ] as const) {
      const la = join(GOLDEN, `.${kind}-web-1.pb.gz`);
      const lb = join(GOLDEN, `.${kind}-web-2.pb.gz`);
      await writeFile(la, withPodLabel(x, 'web-1'));
      await writeFile(lb, withPodLabel(y, 'web-2'));
      await execFileP('go', ['tool', 'pprof', '-proto', '-output', join(DIR, `merged-${kind}.pb.gz`), la, lb]);
      await Promise.all([rm(la), rm(lb)]);
    }
    await writeFile(join(DIR, 'hostile.pb.gz'), hostileProfile());
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

const COMMON: [string, string[]][] = [
  ['default', []],
  ['nodecount10', ['-nodecount=10']],
  ['nodefraction', ['-nodefraction=0.05']],
  ['cum', ['-cum']],
  ['focus-main', ['-focus=main\\.']],
  ['ignore-runtime', ['-ignore=runtime\\.']],
  ['hide-runtime', ['-hide=runtime\\.']],
  ['show-main', ['-show=main\\.|sync']],
  ['show_from-main', ['-show_from=main\\.']],
  ['lines', ['-lines']],
  ['files', ['-files']],
  ['filefunctions', ['-filefunctions']],
];

const SPECIFIC: Record<string, [string, string[]][]> = {
  cpu: [
    ['focus-sha', ['-focus=burnSHA256']],
    ['focus-ignore', ['-focus=cpuBurner', '-ignore=Sum256']],
    ['hide-inlined', ['-hide=burnSHA256']],
    ['show_from-sha', ['-show_from=sha256\\.']],
    ['lines-nodecount5', ['-lines', '-nodecount=5']],
    ['diff', ['-diff_base=cpu-2.pb.gz']],
    ['diff-normalize', ['-diff_base=cpu-2.pb.gz', '-normalize']],
    ['sample_index-samples', ['-sample_index=samples']],
  ],
  heap: [
    ...['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].map((si): [string, string[]] => [
      `si-${si}`,
      [`-sample_index=${si}`],
    ]),
    ['lines-alloc_space', ['-lines', '-sample_index=alloc_space']],
    ['tagfocus-bytes', ['-tagfocus=8kb:', '-sample_index=alloc_space']],
    ['diff', ['-diff_base=heap-2.pb.gz']],
    ['diff-normalize', ['-diff_base=heap-2.pb.gz', '-normalize', '-sample_index=alloc_space']],
  ],
  allocs: ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].map((si): [string, string[]] => [
    `si-${si}`,
    [`-sample_index=${si}`],
  ]),
  ...Object.fromEntries(['mutex', 'block'].map((k) => [k, [['si-contentions', ['-sample_index=contentions']]]])),
  'merged-cpu': [
    ['tagfocus-web-1', ['-tagfocus=pod=web-1']],
    ['tagignore-web-1', ['-tagignore=pod=web-1']],
    ['tagfocus-unkeyed', ['-tagfocus=web-2']],
    ['tagfocus-focus', ['-tagfocus=pod=web-2', '-focus=burnFib']],
  ],
  'merged-heap': [
    ['tagfocus-web-2', ['-tagfocus=pod=web-2', '-sample_index=alloc_space']],
    ['si-alloc_objects', ['-sample_index=alloc_objects']],
  ],
  hostile: [['focus-script', ['-focus=<script>']]],
};

const TRACES: [string, string[]][] = [
  ['default', []],
  ['focus-main', ['-focus=main\\.']],
];

const PEEK: Record<string, [string, string[]][]> = {
  '*': [['main', ['-peek=main\\.']]],
  cpu: [
    ['sha', ['-peek=burnSHA|Sum256']],
    ['lines', ['-peek=burnFib', '-lines']],
  ],
  heap: [['malg', ['-peek=malg|allocator', '-sample_index=alloc_space']]],
  'merged-cpu': [['tagfocus', ['-peek=cpuBurner', '-tagfocus=pod=web-1']]],
};

const DOT: Record<string, [string, string[]][]> = {
  '*': [
    ['default', []],
    ['nodecount10', ['-nodecount=10']],
  ],
  cpu: [
    ['focus', ['-focus=cpuBurner']],
    ['fractions', ['-nodefraction=0.05', '-edgefraction=0.01']],
    ['diff', ['-diff_base=cpu-2.pb.gz']],
  ],
  heap: [['alloc_space', ['-sample_index=alloc_space', '-nodecount=20']]],
  'merged-cpu': [['nodecount20', ['-nodecount=20']]],
};

async function pprof(args: string[], profile: string): Promise<string> {
  const { stdout } = await execFileP('go', ['tool', 'pprof', '-symbolize=none', ...args, `${profile}.pb.gz`], {
    cwd: DIR,
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

async function goldens(): Promise<Golden[]> {
  const profiles = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block', 'merged-cpu', 'merged-heap', 'hostile'];
  const jobs: Golden[] = [];
  const kinds: [Golden['kind'], Record<string, [string, string[]][]>, string][] = [
    ['top', { '*': COMMON, ...SPECIFIC }, 'top.txt'],
    ['traces', { '*': TRACES }, 'traces.txt'],
    ['peek', PEEK, 'peek.txt'],
    ['dot', DOT, 'dot'],
  ];
  for (const profile of profiles) {
    for (const [kind, sets, ext] of kinds) {
      for (const [name, args] of [...(sets['*'] ?? []), ...(sets[profile] ?? [])])
        jobs.push({ profile, name, kind, args, file: `${profile}.${name}.${ext}` });
    }
  }
  for (let i = 0; i < jobs.length; i += 8) {
    await Promise.all(
      jobs
        .slice(i, i + 8)
        .map(async (g) => writeFile(join(GOLDEN, g.file), await pprof(g.kind === 'peek' ? g.args : [`-${g.kind}`, ...g.args], g.profile))),
    );
  }
  return jobs;
}

await rm(GOLDEN, { recursive: true, force: true });
await mkdir(GOLDEN, { recursive: true });
if (!process.argv.includes('--goldens-only')) await capture();
const list = await goldens();
await writeFile(join(DIR, 'goldens.json'), JSON.stringify(list, null, 1) + '\n');
console.log(`wrote ${list.length} goldens for ${new Set(list.map((g) => g.profile)).size} profiles to ${GOLDEN}`);
