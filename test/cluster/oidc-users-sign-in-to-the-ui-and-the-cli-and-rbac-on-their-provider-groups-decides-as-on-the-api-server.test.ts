// OIDC end to end: a real OpenID provider (zitadel/oidc's op, test/kit/oidc),
// the real kube-apiserver trusting it through a structured
// AuthenticationConfiguration (jwt: issuer, audience podprof, claimMappings
// username email / groups groups, both prefixed oidc:), and the gateway with the
// same mapping, authorizing with SubjectAccessReview. The API server and the
// gateway name the provider's user alike; a RoleBinding to the user's OIDC group
// lets them capture heap in its namespace and not in another; a user signs in to
// the UI in Chromium on the provider's own login page; `podprof login` (the
// built CLI, loopback redirect + PKCE) signs in through Chromium, and a later
// `podprof capture` uses the stored ID token. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { spawnCli } from '../kit/product/cli-process.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { launch, until, type Session } from '../kit/browser/browser.ts';
import { signInAtProvider, startOidcProvider, type OidcProvider } from '../kit/oidc/provider.ts';
import { ALICE, BOB, CLIENTS, oidcGatewayArgs } from '../kit/oidc/setup.ts';
import { signInOverHttp } from '../kit/oidc/tokens.ts';
import { ensureUiBuilt } from '../kit/browser/browser.ts';

let idp: OidcProvider;
let cp: ControlPlane;
let h: Harness;
let browser: Session;
const work = mkdtempSync(join(tmpdir(), 'podprof-oidc-cluster-'));

