// The token attack table (docs/design.md §2.3): every forged, expired, misbound or
// replayed token is refused with 401/403, and the app never sees the request.
import assert from 'node:assert/strict';
import { createPublicKey, sign } from 'node:crypto';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { generateSigningKey, privateKeyPem } from '../../src/token/keys.ts';
import { mintSidecarToken } from '../../src/token/sign.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { rawRequest, get } from '../kit/net/raw.ts';
import { POD, mint, useTargetAndSidecar } from '../kit/product/sidecar.ts';

const env = useTargetAndSidecar();
const { keys } = env;
const stranger = generateSigningKey();

const now = (): number => Math.floor(Date.now() / 1000);
const grant = { ...POD, type: 'heap', maxSeconds: 60 };
const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => {
  const all: Record<string, unknown> = {
    iss: 'podprof-gateway',
    aud: 'podprof-sidecar',
    sub: 'mallory',
    iat: now(),
    exp: now() + 60,
    jti: `j-${Math.random()}`,
    podprof: grant,
    ...over,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
};
const es256 = (payload: Record<string, unknown>, key = keys.key.privateKey, kid = keys.key.kid): string =>
  jwt.sign(payload, key, { algorithm: 'ES256', keyid: kid, noTimestamp: true });
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

const ATTACKS: Array<[string, () => string, string]> = [
  ['alg none', () => `${b64({ alg: 'none', typ: 'JWT', kid: keys.key.kid })}.${b64(claims())}.`, '/debug/pprof/heap'],
  [
    'alg none with a fake signature',
    () => `${b64({ alg: 'none', kid: keys.key.kid })}.${b64(claims())}.AAAAAAAAAAAAAAAA`,
    '/debug/pprof/heap',
  ],
  [
    'HS256 signed with the public key',
    () => {
      const pem = createPublicKey(keys.key.privateKey).export({ format: 'pem', type: 'spki' }).toString();
      return `${b64({ alg: 'HS256', kid: keys.key.kid })}.${b64(claims())}.${jwt.sign(claims(), pem, { algorithm: 'HS256' }).split('.')[2]}`;
    },
    '/debug/pprof/heap',
  ],
  ['expired', () => es256(claims({ iat: now() - 200, exp: now() - 100 })), '/debug/pprof/heap'],
  ['not yet valid', () => es256(claims({ nbf: now() + 120, iat: now() + 120, exp: now() + 180 })), '/debug/pprof/heap'],
  ['no exp', () => es256(claims({ exp: undefined })), '/debug/pprof/heap'],
  ['no iat', () => es256(claims({ iat: undefined })), '/debug/pprof/heap'],
  [
    'exp as a string',
    () => `${b64({ alg: 'ES256', kid: keys.key.kid })}.${b64(claims({ exp: 'never' }))}.${'A'.repeat(86)}`,
    '/debug/pprof/heap',
  ],
  ['lifetime over the cap', () => es256(claims({ exp: now() + 3600 })), '/debug/pprof/heap'],
  ['wrong aud', () => es256(claims({ aud: 'kubernetes' })), '/debug/pprof/heap'],
  ['wrong iss', () => es256(claims({ iss: 'evil-gateway' })), '/debug/pprof/heap'],
  ['unknown kid', () => es256(claims(), stranger.privateKey, stranger.kid), '/debug/pprof/heap'],
  ['a trusted kid on a foreign signature', () => es256(claims(), stranger.privateKey, keys.key.kid), '/debug/pprof/heap'],
  ["another pod's name", () => mint(keys, 'heap', { pod: 'web-other' }), '/debug/pprof/heap'],
  ["another pod's namespace", () => mint(keys, 'heap', { namespace: 'team-b' }), '/debug/pprof/heap'],
  ["another pod's uid (same name, recreated pod)", () => mint(keys, 'heap', { uid: 'another-uid' }), '/debug/pprof/heap'],
  ['another profile type', () => mint(keys, 'heap'), '/debug/pprof/profile?seconds=1'],
  ['seconds above the claim', () => mint(keys, 'profile', { maxSeconds: 5 }), '/debug/pprof/profile?seconds=10'],
  ['default seconds above the claim', () => mint(keys, 'profile', { maxSeconds: 5 }), '/debug/pprof/profile'],
  ['truncated token', () => mint(keys, 'heap').slice(0, -20), '/debug/pprof/heap'],
  ['garbage token', () => 'not-a-token-at-all', '/debug/pprof/heap'],
  [
    'a DER-encoded ES256 signature',
    () => {
      const t = es256(claims());
      const der = sign('sha256', Buffer.from(t.slice(0, t.lastIndexOf('.'))), { key: keys.key.privateKey, dsaEncoding: 'der' });
      return `${t.slice(0, t.lastIndexOf('.'))}.${der.toString('base64url')}`;
    },
    '/debug/pprof/heap',
  ],
  ['a signature one byte short', () => es256(claims()).slice(0, -2), '/debug/pprof/heap'],
  [
    "another token's signature on these claims",
    () => {
      const mine = es256(claims());
      return `${mine.slice(0, mine.lastIndexOf('.'))}.${mint(keys, 'heap').split('.')[2]}`;
    },
    '/debug/pprof/heap',
  ],
  ['an audience list without the sidecar', () => es256(claims({ aud: ['kubernetes', 'podprof-gateway'] })), '/debug/pprof/heap'],
  ['issued in the future', () => es256(claims({ iat: now() + 120, exp: now() + 180 })), '/debug/pprof/heap'],
  [
    'claims that are a JSON array',
    () => `${b64({ alg: 'ES256', kid: keys.key.kid })}.${b64([claims()])}.${'A'.repeat(86)}`,
    '/debug/pprof/heap',
  ],
  ['a grant without a pod', () => es256(claims({ podprof: { type: 'heap', maxSeconds: 60 } })), '/debug/pprof/heap'],
];

for (const [name, token, path] of ATTACKS) {
  test(`token attack refused: ${name}`, async () => {
    env.recorder.clear();
    const r = await httpsRequest(`${env.sidecar.url}${path}`, { headers: bearer(token()) });
    assert.ok(r.status === 401 || r.status === 403, `${name}: got ${r.status} ${r.text}`);
    assert.equal(r.headers['x-go-pprof'], '1');
    if (r.status === 401) assert.match(String(r.headers['www-authenticate']), /^Bearer/);
    assert.deepEqual(env.recorder.requests(), [], 'the app saw nothing');
  });
}

test('token attack refused: a replayed jti works once only', async () => {
  const token = mint(keys, 'heap');
  assert.equal((await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, { headers: bearer(token) })).status, 200);
  const again = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, { headers: bearer(token) });
  assert.equal(again.status, 401);
  assert.match(again.text, /PODPROF_TOKEN_REPLAYED/);
});

