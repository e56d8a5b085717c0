// The login page's "Sign in with <issuer>" in real Chromium against a real
// OpenID provider (test/kit/oidc): the provider's own login page, back to the
// page the user asked for with a session for the provider's user; the
// sign-in cookie gone once used. A callback that is not this browser's sign-in
// (a replayed or forged state) lands on the login page saying why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureUiBuilt, launch, type Session } from '../kit/browser/browser.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { signInAtProvider, startOidcProvider, type OidcProvider } from '../kit/oidc/provider.ts';
import { ALICE, CLIENTS, oidcGatewayArgs } from '../kit/oidc/setup.ts';

let idp: OidcProvider;
let h: Harness;
let s: Session;

before(async () => {
  ensureUiBuilt();
  idp = await startOidcProvider({ users: [ALICE], clients: CLIENTS });
  h = await startHarness({ pods: 1, gatewayArgs: oidcGatewayArgs(idp) });
  s = await launch();
});
after(async () => {
  await s?.close();
  await h?.close();
  await idp?.close();
});

test('Sign in with <issuer> goes through the provider’s login page and back to the page asked for, signed in as the provider’s user', async () => {
  const page = s.page;
  await page.goto(`${h.url}/captures`);
  await page.waitForURL(/\/login\?next=%2Fcaptures/);
  const button = page.locator('#oidc-sign-in');
  await button.waitFor();
  assert.equal(await button.textContent(), `Sign in with ${idp.issuer}`);
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await signInAtProvider(page, ALICE);
  await page.waitForSelector('.topbar .who', { timeout: 15_000 }).catch(async (err: unknown) => {
    throw new Error(`not signed in at ${page.url()}: ${((await page.textContent('body')) ?? '').slice(0, 500)}`, { cause: err });
  });
  assert.equal(new URL(page.url()).pathname, '/captures');
  assert.match((await page.textContent('.topbar .who')) ?? '', /oidc:alice@corp\.example/);
  const cookies = await s.context.cookies(h.url);
  assert.ok(cookies.some((c) => c.name === '__Host-podprof_session' && c.httpOnly && c.sameSite === 'Strict'));
  assert.ok(!cookies.some((c) => c.name === '__Host-podprof_oidc'), 'the sign-in cookie is gone once used');
  assert.deepEqual(s.pageErrors, []);
});

test('a callback that is not this browser’s sign-in lands on the login page saying why', async () => {
  const page = await s.context.newPage();
  await page.goto(`${h.url}/auth/oidc/callback?code=stolen&state=forged`);
  await page.waitForURL(/\/login\?error=/);
  await page.waitForSelector('.notice');
  assert.match((await page.textContent('main')) ?? '', /sign-in cookie is missing[^]*PODPROF_OIDC_SIGN_IN_FAILED/);
  await page.close();
});
