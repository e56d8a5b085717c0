// The ID-token verifier (gateway/auth/oidc) on tokens signed here with node:crypto:
// each rule a relying party must check refuses with a clear error, the claims map
// to a user as the API server's claimMappings do, and a flood of unknown kids
// fetches the JWKS at most once per refresh interval.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { PodprofError } from '../../src/errors.ts';
import { userOfClaims } from '../../gateway/auth/oidc/claims.ts';
import { clearStateCookie, newSignIn, open, safeNext, seal } from '../../gateway/auth/oidc/flow.ts';
import { JwksCache } from '../../gateway/auth/oidc/jwks.ts';
import { IdTokenVerifier } from '../../gateway/auth/oidc/verifier.ts';

const ISSUER = 'https://idp.example.com';
const CLIENT = 'podprof';
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (k: KeyObject, kid: string): object => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
const JWKS = { keys: [jwk(rsa.publicKey, 'rsa-1'), jwk(ec.publicKey, 'ec-1')] };

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: KeyObject = rsa.privateKey): string {
  const h = { alg: 'RS256', kid: 'rsa-1', typ: 'JWT', ...header };
  const c = { iss: ISSUER, aud: CLIENT, sub: 'u-1', exp: NOW / 1000 + 600, iat: NOW / 1000, groups: ['team-a'], email: 'a@x', ...claims };
  const input = `${b64(h)}.${b64(c)}`;
  const alg = String(h.alg);
  const sig =
    alg === 'none'
      ? Buffer.alloc(0)
      : alg === 'ES256'
        ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', Buffer.from(input), key);
  return `${input}.${sig.toString('base64url')}`;
}

function verifier(doc: unknown = JWKS, minRefreshMs = 60_000): { v: IdTokenVerifier; jwks: JwksCache; clock: { now: number } } {
  const clock = { now: NOW };
  const jwks = new JwksCache({ fetch: () => Promise.resolve(doc), minRefreshMs, now: () => clock.now });
  const v = new IdTokenVerifier({
    issuer: ISSUER,
    clientId: CLIENT,
    skewSeconds: 30,
    usernameClaim: 'sub',
    usernamePrefix: 'oidc:',
    groupsClaim: 'groups',
    groupsPrefix: 'oidc:',
    jwks,
    now: () => clock.now,
  });
  return { v, jwks, clock };
}

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof PodprofError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('an ID token', () => {
  it('signed by a published RSA or EC key, from the issuer, for podprof, unexpired: the user with prefixed name and groups', async () => {
    const { v } = verifier();
    const a = await v.verify(token());
    assert.deepEqual([a.user.name, a.user.groups], ['oidc:u-1', ['oidc:team-a']]);
    assert.equal(a.expiresAt, NOW + 600_000);
    const b = await v.verify(token({}, { alg: 'ES256', kid: 'ec-1' }, ec.privateKey));
    assert.equal(b.user.name, 'oidc:u-1');
  });

  it('for another client is refused as PODPROF_TOKEN_WRONG_AUDIENCE, naming both clients', async () => {
    await refused(
      verifier().v.verify(token({ aud: 'grafana' })),
      'PODPROF_TOKEN_WRONG_AUDIENCE',
      /"grafana", not for podprof's client id podprof/,
    );
    await refused(verifier().v.verify(token({ aud: ['podprof', 'grafana'], azp: 'grafana' })), 'PODPROF_TOKEN_WRONG_AUDIENCE', /azp/);
  });

  it('expired past the clock skew is refused as PODPROF_TOKEN_EXPIRED; within the skew it holds', async () => {
    const { v, clock } = verifier();
    clock.now = NOW + 600_000 + 29_000;
    assert.equal((await v.verify(token())).user.name, 'oidc:u-1');
    clock.now = NOW + 600_000 + 31_000;
    await refused(v.verify(token()), 'PODPROF_TOKEN_EXPIRED', /expired at 2026-12-07T12:10:00/);
  });

  it('from another issuer, with a bad signature, not yet valid, or without exp is refused, saying which', async () => {
    const { v } = verifier();
    await refused(
      v.verify(token({ iss: 'https://evil.example.com' })),
      'PODPROF_TOKEN_INVALID',
      /issued by "https:\/\/evil.example.com", not by https:\/\/idp.example.com/,
    );
    await refused(v.verify(token({}, {}, other.privateKey)), 'PODPROF_TOKEN_INVALID', /signature does not verify/);
    const [h, , s] = token().split('.');
    await refused(
      v.verify(`${h}.${b64({ iss: ISSUER, aud: CLIENT, sub: 'admin', exp: NOW / 1000 + 600 })}.${s}`),
      'PODPROF_TOKEN_INVALID',
      /signature/,
    );
    await refused(v.verify(token({ nbf: NOW / 1000 + 3600 })), 'PODPROF_TOKEN_INVALID', /not valid before/);
    await refused(v.verify(token({ exp: undefined })), 'PODPROF_TOKEN_INVALID', /no exp/);
    await refused(v.verify('not.a-jwt'), 'PODPROF_TOKEN_INVALID', /not a signed JWT/);
  });

  it('with alg none, an HS* alg (the public key as an HMAC secret), or a key of another type is refused', async () => {
    const { v, jwks } = verifier();
    await refused(v.verify(token({}, { alg: 'none' })), 'PODPROF_TOKEN_INVALID', /alg "none" is not one podprof accepts/);
    await refused(v.verify(token({}, { alg: 'HS256' })), 'PODPROF_TOKEN_INVALID', /alg "HS256"/);
    await refused(v.verify(token({}, { alg: 'ES256', kid: 'rsa-1' }, ec.privateKey)), 'PODPROF_TOKEN_INVALID', /not a key for ES256/);
    await refused(v.verify(token({}, { crit: ['exp'] })), 'PODPROF_TOKEN_INVALID', /crit/);
    assert.equal(jwks.fetches, 1, 'refused algs and crit cost no key fetch; the key-type check does');
  });

  it('with a nonce: only the nonce of this sign-in passes', async () => {
    const { v } = verifier();
    assert.equal((await v.verify(token({ nonce: 'n-1' }), 'n-1')).user.name, 'oidc:u-1');
    await refused(v.verify(token({ nonce: 'n-2' }), 'n-1'), 'PODPROF_TOKEN_INVALID', /nonce/);
  });
});

