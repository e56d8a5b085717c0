// `podprof keys generate --out-dir DIR`: an ES256 signing key and its JWKS.
// `podprof keys sidecar-cert …`: a sidecar's certificate signed by the gateway's
// own sidecar CA (<store-dir>/.sidecar-ca, made if missing) — for a sidecar run
// by hand or outside Kubernetes, where it cannot enroll with a pod-bound token.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { duration, str } from '../src/config/values.ts';
import { generateSigningKey, privateKeyPem } from '../src/token/keys.ts';
import { issueLocally, loadSidecarCa } from '../gateway/identity/ca.ts';

const FLAGS = { 'out-dir': flag(str, 'directory for signing-key.pem and jwks.json', { required: true }) } as const;

const CERT_FLAGS = {
  'store-dir': flag(str, "the gateway's --store-dir, where its sidecar CA lives", { required: true }),
  namespace: flag(str, "the sidecar's pod namespace", { required: true }),
  pod: flag(str, "the sidecar's pod name", { required: true }),
  ip: flag(str, 'the address the gateway reaches the sidecar at (the pod IP)', { required: true }),
  ttl: flag(duration(60_000, 365 * 86_400_000), 'lifetime', { default: 30 * 86_400_000, defaultText: '720h' }),
  'out-dir': flag(str, 'directory for tls.crt, tls.key and ca.crt', { required: true }),
} as const;

async function sidecarCert(argv: readonly string[]): Promise<number> {
  const c = parseFlags(CERT_FLAGS, argv);
  const ca = loadSidecarCa({ storeDir: c['store-dir'] });
  const leaf = issueLocally(ca, { namespace: c.namespace, pod: c.pod, ip: c.ip, validForMs: c.ttl });
  await mkdir(c['out-dir'], { recursive: true });
  await writeFile(join(c['out-dir'], 'tls.key'), leaf.keyPem, { mode: 0o600 });
  await writeFile(join(c['out-dir'], 'tls.crt'), leaf.certPem);
  await writeFile(join(c['out-dir'], 'ca.crt'), ca.trustPem);
  process.stdout.write(`signed by ${ca.source}\nwrote tls.crt, tls.key and ca.crt in ${c['out-dir']}\n`);
  return 0;
}

export async function runKeys(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'sidecar-cert' && !rest.includes('--help')) return sidecarCert(rest);
  if (verb !== 'generate' || rest.includes('--help')) {
    process.stdout.write(
      helpText(
        'keys generate',
        'Writes signing-key.pem (ES256 private key, mode 0600) and jwks.json (its public key, kid = RFC 7638 thumbprint).',
        FLAGS,
      ),
    );
    process.stdout.write(
      helpText(
        'keys sidecar-cert',
        "Writes a sidecar's tls.crt and tls.key, signed by the gateway's own sidecar CA, and that CA as ca.crt.",
        CERT_FLAGS,
      ),
    );
    return verb === 'generate' || verb === 'sidecar-cert' || verb === '--help' || verb === undefined ? 0 : 2;
  }
  const c = parseFlags(FLAGS, rest);
  const key = generateSigningKey();
  await mkdir(c['out-dir'], { recursive: true });
  await writeFile(join(c['out-dir'], 'signing-key.pem'), privateKeyPem(key), { mode: 0o600 });
  await writeFile(join(c['out-dir'], 'jwks.json'), `${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
  process.stdout.write(`kid ${key.kid}\nwrote ${join(c['out-dir'], 'signing-key.pem')} and ${join(c['out-dir'], 'jwks.json')}\n`);
  return 0;
}
