// A UI session started by signing in with the OIDC provider re-checks every
// --session-recheck: with a refresh token it asks the provider for a fresh ID
// token (verified again), and ends when the provider no longer answers; without
// one (no offline_access asked) it ends once the ID token has expired. The
// sign-in is driven over HTTPS here (the browser test drives it in Chromium).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../kit/product/gateway.ts';
import { httpsRequest } from '../kit/net/http.ts';
import { startOidcProvider } from '../kit/oidc/provider.ts';
import { ALICE, CLIENTS, oidcGatewayArgs } from '../kit/oidc/setup.ts';
import { signInToGateway } from '../kit/oidc/tokens.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('with a refresh token the session holds past re-checks while the provider refreshes, and ends once it cannot', async () => {
  const idp = await startOidcProvider({ users: [ALICE], clients: CLIENTS });
  const h = await startHarness({ pods: 1, gatewayArgs: [...oidcGatewayArgs(idp), '--session-recheck', '1s'] });
  try {
    const { session, location } = await signInToGateway(h.url, idp, ALICE);
    assert.ok(session, location);
    assert.equal(location, '/pods');
    const whoami = (): ReturnType<typeof httpsRequest> => httpsRequest(`${h.url}/api/v1/session`, { headers: { cookie: session } });
    const tokenCalls = idp.requests('/oauth/token');
    await sleep(1200);
    const held = await whoami();
    assert.equal(held.status, 200, held.text);
    assert.equal((JSON.parse(held.text) as { user: string }).user, 'oidc:alice@corp.example');
    assert.ok(idp.requests('/oauth/token') > tokenCalls, 'the re-check refreshed at the provider');
    await idp.close();
    await sleep(1200);
    assert.equal((await whoami()).status, 401, 'the provider gone: the next re-check ends the session');
  } finally {
    await h.close();
    await idp.close();
  }
});

test('without a refresh token the session ends at the first re-check after the ID token expired', async () => {
  const idp = await startOidcProvider({ users: [ALICE], clients: CLIENTS });
  const h = await startHarness({
    pods: 1,
    gatewayArgs: [...oidcGatewayArgs(idp, 'brief'), '--oidc-scopes', 'openid', '--oidc-clock-skew', '0s', '--session-recheck', '1s'],
  });
  try {
    const { session, location } = await signInToGateway(h.url, idp, ALICE);
    assert.ok(session, location);
    const whoami = (): ReturnType<typeof httpsRequest> => httpsRequest(`${h.url}/api/v1/session`, { headers: { cookie: session } });
    assert.equal((await whoami()).status, 200);
    // The ID token lives 4 s from its issue during the sign-in (a loaded machine's sign-in must not outlast it);
    // the session re-checks every 1 s.
    await sleep(4000 + 1100);
    const ended = await whoami();
    assert.equal(ended.status, 401, ended.text);
  } finally {
    await h.close();
    await idp.close();
  }
});
