// What every gateway route may use.
import type { Logger } from '../src/log.ts';
import type { RateLimiter } from '../src/limits/rate.ts';
import type { Shares } from '../src/limits/shares.ts';
import type { Authorizer } from './auth/authz.ts';
import type { Sessions } from './auth/session.ts';
import type { OidcSignIn } from './auth/oidc/sign-in.ts';
import type { Authenticator, User } from './auth/user.ts';
import type { Captures } from './captures/captures.ts';
import type { TargetRegistry } from './discovery/registry.ts';
import type { WorkloadResolver } from './discovery/workloads.ts';
import type { Keyring } from './pods/keyring.ts';
import type { LinkStore } from './links.ts';
import type { ObjectStore } from './shared/object-store.ts';
import type { SharedKey } from './shared/shared-key.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { SidecarCa } from './identity/ca.ts';
import type { TokenReviewer } from './identity/review.ts';
import type { SidecarClient } from './pods/sidecar-client.ts';
import type { UpstreamStates } from './pods/upstream-states.ts';
import type { SourceFetcher } from './source/fetcher.ts';

export interface GatewayContext {
  readonly registry: TargetRegistry;
  readonly keyring: Keyring;
  readonly sidecars: SidecarClient;
  /** Whether each pod's app answers its sidecar, for the pod list (checked a few seconds apart). */
  readonly upstreams: UpstreamStates;
  readonly authenticate: Authenticator;
  readonly authorize: Authorizer;
  /** Workload membership for fan-outs (kubernetes discovery only). */
  readonly workloads?: WorkloadResolver;
  readonly sessions: Sessions;
  /** Sign-in with the OIDC provider (--oidc-issuer), when configured. */
  readonly oidc?: OidcSignIn;
  readonly links: LinkStore;
  /** What replicas share links, sessions and the session key through. */
  readonly shared: { readonly store: ObjectStore; readonly key: SharedKey };
  /** Live pprof requests running per user (--max-streams-per-user). */
  readonly streams: Shares;
  /** Stored captures and fan-out (POST/GET /api/v1/captures). */
  readonly captures: Captures;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Sidecar identity: the CA their certificates chain to, and enrollment (absent without the Kubernetes API). */
  readonly identity: {
    readonly ca: SidecarCa;
    readonly review?: TokenReviewer;
    /** TokenReviews per source address, shared with user authentication (auth/authn.ts REVIEW_RATE). */
    readonly reviews: RateLimiter;
    readonly certTtlMs: number;
  };
  /** The base URL users reach the gateway at; undefined: derived from each request's Host. */
  readonly publicUrl: URL | undefined;
  /** Where users keep the CA of the gateway's certificate (--link-tls-ca), for the go tool pprof command of a link. */
  readonly linkTlsCa?: string;
  /** Source files through the Go module proxy (--goproxy), for the Source view. */
  readonly sources: SourceFetcher;
}

export interface AuditEvent {
  user?: string;
  groups?: readonly string[];
  via?: User['via'];
  decision?: 'allowed' | 'denied';
  reason?: string;
  namespace?: string;
  pod?: string;
  uid?: string;
  type?: string;
  params?: unknown;
  status?: number;
  bytes?: number;
  outcome?: string;
}
