// UI sessions are the gateway's, not the cookie's: logging out ends the session
// for every copy of its cookie, and every --session-recheck the session
// authenticates again with the token it was made with — changed groups take
// effect, a token no longer accepted ends it. Static auth here, whose tokens
// file is read again when it changes.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const harness = useHarness({ pods: 1, gatewayArgs: ['--session-recheck', '1s'] });

async function login(): Promise<string> {
  const r = await httpsRequest(`${harness().url}/api/v1/session`, { method: 'POST', headers: bearer(harness().token) });
  assert.equal(r.status, 201, r.text);
  return String(r.headers['set-cookie']).split(';')[0]!;
}
const whoami = (cookie: string): Promise<Reply> => httpsRequest(`${harness().url}/api/v1/session`, { headers: { cookie } });
const tokens = (line: string): void => writeFileSync(join(harness().dir, 'tokens.csv'), `${line}\n`, { mode: 0o600 });

test('logout ends the session for a copy of the cookie too', async () => {
  const cookie = await login();
  const copy = cookie;
  assert.equal((await whoami(copy)).status, 200);
  const out = await httpsRequest(`${harness().url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-podprof-request': '1' } });
  assert.equal(out.status, 204);
  const after = await whoami(copy);
  assert.equal(after.status, 401, after.text);
});

test('changed groups reach a live session within the re-check interval, and a removed token ends it', async () => {
  const cookie = await login();
  assert.deepEqual((JSON.parse((await whoami(cookie)).text) as { groups: string[] }).groups, ['devs']);
  tokens(`${harness().token},alice@example.com,devs|oncall`);
  await new Promise((r) => setTimeout(r, 1300));
  assert.deepEqual((JSON.parse((await whoami(cookie)).text) as { groups: string[] }).groups, ['devs', 'oncall']);
  tokens(`other-token-${'x'.repeat(20)},bob,devs`);
  await new Promise((r) => setTimeout(r, 1300));
  const gone = await whoami(cookie);
  assert.equal(gone.status, 401, gone.text);
  tokens(`${harness().token},alice@example.com,devs`);
});
