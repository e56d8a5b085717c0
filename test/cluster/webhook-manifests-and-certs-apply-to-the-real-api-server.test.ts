// manifests/ against a real kube-apiserver: the base (and the certs-job
// component) pass a server-side dry run with no Pod Security warning; then
// `podprof webhook certs`, run as the certs Job's own service account (so the
// RBAC of manifests/certs-job/ is enough), writes the TLS Secret and the caBundle,
// changes nothing on a second run, and rotates an expiring certificate without a
// moment where the webhooks trust neither CA. One cluster for the file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { createCertificate } from '../../src/tls/x509.ts';
import { pemCertificates } from '../../webhook/certs-apply.ts';
import { runWebhookCerts } from '../../cli/webhook-certs.ts';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';
import { kubectl, renderManifests, type Run } from '../kit/cluster/webhook-cluster.ts';

const NS = 'podprof-system';
const NAMES = ['podprof-webhook.podprof-system.svc', 'podprof-webhook.podprof-system.svc.cluster.local'];
let cp: ControlPlane;
let core: CoreV1Api;
let admission: AdmissionregistrationV1Api;
let certsKubeconfig: string;

before(async () => {
  cp = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  admission = kc.makeApiClient(AdmissionregistrationV1Api);
});

after(async () => {
  await cp?.stop();
});

const k = (args: readonly string[]): Promise<Run> => kubectl(cp.kubeconfigPath, args);

