// Each view's data, computed in the worker from the prepared profile and the
// view's URL parameters; the page only draws it.
import { callGraph, DEFAULT_NODE_COUNT } from '../../../../src/analysis/callgraph.ts';
import { sourceLines } from '../../../../src/analysis/lines.ts';
import type { ProfileModel } from '../../../../src/analysis/model.ts';
import { peek } from '../../../../src/analysis/peek.ts';
import type { Prepared } from '../../../../src/analysis/prepare.ts';
import { compileRegex, exactNameRegex, RegexOptionError } from '../../../../src/analysis/regex.ts';
import { top, type TopRow } from '../../../../src/analysis/top.ts';
import { packTopRows } from './top-rows.ts';
import { numberParam, type ParamState, type ProfileViewName } from '../state.ts';
import { flameData } from './flame-data.ts';
import {
  MAX_GRAPH_NODES,
  POD_LABEL,
  type BadRegex,
  type GraphData,
  type PeekData,
  type PodsData,
  type SourceData,
  type Summary,
  type TopData,
  type ViewData,
} from './protocol.ts';

/** Whether the view has samples: 'no' (it has), 'filtered' (the filters left none), 'none' (the profile has none). */
function emptiness(model: ProfileModel, p: Prepared): Summary['empty'] {
  const sampled = (m: ProfileModel): boolean => m.samples.some((s) => (s.values[p.valueIndex] ?? 0) !== 0);
  if (sampled(p.profile)) return 'no';
  return sampled(model) ? 'filtered' : 'none';
}

export function summary(model: ProfileModel, p: Prepared): Summary {
  return {
    sampleTypes: model.sampleTypes,
    valueIndex: p.valueIndex,
    sampleType: p.sampleType,
    granularity: p.granularity,
    total: p.total,
    warnings: p.warnings,
    merged: model.samples.some((s) => s.labels.has(POD_LABEL)),
    labelKeys: labelKeys(model),
    empty: emptiness(model, p),
  };
}

function sortedRows(rows: readonly TopRow[], key: string | undefined): readonly TopRow[] {
  if (key !== 'cum' && key !== 'name') return rows;
  const copy = [...rows];
  if (key === 'cum') copy.sort((a, b) => Math.abs(b.cum) - Math.abs(a.cum) || a.name.localeCompare(b.name));
  else copy.sort((a, b) => a.name.localeCompare(b.name));
  return copy;
}

function topData(p: Prepared, params: ParamState): TopData {
  const report = top(p, { n: numberParam(params.n), nf: numberParam(params.nf), ef: numberParam(params.ef), cum: params.sort === 'cum' });
  const match = params.q ? compileRegex('search', params.q) : undefined;
  const rows = sortedRows(report.rows, params.sort).filter((r) => !match || match(r.name));
  return { view: 'top', legend: report.legend, rows: packTopRows(rows), allRows: report.rows.length };
}

function graphData(p: Prepared, params: ParamState): GraphData {
  const asked = numberParam(params.n) ?? DEFAULT_NODE_COUNT;
  const n = Math.min(asked === 0 ? MAX_GRAPH_NODES : asked, MAX_GRAPH_NODES);
  const graph = callGraph(p, { n, nf: numberParam(params.nf), ef: numberParam(params.ef) });
  const match = params.q ? compileRegex('search', params.q) : undefined;
  const matches = match ? graph.nodes.flatMap((node, i) => (match(node.name) ? [i] : [])) : [];
  return { view: 'graph', graph, matches };
}

function peekData(p: Prepared, params: ParamState): PeekData {
  let regex = params.q;
  if (!regex) {
    const names = top(p, { n: 5 }).rows.map((r) => exactNameRegex(r.name));
    regex = names.length > 0 ? names.join('|') : '.';
  }
  return { view: 'peek', report: peek(p, regex), regex };
}

function sourceData(p: Prepared, params: ParamState): SourceData {
  const files = sourceLines(p);
  if (!params.q) return { view: 'source', files };
  const re = compileRegex('search', params.q);
  return { view: 'source', files: files.filter((f) => re(f.file) || f.lines.some((l) => re(l.function))) };
}

function labelKeys(model: ProfileModel): string[] {
  const keys = new Set<string>();
  for (const s of model.samples) for (const k of s.labels.keys()) keys.add(k);
  return [...keys].sort();
}

/** The total per value of one label (pod unless `label=` names another), as pprof's -tags breaks it down. */
function podsData(p: Prepared, params: ParamState): PodsData {
  const key = params.label ?? POD_LABEL;
  const out = new Map<string, number>();
  for (const s of p.profile.samples) {
    const v = s.values[p.valueIndex] ?? 0;
    for (const value of s.labels.get(key) ?? [`(no ${key} label)`]) out.set(value, (out.get(value) ?? 0) + v);
  }
  return { view: 'pods', key, totals: [...out].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || a[0].localeCompare(b[0])) };
}

const REGEX_TITLES: Readonly<Record<ProfileViewName, string>> = {
  top: 'Bad search regex',
  flame: 'Bad regex',
  graph: 'Bad regex',
  peek: 'Bad peek regex',
  source: 'Bad search regex',
  pods: 'Bad regex',
  side: 'Bad regex',
};

export function viewData(view: ProfileViewName, p: Prepared, params: ParamState): ViewData | BadRegex {
  try {
    switch (view) {
      case 'flame':
        return flameData(p, { pivot: params.pivot, callers: params.callers === '1' }, params.base !== undefined, params.q);
      case 'graph':
        return graphData(p, params);
      case 'peek':
        return peekData(p, params);
      case 'source':
        return sourceData(p, params);
      case 'pods':
        return podsData(p, params);
      default:
        return topData(p, params);
    }
  } catch (err) {
    if (!(err instanceof RegexOptionError)) throw err;
    return { view: 'error', title: REGEX_TITLES[view], message: (err as Error).message };
  }
}
