// Every flag of `podprof webhook`.
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bool, bytes, httpsUrl, str } from '../src/config/values.ts';
import { servingConfigProblems, servingFlags } from '../src/serving/config.ts';

export const WEBHOOK_FLAGS = {
  ...servingFlags({
    connections: { max: 1024, perAddress: 128 },
    listenHelp: 'HTTPS address the API server calls (/mutate, /mutate/namespace)',
    noCertificate: 'self-signed (local use only)',
    grace: { ms: 5_000, text: '5s' },
  }),
  'sidecar-image': flag(str, 'the podprof sidecar image to inject', { required: true }),
  'gateway-url': flag(httpsUrl, "the gateway's URL; sidecars fetch its /.well-known/jwks.json on an unknown key"),
  'jwks-file': flag(str, "the gateway's public keys (JWKS), injected into sidecars; reloaded when it changes"),
  'gateway-ca-file': flag(str, "CA (PEM) of the gateway's certificate, injected into sidecars"),
  namespace: flag(str, "the webhook's own namespace, never injected", { default: 'podprof-system', env: ['POD_NAMESPACE'] }),
  'native-sidecars': flag(bool, 'inject native sidecars (init containers with restartPolicy: Always, Kubernetes ≥ 1.29)', {
    default: true,
  }),
  'max-body-bytes': flag(
    bytes(64 * 1024, 256 * 1024 * 1024),
    'largest AdmissionReview accepted: a pod etcd can store (1.5 MiB) reviewed as JSON is under it (docs/security.md)',
    { default: 4 * 1024 * 1024, defaultText: '4MiB' },
  ),
  'max-inflight-bytes': flag(
    bytes(64 * 1024, 4 * 1024 * 1024 * 1024),
    'request bytes held at once in all; one source address may hold a quarter (429 past either)',
    { default: 32 * 1024 * 1024, defaultText: '32MiB' },
  ),
} as const;

export type WebhookConfig = ConfigOf<typeof WEBHOOK_FLAGS>;

export function webhookConfigProblems(c: WebhookConfig): string[] {
  const problems = servingConfigProblems(c);
  if (c['gateway-ca-file'] !== undefined && c['gateway-url'] === undefined)
    problems.push('--gateway-ca-file: only meaningful with --gateway-url (sidecars would refuse a CA without a JWKS URL)');
  if (c['max-inflight-bytes'] < c['max-body-bytes']) problems.push('--max-inflight-bytes: at least --max-body-bytes');
  if (c['jwks-file'] === undefined && c['gateway-url'] === undefined)
    problems.push('--jwks-file or --gateway-url: at least one is required, or sidecars cannot verify gateway tokens');
  return problems;
}
