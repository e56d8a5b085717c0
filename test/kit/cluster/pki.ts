// Key material and credentials for the test API server, all generated locally.
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestUser {
  token: string;
  groups: string[];
}

export function randomToken(): string {
  return randomBytes(24).toString('hex');
}

/** EC P-256 key pair for --service-account-{signing-,}key-file (ES256 tokens). */
export function writeServiceAccountKeys(dir: string): { publicKeyFile: string; privateKeyFile: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const publicKeyFile = join(dir, 'sa.pub');
  const privateKeyFile = join(dir, 'sa.key');
  writeFileSync(publicKeyFile, publicKey, { mode: 0o600 });
  writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  return { publicKeyFile, privateKeyFile };
}

/** --token-auth-file CSV: token,user,uid[,"group1,group2"] (uid = user name). */
export function writeTokenFile(path: string, users: Record<string, TestUser>): void {
  const lines = Object.entries(users).map(([name, u]) => {
    if (!/^[\w.:@-]+$/.test(name)) throw new Error(`unsupported user name ${JSON.stringify(name)}`);
    for (const g of u.groups) if (!/^[\w.:@-]+$/.test(g)) throw new Error(`unsupported group ${JSON.stringify(g)}`);
    // A 4th column of "" would give the user a group named "" - omit it instead.
    return u.groups.length === 0 ? `${u.token},${name},${name}` : `${u.token},${name},${name},"${u.groups.join(',')}"`;
  });
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
}

/**
 * kube-apiserver --cert-dir writes apiserver.crt as "serving cert, then its
 * self-signed CA". Extract the CA certificate (the one with CA:TRUE) so it can
 * be used as the kubeconfig certificate-authority. Returns undefined while the
 * file does not exist yet.
 */
export function extractSelfSignedCa(servingCertFile: string): string | undefined {
  let pem: string;
  try {
    pem = readFileSync(servingCertFile, 'utf8');
  } catch {
    return undefined;
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const ca = blocks.find((b) => new X509Certificate(b).ca);
  return ca === undefined ? undefined : ca + '\n';
}
