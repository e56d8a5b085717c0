// Three gateway replicas share nothing but one bucket on a real S3-compatible
// server (versitygw): A and B are `podprof gateway` children in their own
// process groups, C the harness's in-process gateway (its authorizer swapped
// for RBAC decisions), all on the same real Go apps behind real sidecars.
// A capture made through A is listed, read, downloaded and deleted through B
// and C; A SIGKILLed mid-fan-out leaves a capture B ends as failed within the
// lease bound, and the pods take the next capture; the server stopped makes
// every replica answer 503 PODPROF_STORE_UNAVAILABLE and /readyz not ready,
// and started again they capture without a restart.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Access, Authorizer } from '../../gateway/auth/authz.ts';
import { REPLICA_STOPPED } from '../../gateway/captures/shared-store.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { jsonError, startHarness, type Harness } from '../kit/product/gateway.ts';
import { startReplica, type Replica } from '../kit/objectstore/replica.ts';
import { startVersitygw, type Versitygw } from '../kit/objectstore/versitygw.ts';

let gw: Versitygw;
let h: Harness;
let a: Replica;
let b: Replica;

before(async () => {
  gw = await startVersitygw();
  Object.assign(process.env, gw.env); // replica C (in this process) finds its credentials by the same chain
  h = await startHarness({ pods: 2 });
  await h.restartGateway(['--store', gw.storeUrl('podprof')]);
  const start = (): Promise<Replica> => startReplica(h, ['--store', gw.storeUrl('podprof')], gw.env);
  [a, b] = await Promise.all([start(), start()]);
});

after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await h?.close();
  await gw?.close();
});

const c = (): { url: string } => ({ url: h.url });

