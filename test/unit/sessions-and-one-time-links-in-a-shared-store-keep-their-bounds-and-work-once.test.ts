// UI sessions and one-time links kept in the store replicas share (a real
// DirObjectStore in a temp directory): cookies round-trip and refuse forgeries,
// logout and failed re-checks end a session, per-user caps evict only that
// user's own, a link works once and for its scope only — also when two
// instances (two replicas) share the store; nothing in the store is a secret.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Sessions } from '../../gateway/auth/session.ts';
import { LinkStore } from '../../gateway/links.ts';
import { DirObjectStore } from '../../gateway/shared/dir-store.ts';
import { compose, parseSecret, untilOfKey, userTag } from '../../gateway/shared/keys-of.ts';
import { seal, unseal } from '../../gateway/shared/seal.ts';
import { gatewayReadiness } from '../../gateway/shared/readiness.ts';
import { Sweeper } from '../../gateway/shared/sweep.ts';
import type { PodprofError } from '../../src/errors.ts';

const req = (headers: Record<string, string>, method = 'GET'): IncomingMessage =>
  ({ headers, method, socket: {} }) as unknown as IncomingMessage;
const basic = (s: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`pprof:${s}`).toString('base64')}` });
const user = (name: string, groups: string[] = []): { name: string; groups: string[]; via: 'token' } => ({ name, groups, via: 'token' });

async function withStore(fn: (store: DirObjectStore, key: () => Buffer, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podprof-shared-'));
  const key = randomBytes(32);
  try {
    await fn(new DirObjectStore(root), () => key, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function everyFile(root: string): Promise<string> {
  const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const texts = await Promise.all(
    files.map(async (e) => `${join(e.parentPath, e.name)}\n${await readFile(join(e.parentPath, e.name), 'utf8')}`),
  );
  return texts.join('\n');
}

test('a session cookie round-trips on another instance with the key, is HttpOnly/Secure/SameSite=Strict, and a forged or CSRF-less one fails', () =>
  withStore(async (store, key) => {
    const sessions = new Sessions(store, key);
    const cookie = await sessions.issue(user('alice', ['team-a']), 'Bearer secret-token-of-alice');
    assert.match(cookie, /HttpOnly; Secure; SameSite=Strict/);
    const value = cookie.split(';')[0]!;
    assert.deepEqual(await new Sessions(store, key).read(req({ cookie: value })), { name: 'alice', groups: ['team-a'], via: 'session' });
    assert.equal(await sessions.read(req({ cookie: value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) })), undefined);
    const otherKey = randomBytes(32);
    assert.equal(await new Sessions(store, () => otherKey).read(req({ cookie: value })), undefined, 'another key');
    await assert.rejects(sessions.authenticator()(req({ cookie: value }, 'POST')), /x-podprof-request/);
    assert.equal((await sessions.authenticator()(req({ cookie: value, 'x-podprof-request': '1' }, 'POST')))?.name, 'alice');
  }));

test('the store holds neither a session id, a link secret nor a token in clear', () =>
  withStore(async (store, key, root) => {
    const value = (await new Sessions(store, key).issue(user('alice'), 'Bearer secret-token-of-alice')).split(';')[0]!;
    const secret = await new LinkStore(store, key).create(user('alice'), 'ns', 'p', 'heap');
    const all = await everyFile(root);
    const id = value.split('=')[1]!.split('.')[0]!;
    for (const s of [id, secret, 'secret-token-of-alice', 'alice']) assert.equal(all.includes(s) && s !== 'alice', false, s);
    assert.doesNotMatch(
      all
        .split('\n')
        .filter((l) => l.startsWith(root))
        .join('\n'),
      /alice/,
      'no user name in a key',
    );
  }));

test('a revoked session is gone for every copy of its cookie and on every instance; a re-check that fails ends it, one that succeeds refreshes the groups', () =>
  withStore(async (store, key) => {
    let answer: ReturnType<typeof user> | undefined = user('alice', ['a', 'b']);
    const seen: string[] = [];
    const reauthenticate = (authorization: string): Promise<ReturnType<typeof user> | undefined> => {
      seen.push(authorization);
      return Promise.resolve(answer);
    };
    const a = new Sessions(store, key, { recheckMs: 1000, cacheMs: 0, reauthenticate });
    const b = new Sessions(store, key, { recheckMs: 1000, cacheMs: 0, reauthenticate });
    const value = (await a.issue(user('alice', ['a']))).split(';')[0]!;
    assert.ok(await b.read(req({ cookie: value })));
    assert.ok(await b.revoke(req({ cookie: value })));
    assert.equal(await a.read(req({ cookie: value })), undefined, 'logged out on the other instance');
    const t0 = Date.now();
    const again = (await a.issue(user('alice', ['a']), 'Bearer tok', t0)).split(';')[0]!;
    assert.deepEqual((await b.read(req({ cookie: again }), t0 + 10))?.groups, ['a'], 'not re-checked before the interval');
    assert.deepEqual((await b.read(req({ cookie: again }), t0 + 1500))?.groups, ['a', 'b'], 'the re-check brought the new groups');
    assert.deepEqual(seen, ['Bearer tok'], 'the other instance re-checked with the sealed credential');
    answer = undefined;
    assert.equal(await b.read(req({ cookie: again }), t0 + 3000), undefined, 'the token no longer holds');
    assert.equal(await a.read(req({ cookie: again }), t0 + 3001), undefined, 'ended on every instance');
    assert.equal(await a.count(), 0);
  }));

test('a replica trusts a session record it read for --session-cache at most', () =>
  withStore(async (store, key) => {
    const a = new Sessions(store, key, { cacheMs: 1000 });
    const b = new Sessions(store, key, { cacheMs: 1000 });
    const t = Date.now();
    const value = (await a.issue(user('alice'), undefined, t)).split(';')[0]!;
    assert.ok(await b.read(req({ cookie: value }), t + 1));
    await a.revoke(req({ cookie: value }), t + 2);
    assert.ok(await b.read(req({ cookie: value }), t + 500), 'within the bound the other replica may still accept it');
    assert.equal(await b.read(req({ cookie: value }), t + 1002), undefined, 'past the bound it does not');
  }));

test("one user's sessions evict only that user's oldest; sign-ins are rate-limited per user; a full table logs nobody out", () =>
  withStore(async (store, key) => {
    const limits = { max: 8, perUser: 3, signIns: { burst: 5, everyMs: 1000 } };
    const sessions = new Sessions(store, key, { limits });
    const t = Date.now();
    const cookie = async (name: string, at: number): Promise<string> => (await sessions.issue(user(name), undefined, at)).split(';')[0]!;
    const alice = await cookie('alice', t);
    const mallory: string[] = [];
    for (let i = 0; i < 5; i++) mallory.push(await cookie('mallory', t + i));
    await assert.rejects(
      sessions.issue(user('mallory'), undefined, t + 10),
      (e: PodprofError) => e.code === 'PODPROF_THROTTLED' && e.retryAfterSeconds === 1,
    );
    assert.equal(await sessions.count(), 4, 'mallory holds 3 (her cap), alice 1');
    assert.equal(await sessions.read(req({ cookie: mallory[0]! }), t + 20), undefined, "mallory's oldest went");
    assert.ok(await sessions.read(req({ cookie: mallory[4]! }), t + 20));
    assert.equal((await sessions.read(req({ cookie: alice }), t + 20))?.name, 'alice', "alice's session survived mallory's sign-ins");
    for (let i = 0; (await sessions.count()) < limits.max; i++) await cookie(`user-${i}`, t + 30);
    await assert.rejects(sessions.issue(user('newcomer'), undefined, t + 40), /nobody is logged out/);
    assert.equal((await sessions.read(req({ cookie: alice }), t + 50))?.name, 'alice');
    assert.ok(await cookie('mallory', t + 5000), 'a user at her own cap still signs in, in place of her own oldest');
    assert.equal(await sessions.count(), limits.max);
  }));

test('a cookie-authenticated pprof GET needs the request header, a same-origin fetch or the user’s own navigation; other GETs do not', () =>
  withStore(async (store, key) => {
    const sessions = new Sessions(store, key);
    const value = (await sessions.issue(user('alice'))).split(';')[0]!;
    const acts = (r: IncomingMessage): boolean => (r as { url?: string }).url === '/pprof';
    const withUrl = (headers: Record<string, string>, url: string): IncomingMessage => Object.assign(req(headers), { url });
    const auth = sessions.authenticator(acts);
    await assert.rejects(auth(withUrl({ cookie: value }, '/pprof')), (e: PodprofError) => e.code === 'PODPROF_CSRF');
    await assert.rejects(auth(withUrl({ cookie: value, 'sec-fetch-site': 'same-site' }, '/pprof')), /own pages/);
    await assert.rejects(auth(withUrl({ cookie: value, 'sec-fetch-site': 'cross-site' }, '/pprof')), /own pages/);
    assert.equal((await auth(withUrl({ cookie: value, 'sec-fetch-site': 'same-origin' }, '/pprof')))?.name, 'alice');
    assert.equal((await auth(withUrl({ cookie: value, 'sec-fetch-site': 'none' }, '/pprof')))?.name, 'alice', 'a URL the user typed');
    assert.equal((await auth(withUrl({ cookie: value, 'x-podprof-request': '1' }, '/pprof')))?.name, 'alice');
    assert.equal((await auth(withUrl({ cookie: value }, '/api/v1/pods')))?.name, 'alice');
  }));

test("one user's open links are capped across instances without touching anyone else's", () =>
  withStore(async (store, key) => {
    const a = new LinkStore(store, key, { perUser: 2, total: 3 });
    const b = new LinkStore(store, key, { perUser: 2, total: 3 });
    await a.create(user('mallory'), 'ns', 'p', 'heap');
    await b.create(user('mallory'), 'ns', 'p', 'heap');
    await assert.rejects(
      a.create(user('mallory'), 'ns', 'p', 'heap'),
      (e: PodprofError) => e.code === 'PODPROF_THROTTLED' && /mallory has 2 open links/.test(e.message) && (e.retryAfterSeconds ?? 0) > 0,
    );
    const secret = await a.create(user('alice'), 'ns', 'p', 'heap');
    assert.equal((await b.redeem(req(basic(secret)), 'ns', 'p', 'heap'))?.name, 'alice', 'spent on the other instance');
    assert.ok(await a.create(user('alice'), 'ns', 'p', 'heap'), 'a spent link gives its share back');
    assert.ok(await a.create(user('mallory'), 'ns', 'p', 'heap', Date.now() + 6 * 60_000), 'expired links give their share back');
  }));

test('of racing mints of one user on one instance, exactly the cap succeed; on several, never more than the cap (some may be refused)', () =>
  withStore(async (store, key) => {
    const links = new LinkStore(store, key, { perUser: 3, total: 100 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => links.create(user('mallory'), 'ns', 'p', 'heap')));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    const replicas = Array.from({ length: 4 }, () => new LinkStore(store, key, { perUser: 3, total: 100 }));
    const racing = await Promise.allSettled(replicas.flatMap((r) => [1, 2, 3].map(() => r.create(user('trudy'), 'ns', 'p', 'heap'))));
    const made = racing.filter((r) => r.status === 'fulfilled').length;
    assert.ok(made <= 3, `${made} of 12`);
    let open = 0;
    for await (const o of store.list(`links/${userTag(key(), 'trudy')}/`)) open += o.key ? 1 : 0;
    assert.equal(open, made, 'a withdrawn mint leaves no record');
    for (let i = made; i < 3; i++) await replicas[i % 4]!.create(user('trudy'), 'ns', 'p', 'heap');
    await assert.rejects(replicas[3]!.create(user('trudy'), 'ns', 'p', 'heap'), /trudy has 3 open links/);
  }));

test('sign-ins of one user racing on several instances never leave more than the cap', () =>
  withStore(async (store, key) => {
    const limits = { max: 100, perUser: 2, signIns: { burst: 50, everyMs: 1000 } };
    const replicas = Array.from({ length: 4 }, () => new Sessions(store, key, { limits }));
    await Promise.all(replicas.flatMap((r) => [1, 2, 3].map(() => r.issue(user('trudy')))));
    const n = await replicas[0]!.count();
    assert.ok(n >= 1 && n <= 2, `${n} live`);
  }));

test('a one-time link works once, on whichever instance, for its pod and type only', () =>
  withStore(async (store, key) => {
    const [a, b, c] = [new LinkStore(store, key), new LinkStore(store, key), new LinkStore(store, key)];
    const secret = await a.create(user('alice'), 'shop', 'web-1', 'heap');
    await assert.rejects(b.redeem(req(basic(secret)), 'shop', 'web-2', 'heap'), /this link is for shop\/web-1 heap/);
    const other = await a.create(user('alice'), 'shop', 'web-1', 'heap');
    assert.equal((await b.redeem(req(basic(other)), 'shop', 'web-1', 'heap'))?.via, 'link');
    await assert.rejects(c.redeem(req(basic(other)), 'shop', 'web-1', 'heap'), /already used or has expired/);
    const late = await a.create(user('a'), 'shop', 'web-1', 'heap', Date.now() - 10 * 60_000);
    await assert.rejects(b.redeem(req(basic(late)), 'shop', 'web-1', 'heap'), /expired/);
    await assert.rejects(b.redeem(req(basic('not-a-secret-of-ours')), 'shop', 'web-1', 'heap'), /already used/);
    assert.equal(await b.redeem(req({ authorization: 'Basic !!' }), 'shop', 'web-1', 'heap'), undefined, 'not a link: other credentials');
  }));

test('of racing spends of one link on several instances exactly one succeeds', () =>
  withStore(async (store, key) => {
    const replicas = Array.from({ length: 5 }, () => new LinkStore(store, key));
    for (let round = 0; round < 5; round++) {
      const secret = await replicas[0]!.create(user('alice'), 'shop', 'web-1', 'heap');
      const spends = await Promise.allSettled(replicas.map((r) => r.redeem(req(basic(secret)), 'shop', 'web-1', 'heap')));
      assert.equal(spends.filter((s) => s.status === 'fulfilled').length, 1, `round ${round}`);
    }
  }));

test('a sweep deletes expired records and spent markers by their key names alone, and counts the live ones', () =>
  withStore(async (store) => {
    const now = Date.now();
    await store.put(`links/0123456789abcdef/${compose('', now - 10 * 60_000, '').padStart(9, '0')}-${'o'.repeat(43)}`, '{}');
    await store.put(`links/0123456789abcdef/${compose('', now + 60_000, '').padStart(9, '0')}-${'n'.repeat(43)}`, '{}');
    await store.put('links/unrelated-key', '{}');
    await store.put(`links/x/UNRELATED-${'u'.repeat(43)}`, '{}');
    const sweeper = new Sweeper(store, ['links'], 10);
    assert.equal(await sweeper.pass(now), 1);
    assert.deepEqual(sweeper.census.live, 1);
    const left: string[] = [];
    for await (const o of store.list('links/')) left.push(o.key);
    assert.equal(left.length, 3);
  }));

test('secrets carry their owner tag and expiry; the credential seal opens only with the key and the id', () => {
  const key = randomBytes(32);
  const tag = userTag(key, 'alice');
  assert.notEqual(tag, userTag(randomBytes(32), 'alice'));
  const secret = compose(tag, 1_800_000_000_000, 'x'.repeat(32));
  assert.deepEqual(parseSecret(secret, 32), { tag, until: 1_800_000_000_000 });
  assert.equal(parseSecret(`${secret}y`, 32), undefined);
  assert.equal(untilOfKey(`links/${tag}/${secret.slice(16, 25)}-${'d'.repeat(43)}`), 1_800_000_000_000);
  const box = seal(key, 'id-1', 'Bearer t');
  assert.equal(unseal(key, 'id-1', box), 'Bearer t');
  assert.equal(unseal(key, 'id-2', box), undefined);
  assert.equal(unseal(randomBytes(32), 'id-1', box), undefined);
  assert.equal(unseal(key, 'id-1', 'short'), undefined);
});

test('/readyz names each missing part with its reason and is ready only when none is missing', () => {
  const base = { synced: true, discovery: 'kubernetes', sidecarCa: '/sidecar-ca/ca.crt', targets: 2, storeDescribe: 'dir /s' };
  assert.deepEqual(gatewayReadiness(base), { ok: true, json: { ready: true, targets: 2, store: 'dir /s' } });
  const r = gatewayReadiness({ ...base, synced: false, store: 'ENOTDIR', sessionKey: 'not loaded', sidecarCa: 'memory (EACCES)' });
  assert.equal(r.ok, false);
  const missing = (r.json as { missing: Record<string, string> }).missing;
  assert.deepEqual(Object.keys(missing), ['store', 'sessionKey', 'discovery', 'sidecarCa']);
  assert.match(missing.discovery!, /API server/);
  assert.match(missing.store!, /dir \/s: ENOTDIR/);
});
