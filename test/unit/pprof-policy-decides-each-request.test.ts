// The parameter policy of docs/design.md §2.2, as a pure function.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodprofError } from '../../src/errors.ts';
import { DEFAULT_PROFILES } from '../../src/endpoints/catalog.ts';
import { pprofRequestOf, type PolicyLimits } from '../../src/endpoints/policy.ts';

const limits: PolicyLimits = { prefix: '/debug/pprof', profiles: DEFAULT_PROFILES, maxSeconds: 60 };

const ALLOWED: Array<[string, string, string, number]> = [
  ['GET', '/debug/pprof/profile', '/debug/pprof/profile?seconds=30', 30],
  ['GET', '/debug/pprof/profile?seconds=5', '/debug/pprof/profile?seconds=5', 5],
  ['GET', '/debug/pprof/trace', '/debug/pprof/trace?seconds=1', 1],
  ['GET', '/debug/pprof/trace?seconds=0.5', '/debug/pprof/trace?seconds=0.5', 0.5],
  ['GET', '/debug/pprof/heap', '/debug/pprof/heap', 0],
  ['GET', '/debug/pprof/heap?gc=1&debug=0', '/debug/pprof/heap?gc=1&debug=0', 0],
  ['GET', '/debug/pprof/heap?seconds=10', '/debug/pprof/heap?seconds=10', 10],
  ['GET', '/debug/pprof/goroutine?debug=2', '/debug/pprof/goroutine?debug=2', 0],
  ['GET', '/debug/pprof/mutex?debug=1', '/debug/pprof/mutex?debug=1', 0],
  ['GET', '/debug/pprof/symbol?0x4a1b2c+0x4a1b3d', '/debug/pprof/symbol?0x4a1b2c+0x4a1b3d', 0],
  ['POST', '/debug/pprof/symbol', '/debug/pprof/symbol', 0],
];

for (const [method, url, upstream, seconds] of ALLOWED) {
  test(`policy allows ${method} ${url} as ${upstream}`, () => {
    const r = pprofRequestOf(method, url, limits);
    assert.equal(r.upstreamPath, upstream);
    assert.equal(r.seconds, seconds);
    assert.equal(r.exclusive, r.type === 'profile' || r.type === 'trace');
  });
}

const REFUSED: Array<[string, string, string, PolicyLimits?]> = [
  ['GET', '/debug/pprof/cmdline', 'PODPROF_PROFILE_DISABLED'],
  ['GET', '/debug/pprof/heap', 'PODPROF_PROFILE_DISABLED', { ...limits, profiles: ['goroutine'] }],
  ['GET', '/debug/pprof/profile?seconds=61', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/profile?seconds=0', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/profile?seconds=1.5', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/trace?seconds=0', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/trace?seconds=1e3', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/profile?debug=1', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/block?gc=1', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/block?debug=2', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/goroutine?debug=3', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/goroutine?seconds=5&debug=1', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/symbol?foo=bar', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/heap?%zz', 'PODPROF_BAD_PARAMETER'],
  ['GET', '/debug/pprof/Heap', 'PODPROF_NOT_FOUND'],
  ['GET', '/debug/pprof/heap/', 'PODPROF_NOT_FOUND'],
  ['GET', '/debug/pprof/heap%00', 'PODPROF_NOT_FOUND'],
  ['GET', '/debug/pprof/he ap', 'PODPROF_NOT_FOUND'],
  ['GET', '/debug/pprofx/heap', 'PODPROF_NOT_FOUND'],
  ['GET', '/other/pprof/heap', 'PODPROF_NOT_FOUND'],
  ['HEAD', '/debug/pprof/heap', 'PODPROF_METHOD_NOT_ALLOWED'],
  ['POST', '/debug/pprof/profile', 'PODPROF_METHOD_NOT_ALLOWED'],
];

for (const [method, url, code, l] of REFUSED) {
  test(`policy refuses ${method} ${url} with ${code}`, () => {
    assert.throws(
      () => pprofRequestOf(method, url, l ?? limits),
      (e: unknown) => e instanceof PodprofError && e.code === code,
    );
  });
}

test('the cap on seconds also caps Go defaults', () => {
  const r = pprofRequestOf('GET', '/debug/pprof/profile', { ...limits, maxSeconds: 10 });
  assert.equal(r.upstreamPath, '/debug/pprof/profile?seconds=10');
});

test('a custom path prefix is honoured and the default prefix is then unknown', () => {
  const custom = { ...limits, prefix: '/internal/pprof' };
  assert.equal(pprofRequestOf('GET', '/internal/pprof/heap', custom).upstreamPath, '/internal/pprof/heap');
  assert.throws(() => pprofRequestOf('GET', '/debug/pprof/heap', custom));
});

test("trace?flight=1 reads the app's flight recorder: its own path upstream, the normal form toward the sidecar, one snapshot at a time", () => {
  const withRecorder = { ...limits, flightRecorder: '/debug/flightrecorder' };
  const r = pprofRequestOf('GET', '/debug/pprof/trace?flight=1', withRecorder);
  assert.deepEqual(
    { upstream: r.upstreamPath, path: r.path, seconds: r.seconds, exclusive: r.exclusive, holds: r.holds },
    { upstream: '/debug/flightrecorder', path: '/debug/pprof/trace?flight=1', seconds: 0, exclusive: true, holds: 'flight' },
  );
  assert.equal(
    pprofRequestOf('GET', '/debug/pprof/trace?seconds=2', withRecorder).holds,
    'trace',
    'a recorded trace holds the tracer, not the recorder',
  );
  assert.throws(
    () => pprofRequestOf('GET', '/debug/pprof/trace?flight=1', limits),
    (e: PodprofError) => e.code === 'PODPROF_PROFILE_DISABLED' && /no flight recorder/.test(e.message),
  );
  assert.throws(() => pprofRequestOf('GET', '/debug/pprof/trace?flight=1&seconds=3', withRecorder), /flight=1 takes no seconds/);
  assert.throws(() => pprofRequestOf('GET', '/debug/pprof/trace?flight=2', withRecorder), /flight=2: want a whole number from 1 to 1/);
  assert.throws(() => pprofRequestOf('GET', '/debug/pprof/heap?flight=1', withRecorder), /unknown parameter "flight" for heap/);
});
