// The real `podprof gateway` (the built bundle) when the store replicas share
// stops answering (its directory replaced by a file, so every read fails):
// sign-in, a one-time link and a session answer 503 PODPROF_STORE_UNAVAILABLE
// naming the store, never a crash or a silent logout; /readyz turns 503 with
// the reason as JSON, and both recover once the store is back. A gateway that
// starts without a reachable store is not ready and says the session key is missing.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CliProcess } from '../kit/product/cli-process.ts';
import { startChildGateway, startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';

let h: Harness;
let gw: CliProcess;
let shared: string;

before(async () => {
  h = await startHarness({ pods: 1 });
  shared = join(h.dir, 'shared');
  gw = await startChildGateway(h, ['--shared-dir', shared]);
});
after(async () => {
  await gw?.close();
  await h?.close();
});

async function readyz(on: CliProcess): Promise<{ status: number; body: { ready: boolean; missing?: Record<string, string> } }> {
  const r = await fetch(`${on.healthUrl}/readyz`);
  return { status: r.status, body: (await r.json()) as { ready: boolean; missing?: Record<string, string> } };
}

test('with the shared store failing, sign-in, links and sessions answer 503 naming the store, /readyz says why; both recover with the store', async () => {
  const signIn = (): Promise<Awaited<ReturnType<typeof httpsRequest>>> =>
    httpsRequest(`${gw.url}/api/v1/session`, { method: 'POST', headers: bearer(h.token) });
  const ok = await signIn();
  assert.equal(ok.status, 201, ok.text);
  const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
  assert.equal((await readyz(gw)).status, 200);

  renameSync(shared, `${shared}.away`);
  writeFileSync(shared, 'not a directory');
  try {
    const refused = await signIn();
    assert.equal(refused.status, 503, refused.text);
    const body = JSON.parse(refused.text) as { code: string; message: string };
    assert.equal(body.code, 'PODPROF_STORE_UNAVAILABLE');
    assert.match(body.message, new RegExp(`the store replicas share \\(dir ${shared}`));
    await new Promise((r) => setTimeout(r, 1100)); // past --session-cache: the record must be read again
    const session = await httpsRequest(`${gw.url}/api/v1/session`, { headers: { cookie } });
    assert.equal(session.status, 503, `a session is not silently logged out: ${session.text}`);
    const { namespace, name } = h.pods[0]!;
    const link = await httpsRequest(`${gw.url}/api/v1/links`, {
      method: 'POST',
      headers: { ...bearer(h.token), 'content-type': 'application/json' },
      body: JSON.stringify({ namespace, pod: name, type: 'heap' }),
    });
    assert.equal(link.status, 503, link.text);
    const ready = await readyz(gw);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.ready, false);
    assert.match(ready.body.missing?.store ?? '', new RegExp(`dir ${shared}: .*ENOTDIR`));
    assert.ok(gw.alive());
  } finally {
    rmSync(shared);
    renameSync(`${shared}.away`, shared);
  }
  assert.equal((await readyz(gw)).status, 200);
  assert.equal((await httpsRequest(`${gw.url}/api/v1/session`, { headers: { cookie } })).status, 200, 'the session outlived the outage');
});

test('a gateway started while its shared store fails is not ready and says the session key and the store are missing', async () => {
  const broken = join(h.dir, 'broken');
  mkdirSync(h.dir, { recursive: true });
  writeFileSync(broken, 'not a directory');
  const other = await startChildGateway(h, ['--shared-dir', broken]);
  try {
    const ready = await readyz(other);
    assert.equal(ready.status, 503);
    assert.deepEqual(Object.keys(ready.body.missing ?? {}).sort(), ['sessionKey', 'store']);
    const r = await httpsRequest(`${other.url}/api/v1/session`, { method: 'POST', headers: bearer(h.token) });
    assert.equal(r.status, 503, r.text);
    assert.match(r.text, /the session key is not loaded/);
  } finally {
    await other.close();
  }
});
