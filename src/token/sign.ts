import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, MAX_TOKEN_LIFETIME_SECONDS, type Grant } from './claims.ts';
import type { SigningKey } from './keys.ts';

export interface MintOptions {
  readonly subject: string;
  readonly grant: Grant;
  readonly ttlSeconds: number;
  readonly issuer?: string;
  readonly audience?: string;
  readonly now?: number;
}

/** Mint a single-use sidecar token bound to one pod and profile type. */
export function mintSidecarToken(key: SigningKey, opts: MintOptions): string {
  if (!(opts.ttlSeconds > 0) || opts.ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
    throw new Error(`token ttl must be between 1 and ${MAX_TOKEN_LIFETIME_SECONDS} seconds`);
  }
  const iat = Math.floor((opts.now ?? Date.now()) / 1000);
  const payload = {
    iss: opts.issuer ?? DEFAULT_ISSUER,
    aud: opts.audience ?? DEFAULT_AUDIENCE,
    sub: opts.subject,
    iat,
    nbf: iat,
    exp: iat + Math.ceil(opts.ttlSeconds),
    jti: randomUUID(),
    podprof: { ...opts.grant },
  };
  return jwt.sign(payload, key.privateKey, { algorithm: 'ES256', keyid: key.kid });
}
