// The Node demo app (demo/node-target.ts) serves real V8 profiles of
// itself as Go's pprof at net/http/pprof's paths: they decode, go tool pprof
// reads them, a sidecar fronts the app unchanged, and `podprof demo` with
// PODPROF_DEMO_TARGET=node serves them end to end from the bundle.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { startNodeTarget, type NodeTarget } from '../../demo/node-target.ts';
import { goOnPath, startDemoTarget } from '../../demo/target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, NODE, REPO, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'podprof-node-target-'));
const NO_GO = goOnPath() ? false : 'needs go on PATH';

function decode(body: Buffer): { profile: Profile; str: (i: unknown) => string; functions: Set<string>; files: Set<string> } {
  const profile = Profile.decode(gunzipSync(body));
  const str = (i: unknown): string => profile.stringTable.strings[Number(i)] ?? '';
  return {
    profile,
    str,
    functions: new Set(profile.function.map((f) => str(f.name))),
    files: new Set(profile.function.map((f) => str(f.filename))),
  };
}

function sampleTypes(p: ReturnType<typeof decode>): string[] {
  return p.profile.sampleType.map((t) => `${p.str(t.type)}/${p.str(t.unit)}`);
}

async function goTop(name: string, body: Buffer): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, body);
  return (await run('go', ['tool', 'pprof', '-top', file], { maxBuffer: 16 << 20 })).stdout;
}

async function get(url: string): Promise<{ status: number; text: string; body: Buffer; headers: Headers }> {
  const r = await fetch(url);
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, text: body.toString('utf8'), body, headers: r.headers };
}

describe('the Node demo app', { timeout: 120_000 }, () => {
  const keys = makeKeys();
  let app: NodeTarget;
  let sidecar: TestSidecar;
  before(async () => {
    app = await startNodeTarget();
    sidecar = await startInProcess(keys, app.url);
  });
  after(async () => {
    await sidecar?.close();
    await app?.stop();
  });

  test('serves a CPU profile of its workload, one at a time like Go', async () => {
    const second = new Promise((r) => setTimeout(r, 300)).then(() => get(`${app.url}/debug/pprof/profile?seconds=1`));
    const both = await Promise.all([get(`${app.url}/debug/pprof/profile?seconds=2`), second]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 500]);
    const cpu = both.find((r) => r.status === 200)!;
    const busy = both.find((r) => r.status === 500)!;
    assert.equal(busy.text, 'Could not enable CPU profiling: cpu profiling already in use\n');
    assert.equal(busy.headers.get('x-go-pprof'), '1');
    assert.equal(cpu.status, 200, cpu.text);
    assert.equal(cpu.headers.get('content-disposition'), 'attachment; filename="profile"');
    const p = decode(cpu.body);
    assert.deepEqual(sampleTypes(p), ['samples/count', 'cpu/nanoseconds']);
    assert.equal(`${p.str(p.profile.periodType?.type)}/${p.str(p.profile.periodType?.unit)}`, 'cpu/nanoseconds');
    assert.equal(Number(p.profile.period), 10_000_000);
    assert.ok(p.profile.sample.length > 0, 'samples');
    assert.ok(p.functions.has('busyFibonacci'), [...p.functions].join(', '));
    assert.ok(!p.functions.has('(idle)'), 'idle time is not CPU time');
    assert.ok(
      [...p.files].some((f) => f.endsWith('node-workload.ts')),
      'frames map back to the TypeScript source',
    );
    for (const s of p.profile.sample) assert.equal(Number(s.value[1]), Number(s.value[0]) * 10_000_000);
    const again = await get(`${app.url}/debug/pprof/profile?seconds=1`);
    assert.equal(again.status, 200, 'the CPU profiler is free again');
    if (NO_GO === false) assert.match(await goTop('cpu.pb.gz', cpu.body), /Type: cpu[\s\S]*busyFibonacci/);
  });

  test('serves its live heap with inuse_objects and inuse_space, default inuse_space', async () => {
    const heap = await get(`${app.url}/debug/pprof/heap?gc=1`);
    assert.equal(heap.status, 200, heap.text);
    const p = decode(heap.body);
    assert.deepEqual(sampleTypes(p), ['inuse_objects/count', 'inuse_space/bytes']);
    assert.equal(p.str(p.profile.defaultSampleType), 'inuse_space');
    assert.ok(p.profile.sample.length > 0, 'samples');
    assert.ok(p.functions.has('churnAllocations'), [...p.functions].join(', '));
    const total = p.profile.sample.reduce((n, s) => n + Number(s.value[1]), 0);
    assert.ok(total > 1 << 20, `about the workload's live set or more, got ${total} bytes`);
    if (NO_GO === false) assert.match(await goTop('heap.pb.gz', heap.body), /Type: inuse_space[\s\S]*churnAllocations/);
  });

  test('heap takes Go parameters: debug=1 is text, seconds=N is a delta, both at once is an error', async () => {
    const text = await get(`${app.url}/debug/pprof/heap?debug=1`);
    assert.equal(text.status, 200);
    assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(text.text, /churnAllocations/);
    const deltaHeap = await get(`${app.url}/debug/pprof/heap?seconds=1`);
    assert.equal(deltaHeap.status, 200, deltaHeap.text);
    assert.equal(deltaHeap.headers.get('content-disposition'), 'attachment; filename="heap-delta"');
    assert.ok(Number(decode(deltaHeap.body).profile.durationNanos) >= 900_000_000);
    assert.equal((await get(`${app.url}/debug/pprof/heap?seconds=1&debug=1`)).text, 'seconds and debug params are incompatible\n');
    assert.equal((await get(`${app.url}/debug/pprof/heap?seconds=zero`)).status, 400);
  });

  test("answers Go's other paths as Go would for profiles Node does not have", async () => {
    for (const name of ['goroutine', 'allocs', 'block', 'mutex', 'threadcreate', 'trace', 'nosuch']) {
      const r = await get(`${app.url}/debug/pprof/${name}`);
      assert.deepEqual([name, r.status, r.text], [name, 404, 'Unknown profile\n']);
    }
    const cmdline = await get(`${app.url}/debug/pprof/cmdline`);
    assert.deepEqual(cmdline.text.split('\0').slice(1), ['podprof-demo-app']);
    assert.equal((await get(`${app.url}/debug/pprof/symbol`)).text, 'num_symbols: 0\n');
  });

  test('a podprof sidecar fronts it unchanged', async () => {
    const heap = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) });
    assert.equal(heap.status, 200, heap.text);
    assert.ok(decode(heap.body).functions.has('churnAllocations'));
    const cpu = await httpsRequest(`${sidecar.url}/debug/pprof/profile?seconds=1`, { headers: bearer(mint(keys, 'profile')) });
    assert.equal(cpu.status, 200, cpu.text);
    assert.ok(decode(cpu.body).profile.sample.length > 0);
  });
});

