// ES256 signing keys and their public JWKS. A key's kid is its RFC 7638 thumbprint.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

export interface Jwks {
  keys: EcPublicJwk[];
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: EcPublicJwk;
}

export function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

export function publicJwkOf(key: KeyObject, kid?: string): EcPublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('signing keys must be ECDSA P-256 (ES256)');
  }
  const base = { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x, y: jwk.y };
  return { ...base, kid: kid ?? thumbprint(base), alg: 'ES256', use: 'sig' };
}

export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = publicJwkOf(privateKey);
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

export function loadSigningKey(pem: string, kid?: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicJwk = publicJwkOf(privateKey, kid);
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

export function privateKeyPem(key: SigningKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Parse a JWKS document into verification keys by kid. Non-ES256 keys are refused. */
export function parseJwks(text: string): Map<string, KeyObject> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('JWKS is not valid JSON');
  }
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error('JWKS has no "keys" array');
  const out = new Map<string, KeyObject>();
  for (const k of keys as Record<string, unknown>[]) {
    if (k.kty !== 'EC' || k.crv !== 'P-256' || typeof k.kid !== 'string' || typeof k.x !== 'string' || typeof k.y !== 'string') {
      throw new Error(`JWKS key ${String(k.kid)} is not an ES256 (EC P-256) key with a kid`);
    }
    if (k.alg !== undefined && k.alg !== 'ES256') throw new Error(`JWKS key ${k.kid} has alg ${JSON.stringify(k.alg)}, want ES256`);
    out.set(k.kid, createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: k.x, y: k.y }, format: 'jwk' }));
  }
  return out;
}
