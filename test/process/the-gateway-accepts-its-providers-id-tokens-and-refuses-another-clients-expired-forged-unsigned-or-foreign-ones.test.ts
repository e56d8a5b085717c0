// ID tokens as bearer tokens, against a real OpenID provider (zitadel/oidc's op,
// test/kit/oidc): the gateway takes one issued for podprof's client as the user
// the API server would see (prefixed email and groups), and refuses, each with a
// clear error, one for another client, an expired one, one with a broken
// signature, one re-labelled alg none, one from another issuer; a flood of tokens
// naming made-up keys costs the provider no more than one JWKS fetch per interval.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startHarness, jsonError, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { startOidcProvider, type OidcProvider } from '../kit/oidc/provider.ts';
import { ALICE, CLIENTS, oidcGatewayArgs } from '../kit/oidc/setup.ts';
import { signInOverHttp } from '../kit/oidc/tokens.ts';

let idp: OidcProvider;
let h: Harness;

before(async () => {
  idp = await startOidcProvider({ users: [ALICE], clients: CLIENTS });
  h = await startHarness({ pods: 1, gatewayArgs: [...oidcGatewayArgs(idp), '--oidc-jwks-refresh-interval', '1h'] });
});
after(async () => {
  await h.close();
  await idp.close();
});

const whoami = (token: string): ReturnType<typeof httpsRequest> => httpsRequest(`${h.url}/api/v1/session`, { headers: bearer(token) });
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

async function refused(token: string, code: string, message: RegExp): Promise<void> {
  const r = await whoami(token);
  assert.equal(r.status, 401, r.text);
  const e = jsonError(r);
  assert.equal(e.code, code, r.text);
  assert.match(e.message, message);
}

test("an ID token for podprof's client is the provider's user with prefixed email and groups, and a pod answers it", async () => {
  const { idToken } = await signInOverHttp(idp, { clientId: 'podprof', user: ALICE });
  const me = await whoami(idToken);
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(JSON.parse(me.text), { user: 'oidc:alice@corp.example', groups: ['oidc:team-a'], via: 'token' });
  const pod = h.pods[0]!;
  const heap = await httpsRequest(`${h.url}/api/v1/namespaces/${pod.namespace}/pods/${pod.name}/debug/pprof/heap`, {
    headers: bearer(idToken),
  });
  assert.equal(heap.status, 200, heap.text);
  assert.ok(heap.body.length > 100);
  assert.ok(!h.logs.join('\n').includes(idToken.split('.')[2]!), 'the token is never logged');
});

test('an ID token the same provider issued to another client is refused as PODPROF_TOKEN_WRONG_AUDIENCE', async () => {
  const { idToken } = await signInOverHttp(idp, { clientId: 'grafana', user: ALICE });
  await refused(idToken, 'PODPROF_TOKEN_WRONG_AUDIENCE', /for client "grafana", not for podprof's client id podprof/);
});

test('a broken signature, a header re-labelled alg none, and claims swapped under a real signature are refused', async () => {
  const { idToken } = await signInOverHttp(idp, { clientId: 'podprof', user: ALICE });
  const [header, payload, sig] = idToken.split('.') as [string, string, string];
  const flipped = Buffer.from(sig, 'base64url');
  flipped[10] = flipped[10]! ^ 0xff;
  await refused(`${header}.${payload}.${flipped.toString('base64url')}`, 'PODPROF_TOKEN_INVALID', /signature does not verify/);
  await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'PODPROF_TOKEN_INVALID', /alg "none" is not one podprof accepts/);
  const admin = b64({ ...claimsOf(idToken), email: 'admin@corp.example', groups: ['system:masters'] });
  await refused(`${header}.${admin}.${sig}`, 'PODPROF_TOKEN_INVALID', /signature does not verify/);
});

test('an ID token from another issuer is refused, naming the issuer the gateway trusts', async () => {
  const other = await startOidcProvider({ users: [ALICE], clients: CLIENTS });
  try {
    const { idToken } = await signInOverHttp(other, { clientId: 'podprof', user: ALICE });
    await refused(
      idToken,
      'PODPROF_TOKEN_INVALID',
      new RegExp(`accepted from ${idp.issuer} \\(--oidc-issuer\\) only, and this one names issuer "${other.issuer}"`),
    );
  } finally {
    await other.close();
  }
});

test('200 tokens naming made-up keys are refused and fetch the JWKS no more than once per --oidc-jwks-refresh-interval', async () => {
  const { idToken } = await signInOverHttp(idp, { clientId: 'podprof', user: ALICE });
  assert.equal((await whoami(idToken)).status, 200);
  const fetched = idp.requests('/keys');
  assert.ok(fetched >= 1, 'the gateway fetched the keys for the real token');
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = claimsOf(idToken);
  const forged = Array.from({ length: 200 }, () => {
    const input = `${b64({ alg: 'RS256', kid: randomBytes(8).toString('hex') })}.${b64(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), forger.privateKey).toString('base64url')}`;
  });
  const answers = await Promise.all(forged.map((t) => whoami(t)));
  assert.ok(
    answers.every((r) => r.status === 401 && /publishes no key/.test(r.text)),
    answers.find((r) => r.status !== 401)?.text,
  );
  assert.equal(idp.requests('/keys'), fetched, 'no fetch within the interval, whatever the number of unknown kids');
});

test('an expired ID token is refused as PODPROF_TOKEN_EXPIRED (a client whose tokens live 4 s, no clock skew allowed)', async () => {
  await h.restartGateway([...oidcGatewayArgs(idp, 'brief'), '--oidc-clock-skew', '0s']);
  const { idToken } = await signInOverHttp(idp, { clientId: 'brief', user: ALICE });
  assert.equal((await whoami(idToken)).status, 200, 'fresh, it holds');
  const exp = Number(claimsOf(idToken).exp) * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 1100));
  await refused(idToken, 'PODPROF_TOKEN_EXPIRED', /the ID token expired at/);
});
