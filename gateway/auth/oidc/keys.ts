// The provider's signing keys, by kid, and the algorithms podprof accepts
// (pure but for node:crypto): asymmetric only — no `none`, no HS* (whose
// "key" would be public) — and each only with the key type it belongs to.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';

export const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type Alg = (typeof ALLOWED_ALGS)[number];

export const isAllowedAlg = (a: unknown): a is Alg => typeof a === 'string' && (ALLOWED_ALGS as readonly string[]).includes(a);

/** Keys taken from one JWKS at most: a provider publishes a handful. */
export const MAX_KEYS = 64;

export interface Jwk {
  readonly kid?: unknown;
  readonly kty?: unknown;
  readonly use?: unknown;
  readonly alg?: unknown;
  readonly crv?: unknown;
}

const CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/** Does this key fit this algorithm (kty, curve, and the key's own alg when it names one)? */
export function keyFits(jwk: Jwk, alg: Alg): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === CURVE[alg];
  return jwk.kty === 'OKP' && (jwk.crv === 'Ed25519' || jwk.crv === 'Ed448');
}

export interface SigningKey {
  readonly jwk: Jwk;
  readonly key: KeyObject;
}

/** A JWKS document's signing keys by kid (keys without a kid under ''), bounded; unusable entries skipped. */
export function keysOf(doc: unknown): Map<string, SigningKey[]> {
  const out = new Map<string, SigningKey[]>();
  const list = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) return out;
  for (const jwk of list.slice(0, MAX_KEYS) as Jwk[]) {
    if (typeof jwk !== 'object' || jwk === null || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    try {
      const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
      const kid = typeof jwk.kid === 'string' ? jwk.kid : '';
      out.set(kid, [...(out.get(kid) ?? []), { jwk, key }]);
    } catch {
      /* not a public key node can read: skipped */
    }
  }
  return out;
}

/** Checks a JWS signature made with `alg`. */
export function verifies(alg: Alg, key: KeyObject, signed: Buffer, signature: Buffer): boolean {
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  try {
    if (alg.startsWith('PS'))
      return verify(
        hash,
        signed,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
    if (alg.startsWith('ES')) return verify(hash, signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
    return verify(hash, signed, key, signature);
  } catch {
    return false;
  }
}
