// Every flag of `podprof gateway`.
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bytes, duration, httpsUrl, int, list, oneOf, str } from '../src/config/values.ts';
import { servingConfigProblems, servingFlags } from '../src/serving/config.ts';
import { transferFlags } from '../src/http/transfer-flags.ts';
import { goproxyProblem } from './source/fetcher.ts';
import { parseStoreLocation } from './shared/store-url.ts';

const cidr = (raw: string): string => {
  if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(raw)) throw new Error('want CIDRs like 10.0.0.0/8 or 127.0.0.1/32');
  return raw;
};

export const GATEWAY_FLAGS = {
  ...servingFlags({
    // perAddress: a scraper host (Alloy) holds about a connection per pod it scrapes through a replica.
    connections: { max: 4096, perAddress: 1024 },
    listenHelp: 'HTTPS address for users, go tool pprof and scrapers',
    noCertificate: 'self-signed',
    grace: { ms: 10_000, text: '10s' },
  }),
  auth: flag(
    oneOf(['kubernetes', 'proxy', 'static'] as const),
    'how users authenticate: kubernetes (TokenReview), proxy (trusted X-Forwarded-User), static (tokens file)',
    { default: 'kubernetes' },
  ),
  'tokens-file': flag(str, 'static auth: CSV lines token,user,group1|group2'),
  'token-audience': flag(
    str,
    "kubernetes auth: the audience users' and scrapers' tokens must be for (kubectl create token NAME --audience podprof); empty: the API server's own, which accepts tokens the gateway could replay",
    { default: 'podprof' },
  ),
  'trusted-proxy-cidrs': flag(list(cidr), 'proxy auth: addresses allowed to send X-Forwarded-User/Groups', {
    default: [] as readonly string[],
  }),
  'oidc-issuer': flag((raw) => {
    if (!/^https:\/\/[^/?#]+/.test(raw) || /[?#]/.test(raw))
      throw new Error('want the https URL of the OIDC provider, exactly as its ID tokens name it (iss)');
    return raw;
  }, "OIDC: the identity provider's issuer URL; its ID tokens are then accepted as bearer tokens and the UI offers to sign in with it (authorization code + PKCE); the API server's AuthenticationConfiguration should trust the same issuer"),
  'oidc-client-id': flag(str, "OIDC: podprof's client id at the provider; ID tokens must be for it (aud)"),
  'oidc-client-secret-file': flag(
    str,
    'OIDC: a file holding the client secret, for a confidential client; absent: a public client (PKCE only)',
  ),
  'oidc-ca-file': flag(str, "OIDC: CA (PEM) of the provider's HTTPS certificate; default: the system CAs"),
  'oidc-username-claim': flag(str, "OIDC: the claim naming the user, as the API server's claimMappings.username.claim", { default: 'sub' }),
  'oidc-username-prefix': flag(str, "OIDC: put before the username, as the API server's claimMappings.username.prefix", {
    default: 'oidc:',
  }),
  'oidc-groups-claim': flag(str, "OIDC: the claim listing the user's groups, as the API server's claimMappings.groups.claim", {
    default: 'groups',
  }),
  'oidc-groups-prefix': flag(str, "OIDC: put before each group, as the API server's claimMappings.groups.prefix", { default: 'oidc:' }),
  'oidc-scopes': flag(list(str), 'OIDC: scopes the sign-in asks for (openid is always asked; offline_access brings a refresh token)', {
    default: ['openid', 'email', 'profile', 'offline_access'] as readonly string[],
  }),
  'oidc-clock-skew': flag(duration(0, 300_000), "OIDC: how far the provider's clock may be from the gateway's (exp, nbf, iat)", {
    default: 30_000,
    defaultText: '30s',
  }),
  'oidc-jwks-refresh-interval': flag(
    duration(1000, 3_600_000),
    "OIDC: shortest time between two fetches of the provider's keys; a token naming an unknown key fetches them at most this often",
    { default: 60_000, defaultText: '1m' },
  ),
  authz: flag(
    oneOf(['kubernetes', 'allow-all'] as const),
    'kubernetes: SubjectAccessReview; allow-all: every authenticated user may do everything (demo only)',
    { default: 'kubernetes' },
  ),
  discovery: flag(oneOf(['kubernetes', 'static'] as const), 'where targets come from: an informer on injected pods, or --targets-file', {
    default: 'kubernetes',
  }),
  'targets-file': flag(str, 'static discovery: JSON list of targets'),
  namespaces: flag(list(str), 'namespaces to watch (default all)', { default: [] as readonly string[], defaultText: 'all' }),
  'uninjected-scan-interval': flag(
    duration(0, 86_400_000),
    'how often to list the pods of --namespaces (in pages) for annotated pods the webhook missed; 0: only at start',
    { default: 300_000, defaultText: '5m' },
  ),
  'signing-key-file': flag(list(str), 'ES256 private keys (PEM) for sidecar tokens; the first signs, all are published (rotation)', {
    required: true,
  }),
  kid: flag(list(str), 'key ids, one per --signing-key-file (default: the key thumbprints)', { default: [] as readonly string[] }),
  'sidecar-ca-file': flag(
    str,
    "CA (PEM) that sidecar certificates must chain to (e.g. cert-manager's); absent: podprof's own CA, kept in <store-dir>/.sidecar-ca/, which signs enrolled sidecars' certificates",
  ),
  'sidecar-ca-key-file': flag(str, 'the key of --sidecar-ca-file: the gateway then signs enrolled sidecars’ certificates with that CA'),
  'sidecar-cert-ttl': flag(
    duration(600_000, 7 * 86_400_000),
    'lifetime of a sidecar certificate the gateway signs (sidecars renew at two thirds)',
    { default: 6 * 3_600_000, defaultText: '6h' },
  ),
  'store-dir': flag(
    str,
    "the gateway's local directory: its captures unless --store names a bucket (then only the files of captures in flight), and its own sidecar CA",
    { default: '/var/lib/podprof' },
  ),
  store: flag(
    parseStoreLocation,
    "where captures are kept: a directory (default: --store-dir), or an S3-compatible bucket that gateway replicas share, s3://BUCKET/PREFIX?endpoint=https://HOST:PORT&region=REGION&forcePathStyle=true&caFile=PEM (every parameter optional; credentials from the AWS SDK's default chain, never in the URL)",
  ),
  'store-max-bytes': flag(
    bytes(1024 * 1024, 10 * 1024 ** 4),
    'total size of stored captures; when full, new captures are refused (507) rather than evicting anyone',
    { default: 10 * 1024 ** 3, defaultText: '10GiB' },
  ),
  'store-namespace-max-bytes': flag(
    bytes(1024 * 1024, 10 * 1024 ** 4),
    "size one namespace's captures may hold; over it, that namespace's oldest go",
    { default: 1024 ** 3, defaultText: '1GiB' },
  ),
  'max-profile-bytes': flag(bytes(1024, 4 * 1024 ** 3), 'largest profile a capture takes from one pod (streamed to disk)', {
    default: 64 * 1024 ** 2,
    defaultText: '64MiB',
  }),
  'max-decoded-bytes': flag(
    bytes(1024 * 1024, 4 * 1024 ** 3),
    'largest decompressed profile the gateway decodes (a gzip bomb stops here)',
    { default: 256 * 1024 ** 2, defaultText: '256MiB' },
  ),
  'decode-memory': flag(int(32, 16_384), 'heap (MiB) of each worker thread that decodes and merges profiles', { default: 256 }),
  'decode-workers': flag(
    int(1, 64),
    'worker threads that decode and merge profiles; jobs wait their turn per user, so one user’s slow profiles delay another’s by one job at most',
    { default: 1 },
  ),
  'decode-timeout': flag(
    duration(1000, 3_600_000),
    'longest one decode or merge may run; past it the worker is stopped and that pod (or merge) fails',
    { default: 120_000, defaultText: '2m' },
  ),
  'max-captures': flag(int(1, 10_000), 'captures running at once, in all (429 beyond)', { default: 32 }),
  'max-captures-per-namespace': flag(
    int(1, 10_000),
    'captures running at once per namespace (429 beyond): one tenant’s ServiceAccounts cannot take every slot',
    { default: 8 },
  ),
  'max-captures-per-user': flag(int(1, 10_000), 'captures running at once per user (429 beyond)', { default: 2 }),
  'max-streams-per-user': flag(
    int(1, 100_000),
    'live pprof requests one user may have running through the gateway at once (429 beyond); a scraper holds about one per pod it scrapes',
    { default: 1024 },
  ),
  'max-links-per-user': flag(int(1, 100_000), 'one-time links a user may hold open at once (429 beyond)', { default: 64 }),
  'max-sessions': flag(int(1, 10_000_000), 'UI sessions held at once; past it new sign-ins wait (429), nobody is logged out', {
    default: 100_000,
  }),
  'max-sessions-per-user': flag(int(1, 1000), "UI sessions of one user; past it that user's oldest ends", { default: 16 }),
  'store-max-age': flag(duration(60_000, 365 * 86_400_000), 'captures older than this are deleted', {
    default: 7 * 86_400_000,
    defaultText: '168h',
  }),
  'public-url': flag(httpsUrl, 'the URL users reach the gateway at (links, http_sd targets); default https://<host of the request>'),
  'link-tls-ca': flag(
    str,
    'where users keep the CA of the gateway\'s serving certificate (e.g. podprof-ca.crt; the README\'s "One-time links" says how to get it): the go tool pprof command of a one-time link passes it as -tls_ca=…; absent: no -tls_ca, for a certificate the system trusts',
  ),
  'session-key-file': flag(
    str,
    'key for UI session cookies and user tags (at least 16 bytes; a mounted Secret, the same on every replica); absent: made once and kept in the shared store (keys/session-key)',
  ),
  'shared-dir': flag(
    str,
    'the directory replicas share one-time links, UI sessions and the session key through when --store is a directory (every replica must see the same one); default <store-dir>/shared. With --store s3://… they go to the bucket',
  ),
  'session-cache': flag(
    duration(0, 2000),
    'how long a replica trusts a UI session record it read: a logout on another replica takes effect here within it',
    { default: 1000, defaultText: '1s' },
  ),
  'session-recheck': flag(
    duration(1000, 3_600_000),
    "how often a UI session re-checks the user's token and groups (a token no longer accepted ends it)",
    { default: 300_000, defaultText: '5m' },
  ),
  'fanout-concurrency': flag((raw) => Number(raw), 'pods one fan-out capture asks at once', { default: 16 }),
  goproxy: flag(
    (raw) => {
      const p = goproxyProblem(raw);
      if (p) throw new Error(p);
      return raw;
    },
    'the Go module proxy the Source view fetches dependency, standard library and main-module files from (GOPROXY protocol; Athens, Artifactory, …)',
    { default: 'https://proxy.golang.org' },
  ),
  'source-max-zip-bytes': flag(
    bytes(1024, 4 * 1024 ** 3),
    'largest module zip the gateway reads a source file from (it reads only that file when the proxy answers Range)',
    {
      default: 128 * 1024 ** 2,
      defaultText: '128MiB',
    },
  ),
  'source-max-file-bytes': flag(bytes(1024, 64 * 1024 ** 2), 'largest source file the gateway sends', {
    default: 2 * 1024 ** 2,
    defaultText: '2MiB',
  }),
  'source-cache-bytes': flag(
    bytes(0, 16 * 1024 ** 3),
    'memory for fetched source files and zip directories (least recently used go first)',
    {
      default: 64 * 1024 ** 2,
      defaultText: '64MiB',
    },
  ),
  'source-timeout': flag(duration(100, 600_000), 'longest one source file may take to fetch from the module proxy', {
    default: 20_000,
    defaultText: '20s',
  }),
  'source-fetches-per-user': flag(
    int(1, 1000),
    'source files one user may have the gateway fetch at once (429 beyond; 4 in all per user per second on average)',
    {
      default: 4,
    },
  ),
  ...transferFlags('a sidecar'),
} as const;

export type GatewayConfig = ConfigOf<typeof GATEWAY_FLAGS>;

function oidcProblems(c: GatewayConfig): string[] {
  if (c['oidc-issuer'] !== undefined && (c['oidc-client-id'] ?? '') === '')
    return ["--oidc-client-id: required with --oidc-issuer (podprof's client id at the provider)"];
  if (c['oidc-issuer'] === undefined && c['oidc-client-id'] !== undefined) return ['--oidc-client-id: give --oidc-issuer too'];
  return [];
}

export function gatewayConfigProblems(c: GatewayConfig): string[] {
  const p = servingConfigProblems(c);
  if (c.auth === 'static' && c['tokens-file'] === undefined) p.push('--tokens-file: required with --auth=static');
  if (c.auth === 'proxy' && c['trusted-proxy-cidrs'].length === 0)
    p.push('--trusted-proxy-cidrs: required with --auth=proxy (who may assert identities)');
  p.push(...oidcProblems(c));
  if (c.discovery === 'static' && c['targets-file'] === undefined) p.push('--targets-file: required with --discovery=static');
  if (c['sidecar-ca-key-file'] !== undefined && c['sidecar-ca-file'] === undefined)
    p.push('--sidecar-ca-key-file: give its certificate as --sidecar-ca-file');
  if (c.kid.length > 0 && c.kid.length !== c['signing-key-file'].length) p.push('--kid: give one per --signing-key-file');
  if (!(c['fanout-concurrency'] >= 1 && c['fanout-concurrency'] <= 256)) p.push('--fanout-concurrency: want 1 to 256');
  return [...p, ...storeAndCaptureProblems(c)];
}

function storeAndCaptureProblems(c: GatewayConfig): string[] {
  const p: string[] = [];
  if (c.store?.kind === 's3' && c['shared-dir'] !== undefined)
    p.push('--shared-dir: with --store s3://… one-time links and sessions are kept in the bucket; drop --shared-dir');
  if (c['max-captures-per-user'] > c['max-captures-per-namespace'] || c['max-captures-per-namespace'] > c['max-captures'])
    p.push('--max-captures-per-user ≤ --max-captures-per-namespace ≤ --max-captures');
  return p;
}
