// Which stored captures the limits delete, decided from the metadata alone:
// any older than --store-max-age, then each namespace's oldest until it fits
// --store-namespace-max-bytes (never another namespace's); --store-max-bytes
// evicts nobody, it only refuses new captures (isFull). Running captures are
// not counted here and never chosen. Both stores (the directory, the shared
// object store) decide with this; the shared one on its refreshed index, so
// every replica decides the same once their indexes agree.
import type { CaptureMeta } from '../../src/api/types.ts';

export interface StoreLimits {
  readonly maxBytes: number;
  /** Bytes one namespace's captures may hold. */
  readonly maxNamespaceBytes: number;
  readonly maxAgeMs: number;
}

export interface Eviction {
  readonly meta: CaptureMeta;
  readonly reason: 'older than --store-max-age' | 'namespace over --store-namespace-max-bytes';
}

/** The captures to delete, oldest first. */
export function evictions(stored: Iterable<CaptureMeta>, limits: StoreLimits, now: number): Eviction[] {
  const oldestFirst = [...stored]
    .filter((m) => m.status !== 'running')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const perNamespace = new Map<string, number>();
  for (const m of oldestFirst) perNamespace.set(m.namespace, (perNamespace.get(m.namespace) ?? 0) + m.bytes);
  const out: Eviction[] = [];
  for (const m of oldestFirst) {
    const expired = now - Date.parse(m.createdAt) > limits.maxAgeMs;
    if (!expired && perNamespace.get(m.namespace)! <= limits.maxNamespaceBytes) continue;
    perNamespace.set(m.namespace, perNamespace.get(m.namespace)! - m.bytes);
    out.push({ meta: m, reason: expired ? 'older than --store-max-age' : 'namespace over --store-namespace-max-bytes' });
  }
  return out;
}

/** True when the stored captures hold --store-max-bytes: new captures are refused (507) until some go. */
export function storeFull(stored: Iterable<CaptureMeta>, limits: StoreLimits): boolean {
  let total = 0;
  for (const m of stored) total += m.bytes;
  return total >= limits.maxBytes;
}