/** `podprof webhook certs ARGS` as a process: KUBECONFIG is its only source of credentials, stdout its report. */
function certsProcess(kubeconfig: string, args: readonly string[] = []): Promise<Run> {
  const runner = [
    "const { runWebhookCerts } = await import('./cli/webhook-certs.ts');",
    'try { process.exitCode = await runWebhookCerts(process.argv.slice(1)); }',
    'catch (err) { process.stderr.write(`podprof webhook: ${err.message}\\n`); process.exitCode = 1; }',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--import', 'tsx', '--input-type=module', '-e', runner, '--', ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The same command in this process (client-node takes seconds to load in a new one); errors become code 1 + stderr. */
async function certs(kubeconfigFile: string, args: readonly string[] = []): Promise<Run> {
  let stdout = '';
  const print = (line: string): void => void (stdout += `${line}\n`);
  try {
    return { code: await runWebhookCerts(args, { kubeconfigFile, print }), stdout, stderr: '' };
  } catch (err) {
    return { code: 1, stdout, stderr: (err as Error).message };
  }
}

/** Each rendered object is named in kubectl's output, accepted by the server. */
async function assertDryRunAccepts(dir: string): Promise<void> {
  const objects = await renderManifests(cp.kubeconfigPath, dir);
  const r = await k(['apply', '--dry-run=server', '-k', dir]);
  assert.equal(r.code, 0, r.stderr);
  for (const o of objects) {
    const line = new RegExp(
      `^${o.kind.toLowerCase()}(\\.[a-z0-9.]+)?/${o.metadata.name} (created|configured|unchanged) \\(server dry run\\)$`,
      'm',
    );
    assert.match(r.stdout, line, `${o.kind} ${o.metadata.name}`);
  }
  assert.doesNotMatch(r.stderr, /PodSecurity|violate/i, 'the pod templates pass Pod Security "restricted"');
}

test('kubectl apply --dry-run=server accepts every object of the base and of the certs-job component, without a Pod Security warning', async () => {
  // A server-side dry run does not create the namespace the other objects go into.
  const ns = await k(['apply', '-f', 'manifests/base/namespace.yaml']);
  assert.equal(ns.code, 0, ns.stderr);
  await assertDryRunAccepts('manifests/');
  await assertDryRunAccepts('manifests/certs-job/');
  await assert.rejects(admission.readMutatingWebhookConfiguration({ name: 'podprof-webhook' }), 'a dry run stores nothing');
});

async function serviceAccountKubeconfig(name: string): Promise<string> {
  const tr = await core.createNamespacedServiceAccountToken({
    namespace: NS,
    name,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const file = join(cp.dataDir, `kubeconfig-${name}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: cp.server, 'certificate-authority': cp.caFile } }],
    users: [{ name, user: { token: tr.status?.token } }],
    contexts: [{ name, context: { cluster: 'test', user: name } }],
    'current-context': name,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

const secret = (name = 'podprof-webhook-tls'): ReturnType<CoreV1Api['readNamespacedSecret']> =>
  core.readNamespacedSecret({ namespace: NS, name });
const pem = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');
const bundles = async (): Promise<string[]> =>
  ((await admission.readMutatingWebhookConfiguration({ name: 'podprof-webhook' })).webhooks ?? []).map((w) => pem(w.clientConfig.caBundle));

test('podprof webhook certs, as the certs Job service account, creates the TLS Secret and sets the caBundle of both webhooks; a second run changes nothing', async () => {
  for (const dir of ['manifests/', 'manifests/certs-job/']) {
    const r = await k(['apply', '-k', dir]);
    assert.equal(r.code, 0, r.stderr);
  }
  certsKubeconfig = await serviceAccountKubeconfig('podprof-webhook-certs');
  const first = await certsProcess(certsKubeconfig, [
    '--namespace=podprof-system',
    '--service=podprof-webhook',
    '--secret=podprof-webhook-tls',
    '--webhook-config=podprof-webhook',
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^secret podprof-system\/podprof-webhook-tls: created \(it does not exist\)/m);
  assert.match(
    first.stdout,
    /^mutatingwebhookconfiguration podprof-webhook: caBundle set on annotation\.inject\.podprof\.io, namespace\.inject\.podprof\.io$/m,
  );

  const s = await secret();
  assert.equal(s.type, 'kubernetes.io/tls');
  const cert = new X509Certificate(pem(s.data?.['tls.crt']));
  const ca = new X509Certificate(pem(s.data?.['ca.crt']));
  for (const name of NAMES) assert.equal(cert.checkHost(name), name);
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'signed by ca.crt');
  assert.ok(cert.checkPrivateKey(createPrivateKey(pem(s.data?.['tls.key']))), 'tls.key is its key');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.ok(Math.abs(Date.parse(cert.validTo) - Date.now() - 365 * 86_400_000) < 86_400_000, `valid for 365 days: ${cert.validTo}`);
  assert.deepEqual(await bundles(), [ca.toString(), ca.toString()]);

  const versions = async (): Promise<string[]> => [
    (await secret()).metadata?.resourceVersion ?? '',
    (await admission.readMutatingWebhookConfiguration({ name: 'podprof-webhook' })).metadata?.resourceVersion ?? '',
  ];
  const before = await versions();
  const second = await certs(certsKubeconfig);
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout,
    /^secret podprof-system\/podprof-webhook-tls: kept, its certificate for podprof-webhook\.podprof-system\.svc, podprof-webhook\.podprof-system\.svc\.cluster\.local is valid until \d{4}-\d\d-\d\d$/m,
  );
  assert.match(second.stdout, /^mutatingwebhookconfiguration podprof-webhook: kept, all 2 webhooks already trust the CA$/m);
  assert.deepEqual(await versions(), before, 'neither object was written');
});

test('re-applying the base manifests keeps the caBundle that podprof webhook certs set', async () => {
  const ca = pem((await secret()).data?.['ca.crt']);
  const r = await k(['apply', '-k', 'manifests/']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await bundles(), [ca, ca]);
});

test('a certificate expiring within 30 days is replaced, and the webhooks then trust the new CA and the old one until it expires', async () => {
  const old = createCertificate({ commonName: 'old CA', isCA: true, days: 10 });
  const leaf = createCertificate({ commonName: NAMES[0]!, dnsNames: NAMES, days: 10, issuer: { commonName: 'old CA', key: old.key } });
  const s = await secret();
  const b64 = (t: string): string => Buffer.from(t).toString('base64');
  await core.replaceNamespacedSecret({
    namespace: NS,
    name: 'podprof-webhook-tls',
    body: { ...s, data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(old.certPem) } },
  });

  const rotated = await certs(certsKubeconfig);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(
    rotated.stdout,
    /^secret podprof-system\/podprof-webhook-tls: replaced \(its certificate or CA expires on \d{4}-\d\d-\d\d, within 30 days\)/m,
  );
  const ca = pem((await secret()).data?.['ca.crt']);
  assert.notEqual(ca, old.certPem);
  for (const bundle of await bundles())
    assert.deepEqual(
      pemCertificates(bundle).map((x) => x.toString()),
      [ca, old.certPem],
    );

  const again = await certs(certsKubeconfig);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /: kept, .*\n.*: kept, all 2 webhooks already trust the CA\n$/);
});

test('podprof webhook certs exits 1 with what to do when the webhook configuration is missing, the Secret has another type, or RBAC forbids it', async () => {
  const missing = await certs(cp.kubeconfigPath, ['--webhook-config=missing']);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /mutatingwebhookconfiguration missing not found: apply the base manifests first \(kubectl apply -k manifests\/\), then run this again/,
  );

  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'opaque' }, stringData: { 'tls.crt': 'x' } } });
  const opaque = await certs(cp.kubeconfigPath, ['--secret=opaque']);
  assert.equal(opaque.code, 1);
  assert.match(
    opaque.stderr,
    /secret podprof-system\/opaque has type Opaque, not kubernetes\.io\/tls; the type cannot be changed: delete the secret and run again/,
  );

  // The certs Job's Role names one Secret: any other is forbidden, said in one line.
  const forbidden = await certs(certsKubeconfig, ['--secret=someone-elses']);
  assert.equal(forbidden.code, 1);
  assert.match(
    forbidden.stderr,
    /^reading secret podprof-system\/someone-elses: HTTP 403, secrets "someone-elses" is forbidden: User "system:serviceaccount:podprof-system:podprof-webhook-certs" cannot get resource "secrets"/,
  );

  const help = await certsProcess(cp.kubeconfigPath, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--webhook-config[\s\S]*--days/);
});
