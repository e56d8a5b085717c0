// What `podprof webhook certs` does, given API clients: keep or make the
// webhook's serving certificate (Secret type kubernetes.io/tls: tls.crt,
// tls.key, ca.crt) and make every webhook of the MutatingWebhookConfiguration
// trust its CA. Idempotent: a second run changes nothing. It uses only the verbs
// manifests/certs-job/ grants: secrets get/create/update, the configuration get/patch.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { AdmissionregistrationV1Api, CoreV1Api, V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import { createCertificate } from '../src/tls/x509.ts';

export interface CertsTarget {
  readonly namespace: string;
  readonly service: string;
  readonly secret: string;
  readonly webhookConfig: string;
  readonly days: number;
}

export interface CertsClients {
  readonly core: CoreV1Api;
  readonly admission: AdmissionregistrationV1Api;
  /** A JSON patch of the MutatingWebhookConfiguration (the caller sets the content type). */
  readonly patchWebhookConfig: (name: string, ops: readonly object[]) => Promise<unknown>;
}

/** A certificate this close to expiry (or a CA) is replaced. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;
const TLS_TYPE = 'kubernetes.io/tls';

export function servingNames(t: Pick<CertsTarget, 'service' | 'namespace'>): string[] {
  return [`${t.service}.${t.namespace}.svc`, `${t.service}.${t.namespace}.svc.cluster.local`];
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
const day = (d: Date): string => d.toISOString().slice(0, 10);

/** Each PEM certificate in a bundle, parsed; unreadable blocks are left out. */
export function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.flatMap((b) => {
    try {
      return [new X509Certificate(b)];
    } catch {
      return [];
    }
  });
}

function apiCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** API errors of client-node carry the whole response; say what failed in one line. */
export function apiFailure(what: string, err: unknown): Error {
  const body = (err as { body?: unknown }).body;
  let message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  try {
    message = (JSON.parse(typeof body === 'string' ? body : JSON.stringify(body)) as { message?: string }).message ?? message;
  } catch {
    // keep the first line of the error
  }
  const code = apiCode(err);
  return new Error(`${what}: ${code === undefined ? '' : `HTTP ${code}, `}${message}`, { cause: err });
}

/** Why the Secret's certificate must be replaced, or undefined to keep it. */
export function replaceReason(secret: V1Secret | undefined, names: readonly string[], now = Date.now()): string | undefined {
  if (secret === undefined) return 'it does not exist';
  const d = secret.data ?? {};
  if (d['tls.crt'] === undefined || d['tls.key'] === undefined || d['ca.crt'] === undefined) return 'it lacks tls.crt, tls.key or ca.crt';
  let cert: X509Certificate;
  let ca: X509Certificate | undefined;
  try {
    cert = new X509Certificate(unb64(d['tls.crt']));
    ca = pemCertificates(unb64(d['ca.crt']))[0];
    if (!cert.checkPrivateKey(createPrivateKey(unb64(d['tls.key'])))) return 'tls.key does not match tls.crt';
  } catch {
    return 'its certificate or key cannot be read';
  }
  const missing = names.filter((n) => cert.checkHost(n) === undefined);
  if (missing.length > 0) return `its certificate does not name ${missing.join(', ')}`;
  if (ca === undefined || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'its certificate is not signed by ca.crt';
  const renewBy = now + RENEW_BEFORE_DAYS * DAY_MS;
  const soonest = Math.min(Date.parse(cert.validTo), Date.parse(ca.validTo));
  if (soonest < renewBy) return `its certificate or CA expires on ${day(new Date(soonest))}, within ${RENEW_BEFORE_DAYS} days`;
  if (Date.parse(cert.validFrom) > now) return 'its certificate is not valid yet';
  return undefined;
}

interface Issued {
  readonly data: Record<string, string>;
  readonly validTo: string;
}

function issue(t: CertsTarget, names: readonly string[]): Issued {
  const caName = `${t.service}.${t.namespace} webhook CA`;
  const ca = createCertificate({ commonName: caName, isCA: true, days: t.days + 1 });
  const leaf = createCertificate({
    commonName: names[0] ?? t.service,
    dnsNames: names,
    days: t.days,
    issuer: { commonName: caName, key: ca.key },
  });
  return {
    data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(ca.certPem) },
    validTo: day(new Date(new X509Certificate(leaf.certPem).validTo)),
  };
}

async function readSecret(c: CertsClients, t: CertsTarget): Promise<V1Secret | undefined> {
  try {
    return await c.core.readNamespacedSecret({ namespace: t.namespace, name: t.secret });
  } catch (err) {
    if (apiCode(err) === 404) return undefined;
    throw apiFailure(`reading secret ${t.namespace}/${t.secret}`, err);
  }
}