test('PODPROF_DEMO_TARGET must name a known app', async () => {
  const saved = process.env.PODPROF_DEMO_TARGET;
  process.env.PODPROF_DEMO_TARGET = 'rust';
  try {
    await assert.rejects(startDemoTarget(), /PODPROF_DEMO_TARGET=rust: want one of auto, go, node/);
  } finally {
    if (saved === undefined) delete process.env.PODPROF_DEMO_TARGET;
    else process.env.PODPROF_DEMO_TARGET = saved;
  }
  assert.equal(goOnPath({ PATH: dir }), false);
});

test('without go on PATH the demo runs the Node app', async () => {
  const saved = { PATH: process.env.PATH, GO: process.env.GO, PODPROF_DEMO_TARGET: process.env.PODPROF_DEMO_TARGET };
  Object.assign(process.env, { PATH: dir });
  delete process.env.GO;
  delete process.env.PODPROF_DEMO_TARGET;
  const target = await startDemoTarget().finally(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });
  try {
    assert.equal(target.kind, 'node');
    assert.match((await get(`${target.url}/debug/pprof/cmdline`)).text, /podprof-demo-app$/);
  } finally {
    await target.stop();
  }
});

function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test(
  'podprof demo (bundled) with PODPROF_DEMO_TARGET=node serves CPU profiles through the gateway and stops on SIGINT',
  { timeout: 120_000 },
  async () => {
    assert.ok(
      readdirSync(join(REPO, 'dist')).some((f) => /^node-target-.*\.js$/.test(f)),
      'dist/ has no node-target chunk: run npm run build',
    );
    const demoDir = mkdtempSync(join(tmpdir(), 'podprof-demo-node-'));
    const demo = spawn(
      NODE,
      [join(REPO, 'bin/podprof.mjs'), 'demo', '--port', '0', '--pods', '1', '--dir', demoDir, '--log-level', 'warn'],
      {
        env: { ...process.env, PODPROF_DEMO_TARGET: 'node', NODE_TEST_CONTEXT: undefined },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let [out, err] = ['', ''];
    demo.stdout.on('data', (c: Buffer) => (out += c.toString()));
    demo.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      const ready = /open\s+(https:\/\/127\.0\.0\.1:\d+)\/[\s\S]*token\s+(\S+)[\s\S]*\/pods\/([^/]+)\/debug\/pprof\/profile[\s\S]*Ctrl-C/;
      for (let waited = 0; !ready.test(out); waited += 100) {
        assert.ok(waited < 30_000 && demo.exitCode === null, `demo did not start:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [, url, token, pod] = ready.exec(out)!;
      const apps = childPids(demo.pid!).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serveNodeTarget'));
      assert.equal(apps.length, 1, 'one Node demo app child');
      const cpu = await httpsRequest(`${url}/api/v1/namespaces/demo/pods/${pod}/debug/pprof/profile?seconds=1`, {
        headers: bearer(token!),
      });
      assert.equal(cpu.status, 200, cpu.text);
      const p = decode(cpu.body);
      assert.ok(p.profile.sample.length > 0);
      assert.ok(
        [...p.files].some((f) => f.endsWith('demo/node-workload.ts')),
        `bundled frames map back to the source: ${[...p.files].join(', ')}`,
      );
      demo.kill('SIGINT');
      assert.equal(await exited, 0, err);
      assert.ok(!alive(apps[0]!), 'the demo app exited with the demo');
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  },
);
