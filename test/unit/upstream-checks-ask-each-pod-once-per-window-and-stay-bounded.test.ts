// Whether each pod's app answers (the pod list's "app answering" flag) costs
// its sidecar at most one check per window however many list the pods: the
// gateway's UpstreamStates asks each pod once per freshMs, runs at most
// maxInFlight checks, keeps at most maxEntries pods, and a pod list waits at
// most waitMs; the sidecar's probe runs one check at a time and keeps its
// answer freshMs. What a sidecar answers is read strictly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpstreamView } from '../../src/api/types.ts';
import type { Target } from '../../gateway/pods/targets.ts';
import { parseUpstreamAnswer, UpstreamStates } from '../../gateway/pods/upstream-states.ts';
import { upstreamProbe } from '../../sidecar/upstream-state.ts';

function target(i: number, ready = true): Target {
  return {
    namespace: 'team-a',
    name: `web-${i}`,
    uid: `uid-${i}`,
    ip: ready ? `10.0.0.${i}` : '',
    port: 8443,
    node: 'n',
    path: '/debug/pprof',
    container: 'app',
    profiles: ['heap'],
    maxSeconds: 60,
    labels: {},
    podReady: ready,
    sidecarReady: ready,
    phase: 'Running',
  };
}

const answering: UpstreamView = { state: 'answering', detail: 'answered 200', checkedAt: '2026-12-07T12:00:00.000Z' };

test('many pod lists within the window ask each pod once; after it, once more', async () => {
  let clock = 0;
  const asked: string[] = [];
  const states = new UpstreamStates(
    (t) => {
      asked.push(t.name);
      return Promise.resolve(answering);
    },
    { freshMs: 10_000, waitMs: 1000, maxInFlight: 8, maxEntries: 100 },
    () => clock,
  );
  const pods = [target(1), target(2)];
  const lists = await Promise.all(Array.from({ length: 20 }, () => states.views(pods)));
  assert.deepEqual(asked.sort(), ['web-1', 'web-2']);
  for (const l of lists) assert.equal(l.get('uid-1')?.state, 'answering');
  clock = 9_999;
  await states.views(pods);
  assert.equal(asked.length, 2);
  clock = 10_000;
  await states.views(pods);
  assert.equal(asked.length, 4);
});

test('at most maxInFlight checks run at once; the others wait for a later list', async () => {
  let running = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const states = new UpstreamStates(
    () => {
      most = Math.max(most, ++running);
      return new Promise<UpstreamView>((r) =>
        release.push(() => {
          running--;
          r(answering);
        }),
      );
    },
    { freshMs: 10_000, waitMs: 20, maxInFlight: 3, maxEntries: 100 },
  );
  const pods = Array.from({ length: 10 }, (_, i) => target(i));
  const first = await states.views(pods);
  assert.equal(most, 3);
  assert.equal([...first.values()].filter((v) => v.detail === 'not checked yet').length, 10, 'waited waitMs, no answer yet');
  release.splice(0).forEach((r) => r());
  await new Promise((r) => setImmediate(r));
  const second = await states.views(pods);
  assert.equal(most, 3);
  assert.equal([...second.values()].filter((v) => v.state === 'answering').length, 3);
  release.splice(0).forEach((r) => r());
});

test('a list waits at most waitMs for a slow sidecar; pods not ready are not asked', async () => {
  const asked: string[] = [];
  const states = new UpstreamStates(
    (t) => {
      asked.push(t.name);
      return new Promise<UpstreamView>(() => undefined);
    },
    { freshMs: 10_000, waitMs: 50, maxInFlight: 8, maxEntries: 100 },
  );
  const started = Date.now();
  const views = await states.views([target(1), target(2, false)]);
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(asked, ['web-1']);
  assert.deepEqual(views.get('uid-1'), { state: 'unknown', detail: 'not checked yet' });
  assert.deepEqual(views.get('uid-2'), { state: 'unknown', detail: 'the pod or its sidecar is not ready' });
});

test('at most maxEntries pods are kept, the least recently checked going first', async () => {
  let clock = 0;
  const states = new UpstreamStates(
    () => Promise.resolve(answering),
    { freshMs: 10, waitMs: 1000, maxInFlight: 1000, maxEntries: 5 },
    () => clock,
  );
  for (let i = 0; i < 12; i++) {
    await states.views([target(i)]);
    clock += 1;
  }
  assert.equal(states.size, 5);
  const kept = await states.views([target(11)]);
  assert.equal(kept.get('uid-11')?.state, 'answering');
});

test("the sidecar's probe runs one check at a time, keeps it freshMs, and says why not", async () => {
  let clock = 0;
  let checks = 0;
  let up = true;
  const probe = upstreamProbe(
    async () => {
      checks++;
      await new Promise((r) => setTimeout(r, 10));
      return up ? { ok: true, detail: 'answered 200' } : { ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:6060' };
    },
    5000,
    () => clock,
  );
  const reports = await Promise.all(Array.from({ length: 50 }, () => probe()));
  assert.equal(checks, 1);
  assert.ok(reports.every((r) => r.upstream === 'answering'));
  up = false;
  clock = 4999;
  assert.equal((await probe()).upstream, 'answering');
  clock = 5000;
  const down = await probe();
  assert.deepEqual([down.upstream, down.detail, checks], ['not answering', 'connect ECONNREFUSED 127.0.0.1:6060', 2]);
});

test("what a sidecar answers is read strictly: another answer is 'unknown' and says what it was", () => {
  assert.deepEqual(parseUpstreamAnswer(200, JSON.stringify({ upstream: 'not answering', detail: 'timed out', checkedAt: 'x' })), {
    state: 'not answering',
    detail: 'timed out',
    checkedAt: 'x',
  });
  assert.equal(parseUpstreamAnswer(404, 'not found').detail, 'this sidecar does not report it (an older podprof)');
  assert.equal(parseUpstreamAnswer(500, '').detail, 'the sidecar answered 500');
  assert.equal(parseUpstreamAnswer(200, '<html>').detail, 'the sidecar answered no JSON');
  assert.equal(parseUpstreamAnswer(200, JSON.stringify({ upstream: 'fine', detail: 'x', checkedAt: 'y' })).state, 'unknown');
  assert.equal(
    parseUpstreamAnswer(200, JSON.stringify({ upstream: 'answering', detail: 'd'.repeat(5000), checkedAt: 'y' })).detail.length,
    300,
  );
});
