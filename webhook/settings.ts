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
   * From bench/sidecar (README, Benchmarks): idle RSS ~63–66 MiB plus one 50 MiB profile streaming
   * (+27–33 MiB) ≈ 96 MiB; the limit, twice that, is above the peak under 50 concurrent 50 MiB
   * streams (~140–155 MiB). Of the idle figure ~45 MiB is the node binary, shared per node.
   */
  memoryRequest: '96Mi',
  /** Guaranteed pods need a CPU limit equal to the request; a 20m limit would throttle captures. */
  guaranteedCpu: '100m',
  /** The memory limit is this multiple of the request (limits follow requests). */
  memoryLimitFactor: 2,
  listenPort: 8443,
  healthPort: 8081,
} as const;
