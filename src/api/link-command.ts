// The command a one-time link is used with, as the gateway's API, the web UI
// and `podprof link` offer it: go tool pprof for a profile, curl and go tool
// trace for a trace (go tool trace reads files only). The gateway's
// certificate is verified: with `ca`, the CA file that signs it; never
// skipped unless `insecure` says so (the CLI's --insecure-skip-tls-verify).
//
// `go tool pprof` (cmd/pprof in the Go distribution, checked with Go 1.26)
// fetches URLs with a fetcher of its own that ignores -tls_ca: it trusts the
// system's roots only, which Go reads from SSL_CERT_FILE on Linux and the
// BSDs. So the command sets both: SSL_CERT_FILE for go tool pprof, -tls_ca for
// the standalone pprof (github.com/google/pprof), which honours it.

export interface LinkCommandOptions {
  /** The link is to a trace (live or stored). */
  readonly trace: boolean;
  /** Where the user keeps the CA of the gateway's certificate. */
  readonly ca?: string;
  /** Skip verification (https+insecure://, curl -k): only when the user asked for it. */
  readonly insecure?: boolean;
}

/** Single-quoted for a POSIX shell. */
const quoted = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** A word for a POSIX shell: as is when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./~-]+$/.test(s) ? s : quoted(s);
}

export function linkCommand(url: string, o: LinkCommandOptions): string {
  if (o.trace) {
    let verify = o.ca !== undefined ? ` --cacert ${shellWord(o.ca)}` : '';
    if (o.insecure) verify = ' -k';
    return `curl -fsSo trace.out${verify} ${quoted(url)} && go tool trace trace.out`;
  }
  if (o.insecure) return `go tool pprof -http=: ${quoted(url.replace(/^https:/, 'https+insecure:'))}`;
  if (o.ca === undefined) return `go tool pprof -http=: ${quoted(url)}`;
  const ca = shellWord(o.ca);
  return `SSL_CERT_FILE=${ca} go tool pprof -tls_ca=${ca} -http=: ${quoted(url)}`;
}
