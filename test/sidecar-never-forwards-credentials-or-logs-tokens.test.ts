// Nothing the caller sends as a credential reaches the app, and no token or
// cookie ever appears in a log line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clearFixtureRequests, fixtureRequests, startGoTarget, type GoTarget } from './support/go-fixture.ts';
import { httpsRequest } from './support/http.ts';
import { makeKeys, mint, startInProcess, type TestSidecar } from './support/sidecar.ts';

const keys = makeKeys();
let target: GoTarget;
let sidecar: TestSidecar;
const secrets: string[] = [];

before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
  sidecar = await startInProcess(keys, target.url);
});
after(async () => {
  await sidecar.close();
  await target.stop();
});

test('Authorization, Cookie, proxy and hop-by-hop headers never reach the app', async () => {
  await clearFixtureRequests(target.url);
  const token = mint(keys, 'heap');
  secrets.push(token, 'session=s3cr3t-cookie');
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, {
    headers: {
      authorization: `Bearer ${token}`,
      cookie: 'session=s3cr3t-cookie',
      'proxy-authorization': 'Basic czNjcjN0',
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-user': 'admin',
      'x-api-key': 'k3y',
      connection: 'x-api-key, keep-alive',
      'keep-alive': 'timeout=5',
      'user-agent': 'pprof-test',
    },
  });
  assert.equal(r.status, 200);
  const [seen] = await fixtureRequests(target.url);
  assert.ok(seen, 'the app received the request');
  const names = Object.keys(seen.headers).map((h) => h.toLowerCase());
  for (const forbidden of ['authorization', 'cookie', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-user', 'x-api-key', 'keep-alive']) {
    assert.ok(!names.includes(forbidden), `${forbidden} reached the app`);
  }
  assert.deepEqual(seen.headers['User-Agent'], ['pprof-test']);
});

test('no token or cookie appears in any log line, whatever the outcome', async () => {
  const bad = mint(keys, 'heap', { pod: 'other' });
  const query = mint(keys, 'heap');
  secrets.push(bad, query);
  await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: { authorization: `Bearer ${bad}`, cookie: 'session=s3cr3t-cookie' } });
  await httpsRequest(`${sidecar.url}/debug/pprof/heap?token=${query}`);
  await httpsRequest(`${sidecar.url}/debug/pprof/nope`, { headers: { authorization: `Bearer ${mint(keys, 'heap')}` } });
  await new Promise((r) => setTimeout(r, 100));
  const all = sidecar.logs.join('\n');
  assert.ok(sidecar.logs.length >= 4, 'requests were audited');
  for (const s of secrets) {
    assert.ok(!all.includes(s), 'a secret leaked into the logs');
    assert.ok(!all.includes(s.slice(-40)), 'part of a secret leaked into the logs');
  }
  assert.doesNotMatch(all, /token=/);
  assert.doesNotMatch(all, /eyJ[A-Za-z0-9_-]{10,}/, 'nothing that looks like a JWT is logged');
});
