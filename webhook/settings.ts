// What the webhook injects, from its flags. Passed to the pure inject().

export interface InjectSettings {
  readonly sidecarImage: string;
  /** The gateway's base URL; sidecars fetch `<url>/.well-known/jwks.json` on an unknown kid. */
  readonly gatewayUrl?: string;
  /** The gateway's public keys (JWKS JSON), injected inline so sidecars start without a network call. */
  readonly jwks?: string;
  /** PEM of the CA that signs the gateway's certificate. */
  readonly gatewayCa?: string;
  readonly nativeSidecars: boolean;
  /** The webhook's own namespace, never injected. */
  readonly namespace: string;
  readonly version: string;
}

export const EXCLUDED_NAMESPACES = ['kube-system', 'kube-node-lease'] as const;

export const SIDECAR_DEFAULTS = {
  cpuRequest: '20m',
  /**
   * From bench/node (docs/benchmarks.md, ADR 5): what the kubelet charges the Bun sidecar, its working
   * set, is 12.2 MiB idle and at most 15.3 MiB while its pod serves a 30 s CPU profile and heap
   * snapshots (pods 2..20 of a node; the runtime binary's file pages are shared, charged to no pod's
   * working set). 24Mi leaves half again on top of that.
   */
  memoryRequest: '24Mi',
  /** Guaranteed pods need a CPU limit equal to the request; a 20m limit would throttle captures. */
  guaranteedCpu: '100m',
  /** The memory limit is this multiple of the request (limits follow requests)… */
  memoryLimitFactor: 2,
  /**
   * …but never below this: the ceiling for bursts (many large profiles streaming at once peaked at
   * ~144 MiB RSS on Node in bench/sidecar), where an OOM kill would cut captures short.
   */
  memoryLimitFloor: '128Mi',
  listenPort: 8443,
  healthPort: 8081,
} as const;
