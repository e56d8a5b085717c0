// When some pods of a fan-out fail, the capture is partial and says which pod
// failed and why, in the words of whoever refused: the sidecar's 429 (its CPU
// profiler is held by another capture), Go's own 500 (the profiler is held by a
// direct request to the app), the sidecar's 502 (the app is gone). When every
// pod fails the capture is stored as failed and has nothing to download.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { CaptureMeta } from '../../src/api/types.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { stringAt } from '../../src/profile/values.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const gunzip = nodeGunzip();

const harness = useHarness({ pods: 3 });

function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A plain HTTP GET straight to a Go fixture, past podprof; resolves when it ends. */
function direct(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

const podOf = (m: CaptureMeta, name: string): CaptureMeta['pods'][number] => m.pods.find((p) => p.pod === name)!;

test('a CPU fan-out where one sidecar is busy (429) and one app profiler is held (Go 500) is partial and says why', async () => {
  const h = harness();
  // web-0: the sidecar's CPU slot is held by a 3 s capture through the gateway.
  const viaGateway = api('GET', '/api/v1/namespaces/team-a/pods/web-0/debug/pprof/profile?seconds=3');
  // web-1: Go's CPU profiler is held by a request straight to the app.
  const straight = direct(`${h.pods[1]!.app.url}/debug/pprof/profile?seconds=3`);
  await new Promise((r) => setTimeout(r, 400));
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'profile', seconds: 1 });
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'partial');
  const busy = podOf(meta, 'web-0');
  assert.equal(busy.status, 'failed');
  assert.equal(busy.httpStatus, 429);
  assert.equal(busy.code, 'PODPROF_PROFILER_BUSY');
  assert.match(
    busy.error ?? '',
    /^429: PODPROF_PROFILER_BUSY: the CPU profiler of this pod is busy with another 3s capture; it frees up in about \d+s/,
  );
  // When it frees up, from the 429's Retry-After: after the held capture's end, within its length and a second.
  const retryIn = Date.parse(busy.retryAt ?? '') - Date.parse(meta.createdAt);
  assert.ok(retryIn > 0 && retryIn <= 4_500, `retryAt ${busy.retryAt} is ${retryIn} ms after the capture began`);
  const held = podOf(meta, 'web-1');
  assert.equal(held.httpStatus, 500);
  assert.match(held.error ?? '', /^500: Could not enable CPU profiling: cpu profiling already in use/);
  assert.equal(podOf(meta, 'web-2').status, 'ok');
  const merged = await decodeProfile((await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`)).body, gunzip);
  const pods = new Set(
    merged.sample.flatMap((s) => s.label.filter((l) => stringAt(merged, l.key) === 'pod').map((l) => stringAt(merged, l.str))),
  );
  assert.deepEqual([...pods], ['web-2'], 'only the pod that answered is in the merged profile');
  assert.equal((await viaGateway).status, 200);
  assert.equal(await straight, 200);
});

test('a pod whose app is gone fails with the sidecar 502 while the others are merged', async () => {
  const h = harness();
  await h.pods[2]!.app.stop();
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', selector: 'app=web', type: 'heap' });
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'partial', r.text);
  const gone = podOf(meta, 'web-2');
  assert.equal(gone.httpStatus, 502);
  assert.equal(gone.code, 'PODPROF_UPSTREAM_UNAVAILABLE');
  assert.match(gone.error ?? '', /^502: PODPROF_UPSTREAM_UNAVAILABLE: .*— the app does not answer on its pprof port/);
  assert.deepEqual(
    meta.pods.filter((p) => p.status === 'ok').map((p) => p.pod),
    ['web-0', 'web-1'],
  );
  assert.equal(gone.file, undefined);
});

test('when every pod fails the capture is stored as failed, and downloading it says why', async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-2', type: 'heap' });
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'failed');
  assert.match(meta.error ?? '', /^web-2: 502: PODPROF_UPSTREAM_UNAVAILABLE/);
  assert.equal(meta.file, undefined);
  const d = await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(d.status, 404);
  assert.match(jsonError(d).message, new RegExp(`capture ${meta.id} has no profile.pb.gz: it failed: web-2: 502`));
  assert.equal((JSON.parse((await api('GET', `/api/v1/captures/${meta.id}`)).text) as CaptureMeta).status, 'failed');
});
