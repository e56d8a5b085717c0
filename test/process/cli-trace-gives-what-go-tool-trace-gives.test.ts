// `podprof trace pprof` and `podprof trace goroutines` as a user runs them (the
// built CLI): on a trace file they give what the real `go tool trace` gives —
// the profile of -pprof=TYPE (same stacks, counts and delays) and the goroutine
// groups of its goroutine page; on a stored capture NAMESPACE/ID they read what
// the gateway derived. `podprof capture --type trace` of a workload writes each
// pod's trace and the derived files into a directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { GoroutineGroup } from '../../src/trace/goroutine-groups.ts';
import { rawTotals, useHarness } from '../kit/product/gateway.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { goroutineGroupsGolden, manifest, normalizedGroups, RECORDED_DIR } from '../kit/traces/goldens.ts';

const execFileP = promisify(execFile);
const harness = useHarness({ pods: 2 });

async function podprof(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const h = harness();
  return execFileP(NODE, [join(REPO, 'bin/podprof.mjs'), ...args], {
    env: {
      ...process.env,
      PODPROF_TOKEN: h.token,
      PODPROF_GATEWAY: h.url,
      PODPROF_INSECURE_SKIP_TLS_VERIFY: 'true',
      PODPROF_SEND_TOKEN_UNVERIFIED: 'true',
    },
    maxBuffer: 64 << 20,
  });
}

async function goToolTracePprof(trace: string, kind: string, out: string): Promise<Awaited<ReturnType<typeof rawTotals>>> {
  const { stdout } = await execFileP('go', ['tool', 'trace', `-pprof=${kind}`, trace], { encoding: 'buffer', maxBuffer: 64 << 20 });
  writeFileSync(out, stdout);
  return rawTotals(out);
}

test('on a trace file: each blocking profile is go tool trace -pprof’s, and the goroutine groups are its page’s', async () => {
  const m = await manifest();
  for (const name of ['net.go1.26', 'mutex.go1.26', 'syscall.go1.22']) {
    assert.ok(
      m.traces.some((t) => t.name === name),
      name,
    );
    const trace = `${RECORDED_DIR}${name}.trace`;
    for (const kind of ['net', 'sync', 'syscall', 'sched']) {
      const ours = join(harness().dir, `${name}.${kind}.pb.gz`);
      await podprof(['trace', 'pprof', '--type', kind, trace, '-o', ours]);
      assert.deepEqual(await rawTotals(ours), await goToolTracePprof(trace, kind, `${ours}.go`), `${name} ${kind}`);
    }
    const json = JSON.parse((await podprof(['trace', 'goroutines', trace, '--output', 'json'])).stdout) as GoroutineGroup[];
    assert.deepEqual(normalizedGroups(json), await goroutineGroupsGolden(name), `${name}: the groups of go tool trace's goroutine page`);
  }
  const table = (await podprof(['trace', 'goroutines', `${RECORDED_DIR}chan.go1.26.trace`])).stdout;
  assert.match(table, /^start function\s+goroutines\s+execution ms\s+sched wait ms\s+syscall ms\s+blocked ms$/m);
});

test('a workload trace through the gateway: podprof capture writes a directory, podprof trace reads the stored capture', async () => {
  const dir = join(harness().dir, 'web-trace');
  const cap = await podprof(['capture', '-n', 'team-a', 'deployment/web', '--type', 'trace', '--seconds', '1', '-o', dir]);
  assert.match(cap.stderr, /wrote 7 files to .*web-trace: each pod's trace/);
  assert.deepEqual(readdirSync(dir).sort(), [
    'goroutines.json',
    'trace-net.pb.gz',
    'trace-sched.pb.gz',
    'trace-sync.pb.gz',
    'trace-syscall.pb.gz',
    'web-0.trace.out',
    'web-1.trace.out',
  ]);
  const id = /capture ([a-z0-9]+-[a-f0-9]{10})/.exec(cap.stderr)?.[1];
  assert.ok(id, cap.stderr);
  const stored = join(harness().dir, 'stored-sched.pb.gz');
  await podprof(['trace', 'pprof', '--type', 'sched', `team-a/${id}`, '-o', stored]);
  assert.deepEqual(await rawTotals(stored), await rawTotals(join(dir, 'trace-sched.pb.gz')), 'the stored capture’s derived profile');
  const byPod = JSON.parse((await podprof(['trace', 'goroutines', `team-a/${id}`, '--output', 'json'])).stdout) as Record<
    string,
    GoroutineGroup[]
  >;
  assert.deepEqual(Object.keys(byPod).sort(), ['web-0', 'web-1']);
  const one = JSON.parse(
    (await podprof(['trace', 'goroutines', join(dir, 'web-1.trace.out'), '--output', 'json'])).stdout,
  ) as GoroutineGroup[];
  assert.deepEqual(one, byPod['web-1'], "the gateway's groups of web-1 are the CLI's of its trace file");
});
