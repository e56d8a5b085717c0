// "A pod whose app died shows ready until a capture fails": the pod list now
// says whether each pod's app answers its sidecar. A real Go app is SIGKILLed
// while its sidecar runs: GET /api/v1/pods comes to say "not answering" with
// the sidecar's reason while the other pod's app still answers, and the
// sidecar stays ready (its readiness never follows the app: docs/adr/0002).
// The sidecar's GET /podprof/upstream answers only a token bound to its pod,
// once, and never a request without one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import type { PodList, PodView } from '../../src/api/types.ts';
import { useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, startInProcess } from '../kit/product/sidecar.ts';

const apps: GoTarget[] = [];
const harness = useHarness({
  pods: 2,
  app: async () => {
    const app = await startGoTarget({ args: ['-cpu-workers', '1'] });
    apps.push(app);
    return app;
  },
});

async function pods(): Promise<PodView[]> {
  const h = harness();
  const r = await httpsRequest(`${h.url}/api/v1/pods`, { headers: bearer(h.token) });
  assert.equal(r.status, 200, r.text);
  return [...(JSON.parse(r.text) as PodList).items].sort((a, b) => a.name.localeCompare(b.name));
}

/** Lists the pods until `ok` holds (the sidecar keeps its check 5 s, the gateway 10 s), at most 60 s. */
async function listUntil(ok: (p: PodView[]) => boolean): Promise<PodView[]> {
  const end = Date.now() + 60_000;
  for (;;) {
    const p = await pods();
    if (ok(p)) return p;
    if (Date.now() > end) assert.fail(`the pod list never came to it: ${JSON.stringify(p.map((x) => [x.name, x.upstream]))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test("a SIGKILLed app shows as not answering in the pod list, with the sidecar's reason, while the pod and its sidecar stay ready", async () => {
  const h = harness();
  const before = await listUntil((p) => p.every((x) => x.upstream.state === 'answering'));
  assert.match(before[0]!.upstream.detail, /^answered 200$/);
  assert.ok(!Number.isNaN(Date.parse(before[0]!.upstream.checkedAt ?? '')), 'the time of the check');

  const web0 = apps.find((a) => h.pods[0]!.app.url === a.url)!;
  process.kill(web0.pid, 'SIGKILL');
  const after = await listUntil((p) => p[0]!.upstream.state === 'not answering');
  assert.equal(after[0]!.name, 'web-0');
  assert.match(after[0]!.upstream.detail, /ECONNREFUSED/);
  assert.equal(after[1]!.upstream.state, 'answering', 'the other pod still answers');
  assert.equal(after[0]!.routable, true, 'the pod is still routable: nothing took it out of service');

  const ready = await fetch(`${h.pods[0]!.sidecar.healthUrl}/readyz`);
  assert.equal(ready.status, 200, 'the sidecar stays ready');
  assert.equal(((await ready.json()) as { upstream: { ok: boolean } }).upstream.ok, false, 'and reports the upstream in its body');
  // The sidecar's audit log names who asked.
  assert.ok(
    h.pods[0]!.sidecar.logs.some((l) => l.includes('"type":"upstream"') && l.includes('podprof-gateway (pod list)')),
    'an audit line for the check',
  );
});

test('GET /podprof/upstream answers only a token bound to its pod, once', async (t) => {
  const keys = makeKeys();
  const app = await startGoTarget({ args: ['-cpu-workers', '1'] });
  t.after(() => app.stop());
  const sidecar = await startInProcess(keys, app.url);
  t.after(() => sidecar.close());
  const url = `${sidecar.url}/podprof/upstream`;
  const none = await httpsRequest(url);
  assert.equal(none.status, 401, none.text);
  const other = await httpsRequest(url, { headers: bearer(mint(keys, 'heap', { pod: 'another-pod' })) });
  assert.equal(other.status, 403, other.text);
  assert.match(other.text, /PODPROF_TOKEN_WRONG_POD/);
  const token = mint(keys, 'symbol', { maxSeconds: 0 });
  const ok = await httpsRequest(url, { headers: bearer(token) });
  assert.equal(ok.status, 200, ok.text);
  const body = JSON.parse(ok.text) as { upstream: string; detail: string; checkedAt: string };
  assert.deepEqual([body.upstream, body.detail], ['answering', 'answered 200']);
  const again = await httpsRequest(url, { headers: bearer(token) });
  assert.equal(again.status, 401, again.text);
  assert.match(again.text, /PODPROF_TOKEN_REPLAYED/);
});
