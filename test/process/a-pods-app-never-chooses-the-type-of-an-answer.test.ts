// Attack 1 of docs/security.md: a pod's app answers its pprof paths with
// text/html and a script. Through a real sidecar and gateway, the answer's type is
// podprof's (profiles are binary downloads, text forms plain text), never the
// app's; every answer carries nosniff and a sandboxing CSP; nothing else the app
// sets (cookies, disposition, nosniff overrides) passes. And /API/… in another
// case is no way around authentication.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { startHostileApp } from '../kit/apps/hostile-app.ts';
import { mint } from '../kit/product/sidecar.ts';

const harness = useHarness({ pods: 1, app: () => startHostileApp() });
const CSP = "default-src 'none'; sandbox";

function viaGateway(type: string, query = ''): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}/api/v1/namespaces/team-a/pods/web-0/debug/pprof/${type}${query}`, { headers: bearer(h.token) });
}

function assertOurs(r: Reply, type: string, binary: boolean): void {
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /<script>/, 'the bytes are the app’s (they are data, not markup)');
  assert.equal(r.headers['content-type'], binary ? 'application/octet-stream' : 'text/plain; charset=utf-8', type);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', type);
  assert.equal(r.headers['content-security-policy'], CSP, type);
  assert.equal(r.headers['content-disposition'], binary ? `attachment; filename="${type}"` : undefined, type);
  assert.equal(r.headers['set-cookie'], undefined, 'no cookie of the app’s passes');
}

test('through the gateway, profiles are attachments and text forms plain text, whatever the app says', async () => {
  assertOurs(await viaGateway('heap'), 'heap', true);
  assertOurs(await viaGateway('goroutine', '?debug=2'), 'goroutine', false);
  assertOurs(await viaGateway('profile', '?seconds=1'), 'profile', true);
  assertOurs(await viaGateway('trace', '?seconds=1'), 'trace', true);
  assertOurs(await viaGateway('symbol'), 'symbol', false);
});

test('the sidecar itself sets the same types, so no other client of it sees the app’s', async () => {
  const h = harness();
  const sidecar = h.pods[0]!.sidecar;
  const pod = { namespace: 'team-a', pod: 'web-0', uid: h.pods[0]!.uid };
  for (const [type, query, binary] of [
    ['heap', '', true],
    ['allocs', '?debug=1', false],
    ['profile', '?seconds=1', true],
  ] as const) {
    const r = await httpsRequest(`${sidecar.url}/debug/pprof/${type}${query}`, { headers: bearer(mint(h.keys, type, pod)) });
    assertOurs(r, type, binary);
  }
});

test('errors and the JSON API carry nosniff and the sandboxing CSP too', async () => {
  const h = harness();
  for (const r of [
    await httpsRequest(`${h.url}/api/v1/pods`, { headers: bearer(h.token) }),
    await httpsRequest(`${h.url}/api/v1/namespaces/team-a/pods/nope/debug/pprof/heap`, { headers: bearer(h.token) }),
    await httpsRequest(`${h.url}/api/v1/captures`),
  ]) {
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['content-security-policy'], CSP);
  }
});

test('/API/… and other cases of the path need credentials and never reach a handler', async () => {
  const h = harness();
  for (const path of ['/API/v1/captures/abc', '/Api/v1/pods', '/api/V1/captures', '/SD/targets']) {
    const anonymous = await httpsRequest(`${h.url}${path}`, { headers: { accept: 'application/json' } });
    assert.equal(anonymous.status, 401, `${path} without credentials: ${anonymous.text}`);
    const authed = await httpsRequest(`${h.url}${path}`, { headers: { ...bearer(h.token), accept: 'application/json' } });
    assert.equal(authed.status, 404, `${path}: ${authed.text}`);
    assert.equal(jsonError(authed).code, 'PODPROF_NO_ROUTE', path);
  }
});
