// The capture store outlives the gateway: a new gateway on the same --store-dir
// lists and serves what the old one stored. After a crash nothing half-written
// is listed: temp dirs are removed, a capture whose meta.json still says
// "running" is reported failed (its partial files removed) — whether left by a
// real SIGKILL of `podprof gateway` mid-capture or planted by hand — and a
// graceful stop during a capture stores it as failed, saying so.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CRASHED } from '../../gateway/captures/recover.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';

const harness = useHarness({ pods: 2 });

function api(method: string, path: string, body?: unknown, url = harness().url): Promise<Reply> {
  return httpsRequest(`${url}${path}`, {
    method,
    headers: { ...bearer(harness().token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function meta(id: string): Promise<CaptureMeta> {
  return JSON.parse((await api('GET', `/api/v1/captures/${id}`)).text) as CaptureMeta;
}

test('a new gateway on the same store lists and serves the captures of the old one', async () => {
  const created = JSON.parse(
    (await api('POST', '/api/v1/captures', { namespace: 'team-a', selector: 'app=web', type: 'heap' })).text,
  ) as CaptureMeta;
  const before = (await api('GET', `/api/v1/captures/${created.id}/profile.pb.gz`)).body;
  await harness().restartGateway();
  const list = JSON.parse((await api('GET', '/api/v1/captures')).text) as { items: CaptureMeta[] };
  assert.deepEqual(
    list.items.map((m) => [m.id, m.status]),
    [[created.id, 'done']],
  );
  assert.ok((await api('GET', `/api/v1/captures/${created.id}/profile.pb.gz`)).body.equals(before));
  assert.equal((await api('GET', `/api/v1/captures/${created.id}/pods/web-1.pb.gz`)).status, 200);
});

test('after a crash: temp dirs and directories without meta.json are removed, a capture left running is reported failed', async () => {
  const h = harness();
  const real = JSON.parse(
    readFileSync(
      join(
        h.storeDir,
        readdirSync(h.storeDir).find((n) => !n.startsWith('.'))!,
        'meta.json',
      ),
      'utf8',
    ),
  ) as CaptureMeta;
  const running = {
    ...real,
    id: 'zzzzzzzz-00000000aa',
    status: 'running',
    file: undefined,
    pods: real.pods.map((p) => ({ ...p, status: 'running', file: undefined })),
  };
  mkdirSync(join(h.storeDir, running.id, 'pods'), { recursive: true });
  writeFileSync(join(h.storeDir, running.id, 'meta.json'), JSON.stringify(running));
  writeFileSync(join(h.storeDir, running.id, 'meta.json.tmp-0bad'), '{"half":');
  writeFileSync(join(h.storeDir, running.id, 'pods', 'web-0.pb.gz'), 'partial');
  mkdirSync(join(h.storeDir, '.tmp-zzzzzzzz-00000000aa', 'pods'), { recursive: true });
  writeFileSync(join(h.storeDir, '.tmp-zzzzzzzz-00000000aa', 'pods', 'web-1.pb.gz'), 'half a profile');
  mkdirSync(join(h.storeDir, 'zzzzzzzz-00000000bb'));
  await h.restartGateway();
  const list = JSON.parse((await api('GET', '/api/v1/captures')).text) as { items: CaptureMeta[] };
  assert.deepEqual(
    list.items.map((m) => [m.id, m.status]).sort(),
    [
      [real.id, 'done'],
      [running.id, 'failed'],
    ].sort(),
  );
  const failed = await meta(running.id);
  assert.equal(failed.error, CRASHED);
  assert.ok(failed.pods.every((p) => p.status === 'failed' && p.error === CRASHED));
  assert.deepEqual(readdirSync(join(h.storeDir, running.id)), ['meta.json']);
  assert.ok(!existsSync(join(h.storeDir, '.tmp-zzzzzzzz-00000000aa')) && !existsSync(join(h.storeDir, 'zzzzzzzz-00000000bb')));
  assert.equal((await api('GET', `/api/v1/captures/${running.id}/profile.pb.gz`)).status, 404);
});

test('a gateway stopped gracefully during a capture stores it as failed, saying so', async () => {
  const started = await api('POST', '/api/v1/captures?async=true', {
    namespace: 'team-a',
    workload: 'deployment/web',
    type: 'profile',
    seconds: 20,
  });
  assert.equal(started.status, 202);
  const { id } = JSON.parse(started.text) as CaptureMeta;
  await new Promise((r) => setTimeout(r, 300));
  const early = await api('GET', `/api/v1/captures/${id}/profile.pb.gz`);
  assert.equal(early.status, 409);
  assert.equal(jsonError(early).code, 'PODPROF_CAPTURE_RUNNING');
  assert.equal((await api('DELETE', `/api/v1/captures/${id}`)).status, 409);
  assert.equal((await meta(id)).pods.filter((p) => p.status === 'running').length, 2, 'progress: both pods running');
  const t0 = Date.now();
  await harness().restartGateway();
  assert.ok(Date.now() - t0 < 5000, 'the capture was aborted, not waited for');
  const m = await meta(id);
  assert.equal(m.status, 'failed');
  assert.ok(
    m.pods.every((p) => p.error === 'the gateway shut down during the capture'),
    JSON.stringify(m.pods),
  );
});

test('podprof gateway killed with SIGKILL mid-capture: the next gateway reports that capture failed', async () => {
  const h = harness();
  const args = [
    'gateway',
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--auth',
    'static',
    '--tokens-file',
    join(h.dir, 'tokens.csv'),
    '--authz',
    'allow-all',
    '--discovery',
    'static',
    '--targets-file',
    join(h.dir, 'targets.json'),
    '--signing-key-file',
    h.keys.keyFile,
    '--store-dir',
    h.storeDir,
    '--sidecar-ca-file',
    h.sidecarCaFile,
  ];
  await h.gateway.close();
  const child = spawn(NODE, [join(REPO, 'bin/podprof.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`podprof gateway exited ${code}: ${out}`)));
  });
  const started = await api(
    'POST',
    '/api/v1/captures?async=true',
    { namespace: 'team-a', pod: 'web-0', type: 'profile', seconds: 20 },
    `https://127.0.0.1:${port}`,
  );
  assert.equal(started.status, 202, started.text);
  const { id } = JSON.parse(started.text) as CaptureMeta;
  assert.ok(existsSync(join(h.storeDir, `.tmp-${id}`)));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  assert.equal(
    (JSON.parse(readFileSync(join(h.storeDir, id, 'meta.json'), 'utf8')) as CaptureMeta).status,
    'running',
    'the crash left it running on disk',
  );
  await h.restartGateway();
  const m = await meta(id);
  assert.equal(m.status, 'failed');
  assert.equal(m.error, CRASHED);
  assert.ok(!existsSync(join(h.storeDir, `.tmp-${id}`)));
});
