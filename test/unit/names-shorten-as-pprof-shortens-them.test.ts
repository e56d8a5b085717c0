// The cases are pprof's own (internal/graph/graph_test.go TestShortenFunctionName,
// internal/report/shortnames_test.go TestShortNames), at the version Go 1.26 vendors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fittingLabel, shortNameList, shortenFunctionName } from '../../src/analysis/short-names.ts';

const PPROF_SHORTEN: readonly [string, string][] = [
  ['root', 'root'],
  ['syscall.Syscall', 'syscall.Syscall'],
  ['net/http.(*conn).serve', 'http.(*conn).serve'],
  ['github.com/blahBlah/foo.Foo', 'foo.Foo'],
  ['github.com/BlahBlah/foo.Foo', 'foo.Foo'],
  ['github.com/BlahBlah/foo.Foo[...]', 'foo.Foo[...]'],
  ['github.com/blah-blah/foo_bar.(*FooBar).Foo', 'foo_bar.(*FooBar).Foo'],
  ['encoding/json.(*structEncoder).(encoding/json.encode)-fm', 'json.(*structEncoder).(encoding/json.encode)-fm'],
  [
    'github.com/blah/blah/vendor/gopkg.in/redis.v3.(*baseClient).(github.com/blah/blah/vendor/gopkg.in/redis.v3.process)-fm',
    'redis.v3.(*baseClient).(github.com/blah/blah/vendor/gopkg.in/redis.v3.process)-fm',
  ],
  ['github.com/foo/bar/v4.(*Foo).Bar', 'bar.(*Foo).Bar'],
  ['github.com/foo/bar/v4/baz.Foo.Bar', 'baz.Foo.Bar'],
  ['github.com/foo/bar/v123.(*Foo).Bar', 'bar.(*Foo).Bar'],
  ['github.com/foobar/v0.(*Foo).Bar', 'v0.(*Foo).Bar'],
  ['github.com/foobar/v1.(*Foo).Bar', 'v1.(*Foo).Bar'],
  ['example.org/v2xyz.Foo', 'v2xyz.Foo'],
  ['github.com/foo/bar/v4/v4.(*Foo).Bar', 'v4.(*Foo).Bar'],
  ['github.com/foo/bar/v4/foo/bar/v4.(*Foo).Bar', 'v4.(*Foo).Bar'],
  ['java.util.concurrent.ThreadPoolExecutor$Worker.run', 'ThreadPoolExecutor$Worker.run'],
  ['java.bar.foo.FooBar.run(java.lang.Runnable)', 'FooBar.run'],
  ['(anonymous namespace)::Bar::Foo', 'Bar::Foo'],
  ['(anonymous namespace)::foo', 'foo'],
  ['cpp::namespace::Class::method()::$_100::operator()', 'Class::method'],
  ['foo_bar::Foo::bar', 'Foo::bar'],
  ['cpp::namespace::Class::method<float, long, int>()', 'Class::method<float, long, int>'],
  ['foo', 'foo'],
  ['foo/xyz', 'foo/xyz'],
  ['com.google.perftools.gwp.benchmark.FloatBench.lambda$run$0', 'FloatBench.lambda$run$0'],
  ['java.bar.foo.FooBar.run$0', 'FooBar.run$0'],
];

test("function names shorten exactly as pprof's ShortenFunctionName shortens them", () => {
  for (const [name, want] of PPROF_SHORTEN) assert.equal(shortenFunctionName(name), want, name);
});

test("a name's shorter forms are pprof's shortNameList: each suffix after . or ::, longest first", () => {
  assert.deepEqual(shortNameList(''), ['']);
  assert.deepEqual(shortNameList('foo'), ['foo']);
  assert.deepEqual(shortNameList('foo.bar.'), ['foo.bar.', 'bar.']);
  assert.deepEqual(shortNameList('a::b::c'), ['a::b::c', 'b::c', 'c']);
  assert.deepEqual(shortNameList('a.b.c'), ['a.b.c', 'b.c', 'c']);
  assert.deepEqual(shortNameList('a::b.c::d'), ['a::b.c::d', 'b.c::d', 'c::d', 'd']);
  assert.deepEqual(shortNameList('foo::operator()'), ['foo::operator()', 'operator()']);
});

test('a long module path gives a box the longest short form that fits, and cuts only the shortest', () => {
  const names = shortNameList('github.com/acme/svc1/internal/handlers.(*Server).Method10015');
  assert.deepEqual(names, ['handlers.(*Server).Method10015', '(*Server).Method10015', 'Method10015']);
  assert.equal(fittingLabel(names, 40), 'handlers.(*Server).Method10015');
  assert.equal(fittingLabel(names, 25), '(*Server).Method10015');
  assert.equal(fittingLabel(names, 12), 'Method10015');
  assert.equal(fittingLabel(names, 6), 'Metho…');
});