/** The API server's structured authentication config: the same issuer and mapping as the gateway's flags. */
function authenticationConfig(p: OidcProvider): string {
  const file = join(work, 'authentication-config.yaml');
  const config = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: [
      {
        issuer: { url: p.issuer, audiences: ['podprof'], certificateAuthority: readFileSync(p.caFile, 'utf8') },
        claimMappings: { username: { claim: 'email', prefix: 'oidc:' }, groups: { claim: 'groups', prefix: 'oidc:' } },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  return file;
}

function kubeConfig(server: string, caFile: string, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caFile }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

before(async () => {
  ensureUiBuilt();
  idp = await startOidcProvider({ users: [ALICE, BOB], clients: CLIENTS });
  cp = await startControlPlane({ extraApiServerArgs: [`--authentication-config=${authenticationConfig(idp)}`] });
  const admin = kubeConfig(cp.server, cp.caFile, cp.adminToken);
  for (const name of ['team-a', 'team-b']) await admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
  const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: 'team-a',
    body: { metadata: { name: 'profiler' }, rules: [{ apiGroups: ['podprof.io'], resources: ['*'], verbs: ['*'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'team-a',
    body: {
      metadata: { name: 'team-a-profiles' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'profiler' },
      subjects: [{ kind: 'Group', name: 'oidc:team-a', apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
  process.env.KUBECONFIG = cp.kubeconfigPath; // the in-process gateway's SubjectAccessReviews, as the admin
  h = await startHarness({ pods: 1, namespace: 'team-a', gatewayArgs: [...oidcGatewayArgs(idp), '--authz', 'kubernetes'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await h?.close();
  await cp?.stop();
  await idp?.close();
});

const heap = (token: string, namespace: string): ReturnType<typeof httpsRequest> =>
  httpsRequest(`${h.url}/api/v1/namespaces/${namespace}/pods/web-0/debug/pprof/heap`, { headers: bearer(token) });

test('the API server and the gateway name the provider’s user alike: oidc:<email>, groups oidc:<group>', async () => {
  const { idToken } = await signInOverHttp(idp, { clientId: 'podprof', user: ALICE });
  const api = kubeConfig(cp.server, cp.caFile, idToken).makeApiClient(k8s.AuthenticationV1Api);
  let seen: k8s.V1UserInfo | undefined;
  const end = Date.now() + 60_000; // the API server fetches the provider's discovery and keys in the background
  while (!seen) {
    try {
      seen = (await api.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).status
        ?.userInfo;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const me = JSON.parse((await httpsRequest(`${h.url}/api/v1/session`, { headers: bearer(idToken) })).text) as {
    user: string;
    groups: string[];
  };
  assert.equal(seen.username, 'oidc:alice@corp.example');
  assert.equal(me.user, seen.username);
  assert.deepEqual(
    me.groups,
    (seen.groups ?? []).filter((g) => !g.startsWith('system:')),
  );
  assert.deepEqual(me.groups, ['oidc:team-a']);
});

test('a RoleBinding to the OIDC group oidc:team-a lets its member capture heap in team-a, not in team-b; a team-b member gets nothing in team-a', async () => {
  const alice = (await signInOverHttp(idp, { clientId: 'podprof', user: ALICE })).idToken;
  const bob = (await signInOverHttp(idp, { clientId: 'podprof', user: BOB })).idToken;
  const own = await heap(alice, 'team-a');
  assert.equal(own.status, 200, own.text);
  assert.equal(own.body[0], 0x1f, 'a gzipped profile');
  const elsewhere = await heap(alice, 'team-b');
  assert.equal(elsewhere.status, 403, elsewhere.text);
  assert.match(elsewhere.text, /oidc:alice@corp\.example may not get pods\/heap web-0 in namespace team-b/);
  const other = await heap(bob, 'team-a');
  assert.equal(other.status, 403, other.text);
  assert.match(other.text, /oidc:bob@corp\.example may not get pods\/heap web-0 in namespace team-a/);
});

test('signing in to the UI in Chromium on the provider’s login page starts a session that lists the pods the group may see', async () => {
  const page = browser.page;
  await page.goto(`${h.url}/`);
  await page.waitForURL(/\/login/);
  const button = page.locator('#oidc-sign-in');
  await button.waitFor();
  assert.equal(await button.textContent(), `Sign in with ${idp.issuer}`);
  await button.click();
  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await signInAtProvider(page, ALICE);
  await page.waitForURL((u) => u.href.startsWith(h.url) && !u.pathname.startsWith('/auth/'));
  await page.waitForSelector('.topbar .who');
  assert.match((await page.textContent('.topbar .who')) ?? '', /oidc:alice@corp\.example/);
  await until(page, `document.body.textContent.includes('web-0')`);
  const cookies = await browser.context.cookies(h.url);
  assert.ok(cookies.some((c) => c.name === '__Host-podprof_session' && c.httpOnly));
  assert.ok(!cookies.some((c) => c.name === '__Host-podprof_oidc'), 'the sign-in cookie is gone once used');
  const pods = await page.evaluate<{ status: number; body: string }>(
    "fetch('/api/v1/pods', { headers: { 'x-podprof-request': '1' } }).then(async (r) => ({ status: r.status, body: await r.text() }))",
  );
  assert.equal(pods.status, 200, pods.body);
  assert.match(pods.body, /"name":"web-0"/);
  assert.deepEqual(browser.pageErrors, []);
});

async function gatewayCaFile(): Promise<string> {
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: h.gateway.ports.main, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().raw);
      s.end();
    }).on('error', reject);
  });
  const file = join(work, 'gateway-ca.pem');
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
  return file;
}

test('podprof login signs in through Chromium on the loopback redirect, stores the ID token 0600, and podprof capture then uses it', async () => {
  const home = mkdtempSync(join(work, 'home-'));
  const env = { ...process.env, XDG_CONFIG_HOME: home, PODPROF_TOKEN: '', KUBECONFIG: join(home, 'none') };
  const caFile = await gatewayCaFile();
  const login = spawnCli('login', ['--gateway', h.url, '--ca-file', caFile, '--oidc-ca-file', idp.caFile], { node: NODE, cwd: REPO, env });
  try {
    const [url] = await login.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
    assert.match(url, /code_challenge_method=S256/);
    assert.match(url, /redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcallback/);
    const page = await browser.context.newPage();
    await page.goto(url);
    await signInAtProvider(page, ALICE);
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback/);
    assert.match((await page.textContent('body')) ?? '', /Signed in to podprof/);
    await page.close();
    const done = await login.exited;
    assert.equal(done.code, 0, done.stderr);
    assert.match(
      done.stdout,
      /Signed in to https:\/\/127\.0\.0\.1:\d+ as oidc:alice@corp\.example \(groups: oidc:team-a\); the ID token is in (\S+)/,
    );
    const file = /the ID token is in (\S+)/.exec(done.stdout)![1]!;
    assert.ok(file.startsWith(home));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    login.kill();
  }
  const run = (args: string[]): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) =>
      execFile(NODE, [join(REPO, 'bin/podprof.mjs'), ...args], { env }, (err, _o, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
  const out = join(work, 'alice.heap.pb.gz');
  const captured = await run(['capture', 'team-a/web-0', '--type', 'heap', '-o', out, '--gateway', h.url, '--ca-file', caFile]);
  assert.equal(captured.code, 0, captured.stderr);
  assert.equal(readFileSync(out)[0], 0x1f, 'a gzipped profile');
  const elsewhere = await run(['capture', 'team-b/web-0', '--type', 'heap', '-o', out, '--gateway', h.url, '--ca-file', caFile]);
  assert.notEqual(elsewhere.code, 0);
  assert.match(elsewhere.stderr, /oidc:alice@corp\.example may not/, 'the gateway names the signed-in user; RBAC on her group decides');
});
