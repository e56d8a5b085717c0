// `podprof keys generate --out-dir DIR`: an ES256 signing key and its JWKS.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { str } from '../src/config/values.ts';
import { generateSigningKey, privateKeyPem } from '../src/token/keys.ts';

const FLAGS = { 'out-dir': flag(str, 'directory for signing-key.pem and jwks.json', { required: true }) } as const;

export async function runKeys(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'generate' || rest.includes('--help')) {
    process.stdout.write(helpText('keys generate', 'Writes signing-key.pem (ES256 private key, mode 0600) and jwks.json (its public key, kid = RFC 7638 thumbprint).', FLAGS));
    return verb === 'generate' || verb === '--help' || verb === undefined ? 0 : 2;
  }
  const c = parseFlags(FLAGS, rest);
  const key = generateSigningKey();
  await mkdir(c['out-dir'], { recursive: true });
  await writeFile(join(c['out-dir'], 'signing-key.pem'), privateKeyPem(key), { mode: 0o600 });
  await writeFile(join(c['out-dir'], 'jwks.json'), `${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`);
  process.stdout.write(`kid ${key.kid}\nwrote ${join(c['out-dir'], 'signing-key.pem')} and ${join(c['out-dir'], 'jwks.json')}\n`);
  return 0;
}
