// If the app serves pprof on the pod IP too, the sidecar protects nothing: it
// says so in the log, /readyz and a metric. Readiness itself stays up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { makeKeys, startInProcess } from '../kit/product/sidecar.ts';

const keys = makeKeys();
let target: GoTarget;
before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
});
after(() => target.stop());

async function readyz(url: string): Promise<{ ready: boolean; upstream: { ok: boolean }; bypass: { exposed?: boolean; detail?: string } }> {
  return (await (await fetch(`${url}/readyz`)).json()) as never;
}

test('pprof answering on the pod IP is reported in the log, /readyz and the metric', async () => {
  // The fixture listens on 127.0.0.1; declaring that as the pod IP is what an app bound to 0.0.0.0 looks like.
  const s = await startInProcess(keys, target.url, ['--pod-ip', '127.0.0.1']);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const body = await readyz(s.healthUrl);
    assert.equal(body.ready, true);
    assert.equal(body.bypass.exposed, true);
    assert.match(body.bypass.detail ?? '', /bypass the sidecar/);
    assert.match(await (await fetch(`${s.healthUrl}/metrics`)).text(), /^podprof_sidecar_pprof_exposed 1$/m);
    assert.ok(s.logs.some((l) => l.includes('"level":"warn"') && l.includes('reachable on the pod IP')));
  } finally {
    await s.close();
  }
});

test('pprof on loopback only is reported as not exposed', async () => {
  const s = await startInProcess(keys, target.url, ['--pod-ip', '127.0.0.77']);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const body = await readyz(s.healthUrl);
    assert.equal(body.bypass.exposed, false);
    assert.equal(body.upstream.ok, true);
    assert.match(await (await fetch(`${s.healthUrl}/metrics`)).text(), /^podprof_sidecar_pprof_exposed 0$/m);
  } finally {
    await s.close();
  }
});

test('/readyz reports an app that is down without failing readiness, /healthz answers', async () => {
  const s = await startInProcess(keys, 'http://127.0.0.1:1');
  try {
    const body = await readyz(s.healthUrl);
    assert.equal(body.ready, true);
    assert.equal(body.upstream.ok, false);
    assert.equal((await fetch(`${s.healthUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${s.healthUrl}/nope`)).status, 404);
  } finally {
    await s.close();
  }
});
