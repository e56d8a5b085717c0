// `podprof webhook certs`: the webhook's TLS for clusters without cert-manager
// (manifests/certs-job/ runs it as a Job). Uses the current kubeconfig, or the
// pod's service account in a cluster; prints what it did.
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { int, str } from '../src/config/values.ts';
import { RENEW_BEFORE_DAYS, ensureWebhookCerts, type CertsTarget } from '../webhook/certs-apply.ts';

const FLAGS = {
  namespace: flag(str, "the webhook's namespace (its Service and Secret live there)", { default: 'podprof-system' }),
  service: flag(str, "the webhook's Service; the certificate names <service>.<namespace>.svc(.cluster.local)", {
    default: 'podprof-webhook',
  }),
  secret: flag(str, 'the Secret (type kubernetes.io/tls) for tls.crt, tls.key and ca.crt', { default: 'podprof-webhook-tls' }),
  'webhook-config': flag(str, 'the MutatingWebhookConfiguration whose webhooks get the CA as caBundle', { default: 'podprof-webhook' }),
  days: flag(
    int(RENEW_BEFORE_DAYS + 1, 3650),
    `validity of a new certificate, in days; one expiring within ${RENEW_BEFORE_DAYS} days is replaced`,
    { default: 365 },
  ),
} as const;

const SUMMARY = [
  'Makes a CA and a serving certificate for the webhook Service and stores them in a kubernetes.io/tls Secret,',
  'then sets that CA as the caBundle of every webhook of the MutatingWebhookConfiguration.',
  `A valid certificate for the same names that does not expire within ${RENEW_BEFORE_DAYS} days is kept: running it again changes nothing.`,
].join('\n');

export interface CertsIo {
  /** A kubeconfig file to use instead of the default (KUBECONFIG, ~/.kube/config, or in-cluster). */
  readonly kubeconfigFile?: string;
  /** Where the report lines go; default stdout. */
  readonly print?: (line: string) => void;
}

export async function runWebhookCerts(argv: readonly string[], io: CertsIo = {}): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('webhook certs', SUMMARY, FLAGS));
    return 0;
  }
  const c = parseFlags(FLAGS, argv);
  const target: CertsTarget = {
    namespace: c.namespace,
    service: c.service,
    secret: c.secret,
    webhookConfig: c['webhook-config'],
    days: c.days,
  };
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (io.kubeconfigFile === undefined) kc.loadFromDefault();
  else kc.loadFromFile(io.kubeconfigFile);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
  await ensureWebhookCerts(
    {
      core: kc.makeApiClient(k8s.CoreV1Api),
      admission,
      patchWebhookConfig: (name, ops) => admission.patchMutatingWebhookConfiguration({ name, body: ops }, jsonPatch),
    },
    target,
    io.print ?? ((line) => process.stdout.write(`${line}\n`)),
  );
  return 0;
}
