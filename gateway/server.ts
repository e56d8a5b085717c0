// Wires `podprof gateway`: keys, discovery, authentication and authorization
// modes and the API, behind the shared HTTPS and health servers (src/serving).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../src/log.ts';
import { startService } from '../src/serving/service.ts';
import { createApp } from './app.ts';
import { allowAll, kubernetesAuthz, type Authorizer } from './auth/authz.ts';
import { kubernetesAuth, proxyAuth, REVIEW_RATE, staticAuth } from './auth/authn.ts';
import { DEFAULT_SESSION_LIMITS, Sessions } from './auth/session.ts';
import { RateLimiter } from '../src/limits/rate.ts';
import { Shares } from '../src/limits/shares.ts';
import { transferLimits } from '../src/http/transfer-flags.ts';
import type { Authenticator } from './auth/user.ts';
import { withIdTokens } from './auth/oidc/authn.ts';
import { OidcSignIn } from './auth/oidc/sign-in.ts';
import { Captures, type CaptureLimits } from './captures/captures.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { TargetRegistry } from './discovery/registry.ts';
import { startStaticDiscovery } from './discovery/static.ts';
import { Keyring } from './pods/keyring.ts';
import { DEFAULT_LINK_LIMITS, LinkStore } from './links.ts';
import { createGatewayMetrics } from './metrics.ts';
import { SidecarClient } from './pods/sidecar-client.ts';
import { askSidecar, UPSTREAM_REQUEST, UPSTREAM_SUBJECT, UpstreamStates } from './pods/upstream-states.ts';
import { loadSidecarCa } from './identity/ca.ts';
import { kubernetesReviewer } from './identity/review.ts';
import { kubernetesWorkloads } from './discovery/workloads.ts';
import { SourceFetcher } from './source/fetcher.ts';
import { DirObjectStore } from './shared/dir-store.ts';
import type { ObjectStore } from './shared/object-store.ts';
import { gatewayReadiness, storeProblem } from './shared/readiness.ts';
import { SharedKey } from './shared/shared-key.ts';
import type { IncomingMessage } from 'node:http';

export interface RunningGateway {
  readonly ports: { readonly main: number; readonly health: number };
  readonly context: GatewayContext;
  /** Stop accepting; let in-flight requests finish within graceMs (default --shutdown-grace); then close everything. */
  close(graceMs?: number): Promise<void>;
}

type KubeConfig = import('@kubernetes/client-node').KubeConfig;

async function kubeConfig(): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** OIDC (--oidc-issuer): its sign-in cookie is sealed with a key from the shared session key, so replicas share it. */
function oidcSignIn(c: GatewayConfig, sessionKey: () => Buffer): OidcSignIn | undefined {
  const issuer = c['oidc-issuer'];
  if (issuer === undefined) return undefined;
  return new OidcSignIn({
    issuer,
    clientId: c['oidc-client-id']!,
    clientSecret: c['oidc-client-secret-file'] === undefined ? undefined : readFileSync(c['oidc-client-secret-file'], 'utf8').trim(),
    ca: c['oidc-ca-file'] === undefined ? undefined : readFileSync(c['oidc-ca-file']),
    scopes: c['oidc-scopes'],
    skewSeconds: c['oidc-clock-skew'] / 1000,
    jwksRefreshMs: c['oidc-jwks-refresh-interval'],
    usernameClaim: c['oidc-username-claim'],
    usernamePrefix: c['oidc-username-prefix'],
    groupsClaim: c['oidc-groups-claim'],
    groupsPrefix: c['oidc-groups-prefix'],
    stateKey: () => createHmac('sha256', sessionKey()).update('podprof oidc sign-in').digest(),
  });
}

function authenticator(c: GatewayConfig, kc: KubeConfig | undefined, reviews: RateLimiter): Authenticator {
  if (c.auth === 'static') return staticAuth(c['tokens-file']!);
  if (c.auth === 'proxy') return proxyAuth(c['trusted-proxy-cidrs']);
  return kubernetesAuth(kc!, c['token-audience'], reviews);
}

