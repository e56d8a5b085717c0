// Whether the app's pprof (the sidecar's upstream, on loopback) answers, as
// the gateway's pod list shows it (GET /podprof/upstream): one check at a time
// however many ask, its answer kept `freshMs`. Readiness never follows it
// (docs/adr/0002): it only reports it.

/** What GET /podprof/upstream answers. */
export interface UpstreamReport {
  readonly upstream: 'answering' | 'not answering';
  /** "answered 200", or why not ("connect ECONNREFUSED 127.0.0.1:6060", "timed out"). */
  readonly detail: string;
  readonly checkedAt: string;
}

/** The path on the sidecar's TLS port; outside every pprof prefix, so no profile type can name it. */
export const UPSTREAM_PATH = '/podprof/upstream';

export function upstreamProbe(
  check: () => Promise<{ ok: boolean; detail: string }>,
  freshMs = 5000,
  now: () => number = Date.now,
): () => Promise<UpstreamReport> {
  let last: { at: number; report: UpstreamReport } | undefined;
  let running: Promise<UpstreamReport> | undefined;
  return () => {
    if (last && now() - last.at < freshMs) return Promise.resolve(last.report);
    running ??= check()
      .then((r) => {
        const at = now();
        const report: UpstreamReport = {
          upstream: r.ok ? 'answering' : 'not answering',
          detail: r.detail,
          checkedAt: new Date(at).toISOString(),
        };
        last = { at, report };
        return report;
      })
      .finally(() => (running = undefined));
    return running;
  };
}