describe('the JWKS cache', () => {
  it('fetches again for an unknown kid at most once per interval, however many tokens name made-up kids', async () => {
    const { v, jwks, clock } = verifier(JWKS, 60_000);
    await v.verify(token());
    assert.equal(jwks.fetches, 1);
    await v.verify(token({}, { kid: 'made-up-early' })).catch(() => undefined);
    assert.equal(jwks.fetches, 1, 'an unknown kid right after a fetch: no fetch');
    clock.now += 61_000;
    const flood = Array.from({ length: 500 }, (_, i) =>
      v.verify(token({}, { kid: `made-up-${i}` })).then(
        () => 'accepted',
        (e: unknown) => (e as Error).message,
      ),
    );
    const messages = await Promise.all(flood);
    assert.ok(messages.every((m) => /publishes no key "made-up-/.test(m)));
    assert.equal(jwks.fetches, 2, '500 unknown kids in the next interval: one fetch between them');
    clock.now += 61_000;
    await v.verify(token({}, { kid: 'made-up-x' })).catch(() => undefined);
    await v.verify(token({}, { kid: 'made-up-y' })).catch(() => undefined);
    assert.equal(jwks.fetches, 3, 'the next interval: one more');
  });

  it('learns a rotated key on the first token that names it, once the interval allows', async () => {
    const doc = { keys: [jwk(rsa.publicKey, 'rsa-1')] };
    const { v, jwks, clock } = verifier(doc, 1000);
    await v.verify(token());
    doc.keys.push(jwk(other.publicKey, 'rsa-2'));
    clock.now += 1000;
    assert.equal((await v.verify(token({}, { kid: 'rsa-2' }, other.privateKey))).user.name, 'oidc:u-1');
    assert.equal(jwks.fetches, 2);
  });
});

describe('claims → user, as the API server maps them', () => {
  const m = { usernameClaim: 'email', usernamePrefix: '', groupsClaim: 'roles', groupsPrefix: 'idp:' };
  it('takes the configured claims and prefixes, a single group as a list, and no groups claim as none', () => {
    assert.deepEqual(userOfClaims({ email: 'a@x', roles: 'admin' }, m), { name: 'a@x', groups: ['idp:admin'], via: 'token' });
    assert.deepEqual(userOfClaims({ email: 'a@x' }, m).groups, []);
  });
  it('refuses a missing username, an unverified email as the username, and groups that are not strings', () => {
    assert.throws(() => userOfClaims({ sub: 'x' }, m), /no email claim/);
    assert.throws(() => userOfClaims({ email: 'a@x', email_verified: false }, m), /not verified/);
    assert.throws(() => userOfClaims({ email: 'a@x', roles: [1] }, m), /not a string or a list of strings/);
  });
});

describe('the sign-in cookie', () => {
  const key = Buffer.alloc(32, 7);
  it('opens only with the gateway key, before it expires, and keeps next to a local path', () => {
    const s = newSignIn('/captures?x=1', NOW);
    assert.deepEqual(open(key, seal(key, s), NOW + 1000), s);
    assert.throws(() => open(Buffer.alloc(32, 8), seal(key, s), NOW), /not made by this gateway/);
    assert.throws(() => open(key, seal(key, s), NOW + 11 * 60_000), /longer than 10 minutes/);
    assert.throws(() => open(key, undefined, NOW), /missing/);
    const tampered = seal(key, s).split('.');
    tampered[1] = Buffer.from('{"state":"x"}').toString('base64url');
    assert.throws(() => open(key, tampered.join('.'), NOW), /not made by this gateway/);
    assert.deepEqual(['//evil.com', 'https://evil.com', '/\\evil.com', '/login?next=/', 5].map(safeNext), ['/', '/', '/', '/', '/']);
    assert.match(clearStateCookie(), /HttpOnly; Secure; SameSite=Lax; Max-Age=0/);
  });
});
