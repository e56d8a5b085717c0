// The TokenReview, SubjectAccessReview and workload caches (gateway/auth/cache.ts)
// are bounded; when full, the least recently used entry goes. A user whose
// entry is read keeps it while a flood of new keys (made-up tokens) passes
// through; an expired entry is never returned; the bound holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlCache } from '../../gateway/auth/cache.ts';

test('an entry read between the flood of new keys stays; the unread ones go first', () => {
  const c = new TtlCache<string>(100);
  c.set('alice', 'user alice', 60_000, 0);
  c.set('bob', 'user bob', 60_000, 0);
  for (let i = 0; i < 1000; i++) {
    c.set(`made-up-${i}`, 'nobody', 10_000, 1);
    if (i % 50 === 0) assert.equal(c.get('alice', 2), 'user alice', `alice is still cached after ${i} made-up keys`);
  }
  assert.equal(c.get('bob', 2), undefined, 'bob, never read again, went');
  assert.equal(c.size, 100, 'the bound holds');
});

test('an expired entry is not returned and leaves the cache', () => {
  const c = new TtlCache<string>(10);
  c.set('k', 'v', 1000, 0);
  assert.equal(c.get('k', 1000), 'v');
  assert.equal(c.get('k', 1001), undefined);
  assert.equal(c.size, 0);
});

test('setting a key again replaces it and counts once', () => {
  const c = new TtlCache<number>(2);
  c.set('a', 1, 1000, 0);
  c.set('a', 2, 1000, 0);
  c.set('b', 3, 1000, 0);
  assert.equal(c.size, 2);
  assert.equal(c.get('a', 1), 2);
  assert.equal(c.get('b', 1), 3);
});
