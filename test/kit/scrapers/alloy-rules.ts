// How Grafana Alloy's pyroscope.scrape turns discovered target groups into
// scrapes, as its own code does it (grafana/alloy
// internal/component/pyroscope/scrape/target.go and scrape_loop.go), for the
// contract test: for each group and each profile type the config enables, set
// __profile_path__, __name__ and __profile_path_prefix__ only where the target
// lacks them; set job and __scheme__ likewise; service_name must be present
// (else inferred); a "delta" type (process_cpu) gets seconds = interval − 1;
// the URL is scheme://address joined with prefix and path; scrape loops are
// keyed by a hash of the public labels (no "__" prefix) and the URL, so equal
// targets are scraped once. Not a mock of Alloy: the rules, quoted, applied to
// the gateway's real answer, whose every URL the test then fetches.

export interface ProfilingTarget {
  readonly enabled: boolean;
  readonly path: string;
  readonly delta: boolean;
}

/** Alloy's default profiling_config (pyroscope.scrape docs and DefaultArguments). */
export const ALLOY_DEFAULT_PROFILES: Readonly<Record<string, ProfilingTarget>> = {
  process_cpu: { enabled: true, path: '/debug/pprof/profile', delta: true },
  memory: { enabled: true, path: '/debug/pprof/allocs', delta: false },
  goroutine: { enabled: true, path: '/debug/pprof/goroutine', delta: false },
  mutex: { enabled: true, path: '/debug/pprof/mutex', delta: false },
  block: { enabled: true, path: '/debug/pprof/block', delta: false },
  fgprof: { enabled: false, path: '/debug/fgprof', delta: true },
  godeltaprof_memory: { enabled: false, path: '/debug/pprof/delta_heap', delta: false },
  godeltaprof_mutex: { enabled: false, path: '/debug/pprof/delta_mutex', delta: false },
  godeltaprof_block: { enabled: false, path: '/debug/pprof/delta_block', delta: false },
};

export interface AlloyScrape {
  readonly url: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}

/** The scrapes Alloy runs for these groups, after its dedup by target hash. */
export function alloyScrapes(
  groups: ReadonlyArray<{ targets: string[]; labels: Record<string, string> }>,
  o: { job: string; intervalSeconds: number; pathPrefix?: string; profiles?: Readonly<Record<string, ProfilingTarget>> },
): AlloyScrape[] {
  const profiles = o.profiles ?? ALLOY_DEFAULT_PROFILES;
  const active = new Map<string, AlloyScrape>();
  for (const g of groups) {
    for (const address of g.targets) {
      for (const [type, cfg] of Object.entries(profiles)) {
        if (!cfg.enabled) continue;
        const l: Record<string, string> = { __address__: address, ...g.labels };
        const setIfAbsent = (k: string, v: string | undefined): void => {
          if ((l[k] ?? '') === '' && v) l[k] = v;
        };
        setIfAbsent('__profile_path__', cfg.path);
        setIfAbsent('__name__', type);
        setIfAbsent('__profile_path_prefix__', o.pathPrefix);
        setIfAbsent('job', o.job);
        setIfAbsent('__scheme__', 'http');
        if (!l.service_name) l.service_name = 'unspecified';
        if (!l.instance) l.instance = address;
        const params = new URLSearchParams();
        if (profiles[l.__name__!]?.delta) params.set('seconds', String(o.intervalSeconds - 1));
        const url = `${l.__scheme__}://${l.__address__}${joinPath(l.__profile_path_prefix__ ?? '', l.__profile_path__ ?? '')}${params.size > 0 ? `?${params.toString()}` : ''}`;
        const publicLabels = Object.entries(l)
          .filter(([k]) => !k.startsWith('__'))
          .sort(([a], [b]) => a.localeCompare(b));
        const hash = JSON.stringify([publicLabels, url]);
        if (!active.has(hash)) active.set(hash, { url, name: l.__name__!, labels: Object.fromEntries(publicLabels) });
      }
    }
  }
  return [...active.values()];
}
