// The bounded building blocks every shared table of podprof is made of:
// per-holder and total caps (connections, streams, bytes), token buckets per
// caller in a table of bounded size, turns between owners, and address keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressKey } from '../../src/limits/address.ts';
import { FairQueue } from '../../src/limits/fair-queue.ts';
import { RateLimiter } from '../../src/limits/rate.ts';
import { Shares } from '../../src/limits/shares.ts';

test('shares refuse a holder past its own cap, and anyone past the total, without taking anything', () => {
  const s = new Shares({ perHolder: 2, total: 3 });
  assert.equal(s.take('a'), undefined);
  assert.equal(s.take('a'), undefined);
  assert.equal(s.take('a'), 'holder');
  assert.equal(s.take('b'), undefined);
  assert.equal(s.take('c'), 'total');
  assert.deepEqual([s.of('a'), s.of('b'), s.of('c'), s.total], [2, 1, 0, 3]);
  s.give('a');
  assert.equal(s.take('c'), undefined, 'what one gives back another may take');
  s.give('a');
  s.give('a', 5);
  assert.equal(s.of('a'), 0);
  assert.equal(s.total, 2, 'giving back more than was held changes nothing');
  s.give('b');
  s.give('c');
  assert.equal(s.holders, 0, 'holders that hold nothing are forgotten: the table never outgrows the total');
});

test('a rate limiter allows a burst, then the rate, and says how long to wait', () => {
  const r = new RateLimiter({ burst: 3, perSecond: 0.5, maxCallers: 10 });
  const t = 1_000_000;
  assert.deepEqual([r.take('u', t), r.take('u', t), r.take('u', t)], [0, 0, 0]);
  assert.equal(r.take('u', t), 2, 'one token comes back every 2 s');
  assert.equal(r.take('v', t), 0, 'another caller has its own bucket');
  assert.equal(r.take('u', t + 2000), 0);
  assert.equal(r.take('u', t + 2000), 2);
});

test("a rate limiter's table stays bounded: idle callers are forgotten, and past the bound newcomers share one bucket", () => {
  const r = new RateLimiter({ burst: 2, perSecond: 1, maxCallers: 3 });
  const t = 5_000_000;
  for (const c of ['a', 'b', 'c']) r.take(c, t);
  assert.equal(r.callers, 3);
  assert.equal(r.take('d', t), 0, 'd shares the overflow bucket (a, b, c are all in use)');
  assert.equal(r.take('e', t), 0);
  assert.equal(r.take('f', t), 1, 'the overflow bucket is spent: newcomers wait, nobody known is evicted');
  assert.equal(r.take('a', t), 0, 'a kept its own bucket');
  assert.ok(r.callers <= 4);
  assert.equal(r.take('g', t + 10_000), 0, 'once buckets have refilled, their callers are forgotten and g gets its own');
  assert.ok(r.callers <= 4);
});

test('a fair queue takes turns between owners and caps what each may queue', () => {
  const q = new FairQueue<string>({ perOwner: 3, total: 5 });
  for (const i of [1, 2, 3]) assert.equal(q.push('mallory', `m${i}`), true);
  assert.equal(q.push('mallory', 'm4'), false, "mallory's own cap");
  assert.equal(q.push('alice', 'a1'), true);
  assert.equal(q.push('bob', 'b1'), true);
  assert.equal(q.push('carol', 'c1'), false, 'the total');
  const order = Array.from({ length: 5 }, () => q.next());
  assert.deepEqual(order, ['m1', 'a1', 'b1', 'm2', 'm3'], "alice and bob wait one of mallory's jobs, not all three");
  assert.equal(q.next(), undefined);
  assert.equal(q.size, 0);
  // An owner just served waits behind one who was served longer ago, even when its lane emptied meanwhile.
  q.push('mallory', 'm5');
  q.push('alice', 'a2');
  assert.deepEqual([q.next(), q.next()], ['a2', 'm5'], 'alice was served before mallory last: her turn comes first');
});

test('an address key is the IPv4 address, or the /64 of an IPv6 one', () => {
  assert.equal(addressKey('10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('::ffff:10.0.0.7'), '10.0.0.7');
  assert.equal(addressKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('2001:DB8:0:0:ffff::9'), addressKey('2001:db8::1'), 'one /64, one key, whatever the suffix');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey(undefined), 'unknown');
});
