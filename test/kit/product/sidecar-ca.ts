// One sidecar CA for a test process, in the role cert-manager's CSI driver plays
// in a cluster: it issues each sidecar a certificate for its pod IP, and
// gateways get it as --sidecar-ca-file. issueFor(ip) is what the harness and the
// demo-like tests use; impostor tests use it for the wrong IP.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate, type KeyAndCert } from '../../../src/tls/x509.ts';

export interface TestSidecarCa {
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly ca: KeyAndCert;
  /** A serving certificate for `ip` signed by the CA, as files: flags for `podprof sidecar`. */
  issueFor(ip: string): { certFile: string; keyFile: string; args: string[] };
}

let shared: TestSidecarCa | undefined;

export function testSidecarCa(): TestSidecarCa {
  if (shared) return shared;
  const dir = mkdtempSync(join(tmpdir(), 'podprof-sidecar-ca-'));
  chmodSync(dir, 0o755); // the image tests run the gateway as uid 65532: it reads ca.crt
  const ca = createCertificate({ commonName: 'podprof test sidecar CA', isCA: true, days: 2 });
  const caFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca.key');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(caKeyFile, ca.keyPem, { mode: 0o600 });
  let n = 0;
  shared = {
    caFile,
    caKeyFile,
    ca,
    issueFor(ip) {
      const leaf = createCertificate({
        commonName: `sidecar ${ip}`,
        ipAddresses: [ip],
        days: 1,
        issuer: { commonName: 'podprof test sidecar CA', key: ca.key },
      });
      const certFile = join(dir, `sidecar-${++n}.crt`);
      const keyFile = join(dir, `sidecar-${n}.key`);
      writeFileSync(certFile, leaf.certPem);
      writeFileSync(keyFile, leaf.keyPem, { mode: 0o600 });
      return { certFile, keyFile, args: ['--tls-cert-file', certFile, '--tls-key-file', keyFile] };
    },
  };
  return shared;
}
