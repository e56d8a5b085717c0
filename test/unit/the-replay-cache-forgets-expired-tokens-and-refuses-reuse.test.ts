// The sidecar's jti cache: a token id works once while its token lives; ids of
// expired tokens are forgotten within seconds, so memory follows the tokens of
// the last minutes, not the request count; full of live ids, it fails closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayCache } from '../../sidecar/replay.ts';

const T0 = 1_800_000_000_000;
const sec = (ms: number): number => Math.floor(ms / 1000);

test('a jti is accepted once and refused while its token lives', () => {
  const c = new ReplayCache();
  assert.equal(c.use('a', sec(T0) + 60, T0), true);
  assert.equal(c.use('a', sec(T0) + 60, T0 + 1000), false);
  assert.equal(c.use('a', sec(T0) + 60, T0 + 65_000), false, 'still refused within the clock skew after exp');
});

test('ids of expired tokens are forgotten without the cache filling up', () => {
  const c = new ReplayCache();
  for (let i = 0; i < 10_000; i++) c.use(`old-${i}`, sec(T0) + 60, T0 + i);
  assert.equal(c.size, 10_000);
  c.use('new', sec(T0) + 200, T0 + 60_000 + 11_000);
  assert.equal(c.size, 1, 'every expired id dropped, the live one kept');
});

test('full of live ids, the cache refuses new tokens rather than forget a live one', () => {
  const c = new ReplayCache(3);
  for (const j of ['a', 'b', 'c']) assert.equal(c.use(j, sec(T0) + 60, T0), true);
  assert.equal(c.use('d', sec(T0) + 60, T0 + 1), false);
  assert.equal(c.use('a', sec(T0) + 60, T0 + 2), false);
});
