// Every flag of `podprof sidecar`, with its env var and default.
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bytes, duration, int, list, loopbackHttpUrl, httpsUrl, pathPrefix, str } from '../src/config/values.ts';
import { DEFAULT_PROFILES, parseProfileType } from '../src/endpoints/catalog.ts';
import { servingConfigProblems, servingFlags } from '../src/serving/config.ts';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../src/token/claims.ts';
import { TOKEN_FILE } from '../src/enrollment.ts';
import { transferFlags } from '../src/http/transfer-flags.ts';

export const SIDECAR_FLAGS = {
  ...servingFlags({
    connections: { max: 64, perAddress: 24 },
    listenHelp: 'HTTPS address for pprof requests from the gateway',
    noCertificate: 'a self-signed ECDSA certificate made at start',
    grace: { ms: 30_000, text: '30s' },
    graceHelp: 'on SIGTERM, how long in-flight captures may finish',
  }),
  upstream: flag(loopbackHttpUrl, "the app's pprof server; must be a loopback address", {
    default: new URL('http://127.0.0.1:6060'),
    defaultText: 'http://127.0.0.1:6060',
  }),
  'path-prefix': flag(pathPrefix, "the app's pprof path prefix", { default: '/debug/pprof' }),
  'jwks-file': flag(str, "the gateway's public keys (JWKS JSON file); reloaded when it changes"),
  jwks: flag(str, "the gateway's public keys as inline JWKS JSON (the webhook injects PODPROF_JWKS)"),
  'jwks-url': flag(httpsUrl, "the gateway's JWKS URL; refetched on an unknown kid"),
  'jwks-ca-file': flag(str, 'CA bundle (PEM) that signs the JWKS URL server certificate'),
  'jwks-ca': flag(str, 'the same CA bundle as inline PEM (the webhook injects PODPROF_JWKS_CA)'),
  'enroll-url': flag(
    httpsUrl,
    "the gateway's enrollment URL (…/sidecar/v1/certificates): get a certificate for this pod's IP there (the webhook injects it)",
  ),
  'enroll-token-file': flag(str, "this pod's projected ServiceAccount token (audience podprof-sidecar) that proves which pod it is", {
    default: TOKEN_FILE,
  }),
  issuer: flag(str, 'required token issuer', { default: DEFAULT_ISSUER }),
  audience: flag(str, 'required token audience', { default: DEFAULT_AUDIENCE }),
  'pod-namespace': flag(str, "this pod's namespace (downward API)", { env: ['POD_NAMESPACE'], required: true }),
  'pod-name': flag(str, "this pod's name (downward API)", { env: ['POD_NAME'], required: true }),
  'pod-uid': flag(str, "this pod's uid (downward API)", { env: ['POD_UID'], required: true }),
  'pod-ip': flag(str, "this pod's IP (downward API), used to check the app's pprof is not exposed", { env: ['POD_IP'] }),
  profiles: flag(list(parseProfileType), 'allowed profile types, comma-separated', {
    default: DEFAULT_PROFILES,
    defaultText: 'all but cmdline',
  }),
  'max-seconds': flag(int(1, 3600), 'cap for timed captures (seconds)', { default: 60 }),
  'flight-recorder-path': flag(
    pathPrefix,
    'where the app serves its runtime/trace.FlightRecorder snapshot on --upstream: trace?flight=1 reads it (the webhook sets it from podprof.io/flight-recorder)',
  ),
  'max-response-bytes': flag(bytes(1024, 16 * 1024 ** 3), 'cut responses larger than this', {
    default: 512 * 1024 ** 2,
    defaultText: '512MiB',
  }),
  'upstream-margin': flag(duration(100, 600_000), 'time an upstream request may take beyond its `seconds`', {
    default: 10_000,
    defaultText: '10s',
  }),
  ...transferFlags('the app'),
  'snapshot-timeout': flag(duration(100, 600_000), 'time an untimed request (heap, goroutine, …) may take upstream', {
    default: 30_000,
    defaultText: '30s',
  }),
  'bypass-check-interval': flag(
    duration(0, 86_400_000),
    'how often to check the app does not serve pprof on the pod IP (0: only at start)',
    { default: 60_000, defaultText: '1m' },
  ),
} as const;

export type SidecarConfig = ConfigOf<typeof SIDECAR_FLAGS>;

/** Cross-flag rules the single-flag parsers cannot see. */
export function sidecarConfigProblems(c: SidecarConfig): string[] {
  const problems: string[] = [];
  if (c['jwks-file'] === undefined && c.jwks === undefined && c['jwks-url'] === undefined)
    problems.push('--jwks-file, --jwks or --jwks-url: at least one is required (the gateway public keys)');
  problems.push(...servingConfigProblems(c));
  if ((c['jwks-ca-file'] ?? c['jwks-ca']) !== undefined && c['jwks-url'] === undefined && c['enroll-url'] === undefined)
    problems.push('--jwks-ca-file/--jwks-ca: only meaningful with --jwks-url or --enroll-url');
  if (c['enroll-url'] !== undefined && c['tls-cert-file'] !== undefined)
    problems.push('--enroll-url and --tls-cert-file: one source of the serving certificate, not both');
  return problems;
}
