// With only --jwks-url, the sidecar fetches the gateway's keys over HTTPS
// (trusting --jwks-ca-file), refetches on an unknown kid, and rate-limits that.
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCertificate } from '../../src/tls/x509.ts';
import { generateSigningKey, type SigningKey } from '../../src/token/keys.ts';
import { mintSidecarToken } from '../../src/token/sign.ts';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { POD, makeKeys, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

const ca = createCertificate({ commonName: 'gateway-ca', isCA: true });
const leaf = createCertificate({ commonName: 'gateway', ipAddresses: ['127.0.0.1'], issuer: { commonName: 'gateway-ca', key: ca.key } });
const dir = mkdtempSync(join(tmpdir(), 'podprof-jwks-'));
writeFileSync(join(dir, 'ca.crt'), ca.certPem);
let published: SigningKey[] = [generateSigningKey()];
let fetches = 0;
const gateway = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => {
  fetches++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
});
let target: GoTarget;
let sidecar: TestSidecar;

before(async () => {
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  target = await startGoTarget({ listen: '127.0.0.1:0' });
  const url = `https://127.0.0.1:${(gateway.address() as AddressInfo).port}/.well-known/jwks.json`;
  const unused = makeKeys();
  const args = ['--jwks-url', url, '--jwks-ca-file', join(dir, 'ca.crt')];
  // startInProcess always passes a --jwks-file; point it at a file with no keys so only the URL serves keys.
  writeFileSync(unused.jwksFile, JSON.stringify({ keys: [] }));
  sidecar = await startInProcess(unused, target.url, args);
});
after(async () => {
  await sidecar.close();
  await target.stop();
  gateway.close();
});

const token = (k: SigningKey): string =>
  mintSidecarToken(k, { subject: 'alice', ttlSeconds: 30, grant: { ...POD, type: 'heap', maxSeconds: 0 } });

test('a token signed by a key published at the JWKS URL is accepted', async () => {
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(token(published[0]!)) });
  assert.equal(r.status, 200, r.text);
});

test('a key rotated in at the gateway is fetched on its first unknown kid; bogus kids do not flood the gateway', async () => {
  await new Promise((r) => setTimeout(r, 5100));
  const next = generateSigningKey();
  published = [...published, next];
  const before = fetches;
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(token(next)) });
  assert.equal(r.status, 200, r.text);
  assert.equal(fetches, before + 1, 'one refetch');
  const stranger = generateSigningKey();
  for (let i = 0; i < 20; i++) {
    const bad = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(token(stranger)) });
    assert.equal(bad.status, 401);
  }
  assert.equal(fetches, before + 1, 'unknown kids within the refresh interval cause no refetch');
});
