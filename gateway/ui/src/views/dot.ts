// DOT for the Graph view from `callGraph` (src/analysis/callgraph.ts), styled
// like pprof's. Every string from the profile goes through `dotString`: no
// attribute but label/tooltip ever carries profile text, no URL/href is ever
// emitted, and escapes (\N, \G, \l …) cannot be injected.
import type { CallGraph } from '../../../../src/analysis/callgraph.ts';

/** A quoted DOT string holding `s` as plain text. */
/** pprof's edge styles: dotted for a residual (frames elided between), dashed for an inlined call. */
function edgeStyle(e: { residual?: boolean; inline?: boolean }): string {
  if (e.residual) return 'dotted';
  return e.inline ? 'dashed' : 'solid';
}

export function dotString(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `"${clean.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Lines joined with DOT's centred line break; each line escaped. */
function lines(parts: readonly string[]): string {
  return `"${parts.map((p) => dotString(p).slice(1, -1)).join('\\n')}"`;
}

function shorten(name: string): string {
  // pprof's node labels: the package path is dropped down to the last element.
  const paren = name.indexOf('(');
  const head = paren >= 0 ? name.slice(0, paren) : name;
  const slash = head.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

export function callGraphDot(g: CallGraph, title: readonly string[], dark: boolean): string {
  const maxFlat = g.nodes.reduce((m, n) => Math.max(m, Math.abs(n.flat)), 0) || 1;
  const maxEdge = g.edges.reduce((m, e) => Math.max(m, Math.abs(e.weight)), 0) || 1;
  const fg = dark ? '#e8e8e8' : '#000000';
  const out: string[] = [
    'digraph "podprof" {',
    `graph [bgcolor="transparent" fontcolor="${fg}" fontname="sans-serif"];`,
    `node [style=filled shape=box fontname="sans-serif" fontcolor="${fg}" color="#888888"];`,
    `edge [color="#888888" fontname="sans-serif" fontcolor="${fg}" fontsize=9];`,
    `legend [shape=plaintext style="" label=${lines(title)}];`,
  ];
  g.nodes.forEach((n, i) => {
    const frac = Math.abs(n.flat) / maxFlat;
    const fontsize = Math.round(8 + 14 * Math.sqrt(frac));
    const cumFrac = g.total === 0 ? 0 : Math.min(1, Math.abs(n.cum) / Math.abs(g.total));
    const light = dark ? 20 + Math.round(20 * cumFrac) : 96 - Math.round(36 * cumFrac);
    const hue = n.cum < 0 ? 120 : 0;
    const fill = `${(hue / 360).toFixed(3)} ${(0.15 + 0.6 * cumFrac).toFixed(3)} ${(light / 100).toFixed(3)}`;
    const label = [shorten(n.name), n.flat !== 0 ? `${n.flatText} (${n.flatPct})` : '', `of ${n.cumText} (${n.cumPct})`].filter(
      (x) => x !== '',
    );
    const tags = n.tags.slice(0, 4).map((t) => t.name);
    out.push(`N${i} [label=${lines([...label, ...tags])} tooltip=${dotString(n.name)} fontsize=${fontsize} fillcolor="${fill}"];`);
  });
  for (const e of g.edges) {
    const w = 1 + 5 * (Math.abs(e.weight) / maxEdge);
    const style = edgeStyle(e);
    out.push(
      `N${e.src} -> N${e.dst} [label=${dotString(` ${e.weightText}`)} penwidth=${w.toFixed(2)} weight=${Math.max(1, Math.round(w * 10))} style=${style}${e.inline ? ' label=' + dotString(` ${e.weightText} (inline)`) : ''}];`,
    );
  }
  out.push('}');
  return out.join('\n');
}
