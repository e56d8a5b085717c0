// Granularity (pprof's -functions/-filefunctions/-files/-lines, URL `g=`): the
// node a frame aggregates under and the node's printed name, as pprof's
// profile.Aggregate + graph.nodeInfo + NodeInfo.PrintableName do.
// Quirk kept from pprof: at `files` granularity a node is (file, function start
// line, binary), so one file can appear on several rows.
import type { Frame } from './model.ts';

export type Granularity = 'functions' | 'filefunctions' | 'files' | 'lines';

export const GRANULARITIES: readonly Granularity[] = ['functions', 'filefunctions', 'files', 'lines'];

export interface NodeInfo {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly startLine: number;
  /** Mapping file, kept only when the node has no function name. */
  readonly objfile: string;
}

/** Go's path.Clean for slash-separated paths. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (!rooted) out.push('..');
  }
  const s = (rooted ? '/' : '') + out.join('/');
  return s === '' ? '.' : s;
}

/** Go's filepath.Base. */
export function baseName(path: string): string {
  if (path === '') return '.';
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The node a frame belongs to at granularity `g` (`frame` undefined: a location without lines). */
export function nodeInfo(frame: Frame | undefined, mapping: string, g: Granularity): NodeInfo {
  if (frame === undefined || frame.functionId === 0) {
    return { name: '', file: '', line: 0, startLine: 0, objfile: mapping };
  }
  const name = g === 'files' ? '' : frame.name;
  const rawFile = g === 'functions' ? '' : frame.file;
  const unnamed = name === '';
  return {
    name,
    file: rawFile === '' ? '' : cleanPath(rawFile),
    line: g === 'lines' ? frame.line : 0,
    startLine: unnamed ? frame.startLine : 0,
    objfile: unnamed ? mapping : '',
  };
}

/** A string identifying the node: equal keys ⇔ equal NodeInfo. */
export function nodeKey(i: NodeInfo): string {
  return `${i.name}\u0000${i.file}\u0000${i.line}\u0000${i.startLine}\u0000${i.objfile}`;
}

/** pprof's NodeInfo.PrintableName: "name", "name file", "name file:line", "file", "[binary]". */
export function printableName(i: NodeInfo): string {
  const parts: string[] = [];
  if (i.name !== '') parts.push(i.name);
  if (i.line !== 0) parts.push(`${i.file}:${i.line}`);
  else if (i.file !== '') parts.push(i.file);
  else if (i.name === '') parts.push(i.objfile !== '' ? `[${baseName(i.objfile)}]` : '<unknown>');
  return parts.join(' ');
}

/** Orders strings as Go compares them (by UTF-8 bytes, i.e. by code point). */
export function compareGo(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}