test('token attack refused: a 64 KB token never reaches the verifier', async () => {
  const r = await rawRequest(env.sidecar.port, get('/debug/pprof/heap', { authorization: `Bearer ${'a'.repeat(64 * 1024)}` }));
  assert.equal(r.status, 431, 'the HTTP parser refuses the oversized header before any auth code runs');
});

test('token attack refused: a token in the query string is not read', async () => {
  const r = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap?token=${mint(keys, 'heap')}`);
  assert.equal(r.status, 401);
  assert.match(r.text, /PODPROF_TOKEN_IN_QUERY/);
  const withHeader = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap?access_token=x`, { headers: bearer(mint(keys, 'heap')) });
  assert.equal(withHeader.status, 401);
});

test('token attack refused: no credentials at all gets 401 with WWW-Authenticate', async () => {
  const r = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`);
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="podprof"');
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
});

test('a token signed by a rotated-in key is accepted once the JWKS file lists it', async () => {
  const { writeFileSync } = await import('node:fs');
  const next = generateSigningKey();
  writeFileSync(keys.jwksFile, JSON.stringify({ keys: [keys.key.publicJwk, next.publicJwk] }));
  const fresh = (): string => mintSidecarToken(next, { subject: 'alice', ttlSeconds: 30, grant: { ...POD, type: 'heap', maxSeconds: 0 } });
  let r = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, { headers: bearer(fresh()) });
  for (let i = 0; i < 30 && r.status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 250));
    r = await httpsRequest(`${env.sidecar.url}/debug/pprof/heap`, { headers: bearer(fresh()) });
  }
  assert.equal(r.status, 200, r.text);
  assert.match(privateKeyPem(next), /PRIVATE KEY/);
});
