// Nothing the caller sends as a credential reaches the app, and no token or
// cookie ever appears in a log line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpsRequest } from '../kit/net/http.ts';
import { mint, useTargetAndSidecar } from '../kit/product/sidecar.ts';
import { waitFor } from '../kit/cluster/http.ts';

const env = useTargetAndSidecar();
const { keys } = env;
const secrets: string[] = [];

test('Authorization, Cookie, proxy and hop-by-hop headers never reach the app', async () => {
  env.recorder.clear();
  const token = mint(keys, 'heap');
  secrets.push(token, 'session=s3cr3t-cookie');
  const r = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, {
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
  const [seen] = env.recorder.requests();
  assert.ok(seen, 'the app received the request');
  const names = Object.keys(seen.headers).map((h) => h.toLowerCase());
  for (const forbidden of [
    'authorization',
    'cookie',
    'proxy-authorization',
    'x-forwarded-for',
    'x-forwarded-user',
    'x-api-key',
    'keep-alive',
  ]) {
    assert.ok(!names.includes(forbidden), `${forbidden} reached the app`);
  }
  assert.deepEqual(seen.headers['User-Agent'], ['pprof-test']);
});

test('no token or cookie appears in any log line, whatever the outcome', async () => {
  const bad = mint(keys, 'heap', { pod: 'other' });
  const query = mint(keys, 'heap');
  secrets.push(bad, query);
  await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, {
    headers: { authorization: `Bearer ${bad}`, cookie: 'session=s3cr3t-cookie' },
  });
  await httpsRequest(`${env.sidecar.url}/debug/pprof/heap?token=${query}`);
  await httpsRequest(`${env.sidecar.url}/debug/pprof/nope`, { headers: { authorization: `Bearer ${mint(keys, 'heap')}` } });
  // Log lines reach a child's output in batches (within 100 ms): wait for the audit lines.
  await waitFor('requests audited', () => env.sidecar.logs.length >= 4, 3000);
  const all = env.sidecar.logs.join('\n');
  for (const s of secrets) {
    assert.ok(!all.includes(s), 'a secret leaked into the logs');
    assert.ok(!all.includes(s.slice(-40)), 'part of a secret leaked into the logs');
  }
  assert.doesNotMatch(all, /token=/);
  assert.doesNotMatch(all, /eyJ[A-Za-z0-9_-]{10,}/, 'nothing that looks like a JWT is logged');
});