function api(r: { url: string }, method: string, path: string, body?: unknown, token = h.token): Promise<Reply> {
  return httpsRequest(`${r.url}${path}`, {
    method,
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const list = async (r: { url: string }): Promise<CaptureMeta[]> => {
  const reply = await api(r, 'GET', '/api/v1/captures');
  assert.equal(reply.status, 200, reply.text);
  return (JSON.parse(reply.text) as { items: CaptureMeta[] }).items;
};

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

test('a capture made through A is listed, read and downloaded through B and C, C asks RBAC, and a delete through B is seen by A', async (t) => {
  const seenAfter: number[] = [];
  const doneAfter: number[] = [];
  let first: CaptureMeta | undefined;
  for (let i = 0; i < 5; i++) {
    const made = await api(a, 'POST', '/api/v1/captures?async=true', { namespace: 'team-a', selector: 'app=web', type: 'heap' });
    assert.equal(made.status, 202, made.text);
    const t0 = performance.now();
    const { id } = JSON.parse(made.text) as CaptureMeta;
    await until(`${id} listed on B`, 30_000, async () => ((await list(b)).some((m) => m.id === id) ? true : undefined));
    seenAfter.push(performance.now() - t0);
    const doneOnA = await until(`${id} done on A`, 30_000, async () => {
      const m = JSON.parse((await api(a, 'GET', `/api/v1/captures/${id}`)).text) as CaptureMeta;
      return m.status === 'running' ? undefined : m;
    });
    const t1 = performance.now();
    await until(`${id} done on B`, 30_000, async () =>
      (await list(b)).some((m) => m.id === id && m.status === 'done') ? true : undefined,
    );
    doneAfter.push(performance.now() - t1);
    first ??= doneOnA;
  }
  t.diagnostic(`created on A → listed on B: median ${Math.round(median(seenAfter))} ms of ${seenAfter.map(Math.round).join(', ')} ms`);
  t.diagnostic(`done on A → done on B: median ${Math.round(median(doneAfter))} ms of ${doneAfter.map(Math.round).join(', ')} ms`);
  const meta = first!;
  assert.equal(meta.status, 'done');
  assert.ok(existsSync(join(gw.root, 'data', gw.bucket, 'podprof', 'captures', 'team-a', meta.id, 'meta.json')), 'laid out by namespace');

  const fromA = await api(a, 'GET', `/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(fromA.status, 200);
  for (const r of [b, c()]) {
    const got = JSON.parse((await api(r, 'GET', `/api/v1/captures/${meta.id}`)).text) as CaptureMeta;
    assert.deepEqual([got.id, got.status, got.pods.map((p) => p.status)], [meta.id, 'done', ['ok', 'ok']]);
    assert.ok((await api(r, 'GET', `/api/v1/captures/${meta.id}/profile.pb.gz`)).body.equals(fromA.body));
    assert.equal((await api(r, 'GET', `/api/v1/captures/${meta.id}/pods/web-1.pb.gz`)).status, 200);
  }

  const asked: Access[] = [];
  const deny: Authorizer = (_u, q) => {
    asked.push(q);
    return Promise.resolve(q.resource === 'captures' ? { allowed: false, reason: 'no RBAC rule' } : { allowed: true });
  };
  h.setAuthorizer(deny);
  try {
    const r = await api(c(), 'GET', `/api/v1/captures/${meta.id}/profile.pb.gz`);
    assert.equal(r.status, 403);
    assert.match(jsonError(r).message, new RegExp(`may not get captures ${meta.id} in namespace team-a`));
    assert.deepEqual(await list(c()), [], 'a capture from another replica is hidden from who may not list it');
  } finally {
    h.setAuthorizer(undefined);
  }
  assert.ok(asked.some((q) => q.verb === 'get' && q.namespace === 'team-a'));

  assert.equal((await api(b, 'DELETE', `/api/v1/captures/${meta.id}`)).status, 204);
  await until('the delete through B seen on A', 30_000, async () =>
    (await api(a, 'GET', `/api/v1/captures/${meta.id}`)).status === 404 ? true : undefined,
  );
  // C learns of the delete at its next refresh (500 ms), independently of A.
  await until('the delete through B seen on C', 10_000, async () => ((await list(c())).some((m) => m.id === meta.id) ? undefined : true));
});

test('A SIGKILLed mid-fan-out: B sees its progress, then ends the capture as failed within the lease bound; the pods take the next one', async (t) => {
  const started = await api(a, 'POST', '/api/v1/captures?async=true', {
    namespace: 'team-a',
    selector: 'app=web',
    type: 'profile',
    seconds: 4,
  });
  assert.equal(started.status, 202, started.text);
  const { id } = JSON.parse(started.text) as CaptureMeta;
  const running = await until('B lists it running', 30_000, async () => (await list(b)).find((m) => m.id === id && m.status === 'running'));
  assert.equal(running.pods.length, 2);
  assert.equal((await api(b, 'DELETE', `/api/v1/captures/${id}`)).status, 409, 'a capture running on another replica cannot be deleted');
  await a.kill();
  const killedAt = performance.now();
  const ended = await until('B ends it', 60_000, async () => {
    const m = JSON.parse((await api(b, 'GET', `/api/v1/captures/${id}`)).text) as CaptureMeta;
    return m.status === 'running' ? undefined : m;
  });
  t.diagnostic(`SIGKILL of A → B ended the capture after ${Math.round(performance.now() - killedAt)} ms (lease bound 6 s)`);
  assert.equal(ended.status, 'failed');
  assert.equal(ended.error, REPLICA_STOPPED);
  assert.deepEqual(
    ended.pods.map((p) => [p.status, p.file]),
    [
      ['failed', undefined],
      ['failed', undefined],
    ],
  );
  // C's view of the bucket is refreshed every 500 ms: it may still show the capture running for that long, never
  // another ending.
  const onC = await until('C sees it ended', 10_000, async () => {
    const m = JSON.parse((await api(c(), 'GET', `/api/v1/captures/${id}`)).text) as CaptureMeta;
    return m.status === 'running' ? undefined : m;
  });
  assert.deepEqual([onC.status, onC.error], ['failed', REPLICA_STOPPED], 'every replica agrees');

  const next = await until('the next capture of the same pods', 60_000, async () => {
    const r = await api(b, 'POST', '/api/v1/captures', { namespace: 'team-a', selector: 'app=web', type: 'profile', seconds: 1 });
    return r.status === 429 ? undefined : r;
  });
  assert.equal(next.status, 201, next.text);
  const done = JSON.parse(next.text) as CaptureMeta;
  assert.deepEqual([done.status, done.pods.map((p) => p.status)], ['done', ['ok', 'ok']]);
});

test('the object store stopped: every route answers 503 PODPROF_STORE_UNAVAILABLE and /readyz is not ready; back, captures work without a restart', async () => {
  await gw.stop();
  const down = await until('B answers 503', 30_000, async () => {
    const r = await api(b, 'GET', '/api/v1/captures');
    return r.status === 503 ? r : undefined;
  });
  assert.equal(jsonError(down).code, 'PODPROF_STORE_UNAVAILABLE');
  assert.match(
    jsonError(down).message,
    /the capture store cannot be reached: the object store \(s3 podprof-test\/podprof at http:\/\/127\.0\.0\.1:\d+\) failed to list/,
  );
  assert.doesNotMatch(down.text, new RegExp(gw.secretKey));
  const create = await api(b, 'POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'heap' });
  assert.equal(create.status, 503);
  assert.equal(jsonError(create).code, 'PODPROF_STORE_UNAVAILABLE');
  const ready = await fetch(`${b.healthUrl}/readyz`);
  assert.equal(ready.status, 503);
  const body = (await ready.json()) as { ready: boolean; missing?: { store?: string } };
  assert.equal(body.ready, false);
  assert.match(
    body.missing?.store ?? '',
    /^s3 podprof-test\/podprof at http:\/\/127\.0\.0\.1:\d+: the object store \(s3 podprof-test\/podprof at [^)]+\) failed to /,
  );
  assert.ok(!b.logs.some((l) => l.includes(gw.secretKey)), 'the secret is never logged');

  await gw.restart();
  for (const r of [b, c()])
    await until('the replica answers again', 30_000, async () =>
      (await api(r, 'GET', '/api/v1/captures')).status === 200 ? true : undefined,
    );
  const made = await api(c(), 'POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-1', type: 'heap' });
  assert.equal(made.status, 201, made.text);
  const id = (JSON.parse(made.text) as CaptureMeta).id;
  await until('listed on B', 30_000, async () => ((await list(b)).some((m) => m.id === id) ? true : undefined));
  assert.equal((await fetch(`${b.healthUrl}/readyz`)).status, 200);
});