async function discovery(c: GatewayConfig, kc: KubeConfig | undefined, ctx: GatewayContext): Promise<() => void> {
  if (c.discovery === 'static') return startStaticDiscovery(c['targets-file']!, ctx.registry, ctx.log);
  const { startKubernetesDiscovery } = await import('./discovery/kubernetes.ts');
  return startKubernetesDiscovery({
    kc: kc!,
    namespaces: c.namespaces,
    registry: ctx.registry,
    log: ctx.log,
    missedEveryMs: c['uninjected-scan-interval'],
    onMissed: (n) => ctx.metrics.missed.set(n),
  });
}

function captureLimits(c: GatewayConfig): CaptureLimits {
  return {
    concurrency: c['fanout-concurrency'],
    maxPodBytes: c['max-profile-bytes'],
    maxDecodedBytes: c['max-decoded-bytes'],
    decodeHeapMiB: c['decode-memory'],
    decodeWorkers: c['decode-workers'],
    decodeTimeoutMs: c['decode-timeout'],
    maxRunning: c['max-captures'],
    maxRunningPerNamespace: c['max-captures-per-namespace'],
    maxRunningPerUser: c['max-captures-per-user'],
  };
}

/** The store one-time links, UI sessions and the session key live in: --store's bucket, else --shared-dir. */
async function openSharedStore(c: GatewayConfig): Promise<ObjectStore> {
  if (c.store?.kind !== 's3') return new DirObjectStore(c['shared-dir'] ?? join(c['store-dir'], 'shared'));
  const { S3ObjectStore } = await import('./shared/s3-store.ts');
  return new S3ObjectStore(c.store);
}

