// Attack 3 of docs/security.md: a pod's app answers a capture with a gzip bomb
// (1 MiB of gzip, 1 GiB of zeros inflated) or a 100 MiB body. The real
// `podprof gateway` (the built bundle, a child process) refuses both, each pod's
// error naming the limit, while another client keeps getting answers, and its
// RSS stays under the memory limit of manifests/gateway/deployment.yaml. The
// figures (peak RSS, the other client's slowest answer) are printed for the note.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CliProcess } from '../kit/product/cli-process.ts';
import { jsonError, startChildGateway, startHarness, type Harness } from '../kit/product/gateway.ts';
import { gzipBomb, startHostileApp } from '../kit/apps/hostile-app.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { rssMiB } from '../kit/measure/rss.ts';
import { REPO } from '../kit/product/sidecar.ts';
import type { CaptureMeta } from '../../src/api/types.ts';

const LIMIT_MIB = Number(
  /limits:\s*\n\s*memory:\s*(\d+)Mi/.exec(readFileSync(join(REPO, 'manifests/gateway/deployment.yaml'), 'utf8'))?.[1],
);
let h: Harness;
let gw: CliProcess;
let bomb: Buffer;

before(async () => {
  bomb = await gzipBomb(1024);
  const big = randomBytes(100 * 1024 * 1024);
  h = await startHarness({
    pods: 2,
    prefix: 'evil',
    app: (i) => (i === 0 ? startHostileApp(bomb, 'application/octet-stream') : startHostileApp(big, 'application/octet-stream')),
  });
  gw = await startChildGateway(h);
});
after(async () => {
  await gw?.close();
  await h?.close();
});

test('the manifest sets a memory limit for the gateway to stay under', () => {
  assert.ok(LIMIT_MIB >= 128 && LIMIT_MIB <= 4096, `limits.memory ${LIMIT_MIB}Mi`);
  assert.ok(bomb.length < 2 * 1024 * 1024, `the bomb is ${bomb.length} bytes of gzip`);
});

test('a gzip bomb and a 100 MiB body are refused naming their limits; another client keeps its answers and RSS stays under the limit', async (t) => {
  const capture = (pod: string): Promise<CaptureMeta> =>
    httpsRequest(`${gw.url}/api/v1/captures`, {
      method: 'POST',
      headers: { ...bearer(h.token), 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'team-a', pod, type: 'heap' }),
    }).then((r) => JSON.parse(r.text) as CaptureMeta);
  let done = false;
  const pid = gw.child.pid!;
  const base = rssMiB(pid);
  let peak = base;
  const latencies: number[] = [];
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, rssMiB(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const other = (async () => {
    while (!done) {
      const started = performance.now();
      const r = await httpsRequest(`${gw.url}/api/v1/pods`, { headers: bearer(h.token) });
      latencies.push(performance.now() - started);
      assert.equal(r.status, 200, r.text);
      await new Promise((res) => setTimeout(res, 25));
    }
  })();
  const [bombed, oversized] = await Promise.all([capture('evil-0'), capture('evil-1')]);
  done = true;
  await Promise.all([sampler, other]);

  assert.equal(bombed.status, 'failed');
  assert.match(
    bombed.pods[0]!.error ?? '',
    /^the profile of team-a\/evil-0 is too large: it decompresses to more than 256 MiB \(--max-decoded-bytes\)$/,
  );
  assert.equal(oversized.status, 'failed');
  assert.match(oversized.pods[0]!.error ?? '', /^the profile of team-a\/evil-1 is larger than 64 MiB \(--max-profile-bytes\)$/);
  const dl = await httpsRequest(`${gw.url}/api/v1/captures/${bombed.id}/profile.pb.gz`, { headers: bearer(h.token) });
  assert.equal(dl.status, 404);
  assert.match(jsonError(dl).message, /it failed: evil-0: the profile of team-a\/evil-0 is too large/);

  latencies.sort((a, b) => a - b);
  assert.ok(latencies.length >= 3, `the other client got ${latencies.length} answers while the captures ran`);
  assert.ok(peak < LIMIT_MIB, `peak RSS ${peak.toFixed(0)} MiB stays under the manifest's ${LIMIT_MIB}Mi`);
  t.diagnostic(
    `gateway RSS ${base.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while the bomb was decoded (limit ${LIMIT_MIB}Mi); the other client got ${latencies.length} answers, median ${latencies[latencies.length >> 1]!.toFixed(1)} ms, slowest ${latencies.at(-1)!.toFixed(1)} ms`,
  );
  assert.ok(gw.alive());
});

test('past --max-captures-per-user a capture is a 429 with Retry-After', async () => {
  const post = (): Promise<{ status: number; headers: Record<string, unknown>; text: string }> =>
    httpsRequest(`${gw.url}/api/v1/captures?async=true`, {
      method: 'POST',
      headers: { ...bearer(h.token), 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'team-a', pod: 'evil-1', type: 'profile', seconds: 3 }),
    });
  const [a, b] = [await post(), await post()];
  assert.deepEqual([a.status, b.status], [202, 202], `${a.text} ${b.text}`);
  const c = await post();
  assert.equal(c.status, 429, c.text);
  assert.equal(jsonError(c).code, 'PODPROF_TOO_MANY_CAPTURES');
  assert.match(jsonError(c).message, /has 2 captures running \(--max-captures-per-user 2\)/);
  assert.ok(Number(c.headers['retry-after']) >= 1, String(c.headers['retry-after']));
});
