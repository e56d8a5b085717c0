// The flags every podprof server shares (listen addresses, the serving
// certificate, the shutdown grace, the log level) and the rule among them.
// Each program spreads servingFlags(…) into its own flag table, giving only
// what differs: what --listen serves, what happens without a certificate,
// and how long a shutdown may wait.
import { flag, type ConfigOf, type Flag } from '../config/flags.ts';
import { duration, int, listenAddress, str } from '../config/values.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ServingFlagOptions {
  /** Help text of --listen: who calls the HTTPS address. */
  readonly listenHelp: string;
  /** The end of --tls-cert-file's help: what is served without a certificate. */
  readonly noCertificate: string;
  /** Default of --shutdown-grace, in milliseconds, and as shown in --help. */
  readonly grace: { readonly ms: number; readonly text: string };
  /** Help text of --shutdown-grace. */
  readonly graceHelp?: string;
  /** Defaults of --max-connections and --max-connections-per-address: who connects, and how many. */
  readonly connections: { readonly max: number; readonly perAddress: number };
}

type Defaulted<T> = Flag<T> & { readonly default: T; readonly defaultText?: string };

export type ServingFlags = {
  readonly listen: Defaulted<ListenAddress>;
  readonly 'health-listen': Defaulted<ListenAddress>;
  readonly 'tls-cert-file': Flag<string>;
  readonly 'tls-key-file': Flag<string>;
  readonly 'shutdown-grace': Defaulted<number>;
  readonly 'log-level': Defaulted<string>;
  readonly 'header-timeout': Defaulted<number>;
  readonly 'max-connections': Defaulted<number>;
  readonly 'max-connections-per-address': Defaulted<number>;
};

export type ServingConfig = ConfigOf<ServingFlags>;

export function servingFlags(o: ServingFlagOptions): ServingFlags {
  return {
    listen: flag(listenAddress, o.listenHelp, { default: { host: '', port: 8443 }, defaultText: ':8443' }),
    'health-listen': flag(listenAddress, 'plain HTTP address for /healthz, /readyz and /metrics', {
      default: { host: '', port: 8081 },
      defaultText: ':8081',
    }),
    'tls-cert-file': flag(str, `serving certificate (PEM); reloaded when it changes. Absent: ${o.noCertificate}`),
    'tls-key-file': flag(str, 'serving key (PEM), with --tls-cert-file'),
    'shutdown-grace': flag(duration(0, 3_600_000), o.graceHelp ?? 'on SIGTERM, how long in-flight requests may finish', {
      default: o.grace.ms,
      defaultText: o.grace.text,
    }),
    'log-level': flag(str, 'pino log level', { default: 'info' }),
    'header-timeout': flag(
      duration(100, 300_000),
      'time a client has for the TLS handshake, then for its request headers (a silent connection is closed then)',
      { default: 10_000, defaultText: '10s' },
    ),
    'max-connections': flag(int(1, 1_000_000), 'connections --listen keeps open at once, in all; past it new ones are closed at accept', {
      default: o.connections.max,
    }),
    'max-connections-per-address': flag(
      int(1, 1_000_000),
      'connections --listen keeps open at once from one source address (IPv6: one /64); behind a proxy this is the proxy',
      { default: o.connections.perAddress },
    ),
  };
}

/** Cross-flag rules of the shared flags; each program's …ConfigProblems adds these to its own. */
export function servingConfigProblems(
  c: Pick<ServingConfig, 'tls-cert-file' | 'tls-key-file' | 'max-connections' | 'max-connections-per-address'>,
): string[] {
  const problems: string[] = [];
  if (c['max-connections-per-address'] > c['max-connections']) problems.push('--max-connections-per-address: at most --max-connections');
  if ((c['tls-cert-file'] === undefined) !== (c['tls-key-file'] === undefined))
    problems.push('--tls-cert-file and --tls-key-file: give both or neither');
  return problems;
}
