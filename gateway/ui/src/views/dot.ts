// DOT for the Graph view from `callGraph` (src/analysis/callgraph.ts), styled
// like pprof's. Every string from the profile goes through `dotString`: no
// attribute but label/tooltip ever carries profile text, no URL/href is ever
// emitted, and escapes (\N, \G, \l …) cannot be injected.
import type { CallGraph } from '../../../../src/analysis/callgraph.ts';
import { shortenFunctionName } from '../../../../src/analysis/short-names.ts';

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

/** Lines joined with DOT's centred line break (or its left-justified one); each line escaped. */
function lines(parts: readonly string[], left = false): string {
  const br = left ? '\\l' : '\\n';
  return `"${parts.map((p) => dotString(p).slice(1, -1)).join(br)}${left ? br : ''}"`;
}

/** pprof's node label (multilinePrintableName): the short name, one line per `.` or `::` part, so it fits its box. */
export function nameLines(name: string): string[] {
  return shortenFunctionName(name).replaceAll('[...]', '[…]').split(/::|\./);
}

/**
 * pprof's dotColor: a score in [-1, 1] as red (grew / hot), grey (0) or green (shrank), foreground
 * (edges, borders: saturated, value 0.7) or background (fills: pale, value 0.93).
 */
export function dotColor(score: number, background: boolean): string {
  let saturation = background ? 0.1 : 1;
  const value = background ? 0.93 : 0.7;
  let s = Math.max(-1, Math.min(1, score));
  if (Math.abs(s) < 0.2) saturation *= Math.abs(s) / 0.2;
  s = Math.sign(s) * Math.abs(s) ** 0.3; // pprof's shift of 0.7 away from grey
  const r = s < 0 ? value * (1 + saturation * s) : value;
  const g = s < 0 ? value : value * (1 - saturation * s);
  const b = value * (1 - saturation);
  const hex = (x: number): string =>
    Math.trunc(x * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

/** Graphviz measures text in its own metrics for these fonts; the page draws the SVG's text in the same family (style.css). */
const FONT = 'Helvetica';
const MATCH = '#e060e0';

export function callGraphDot(g: CallGraph, title: readonly string[], dark: boolean, matches: readonly number[] = []): string {
  const matched = new Set(matches);
  const maxFlat = g.nodes.reduce((m, n) => Math.max(m, Math.abs(n.flat)), 0) || 1;
  const maxEdge = g.edges.reduce((m, e) => Math.max(m, Math.abs(e.weight)), 0) || 1;
  const fg = dark ? '#e8e8e8' : '#000000';
  const out: string[] = [
    'digraph "podprof" {',
    `graph [bgcolor="transparent" fontcolor="${fg}" fontname="${FONT}"];`,
    `node [style=filled shape=box fontname="${FONT}" fontcolor="${fg}" color="#888888"];`,
    `edge [color="#888888" fontname="${FONT}" fontcolor="${fg}" fontsize=9];`,
    `legend [shape=plaintext style="" label=${lines(title, true)}];`,
  ];
  g.nodes.forEach((n, i) => {
    const frac = Math.abs(n.flat) / maxFlat;
    const fontsize = Math.round(8 + 14 * Math.sqrt(frac));
    const cumFrac = g.total === 0 ? 0 : Math.min(1, Math.abs(n.cum) / Math.abs(g.total));
    const light = dark ? 20 + Math.round(20 * cumFrac) : 96 - Math.round(36 * cumFrac);
    const hue = n.cum < 0 ? 120 : 0;
    const fill = `${(hue / 360).toFixed(3)} ${(0.15 + 0.6 * cumFrac).toFixed(3)} ${(light / 100).toFixed(3)}`;
    const label = [...nameLines(n.name), n.flat !== 0 ? `${n.flatText} (${n.flatPct})` : '', `of ${n.cumText} (${n.cumPct})`].filter(
      (x) => x !== '',
    );
    const tags = n.tags.slice(0, 4).map((t) => t.name);
    const mark = matched.has(i) ? ` color="${MATCH}" penwidth=4` : '';
    out.push(`N${i} [label=${lines([...label, ...tags])} tooltip=${dotString(n.name)} fontsize=${fontsize} fillcolor="${fill}"${mark}];`);
  });
  // Edges as pprof draws them: width and layout weight by share of the total, coloured red the hotter they are.
  const total = Math.abs(g.total) || maxEdge;
  for (const e of g.edges) {
    const share = Math.abs(e.weight) / total;
    const width = 1 + Math.trunc(Math.min(share * 5, 5));
    const weight = 1 + Math.trunc(Math.min(share * 100, 100));
    const label = dotString(` ${e.weightText}${e.inline ? ' (inline)' : ''}`);
    out.push(
      `N${e.src} -> N${e.dst} [label=${label} penwidth=${width} weight=${weight} color="${dotColor(e.weight / total, false)}" style=${edgeStyle(e)}];`,
    );
  }
  out.push('}');
  return out.join('\n');
}
