// `podprof token mint`: a sidecar token for one pod and profile type (for
// operators and tests; the gateway mints its own per request).
import { readFile } from 'node:fs/promises';
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { duration, int, str } from '../src/config/values.ts';
import { parseProfileType } from '../src/endpoints/catalog.ts';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, MAX_TOKEN_LIFETIME_SECONDS } from '../src/token/claims.ts';
import { loadSigningKey } from '../src/token/keys.ts';
import { mintSidecarToken } from '../src/token/sign.ts';

const FLAGS = {
  'key-file': flag(str, 'ES256 private key (PEM) from `podprof keys generate`', { required: true }),
  kid: flag(str, 'key id; default: the key thumbprint, as in jwks.json'),
  namespace: flag(str, "the pod's namespace", { required: true }),
  pod: flag(str, "the pod's name", { required: true }),
  uid: flag(str, "the pod's uid", { required: true }),
  type: flag(parseProfileType, 'profile type', { required: true }),
  seconds: flag(int(0, 3600), 'the most seconds the token may ask for', { default: 30 }),
  ttl: flag(duration(1000, MAX_TOKEN_LIFETIME_SECONDS * 1000), 'token lifetime', { default: 60_000, defaultText: '60s' }),
  subject: flag(str, 'who the token is for (audited)', { default: 'podprof-cli' }),
  issuer: flag(str, 'token issuer', { default: DEFAULT_ISSUER }),
  audience: flag(str, 'token audience', { default: DEFAULT_AUDIENCE }),
} as const;

export async function runToken(argv: readonly string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'mint' || rest.includes('--help')) {
    process.stdout.write(
      helpText('token mint', 'Prints a single-use sidecar token bound to one pod, profile type and max seconds.', FLAGS),
    );
    return verb === 'mint' || verb === '--help' || verb === undefined ? 0 : 2;
  }
  const c = parseFlags(FLAGS, rest);
  const key = loadSigningKey(await readFile(c['key-file'], 'utf8'), c.kid);
  const token = mintSidecarToken(key, {
    subject: c.subject,
    issuer: c.issuer,
    audience: c.audience,
    ttlSeconds: Math.ceil(c.ttl / 1000),
    grant: { namespace: c.namespace, pod: c.pod, uid: c.uid, type: c.type, maxSeconds: c.seconds },
  });
  process.stdout.write(`${token}\n`);
  return 0;
}
