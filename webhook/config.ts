// Every flag of `podprof webhook`.
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bool, bytes, httpsUrl, listenAddress, str } from '../src/config/values.ts';

export const WEBHOOK_FLAGS = {
  listen: flag(listenAddress, 'HTTPS address the API server calls (/mutate, /mutate/namespace)', { default: { host: '', port: 8443 }, defaultText: ':8443' }),
  'health-listen': flag(listenAddress, 'plain HTTP address for /healthz, /readyz and /metrics', { default: { host: '', port: 8081 }, defaultText: ':8081' }),
  'tls-cert-file': flag(str, 'serving certificate (PEM); reloaded when it changes. Absent: self-signed (local use only)'),
  'tls-key-file': flag(str, 'serving key (PEM), with --tls-cert-file'),
  'sidecar-image': flag(str, 'the podprof sidecar image to inject', { required: true }),
  'gateway-url': flag(httpsUrl, "the gateway's URL; sidecars fetch its /.well-known/jwks.json on an unknown key"),
  'jwks-file': flag(str, "the gateway's public keys (JWKS), injected into sidecars; reloaded when it changes"),
  'gateway-ca-file': flag(str, "CA (PEM) of the gateway's certificate, injected into sidecars"),
  namespace: flag(str, "the webhook's own namespace, never injected", { default: 'podprof-system', env: ['POD_NAMESPACE'] }),
  'native-sidecars': flag(bool, 'inject native sidecars (init containers with restartPolicy: Always, Kubernetes ≥ 1.29)', { default: true }),
  'max-body-bytes': flag(bytes(1024 * 1024, 256 * 1024 * 1024), 'largest AdmissionReview accepted', { default: 16 * 1024 * 1024, defaultText: '16MiB' }),
  'log-level': flag(str, 'pino log level', { default: 'info' }),
} as const;

export type WebhookConfig = ConfigOf<typeof WEBHOOK_FLAGS>;

export function webhookConfigProblems(c: WebhookConfig): string[] {
  const problems: string[] = [];
  if ((c['tls-cert-file'] === undefined) !== (c['tls-key-file'] === undefined)) problems.push('--tls-cert-file and --tls-key-file: give both or neither');
  if (c['gateway-ca-file'] !== undefined && c['gateway-url'] === undefined) problems.push('--gateway-ca-file: only meaningful with --gateway-url (sidecars would refuse a CA without a JWKS URL)');
  if (c['jwks-file'] === undefined && c['gateway-url'] === undefined) problems.push('--jwks-file or --gateway-url: at least one is required, or sidecars cannot verify gateway tokens');
  return problems;
}
