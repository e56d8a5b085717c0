// Attacks 6–9 of docs/security.md against the real `podprof gateway` (the built
// bundle, a child process): thousands of unauthenticated requests with random
// 4 KB paths add no metric series and cost bounded memory; silent TCP and TLS
// connections are closed and capped per source address while another address
// is served; /sd/targets answers `heap` asked 3,000 times as `heap` once; one
// user's 10,000 sign-ins log nobody else out. Figures go to the diagnostics.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import type { CliProcess } from '../kit/product/cli-process.ts';
import { startChildGateway, startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { rssMiB } from '../kit/measure/rss.ts';
import { allClosedWithin, closeAll, openSilent, stillOpen } from '../kit/net/silent-connections.ts';

const PER_ADDRESS = 64;
let h: Harness;
let gw: CliProcess;

before(async () => {
  h = await startHarness({ pods: 2 });
  gw = await startChildGateway(h, [
    '--header-timeout',
    '2s',
    '--max-connections-per-address',
    String(PER_ADDRESS),
    '--max-connections',
    '1000',
  ]);
});
after(async () => {
  await gw?.close();
  await h?.close();
});

const metricsText = async (): Promise<string> => (await fetch(`${gw.healthUrl}/metrics`)).text();
const series = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
const openConnections = async (): Promise<number> =>
  Number(/^podprof_gateway_connections_open\{port="main"\} (\d+)$/m.exec(await metricsText())?.[1]);

/** `n` requests through `agent`, `concurrency` at a time; the statuses seen. */
async function flood(n: number, concurrency: number, one: (i: number) => Promise<number>): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const s = await one(i);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

test('2,000 unauthenticated requests with random 4 KB paths add no metric series and cost bounded memory', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
  const ask = (path: string): Promise<number> =>
    httpsRequest(`${gw.url}${path}`, { agent, headers: { accept: 'application/json' } }).then((r) => r.status);
  // One of each kind first: the series an unauthenticated caller may touch at all.
  assert.equal(await ask(`/api/v1/${randomBytes(8).toString('hex')}`), 401);
  assert.equal(await ask(`/${randomBytes(8).toString('hex')}`), 404);
  const before = series(await metricsText()).filter((s) => s.startsWith('podprof_gateway_request'));
  const rssBefore = rssMiB(gw.child.pid!);
  const statuses = await flood(2000, 8, (i) =>
    ask(i % 2 === 0 ? `/api/v1/${randomBytes(2048).toString('hex')}` : `/sd/${randomBytes(2048).toString('hex')}`),
  );
  const text = await metricsText();
  const afterSeries = series(text).filter((s) => s.startsWith('podprof_gateway_request'));
  const rssAfter = rssMiB(gw.child.pid!);
  agent.destroy();
  assert.deepEqual([...statuses.keys()], [401], 'every one is refused unauthenticated');
  assert.deepEqual(afterSeries, before, 'no new series: routes and statuses come from fixed sets');
  assert.ok(text.length < 64 * 1024, `/metrics is ${text.length} bytes`);
  assert.ok(rssAfter - rssBefore < 64, `RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`);
  t.diagnostic(
    `2,000 random 4 KB paths: RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB, /metrics ${text.length} bytes, ${afterSeries.length} request series before and after`,
  );
});

test('silent TCP and TLS connections are closed after --header-timeout, and held open only up to the per-address cap', async (t) => {
  const started = Date.now();
  const silent = [...(await openSilent(gw.port, 40, { tls: false })), ...(await openSilent(gw.port, 20, { tls: true }))];
  assert.equal(stillOpen(silent), 60);
  assert.ok(await allClosedWithin(silent, 8000), `${stillOpen(silent)} of 60 silent connections still open after 8 s`);
  const closedMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await openConnections(), 0, 'the gateway holds none of them');
  // Past the per-address cap a new connection is closed at accept; another address is still served.
  const held = await openSilent(gw.port, PER_ADDRESS + 20, { tls: false });
  try {
    const refused = held.filter((c) => c.refused).length;
    assert.equal(refused, 20, `${refused} of ${PER_ADDRESS + 20} refused`);
    const other = await httpsRequest(`${gw.url}/api/v1/pods`, { headers: bearer(h.token), localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, 'a caller from another address is answered while 127.0.0.1 is at its cap');
    t.diagnostic(
      `60 silent connections (40 TCP, 20 TLS) all closed within ${closedMs} ms (--header-timeout 2s); ${refused} connections past the cap of ${PER_ADDRESS} refused at accept; 127.0.0.2 answered 200`,
    );
  } finally {
    closeAll(held);
  }
  const m = await metricsText();
  assert.match(m, /^podprof_gateway_connections_refused_total\{port="main"\} (\d+)$/m);
  assert.ok(Number(/^podprof_gateway_connections_refused_total\{port="main"\} (\d+)$/m.exec(m)?.[1]) >= 20);
});

test('/sd/targets takes each type once: `heap` asked 3,000 times is answered as `heap`', async (t) => {
  const get = (query: string, headers: Record<string, string> = {}): ReturnType<typeof httpsRequest> =>
    httpsRequest(`${gw.url}/sd/targets${query}`, { headers: { ...bearer(h.token), ...headers } });
  const once = await get('?types=heap');
  const many = await get(`?types=${Array.from({ length: 3000 }, () => 'heap').join(',')}`);
  assert.equal(once.status, 200);
  assert.equal(many.status, 200, many.text.slice(0, 200));
  assert.equal(many.body.length, once.body.length, 'the same answer');
  assert.deepEqual(JSON.parse(many.text), JSON.parse(once.text));
  assert.equal((await get('?namespace=../../etc')).status, 400, 'a namespace that is no namespace name');
  assert.equal((await get('', { host: 'evil.example"}]' })).status, 400, 'a Host that is no host[:port]');
  t.diagnostic(`types=heap ×3000 (15 KB query): ${many.body.length} bytes, the same as types=heap once`);
});

test("one user's 10,000 sign-ins are rate-limited and log nobody else out", async (t) => {
  const alice = await httpsRequest(`${gw.url}/api/v1/session`, { method: 'POST', headers: bearer(h.token) });
  assert.equal(alice.status, 201, alice.text);
  const cookie = String(alice.headers['set-cookie']).split(';')[0]!;
  assert.match(cookie, /^__Host-podprof_session=/);
  // Mallory is another token of the harness's static file: a second user.
  const mallory = await h.addUser('mallory@example.com');
  const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
  const started = Date.now();
  const statuses = await flood(10_000, 16, () =>
    httpsRequest(`${gw.url}/api/v1/session`, { method: 'POST', agent, headers: bearer(mallory) }).then((r) => r.status),
  );
  agent.destroy();
  const ms = Date.now() - started;
  const created = statuses.get(201) ?? 0;
  assert.ok(created <= 20, `${created} sessions created`);
  assert.equal(created + (statuses.get(429) ?? 0), 10_000, JSON.stringify([...statuses]));
  const whoami = await httpsRequest(`${gw.url}/api/v1/session`, { headers: { cookie } });
  assert.equal(whoami.status, 200, "alice's session is alive");
  t.diagnostic(
    `10,000 sign-ins by one user in ${ms} ms: ${created} sessions, ${statuses.get(429) ?? 0} answered 429; the other user's cookie still answers 200`,
  );
});