async function writeSecret(c: CertsClients, t: CertsTarget, existing: V1Secret | undefined, data: Record<string, string>): Promise<void> {
  const body: V1Secret = {
    ...existing,
    apiVersion: 'v1',
    kind: 'Secret',
    type: TLS_TYPE,
    metadata: { ...existing?.metadata, name: t.secret, namespace: t.namespace },
    data: { ...existing?.data, ...data },
  };
  try {
    if (existing === undefined) await c.core.createNamespacedSecret({ namespace: t.namespace, body });
    else await c.core.replaceNamespacedSecret({ namespace: t.namespace, name: t.secret, body });
  } catch (err) {
    throw apiFailure(`writing secret ${t.namespace}/${t.secret}`, err);
  }
}

/** The CA PEMs the webhooks must trust now: the current CA, and while rotating, the previous one too. */
async function ensureSecret(c: CertsClients, t: CertsTarget, print: (line: string) => void): Promise<{ current: string; trusted: string }> {
  const names = servingNames(t);
  const existing = await readSecret(c, t);
  if (existing !== undefined && existing.type !== TLS_TYPE) {
    throw new Error(
      `secret ${t.namespace}/${t.secret} has type ${existing.type ?? 'Opaque'}, not ${TLS_TYPE}; the type cannot be changed: delete the secret and run again`,
    );
  }
  const reason = replaceReason(existing, names);
  const data = existing?.data ?? {};
  if (reason === undefined) {
    const validTo = day(new Date(new X509Certificate(unb64(data['tls.crt'])).validTo));
    print(`secret ${t.namespace}/${t.secret}: kept, its certificate for ${names.join(', ')} is valid until ${validTo}`);
    return { current: unb64(data['ca.crt']), trusted: unb64(data['ca.crt']) };
  }
  const issued = issue(t, names);
  await writeSecret(c, t, existing, issued.data);
  print(
    `secret ${t.namespace}/${t.secret}: ${existing === undefined ? 'created' : 'replaced'} (${reason}), a new CA and a certificate for ${names.join(', ')} valid until ${issued.validTo}`,
  );
  const current = unb64(issued.data['ca.crt']);
  const previous = pemCertificates(unb64(data['ca.crt'])).filter((x) => Date.parse(x.validTo) > Date.now());
  return { current, trusted: [current, ...previous.map((x) => x.toString())].join('') };
}

function trusts(caBundle: string | undefined, ca: string): boolean {
  const want = pemCertificates(ca)[0]?.fingerprint256;
  return want !== undefined && pemCertificates(unb64(caBundle)).some((x) => x.fingerprint256 === want);
}

async function ensureCaBundle(
  c: CertsClients,
  t: CertsTarget,
  ca: { current: string; trusted: string },
  print: (line: string) => void,
): Promise<void> {
  let config: V1MutatingWebhookConfiguration;
  try {
    config = await c.admission.readMutatingWebhookConfiguration({ name: t.webhookConfig });
  } catch (err) {
    if (apiCode(err) === 404)
      throw new Error(
        `mutatingwebhookconfiguration ${t.webhookConfig} not found: apply the base manifests first (kubectl apply -k manifests/), then run this again`,
        { cause: err },
      );
    throw apiFailure(`reading mutatingwebhookconfiguration ${t.webhookConfig}`, err);
  }
  const webhooks = config.webhooks ?? [];
  const stale = webhooks.map((w, i) => ({ w, i })).filter(({ w }) => !trusts(w.clientConfig.caBundle, ca.current));
  if (stale.length === 0) {
    print(`mutatingwebhookconfiguration ${t.webhookConfig}: kept, all ${webhooks.length} webhooks already trust the CA`);
    return;
  }
  // `test` guards each index against a concurrent reordering of the list.
  const ops = stale.flatMap(({ w, i }) => [
    { op: 'test', path: `/webhooks/${i}/name`, value: w.name },
    { op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: b64(ca.trusted) },
  ]);
  try {
    await c.patchWebhookConfig(t.webhookConfig, ops);
  } catch (err) {
    throw apiFailure(`patching the caBundle of mutatingwebhookconfiguration ${t.webhookConfig}`, err);
  }
  print(`mutatingwebhookconfiguration ${t.webhookConfig}: caBundle set on ${stale.map(({ w }) => w.name).join(', ')}`);
}

/** Keep or make the serving certificate, then make every webhook trust its CA. */
export async function ensureWebhookCerts(c: CertsClients, t: CertsTarget, print: (line: string) => void): Promise<void> {
  const ca = await ensureSecret(c, t, print);
  await ensureCaBundle(c, t, ca, print);
}
