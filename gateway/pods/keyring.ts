// The gateway's signing keys: the first signs sidecar tokens; all are published
// at /.well-known/jwks.json, so a rotated-out key stays valid until its tokens expire.
import { readFileSync } from 'node:fs';
import type { ProfileType } from '../../src/endpoints/catalog.ts';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, MAX_TOKEN_LIFETIME_SECONDS } from '../../src/token/claims.ts';
import { loadSigningKey, type Jwks, type SigningKey } from '../../src/token/keys.ts';
import { mintSidecarToken } from '../../src/token/sign.ts';
import type { Target } from './targets.ts';

/** Sidecar tokens live for the capture plus this margin, never longer than the verifier's cap. */
export const TOKEN_MARGIN_SECONDS = 30;

export class Keyring {
  constructor(private readonly keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new Error('at least one signing key is required');
  }

  static fromFiles(files: readonly string[], kids: readonly string[]): Keyring {
    return new Keyring(files.map((f, i) => loadSigningKey(readFileSync(f, 'utf8'), kids[i])));
  }

  jwks(): Jwks {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** A single-use token for one pod (namespace, name and uid), one profile type, at most `seconds`. */
  mint(subject: string, t: Target, type: ProfileType, seconds: number): string {
    return mintSidecarToken(this.keys[0]!, {
      subject,
      issuer: DEFAULT_ISSUER,
      audience: DEFAULT_AUDIENCE,
      ttlSeconds: Math.min(MAX_TOKEN_LIFETIME_SECONDS, Math.ceil(seconds) + TOKEN_MARGIN_SECONDS),
      grant: { namespace: t.namespace, pod: t.name, uid: t.uid, type, maxSeconds: Math.ceil(seconds) },
    });
  }
}
