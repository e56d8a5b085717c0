// The goroutine dump parser on the forms runtime/traceback.go writes that a
// live demo app rarely shows (elided frames, locked to thread, no wait time,
// GOTRACEBACK=system headers, labels, a stack unavailable), a dump cut short
// (read up to the cut, saying so), its bounds, and text that is no dump.
// Real dumps of the real demo app: test/process/goroutine-dump-captures-group-a-real-apps-goroutines.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupDumps, groupSearchFields } from '../../src/goroutine-dump/group.ts';
import { DumpError, functionOf, parseGoroutineDump } from '../../src/goroutine-dump/parse.ts';

const DUMP = `goroutine 1 [running]:
main.main()
\t/src/main.go:10 +0x1d

goroutine 18 [chan receive, 5 minutes]:
main.worker(0xc000012345, {0x1, 0x2})
\t/src/main.go:20 +0x45
created by main.main in goroutine 1
\t/src/main.go:12 +0x65

goroutine 19 [chan receive, 7 minutes]:
main.worker(0xc000012399, {0x1, 0x2})
\t/src/main.go:20 +0x45
created by main.main in goroutine 1
\t/src/main.go:12 +0x65

goroutine 20 [select, locked to thread]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/usr/local/go/src/runtime/proc.go:435 +0xce
main.(*Server).loop(...)
\t/src/server.go:99
main.run[...](0x1)
\t/src/server.go:120 +0x20
...additional frames elided...
created by main.start
\t/src/server.go:30 +0x3e

goroutine 21 gp=0xc000007180 m=nil [sync.Mutex.Lock, 2 minutes, locked to thread, synctest bubble 3 labels:{"a": "b, c"}]:
main.recurse(...)
\t/src/r.go:5
...12 frames elided...
main.recurse(...)
\t/src/r.go:5

goroutine 22 [running]:
\tgoroutine running on other thread; stack unavailable
created by main.main in goroutine 1
\t/src/main.go:14 +0x99
`;

test('a dump reads as goroutines with state, wait, lock, frames, elisions and creator', () => {
  const d = parseGoroutineDump(DUMP);
  assert.equal(d.truncated, undefined);
  assert.deepEqual(
    d.goroutines.map((g) => [g.id, g.state, g.waitMinutes, g.lockedToThread, g.frames.length, g.elided]),
    [
      [1, 'running', 0, false, 1, 0],
      [18, 'chan receive', 5, false, 1, 0],
      [19, 'chan receive', 7, false, 1, 0],
      [20, 'select', 0, true, 3, -1],
      [21, 'sync.Mutex.Lock', 2, true, 2, 12],
      [22, 'running', 0, false, 0, 0],
    ],
  );
  const g20 = d.goroutines[3]!;
  assert.deepEqual(g20.frames[1], { func: 'main.(*Server).loop', file: '/src/server.go', line: 99 });
  assert.equal(g20.frames[2]!.func, 'main.run[...]');
  assert.deepEqual(g20.createdBy, { func: 'main.start', file: '/src/server.go', line: 30 });
  assert.deepEqual(d.goroutines[1]!.createdBy, { func: 'main.main', file: '/src/main.go', line: 12, goroutine: 1 });
  assert.equal(d.goroutines[5]!.note, 'goroutine running on other thread; stack unavailable');
  assert.equal(functionOf('panic({0x4a1b20?, 0xc0000a0000?})'), 'panic');
  assert.equal(functionOf('main.main.func1()'), 'main.main.func1');
});

test('goroutines with the same state and stack are one group: count, longest wait, ids; sorted by count', () => {
  const s = groupDumps([{ pod: '', dump: parseGoroutineDump(DUMP) }]);
  assert.equal(s.goroutines, 6);
  assert.equal(s.groups.length, 5);
  const top = s.groups[0]!;
  assert.deepEqual([top.state, top.count, top.maxWaitMinutes, top.ids], ['chan receive', 2, 7, { '': [18, 19] }]);
  assert.ok(groupSearchFields(top).includes('main.worker'));
  const merged = groupDumps([
    { pod: 'web-0', dump: parseGoroutineDump(DUMP) },
    { pod: 'web-1', dump: parseGoroutineDump(DUMP) },
  ]);
  assert.deepEqual(merged.groups[0]!.ids, { 'web-0': [18, 19], 'web-1': [18, 19] });
  assert.equal(merged.groups[0]!.count, 4);
  assert.deepEqual(
    merged.pods.map((p) => [p.pod, p.goroutines]),
    [
      ['web-0', 6],
      ['web-1', 6],
    ],
  );
});

test('a dump cut short is read up to the cut and says so', () => {
  const cut = DUMP.slice(0, DUMP.indexOf('main.(*Server).loop') + 8);
  const d = parseGoroutineDump(cut);
  assert.deepEqual(
    d.goroutines.map((g) => g.id),
    [1, 18, 19],
  );
  assert.match(d.truncated ?? '', /ends mid-line in goroutine 20.*3 goroutines before the cut are shown/);
  const atFunction = DUMP.slice(0, DUMP.indexOf('\t/src/server.go:99'));
  assert.match(parseGoroutineDump(atFunction).truncated ?? '', /goroutine 20 before the file line of main.\(\*Server\).loop/);
});

test('the bounds: bytes refused, goroutines and frames past the limit counted, not kept', () => {
  assert.throws(
    () => parseGoroutineDump(DUMP, { maxBytes: 100, maxGoroutines: 10, maxFrames: 10 }),
    (e: unknown) => e instanceof DumpError && e.code === 'PODPROF_BAD_GOROUTINE_DUMP' && /over the limit of 100/.test(e.message),
  );
  const few = parseGoroutineDump(DUMP, { maxBytes: 1e6, maxGoroutines: 2, maxFrames: 1 });
  assert.equal(few.goroutines.length, 2);
  assert.match(few.truncated ?? '', /only the first 2 goroutines are read \(4 more left out\)/);
  const shallow = parseGoroutineDump(DUMP, { maxBytes: 1e6, maxGoroutines: 10, maxFrames: 1 });
  assert.deepEqual([shallow.goroutines[4]!.frames.length, shallow.goroutines[4]!.elided], [1, 13]);
});

test('text that is no goroutine dump is refused naming the line', () => {
  const cases: [string, RegExp][] = [
    ['<html><body>login</body></html>\n', /line 1 is not a goroutine header/],
    ['', /holds no goroutine/],
    ['goroutine 1 [running]:\nmain.main()\n\nnot a goroutine\n', /line 3: goroutine 1's "main.main" has no file line/],
    ['goroutine 1 [running]:\n\t/src/x.go:1\n\t/src/y.go:2\n', /line 2: a file line with no function line/],
    ['goroutine 1 [running]:\nmain.main()\n\t/src/x.go:1\n\nhello\n', /line 5 follows a blank line but starts no goroutine/],
    ['goroutine 1 [running]:\nmain.main()\n\tnot a file\n', /line 3: goroutine 1's "main.main" has no file line/],
    ['goroutine 1 [running]:\nmain.main()\n\t/src/x.go:1\n\tjunk\n', /line 4: not a file:line/],
  ];
  for (const [text, want] of cases)
    assert.throws(
      () => parseGoroutineDump(text),
      (e: unknown) => e instanceof DumpError && e.code === 'PODPROF_BAD_GOROUTINE_DUMP' && want.test(e.message),
      text,
    );
});