export async function startGateway(c: GatewayConfig, log: Logger): Promise<RunningGateway> {
  const needsApi = c.auth === 'kubernetes' || c.authz === 'kubernetes' || c.discovery === 'kubernetes';
  const kc = needsApi ? await kubeConfig() : undefined;
  const keyring = Keyring.fromFiles(c['signing-key-file'], c.kid);
  const targets = new TargetRegistry();
  const metrics = createGatewayMetrics(() => targets.size);
  const authorize: Authorizer = c.authz === 'allow-all' ? allowAll : kubernetesAuthz(kc!);
  const sidecarCa = loadSidecarCa({ caFile: c['sidecar-ca-file'], caKeyFile: c['sidecar-ca-key-file'], storeDir: c['store-dir'] });
  const reviews = new RateLimiter(REVIEW_RATE);
  // What replicas share besides captures (links, sessions, the session key): the bucket of --store, or a directory
  // (docs/design.md "What replicas share").
  const sharedStore = await openSharedStore(c);
  const sharedKey = new SharedKey(c['session-key-file'], sharedStore);
  await sharedKey.load();
  const oidc = oidcSignIn(c, sharedKey.current);
  const otherwise = authenticator(c, kc, reviews);
  const authenticate = oidc ? withIdTokens(oidc.verifier, otherwise) : otherwise;
  const sidecars = new SidecarClient(keyring, sidecarCa.trustPem, transferLimits(c));
  const parts: Omit<GatewayContext, 'captures'> = {
    registry: targets,
    keyring,
    sidecars,
    upstreams: new UpstreamStates((t) => askSidecar(() => sidecars.call(UPSTREAM_SUBJECT, t, UPSTREAM_REQUEST))),
    authenticate,
    oidc,
    authorize,
    workloads: c.discovery === 'kubernetes' ? kubernetesWorkloads(kc!) : undefined,
    sessions: new Sessions(sharedStore, sharedKey.current, {
      recheckMs: c['session-recheck'],
      cacheMs: c['session-cache'],
      limits: { ...DEFAULT_SESSION_LIMITS, max: c['max-sessions'], perUser: c['max-sessions-per-user'] },
      // An OIDC session re-checks with its refresh token; any other with the credential it signed in with.
      reauthenticate: (credential) =>
        oidc?.ownsCredential(credential) === true
          ? oidc.recheck(credential)
          : authenticate({ headers: { authorization: credential } } as IncomingMessage),
    }),
    links: new LinkStore(sharedStore, sharedKey.current, { ...DEFAULT_LINK_LIMITS, perUser: c['max-links-per-user'] }),
    shared: { store: sharedStore, key: sharedKey },
    streams: new Shares({ perHolder: c['max-streams-per-user'], total: Number.POSITIVE_INFINITY }),
    metrics,
    log,
    publicUrl: c['public-url'],
    linkTlsCa: c['link-tls-ca'],
    sources: new SourceFetcher({
      goproxy: c.goproxy,
      maxZipBytes: c['source-max-zip-bytes'],
      maxFileBytes: c['source-max-file-bytes'],
      cacheBytes: c['source-cache-bytes'],
      timeoutMs: c['source-timeout'],
      perUser: c['source-fetches-per-user'],
      total: 64,
      perSecond: 4,
    }),
    identity: { ca: sidecarCa, review: kc ? kubernetesReviewer(kc) : undefined, reviews, certTtlMs: c['sidecar-cert-ttl'] },
  };
  // Captures get the narrow part of the context they use (registry, authorize, sidecars, workloads), once.
  const captures = await Captures.open({
    dir: c['store-dir'],
    ...(c.store?.kind === 'dir' ? { location: c.store } : {}),
    ...(c.store?.kind === 's3' ? { objects: sharedStore } : {}),
    store: { maxBytes: c['store-max-bytes'], maxNamespaceBytes: c['store-namespace-max-bytes'], maxAgeMs: c['store-max-age'] },
    limits: captureLimits(c),
    deps: parts,
    log: log.child({ component: 'captures' }),
  });
  const ctx: GatewayContext = Object.assign(parts, { captures });
  const stopDiscovery = await discovery(c, kc, ctx);
  const service = await startService({
    name: 'gateway',
    tls: { certFile: c['tls-cert-file'], keyFile: c['tls-key-file'], hostnames: ['localhost'], ips: ['127.0.0.1'] },
    handler: createApp(ctx),
    listen: c.listen,
    healthListen: c['health-listen'],
    connections: { max: c['max-connections'], perAddress: c['max-connections-per-address'] },
    timeouts: {
      handshakeMs: c['header-timeout'],
      headersMs: c['header-timeout'],
      requestMs: c['header-timeout'] + 50_000,
      keepAliveMs: 120_000,
      connectionsCheckingIntervalMs: Math.min(1000, c['header-timeout']),
    },
    health: {
      ready: async () => {
        await sharedKey.load();
        const captureStore = ctx.captures.health();
        return gatewayReadiness({
          store:
            (await storeProblem(sharedStore)) ??
            (captureStore === undefined || captureStore.ok ? undefined : (captureStore.error ?? 'the capture store does not answer')),
          sessionKey: sharedKey.missing,
          synced: targets.synced,
          discovery: c.discovery,
          sidecarCa: sidecarCa.source,
          targets: targets.size,
          storeDescribe: sharedStore.describe,
        });
      },
    },
    metrics: metrics.registry,
    log,
    readyFields: {
      sidecarCa: sidecarCa.source,
      shared: sharedStore.describe,
      sessionKey: sharedKey.source,
      enrollment: Boolean(kc && sidecarCa.signer),
      auth: c.auth,
      oidcIssuer: c['oidc-issuer'],
      authz: c.authz,
      discovery: c.discovery,
      kids: keyring.jwks().keys.map((k) => k.kid),
    },
    beforeClose: async () => {
      await ctx.captures.close();
      stopDiscovery();
    },
    afterClose: () => ctx.sidecars.close(),
  });
  return {
    ports: service.ports,
    context: ctx,
    close: (graceMs = c['shutdown-grace']) => service.close(graceMs),
  };
}
