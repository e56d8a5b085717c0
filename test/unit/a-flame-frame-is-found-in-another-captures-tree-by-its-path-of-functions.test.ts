// Two flame graphs side by side zoom together: a frame of one tree is found in
// the other by its path of (function, inlined) from the root, though the two
// profiles number their functions, names and nodes differently; a path the
// other tree lacks ends at its deepest common prefix, and the root maps to the root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { findPath, framePath, matchFrame, type FlameShape } from '../../src/analysis/flame-path.ts';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { flameTable } from '../../src/analysis/tree.ts';

/**
 * A CPU profile of these stacks (root first, one location per frame; "a+b" is a location of b inlined into a) with
 * these values; `order` lists function names in the order the profile declares them (so two profiles number them apart).
 */
function profile(stacks: readonly (readonly [string[], number])[], order: readonly string[]): FlameShape {
  const st = new StringTable();
  const fnIds = new Map(order.map((name, i) => [name, i + 1]));
  const functions = order.map((name, i) => new PFunction({ id: i + 1, name: st.dedup(name), systemName: st.dedup(name) }));
  const locIds = new Map<string, number>();
  const locations: Location[] = [];
  const loc = (frame: string): number => {
    let id = locIds.get(frame);
    if (id === undefined) {
      id = locations.length + 1;
      locIds.set(frame, id);
      // pprof lists a location's lines innermost first: "outer+inner" is inner inlined into outer.
      const names = frame.split('+').reverse();
      locations.push(new Location({ id, line: names.map((n) => new Line({ functionId: fnIds.get(n)!, line: 1 })) }));
    }
    return id;
  };
  const samples = stacks.map(([s, v]) => new Sample({ locationId: s.map(loc).reverse(), value: [v] }));
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: st,
  });
  return flameTable(prepare(fromPprof(p)));
}

/** The node of `t` at this path of names (no inlining), asserting it is there. */
function nodeAt(t: FlameShape, names: readonly string[]): number {
  const m = findPath(
    t,
    names.map((name) => ({ name, inline: false })),
  );
  assert.ok(m.exact, `${names.join(' > ')} is in the tree`);
  return m.node;
}

const BEFORE = profile(
  [
    [['main.main', 'main.serve', 'json.Marshal'], 50],
    [['main.main', 'main.serve', 'main.handle', 'db.Query'], 30],
    [['main.main', 'main.gc'], 20],
  ],
  ['main.main', 'main.serve', 'json.Marshal', 'main.handle', 'db.Query', 'main.gc'],
);
// After the deploy: json.Marshal is gone, db.Query is heavier, a new cache sits under handle, and the order differs.
const AFTER = profile(
  [
    [['main.main', 'main.serve', 'main.handle', 'db.Query'], 90],
    [['main.main', 'main.serve', 'main.handle', 'cache.Get'], 10],
    [['main.main', 'main.gc'], 5],
  ],
  ['cache.Get', 'db.Query', 'main.gc', 'main.handle', 'main.serve', 'main.main'],
);

test('a frame both trees have maps to the same path, whatever the node and name numbering', () => {
  const from = nodeAt(BEFORE, ['main.main', 'main.serve', 'main.handle', 'db.Query']);
  const to = nodeAt(AFTER, ['main.main', 'main.serve', 'main.handle', 'db.Query']);
  assert.notEqual(from, to, 'the numbering differs (else the test proves little)');
  assert.deepEqual(matchFrame(BEFORE, from, AFTER), { node: to, matched: 4, exact: true });
  assert.deepEqual(matchFrame(AFTER, to, BEFORE), { node: from, matched: 4, exact: true });
  assert.deepEqual(
    framePath(BEFORE, from).map((f) => f.name),
    ['main.main', 'main.serve', 'main.handle', 'db.Query'],
  );
});

test('a frame the other tree lacks maps to its deepest common caller', () => {
  const marshal = nodeAt(BEFORE, ['main.main', 'main.serve', 'json.Marshal']);
  assert.deepEqual(matchFrame(BEFORE, marshal, AFTER), { node: nodeAt(AFTER, ['main.main', 'main.serve']), matched: 2, exact: false });
  const cache = nodeAt(AFTER, ['main.main', 'main.serve', 'main.handle', 'cache.Get']);
  assert.deepEqual(matchFrame(AFTER, cache, BEFORE), {
    node: nodeAt(BEFORE, ['main.main', 'main.serve', 'main.handle']),
    matched: 3,
    exact: false,
  });
});

test('the same function elsewhere in the tree is not the same frame: the path decides', () => {
  const t = profile(
    [
      [['main.a', 'util.f'], 1],
      [['main.b', 'util.f'], 1],
    ],
    ['main.a', 'main.b', 'util.f'],
  );
  const u = profile([[['main.b', 'util.f'], 1]], ['util.f', 'main.b']);
  assert.deepEqual(matchFrame(t, nodeAt(t, ['main.a', 'util.f']), u), { node: 0, matched: 0, exact: false });
  assert.equal(matchFrame(t, nodeAt(t, ['main.b', 'util.f']), u).exact, true);
});

test('an inlined frame matches only an inlined frame of the same name', () => {
  const inlined = profile([[['main.main', 'main.loop+bytes.Equal'], 1]], ['main.main', 'main.loop', 'bytes.Equal']);
  const called = profile([[['main.main', 'main.loop', 'bytes.Equal'], 1]], ['main.main', 'main.loop', 'bytes.Equal']);
  const path = findPath(inlined, [
    { name: 'main.main', inline: false },
    { name: 'main.loop', inline: false },
    { name: 'bytes.Equal', inline: true },
  ]);
  assert.ok(path.exact);
  assert.deepEqual(matchFrame(inlined, path.node, called), { node: nodeAt(called, ['main.main', 'main.loop']), matched: 2, exact: false });
});

test('the root, and a node that is not in the tree, map to the root', () => {
  assert.deepEqual(matchFrame(BEFORE, 0, AFTER), { node: 0, matched: 0, exact: true });
  for (const n of [-1, 1.5, BEFORE.columns.size, Number.NaN]) {
    assert.deepEqual(framePath(BEFORE, n), []);
    assert.deepEqual(matchFrame(BEFORE, n, AFTER), { node: 0, matched: 0, exact: true });
  }
});
