// Prometheus-style HTTP service discovery: the groups of GET /sd/targets
// (docs/design.md §2.7), consumable by Prometheus http_sd_configs, Grafana Alloy
// discovery.http → pyroscope.scrape, and Parca. Always 200 with the full list.
//
// One group per pod and profile type the pod allows. Alloy builds a URL as
// scheme://address + __profile_path_prefix__ + __profile_path__ and, for each
// type its config enables, sets __profile_path__ and __name__ only where a
// target lacks them: ours carry both, so every expansion of a group is the same
// target, which Alloy keeps once (its scrape pool is keyed by the target's
// hash). So each pod is scraped once per type it allows, at the type's own
// URL, under the type's own name; types a pod does not allow have no group.
// __metrics_path__ is the whole path, for consumers that take that.
// Parca sets __name__ and __profile_path__ from its own profiling_config,
// overwriting ours, so each group also carries __meta_podprof_profile (the
// same name, which nothing overwrites): its relabel_configs keep a target
// only where the two agree and prepend __profile_path_prefix__
// (docs/integrations/parca.yaml). The pod's labels and workload are meta labels
// to relabel on (__meta_podprof_pod_label_<name>, __meta_podprof_workload_kind
// and _name), named as kubernetes_sd names its own.
import { PodprofError } from '../../src/errors.ts';
import { isProfileType, type ProfileType } from '../../src/endpoints/catalog.ts';
import { routable, type Target } from '../pods/targets.ts';

/** The profile names Pyroscope/Alloy use for each pprof endpoint. */
export const SD_NAMES: Partial<Record<ProfileType, string>> = {
  profile: 'process_cpu',
  heap: 'memory',
  allocs: 'memory_allocs',
  goroutine: 'goroutine',
  block: 'block',
  mutex: 'mutex',
  threadcreate: 'threadcreate',
};
export const DEFAULT_SD_TYPES: readonly ProfileType[] = ['profile', 'heap', 'goroutine', 'block', 'mutex'];

export interface SdGroup {
  targets: string[];
  labels: Record<string, string>;
}

const labelName = (k: string): string => k.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * What a scraper's relabel_configs may select on, as kubernetes_sd names it:
 * the pod's labels and its workload, as meta labels (dropped after relabelling).
 */
function workloadLabels(t: Target): Record<string, string> {
  const out: Record<string, string> = {};
  if (t.workload) {
    out.__meta_podprof_workload_kind = t.workload.kind;
    out.__meta_podprof_workload_name = t.workload.name;
  }
  for (const [k, v] of Object.entries(t.labels)) {
    out[`__meta_podprof_pod_label_${labelName(k)}`] = v;
    out[`__meta_podprof_pod_labelpresent_${labelName(k)}`] = 'true';
  }
  return out;
}

export function sdGroups(targets: readonly Target[], types: readonly ProfileType[], hostPort: string): SdGroup[] {
  const out: SdGroup[] = [];
  for (const t of targets) {
    if (!routable(t)) continue;
    for (const type of types) {
      if (!t.profiles.includes(type) || SD_NAMES[type] === undefined) continue;
      const prefix = `/api/v1/namespaces/${t.namespace}/pods/${t.name}`;
      const path = `/debug/pprof/${type}`;
      out.push({
        targets: [hostPort],
        labels: {
          __scheme__: 'https',
          __profile_path_prefix__: prefix,
          __profile_path__: path,
          __metrics_path__: `${prefix}${path}`,
          __name__: SD_NAMES[type],
          __meta_podprof_profile: SD_NAMES[type],
          service_name: `${t.namespace}/${t.workload?.name ?? t.name}`,
          namespace: t.namespace,
          pod: t.name,
          container: t.container,
          node: t.node,
          ...workloadLabels(t),
        },
      });
    }
  }
  return out;
}

/** The scrapable types asked for, each once, in the catalog's order: `heap` 3,000 times is `heap`. */
export function parseTypes(raw: unknown): readonly ProfileType[] {
  if (typeof raw !== 'string' || raw === '') return DEFAULT_SD_TYPES;
  const asked = new Set(raw.split(',').map((s) => s.trim()));
  const bad = [...asked].filter((t) => !isProfileType(t) || SD_NAMES[t] === undefined);
  if (bad.length > 0)
    throw new PodprofError(
      'PODPROF_BAD_PARAMETER',
      `types: ${bad.slice(0, 5).join(', ').slice(0, 200)} cannot be scraped; want some of ${Object.keys(SD_NAMES).join(', ')}`,
    );
  return (Object.keys(SD_NAMES) as ProfileType[]).filter((t) => asked.has(t));
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** What a Host header may be for the targets to name it: a hostname or an IP, and a port. */
export const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

interface Encoded {
  readonly version: number;
  readonly json: Buffer;
  readonly gzip: Buffer;
}

/** What the encoded answers may hold in all; the least recently used go first past it. */
export const SD_CACHE_BYTES = 64 * 1024 * 1024;

/** Encoded answers by key, bounded by their bytes (a Map keeps use order: a hit moves to the end). */
export class AnswerCache {
  private readonly entries = new Map<string, Encoded>();
  private bytes = 0;

  constructor(private readonly maxBytes = SD_CACHE_BYTES) {}

  get(key: string): Encoded | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  set(key: string, e: Encoded): void {
    this.drop(key);
    const size = e.json.length + e.gzip.length;
    if (size > this.maxBytes) return; // served, not kept
    for (const k of this.entries.keys()) {
      if (this.bytes + size <= this.maxBytes) break;
      this.drop(k);
    }
    this.entries.set(key, e);
    this.bytes += size;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.json.length + e.gzip.length;
  }
}

/**
 * Scrapers ask every few seconds and the answer only changes with the targets:
 * it is encoded (and gzipped — Go's HTTP client asks for gzip) once per registry
 * version. With 5000 pods the JSON is ~10 MiB; building it per request cost
 * hundreds of milliseconds at p99.
 */
/** The namespace= parameter: absent, or a namespace name (400 otherwise). */
export function namespaceOf(raw: unknown): string | undefined {
  const namespace = typeof raw === 'string' && raw !== '' ? raw : undefined;
  if (namespace !== undefined && !NAMESPACE.test(namespace))
    throw new PodprofError('PODPROF_BAD_PARAMETER', 'namespace: want a Kubernetes namespace name');
  return namespace;
}
