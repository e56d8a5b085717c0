// A goroutine dump capture (POST /api/v1/captures {type: "goroutine", debug: 2})
// of the real demo app: the pod's goroutine?debug=2 text is stored as Go wrote it
// and grouped by state and stack (goroutine-dump.json): the 50 parked goroutines
// are one group of 50 in `chan receive`, the mutex contenders and the channel
// sender are there. A workload's dumps are merged with each group's ids per pod;
// a pod whose answer is no dump fails naming the line. RBAC is the goroutine
// profile's (get pods/goroutine); a bad request says what to send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Authorizer } from '../../gateway/auth/authz.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { groupDumps, type GoroutineDumpSummary } from '../../src/goroutine-dump/group.ts';
import { parseGoroutineDump } from '../../src/goroutine-dump/parse.ts';
import { startHostileApp, type HostileApp } from '../kit/apps/hostile-app.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { jsonError, startHarness, useHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

let hostile: HostileApp | undefined;
const harness = useHarness({
  pods: 3,
  app: async (i) => (i < 2 ? startGoTarget({ args: ['-cpu-workers', '1'] }) : (hostile = await startHostileApp())),
});

function apiOf(method: string, path: string, body?: unknown, h: Harness = harness()): Promise<Reply> {
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const api = (method: string, path: string, body?: unknown): Promise<Reply> => apiOf(method, path, body);

const has = (g: GoroutineDumpSummary['groups'][number], fn: string): boolean => g.frames.some((f) => f.func === fn);

test("one pod's dump is stored as Go wrote it and grouped: the 50 parked goroutines are one group of 50 in chan receive", async (t) => {
  // Its own pod: a sidecar answers debug=2 at most once every 30 s, and the workload's test asks web-0 too.
  const solo = await startHarness({ pods: 1 });
  t.after(() => solo.close());
  const api = (method: string, path: string, body?: unknown): Promise<Reply> => apiOf(method, path, body, solo);
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'goroutine', debug: 2 });
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'done', r.text);
  assert.equal(meta.debug, 2);
  assert.equal(meta.file, 'goroutines.txt');
  assert.deepEqual(meta.derived, ['goroutine-dump.json']);

  const text = await api('GET', `/api/v1/captures/${meta.id}/goroutines.txt`);
  assert.equal(text.status, 200);
  assert.match(String(text.headers['content-type']), /^text\/plain/);
  assert.match(String(text.headers['content-disposition']), /attachment; filename="team-a-web-0-goroutine-.*\.goroutines\.txt"/);
  assert.match(text.text, /^goroutine \d+ \[/);

  const json = await api('GET', `/api/v1/captures/${meta.id}/derived/goroutine-dump.json`);
  assert.equal(json.status, 200);
  const summary = JSON.parse(json.text) as GoroutineDumpSummary;
  assert.deepEqual(summary, groupDumps([{ pod: 'web-0', dump: parseGoroutineDump(text.text) }]), 'the stored groups are the text grouped');

  const parked = summary.groups.filter((g) => has(g, 'main.parkedWaiter'));
  assert.equal(parked.length, 1, 'the parked goroutines are one group');
  assert.deepEqual([parked[0]!.state, parked[0]!.count], ['chan receive', 50]);
  assert.equal(parked[0]!.ids['web-0']!.length, 50);
  assert.equal(parked[0]!.createdBy?.func, 'main.startWorkload');
  assert.match(parked[0]!.frames.at(-1)!.file, /workload\.go$/);
  assert.equal(summary.groups[0], parked[0], 'the biggest group comes first');
  const contenders = summary.groups.filter((g) => has(g, 'main.mutexContender')).reduce((n, g) => n + g.count, 0);
  assert.equal(contenders, 4, 'the 4 mutex contenders, in whatever state each was');
  assert.ok(
    summary.groups.some((g) => has(g, 'main.chanSender')),
    'the channel sender',
  );
  assert.equal(summary.pods[0]!.truncated, undefined);
});

test("a workload's dumps merge with each group's ids per pod; a pod answering something else fails naming the line", async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'goroutine', debug: 2 });
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'partial', r.text);
  assert.ok(
    hostile?.asked.some((p) => p.endsWith('/goroutine?debug=2')),
    String(hostile?.asked),
  );
  const bad = meta.pods.find((p) => p.pod === 'web-2')!;
  assert.equal(bad.status, 'failed');
  assert.equal(bad.code, 'PODPROF_BAD_GOROUTINE_DUMP');
  assert.match(bad.error ?? '', /the goroutine dump of team-a\/web-2: line 1 is not a goroutine header/);
  assert.equal(bad.file, undefined);
  assert.equal(meta.file, undefined);
  for (const pod of ['web-0', 'web-1']) {
    assert.equal(meta.pods.find((p) => p.pod === pod)!.file, `pods/${pod}.goroutines.txt`);
    const own = await api('GET', `/api/v1/captures/${meta.id}/pods/${pod}.goroutines.txt`);
    assert.equal(own.status, 200);
    assert.match(own.text, /^goroutine \d+ \[/);
  }
  const summary = JSON.parse((await api('GET', `/api/v1/captures/${meta.id}/derived/goroutine-dump.json`)).text) as GoroutineDumpSummary;
  assert.deepEqual(
    summary.pods.map((p) => p.pod),
    ['web-0', 'web-1'],
  );
  const parked = summary.groups.find((g) => has(g, 'main.parkedWaiter'))!;
  assert.equal(parked.count, 100);
  assert.deepEqual(Object.keys(parked.ids).sort(), ['web-0', 'web-1']);
  assert.ok(Object.values(parked.ids).every((ids) => ids.length === 50));
  const link = await api('POST', '/api/v1/links', { capture: meta.id });
  assert.equal(link.status, 404, 'a dump has no pprof file to link to');
  assert.match(jsonError(link).message, /it is a goroutine dump/);
});

test('a dump needs get pods/goroutine as the goroutine profile does; debug 2 goes with goroutine and no seconds', async () => {
  const deny: Authorizer = (_u, a) =>
    Promise.resolve(a.subresource === 'goroutine' ? { allowed: false, reason: 'no RBAC rule' } : { allowed: true });
  harness().setAuthorizer(deny);
  try {
    const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'goroutine', debug: 2 });
    assert.equal(r.status, 403, r.text);
    assert.match(jsonError(r).message, /pods\/goroutine/);
  } finally {
    harness().setAuthorizer(undefined);
  }
  for (const body of [
    { type: 'heap', debug: 2 },
    { type: 'goroutine', debug: 2, seconds: 5 },
    { type: 'goroutine', debug: 1 },
  ]) {
    const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', ...body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(jsonError(r).message, /debug: 2 goes with type "goroutine" and no seconds/);
  }
});
