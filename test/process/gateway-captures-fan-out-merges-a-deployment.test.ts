// POST /api/v1/captures over the 10 pods of a Deployment: one stored, merged
// profile whose samples carry 10 pod label values (as go tool pprof -tags reads
// them), each pod's share equal to its own stored profile, fetched at most
// --fanout-concurrency at a time; selectors and ?async=true polling work too.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CaptureMeta } from '../../src/api/types.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { stringAt, totals } from '../../src/profile/values.ts';
import { goPprof, jsonError, rawTotals, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const gunzip = nodeGunzip();

const CONCURRENCY = 4;
const harness = useHarness({ pods: 10, gatewayArgs: ['--fanout-concurrency', String(CONCURRENCY)] });

function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function maxOverlap(meta: CaptureMeta): number {
  const edges = meta.pods
    .flatMap(
      (p) =>
        [
          [Date.parse(p.startedAt!), 1],
          [Date.parse(p.finishedAt!), -1],
        ] as const,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

test('a CPU capture of deployment/web merges its 10 pods into one profile labelled by pod', async () => {
  const h = harness();
  const created = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'profile', seconds: 1 });
  assert.equal(created.status, 201, created.text);
  const meta = JSON.parse(created.text) as CaptureMeta;
  assert.equal(meta.status, 'done', created.text);
  assert.deepEqual(meta.pods.map((p) => p.pod).sort(), h.pods.map((p) => p.name).sort());
  assert.ok(meta.pods.every((p) => p.status === 'ok' && p.file === `pods/${p.pod}.pb.gz`));
  assert.equal(created.headers.location, `/api/v1/captures/${meta.id}`);
  assert.ok(maxOverlap(meta) <= CONCURRENCY, `at most ${CONCURRENCY} pods at once, saw ${maxOverlap(meta)}`);

  const download = await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(download.status, 200);
  assert.match(String(download.headers['content-disposition']), /attachment; filename="team-a-web-profile-.*\.pb\.gz"/);
  const file = join(h.dir, 'deployment-web.pb.gz');
  writeFileSync(file, download.body);
  const tags = await goPprof(['-tags', file]);
  const pods = [...tags.matchAll(/: (web-\d+)$/gm)].map((m) => m[1]);
  assert.deepEqual(pods.sort(), h.pods.map((p) => p.name).sort(), tags);

  const merged = await decodeProfile(download.body, gunzip);
  const labelled = merged.sample.every((s) => s.label.some((l) => stringAt(merged, l.key) === 'pod'));
  assert.ok(labelled, 'every sample carries a pod label');
  assert.deepEqual(meta.totals, { 'samples/count': String(totals(merged)[0]), 'cpu/nanoseconds': String(totals(merged)[1]) });
  for (const pod of ['web-0', 'web-7']) {
    const own = await api('GET', `/api/v1/captures/${meta.id}/pods/${pod}.pb.gz`);
    assert.equal(own.status, 200);
    const ownFile = join(h.dir, `${pod}.pb.gz`);
    writeFileSync(ownFile, own.body);
    assert.deepEqual(
      (await rawTotals(file, [`-tagfocus=pod=^${pod}$`])).totals,
      (await rawTotals(ownFile)).totals,
      `${pod}'s share of the merged profile is its own profile`,
    );
  }
});

test('a heap capture by label selector, started with ?async=true and polled until done', async () => {
  const started = await api('POST', '/api/v1/captures?async=true', { namespace: 'team-a', selector: 'app=web', type: 'heap' });
  assert.equal(started.status, 202, started.text);
  const first = JSON.parse(started.text) as CaptureMeta;
  assert.equal(first.status, 'running');
  let meta = first;
  for (let i = 0; i < 100 && meta.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    meta = JSON.parse((await api('GET', `/api/v1/captures/${first.id}`)).text) as CaptureMeta;
  }
  assert.equal(meta.status, 'done');
  assert.equal((await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`)).status, 200, 'done means downloadable');
  assert.equal(meta.pods.length, 10);
  assert.deepEqual(Object.keys(meta.totals ?? {}), [
    'alloc_objects/count',
    'alloc_space/bytes',
    'inuse_objects/count',
    'inuse_space/bytes',
  ]);
  const list = JSON.parse((await api('GET', '/api/v1/captures?namespace=team-a')).text) as { items: CaptureMeta[] };
  assert.equal(list.items[0]?.id, meta.id, 'newest first');
  assert.equal(list.items.length, 2);
  assert.equal((await api('GET', '/api/v1/captures?namespace=other')).text, '{"items":[]}');
  const audit = harness().logs.filter((l) => l.includes('"outcome":"capture-started"'));
  assert.match(audit[0] ?? '', /"method":"POST","path":"\/api\/v1\/captures".*"target":"team-a -l app=web"/);
});

test('a selector or workload that matches no pod is a 404 that says so', async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'statefulset/db', type: 'heap' });
  assert.equal(r.status, 404);
  assert.deepEqual(jsonError(r).code, 'PODPROF_NO_TARGETS');
  assert.match(jsonError(r).message, /no injected pods match team-a statefulset\/db/);
});
