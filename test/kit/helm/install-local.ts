// `helm install` of charts/podprof as the real-node journeys run it: the images `npm run images` built
// (localhost/podprof-*:dev), the keys and certificates of manifests/overlays/local/make-secrets.sh given by
// --set-file, and first what the chart refers to but does not make: the gateway's CA for the sidecars
// (ConfigMap podprof-gateway-ca) and the sidecar CA (Secret podprof-sidecar-ca).
import { join } from 'node:path';
import type { Kubectl } from '../cluster/real-node.ts';
import type { HelmResult } from './helm.ts';

export const CHART = join(new URL('../../../', import.meta.url).pathname, 'charts/podprof');

export async function installLocally(o: {
  readonly k: Kubectl;
  readonly helm: (args: readonly string[]) => Promise<HelmResult>;
  readonly namespace: string;
  /** The folder make-secrets.sh wrote. */
  readonly secrets: string;
  /** More `--set` values (name=value), after the local images and CAs. */
  readonly set: readonly string[];
}): Promise<HelmResult> {
  const { k, namespace, secrets } = o;
  await k(['-n', namespace, 'create', 'configmap', 'podprof-gateway-ca', `--from-file=ca.crt=${join(secrets, 'gateway-ca.crt')}`]);
  await k([
    '-n',
    namespace,
    'create',
    'secret',
    'generic',
    'podprof-sidecar-ca',
    `--from-file=ca.crt=${join(secrets, 'sidecar-ca.crt')}`,
    `--from-file=ca.key=${join(secrets, 'sidecar-ca.key')}`,
  ]);
  return o.helm([
    'install',
    'podprof',
    CHART,
    '--namespace',
    namespace,
    '--set',
    [
      'namespace.create=false',
      'userRoles.create=true',
      'webhook.image.repository=localhost/podprof-webhook',
      'webhook.image.tag=dev',
      'gateway.image.repository=localhost/podprof-gateway',
      'gateway.image.tag=dev',
      'sidecar.image.repository=localhost/podprof-sidecar',
      'sidecar.image.tag=dev',
      'webhook.gatewayCAConfigMap=podprof-gateway-ca',
      'gateway.sidecarCASecret=podprof-sidecar-ca',
      ...o.set,
    ].join(','),
    '--set-file',
    `gateway.signingKey.pem=${join(secrets, 'signing-key.pem')}`,
    '--set-file',
    `gateway.jwks=${join(secrets, 'jwks.json')}`,
    '--set-file',
    `gateway.tls.cert=${join(secrets, 'gateway-tls.crt')}`,
    '--set-file',
    `gateway.tls.key=${join(secrets, 'gateway-tls.key')}`,
  ]);
}
