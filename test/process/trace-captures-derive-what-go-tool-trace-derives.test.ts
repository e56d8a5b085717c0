// Trace captures through the gateway: each pod's trace is analysed in the
// gateway's workers and stored with what `go tool trace` would derive from it.
// One pod: its four blocking profiles are, sample for sample by totals, what
// the real `go tool trace -pprof=<kind>` writes for the stored trace.out. A
// workload: every pod traced in the same window, each pod's trace kept, the
// four profiles merged with each sample labelled pod=<name>, and each pod's
// goroutine groups. A pod that answers something that is no trace fails in
// the parser's words while the others are kept.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { GoroutineGroup } from '../../src/trace/goroutine-groups.ts';
import { startHostileApp } from '../kit/apps/hostile-app.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { goPprof, rawTotals, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const execFileP = promisify(execFile);
const KINDS = ['net', 'sync', 'syscall', 'sched'] as const;
// web-2 answers its trace with HTML: no trace at all.
const harness = useHarness({ pods: 3, app: (i) => (i === 2 ? startHostileApp() : startGoTarget({ args: ['-cpu-workers', '1'] })) });

function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function save(path: string, file: string): Promise<string> {
  const r = await api('GET', path);
  assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 200)}`);
  const out = join(harness().dir, file);
  writeFileSync(out, r.body);
  return out;
}

/** What the real tool writes for one kind, as the totals `go tool pprof -raw` reads. */
async function goToolTrace(trace: string, kind: string): Promise<Awaited<ReturnType<typeof rawTotals>>> {
  const out = `${trace}.${kind}.go.pb`;
  const { stdout } = await execFileP('go', ['tool', 'trace', `-pprof=${kind}`, trace], { encoding: 'buffer', maxBuffer: 64 << 20 });
  writeFileSync(out, stdout);
  return rawTotals(out);
}

test("one pod's trace: trace.out and its four blocking profiles, each what go tool trace -pprof writes for it", async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'trace', seconds: 2 });
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'done', r.text);
  const trace = await save(`/api/v1/captures/${meta.id}/trace.out`, 'one.trace.out');
  for (const kind of KINDS) {
    const ours = await rawTotals(await save(`/api/v1/captures/${meta.id}/derived/trace-${kind}.pb.gz`, `one-${kind}.pb.gz`));
    const go = await goToolTrace(trace, kind);
    assert.deepEqual(ours, go, `${kind}: the gateway's profile and go tool trace's agree`);
  }
  const groups = JSON.parse((await api('GET', `/api/v1/captures/${meta.id}/derived/goroutines.json`)).text) as {
    pods: Record<string, GoroutineGroup[]>;
  };
  assert.ok(
    (groups.pods['web-0'] ?? []).some((g) => g.name.startsWith('main.') && g.count > 0),
    JSON.stringify(groups).slice(0, 300),
  );
});

test("a workload's pods traced in one window: each pod's trace kept, the profiles merged by pod, a pod that sent no trace named", async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'trace', seconds: 2 });
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'partial', r.text);
  const bad = meta.pods.find((p) => p.pod === 'web-2')!;
  assert.equal(bad.status, 'failed');
  assert.match(bad.error ?? '', /^the trace of team-a\/web-2 is not a trace podprof can read: bad file format/);
  const starts = meta.pods.filter((p) => p.status === 'ok').map((p) => Date.parse(p.startedAt!));
  assert.ok(Math.max(...starts) - Math.min(...starts) < 1000, 'the pods were asked together');
  const sums = new Map<string, bigint>();
  for (const pod of ['web-0', 'web-1']) {
    const trace = await save(`/api/v1/captures/${meta.id}/pods/${pod}`, `${pod}.trace.out`);
    const sched = await goToolTrace(trace, 'sched');
    sums.set(pod, sched.totals[1] ?? 0n);
  }
  const merged = await save(`/api/v1/captures/${meta.id}/derived/trace-sched.pb.gz`, 'merged-sched.pb.gz');
  const tags = await goPprof(['-tags', merged]);
  for (const pod of ['web-0', 'web-1']) assert.match(tags, new RegExp(`: ${pod}$`, 'm'));
  assert.doesNotMatch(tags, /: web-2$/m);
  const total = (await rawTotals(merged)).totals[1];
  assert.equal(total, (sums.get('web-0') ?? 0n) + (sums.get('web-1') ?? 0n), 'the merge keeps every pod’s delay');
  const groups = JSON.parse((await api('GET', `/api/v1/captures/${meta.id}/derived/goroutines.json`)).text) as {
    pods: Record<string, unknown[]>;
  };
  assert.deepEqual(Object.keys(groups.pods).sort(), ['web-0', 'web-1']);
});
