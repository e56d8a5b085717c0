// The Peek and Graph views against the real `go tool pprof -peek` and `-dot`:
// peek text line for line; for the graph, the legend, the nodes in pprof's
// (entropy) order with flat and cum, and every edge with its weight, residual
// and inline marks. Colours, font sizes, name shortening and nodelet boxes are
// DOT presentation, left to the UI.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { callGraph, type CallGraph } from '../../src/analysis/callgraph.ts';
import { peek } from '../../src/analysis/peek.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { goldens, parseArgs, parseDot, profileFor, PROFILES_DIR, renderPeek, type DotGraph } from '../kit/profiles/goldens.ts';

const all = await goldens();

function asDot(g: CallGraph): DotGraph {
  const node = (n: CallGraph['nodes'][number]): string => {
    const flat = n.flat === 0 ? '0' : `${n.flatText} (${n.flatPct})`;
    const cum = n.cum === n.flat ? flat : `${n.cumText} (${n.cumPct})`;
    return `${n.name} | flat ${flat} | cum ${cum} (${n.cum === n.flat ? n.flatText : n.cumText})`;
  };
  const edge = (e: CallGraph['edges'][number]): string => {
    const src = g.nodes[e.src]!.name;
    const dst = g.nodes[e.dst]!.name;
    return `${src} ${e.residual ? '...' : '->'} ${dst} (${e.weightText})${e.inline ? ' inline' : ''}`;
  };
  return { legend: [...g.legend], nodes: g.nodes.map(node), edges: g.edges.map(edge) };
}

describe('the Peek view matches go tool pprof -peek line for line', () => {
  for (const g of all.filter((x) => x.kind === 'peek')) {
    test(`${g.profile} ${g.args.join(' ')}`, async () => {
      const want = await readFile(`${PROFILES_DIR}golden/${g.file}`, 'utf8');
      const a = parseArgs(g.args);
      assert.equal(renderPeek(peek(prepare(await profileFor(g, a), a.view), a.peek ?? '')), want);
    });
  }
});

describe('the Graph view matches go tool pprof -dot node for node and edge for edge', () => {
  for (const g of all.filter((x) => x.kind === 'dot')) {
    test(`${g.profile} ${g.args.join(' ') || '(defaults)'}`, async () => {
      const want = parseDot(await readFile(`${PROFILES_DIR}golden/${g.file}`, 'utf8'));
      const a = parseArgs(g.args);
      const got = asDot(callGraph(prepare(await profileFor(g, a), a.view), a.prune));
      assert.deepEqual(got.legend, want.legend);
      assert.deepEqual(got.nodes, want.nodes);
      assert.deepEqual([...got.edges].sort(), [...want.edges].sort());
      // pprof orders edges of equal |weight| but opposite sign arbitrarily (map order), which only diffs have.
      if (!a.diffBase) assert.deepEqual(got.edges, want.edges, 'edge order (heaviest first)');
    });
  }
});
