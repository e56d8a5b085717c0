// Three real `podprof gateway` processes (the built bundle) sharing nothing but
// one store directory (--shared-dir), each with its own capture store, behind
// no load balancer: the tests pick the replica. A one-time link minted on A is
// spent by the real `go tool pprof` on B and refused on C; of racing spends on
// all three exactly one succeeds; a session cookie made on A works on B, a
// logout on C ends it everywhere within --session-cache, a restarted replica
// keeps its users signed in; per-user link and session caps hold across
// replicas, for racing mints and sign-ins too (some racing ones are refused).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { CliProcess } from '../kit/product/cli-process.ts';
import { startChildGateway, startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const run = promisify(execFile);
const GO = process.env.GO ?? '/usr/local/go/bin/go';
const CACHE_MS = 500;
let h: Harness;
let shared: string;
const replicas: CliProcess[] = [];
const args = (): string[] => [
  ...['--shared-dir', shared, '--session-cache', `${CACHE_MS}ms`],
  ...['--max-links-per-user', '3', '--max-sessions-per-user', '2'],
];

before(async () => {
  h = await startHarness({ pods: 1 });
  shared = join(h.dir, 'shared');
  // One at a time: the first makes the session key in the store, the others read it.
  for (let i = 0; i < 3; i++) replicas.push(await startChildGateway(h, args()));
});
after(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await h?.close();
});

const A = (): CliProcess => replicas[0]!;
const B = (): CliProcess => replicas[1]!;
const C = (): CliProcess => replicas[2]!;
const pod = (): string => `/api/v1/namespaces/${h.pods[0]!.namespace}/pods/${h.pods[0]!.name}/debug/pprof/heap`;

async function mint(on: CliProcess, token = h.token): Promise<Reply> {
  const { namespace, name } = h.pods[0]!;
  return httpsRequest(`${on.url}/api/v1/links`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ namespace, pod: name, type: 'heap' }),
  });
}

/** The link's secret, from the URL the API answered with. */
async function secretFrom(on: CliProcess, token = h.token): Promise<string> {
  const r = await mint(on, token);
  assert.equal(r.status, 201, r.text);
  return decodeURIComponent(new URL((JSON.parse(r.text) as { url: string }).url).password);
}

/** A GET as go tool pprof sends a link: the secret as Basic auth. */
const spend = (on: CliProcess, secret: string): Promise<Reply> =>
  httpsRequest(`${on.url}${pod()}`, { headers: { authorization: `Basic ${Buffer.from(`pprof:${secret}`).toString('base64')}` } });

async function signIn(on: CliProcess, token = h.token): Promise<string> {
  const r = await httpsRequest(`${on.url}/api/v1/session`, { method: 'POST', headers: bearer(token) });
  assert.equal(r.status, 201, r.text);
  return String(r.headers['set-cookie']).split(';')[0]!;
}
const whoami = async (on: CliProcess, cookie: string): Promise<number> =>
  (await httpsRequest(`${on.url}/api/v1/session`, { headers: { cookie } })).status;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a one-time link minted on A is spent by the real go tool pprof on B, then refused on C', async () => {
  const secret = await secretFrom(A());
  const url = `https+insecure://pprof:${encodeURIComponent(secret)}@127.0.0.1:${B().port}${pod()}`;
  const out = await run(GO, ['tool', 'pprof', '-raw', url], { env: { ...process.env, PPROF_TMPDIR: h.dir }, timeout: 60_000 });
  assert.match(out.stdout, /Samples:/);
  const again = await spend(C(), secret);
  assert.equal(again.status, 401, again.text);
  assert.match(again.text, /PODPROF_LINK_INVALID: this link was already used or has expired/);
  for (const r of replicas) assert.ok(!r.logs.join('\n').includes(secret), 'the secret is in no replica’s log');
});

test('of one link spent at once on all three replicas, exactly one spend succeeds', async () => {
  for (let round = 0; round < 3; round++) {
    const secret = await secretFrom(replicas[round]!);
    const statuses = (await Promise.all(replicas.map((r) => spend(r, secret)))).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 401, 401], `round ${round}`);
  }
});

test('a session cookie made on A works on B; a logout on C ends it on every replica within --session-cache', async () => {
  const cookie = await signIn(A());
  assert.equal(await whoami(B(), cookie), 200);
  assert.equal(await whoami(C(), cookie), 200);
  const out = await httpsRequest(`${C().url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-podprof-request': '1' } });
  assert.equal(out.status, 204);
  assert.equal(await whoami(C(), cookie), 401, 'at once on the replica that logged out');
  await sleep(CACHE_MS + 100);
  assert.deepEqual(await Promise.all(replicas.map((r) => whoami(r, cookie))), [401, 401, 401]);
});

test('a replica restarted keeps its users signed in', async () => {
  const cookie = await signIn(A());
  await A().close();
  replicas[0] = await startChildGateway(h, args());
  assert.equal(await whoami(A(), cookie), 200);
});

test("a user's open links are capped across replicas, sequential mints and racing ones alike", async () => {
  const carol = await h.addUser('carol');
  assert.equal((await mint(A(), carol)).status, 201);
  assert.equal((await mint(B(), carol)).status, 201);
  assert.equal((await mint(C(), carol)).status, 201);
  for (const r of replicas) {
    const refused = await mint(r, carol);
    assert.equal(refused.status, 429, refused.text);
    assert.match(refused.text, /carol has 3 open links/);
  }
  const dave = await h.addUser('dave');
  const racing = await Promise.all(replicas.flatMap((r) => [mint(r, dave), mint(r, dave), mint(r, dave)]));
  const made = racing.filter((r) => r.status === 201).length;
  assert.ok(made <= 3, `${made} of 9 racing mints succeeded`);
  assert.ok(
    racing.every((r) => r.status === 201 || r.status === 429),
    racing.map((r) => r.status).join(','),
  );
  for (let i = made; i < 3; i++) assert.equal((await mint(replicas[i]!, dave)).status, 201, 'refused racing mints left no record');
  assert.equal((await mint(A(), dave)).status, 429);
});

test("a user's sessions are capped across replicas: a sign-in past the cap ends that user's oldest everywhere", async () => {
  const erin = await h.addUser('erin');
  const first = await signIn(A(), erin);
  const second = await signIn(B(), erin);
  const third = await signIn(C(), erin);
  await sleep(CACHE_MS + 100);
  assert.deepEqual(await Promise.all(replicas.map((r) => whoami(r, first))), [401, 401, 401], 'the oldest went');
  for (const c of [second, third]) assert.deepEqual(await Promise.all(replicas.map((r) => whoami(r, c))), [200, 200, 200]);
  const frank = await h.addUser('frank');
  const racing = await Promise.all(replicas.flatMap((r) => [signIn(r, frank), signIn(r, frank)]));
  await sleep(CACHE_MS + 100);
  const live = (await Promise.all(racing.map((c) => whoami(A(), c)))).filter((s) => s === 200).length;
  assert.ok(live >= 1 && live <= 2, `${live} of 6 racing sign-ins left live`);
});
