// The CA that sidecar certificates chain to. Two sources, one contract (a
// sidecar's certificate names its pod's IP and chains to this CA):
//   --sidecar-ca-file [+ --sidecar-ca-key-file]  an external CA (cert-manager's
//       CSI driver issues the sidecars' certificates); with its key, the gateway
//       also signs enrolled sidecars' certificates with it.
//   neither  podprof's own CA, made once and kept in <store-dir>/.sidecar-ca/
//       (the gateway's volume), so sidecar certificates survive gateway restarts.
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificate, subjectOf, type KeyAndCert } from '../../src/tls/x509.ts';

export interface SidecarCa {
  /** PEM the gateway verifies sidecar certificates against. */
  readonly trustPem: string;
  /** Present when the gateway may sign sidecar certificates (enrollment). */
  readonly signer?: { readonly commonName: string; readonly name: Buffer; readonly key: KeyObject; readonly certPem: string };
  /** Where it came from, for the ready log line. */
  readonly source: string;
}

export const OWN_CA_DIR = '.sidecar-ca';

function signerOf(certPem: string, keyPem: string): NonNullable<SidecarCa['signer']> {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(key)) throw new Error('the sidecar CA key does not belong to its certificate');
  if (!cert.ca) throw new Error('the sidecar CA certificate is not a CA (basicConstraints)');
  return { commonName: /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? 'podprof sidecar CA', name: subjectOf(cert.raw), key, certPem };
}

export function loadSidecarCa(o: { caFile?: string; caKeyFile?: string; storeDir: string }): SidecarCa {
  if (o.caFile !== undefined) {
    const trustPem = readFileSync(o.caFile, 'utf8');
    const signer = o.caKeyFile === undefined ? undefined : signerOf(trustPem, readFileSync(o.caKeyFile, 'utf8'));
    return { trustPem, signer, source: o.caFile };
  }
  const dir = join(o.storeDir, OWN_CA_DIR);
  const files = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  try {
    if (!existsSync(files.cert) || !existsSync(files.key)) makeOwnCa(dir);
    const certPem = readFileSync(files.cert, 'utf8');
    return { trustPem: certPem, signer: signerOf(certPem, readFileSync(files.key, 'utf8')), source: dir };
  } catch (err) {
    // The store is unusable (it says so on every capture call); the gateway still
    // runs, with a CA that lasts until it stops: sidecars re-enroll after a restart.
    const ca = newCa();
    return { trustPem: ca.certPem, signer: signerOf(ca.certPem, ca.keyPem), source: `memory (${dir}: ${(err as Error).message})` };
  }
}

/**
 * Makes the CA in a sibling temp directory and renames it into place: gateways sharing one store directory
 * that start together agree on one CA (a rename onto a directory another one made fails, and theirs stays).
 */
function makeOwnCa(dir: string): void {
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const ca = newCa();
    writeFileSync(join(tmp, 'ca.key'), ca.keyPem, { mode: 0o600 });
    writeFileSync(join(tmp, 'ca.crt'), ca.certPem);
    renameSync(tmp, dir);
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const newCa = (): ReturnType<typeof createCertificate> => createCertificate({ commonName: 'podprof sidecar CA', isCA: true, days: 3650 });

/** The subject podprof's signer gives a pod's certificate; the gateway checks it against the pod. */
export const podCommonName = (namespace: string, pod: string): string => `${pod}.${namespace}.pod.podprof`;

/** A key and certificate for a sidecar, signed here: the demo and `podprof keys sidecar-cert` (no API server to enroll with). */
export function issueLocally(ca: SidecarCa, o: { namespace: string; pod: string; ip: string; validForMs: number }): KeyAndCert {
  if (!ca.signer) throw new Error(`the sidecar CA (${ca.source}) has no key to sign with`);
  return createCertificate({
    commonName: podCommonName(o.namespace, o.pod),
    ipAddresses: [o.ip],
    validForMs: o.validForMs,
    issuer: ca.signer,
  });
}
