// The sidecar's jti cache: a token id works once while its token lives; ids of
// expired tokens are forgotten within seconds, so memory follows the tokens of
// the last minutes, not the request count; a subject whose share is full of
// live ids is refused (fail closed), and nobody else is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayCache } from '../../sidecar/replay.ts';

const T0 = 1_800_000_000_000;
const sec = (ms: number): number => Math.floor(ms / 1000);

test('a jti is accepted once and refused while its token lives', () => {
  const c = new ReplayCache();
  assert.equal(c.use('a', sec(T0) + 60, 'alice', T0), 'ok');
  assert.equal(c.use('a', sec(T0) + 60, 'alice', T0 + 1000), 'replayed');
  assert.equal(
    c.use('a', sec(T0) + 60, 'bob', T0 + 65_000),
    'replayed',
    'still refused within the clock skew after exp, whoever presents it',
  );
});

test('ids of expired tokens are forgotten without the cache filling up', () => {
  const c = new ReplayCache();
  for (let i = 0; i < 10_000; i++) c.use(`old-${i}`, sec(T0) + 60, `user-${i % 7}`, T0 + i);
  assert.equal(c.size, 10_000);
  c.use('new', sec(T0) + 200, 'alice', T0 + 60_000 + 11_000);
  assert.equal(c.size, 1, 'every expired id dropped, the live one kept');
});

test('full of live ids, the cache refuses new tokens rather than forget a live one', () => {
  const c = new ReplayCache({ total: 3, perSubject: 3 });
  for (const j of ['a', 'b', 'c']) assert.equal(c.use(j, sec(T0) + 60, 'alice', T0), 'ok');
  assert.equal(c.use('d', sec(T0) + 60, 'alice', T0 + 1), 'full');
  assert.equal(c.use('a', sec(T0) + 60, 'alice', T0 + 2), 'replayed');
});

test('one subject filling its share leaves the pod open to every other subject', () => {
  const c = new ReplayCache({ total: 100, perSubject: 10 });
  for (let i = 0; i < 10; i++) assert.equal(c.use(`m-${i}`, sec(T0) + 300, 'mallory', T0), 'ok');
  assert.equal(c.use('m-10', sec(T0) + 300, 'mallory', T0 + 1), 'full', "mallory's share is full of live ids");
  for (let i = 0; i < 50; i++) assert.equal(c.use(`a-${i}`, sec(T0) + 300, `user-${i}`, T0 + 2), 'ok', 'others are served');
  assert.equal(c.use('m-11', sec(T0) + 300, 'mallory', T0 + 311_000), 'ok', 'once her tokens expired, mallory is served again');
});
